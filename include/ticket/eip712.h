/* SPDX-License-Identifier: MIT */
#ifndef TICKET_EIP712_H
#define TICKET_EIP712_H

/** EIP-712 typed-data hashing and signatures (docs/receipts.md R1).
 *
 *  digest = keccak256(0x19 0x01 || domainSeparator || hashStruct(message)),
 *  hashStruct(s) = keccak256(typeHash || encodeData(s)), every member one
 *  32-byte word: atomic values big-endian (an address left-padded), a
 *  string the keccak256 of its bytes, a bytes32[] the keccak256 of its
 *  concatenated elements (the empty array: keccak256("")).
 *
 *  Signatures are over the digest itself (no EIP-191 prefix) and are
 *  checked exactly like tk_eth_verify (docs/protocol-notes.md section 1:
 *  length 65, v in {27, 28}, 0 < r < n, 0 < s <= n/2, recovery, address;
 *  in that order, each with its own status). Public data only;
 *  thread-safe. */

#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The domain separator of EIP712Domain(string name,string version,
 *  uint256 chainId,address verifyingContract).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (out zeroed).
 *  In:      name, version: NUL-terminated UTF-8 strings. */
TK_API tk_status tk_eip712_domain_separator(tk_hash *out, const char *name,
    const char *version, const tk_u256 *chain_id,
    const tk_address *verifying_contract)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** encodeData of a bytes32[] member: keccak256(items[0] || ... ).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (items NULL with count > 0).
 *  In:      items: may be NULL when count is 0. */
TK_API tk_status tk_eip712_hash_array(tk_hash *out, const tk_hash *items,
    size_t count) TK_ARG_NONNULL(1);

/** hashStruct = keccak256(type_hash || words[0] || ... ), the words being
 *  the members already encoded (tk_eip712_word_address, big-endian
 *  tk_u256 bytes, tk_eip712_hash_array, ...).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eip712_hash_struct(tk_hash *out, const tk_hash *type_hash,
    const tk_hash *words, size_t count) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** An address as a 32-byte word (12 zero bytes, then the address).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eip712_word_address(tk_hash *out, const tk_address *addr)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** digest = keccak256(0x19 0x01 || domain_separator || struct_hash).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (out zeroed). */
TK_API tk_status tk_eip712_digest(tk_hash *out,
    const tk_hash *domain_separator, const tk_hash *struct_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Sign a digest (RFC 6979, low s, v = 27 + recovery id).
 *  Returns: TK_OK; TK_ERR_INVALID_PRIVKEY; TK_ERR_ILLEGAL_ARG.
 *  Out:     sig: zeroed on failure.
 *  Secrets: seckey32 is only read; no copy survives the call. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eip712_sign(const tk_ctx *ctx,
    tk_sig *sig, const uint8_t seckey32[32], const tk_hash *digest)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Recover the signer of a digest after the acceptance checks.
 *  Returns: TK_OK; TK_ERR_SIG_BAD_LENGTH, TK_ERR_SIG_BAD_V,
 *           TK_ERR_SIG_BAD_R, TK_ERR_SIG_BAD_S, TK_ERR_SIG_HIGH_S,
 *           TK_ERR_SIG_RECOVERY_FAILED; TK_ERR_ILLEGAL_ARG.
 *  Out:     out: zeroed on failure.
 *  In:      sig: may be NULL when siglen is 0. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eip712_recover(const tk_ctx *ctx,
    tk_address *out, const tk_hash *digest, const uint8_t *sig, size_t siglen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** tk_eip712_recover() and compare with expected.
 *  Returns: TK_OK; its statuses; TK_ERR_SIG_WRONG_SIGNER. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eip712_verify(const tk_ctx *ctx,
    const tk_address *expected, const tk_hash *digest, const uint8_t *sig,
    size_t siglen) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_EIP712_H */

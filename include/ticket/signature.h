/* SPDX-License-Identifier: MIT */
#ifndef TICKET_SIGNATURE_H
#define TICKET_SIGNATURE_H

/** EIP-191 "personal sign" signatures over 32-byte messages
 *  (docs/protocol-notes.md section 1):
 *  d = keccak("\x19Ethereum Signed Message:\n32" || m), ECDSA secp256k1
 *  with RFC 6979 nonces, serialized r || s || v, low s, v = 27 + recovery id.
 *
 *  Verification accepts exactly what the TicketBroker contract and the Go
 *  node accept: length 65, v in {27, 28}, 0 < r < n, 0 < s <= n/2, the key
 *  recovers, and its address matches. Checks run in that order, each
 *  failure with its own status. Thread-safe. */

#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** d = keccak("\x19Ethereum Signed Message:\n32" || msg). */
TK_API tk_status tk_eth_signed_hash(tk_hash *out, const tk_hash *msg)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Sign msg (EIP-191) with seckey32. Deterministic (RFC 6979).
 *  Returns: TK_OK; TK_ERR_INVALID_PRIVKEY; TK_ERR_ILLEGAL_ARG.
 *  Out:     sig: zeroed on failure.
 *  Secrets: seckey32 is only read; no copy survives the call. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_sign(const tk_ctx *ctx,
    tk_sig *sig, const uint8_t seckey32[32], const tk_hash *msg)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Recover the signer's address of an EIP-191 signature over msg after
 *  the acceptance checks (everything but the address match).
 *  Returns: TK_OK; TK_ERR_SIG_BAD_LENGTH, TK_ERR_SIG_BAD_V,
 *           TK_ERR_SIG_BAD_R, TK_ERR_SIG_BAD_S, TK_ERR_SIG_HIGH_S,
 *           TK_ERR_SIG_RECOVERY_FAILED; TK_ERR_ILLEGAL_ARG.
 *  Out:     out: zeroed on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_recover(const tk_ctx *ctx,
    tk_address *out, const tk_hash *msg, const uint8_t *sig, size_t siglen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** tk_eth_recover() and compare with expected: TK_ERR_SIG_WRONG_SIGNER when
 *  a different key signed. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_verify(const tk_ctx *ctx,
    const tk_address *expected, const tk_hash *msg, const uint8_t *sig,
    size_t siglen) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_SIGNATURE_H */

/* SPDX-License-Identifier: MIT */
#ifndef TICKET_KEYS_H
#define TICKET_KEYS_H

/** Ethereum keys and addresses: key generation and validation, address
 *  derivation, EIP-55 checksummed text. Thread-safe (the context is only
 *  read). Secret inputs are never copied beyond the call, and every local
 *  copy is wiped before return. */

#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** "0x" + 40 hex digits + NUL. */
#define TK_ADDRESS_HEX_MAX 43

/** Draw a fresh private key in [1, n-1] from the OS CSPRNG.
 *  Returns: TK_OK; TK_ERR_RNG; TK_ERR_ILLEGAL_ARG. seckey32 is zeroed on
 *  failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_key_generate(const tk_ctx *ctx,
    uint8_t seckey32[32]) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** TK_OK if seckey32 is a valid key (0 < key < n), else
 *  TK_ERR_INVALID_PRIVKEY. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_key_verify(const tk_ctx *ctx,
    const uint8_t seckey32[32]) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The 65-byte uncompressed public key 0x04 || X || Y. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_key_pubkey(const tk_ctx *ctx,
    uint8_t pubkey65[65], const uint8_t seckey32[32])
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** The address of a private key: last 20 bytes of keccak(X || Y). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_key_address(const tk_ctx *ctx,
    tk_address *out, const uint8_t seckey32[32])
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** The address of an uncompressed public key (65 bytes, 0x04 prefix).
 *  Returns: TK_OK; TK_ERR_MALFORMED (wrong prefix or not a curve point);
 *           TK_ERR_ILLEGAL_ARG. out is zeroed on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_pubkey_address(tk_address *out,
    const uint8_t pubkey65[65]) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Parse "0x" + 40 hex digits. All-lowercase or all-uppercase digits are
 *  accepted as they are; a mixed-case string must carry a correct EIP-55
 *  checksum.
 *  Returns: TK_OK; TK_ERR_INVALID_ADDRESS (prefix, length or non-hex);
 *           TK_ERR_BAD_CHECKSUM; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_address_from_hex(tk_address *out,
    const char *text, size_t len) TK_ARG_NONNULL(1);

/** Render "0x..." NUL-terminated: EIP-55 checksummed if checksummed != 0,
 *  else lowercase. cap >= TK_ADDRESS_HEX_MAX. */
TK_API tk_status tk_address_to_hex(char *out, size_t cap,
    const tk_address *addr, int checksummed)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** 1 if all 20 bytes are zero (or addr is NULL), else 0. */
TK_API int tk_address_is_zero(const tk_address *addr) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_KEYS_H */

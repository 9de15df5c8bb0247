/* SPDX-License-Identifier: MIT */
#ifndef TICKET_U256_H
#define TICKET_U256_H

/** Conversions of 256-bit integers and byte strings to and from text, and
 *  the few comparisons the protocol needs. All functions are pure and
 *  thread-safe; none allocates. Parsers take (text, length) and never read
 *  past length; text need not be NUL-terminated. */

#include "ticket/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest decimal rendering of a uint256 (78 digits) plus the NUL. */
#define TK_U256_DEC_MAX 79
/** "0x" + 64 hex digits + NUL. */
#define TK_U256_HEX_MAX 67

/** Parse a decimal string ("0", "115792...935"). Digits only: no sign,
 *  spaces, or prefix; leading zeros are allowed.
 *  Returns: TK_OK; TK_ERR_INVALID_NUMBER (empty or non-digit);
 *           TK_ERR_OUT_OF_RANGE (>= 2^256); TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_u256_from_dec(tk_u256 *out,
    const char *text, size_t len) TK_ARG_NONNULL(1);

/** Render as decimal, NUL-terminated. cap >= TK_U256_DEC_MAX always fits.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_u256_to_dec(char *out, size_t cap, const tk_u256 *x)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** Parse "0x"-prefixed hex of 1..64 digits (either case) as an integer.
 *  Returns: TK_OK; TK_ERR_INVALID_HEX; TK_ERR_OUT_OF_RANGE (> 64 digits
 *           after leading zeros); TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_u256_from_hex(tk_u256 *out,
    const char *text, size_t len) TK_ARG_NONNULL(1);

/** Big-endian bytes of any length up to 32 (the wire's minimal form B(x);
 *  leading zero bytes are accepted and longer inputs whose extra leading
 *  bytes are all zero too).
 *  Returns: TK_OK; TK_ERR_OUT_OF_RANGE (value >= 2^256). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_u256_from_bytes(tk_u256 *out,
    const uint8_t *be, size_t len) TK_ARG_NONNULL(1);

/** The minimal big-endian encoding B(x): *len bytes starting at *p, which
 *  points into x (zero gives length 0). */
TK_API tk_status tk_u256_minimal(const uint8_t **p, size_t *len,
    const tk_u256 *x) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

TK_API tk_status tk_u256_from_u64(tk_u256 *out, uint64_t v) TK_ARG_NONNULL(1);

/** Returns TK_ERR_OVERFLOW (and *out = 0) when x >= 2^64. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_u256_to_u64(uint64_t *out,
    const tk_u256 *x) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** -1, 0 or 1 as a < b, a == b, a > b (variable time: public data only).
 *  A NULL pointer reads as zero. */
TK_API int tk_u256_cmp(const tk_u256 *a, const tk_u256 *b)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** 1 if x is zero (or NULL), else 0. */
TK_API int tk_u256_is_zero(const tk_u256 *x) TK_ARG_NONNULL(1);

/** 1 if all 32 bytes of h are zero (or h is NULL), else 0. Variable time:
 *  public data only (block hashes, rand hashes). */
TK_API int tk_hash_is_zero(const tk_hash *h) TK_ARG_NONNULL(1);

/** Decode "0x"-prefixed hex (even number of digits, either case; "0x" is
 *  the empty string) into out. *outlen: in, the capacity of out; out, the
 *  bytes written (or needed, with TK_ERR_BUFFER_TOO_SMALL).
 *  Returns: TK_OK; TK_ERR_INVALID_HEX; TK_ERR_BUFFER_TOO_SMALL. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_hex_decode(uint8_t *out,
    size_t *outlen, const char *hex, size_t hexlen) TK_ARG_NONNULL(2);

/** Encode as "0x" + lowercase hex + NUL; needs cap >= 2 * len + 3.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_hex_encode(char *out, size_t cap, const uint8_t *in,
    size_t len) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_U256_H */

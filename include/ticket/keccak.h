/* SPDX-License-Identifier: MIT */
#ifndef TICKET_KECCAK_H
#define TICKET_KECCAK_H

/** Keccak-256 as Ethereum uses it: rate 136 bytes, the original Keccak
 *  domain padding 0x01 ... 0x80 (NOT NIST SHA3-256, which pads 0x06).
 *
 *  The state is a caller-allocated value; it holds no pointers and needs no
 *  destroy. One state must not be used by two threads at once; distinct
 *  states are independent. Constant time in the data (no table lookups or
 *  branches on input bytes), so it may hash secrets. */

#include "ticket/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TK_KECCAK256_RATE 136

/* (The type is tk_keccak256_state: tk_keccak256 names the one-shot
 * function.) */
typedef struct tk_keccak256_state {
    uint64_t lanes[25]; /* Keccak-f[1600] state, lane (x, y) at x + 5y */
    size_t absorbed;    /* bytes absorbed into the current block */
} tk_keccak256_state;

/** Start a hash.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (st NULL).
 *  Out:     st: the empty state. */
TK_API tk_status tk_keccak256_init(tk_keccak256_state *st)
    TK_ARG_NONNULL(1);

/** Absorb len bytes.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (st NULL, data NULL with len > 0,
 *           or st not a state from tk_keccak256_init).
 *  In/Out:  st: the state.
 *  In:      data, len: the bytes (data may be NULL when len == 0). */
TK_API tk_status tk_keccak256_update(tk_keccak256_state *st,
    const void *data, size_t len) TK_ARG_NONNULL(1);

/** Pad, squeeze 32 bytes into out, and wipe the state.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (out or st NULL, or st not a state
 *           from tk_keccak256_init: out is then zeroed).
 *  Out:     out: the hash.
 *  In/Out:  st: wiped (init it again to hash more). */
TK_API tk_status tk_keccak256_final(tk_keccak256_state *st, tk_hash *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** One-shot Keccak-256.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (out NULL, or data NULL with len > 0:
 *           out is then zeroed).
 *  Out:     out: the hash.
 *  In:      data, len: the bytes (data may be NULL when len == 0). */
TK_API tk_status tk_keccak256(tk_hash *out, const void *data, size_t len)
    TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_KECCAK_H */

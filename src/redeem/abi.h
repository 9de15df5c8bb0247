/* SPDX-License-Identifier: MIT */
#ifndef TK_REDEEM_ABI_H
#define TK_REDEEM_ABI_H

/* Internal to the redeem layer: sizes and word helpers shared by the ABI
 * encoder and decoder. */

#include "ticket/common.h"
#include "ticket/ticket.h"

/* The ticket tuple's head is 7 words; auxData's offset within it is 0xe0. */
#define TK_ABI_TUPLE_HEAD (7 * 32)
/* Head plus auxData's length word; auxData (0 or 64 bytes) follows. */
#define TK_ABI_TUPLE_FIXED (TK_ABI_TUPLE_HEAD + 32)
/* A signature as ABI bytes: length word + 65 bytes padded to 96. */
#define TK_ABI_SIG_LEN (32 + 96)

/* w = u256(v). */
void tk__abi_put_u64(uint8_t w[32], uint64_t v);
/* The 4 selector bytes of sel (big-endian). */
void tk__abi_put_selector(uint8_t out[4], uint32_t sel);
/* Encoded size of t's tuple (TK_ABI_TUPLE_FIXED + 0 or 64). */
tk_status tk__abi_tuple_len(size_t *len, const tk_ticket *t);

#endif /* TK_REDEEM_ABI_H */

/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_RLP_H
#define TK_ETH_RLP_H

/* Recursive Length Prefix (Ethereum yellow paper, appendix B), the part
 * transactions need: byte strings, unsigned integers (minimal big-endian,
 * zero is the empty string) and lists.
 *
 * Encoding goes through a writer that writes into a buffer, hashes into a
 * Keccak state (a signing hash without a copy of the data), or only counts
 * (both NULL), so a caller runs its encoder twice: once to size the list
 * payload and the output, once to write. Decoding is strict: only the canonical encoding of
 * an item is accepted (a single byte below 0x80 is itself; a short form is
 * used whenever it fits; length fields have no leading zeros), every length
 * is checked against the bytes left before it is used, and nothing is
 * allocated. */

#include "ticket/common.h"
#include "ticket/keccak.h"

typedef struct tk__rlp_writer {
    uint8_t *p;             /* write here, or */
    tk_keccak256_state *ks; /* absorb here; both NULL: count only */
    size_t len;             /* bytes written (or counted) so far */
} tk__rlp_writer;

/* Raw bytes (no header). */
void tk__rlp_put_raw(tk__rlp_writer *w, const uint8_t *b, size_t n);

void tk__rlp_put_bytes(tk__rlp_writer *w, const uint8_t *b, size_t n);
/* The integer in n big-endian bytes (leading zeros are stripped). */
void tk__rlp_put_uint(tk__rlp_writer *w, const uint8_t *be, size_t n);
void tk__rlp_put_u64(tk__rlp_writer *w, uint64_t v);
/* The header of a list whose items take payload_len bytes. */
void tk__rlp_put_list_header(tk__rlp_writer *w, size_t payload_len);

typedef struct tk__rlp_item {
    const uint8_t *p; /* payload */
    size_t len;       /* payload length */
    int is_list;
} tk__rlp_item;

/* The item at the start of in[0, len): *used is the bytes its header and
 * payload take. TK_ERR_MALFORMED for a truncated or non-canonical item. */
tk_status tk__rlp_next(tk__rlp_item *item, size_t *used, const uint8_t *in,
                       size_t len);
/* A cursor over a list payload: the next item, advancing *p and *left.
 * TK_ERR_MALFORMED when none is left or it does not parse. */
tk_status tk__rlp_take(tk__rlp_item *item, const uint8_t **p, size_t *left);
/* A string item as an integer: no leading zero byte, at most 32 bytes
 * (out32 big-endian), at most 8 for the u64 form. TK_ERR_MALFORMED if not. */
tk_status tk__rlp_uint(uint8_t out32[32], const tk__rlp_item *item);
tk_status tk__rlp_u64(uint64_t *out, const tk__rlp_item *item);

#endif /* TK_ETH_RLP_H */

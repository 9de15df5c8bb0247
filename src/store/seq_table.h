/* SPDX-License-Identifier: MIT */
#ifndef TK_STORE_SEQ_TABLE_H
#define TK_STORE_SEQ_TABLE_H

/* The highest request seq served per (sender, manifest id), for the in-memory
 * store (docs/protocol-notes.md section 10). Keyed by keccak(sender ||
 * manifestId), so an entry is 40 bytes whatever the id's length. Not locked:
 * the store's mutex guards it. */

#include "ticket/common.h"

typedef struct tk__seq_entry {
    tk_hash key;
    uint64_t seq;
    int used;
} tk__seq_entry;

typedef struct tk__seq_table {
    tk__seq_entry *slots;
    size_t n, cap; /* cap is a power of two, or 0 */
} tk__seq_table;

/* keccak(sender || manifest_id): the key of one stream of one sender. */
void tk__seq_key(tk_hash *out, const tk_address *sender,
                 const uint8_t *manifest_id, size_t manifest_id_len);

/* Store seq for key if it is above the stored one (or none is stored):
 * TK_OK; TK_ERR_STALE_SEQ (nothing changes); TK_ERR_NOMEM (nothing
 * changes). */
tk_status tk__seq_table_advance(tk__seq_table *t, const tk_hash *key,
                                uint64_t seq);

void tk__seq_table_free(tk__seq_table *t);

#endif

/* SPDX-License-Identifier: MIT */
/* Open-addressing table of request seqs (see seq_table.h). */
#include "store/seq_table.h"

#include "ticket/keccak.h"

#include <stdlib.h>
#include <string.h>

void tk__seq_key(tk_hash *out, const tk_address *sender, const uint8_t *manifest_id,
                 size_t manifest_id_len)
{
    tk_keccak256_state ks;

    (void)tk_keccak256_init(&ks);
    (void)tk_keccak256_update(&ks, sender->bytes, TK_ADDRESS_LEN);
    (void)tk_keccak256_update(&ks, manifest_id, manifest_id_len);
    (void)tk_keccak256_final(&ks, out);
}

/* Keys are Keccak outputs: their first bytes index the table directly. */
static tk__seq_entry *find(tk__seq_entry *slots, size_t cap, const tk_hash *key)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | key->bytes[i];
    for (size_t i = (size_t)(v & (cap - 1));; i = (i + 1) & (cap - 1))
        if (!slots[i].used || memcmp(slots[i].key.bytes, key->bytes, TK_HASH_LEN) == 0)
            return &slots[i];
}

static tk_status grow(tk__seq_table *t)
{
    size_t cap = t->cap == 0 ? 64 : t->cap * 2;
    tk__seq_entry *slots = calloc(cap, sizeof *slots);

    if (slots == NULL)
        return TK_ERR_NOMEM;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].used)
            *find(slots, cap, &t->slots[i].key) = t->slots[i];
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return TK_OK;
}

tk_status tk__seq_table_advance(tk__seq_table *t, const tk_hash *key, uint64_t seq)
{
    tk__seq_entry *e;

    /* Keep it at most half full (grow before looking: all or nothing). */
    if ((t->n + 1) * 2 > t->cap && grow(t) != TK_OK)
        return TK_ERR_NOMEM;
    e = find(t->slots, t->cap, key);
    if (e->used && seq <= e->seq)
        return TK_ERR_STALE_SEQ;
    if (!e->used) {
        e->used = 1;
        e->key = *key;
        t->n++;
    }
    e->seq = seq;
    return TK_OK;
}

void tk__seq_table_free(tk__seq_table *t)
{
    free(t->slots);
    t->slots = NULL;
    t->n = t->cap = 0;
}

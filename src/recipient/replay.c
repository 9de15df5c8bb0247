/* SPDX-License-Identifier: MIT */
/* The sharded replay set (see replay.h for the layout and its memory). */
#include "replay.h"

#include "ticket/recipient.h" /* TK_MAX_NONCES_PER_RAND */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define MIN_TABLE 16
#define FIRST_NONCE_CAP 4

typedef struct replay_entry {
    tk_hash rand_hash;
    uint64_t expiration; /* params expiration block (saturated to u64) */
    uint32_t *nonces;    /* count sorted entries, cap allocated */
    uint16_t count, cap;
    uint32_t used;       /* slot occupied */
} replay_entry;

struct tk__replay_shard {
    pthread_mutex_t mu;
    replay_entry *table; /* cap slots, power of two (or NULL, cap 0) */
    size_t cap, count;
    size_t nonces;       /* nonces over all entries */
    size_t nonce_slots;  /* allocated nonce slots over all entries */
    uint64_t swept_at;   /* last block this shard was swept at */
};

/* Each shard on its own 128 bytes: threads working on different shards
 * never share a cache line (no false sharing on the mutexes). */
typedef union padded_shard {
    tk__replay_shard sh;
    unsigned char pad[128];
} padded_shard;

struct tk__replay {
    padded_shard shards[SHARDS];
};

_Static_assert(sizeof(tk__replay_shard) <= 128, "a shard fits its padding");

_Static_assert(TK_MAX_NONCES_PER_RAND <= UINT16_MAX, "nonce count fits uint16_t");

/* Rand hashes are Keccak outputs of an HMAC under our secret (a sender
 * cannot pick them: the rand hash is checked before anything is recorded),
 * so their bytes are uniform: byte 31 picks the shard, bytes 0..7 the slot. */
static size_t home_slot(const tk_hash *h, size_t cap)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | h->bytes[i];
    return (size_t)(v & (uint64_t)(cap - 1));
}

tk_status tk__replay_create(tk__replay **out)
{
    tk__replay *rs = calloc(1, sizeof *rs);
    int i;

    *out = NULL;
    if (rs == NULL)
        return TK_ERR_NOMEM;
    for (i = 0; i < SHARDS; i++) {
        if (pthread_mutex_init(&rs->shards[i].sh.mu, NULL) != 0) {
            while (i-- > 0)
                pthread_mutex_destroy(&rs->shards[i].sh.mu);
            free(rs);
            return TK_ERR_NOMEM;
        }
    }
    *out = rs;
    return TK_OK;
}

void tk__replay_destroy(tk__replay *rs)
{
    if (rs == NULL)
        return;
    for (int i = 0; i < SHARDS; i++) {
        tk__replay_shard *sh = &rs->shards[i].sh;
        for (size_t j = 0; j < sh->cap; j++)
            free(sh->table[j].nonces);
        free(sh->table);
        pthread_mutex_destroy(&sh->mu);
    }
    free(rs);
}

/* The slot holding rand_hash, or the empty slot where it would go. */
static replay_entry *find(replay_entry *table, size_t cap, const tk_hash *h)
{
    for (size_t i = home_slot(h, cap);; i = (i + 1) & (cap - 1)) {
        replay_entry *e = &table[i];
        if (!e->used || memcmp(e->rand_hash.bytes, h->bytes, TK_HASH_LEN) == 0)
            return e;
    }
}

static tk_status resize(tk__replay_shard *sh, size_t cap)
{
    replay_entry *table = calloc(cap, sizeof *table);
    if (table == NULL)
        return TK_ERR_NOMEM;
    for (size_t i = 0; i < sh->cap; i++)
        if (sh->table[i].used)
            *find(table, cap, &sh->table[i].rand_hash) = sh->table[i];
    free(sh->table);
    sh->table = table;
    sh->cap = cap;
    return TK_OK;
}

/* Empty slot `hole` and move the rest of its probe cluster back so that every
 * entry stays reachable from its home slot (backward-shift deletion). */
static void delete_slot(tk__replay_shard *sh, size_t hole)
{
    size_t mask = sh->cap - 1;

    sh->nonces -= sh->table[hole].count;
    sh->nonce_slots -= sh->table[hole].cap;
    free(sh->table[hole].nonces);
    memset(&sh->table[hole], 0, sizeof sh->table[hole]);
    sh->count--;
    for (size_t i = (hole + 1) & mask; sh->table[i].used; i = (i + 1) & mask) {
        size_t home = home_slot(&sh->table[i].rand_hash, sh->cap);
        /* Move i into the hole unless its home lies cyclically in
         * (hole, i]: then the hole does not break its probe path. */
        int stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
        if (stays)
            continue;
        sh->table[hole] = sh->table[i];
        memset(&sh->table[i], 0, sizeof sh->table[i]);
        hole = i;
    }
}

static void sweep(tk__replay_shard *sh, uint64_t last_block)
{
    size_t i = 0;

    sh->swept_at = last_block;
    /* A deletion may shift a later entry into slot i: re-check it. An
     * entry only ever moves back within its cluster, so an unvisited entry
     * never lands in a visited slot and one pass sees every entry. */
    while (i < sh->cap) {
        if (sh->table[i].used && sh->table[i].expiration < last_block)
            delete_slot(sh, i);
        else
            i++;
    }
    /* Give memory back after a large expiry wave (best effort). */
    if (sh->cap > MIN_TABLE && sh->count * 8 < sh->cap) {
        size_t cap = sh->cap;
        while (cap > MIN_TABLE && sh->count * 8 < cap)
            cap /= 2;
        (void)resize(sh, cap);
    }
}

tk__replay_shard *tk__replay_lock(tk__replay *rs, const tk_hash *rand_hash, uint64_t last_block)
{
    tk__replay_shard *sh = &rs->shards[rand_hash->bytes[TK_HASH_LEN - 1] % SHARDS].sh;
    pthread_mutex_lock(&sh->mu);
    if (last_block > sh->swept_at && sh->count > 0)
        sweep(sh, last_block);
    return sh;
}

void tk__replay_unlock(tk__replay_shard *sh)
{
    pthread_mutex_unlock(&sh->mu);
}

/* Index of the first element >= nonce in the sorted array. */
static size_t lower_bound(const uint32_t *a, size_t n, uint32_t nonce)
{
    size_t lo = 0, hi = n;
    /* Nonces usually arrive in increasing order: check the end first. */
    if (n > 0 && a[n - 1] < nonce)
        return n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < nonce)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

tk_status tk__replay_add(tk__replay_shard *sh, const tk_hash *rand_hash, uint64_t expiration,
                         uint32_t nonce)
{
    replay_entry *e;
    size_t pos;

    if ((sh->count + 1) * 4 > sh->cap * 3) {
        tk_status st = resize(sh, sh->cap == 0 ? MIN_TABLE : sh->cap * 2);
        if (st != TK_OK)
            return st;
    }
    e = find(sh->table, sh->cap, rand_hash);
    if (e->used) {
        pos = lower_bound(e->nonces, e->count, nonce);
        if (pos < e->count && e->nonces[pos] == nonce)
            return TK_ERR_REPLAYED_NONCE;
        if (e->count >= TK_MAX_NONCES_PER_RAND)
            return TK_ERR_NONCE_LIMIT;
    } else {
        pos = 0;
    }
    if (!e->used || e->count == e->cap) {
        size_t cap = e->cap == 0 ? FIRST_NONCE_CAP : (size_t)e->cap * 2;
        uint32_t *grown;
        if (cap > TK_MAX_NONCES_PER_RAND)
            cap = TK_MAX_NONCES_PER_RAND;
        grown = realloc(e->nonces, cap * sizeof *grown);
        if (grown == NULL)
            return TK_ERR_NOMEM;
        if (!e->used) {
            e->rand_hash = *rand_hash;
            e->expiration = expiration;
            e->used = 1;
            sh->count++;
        }
        sh->nonce_slots += cap - e->cap;
        e->nonces = grown;
        e->cap = (uint16_t)cap;
    }
    if (expiration > e->expiration)
        e->expiration = expiration;
    memmove(&e->nonces[pos + 1], &e->nonces[pos], (e->count - pos) * sizeof *e->nonces);
    e->nonces[pos] = nonce;
    e->count++;
    sh->nonces++;
    return TK_OK;
}

void tk__replay_remove(tk__replay_shard *sh, const tk_hash *rand_hash, uint32_t nonce)
{
    replay_entry *e;
    size_t pos;

    if (sh->cap == 0)
        return;
    e = find(sh->table, sh->cap, rand_hash);
    if (!e->used)
        return;
    pos = lower_bound(e->nonces, e->count, nonce);
    if (pos == e->count || e->nonces[pos] != nonce)
        return;
    memmove(&e->nonces[pos], &e->nonces[pos + 1], (e->count - pos - 1) * sizeof *e->nonces);
    e->count--;
    sh->nonces--;
    if (e->count == 0)
        delete_slot(sh, (size_t)(e - sh->table));
}

void tk__replay_prune(tk__replay *rs, uint64_t last_block)
{
    for (int i = 0; i < SHARDS; i++) {
        tk__replay_shard *sh = &rs->shards[i].sh;
        pthread_mutex_lock(&sh->mu);
        if (sh->count > 0)
            sweep(sh, last_block);
        pthread_mutex_unlock(&sh->mu);
    }
}

void tk__replay_stats(tk__replay *rs, size_t *rands, size_t *nonces, size_t *bytes)
{
    *rands = *nonces = *bytes = 0;
    for (int i = 0; i < SHARDS; i++) {
        tk__replay_shard *sh = &rs->shards[i].sh;
        pthread_mutex_lock(&sh->mu);
        *rands += sh->count;
        *nonces += sh->nonces;
        *bytes += sh->cap * sizeof(replay_entry) + sh->nonce_slots * sizeof(uint32_t);
        pthread_mutex_unlock(&sh->mu);
    }
}

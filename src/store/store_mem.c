/* SPDX-License-Identifier: MIT */
/* The in-memory winning-ticket store (include/ticket/store.h).
 *
 * Winners live in a tk__winner_vec with an open-addressing index by ticket
 * hash (put is idempotent); list() takes a snapshot under the lock, sorts it
 * by (creation round, hash) and runs the visitor outside the lock, so a
 * visitor may call back into the store (the redemption queue does).
 * Seen nonces live in a second open-addressing set keyed by
 * (recipientRandHash, nonce); nonce_add_many grows the set before it
 * inserts, so a batch is stored whole or not at all; nonce_claim is the
 * same insert that also reports which nonces were new, under the same
 * lock, which makes it the judge of replays for every recipient sharing
 * this store. One mutex guards
 * everything: this store is for tests and single-process nodes, not for
 * throughput. */
#include "ticket/credential.h"
#include "ticket/store.h"
#include "ticket/u256.h"

#include "core/internal.h"
#include "store/fleet_table.h"
#include "store/seq_table.h"
#include "store/winner_vec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_nonce {
    tk_hash rand_hash;
    tk_u256 expiration_block;
    uint32_t nonce;
    uint32_t used; /* slot occupied */
} mem_nonce;

struct tk_store_mem {
    pthread_mutex_t mu;
    tk__winner_vec winners; /* insertion order */
    size_t *index; /* ticket hash -> winners position + 1; 0 = empty */
    size_t index_cap; /* power of two, or 0 */
    mem_nonce *nonces;
    size_t n_nonces, nonce_cap; /* power of two, or 0 */
    tk__seq_table seqs; /* request seqs per (sender, manifest id) */
    uint64_t block_mark; /* highest L1 block claimed or pruned at */
    tk__pending_table pending; /* redemptions in flight (store.h) */
    tk__lease lease;           /* the redeemer lease */
};

/* The keys are Keccak outputs (ticket hashes, rand hashes): their first
 * bytes are already uniform, so they index the tables directly. */
static size_t hash_slot(const tk_hash *h, size_t cap)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | h->bytes[i];
    return (size_t)(v & (uint64_t)(cap - 1));
}

static size_t nonce_slot(const tk_hash *h, uint32_t nonce, size_t cap)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | h->bytes[i];
    v ^= (uint64_t)nonce * 0x9e3779b97f4a7c15u;
    v ^= v >> 29;
    return (size_t)(v & (uint64_t)(cap - 1));
}

/* ---- winners ----------------------------------------------------------- */

static size_t *index_find(const tk_store_mem *s, const tk_hash *h)
{
    if (s->index_cap == 0)
        return NULL;
    for (size_t i = hash_slot(h, s->index_cap);; i = (i + 1) & (s->index_cap - 1)) {
        size_t *slot = &s->index[i];
        if (*slot == 0)
            return slot; /* empty: where it would go */
        if (memcmp(s->winners.v[*slot - 1].ticket_hash.bytes, h->bytes, TK_HASH_LEN) == 0)
            return slot;
    }
}

static tk_status index_rebuild(tk_store_mem *s, size_t cap)
{
    size_t *idx = calloc(cap, sizeof *idx);
    if (idx == NULL)
        return TK_ERR_NOMEM;
    free(s->index);
    s->index = idx;
    s->index_cap = cap;
    for (size_t w = 0; w < s->winners.n; w++)
        *index_find(s, &s->winners.v[w].ticket_hash) = w + 1;
    return TK_OK;
}

static tk_status mem_put_winner(void *self, const tk_winner *w)
{
    tk_store_mem *s = self;
    tk_status st = TK_OK;
    size_t *slot;

    if (s == NULL || w == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    /* Keep the index at most half full so probes stay short. */
    if ((s->winners.n + 1) * 2 > s->index_cap) {
        st = index_rebuild(s, s->index_cap == 0 ? 64 : s->index_cap * 2);
        if (st != TK_OK)
            goto out;
    }
    slot = index_find(s, &w->ticket_hash);
    if (*slot != 0)
        goto out; /* idempotent: the stored row stays as it is */
    st = tk__winner_vec_push(&s->winners, w);
    if (st == TK_OK)
        *slot = s->winners.n;
out:
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_get_winner(void *self, const tk_hash *ticket_hash, tk_winner *out)
{
    tk_store_mem *s = self;
    tk_status st = TK_ERR_NOT_FOUND;
    size_t *slot;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (s == NULL || ticket_hash == NULL || out == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    slot = index_find(s, ticket_hash);
    if (slot != NULL && *slot != 0) {
        *out = s->winners.v[*slot - 1];
        st = TK_OK;
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* set_state's change (s->mu held). */
static tk_status set_state_locked(tk_store_mem *s, const tk_hash *ticket_hash,
                                  tk_winner_state state, const tk_hash *tx_hash)
{
    size_t *slot = index_find(s, ticket_hash);
    tk_winner *w;

    if (slot == NULL || *slot == 0)
        return TK_ERR_NOT_FOUND;
    w = &s->winners.v[*slot - 1];
    w->state = state;
    if (tx_hash != NULL)
        w->tx_hash = *tx_hash;
    if (state == TK_WINNER_SUBMITTED)
        w->attempts++;
    return TK_OK;
}

static tk_status mem_set_state(void *self, const tk_hash *ticket_hash, tk_winner_state state,
                               const tk_hash *tx_hash)
{
    tk_store_mem *s = self;
    tk_status st;

    if (s == NULL || ticket_hash == NULL || (unsigned)state > (unsigned)TK_WINNER_EXPIRED)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    st = set_state_locked(s, ticket_hash, state, tx_hash);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static int winner_order(const void *pa, const void *pb)
{
    const tk_winner *a = pa, *b = pb;
    if (a->ticket.creation_round != b->ticket.creation_round)
        return a->ticket.creation_round < b->ticket.creation_round ? -1 : 1;
    return memcmp(a->ticket_hash.bytes, b->ticket_hash.bytes, TK_HASH_LEN);
}

static tk_status mem_list(void *self, const tk_address *sender, unsigned state_mask,
                          tk_winner_visit_fn fn, void *data)
{
    tk_store_mem *s = self;
    tk__winner_vec snap = {0};
    tk_status st = TK_OK;

    if (s == NULL || fn == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->winners.n && st == TK_OK; i++) {
        const tk_winner *w = &s->winners.v[i];
        if ((state_mask & TK_WINNER_STATE_BIT(w->state)) == 0)
            continue;
        if (sender != NULL && memcmp(w->ticket.sender.bytes, sender->bytes, TK_ADDRESS_LEN) != 0)
            continue;
        st = tk__winner_vec_push(&snap, w);
    }
    pthread_mutex_unlock(&s->mu);

    if (st == TK_OK && snap.n > 1)
        qsort(snap.v, snap.n, sizeof *snap.v, winner_order);
    for (size_t i = 0; st == TK_OK && i < snap.n; i++)
        if (fn(&snap.v[i], data) != 0)
            break;
    tk__winner_vec_free(&snap); /* wipes the copied recipient rands */
    return st;
}

/* ---- seen nonces ------------------------------------------------------- */

static mem_nonce *nonce_find(mem_nonce *tab, size_t cap, const tk_hash *h, uint32_t nonce)
{
    for (size_t i = nonce_slot(h, nonce, cap);; i = (i + 1) & (cap - 1)) {
        mem_nonce *e = &tab[i];
        if (!e->used || (e->nonce == nonce && memcmp(e->rand_hash.bytes, h->bytes, TK_HASH_LEN) == 0))
            return e;
    }
}

/* Rebuild the set into a table of cap slots; with prune, drop the entries
 * whose expiration block is below prune_before. */
static tk_status nonce_rebuild(tk_store_mem *s, size_t cap, uint64_t prune_before, int prune)
{
    mem_nonce *tab = calloc(cap, sizeof *tab);
    size_t n = 0;

    if (tab == NULL)
        return TK_ERR_NOMEM;
    for (size_t i = 0; i < s->nonce_cap; i++) {
        const mem_nonce *e = &s->nonces[i];
        uint64_t exp;
        if (!e->used)
            continue;
        if (prune && (tk_u256_to_u64(&exp, &e->expiration_block) == TK_OK) && exp < prune_before)
            continue;
        *nonce_find(tab, cap, &e->rand_hash, e->nonce) = *e;
        n++;
    }
    free(s->nonces);
    s->nonces = tab;
    s->nonce_cap = cap;
    s->n_nonces = n;
    return TK_OK;
}

/* All n nonces or none (caller holds the lock): the table is grown first
 * (the only step that can fail), then every insert lands. fresh (or NULL)
 * gets 1 for each nonce this call inserted. */
static tk_status insert_locked(tk_store_mem *s, const tk_hash *rand_hash, const uint32_t *nonces,
                               size_t n, const tk_u256 *expiration_block, uint8_t *fresh)
{
    tk_status st;
    size_t need, cap;

    /* Keep the set at most half full, counting every nonce as new. */
    if (n > SIZE_MAX / 4 - s->n_nonces)
        return TK_ERR_NOMEM;
    need = (s->n_nonces + n) * 2;
    for (cap = s->nonce_cap == 0 ? 256 : s->nonce_cap; cap < need;)
        cap *= 2;
    if (cap != s->nonce_cap && (st = nonce_rebuild(s, cap, 0, 0)) != TK_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        mem_nonce *e = nonce_find(s->nonces, s->nonce_cap, rand_hash, nonces[i]);
        if (fresh != NULL)
            fresh[i] = !e->used;
        if (!e->used) { /* idempotent */
            e->rand_hash = *rand_hash;
            e->nonce = nonces[i];
            e->expiration_block = *expiration_block;
            e->used = 1;
            s->n_nonces++;
        }
    }
    return TK_OK;
}

static tk_status mem_nonce_add_many(void *self, const tk_hash *rand_hash, const uint32_t *nonces,
                                    size_t n, const tk_u256 *expiration_block)
{
    tk_store_mem *s = self;
    tk_status st;

    if (s == NULL || rand_hash == NULL || expiration_block == NULL || (nonces == NULL && n > 0))
        return TK_ERR_ILLEGAL_ARG;
    if (n == 0)
        return TK_OK;
    pthread_mutex_lock(&s->mu);
    st = insert_locked(s, rand_hash, nonces, n, expiration_block, NULL);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_nonce_claim(void *self, const tk_hash *rand_hash, const uint32_t *nonces,
                                 size_t n, const tk_u256 *expiration_block, uint64_t seen_block,
                                 uint8_t *fresh, uint64_t *mark)
{
    tk_store_mem *s = self;
    tk_status st = TK_OK;

    if (mark != NULL)
        *mark = 0;
    if (fresh != NULL && n > 0)
        memset(fresh, 0, n);
    if (s == NULL || mark == NULL ||
        (n > 0 && (rand_hash == NULL || nonces == NULL || fresh == NULL ||
                   expiration_block == NULL)))
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    if (n > 0)
        st = insert_locked(s, rand_hash, nonces, n, expiration_block, fresh);
    if (st == TK_OK) {
        if (seen_block > s->block_mark)
            s->block_mark = seen_block;
        *mark = s->block_mark;
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_nonce_add(void *self, const tk_hash *rand_hash, uint32_t nonce,
                               const tk_u256 *expiration_block)
{
    return mem_nonce_add_many(self, rand_hash, &nonce, 1, expiration_block);
}

static tk_status mem_nonce_load(void *self, tk_nonce_visit_fn fn, void *data)
{
    tk_store_mem *s = self;
    mem_nonce *snap = NULL;
    size_t n = 0;

    if (s == NULL || fn == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    if (s->n_nonces > 0) {
        snap = malloc(s->n_nonces * sizeof *snap);
        if (snap == NULL) {
            pthread_mutex_unlock(&s->mu);
            return TK_ERR_NOMEM;
        }
        for (size_t i = 0; i < s->nonce_cap; i++)
            if (s->nonces[i].used)
                snap[n++] = s->nonces[i];
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        if (fn(&snap[i].rand_hash, snap[i].nonce, &snap[i].expiration_block, data) != 0) {
            free(snap);
            return TK_ERR_STORE; /* cut short: never a complete load */
        }
    }
    free(snap);
    return TK_OK;
}

/* Drops the nonces whose params expired before last_block (the L1 block has
 * passed their expiration block). */
static tk_status mem_nonce_prune(void *self, uint64_t last_block)
{
    tk_store_mem *s = self;
    tk_status st = TK_OK;

    if (s == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    if (s->nonce_cap > 0)
        st = nonce_rebuild(s, s->nonce_cap, last_block, 1);
    if (st == TK_OK && last_block > s->block_mark)
        s->block_mark = last_block;
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* ---- request seqs ------------------------------------------------------ */

static tk_status mem_seq_advance(void *self, const tk_address *sender, const uint8_t *manifest_id,
                                 size_t manifest_id_len, uint64_t seq)
{
    tk_store_mem *s = self;
    tk_status st;
    tk_hash key;

    if (s == NULL || sender == NULL || (manifest_id == NULL && manifest_id_len > 0) ||
        manifest_id_len > TK_MANIFEST_ID_MAX)
        return TK_ERR_ILLEGAL_ARG;
    tk__seq_key(&key, sender, manifest_id, manifest_id_len);
    pthread_mutex_lock(&s->mu);
    st = tk__seq_table_advance(&s->seqs, &key, seq);
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* ---- pending redemptions and the redeemer lease ----------------------- */

static tk_status mem_pending_add(void *self, const tk_hash *ticket_hash,
                                 const tk_address *sender, const tk_u256 *face_value,
                                 const tk_u256 *limit, int *added)
{
    tk_store_mem *s = self;
    tk_status st;

    if (added != NULL)
        *added = 0;
    if (s == NULL || ticket_hash == NULL || sender == NULL || face_value == NULL ||
        added == NULL || tk_u256_is_zero(face_value))
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    st = tk__pending_table_add(&s->pending, ticket_hash, sender, face_value, limit, added);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_pending_remove(void *self, const tk_hash *ticket_hash, int *removed)
{
    tk_store_mem *s = self;

    if (removed != NULL)
        *removed = 0;
    if (s == NULL || ticket_hash == NULL || removed == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    *removed = tk__pending_table_remove(&s->pending, ticket_hash);
    pthread_mutex_unlock(&s->mu);
    return TK_OK;
}

static tk_status mem_pending_total(void *self, const tk_address *sender, tk_u256 *out)
{
    tk_store_mem *s = self;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (s == NULL || sender == NULL || out == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    st = tk__pending_table_total(&s->pending, sender, out);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_lease_acquire(void *self, const char *holder, uint32_t ttl_ms,
                                   uint64_t *token)
{
    tk_store_mem *s = self;
    tk_status st;

    if (token != NULL)
        *token = 0;
    if (s == NULL || token == NULL || !tk__lease_holder_ok(holder))
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    st = tk__lease_acquire(&s->lease, holder, tk__now_ms(), ttl_ms, token);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_lease_release(void *self, const char *holder)
{
    tk_store_mem *s = self;

    if (s == NULL || !tk__lease_holder_ok(holder))
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    (void)tk__lease_release(&s->lease, holder);
    pthread_mutex_unlock(&s->mu);
    return TK_OK;
}

/* ---- fenced writes (store.h: *_fenced) ----------------------------------
 * The check and the write under one hold of s->mu: a new tenure (whose
 * acquisition takes it too) begins wholly before or wholly after. */

/* set_state_many: every hash looked up before any is written, so an
 * absent one changes nothing; the fence checked under the same hold. */
static tk_status mem_set_state_many(void *self, const tk_lease_fence *fence,
                                    const tk_hash *ticket_hashes, size_t n,
                                    tk_winner_state state, const tk_hash *tx_hash)
{
    tk_store_mem *s = self;
    tk_status st = TK_OK;

    if (s == NULL || (n > 0 && ticket_hashes == NULL) ||
        (fence != NULL && !tk__lease_fence_ok(fence)) ||
        (unsigned)state > (unsigned)TK_WINNER_EXPIRED)
        return TK_ERR_ILLEGAL_ARG;
    if (n == 0)
        return TK_OK;
    pthread_mutex_lock(&s->mu);
    if (fence != NULL)
        st = tk__lease_fence_check(&s->lease, fence);
    for (size_t i = 0; st == TK_OK && i < n; i++) {
        size_t *slot = index_find(s, &ticket_hashes[i]);
        if (slot == NULL || *slot == 0)
            st = TK_ERR_NOT_FOUND;
    }
    for (size_t i = 0; st == TK_OK && i < n; i++)
        st = set_state_locked(s, &ticket_hashes[i], state, tx_hash);
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* set_state_fenced: set_state_many of one hash, the fence required. */
static tk_status mem_set_state_fenced(void *self, const tk_lease_fence *fence,
                                      const tk_hash *ticket_hash, tk_winner_state state,
                                      const tk_hash *tx_hash)
{
    if (fence == NULL || ticket_hash == NULL)
        return TK_ERR_ILLEGAL_ARG;
    return mem_set_state_many(self, fence, ticket_hash, 1, state, tx_hash);
}

static tk_status mem_pending_add_fenced(void *self, const tk_lease_fence *fence,
                                        const tk_hash *ticket_hash,
                                        const tk_address *sender,
                                        const tk_u256 *face_value,
                                        const tk_u256 *limit, int *added)
{
    tk_store_mem *s = self;
    tk_status st;

    if (added != NULL)
        *added = 0;
    if (s == NULL || !tk__lease_fence_ok(fence) || ticket_hash == NULL || sender == NULL ||
        face_value == NULL || added == NULL || tk_u256_is_zero(face_value))
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    st = tk__lease_fence_check(&s->lease, fence);
    if (st == TK_OK)
        st = tk__pending_table_add(&s->pending, ticket_hash, sender, face_value, limit,
                                   added);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status mem_pending_remove_fenced(void *self, const tk_lease_fence *fence,
                                           const tk_hash *ticket_hash, int *removed)
{
    tk_store_mem *s = self;
    tk_status st;

    if (removed != NULL)
        *removed = 0;
    if (s == NULL || !tk__lease_fence_ok(fence) || ticket_hash == NULL || removed == NULL)
        return TK_ERR_ILLEGAL_ARG;
    pthread_mutex_lock(&s->mu);
    st = tk__lease_fence_check(&s->lease, fence);
    if (st == TK_OK)
        *removed = tk__pending_table_remove(&s->pending, ticket_hash);
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* ---- lifecycle --------------------------------------------------------- */

tk_status tk_store_mem_create(tk_store_mem **out)
{
    tk_store_mem *s;

    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return TK_ERR_NOMEM;
    }
    *out = s;
    return TK_OK;
}

void tk_store_mem_destroy(tk_store_mem *s)
{
    if (s == NULL)
        return;
    tk__winner_vec_free(&s->winners);
    free(s->index);
    free(s->nonces);
    tk__seq_table_free(&s->seqs);
    tk__pending_table_free(&s->pending);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

tk_status tk_store_mem_iface(tk_store_mem *s, tk_store *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && out != NULL);
    out->self = s;
    out->put_winner = mem_put_winner;
    out->get_winner = mem_get_winner;
    out->set_state = mem_set_state;
    out->list = mem_list;
    out->nonce_add = mem_nonce_add;
    out->nonce_load = mem_nonce_load;
    out->nonce_prune = mem_nonce_prune;
    out->nonce_add_many = mem_nonce_add_many;
    out->seq_advance = mem_seq_advance;
    out->nonce_claim = mem_nonce_claim;
    out->pending_add = mem_pending_add;
    out->pending_remove = mem_pending_remove;
    out->pending_total = mem_pending_total;
    out->lease_acquire = mem_lease_acquire;
    out->lease_release = mem_lease_release;
    out->set_state_fenced = mem_set_state_fenced;
    out->pending_add_fenced = mem_pending_add_fenced;
    out->pending_remove_fenced = mem_pending_remove_fenced;
    out->set_state_many = mem_set_state_many;
    return TK_OK;
}

/* SPDX-License-Identifier: MIT */
/* The PostgreSQL store's seen nonces and the judge of replays.
 *
 * nonce_claim is one transaction: raise the block mark if seen_block is
 * above it (an UPDATE that locks the mark row only then), read the mark
 * FOR SHARE, insert the nonces with ON CONFLICT DO NOTHING RETURNING
 * nonce, commit - sent in one libpq pipeline (pg_pipeline.c), so one
 * round trip, with nothing decided in C before the commit: the insert
 * itself checks that the mark row exists. The unique key decides which of two concurrent claims of
 * a nonce inserts it (the other waits for it to commit, then conflicts).
 * nonce_prune takes the mark row FOR UPDATE (by raising it) before it
 * deletes, so it waits for the claims holding the share lock and later
 * claims wait for it and read its raised mark: a claim either sees a
 * nonce before a prune deletes it or sees the mark the prune raised,
 * never neither. Claims that do not raise the mark share the lock, so
 * they run (and commit) side by side. */
#include "store_pg/pg_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No chain reaches 2^63 blocks; int8 is signed. */
static int64_t block_i64(uint64_t b)
{
    return b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)b;
}

/* "{n1,n2,...}": the nonces as a text int8[] parameter (malloc'd). */
static char *nonce_array(const uint32_t *nonces, size_t n)
{
    char *a, *p;

    if (n > (SIZE_MAX - 3) / 11)
        return NULL;
    a = malloc(11 * n + 3);
    if (a == NULL)
        return NULL;
    p = a;
    *p++ = '{';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, i == 0 ? "%u" : ",%u", (unsigned)nonces[i]);
    *p++ = '}';
    *p = '\0';
    return a;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* fresh[i] = 1 for the first occurrence of each nonce the INSERT
 * returned (duplicates within a call: the first is fresh). got: room for
 * n (the INSERT returns each distinct nonce at most once), allocated
 * before the claim commits so that no allocation can fail after it. */
static tk_status mark_fresh(const PGresult *r, const uint32_t *nonces,
                            size_t n, uint8_t *fresh, uint64_t *got)
{
    size_t m = (size_t)PQntuples(r);
    uint64_t key, *hit;
    int64_t v;

    if (m > n)
        return TK_ERR_STORE_CORRUPT;
    for (size_t j = 0; j < m; j++) {
        if (!tk__pg_get_i64(r, (int)j, 0, 0, UINT32_MAX, &v))
            return TK_ERR_STORE_CORRUPT;
        got[j] = (uint64_t)v << 1; /* low bit: already handed out */
    }
    qsort(got, m, sizeof *got, cmp_u64);
    for (size_t i = 0; i < n; i++) {
        key = (uint64_t)nonces[i] << 1;
        hit = m > 0 ? bsearch(&key, got, m, sizeof *got, cmp_u64) : NULL;
        fresh[i] = hit != NULL;
        if (hit != NULL)
            *hit |= 1; /* no longer equal to key: a repeat is not fresh */
    }
    return TK_OK;
}

/* The parameters of NONCE_ADD / NONCE_CLAIM; arr: the nonce array text. */
static void nonce_params(tk__pg_params *p, const tk_hash *rand_hash,
                         const char *arr, const tk_u256 *expiration_block)
{
    tk__pg_param_bytes(p, rand_hash->bytes, 32);
    tk__pg_param_text(p, arr);
    tk__pg_param_bytes(p, expiration_block->bytes, 32);
}

tk_status tk__pg_nonce_add_many(void *self, const tk_hash *rand_hash,
                                const uint32_t *nonces, size_t n,
                                const tk_u256 *expiration_block)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    char *arr;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, rand_hash != NULL && expiration_block != NULL &&
                 (nonces != NULL || n == 0));
    if (n == 0)
        return TK_OK;
    if ((arr = nonce_array(nonces, n)) == NULL)
        return TK_ERR_NOMEM;
    nonce_params(&p, rand_hash, arr, expiration_block);
    pthread_mutex_lock(&s->mu);
    /* One statement: all-or-nothing by itself. */
    st = tk__pg_ready(s);
    if (st == TK_OK)
        st = tk__pg_run(s, TK_PG_NONCE_ADD, &p, NULL);
    pthread_mutex_unlock(&s->mu);
    free(arr);
    return st;
}

tk_status tk__pg_nonce_add(void *self, const tk_hash *rand_hash,
                           uint32_t nonce, const tk_u256 *expiration_block)
{
    return tk__pg_nonce_add_many(self, rand_hash, &nonce, 1,
                                 expiration_block);
}

/* ---- group commit of claims ------------------------------------------------
 *
 * Claims made on one store object by many threads at once share one
 * transaction (one pipeline, one round trip, one commit), through the
 * leader/follower queue of store/group_commit.h: the leader takes the
 * queue (at most one claim per rand hash, below) and runs it as one
 * pipeline - raise the mark to the highest seen block of the batch, read
 * it FOR SHARE, one NONCE_CLAIM per claim in rand hash order. A lone claim
 * runs at once, with the same three statements as before: there is no
 * timer. Each claim returns once the transaction holding it committed;
 * when the pipeline fails, every claim of it fails with its status
 * (nothing of it committed, or unknown: retryable).
 *
 * The order keeps two batches on two nodes from deadlocking: every
 * transaction takes the mark row first, then inserts (rand hash, nonce)
 * keys in ascending order - rand hashes sorted across the batch, nonces
 * sorted by the statement, one statement per rand hash (a second claim
 * of a rand hash already in the batch waits for the next one, so a batch
 * never replays itself). The mark a claim gets may have been raised by
 * another claim of its batch: the same as if that one had committed
 * first.
 *
 * The claims of a batch share its fate: one claim that waits on a key
 * another node has inserted and not yet committed holds the whole batch,
 * and if that wait ends in lock_timeout, or the connection is lost, every
 * claim of the batch fails (retryable; the outcome unknown when the
 * commit's answer was lost), not only that one. */

/* At most this many claims per transaction (a pipeline of 2 + this many
 * statements), and at most this many nonces in all unless one claim alone
 * has more: a bound on what one transaction carries - how long it holds
 * its row locks, how many claims one slow claim can fail, the pipeline's
 * memory. (Its size alone cannot wedge the connection: libpq, in blocking
 * mode, reads answers while it waits to send.) */
#define CLAIM_BATCH_MAX 64
#define CLAIM_BATCH_NONCES 1024

typedef struct tk__pg_claim_req {
    tk__group_req g; /* first: a tk__group_req * is a claim's address */
    const tk_hash *rand_hash; /* NULL when n == 0 (the mark only) */
    const uint32_t *nonces;
    size_t n;
    uint64_t seen;
    uint8_t *fresh;
    uint64_t *got;
    tk__pg_params ins;
    uint64_t mark;
    tk_status st;
} tk__pg_claim_req;

static tk__pg_claim_req *claim_of(tk__group_req *g)
{
    return (tk__pg_claim_req *)g;
}

static int cmp_req(const void *a, const void *b)
{
    const tk__pg_claim_req *x = *(tk__pg_claim_req *const *)a,
                           *y = *(tk__pg_claim_req *const *)b;

    if (x->n == 0 || y->n == 0)
        return (x->n != 0) - (y->n != 0);
    return memcmp(x->rand_hash->bytes, y->rand_hash->bytes, TK_HASH_LEN);
}

static int rand_taken(tk__pg_claim_req *const *v, size_t k,
                      const tk__pg_claim_req *q)
{
    for (size_t i = 0; i < k; i++)
        if (v[i]->n > 0 &&
            memcmp(v[i]->rand_hash->bytes, q->rand_hash->bytes,
                   TK_HASH_LEN) == 0)
            return 1;
    return 0;
}

/* Take the batch out of the queue (tk__group_take_fn): queue order, at
 * most one claim with nonces per rand hash, at most CLAIM_BATCH_MAX
 * claims and CLAIM_BATCH_NONCES nonces (the first claim always). */
static tk__group_req *take_batch(tk__group *g, void *arg)
{
    tk__pg_claim_req *v[CLAIM_BATCH_MAX];
    tk__group_req **link = &g->head, *batch = NULL, **end = &batch, *q;
    size_t k = 0, nonces = 0;

    (void)arg;
    while ((q = *link) != NULL && k < CLAIM_BATCH_MAX) {
        tk__pg_claim_req *c = claim_of(q);
        if ((c->n > 0 && rand_taken(v, k, c)) ||
            (k > 0 && (nonces >= CLAIM_BATCH_NONCES ||
                       c->n > CLAIM_BATCH_NONCES - nonces))) {
            link = &q->next;
            continue;
        }
        nonces += c->n;
        *link = q->next;
        q->next = NULL;
        *end = q;
        end = &q->next;
        v[k++] = c;
    }
    return batch;
}

/* The batch's transaction (tk__group_run_fn; takes s->mu): sets every
 * claim's outcome. */
static void run_claims(tk__group_req *batch, void *arg)
{
    tk_store_pg *s = arg;
    tk__pg_claim_req *v[CLAIM_BATCH_MAX];
    tk__pg_step steps[2 + CLAIM_BATCH_MAX];
    tk__pg_params p = {0};
    size_t k = 0, m = 2;
    uint64_t seen = 0;
    int64_t mark = 0;
    tk_status st;
    int ran;

    for (tk__group_req *q = batch; q != NULL; q = q->next)
        v[k++] = claim_of(q);
    qsort(v, k, sizeof *v, cmp_req);
    for (size_t i = 0; i < k; i++)
        seen = v[i]->seen > seen ? v[i]->seen : seen;
    tk__pg_param_i64(&p, block_i64(seen));
    steps[0] = (tk__pg_step){TK_PG_MARK_RAISE_IF_LOWER, &p, NULL};
    steps[1] = (tk__pg_step){TK_PG_MARK_SHARE, NULL, NULL};
    for (size_t i = 0; i < k; i++)
        if (v[i]->n > 0)
            steps[m++] = (tk__pg_step){TK_PG_NONCE_CLAIM, &v[i]->ins, NULL};
    pthread_mutex_lock(&s->mu);
    st = tk__pg_ready(s);
    if (st == TK_OK)
        st = tk__pg_pipeline(s, steps, m);
    ran = st == TK_OK; /* results to free */
    /* No row (or a bad one): the table was tampered with; the inserts
     * then inserted nothing. */
    if (st == TK_OK && (PQntuples(steps[1].r) != 1 ||
                        !tk__pg_get_i64(steps[1].r, 0, 0, 0, INT64_MAX,
                                        &mark))) {
        tk__pg_record_error(s, "tk_block_mark has no valid row");
        st = TK_ERR_STORE_CORRUPT;
    }
    for (size_t i = 0, j = 2; i < k; i++) {
        tk__pg_claim_req *q = v[i];

        q->st = st;
        if (st == TK_OK && q->n > 0)
            q->st = mark_fresh(steps[j++].r, q->nonces, q->n, q->fresh,
                               q->got);
        q->mark = (uint64_t)mark;
    }
    if (ran)
        tk__pg_clear_steps(steps, m);
    pthread_mutex_unlock(&s->mu);
}

size_t tk__pg_claims_waiting(tk_store_pg *s)
{
    return tk__group_waiting(&s->claims);
}

tk_status tk__pg_nonce_claim(void *self, const tk_hash *rand_hash,
                             const uint32_t *nonces, size_t n,
                             const tk_u256 *expiration_block,
                             uint64_t seen_block, uint8_t *fresh,
                             uint64_t *mark)
{
    tk_store_pg *s = self;
    tk__pg_claim_req me;
    char *arr = NULL;
    tk_status st;

    if (mark != NULL)
        *mark = 0;
    if (fresh != NULL && n > 0)
        memset(fresh, 0, n);
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, mark != NULL);
    TK_ARG_CHECK(s->ctx, n == 0 || (rand_hash != NULL && nonces != NULL &&
                                    fresh != NULL &&
                                    expiration_block != NULL));
    memset(&me, 0, sizeof me);
    me.n = n;
    me.seen = seen_block;
    if (n > 0) {
        arr = nonce_array(nonces, n);
        /* PTRDIFF_MAX: no object is larger (and gcc -O3 checks it). */
        me.got = n <= PTRDIFF_MAX / sizeof *me.got
                     ? malloc(n * sizeof *me.got)
                     : NULL;
        if (arr == NULL || me.got == NULL) {
            free(arr);
            free(me.got);
            return TK_ERR_NOMEM;
        }
        me.rand_hash = rand_hash;
        me.nonces = nonces;
        me.fresh = fresh;
        nonce_params(&me.ins, rand_hash, arr, expiration_block);
    }
    st = tk__group_run(&s->claims, &me.g, take_batch, run_claims, s);
    if (st == TK_OK)
        st = me.st;
    free(arr);
    free(me.got);
    if (st != TK_OK) {
        if (n > 0)
            memset(fresh, 0, n); /* rolled back (or unknown): none fresh */
        return st;
    }
    *mark = me.mark;
    return TK_OK;
}

tk_status tk__pg_nonce_prune(void *self, uint64_t last_block)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0}, q = {0};
    tk_u256 block;
    PGresult *r;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    (void)tk_u256_from_u64(&block, last_block); /* cannot fail */
    tk__pg_param_i64(&p, block_i64(last_block));
    tk__pg_param_bytes(&q, block.bytes, 32);
    pthread_mutex_lock(&s->mu);
    st = tk__pg_ready(s);
    if (st == TK_OK && (st = tk__pg_simple(s, TK_PG_BEGIN)) == TK_OK) {
        r = tk__pg_exec(s, TK_PG_MARK_RAISE, &p, &st);
        if (r != NULL && PQntuples(r) != 1)
            st = TK_ERR_STORE_CORRUPT;
        PQclear(r);
        if (st == TK_OK)
            st = tk__pg_run(s, TK_PG_NONCE_PRUNE, &q, NULL);
        st = tk__pg_finish(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

typedef struct nonce_row {
    tk_hash rand_hash;
    uint32_t nonce;
    tk_u256 expiration_block;
} nonce_row;

tk_status tk__pg_nonce_load(void *self, tk_nonce_visit_fn fn, void *data)
{
    tk_store_pg *s = self;
    nonce_row *rows = NULL;
    PGresult *r = NULL;
    size_t n = 0;
    int64_t v = 0;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, fn != NULL);
    pthread_mutex_lock(&s->mu);
    st = tk__pg_ready(s);
    if (st == TK_OK)
        r = tk__pg_exec(s, TK_PG_NONCE_LOAD, NULL, &st);
    pthread_mutex_unlock(&s->mu);
    if (r != NULL) {
        n = (size_t)PQntuples(r);
        rows = malloc((n > 0 ? n : 1) * sizeof *rows);
        if (rows == NULL)
            st = TK_ERR_NOMEM;
        for (size_t i = 0; st == TK_OK && i < n; i++) {
            if (!tk__pg_get_bytes(r, (int)i, 0, rows[i].rand_hash.bytes, 32, 0) ||
                !tk__pg_get_i64(r, (int)i, 1, 0, UINT32_MAX, &v) ||
                !tk__pg_get_bytes(r, (int)i, 2, rows[i].expiration_block.bytes,
                                  32, 0))
                st = TK_ERR_STORE_CORRUPT;
            rows[i].nonce = (uint32_t)v;
        }
        PQclear(r);
    }
    for (size_t i = 0; st == TK_OK && i < n; i++)
        if (fn(&rows[i].rand_hash, rows[i].nonce, &rows[i].expiration_block,
               data) != 0)
            st = TK_ERR_STORE; /* cut short: never a complete load */
    free(rows);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* The SQLite store's nonce writes: nonce_add_many, and the judge of
 * replays: nonce_claim and nonce_prune.
 *
 * Both run inside one BEGIN IMMEDIATE transaction (shared with other
 * threads' writes: group commit, sqlite_commit.c) and first raise the
 * block mark (the single row of table block_mark). IMMEDIATE takes the
 * file's write lock at once, so claims and prunes of every connection and
 * process on the file are serialized, and the writes inside one
 * transaction run one after the other: a nonce's bit is set by exactly one
 * of them (each reads its word's bits and writes them back inside the
 * transaction), and a claim either sees a nonce before a prune deletes it
 * or sees the mark the prune raised, never neither.
 *
 * Seen nonces are stored as 64-bit words (schema v6, sqlite_schema.c):
 * the nonces of a call are sorted first (outside the lock), so each
 * distinct word costs one read and at most one write. */
#include "store/sqlite_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

/* SQLite integers are signed: no chain reaches 2^63 blocks. */
static sqlite3_int64 block_i64(uint64_t b)
{
    return b > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)b;
}

/* Raise the mark to seen and read it back (inside the transaction). */
static tk_status raise_mark(tk_store_sqlite *s, uint64_t seen, uint64_t *mark)
{
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_MARK_RAISE, &st);
    int rc;

    if (q == NULL)
        return st;
    sqlite3_bind_int64(q, 1, block_i64(seen));
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_INTEGER &&
        sqlite3_column_int64(q, 0) >= 0) {
        *mark = (uint64_t)sqlite3_column_int64(q, 0);
        rc = sqlite3_step(q);
        st = rc == SQLITE_DONE ? TK_OK : tk__sqlite_status(rc);
        if (st == TK_OK && rc != SQLITE_DONE)
            st = TK_ERR_STORE;
    } else {
        /* No row (or a bad one): the file was tampered with. */
        st = rc == SQLITE_ROW || rc == SQLITE_DONE ? TK_ERR_STORE_CORRUPT
                                                   : tk__sqlite_status(rc);
    }
    sqlite3_reset(q);
    return st;
}

/* One nonce of a call and its position in the caller's arrays. */
typedef struct nonce_at {
    uint32_t nonce;
    size_t i;
} nonce_at;

/* By nonce, then position: a duplicate's first occurrence comes first. */
static int nonce_at_cmp(const void *pa, const void *pb)
{
    const nonce_at *a = pa, *b = pb;

    if (a->nonce != b->nonce)
        return a->nonce < b->nonce ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* The call's nonces sorted into plan (caller's buffer of n). */
static void sort_nonces(const uint32_t *nonces, size_t n, nonce_at *plan)
{
    for (size_t i = 0; i < n; i++) {
        plan[i].nonce = nonces[i];
        plan[i].i = i;
    }
    qsort(plan, n, sizeof *plan, nonce_at_cmp);
}

/* The stored bits of one word; 0 when it has no row. */
static tk_status word_get(tk_store_sqlite *s, const tk_hash *rand_hash,
                          uint32_t word, uint64_t *bits)
{
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_NONCE_WORD_GET, &st);
    int rc;

    *bits = 0;
    if (q == NULL)
        return st;
    sqlite3_bind_blob(q, 1, rand_hash->bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, word);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_type(q, 0) == SQLITE_INTEGER)
            *bits = (uint64_t)sqlite3_column_int64(q, 0);
        else
            st = TK_ERR_STORE_CORRUPT;
    } else if (rc != SQLITE_DONE) {
        st = tk__sqlite_status(rc);
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return st;
}

static tk_status word_put(tk_store_sqlite *s, const tk_hash *rand_hash,
                          uint32_t word, uint64_t bits)
{
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_NONCE_WORD_PUT, &st);

    if (q == NULL)
        return st;
    sqlite3_bind_blob(q, 1, rand_hash->bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, word);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)bits); /* bit 63: negative */
    st = tk__sqlite_step_done(q);
    sqlite3_clear_bindings(q);
    return st;
}

/* The rand hash's row, its expiration block raised to expiration_block. */
static tk_status rand_put(tk_store_sqlite *s, const tk_hash *rand_hash,
                          const tk_u256 *expiration_block)
{
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_NONCE_RAND_PUT, &st);

    if (q == NULL)
        return st;
    sqlite3_bind_blob(q, 1, rand_hash->bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, expiration_block->bytes, 32, SQLITE_STATIC);
    st = tk__sqlite_step_done(q);
    sqlite3_clear_bindings(q);
    return st;
}

/* Record the sorted nonces; fresh (NULL for nonce_add_many) gets, at
 * each nonce's position, 1 when its bit was not set before. */
static tk_status record_nonces(tk_store_sqlite *s, const tk_hash *rand_hash,
                               const nonce_at *plan, size_t n,
                               const tk_u256 *expiration_block,
                               uint8_t *fresh)
{
    tk_status st = rand_put(s, rand_hash, expiration_block);

    for (size_t i = 0; i < n && st == TK_OK;) {
        uint32_t word = plan[i].nonce >> 6;
        uint64_t old, bits;

        st = word_get(s, rand_hash, word, &old);
        bits = old;
        for (; i < n && plan[i].nonce >> 6 == word; i++) {
            uint64_t bit = (uint64_t)1 << (plan[i].nonce & 63);
            if (fresh != NULL)
                fresh[plan[i].i] = (bits & bit) == 0;
            bits |= bit;
        }
        if (st == TK_OK && bits != old)
            st = word_put(s, rand_hash, word, bits);
    }
    return st;
}

/* Calls of up to this many nonces sort on the stack (a payment's
 * tickets); longer ones allocate. */
#define PLAN_ON_STACK 16

typedef struct claim_args {
    const tk_hash *rand_hash;
    nonce_at *plan; /* the n nonces, sorted */
    size_t n;
    const tk_u256 *expiration_block;
    uint64_t seen_block; /* claim only */
    uint8_t *fresh;      /* NULL for nonce_add_many */
    uint64_t mark;       /* out, claim only */
} claim_args;

/* The sorted nonces: in stack (PLAN_ON_STACK entries) or allocated;
 * NULL when out of memory. Release with plan_free. */
static nonce_at *plan_make(const uint32_t *nonces, size_t n, nonce_at *stack)
{
    nonce_at *plan = stack;

    if (n > PLAN_ON_STACK &&
        (n > SIZE_MAX / sizeof *plan ||
         (plan = malloc(n * sizeof *plan)) == NULL))
        return NULL;
    sort_nonces(nonces, n, plan);
    return plan;
}

static void plan_free(nonce_at *plan, const nonce_at *stack)
{
    if (plan != stack)
        free(plan);
}

/* The n nonces in one write: when any row fails the savepoint around the
 * write undoes the others, so none of them is stored (and the recipient
 * may retry the payment). */
static tk_status add_many_tx(tk_store_sqlite *s, void *arg)
{
    claim_args *a = arg;
    return record_nonces(s, a->rand_hash, a->plan, a->n, a->expiration_block,
                         NULL);
}

tk_status tk__sqlite_nonce_add_many(void *self, const tk_hash *rand_hash,
                                    const uint32_t *nonces, size_t n,
                                    const tk_u256 *expiration_block)
{
    nonce_at stack[PLAN_ON_STACK];
    claim_args a = {rand_hash, NULL, n, expiration_block, 0, NULL, 0};
    tk_status st;

    TK_ARG_CHECK_NOCTX(self != NULL && rand_hash != NULL &&
                       expiration_block != NULL && (nonces != NULL || n == 0));
    if (n == 0)
        return TK_OK;
    if ((a.plan = plan_make(nonces, n, stack)) == NULL)
        return TK_ERR_NOMEM;
    st = tk__sqlite_write(self, add_many_tx, &a);
    plan_free(a.plan, stack);
    return st;
}

static tk_status claim_tx(tk_store_sqlite *s, void *arg)
{
    claim_args *a = arg;
    tk_status st = raise_mark(s, a->seen_block, &a->mark);

    if (st == TK_OK && a->n > 0)
        st = record_nonces(s, a->rand_hash, a->plan, a->n,
                           a->expiration_block, a->fresh);
    return st;
}

tk_status tk__sqlite_nonce_claim(void *self, const tk_hash *rand_hash,
                                 const uint32_t *nonces, size_t n,
                                 const tk_u256 *expiration_block,
                                 uint64_t seen_block, uint8_t *fresh,
                                 uint64_t *mark)
{
    nonce_at stack[PLAN_ON_STACK];
    claim_args a = {rand_hash, NULL, n, expiration_block, seen_block,
                    fresh, 0};
    tk_status st;

    if (mark != NULL)
        *mark = 0;
    if (fresh != NULL && n > 0)
        memset(fresh, 0, n);
    TK_ARG_CHECK_NOCTX(self != NULL && mark != NULL);
    TK_ARG_CHECK_NOCTX(n == 0 || (rand_hash != NULL && nonces != NULL &&
                                  fresh != NULL && expiration_block != NULL));
    if (n > 0 && (a.plan = plan_make(nonces, n, stack)) == NULL)
        return TK_ERR_NOMEM;
    st = tk__sqlite_write(self, claim_tx, &a);
    if (n > 0)
        plan_free(a.plan, stack);
    if (st != TK_OK) {
        if (n > 0)
            memset(fresh, 0, n); /* rolled back: nothing was recorded */
        return st;
    }
    *mark = a.mark;
    return TK_OK;
}

typedef struct prune_args {
    uint64_t last_block;
} prune_args;

/* A rand hash's words go with its row: both by the same expiration. */
static tk_status prune_tx(tk_store_sqlite *s, void *arg)
{
    const prune_args *a = arg;
    static const tk__sqlite_stmt_id deletes[] = {TK_SQL_NONCE_PRUNE_WORDS,
                                                 TK_SQL_NONCE_PRUNE_RANDS};
    sqlite3_stmt *q;
    tk_u256 block;
    uint64_t m;
    tk_status st = raise_mark(s, a->last_block, &m);

    (void)tk_u256_from_u64(&block, a->last_block); /* cannot fail */
    for (size_t i = 0; i < 2 && st == TK_OK; i++) {
        if ((q = tk__sqlite_stmt(s, deletes[i], &st)) == NULL)
            break;
        sqlite3_bind_blob(q, 1, block.bytes, 32, SQLITE_STATIC);
        st = tk__sqlite_step_done(q);
        sqlite3_clear_bindings(q);
    }
    return st;
}

tk_status tk__sqlite_nonce_prune(void *self, uint64_t last_block)
{
    prune_args a = {last_block};

    TK_ARG_CHECK_NOCTX(self != NULL);
    return tk__sqlite_write(self, prune_tx, &a);
}

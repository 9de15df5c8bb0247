/* SPDX-License-Identifier: MIT */
/* The SQLite store's nonce writes: nonce_add_many, and the judge of
 * replays: nonce_claim and nonce_prune.
 *
 * Both run inside one BEGIN IMMEDIATE transaction (shared with other
 * threads' writes: group commit, sqlite_commit.c) and first raise the
 * block mark (the single row of table block_mark). IMMEDIATE takes the
 * file's write lock at once, so claims and prunes of every connection and
 * process on the file are serialized, and the writes inside one
 * transaction run one after the other: a nonce is inserted by exactly one
 * of them (ON CONFLICT DO NOTHING; sqlite3_changes() tells which one), and
 * a claim either sees a nonce before a prune deletes it or sees the mark
 * the prune raised, never neither. */
#include "store/sqlite_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

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

static tk_status insert_nonces(tk_store_sqlite *s, const tk_hash *rand_hash,
                               const uint32_t *nonces, size_t n,
                               const tk_u256 *expiration_block, uint8_t *fresh)
{
    /* fresh may be NULL (nonce_add_many). */
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_NONCE_ADD, &st);

    if (q == NULL)
        return st;
    /* Bindings survive the reset after each row. */
    sqlite3_bind_blob(q, 1, rand_hash->bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, expiration_block->bytes, 32, SQLITE_STATIC);
    for (size_t i = 0; i < n && st == TK_OK; i++) {
        sqlite3_bind_int64(q, 2, nonces[i]);
        st = tk__sqlite_step_done(q);
        if (fresh != NULL)
            fresh[i] = st == TK_OK && sqlite3_changes(s->db) == 1;
    }
    sqlite3_clear_bindings(q);
    return st;
}

typedef struct claim_args {
    const tk_hash *rand_hash;
    const uint32_t *nonces;
    size_t n;
    const tk_u256 *expiration_block;
    uint64_t seen_block; /* claim only */
    uint8_t *fresh;      /* NULL for nonce_add_many */
    uint64_t mark;       /* out, claim only */
} claim_args;

/* The n nonces in one write: when any row fails the savepoint around the
 * write undoes the others, so none of them is stored (and the recipient
 * may retry the payment). */
static tk_status add_many_tx(tk_store_sqlite *s, void *arg)
{
    claim_args *a = arg;
    return insert_nonces(s, a->rand_hash, a->nonces, a->n,
                         a->expiration_block, NULL);
}

tk_status tk__sqlite_nonce_add_many(void *self, const tk_hash *rand_hash,
                                    const uint32_t *nonces, size_t n,
                                    const tk_u256 *expiration_block)
{
    claim_args a = {rand_hash, nonces, n, expiration_block, 0, NULL, 0};

    TK_ARG_CHECK_NOCTX(self != NULL && rand_hash != NULL &&
                       expiration_block != NULL && (nonces != NULL || n == 0));
    if (n == 0)
        return TK_OK;
    return tk__sqlite_write(self, add_many_tx, &a);
}

static tk_status claim_tx(tk_store_sqlite *s, void *arg)
{
    claim_args *a = arg;
    tk_status st = raise_mark(s, a->seen_block, &a->mark);

    if (st == TK_OK && a->n > 0)
        st = insert_nonces(s, a->rand_hash, a->nonces, a->n,
                           a->expiration_block, a->fresh);
    return st;
}

tk_status tk__sqlite_nonce_claim(void *self, const tk_hash *rand_hash,
                                 const uint32_t *nonces, size_t n,
                                 const tk_u256 *expiration_block,
                                 uint64_t seen_block, uint8_t *fresh,
                                 uint64_t *mark)
{
    claim_args a = {rand_hash, nonces, n, expiration_block, seen_block,
                    fresh, 0};
    tk_status st;

    if (mark != NULL)
        *mark = 0;
    if (fresh != NULL && n > 0)
        memset(fresh, 0, n);
    TK_ARG_CHECK_NOCTX(self != NULL && mark != NULL);
    TK_ARG_CHECK_NOCTX(n == 0 || (rand_hash != NULL && nonces != NULL &&
                                  fresh != NULL && expiration_block != NULL));
    st = tk__sqlite_write(self, claim_tx, &a);
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

static tk_status prune_tx(tk_store_sqlite *s, void *arg)
{
    const prune_args *a = arg;
    sqlite3_stmt *q;
    tk_u256 block;
    uint64_t m;
    tk_status st = raise_mark(s, a->last_block, &m);

    if (st != TK_OK)
        return st;
    (void)tk_u256_from_u64(&block, a->last_block); /* cannot fail */
    if ((q = tk__sqlite_stmt(s, TK_SQL_NONCE_PRUNE, &st)) == NULL)
        return st;
    sqlite3_bind_blob(q, 1, block.bytes, 32, SQLITE_STATIC);
    return tk__sqlite_step_done(q);
}

tk_status tk__sqlite_nonce_prune(void *self, uint64_t last_block)
{
    prune_args a = {last_block};

    TK_ARG_CHECK_NOCTX(self != NULL);
    return tk__sqlite_write(self, prune_tx, &a);
}

/* SPDX-License-Identifier: MIT */
/* The SQLite store's nonce writes: nonce_add_many, and the judge of
 * replays: nonce_claim and nonce_prune.
 *
 * Both run as one BEGIN IMMEDIATE transaction that first raises the block
 * mark (the single row of table block_mark). IMMEDIATE takes the file's
 * write lock at once, so claims and prunes of every connection and process
 * on the file are serialized: a nonce is inserted by exactly one of them
 * (ON CONFLICT DO NOTHING; sqlite3_changes() tells which one), and a claim
 * either sees a nonce before a prune deletes it or sees the mark the prune
 * raised, never neither. */
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

/* Commit, or roll back whatever the failed step left open. */
static tk_status finish(tk_store_sqlite *s, tk_status st)
{
    if (st == TK_OK)
        st = tk__sqlite_exec_stmt(s, TK_SQL_COMMIT);
    /* A failed row or COMMIT (e.g. busy) leaves the transaction open; an
     * I/O error may already have rolled it back. */
    if (st != TK_OK && !sqlite3_get_autocommit(s->db))
        (void)tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK);
    return st;
}

/* The n nonces in one transaction: on any failure it is rolled back, so
 * none of them is stored (and the recipient may retry the payment). */
tk_status tk__sqlite_nonce_add_many(void *self, const tk_hash *rand_hash,
                                    const uint32_t *nonces, size_t n,
                                    const tk_u256 *expiration_block)
{
    tk_store_sqlite *s = self;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL && rand_hash != NULL &&
                       expiration_block != NULL && (nonces != NULL || n == 0));
    if (n == 0)
        return TK_OK;
    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK)
        st = finish(s, insert_nonces(s, rand_hash, nonces, n,
                                     expiration_block, NULL));
    pthread_mutex_unlock(&s->mu);
    return st;
}

tk_status tk__sqlite_nonce_claim(void *self, const tk_hash *rand_hash,
                                 const uint32_t *nonces, size_t n,
                                 const tk_u256 *expiration_block,
                                 uint64_t seen_block, uint8_t *fresh,
                                 uint64_t *mark)
{
    tk_store_sqlite *s = self;
    uint64_t m = 0;
    tk_status st;

    if (mark != NULL)
        *mark = 0;
    if (fresh != NULL && n > 0)
        memset(fresh, 0, n);
    TK_ARG_CHECK_NOCTX(s != NULL && mark != NULL);
    TK_ARG_CHECK_NOCTX(n == 0 || (rand_hash != NULL && nonces != NULL &&
                                  fresh != NULL && expiration_block != NULL));
    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK) {
        st = raise_mark(s, seen_block, &m);
        if (st == TK_OK && n > 0)
            st = insert_nonces(s, rand_hash, nonces, n, expiration_block,
                               fresh);
        st = finish(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK) {
        if (n > 0)
            memset(fresh, 0, n); /* rolled back: nothing was recorded */
        return st;
    }
    *mark = m;
    return TK_OK;
}

tk_status tk__sqlite_nonce_prune(void *self, uint64_t last_block)
{
    tk_store_sqlite *s = self;
    sqlite3_stmt *q;
    tk_u256 block;
    uint64_t m;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    (void)tk_u256_from_u64(&block, last_block); /* cannot fail */
    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK) {
        st = raise_mark(s, last_block, &m);
        if (st == TK_OK && (q = tk__sqlite_stmt(s, TK_SQL_NONCE_PRUNE, &st)) != NULL) {
            sqlite3_bind_blob(q, 1, block.bytes, 32, SQLITE_STATIC);
            st = tk__sqlite_step_done(q);
        }
        st = finish(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* The SQLite store's fleet operations (store.h: pending_*, lease_*).
 *
 * pending_add and lease_acquire read, decide and write in one BEGIN
 * IMMEDIATE transaction: IMMEDIATE takes the file's write lock first, so
 * every connection and process on the file decides on the state the
 * previous decision left (the rules are store/fleet_table.c's). These
 * calls are rare (one per redemption, one per block), so their statements
 * are prepared per call instead of cached. */
#include "store/fleet_table.h"
#include "store/sqlite_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <string.h>

/* Prepare sql, bind blobs b[0..nb) as parameters 1..nb. */
static sqlite3_stmt *prepare(tk_store_sqlite *s, const char *sql,
                             const void *const *b, const int *len, int nb,
                             tk_status *st)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);

    for (int i = 0; rc == SQLITE_OK && i < nb; i++)
        rc = sqlite3_bind_blob(q, i + 1, b[i], len[i], SQLITE_STATIC);
    *st = tk__sqlite_status(rc);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(q);
        return NULL;
    }
    return q;
}

/* Commit on success; roll back whatever a failed step left open. */
static tk_status end_tx(tk_store_sqlite *s, tk_status st)
{
    if (st == TK_OK)
        st = tk__sqlite_exec_stmt(s, TK_SQL_COMMIT);
    if (st != TK_OK && !sqlite3_get_autocommit(s->db))
        (void)tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK);
    return st;
}

/* The sum of sender's pending rows (inside the caller's transaction). */
static tk_status total_of(tk_store_sqlite *s, const tk_address *sender,
                          tk_u256 *out)
{
    const void *b[] = {sender->bytes};
    const int len[] = {TK_ADDRESS_LEN};
    tk_status st;
    sqlite3_stmt *q = prepare(
        s, "SELECT face_value FROM pending_redemptions WHERE sender = ?1", b,
        len, 1, &st);
    int rc = SQLITE_DONE;

    memset(out, 0, sizeof *out);
    while (q != NULL && st == TK_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        tk_u256 v;
        if (sqlite3_column_type(q, 0) != SQLITE_BLOB ||
            sqlite3_column_bytes(q, 0) != 32) {
            st = TK_ERR_STORE_CORRUPT;
            break;
        }
        memcpy(v.bytes, sqlite3_column_blob(q, 0), 32);
        st = tk__u256_add(out, &v);
    }
    if (st == TK_OK && rc != SQLITE_DONE)
        st = tk__sqlite_status(rc) == TK_OK ? TK_ERR_STORE
                                            : tk__sqlite_status(rc);
    sqlite3_finalize(q);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* Run a write of blobs to completion; *changes gets the rows changed. */
static tk_status write_blobs(tk_store_sqlite *s, const char *sql,
                             const void *const *b, const int *len, int nb,
                             int *changes)
{
    tk_status st;
    sqlite3_stmt *q = prepare(s, sql, b, len, nb, &st);

    if (q == NULL)
        return st;
    st = tk__sqlite_step_done(q);
    if (changes != NULL)
        *changes = st == TK_OK ? sqlite3_changes(s->db) : 0;
    sqlite3_finalize(q);
    return st;
}

/* pending_add, fenced when fence is not NULL (arguments checked). */
static tk_status pending_add_tx(tk_store_sqlite *s, const tk_lease_fence *fence,
                                const tk_hash *ticket_hash,
                                const tk_address *sender,
                                const tk_u256 *face_value,
                                const tk_u256 *limit, int *added)
{
    const void *b[] = {ticket_hash->bytes, sender->bytes, face_value->bytes};
    const int len[] = {TK_HASH_LEN, TK_ADDRESS_LEN, 32};
    tk_u256 total;
    int exists = 0;
    tk_status st;

    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK) {
        if (fence != NULL)
            st = tk__sqlite_fence_check(s, fence);
        /* Present already: counted once (an UPDATE of nothing tells). */
        if (st == TK_OK)
            st = write_blobs(s, "UPDATE pending_redemptions SET sender = sender"
                                " WHERE ticket_hash = ?1", b, len, 1, &exists);
        if (st == TK_OK && !exists)
            st = total_of(s, sender, &total);
        if (st == TK_OK && !exists &&
            !tk__pending_fits(&total, face_value, limit))
            st = TK_ERR_PENDING_LIMIT;
        if (st == TK_OK && !exists)
            st = write_blobs(s, "INSERT INTO pending_redemptions"
                                " (ticket_hash, sender, face_value)"
                                " VALUES (?1, ?2, ?3)", b, len, 3, added);
        st = end_tx(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK)
        *added = 0;
    return st;
}

tk_status tk__sqlite_pending_add(void *self, const tk_hash *ticket_hash,
                                 const tk_address *sender,
                                 const tk_u256 *face_value,
                                 const tk_u256 *limit, int *added)
{
    if (added != NULL)
        *added = 0;
    TK_ARG_CHECK_NOCTX(self != NULL && ticket_hash != NULL && sender != NULL &&
                       face_value != NULL && added != NULL);
    TK_ARG_CHECK_NOCTX(!tk_u256_is_zero(face_value));
    return pending_add_tx(self, NULL, ticket_hash, sender, face_value, limit,
                          added);
}

tk_status tk__sqlite_pending_add_fenced(void *self, const tk_lease_fence *fence,
                                        const tk_hash *ticket_hash,
                                        const tk_address *sender,
                                        const tk_u256 *face_value,
                                        const tk_u256 *limit, int *added)
{
    if (added != NULL)
        *added = 0;
    TK_ARG_CHECK_NOCTX(self != NULL && tk__lease_fence_ok(fence) &&
                       ticket_hash != NULL && sender != NULL &&
                       face_value != NULL && added != NULL);
    TK_ARG_CHECK_NOCTX(!tk_u256_is_zero(face_value));
    return pending_add_tx(self, fence, ticket_hash, sender, face_value, limit,
                          added);
}

/* pending_remove; fenced (in a transaction with the check) when fence is
 * not NULL (arguments checked). */
static tk_status pending_remove_tx(tk_store_sqlite *s,
                                   const tk_lease_fence *fence,
                                   const tk_hash *ticket_hash, int *removed)
{
    const void *b[] = {ticket_hash->bytes};
    const int len[] = {TK_HASH_LEN};
    const char *sql = "DELETE FROM pending_redemptions WHERE ticket_hash = ?1";
    tk_status st;

    pthread_mutex_lock(&s->mu);
    if (fence == NULL) {
        st = write_blobs(s, sql, b, len, 1, removed);
    } else if ((st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN)) == TK_OK) {
        st = tk__sqlite_fence_check(s, fence);
        if (st == TK_OK)
            st = write_blobs(s, sql, b, len, 1, removed);
        st = end_tx(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK)
        *removed = 0;
    return st;
}

tk_status tk__sqlite_pending_remove(void *self, const tk_hash *ticket_hash,
                                    int *removed)
{
    if (removed != NULL)
        *removed = 0;
    TK_ARG_CHECK_NOCTX(self != NULL && ticket_hash != NULL && removed != NULL);
    return pending_remove_tx(self, NULL, ticket_hash, removed);
}

tk_status tk__sqlite_pending_remove_fenced(void *self,
                                           const tk_lease_fence *fence,
                                           const tk_hash *ticket_hash,
                                           int *removed)
{
    if (removed != NULL)
        *removed = 0;
    TK_ARG_CHECK_NOCTX(self != NULL && tk__lease_fence_ok(fence) &&
                       ticket_hash != NULL && removed != NULL);
    return pending_remove_tx(self, fence, ticket_hash, removed);
}

tk_status tk__sqlite_pending_total(void *self, const tk_address *sender,
                                   tk_u256 *out)
{
    tk_store_sqlite *s = self;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && sender != NULL && out != NULL);
    pthread_mutex_lock(&s->mu);
    st = total_of(s, sender, out); /* one statement: one snapshot */
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* The lease row into *l (inside the caller's transaction). */
static tk_status lease_read(tk_store_sqlite *s, tk__lease *l)
{
    tk_status st;
    sqlite3_stmt *q = prepare(s, "SELECT holder, expires_ms, token FROM"
                                 " redeemer_lease WHERE id = 0", NULL, NULL,
                              0, &st);
    int rc;

    memset(l, 0, sizeof *l);
    if (q == NULL)
        return st;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT &&
        sqlite3_column_bytes(q, 0) <= TK_LEASE_HOLDER_MAX &&
        sqlite3_column_int64(q, 1) >= 0 && sqlite3_column_int64(q, 2) >= 0) {
        memcpy(l->holder, sqlite3_column_text(q, 0),
               (size_t)sqlite3_column_bytes(q, 0));
        l->expires_ms = (uint64_t)sqlite3_column_int64(q, 1);
        l->token = (uint64_t)sqlite3_column_int64(q, 2);
    } else {
        st = rc == SQLITE_ROW || rc == SQLITE_DONE ? TK_ERR_STORE_CORRUPT
                                                   : tk__sqlite_status(rc);
    }
    sqlite3_finalize(q);
    return st;
}

/* Inside the caller's write transaction, which holds the file's write
 * lock: no acquisition runs until it ends. */
tk_status tk__sqlite_fence_check(tk_store_sqlite *s, const tk_lease_fence *f)
{
    tk__lease l;
    tk_status st = lease_read(s, &l);

    return st == TK_OK ? tk__lease_fence_check(&l, f) : st;
}

static tk_status lease_write(tk_store_sqlite *s, const tk__lease *l)
{
    tk_status st;
    sqlite3_stmt *q = prepare(s, "UPDATE redeemer_lease SET holder = ?1,"
                                 " expires_ms = ?2, token = ?3 WHERE id = 0",
                              NULL, NULL, 0, &st);

    if (q == NULL)
        return st;
    if (l->expires_ms > (uint64_t)INT64_MAX || l->token > (uint64_t)INT64_MAX)
        st = TK_ERR_OVERFLOW;
    else if (sqlite3_bind_text(q, 1, l->holder, -1, SQLITE_STATIC) != SQLITE_OK ||
             sqlite3_bind_int64(q, 2, (sqlite3_int64)l->expires_ms) != SQLITE_OK ||
             sqlite3_bind_int64(q, 3, (sqlite3_int64)l->token) != SQLITE_OK)
        st = TK_ERR_STORE;
    else
        st = tk__sqlite_step_done(q);
    sqlite3_finalize(q);
    return st;
}

tk_status tk__sqlite_lease_acquire(void *self, const char *holder,
                                   uint32_t ttl_ms, uint64_t *token)
{
    tk_store_sqlite *s = self;
    tk__lease l;
    tk_status st;

    if (token != NULL)
        *token = 0;
    TK_ARG_CHECK_NOCTX(s != NULL && token != NULL && tk__lease_holder_ok(holder));
    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK) {
        /* The clock is read inside the lock: decisions are in time order. */
        st = lease_read(s, &l);
        if (st == TK_OK)
            st = tk__lease_acquire(&l, holder, tk__now_ms(), ttl_ms, token);
        if (st == TK_OK)
            st = lease_write(s, &l);
        st = end_tx(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK)
        *token = 0;
    return st;
}

tk_status tk__sqlite_lease_release(void *self, const char *holder)
{
    tk_store_sqlite *s = self;
    tk__lease l;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL && tk__lease_holder_ok(holder));
    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK) {
        st = lease_read(s, &l);
        if (st == TK_OK && tk__lease_release(&l, holder))
            st = lease_write(s, &l);
        st = end_tx(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

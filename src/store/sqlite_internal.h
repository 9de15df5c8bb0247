/* SPDX-License-Identifier: MIT */
#ifndef TK_STORE_SQLITE_INTERNAL_H
#define TK_STORE_SQLITE_INTERNAL_H

/* Internal to the SQLite store: the object, the cached statements, status
 * mapping and the schema/migration steps. */

#include "store/group_commit.h"
#include "ticket/store_sqlite.h"

#include <pthread.h>
#include <sqlite3.h>

/* PRAGMA application_id of a libticket store: "TKST". */
#define TK_SQLITE_APP_ID 0x544b5354

/* Cached statements, prepared on first use (under the lock). */
typedef enum tk__sqlite_stmt_id {
    TK_SQL_PUT_WINNER,
    TK_SQL_GET_WINNER,
    TK_SQL_SET_STATE,
    TK_SQL_LIST,
    TK_SQL_NONCE_RAND_PUT, /* seen nonces (sqlite_claim.c) */
    TK_SQL_NONCE_WORD_GET,
    TK_SQL_NONCE_WORD_PUT,
    TK_SQL_NONCE_LOAD,
    TK_SQL_NONCE_PRUNE_WORDS,
    TK_SQL_NONCE_PRUNE_RANDS,
    TK_SQL_MARK_RAISE,
    TK_SQL_TOTALS,
    TK_SQL_REQUEUE,
    TK_SQL_SEQ_ADVANCE,
    TK_SQL_BEGIN, /* BEGIN IMMEDIATE, COMMIT, ROLLBACK: batch writes */
    TK_SQL_COMMIT,
    TK_SQL_ROLLBACK,
    TK_SQL_SAVEPOINT, /* one write inside a group transaction */
    TK_SQL_RELEASE,
    TK_SQL_ROLLBACK_TO,
    TK_SQL_COUNT
} tk__sqlite_stmt_id;

struct tk_store_sqlite {
    sqlite3 *db;
    pthread_mutex_t mu; /* guards db, stmt and stats */
    sqlite3_stmt *stmt[TK_SQL_COUNT];
    tk_store_sqlite_stats stats;
    tk__group group; /* the writes waiting to commit (sqlite_commit.c) */
};

/* One write, run inside a transaction by tk__sqlite_write (s->mu held).
 * A failure must leave the database as the write found it, or fail in a
 * way SQLite rolls back (the savepoint around it undoes the rest). */
typedef tk_status (*tk__sqlite_write_fn)(tk_store_sqlite *s, void *arg);

/* Run fn(s, arg) in a transaction shared with the writes of other threads
 * waiting at the same time (group commit), and return once that
 * transaction has committed: TK_OK only when fn succeeded and its write is
 * durable. fn's own failure status when it failed (its write undone,
 * the others' kept); the commit's status when the transaction failed
 * (then every write of it fails). Caller does not hold s->mu. */
tk_status tk__sqlite_write(tk_store_sqlite *s, tk__sqlite_write_fn fn,
                           void *arg);

/* The statement id, prepared and reset; NULL on failure (*st set).
 * Caller holds s->mu. */
sqlite3_stmt *tk__sqlite_stmt(tk_store_sqlite *s, tk__sqlite_stmt_id id,
                              tk_status *st);

/* Run a write statement to completion (and reset it). */
tk_status tk__sqlite_step_done(sqlite3_stmt *q);

/* One integer from a single-row query (*out 0 on failure): TK_OK;
 * TK_ERR_STORE_CORRUPT when there is no row; SQLite errors as
 * tk__sqlite_status (sqlite_schema.c). */
tk_status tk__sqlite_query_int(sqlite3 *db, const char *sql, long long *out);

/* Write the WAL's space ahead, once per open for writing (sqlite_wal.c):
 * best effort, only on an empty WAL of a file in WAL mode; fails only when
 * its own transaction could not be undone or the page cache size it
 * lowered could not be restored.
 * busy_ms: the busy timeout to restore. */
tk_status tk__sqlite_wal_grow(sqlite3 *db, int busy_ms);

/* Run one of the transaction statements (caller holds s->mu). */
tk_status tk__sqlite_exec_stmt(tk_store_sqlite *s, tk__sqlite_stmt_id id);

/* The nonce writes (sqlite_claim.c): vtable entries. */
tk_status tk__sqlite_nonce_add_many(void *self, const tk_hash *rand_hash,
                                    const uint32_t *nonces, size_t n,
                                    const tk_u256 *expiration_block);
tk_status tk__sqlite_nonce_claim(void *self, const tk_hash *rand_hash,
                                 const uint32_t *nonces, size_t n,
                                 const tk_u256 *expiration_block,
                                 uint64_t seen_block, uint8_t *fresh,
                                 uint64_t *mark);
tk_status tk__sqlite_nonce_prune(void *self, uint64_t last_block);

/* The fleet operations (sqlite_fleet.c): vtable entries. */
tk_status tk__sqlite_pending_add(void *self, const tk_hash *ticket_hash,
                                 const tk_address *sender,
                                 const tk_u256 *face_value,
                                 const tk_u256 *limit, int *added);
tk_status tk__sqlite_pending_remove(void *self, const tk_hash *ticket_hash,
                                    int *removed);
tk_status tk__sqlite_pending_total(void *self, const tk_address *sender,
                                   tk_u256 *out);
tk_status tk__sqlite_lease_acquire(void *self, const char *holder,
                                   uint32_t ttl_ms, uint64_t *token);
tk_status tk__sqlite_lease_release(void *self, const char *holder);
tk_status tk__sqlite_pending_add_fenced(void *self, const tk_lease_fence *fence,
                                        const tk_hash *ticket_hash,
                                        const tk_address *sender,
                                        const tk_u256 *face_value,
                                        const tk_u256 *limit, int *added);
tk_status tk__sqlite_pending_remove_fenced(void *self,
                                           const tk_lease_fence *fence,
                                           const tk_hash *ticket_hash,
                                           int *removed);
/* store.h's fence check inside the caller's write transaction (s->mu
 * held; sqlite_fleet.c): TK_OK, TK_ERR_LEASE_LOST, or the read's error. */
tk_status tk__sqlite_fence_check(tk_store_sqlite *s, const tk_lease_fence *f);

/* Map a SQLite result code to a status. */
tk_status tk__sqlite_status(int rc);

/* Columns of a winner row, in the order tk__sqlite_read_winner expects. */
#define TK_SQL_WINNER_COLUMNS                                                \
    "ticket_hash, recipient, sender, face_value, win_prob, sender_nonce, "   \
    "recipient_rand_hash, creation_round, creation_round_block_hash, sig, "  \
    "recipient_rand, expiration_block, state, tx_hash, attempts"

/* Read the current row (columns from `first`). TK_ERR_STORE_CORRUPT when a
 * value has the wrong type or size. */
tk_status tk__sqlite_read_winner(sqlite3_stmt *q, int first, tk_winner *w);

/* Bring a database from schema version `from` to `to` (0 = empty file),
 * inside the caller's transaction; sets user_version and application_id. */
tk_status tk__sqlite_migrate(sqlite3 *db, int from, int to);

/* Open-time checks and migration (runs its own transaction). */
tk_status tk__sqlite_prepare_schema(sqlite3 *db);

/* Read-only open: the same checks, no migration and no write. An empty
 * file is not a store (TK_ERR_STORE_CORRUPT); an older version is read as
 * it is (its missing tables fail the calls that need them). */
tk_status tk__sqlite_check_schema(sqlite3 *db);

#endif /* TK_STORE_SQLITE_INTERNAL_H */

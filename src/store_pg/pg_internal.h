/* SPDX-License-Identifier: MIT */
#ifndef TK_STORE_PG_INTERNAL_H
#define TK_STORE_PG_INTERNAL_H

/* Internal to the PostgreSQL store: the object, the prepared statements,
 * parameter and result helpers, and status mapping. Parameters and
 * results travel in binary form (bytea raw, int8 big-endian); the one
 * array parameter (a claim's nonces) is text. */

#include "store/group_commit.h"
#include "ticket/store_pg.h"

#include <libpq-fe.h>
#include <pthread.h>

/* Prepared on first use per connection (a reconnect forgets them). */
typedef enum tk__pg_stmt_id {
    TK_PG_PUT_WINNER,
    TK_PG_GET_WINNER,
    TK_PG_SET_STATE,
    TK_PG_LIST,
    TK_PG_NONCE_ADD,
    TK_PG_NONCE_CLAIM,
    TK_PG_NONCE_LOAD,
    TK_PG_NONCE_PRUNE,
    TK_PG_MARK_RAISE_IF_LOWER,
    TK_PG_MARK_SHARE,
    TK_PG_MARK_RAISE,
    TK_PG_SEQ_ADVANCE,
    TK_PG_REQUEUE,
    TK_PG_GET_STATE,
    TK_PG_PENDING_LOCK,
    TK_PG_PENDING_FIND,
    TK_PG_PENDING_VALUES,
    TK_PG_PENDING_INSERT,
    TK_PG_PENDING_DELETE,
    TK_PG_LEASE_ACQUIRE,
    TK_PG_LEASE_RELEASE,
    TK_PG_LEASE_FENCE,
    TK_PG_COUNT
} tk__pg_stmt_id;

struct tk_store_pg {
    const tk_ctx *ctx;
    PGconn *conn;
    pthread_mutex_t mu; /* guards the fields up to last_error */
    unsigned char prepared[TK_PG_COUNT];
    int existing_only; /* never create the tables (opts) */
    int lock_timeout_ms; /* session setting (opts; tk__pg_session) */
    int session_set;     /* tk__pg_session succeeded on this connection */
    char last_error[256];
    /* The claims waiting for a transaction (pg_claim.c); the queue's lock
     * is never held together with mu. */
    tk__group claims;
};

#define TK_PG_MAX_PARAMS 16

/* The parameters of one statement; values point into the caller's memory
 * or into num (the int8s), so they live as long as this struct. */
typedef struct tk__pg_params {
    const char *value[TK_PG_MAX_PARAMS];
    int length[TK_PG_MAX_PARAMS];
    int format[TK_PG_MAX_PARAMS];
    unsigned char num[TK_PG_MAX_PARAMS][8];
    int n;
} tk__pg_params;

void tk__pg_param_bytes(tk__pg_params *p, const void *data, size_t len);
void tk__pg_param_i64(tk__pg_params *p, int64_t v);
void tk__pg_param_null(tk__pg_params *p);
void tk__pg_param_text(tk__pg_params *p, const char *text);

/* Every multi-statement transaction starts with this: the advisory locks
 * (pending_add, schema changes) need each statement to read what the
 * previous lock holder committed; a session default of REPEATABLE READ
 * would take the snapshot before the lock wait. */
#define TK_PG_BEGIN "BEGIN ISOLATION LEVEL READ COMMITTED"

/* The session settings of a new connection: synchronous_commit on,
 * lock_timeout and idle_in_transaction_session_timeout (opts). */
tk_status tk__pg_session(tk_store_pg *s);

/* Caller holds s->mu. Make sure the connection is up: reconnect when it is
 * broken (or the server closed it, or a failed pipeline left answers
 * unread), and roll back a transaction a failed
 * call left open. TK_ERR_STORE_UNAVAILABLE when it cannot. */
tk_status tk__pg_ready(tk_store_pg *s);

/* Lock s->mu and tk__pg_ready; on failure the lock is released again. */
tk_status tk__pg_enter(tk_store_pg *s);

/* Run a prepared statement (preparing it first if needed), binary
 * results. Returns the result on success (PQclear it), NULL on failure
 * with *st set (and the error text recorded). */
PGresult *tk__pg_exec(tk_store_pg *s, tk__pg_stmt_id id,
                      const tk__pg_params *p, tk_status *st);

/* Prepare statement id on this connection unless it already is. */
tk_status tk__pg_prepare(tk_store_pg *s, tk__pg_stmt_id id);

/* The prepared statement's name on the connection ("tk<id>"). */
#define TK_PG_STMT_NAME_MAX 16
void tk__pg_stmt_name(tk__pg_stmt_id id, char name[TK_PG_STMT_NAME_MAX]);

/* One statement of a pipelined transaction: id and p in, its result out
 * (NULL until tk__pg_pipeline succeeds; tk__pg_clear_steps frees them). */
typedef struct tk__pg_step {
    tk__pg_stmt_id id;
    const tk__pg_params *p;
    PGresult *r;
} tk__pg_step;

/* Caller holds s->mu after tk__pg_ready. Run the n steps as one
 * transaction (the implicit one up to the pipeline's Sync: no BEGIN or
 * COMMIT is sent) in one round trip (pg_pipeline.c). TK_OK: committed,
 * every steps[i].r set. Otherwise nothing committed (or, the connection
 * lost before the Sync was answered, unknown: retryable
 * TK_ERR_STORE_UNAVAILABLE as for tk__pg_finish), no result kept, and
 * the connection idle or left for the next tk__pg_ready to reset. */
tk_status tk__pg_pipeline(tk_store_pg *s, tk__pg_step *steps, size_t n);
void tk__pg_clear_steps(tk__pg_step *steps, size_t n);

/* Claims queued for the next claim transaction (pg_claim.c), not yet
 * taken by a leader; for the tests. */
size_t tk__pg_claims_waiting(tk_store_pg *s);

/* A statement run for its effect only; *changed gets the row count when
 * not NULL. */
tk_status tk__pg_run(tk_store_pg *s, tk__pg_stmt_id id,
                     const tk__pg_params *p, uint64_t *changed);

/* BEGIN / COMMIT / ROLLBACK and other parameterless SQL (text results). */
tk_status tk__pg_simple(tk_store_pg *s, const char *sql);

/* End the transaction: COMMIT when st is TK_OK, else ROLLBACK; the
 * resulting status. */
tk_status tk__pg_finish(tk_store_pg *s, tk_status st);

/* Keep msg (trimmed) as the store's last error text. */
void tk__pg_record_error(tk_store_pg *s, const char *msg);

/* The status of a failed result, or of none (r NULL: a send or a read
 * that libpq refused); records the error text. The one mapping of
 * libpq failures to statuses (pg_conn.c). */
tk_status tk__pg_status(tk_store_pg *s, const PGresult *r);

/* Binary result fields: 1 on success, 0 when the type or size is wrong.
 * A nullable bytea that is NULL reads as zeros. */
int tk__pg_get_bytes(const PGresult *r, int row, int col, void *out,
                     size_t len, int nullable);
int tk__pg_get_i64(const PGresult *r, int row, int col, int64_t lo,
                   int64_t hi, int64_t *v);

/* Columns of a winner row, in the order tk__pg_read_winner expects. */
#define TK_PG_WINNER_COLUMNS                                                \
    "ticket_hash, recipient, sender, face_value, win_prob, sender_nonce, "  \
    "recipient_rand_hash, creation_round, creation_round_block_hash, sig, " \
    "recipient_rand, expiration_block, state, tx_hash, attempts"

tk_status tk__pg_read_winner(const PGresult *r, int row, tk_winner *w);

/* Open-time: check the schema, create or migrate it (own transaction). */
tk_status tk__pg_prepare_schema(tk_store_pg *s, int *version);

/* The nonce writes and the replay judge (pg_claim.c): vtable entries. */
tk_status tk__pg_nonce_add(void *self, const tk_hash *rand_hash,
                           uint32_t nonce, const tk_u256 *expiration_block);
tk_status tk__pg_nonce_add_many(void *self, const tk_hash *rand_hash,
                                const uint32_t *nonces, size_t n,
                                const tk_u256 *expiration_block);
tk_status tk__pg_nonce_claim(void *self, const tk_hash *rand_hash,
                             const uint32_t *nonces, size_t n,
                             const tk_u256 *expiration_block,
                             uint64_t seen_block, uint8_t *fresh,
                             uint64_t *mark);
tk_status tk__pg_nonce_prune(void *self, uint64_t last_block);
tk_status tk__pg_nonce_load(void *self, tk_nonce_visit_fn fn, void *data);

/* The fleet operations (pg_fleet.c): vtable entries. */
tk_status tk__pg_pending_add(void *self, const tk_hash *ticket_hash,
                             const tk_address *sender,
                             const tk_u256 *face_value, const tk_u256 *limit,
                             int *added);
tk_status tk__pg_pending_remove(void *self, const tk_hash *ticket_hash,
                                int *removed);
tk_status tk__pg_pending_total(void *self, const tk_address *sender,
                               tk_u256 *out);
tk_status tk__pg_lease_acquire(void *self, const char *holder,
                               uint32_t ttl_ms, uint64_t *token);
tk_status tk__pg_lease_release(void *self, const char *holder);
tk_status tk__pg_set_state_fenced(void *self, const tk_lease_fence *fence,
                                  const tk_hash *ticket_hash,
                                  tk_winner_state state,
                                  const tk_hash *tx_hash);
tk_status tk__pg_pending_add_fenced(void *self, const tk_lease_fence *fence,
                                    const tk_hash *ticket_hash,
                                    const tk_address *sender,
                                    const tk_u256 *face_value,
                                    const tk_u256 *limit, int *added);
tk_status tk__pg_pending_remove_fenced(void *self, const tk_lease_fence *fence,
                                       const tk_hash *ticket_hash,
                                       int *removed);
tk_status tk__pg_set_state_many(void *self, const tk_lease_fence *fence,
                                const tk_hash *ticket_hashes, size_t n,
                                tk_winner_state state, const tk_hash *tx_hash);
/* set_state's statement (s->mu held, inside or outside a transaction):
 * TK_ERR_NOT_FOUND when no row changed. */
tk_status tk__pg_set_state_run(tk_store_pg *s, const tk_hash *ticket_hash,
                               tk_winner_state state, const tk_hash *tx_hash);

#endif /* TK_STORE_PG_INTERNAL_H */

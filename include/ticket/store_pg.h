/* SPDX-License-Identifier: MIT */
#ifndef TICKET_STORE_PG_H
#define TICKET_STORE_PG_H

/** The winning-ticket store on PostgreSQL (libpq), for a fleet of nodes
 *  that share one database: the same tk_store contract as the SQLite store
 *  (store.h), with its own library, libticket_store_pg (CMake target
 *  ticket::store_pg, pkg-config libticket_store_pg), because it does
 *  network I/O and the core library does none.
 *
 *  Tables: tk_schema (the schema version), tk_winners, tk_seen_nonces,
 *  tk_request_seqs, tk_block_mark, tk_pending_redemptions and
 *  tk_redeemer_lease (the fleet operations), created in the connection's current
 *  schema (the first one of search_path). Opening an empty database creates
 *  them; an older version is migrated in one transaction (concurrent
 *  openers wait on an advisory lock); a database from a newer libticket
 *  gives TK_ERR_STORE_VERSION; one that has our table names but no version
 *  row, or a version row of another application, gives
 *  TK_ERR_STORE_CORRUPT. Nothing is changed in either case.
 *
 *  Isolation: every transaction of the store starts READ COMMITTED,
 *  whatever the session's default_transaction_isolation (the advisory
 *  locks below rely on each statement seeing what the previous lock
 *  holder committed).
 *
 *  Durability: every write call is one transaction committed with
 *  synchronous_commit=on before the call returns (the server's fsync
 *  setting decides the rest). nonce_claim raises the block mark and records
 *  the nonces in one transaction (INSERT ... ON CONFLICT DO NOTHING
 *  RETURNING), sent in one round trip (a libpq pipeline): across every
 *  connection and process on the database, each nonce is fresh for
 *  exactly one claim. pending_add is one transaction
 *  serialized per sender (an advisory lock), so two nodes cannot both pass
 *  the limit; lease_acquire is one statement on the server's clock. A
 *  lock wait is bounded by lock_timeout_ms (options), and a session of
 *  ours left idle inside a transaction that long is ended by the server,
 *  so a stalled node cannot block the others' calls for longer.
 *
 *  Connection loss: a call that finds the connection broken, or loses it,
 *  fails with TK_ERR_STORE_UNAVAILABLE (retryable; nothing is reported as
 *  stored that the server did not commit), and the next call reconnects
 *  with the same parameters. A COMMIT whose answer was lost may have been
 *  applied: retrying a put is harmless (idempotent); a retried claim then
 *  finds its nonces recorded and reports them as not fresh, so the worst
 *  case is a payment not credited, never one credited twice. A request
 *  libpq refuses on a live connection is TK_ERR_STORE; TK_ERR_NOMEM only
 *  when libpq says it ran out of memory.
 *
 *  Secrets: the conninfo may hold a password. The store keeps no copy of
 *  its own; libpq keeps the parsed parameters inside the connection (for
 *  the reconnect) until tk_store_pg_destroy. The caller wipes its string.
 *
 *  Thread safety: one connection per object, guarded by a mutex: every
 *  function may be called from many threads (their calls to the server
 *  are serialized). nonce_claim calls made by many threads at once share
 *  one transaction and one round trip (group commit: the receive path of
 *  one recipient on many threads); each returns once that transaction
 *  committed.
 *  list() and nonce_load() copy the rows first and run the visitor
 *  without the lock. Never use one object in two processes (after fork):
 *  open one in each. */

#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The schema version this library writes. History: 1 = winners, seen
 *  nonces, request seqs and the block mark; 2 = pending redemptions and
 *  the redeemer lease (a version-1 database is migrated in place). */
#define TK_STORE_PG_SCHEMA_VERSION 2

typedef struct tk_store_pg tk_store_pg;

typedef struct tk_store_pg_options {
    /* Seconds to wait for a (re)connection; 0 means the default, 10. */
    int connect_timeout_s;
    /* 1: open an existing store only: a database without our tables
     * gives TK_ERR_NOT_FOUND, one of an older schema version
     * TK_ERR_STORE_VERSION, and nothing is created or migrated (operator
     * tools). */
    int existing_only;
    /* Milliseconds a call waits for a lock another connection holds (a
     * node inside its pending_add of the same sender, the lease row), and
     * that the server lets a transaction of ours sit idle (a stalled
     * process) before it ends that session and frees its locks; either
     * gives TK_ERR_STORE_UNAVAILABLE (retryable). 0 means the default,
     * 5000; at most 3600000. */
    int lock_timeout_ms;
} tk_store_pg_options;

/** Connect and open (creating or migrating the tables as needed).
 *  Args: ctx: for the illegal-argument callback; it must outlive the store.
 *        conninfo: a libpq connection string, "key=value ..." or a
 *        "postgresql://" URI. opts: NULL for the defaults.
 *  Out:  out: the store (tk_store_pg_destroy), or NULL on failure.
 *  Returns: TK_OK; TK_ERR_STORE_UNAVAILABLE (no connection: server down,
 *           refused, bad credentials); TK_ERR_NOT_FOUND (existing_only
 *           and no store in the database); TK_ERR_STORE_VERSION (a newer
 *           schema, or existing_only and an older one);
 *           TK_ERR_STORE_CORRUPT; TK_ERR_STORE (the server refused a
 *           statement, e.g. no right to create tables); TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_pg_create(
    const tk_ctx *ctx, tk_store_pg **out, const char *conninfo,
    const tk_store_pg_options *opts)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Close the connection and free. NULL is a no-op. */
TK_API void tk_store_pg_destroy(tk_store_pg *s);

/** The tk_store vtable over this store (valid while it exists), with every
 *  member set. put_winner checks that ticket_hash is the hash of the
 *  ticket (TK_ERR_ILLEGAL_ARG otherwise). Besides the store.h statuses,
 *  every member may return TK_ERR_STORE_UNAVAILABLE.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. Out: out, zeroed on failure. */
TK_API tk_status tk_store_pg_iface(tk_store_pg *s, tk_store *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Operator re-queue of one winner, as tk_store_sqlite_requeue: FAILED or
 *  SUBMITTED -> NEW, NEW stays NEW, final states give TK_ERR_STATE.
 *  Out: state: the state after the call (may be NULL).
 *  Returns: TK_OK; TK_ERR_STATE; TK_ERR_NOT_FOUND; TK_ERR_STORE;
 *           TK_ERR_STORE_UNAVAILABLE; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_pg_requeue(
    tk_store_pg *s, tk_winner_state *state, const tk_hash *ticket_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** The schema version of the database (after migration). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_pg_schema_version(
    tk_store_pg *s, int *version) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The server's or libpq's last error text (for logs and operators; it
 *  never holds the password), copied into buf and NUL-terminated; "" when
 *  there was none. TK_ERR_BUFFER_TOO_SMALL truncates (still terminated).
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_store_pg_last_error(tk_store_pg *s, char *buf,
                                        size_t len)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_STORE_PG_H */

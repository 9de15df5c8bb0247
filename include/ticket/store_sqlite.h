/* SPDX-License-Identifier: MIT */
#ifndef TICKET_STORE_SQLITE_H
#define TICKET_STORE_SQLITE_H

/** The durable winning-ticket store: one SQLite file (plus its -wal and
 *  -shm companions while open), the default for nodes.
 *
 *  Durability: journal_mode=WAL, synchronous=FULL; every write call is in
 *  a transaction that is on disk when the call returns, so a winner whose
 *  put_winner returned TK_OK survives a crash or a kill of the process.
 *  Group commit: the write calls of threads that wait at the same time
 *  share one transaction, so one COMMIT (one fsync of the WAL) covers all
 *  of them; each call still returns only after the transaction holding
 *  its write committed, and when that commit fails, every call of the
 *  transaction fails (nothing of it is stored). A write that fails on its
 *  own (e.g. a stale seq) is undone alone. A lone writer never waits for
 *  company: it commits at once.
 *  WAL space: an open for writing writes the -wal file's space once
 *  (SQLite's wal_autocheckpoint pages, about 4 MiB; a transaction that
 *  spills to the WAL and is rolled back, so nothing of it is data), so
 *  that commits overwrite the WAL instead of extending it (an fdatasync
 *  that extends a file also journals its new size: slower). Only an
 *  empty WAL is grown (a WAL holding other connections' frames is left
 *  as it is), at most 8 MiB (large page sizes), only when the file is in
 *  WAL mode (a URI such as nolock=1 keeps it out) and the file system has
 *  twice that free; skipped without waiting when another connection
 *  holds the write lock.
 *  The file is created with mode 0600, and an existing file and its
 *  -wal/-shm files are set to 0600 when opened for writing (the open fails
 *  with TK_ERR_STORE when that is not possible, e.g. another user's
 *  file): it holds recipientRand values, which stay secret until the
 *  ticket is redeemed.
 *
 *  Schema: versioned with PRAGMA user_version and marked with PRAGMA
 *  application_id 0x544b5354 ("TKST"). Opening an older file migrates it
 *  in one transaction; a file from a newer libticket gives
 *  TK_ERR_STORE_VERSION; a file that is not SQLite, is damaged, or is
 *  another application's database gives TK_ERR_STORE_CORRUPT and is left
 *  untouched.
 *
 *  Thread safety: one connection guarded by a mutex (held by one writer
 *  for each whole group transaction, so readers never see a write before
 *  it commits); every function may be called from many threads. list() and nonce_load() copy the matching
 *  rows first and run the visitor without the lock, so a visitor may call
 *  back into the store (e.g. set_state). Several processes may open the
 *  same file (SQLite's locking and the busy timeout arbitrate: a call that
 *  waits longer than busy_timeout_ms for another connection's lock fails
 *  with TK_ERR_STORE_UNAVAILABLE, retryable, nothing of it applied), and
 *  several recipients may share it: nonce_claim runs as one BEGIN
 *  IMMEDIATE transaction, so each seen nonce is fresh for exactly one
 *  claim over all connections. */

#include "ticket/common.h"
#include "ticket/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The schema version this library writes. History: 1 = winners table;
 *  2 = adds the persisted seen nonces and the state index; 3 = adds the
 *  request seqs (seq_advance); 4 = adds the
 *  block mark (nonce_claim, nonce_prune); 5 = adds the pending redemptions
 *  and the redeemer lease (pending_*, lease_*; docs/fleet.md); 6 = stores
 *  the seen nonces as 64-bit words per rand hash, with one expiration
 *  block per rand hash (the latest written; migrated from 5's rows). */
#define TK_STORE_SQLITE_SCHEMA_VERSION 6

/** Longest decimal total (face values summed over a state may exceed
 *  2^256; this holds any sum of 2^64 uint256 values) plus the NUL. */
#define TK_STORE_TOTAL_DEC_MAX 100

typedef struct tk_store_sqlite tk_store_sqlite;

typedef struct tk_store_sqlite_options {
    int busy_timeout_ms; /* wait for other connections' locks; default 5000 */
    int quick_check;     /* 1: run PRAGMA quick_check when opening */
} tk_store_sqlite_options;

/** Count and exact face-value total of the winners in one state. */
typedef struct tk_store_state_total {
    uint64_t count;
    char face_value[TK_STORE_TOTAL_DEC_MAX]; /* decimal wei */
} tk_store_state_total;

/** Write counters since the store was opened (tk_store_sqlite_write_stats). */
typedef struct tk_store_sqlite_stats {
    uint64_t writes;  /* vtable write calls that succeeded (durably) */
    uint64_t commits; /* transactions that committed them: each is one
                         fsync of the WAL; writes / commits is the mean
                         group size */
} tk_store_sqlite_stats;

typedef struct tk_store_totals {
    tk_store_state_total state[6]; /* indexed by tk_winner_state */
} tk_store_totals;

/** Open (creating if needed) the store at path.
 *  Args: opts: NULL for the defaults.
 *  Out:  out: the store, or NULL on failure.
 *  Returns: TK_OK; TK_ERR_STORE_CORRUPT; TK_ERR_STORE_VERSION;
 *           TK_ERR_STORE (I/O, permissions); TK_ERR_STORE_UNAVAILABLE
 *           (retryable: creating or migrating the schema waited past
 *           busy_timeout_ms for another connection's lock; an existing
 *           current file opens while another connection writes);
 *           TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_sqlite_create(
    tk_store_sqlite **out, const char *path,
    const tk_store_sqlite_options *opts)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Open an existing store read-only (operator views: ticketctl
 *  store-list). Nothing is created, migrated, chmod'ed or written: an
 *  empty file gives TK_ERR_STORE_CORRUPT, an older schema is read as it is
 *  (the calls needing a newer table fail with TK_ERR_STORE), and every
 *  write call fails with TK_ERR_STORE.
 *  Returns: as tk_store_sqlite_create(); TK_ERR_STORE also when the file
 *           does not exist. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_sqlite_create_read_only(
    tk_store_sqlite **out, const char *path,
    const tk_store_sqlite_options *opts)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Close and free. NULL is a no-op. */
TK_API void tk_store_sqlite_destroy(tk_store_sqlite *s);

/** The tk_store vtable over this store (valid while it is open). Every
 *  member is set, including the nonce functions; nonce_add_many and
 *  nonce_claim write their batch in one transaction (one fsync), rolled
 *  back whole on any failure.
 *  put_winner checks that
 *  ticket_hash is the hash of the ticket (TK_ERR_ILLEGAL_ARG otherwise);
 *  nonce_prune drops the nonces whose expiration block is below
 *  last_block. */
TK_API tk_status tk_store_sqlite_iface(tk_store_sqlite *s, tk_store *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Counts and face-value totals per state, of one sender or of all
 *  (sender NULL). Totals are exact (GMP). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_sqlite_totals(
    tk_store_sqlite *s, tk_store_totals *out, const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Operator re-queue of one winner: FAILED or SUBMITTED -> NEW (attempts
 *  and the last tx hash are kept for the record); NEW stays NEW.
 *  CONFIRMED, USED and EXPIRED are final: TK_ERR_STATE.
 *  Use it while no redemption queue runs on this file (a running node
 *  should use tk_redeem_queue_requeue, which also fixes its pending
 *  amounts). Re-queuing a SUBMITTED winner whose transaction is in fact
 *  mined costs at most one failed redemption: the queue checks the chain
 *  before it submits again.
 *  Out: state: the state after the call (may be NULL).
 *  Returns: TK_OK; TK_ERR_STATE; TK_ERR_NOT_FOUND; TK_ERR_STORE. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_sqlite_requeue(
    tk_store_sqlite *s, tk_winner_state *state, const tk_hash *ticket_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** The write counters (for monitoring and the bench: fsyncs per payment).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (a NULL argument; out zeroed). */
TK_API tk_status tk_store_sqlite_write_stats(tk_store_sqlite *s,
    tk_store_sqlite_stats *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Run PRAGMA integrity_check. *ok = 1 when it reports "ok". */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_sqlite_integrity_check(
    tk_store_sqlite *s, int *ok) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The schema version of the open file (after migration). */
TK_API tk_status tk_store_sqlite_schema_version(tk_store_sqlite *s,
    int *version) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_STORE_SQLITE_H */

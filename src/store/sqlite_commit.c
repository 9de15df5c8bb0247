/* SPDX-License-Identifier: MIT */
/* Group commit: the SQLite store's writes from many threads share one
 * transaction, so that one COMMIT (one fsync of the WAL under
 * synchronous=FULL) makes all of them durable.
 *
 * A writer queues its request (a function to run inside a transaction)
 * and waits; the leader (group_commit.h) takes the whole queue and runs
 * every request in one BEGIN IMMEDIATE ... COMMIT under the connection's
 * lock (a request that fails is undone alone and fails alone: run_batch).
 *
 * Each writer returns only once the transaction holding ITS write has
 * committed. When BEGIN, a savepoint step or COMMIT fails, every request
 * of the batch fails (nothing of it is durable, so nothing may be
 * credited), even one whose own verdict was a refusal: that verdict may
 * rest on a write of the batch that is now gone.
 *
 * Locks: the queue's lock is never held together with mu (the
 * connection's lock), so the two cannot deadlock; the leader holds mu
 * from BEGIN to COMMIT, so readers never see a batch before it commits. */
#include "store/sqlite_internal.h"

#include <string.h>

typedef struct tk__sqlite_write_req {
    tk__group_req g; /* first: a tk__group_req * is a request's address */
    tk__sqlite_write_fn fn;
    void *arg;
    tk_status st;
} tk__sqlite_write_req;

static tk__sqlite_write_req *req_of(tk__group_req *g)
{
    return (tk__sqlite_write_req *)g;
}

/* Every request of the batch fails with st (st != TK_OK). */
static void fail_all(tk__group_req *batch, tk_status st)
{
    for (tk__group_req *q = batch; q != NULL; q = q->next)
        req_of(q)->st = st;
}

/* One request inside the open transaction, in its own savepoint (a
 * request that fails is undone alone). Returns TK_OK, or the status that
 * breaks the batch (the transaction is then unusable). */
static tk_status run_saved(tk_store_sqlite *s, tk__sqlite_write_req *q)
{
    tk_status st;

    if ((st = tk__sqlite_exec_stmt(s, TK_SQL_SAVEPOINT)) != TK_OK)
        return st;
    q->st = q->fn(s, q->arg);
    if (q->st == TK_OK)
        return tk__sqlite_exec_stmt(s, TK_SQL_RELEASE);
    /* I/O errors, a full disk or NOMEM may have rolled back everything. */
    if (sqlite3_get_autocommit(s->db))
        return q->st;
    if ((st = tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK_TO)) != TK_OK)
        return st;
    return tk__sqlite_exec_stmt(s, TK_SQL_RELEASE);
}

/* The requests straight in the open transaction, without savepoints (two
 * statements and a copy of every page a request touches, per request):
 * stops at the first failure. Returns 1 when every request succeeded. */
static int run_plain(tk_store_sqlite *s, tk__group_req *batch)
{
    for (tk__group_req *g = batch; g != NULL; g = g->next) {
        tk__sqlite_write_req *q = req_of(g);
        if ((q->st = q->fn(s, q->arg)) != TK_OK)
            return 0;
    }
    return 1;
}

/* Undo the open transaction (if any) and open a new one. */
static tk_status restart(tk_store_sqlite *s)
{
    tk_status st = TK_OK;

    if (!sqlite3_get_autocommit(s->db))
        st = tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK);
    return st == TK_OK ? tk__sqlite_exec_stmt(s, TK_SQL_BEGIN) : st;
}

/* Run the batch in one transaction; sets every request's status. The
 * requests first run without savepoints; a failure is rare (a stale seq,
 * an I/O error), and only then is the transaction undone and the batch
 * run again with a savepoint around each request, so that the failed one
 * is undone alone (the requests write nothing but the database and their
 * own outputs, so running one twice is safe). A lone request needs no
 * savepoint: its failure is the transaction's. */
static void run_batch(tk__group_req *batch, void *arg)
{
    tk_store_sqlite *s = arg;
    int any_ok = 0;
    tk_status st;

    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK && !run_plain(s, batch)) {
        if (batch->next != NULL) {
            st = restart(s);
            for (tk__group_req *q = batch; st == TK_OK && q != NULL; q = q->next)
                st = run_saved(s, req_of(q));
        } else if (sqlite3_get_autocommit(s->db)) {
            st = req_of(batch)->st; /* SQLite rolled it back already */
        }
    }
    for (tk__group_req *q = batch; q != NULL; q = q->next)
        any_ok |= req_of(q)->st == TK_OK;
    if (st == TK_OK && any_ok)
        st = tk__sqlite_exec_stmt(s, TK_SQL_COMMIT);
    else if (st == TK_OK) /* every request failed: nothing to commit */
        st = tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK);
    if (st != TK_OK) {
        /* A failed COMMIT (e.g. busy) may leave the transaction open. */
        if (!sqlite3_get_autocommit(s->db))
            (void)tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK);
        fail_all(batch, st);
    } else if (any_ok) {
        s->stats.commits++;
        for (tk__group_req *q = batch; q != NULL; q = q->next)
            s->stats.writes += req_of(q)->st == TK_OK;
    }
    pthread_mutex_unlock(&s->mu);
}

/* The whole queue is one batch. */
static tk__group_req *take_all(tk__group *g, void *arg)
{
    tk__group_req *batch = g->head;

    (void)arg;
    g->head = NULL;
    return batch;
}

tk_status tk__sqlite_write(tk_store_sqlite *s, tk__sqlite_write_fn fn,
                           void *arg)
{
    tk__sqlite_write_req me;
    tk_status st;

    memset(&me, 0, sizeof me);
    me.fn = fn;
    me.arg = arg;
    st = tk__group_run(&s->group, &me.g, take_all, run_batch, s);
    return st != TK_OK ? st : me.st;
}

/* SPDX-License-Identifier: MIT */
/* Group commit: the SQLite store's writes from many threads share one
 * transaction, so that one COMMIT (one fsync of the WAL under
 * synchronous=FULL) makes all of them durable.
 *
 * A writer queues its request (a function to run inside a transaction)
 * and waits. When no transaction is running, one of the waiting writers
 * becomes the leader: it takes the whole queue, runs every request in one
 * BEGIN IMMEDIATE ... COMMIT under the connection's lock (a request that
 * fails is undone alone and fails alone: run_batch), then publishes the
 * outcome, wakes the writers of the batch and hands the lead to the first
 * writer that queued meanwhile. Writers that queue while a
 * transaction runs form the next one, so the batch grows with the load and
 * a lone writer pays no delay: there is no timer, the leader never waits
 * for company.
 *
 * Each writer returns only once the transaction holding ITS write has
 * committed. When BEGIN, a savepoint step or COMMIT fails, every request
 * of the batch fails (nothing of it is durable, so nothing may be
 * credited), even one whose own verdict was a refusal: that verdict may
 * rest on a write of the batch that is now gone.
 *
 * Locks: qmu guards the queue and is never held together with mu (the
 * connection's lock), so the two cannot deadlock; the leader holds mu
 * from BEGIN to COMMIT, so readers never see a batch before it commits. */
#include "store/sqlite_internal.h"

#include <string.h>

typedef struct tk__sqlite_write_req {
    tk__sqlite_write_fn fn;
    void *arg;
    tk_status st;
    int done;
    /* Signalled (under qmu) when the request is done, or when its writer
     * is to lead the next transaction: one condition per writer, so that
     * a commit wakes the writers it made durable and one leader, not
     * every thread waiting (those of the next batch would only go back
     * to sleep). */
    pthread_cond_t cv;
    struct tk__sqlite_write_req *next;
} tk__sqlite_write_req;

/* Every request of the batch fails with st (st != TK_OK). */
static void fail_all(tk__sqlite_write_req *batch, tk_status st)
{
    for (tk__sqlite_write_req *q = batch; q != NULL; q = q->next)
        q->st = st;
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
static int run_plain(tk_store_sqlite *s, tk__sqlite_write_req *batch)
{
    for (tk__sqlite_write_req *q = batch; q != NULL; q = q->next)
        if ((q->st = q->fn(s, q->arg)) != TK_OK)
            return 0;
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
static void run_batch(tk_store_sqlite *s, tk__sqlite_write_req *batch)
{
    int any_ok = 0;
    tk_status st;

    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    if (st == TK_OK && !run_plain(s, batch)) {
        if (batch->next != NULL) {
            st = restart(s);
            for (tk__sqlite_write_req *q = batch; st == TK_OK && q != NULL;
                 q = q->next)
                st = run_saved(s, q);
        } else if (sqlite3_get_autocommit(s->db)) {
            st = batch->st; /* SQLite rolled it back already */
        }
    }
    for (tk__sqlite_write_req *q = batch; q != NULL; q = q->next)
        any_ok |= q->st == TK_OK;
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
        for (tk__sqlite_write_req *q = batch; q != NULL; q = q->next)
            s->stats.writes += q->st == TK_OK;
    }
    pthread_mutex_unlock(&s->mu);
}

tk_status tk__sqlite_write(tk_store_sqlite *s, tk__sqlite_write_fn fn,
                           void *arg)
{
    tk__sqlite_write_req me, *batch, *q, *next;

    memset(&me, 0, sizeof me);
    me.fn = fn;
    me.arg = arg;
    if (pthread_cond_init(&me.cv, NULL) != 0)
        return TK_ERR_NOMEM;
    pthread_mutex_lock(&s->qmu);
    *s->qtail = &me;
    s->qtail = &me.next;
    while (!me.done) {
        if (s->leading) {
            pthread_cond_wait(&me.cv, &s->qmu);
            continue;
        }
        /* No transaction runs, and ours is not done: it is queued. */
        s->leading = 1;
        batch = s->qhead;
        s->qhead = NULL;
        s->qtail = &s->qhead;
        pthread_mutex_unlock(&s->qmu);
        run_batch(s, batch);
        pthread_mutex_lock(&s->qmu);
        for (q = batch; q != NULL; q = next) {
            next = q->next; /* q may be gone once its writer sees done */
            q->done = 1;
            if (q != &me)
                pthread_cond_signal(&q->cv);
        }
        s->leading = 0;
        /* The writers that queued meanwhile: the first one leads them. */
        if (s->qhead != NULL)
            pthread_cond_signal(&s->qhead->cv);
    }
    pthread_mutex_unlock(&s->qmu);
    pthread_cond_destroy(&me.cv);
    return me.st;
}

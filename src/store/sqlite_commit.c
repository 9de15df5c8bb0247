/* SPDX-License-Identifier: MIT */
/* Group commit: the SQLite store's writes from many threads share one
 * transaction, so that one COMMIT (one fsync of the WAL under
 * synchronous=FULL) makes all of them durable.
 *
 * A writer queues its request (a function to run inside a transaction)
 * and waits. When no transaction is running, one of the waiting writers
 * becomes the leader: it takes the whole queue, runs every request in one
 * BEGIN IMMEDIATE ... COMMIT under the connection's lock, each in its own
 * savepoint (a request that fails is undone alone and fails alone), then
 * publishes the outcome and wakes the writers. Writers that queue while a
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

typedef struct tk__sqlite_write_req {
    tk__sqlite_write_fn fn;
    void *arg;
    tk_status st;
    int done;
    struct tk__sqlite_write_req *next;
} tk__sqlite_write_req;

/* Every request of the batch fails with st (st != TK_OK). */
static void fail_all(tk__sqlite_write_req *batch, tk_status st)
{
    for (tk__sqlite_write_req *q = batch; q != NULL; q = q->next)
        q->st = st;
}

/* One request inside the open transaction. A savepoint is needed only
 * when others share the transaction: a lone request that fails takes the
 * whole transaction down with it. Returns TK_OK, or the status that
 * breaks the batch (the transaction is then unusable). */
static tk_status run_one(tk_store_sqlite *s, tk__sqlite_write_req *q,
                         int shared)
{
    tk_status st;

    if (shared && (st = tk__sqlite_exec_stmt(s, TK_SQL_SAVEPOINT)) != TK_OK)
        return st;
    q->st = q->fn(s, q->arg);
    if (q->st == TK_OK)
        return shared ? tk__sqlite_exec_stmt(s, TK_SQL_RELEASE) : TK_OK;
    /* I/O errors, a full disk or NOMEM may have rolled back everything. */
    if (sqlite3_get_autocommit(s->db))
        return q->st;
    if (!shared)
        return TK_OK; /* the caller rolls the transaction back */
    if ((st = tk__sqlite_exec_stmt(s, TK_SQL_ROLLBACK_TO)) != TK_OK)
        return st;
    return tk__sqlite_exec_stmt(s, TK_SQL_RELEASE);
}

/* Run the batch in one transaction; sets every request's status. */
static void run_batch(tk_store_sqlite *s, tk__sqlite_write_req *batch)
{
    int shared = batch->next != NULL, any_ok = 0;
    tk_status st;

    pthread_mutex_lock(&s->mu);
    st = tk__sqlite_exec_stmt(s, TK_SQL_BEGIN);
    for (tk__sqlite_write_req *q = batch; st == TK_OK && q != NULL;
         q = q->next) {
        st = run_one(s, q, shared);
        any_ok |= q->st == TK_OK;
    }
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
    tk__sqlite_write_req me = {fn, arg, TK_OK, 0, NULL};
    tk__sqlite_write_req *batch, *q, *next;

    pthread_mutex_lock(&s->qmu);
    *s->qtail = &me;
    s->qtail = &me.next;
    while (!me.done) {
        if (s->leading) {
            pthread_cond_wait(&s->qcv, &s->qmu);
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
        }
        s->leading = 0;
        pthread_cond_broadcast(&s->qcv);
    }
    pthread_mutex_unlock(&s->qmu);
    return me.st;
}

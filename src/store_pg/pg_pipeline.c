/* SPDX-License-Identifier: MIT */
/* A transaction of prepared statements in one round trip: libpq's
 * pipeline mode sends the statements and a Sync in one write and then
 * reads every answer. Without a BEGIN, the statements up to the Sync are
 * one implicit transaction (the extended query protocol's rule), which
 * the server commits when it reaches the Sync - with synchronous_commit
 * on, durably before it answers the Sync - so no BEGIN or COMMIT is sent
 * (two statements fewer per claim for the server to run). The server
 * runs the statements in order; after an error it skips the rest up to
 * the Sync (each skipped one answers PGRES_PIPELINE_ABORTED) and the Sync
 * rolls the transaction back; an error of the commit itself (a deferred
 * constraint) answers before the Sync. The statements run exactly as they
 * would one by one in a transaction: same snapshots (READ COMMITTED, the
 * session's default level (tk__pg_session): one per statement), same
 * locks; only the client no longer waits between them, so nothing can be
 * decided in C between two statements.
 *
 * Every path leaves the connection out of pipeline mode with no answer
 * unread, or broken (the server is gone, or an answer never came); a
 * connection left in pipeline mode is reset by the next tk__pg_ready, so
 * a later call never reads an answer that belongs to this one. */
#include "store_pg/pg_internal.h"

#include <string.h>

/* Queue the steps and the Sync; libpq sends them in one write at the
 * Sync (or earlier in 8 kB pieces when they are larger). */
static int send_all(tk_store_pg *s, const tk__pg_step *steps, size_t n)
{
    char name[TK_PG_STMT_NAME_MAX];

    for (size_t i = 0; i < n; i++) {
        const tk__pg_params *p = steps[i].p;

        tk__pg_stmt_name(steps[i].id, name);
        if (!PQsendQueryPrepared(s->conn, name, p != NULL ? p->n : 0,
                                 p != NULL ? p->value : NULL,
                                 p != NULL ? p->length : NULL,
                                 p != NULL ? p->format : NULL, 1))
            return 0;
    }
    return PQpipelineSync(s->conn);
}

/* The answer to the next query, without the NULL that ends it; NULL when
 * none comes (the connection broke). */
static PGresult *next_answer(PGconn *c)
{
    PGresult *r = PQgetResult(c), *extra;

    if (r == NULL || PQresultStatus(r) == PGRES_PIPELINE_SYNC)
        return r; /* a Sync has no terminating NULL */
    /* One answer per query here; a second (an error after the rows, the
     * connection lost while reading them) is dropped unless it is the
     * error, which then counts. */
    while ((extra = PQgetResult(c)) != NULL) {
        if (PQresultStatus(extra) == PGRES_FATAL_ERROR &&
            PQresultStatus(r) != PGRES_FATAL_ERROR) {
            PQclear(r);
            r = extra;
        } else {
            PQclear(extra);
        }
    }
    return r;
}

/* The status of a missing answer (NULL from next_answer). */
static tk_status missing(tk_store_pg *s)
{
    if (PQstatus(s->conn) != CONNECTION_OK)
        return tk__pg_status(s, NULL);
    tk__pg_record_error(s, "an answer of the pipeline is missing");
    return TK_ERR_STORE; /* not seen with libpq 15; never a success */
}

/* Read the answers of the n steps in order, then the commit's: the first
 * failure decides the status, later ones are read and dropped. 1 when
 * every answer (and the Sync) was read. */
static int read_all(tk_store_pg *s, tk__pg_step *steps, size_t n,
                    tk_status *st)
{
    PGresult *r;
    ExecStatusType rs;

    for (size_t k = 0; k < n; k++) {
        if ((r = next_answer(s->conn)) == NULL) {
            if (*st == TK_OK)
                *st = missing(s);
            return 0;
        }
        rs = PQresultStatus(r);
        if (rs == PGRES_PIPELINE_ABORTED) {
            if (*st == TK_OK) { /* skipped without an error before it */
                tk__pg_record_error(s, "the pipeline was aborted");
                *st = TK_ERR_STORE;
            }
        } else if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
            if (*st == TK_OK)
                *st = tk__pg_status(s, r);
        } else {
            steps[k].r = r;
            continue;
        }
        PQclear(r);
    }
    /* The Sync: the commit's own error, if any, comes before it (ended
     * by a NULL like a query's answers). No Sync (the connection lost at
     * the commit): whether it committed is unknown, so never a success;
     * tk__pg_ready resets the connection. */
    for (int i = 0, after_error = 0; i < 8; i++) {
        r = PQgetResult(s->conn);
        if (r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            return 1;
        }
        if (r == NULL && !after_error)
            break;
        after_error = r != NULL; /* an error's answer ends with a NULL */
        if (r != NULL && *st == TK_OK)
            *st = tk__pg_status(s, r);
        PQclear(r);
    }
    if (*st == TK_OK)
        *st = missing(s);
    return 0;
}

tk_status tk__pg_pipeline(tk_store_pg *s, tk__pg_step *steps, size_t n)
{
    tk_status st = TK_OK;
    int drained = 0;

    for (size_t i = 0; i < n; i++)
        steps[i].r = NULL;
    for (size_t i = 0; i < n && st == TK_OK; i++)
        st = tk__pg_prepare(s, steps[i].id); /* once per connection */
    if (st != TK_OK)
        return st;
    if (!PQenterPipelineMode(s->conn))
        return tk__pg_status(s, NULL);
    if (send_all(s, steps, n))
        drained = read_all(s, steps, n, &st);
    else
        st = tk__pg_status(s, NULL);
    /* Out of pipeline mode, or (answers unread) left for tk__pg_ready to
     * reset: that closes the session, which rolls back what it began. */
    if (drained && PQexitPipelineMode(s->conn) &&
        PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        (void)tk__pg_simple(s, "ROLLBACK"); /* the failed transaction */
    if (st != TK_OK)
        tk__pg_clear_steps(steps, n);
    return st;
}

void tk__pg_clear_steps(tk__pg_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        PQclear(steps[i].r);
        steps[i].r = NULL;
    }
}

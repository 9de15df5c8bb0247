/* SPDX-License-Identifier: MIT */
/* The PostgreSQL nonce_claim sends its whole transaction in one libpq
 * pipeline (src/store_pg/pg_pipeline.c): the client no longer sees one
 * statement's answer before the next is sent. What this tries to break,
 * at each point the pipeline can fail: the claim must be all-or-nothing
 * (no nonce stored and the block mark not raised when it fails), report
 * the specific status, and leave the SAME store object working for the
 * next call (no answer of the failed pipeline read by a later one):
 * - lock_timeout in the first statement (the rest of the pipeline is
 *   skipped by the server),
 * - an error in the last statement, after the mark was raised,
 * - an error of the commit itself (a deferred constraint trigger): the
 *   pipeline sends no COMMIT, the server commits at its Sync, so that
 *   error answers the Sync, after every statement answered OK,
 * - the mark row gone (the check C used to make between the statements
 *   is now the INSERT's own),
 * - the session killed by the server while the claim waits on a lock:
 *   the pipeline was sent, its answers never come;
 * - a request libpq does not carry out (it returns 0/NULL, which it also
 *   does for a lost connection and for a request it refuses on a live
 *   one, not only when memory runs out): a statement sent on a session
 *   the server ended is the retryable TK_ERR_STORE_UNAVAILABLE, a claim
 *   refused on a live but busy connection is TK_ERR_STORE with libpq's
 *   reason, never TK_ERR_NOMEM (white-box: reaches into the store's
 *   connection);
 * - the session settings failing after a reconnect on a connection that
 *   stays up: the next call sets them again before using it. */
#include "store_backends.h"

#include "store_pg/pg_internal.h"
#include "ticket/store_pg.h"
#include "ticket/u256.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N 3

typedef struct fixture {
    tk_test_pg_fx b; /* the schema, the store, the test's own session */
    tk_hash rh;
    tk_u256 exp;
    uint32_t nonces[N];
} fixture;

static fixture *open_fixture(const char *extra, int lock_timeout_ms)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tk_test_pg_fx_open(&f->b, extra, lock_timeout_ms);
    tk_test_rand_bytes(f->rh.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&f->exp, 1000), TK_OK);
    for (int i = 0; i < N; i++)
        f->nonces[i] = (uint32_t)(7 + 100 * i);
    return f;
}

static void close_fixture(fixture *f)
{
    tk_test_pg_fx_close(&f->b);
    free(f);
}

static long long stored_nonces(fixture *f)
{
    return tk_test_pg_int(f->b.admin, "SELECT count(*) FROM tk_seen_nonces");
}

static long long mark_row(fixture *f)
{
    return tk_test_pg_int(f->b.admin, "SELECT block FROM tk_block_mark WHERE id = 0");
}

static tk_status claim(fixture *f, uint64_t seen, uint8_t fresh[N],
                       uint64_t *mark)
{
    memset(fresh, 0xAA, N); /* must come back 0/1 whatever happens */
    *mark = 12345;
    return f->b.st.nonce_claim(f->b.st.self, &f->rh, f->nonces, N, &f->exp,
                             seen, fresh, mark);
}

static void assert_fresh(const uint8_t fresh[N], int v)
{
    for (int i = 0; i < N; i++)
        assert_int_equal(fresh[i], v);
}

/* The claim succeeds on the same store object: all fresh, then replays. */
static void assert_recovers(fixture *f, uint64_t seen)
{
    uint8_t fresh[N];
    uint64_t mark;

    assert_int_equal(claim(f, seen, fresh, &mark), TK_OK);
    assert_fresh(fresh, 1);
    assert_int_equal(mark, seen);
    assert_int_equal(claim(f, seen, fresh, &mark), TK_OK);
    assert_fresh(fresh, 0);
    assert_int_equal(stored_nonces(f), N);
}

/* A claim that fails with want (its error text holding text): no nonce
 * fresh, the mark 0, no nonce stored. */
static void assert_claim_fails(fixture *f, uint64_t seen, tk_status want,
                               const char *text)
{
    uint8_t fresh[N];
    uint64_t mark;
    char msg[256];

    assert_int_equal(claim(f, seen, fresh, &mark), want);
    assert_fresh(fresh, 0);
    assert_int_equal(mark, 0);
    assert_int_equal(tk_store_pg_last_error(f->b.pg, msg, sizeof msg), TK_OK);
    if (strstr(msg, text) == NULL)
        fail_msg("error text \"%s\" lacks \"%s\"", msg, text);
    assert_int_equal(stored_nonces(f), 0);
}

static void test_lock_timeout(void **state)
{
    fixture *f = open_fixture("", 300);

    (void)state;
    tk_test_pg_ok(f->b.admin, "BEGIN");
    tk_test_pg_ok(f->b.admin, "SELECT block FROM tk_block_mark WHERE id = 0 FOR UPDATE");
    assert_claim_fails(f, 50, TK_ERR_STORE_UNAVAILABLE, "lock timeout");
    tk_test_pg_ok(f->b.admin, "ROLLBACK");
    assert_int_equal(mark_row(f), 0);
    assert_recovers(f, 50);
    close_fixture(f);
}

/* A trigger on tk_seen_nonces that raises "refused": when a row is
 * inserted (BEFORE INSERT), or when the transaction commits (a deferred
 * constraint trigger). Then a claim raising the mark to seen fails with
 * nothing applied, and the same store object works once it is dropped. */
static void assert_refused(int at_commit, uint64_t seen)
{
    fixture *f = open_fixture("", 0);

    tk_test_pg_ok(f->b.admin, "CREATE FUNCTION tk_test_refuse() RETURNS trigger"
                " LANGUAGE plpgsql AS $$ BEGIN RAISE 'refused'; END $$");
    tk_test_pg_ok(f->b.admin, at_commit
                    ? "CREATE CONSTRAINT TRIGGER tk_test_refuse AFTER INSERT"
                      " ON tk_seen_nonces DEFERRABLE INITIALLY DEFERRED"
                      " FOR EACH ROW EXECUTE FUNCTION tk_test_refuse()"
                    : "CREATE TRIGGER tk_test_refuse BEFORE INSERT"
                      " ON tk_seen_nonces"
                      " FOR EACH ROW EXECUTE FUNCTION tk_test_refuse()");
    assert_claim_fails(f, seen, TK_ERR_STORE, "refused");
    assert_int_equal(mark_row(f), 0); /* the raise was rolled back */
    tk_test_pg_ok(f->b.admin, "DROP TRIGGER tk_test_refuse ON tk_seen_nonces");
    assert_recovers(f, seen);
    close_fixture(f);
}

/* seen 70 raises the mark in the first statement; the INSERT fails */
static void test_error_in_last_statement(void **state)
{
    (void)state;
    assert_refused(0, 70);
}

/* every statement succeeds (mark raised, nonces inserted); the commit at
 * the pipeline's Sync runs the trigger and fails */
static void test_error_at_commit(void **state)
{
    (void)state;
    assert_refused(1, 75);
}

static void test_mark_row_gone(void **state)
{
    fixture *f = open_fixture("", 0);

    (void)state;
    tk_test_pg_ok(f->b.admin, "DELETE FROM tk_block_mark");
    /* committed, but the INSERT inserted nothing */
    assert_claim_fails(f, 80, TK_ERR_STORE_CORRUPT, "tk_block_mark");
    tk_test_pg_ok(f->b.admin, "INSERT INTO tk_block_mark (id, block) VALUES (0, 0)");
    assert_recovers(f, 80);
    close_fixture(f);
}

typedef struct claim_call {
    fixture *f;
    tk_status st;
    uint8_t fresh[N];
    uint64_t mark;
} claim_call;

static void *claim_thread(void *arg)
{
    claim_call *c = arg;
    c->st = claim(c->f, 90, c->fresh, &c->mark);
    return NULL;
}

static void test_session_killed_mid_pipeline(void **state)
{
    char app[64], q[256];
    fixture *f;
    claim_call c;
    pthread_t t;
    long long killed = 0;
    struct timespec nap = {0, 20 * 1000000L};

    (void)state;
    snprintf(app, sizeof app, "tk_claim_%ld", (long)getpid());
    snprintf(q, sizeof q, "application_name=%s", app);
    f = open_fixture(q, 60000); /* the lock wait outlasts the test */
    tk_test_pg_ok(f->b.admin, "BEGIN");
    tk_test_pg_ok(f->b.admin, "SELECT block FROM tk_block_mark WHERE id = 0 FOR UPDATE");
    memset(&c, 0, sizeof c);
    c.f = f;
    assert_int_equal(pthread_create(&t, NULL, claim_thread, &c), 0);
    /* Once the claim's session waits on the mark row's lock, its pipeline
     * is on the server: end that session from ours. */
    snprintf(q, sizeof q,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             " WHERE application_name = '%s' AND wait_event_type = 'Lock'", app);
    for (int i = 0; i < 1500 && killed == 0; i++) { /* up to ~30 s */
        killed = tk_test_pg_int(f->b.admin, q);
        if (killed == 0)
            nanosleep(&nap, NULL);
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(killed, 1);
    assert_int_equal(c.st, TK_ERR_STORE_UNAVAILABLE);
    assert_fresh(c.fresh, 0);
    assert_int_equal(c.mark, 0);
    tk_test_pg_ok(f->b.admin, "ROLLBACK");
    assert_int_equal(stored_nonces(f), 0);
    assert_int_equal(mark_row(f), 0);
    assert_recovers(f, 90); /* reconnects */
    close_fixture(f);
}

/* The server ends the store's session; returns once it is gone. */
static void end_session(fixture *f)
{
    struct timespec nap = {0, 10 * 1000000L};
    char q[128];
    long long alive = 1;
    int pid = PQbackendPID(f->b.pg->conn);

    snprintf(q, sizeof q, "SELECT count(pg_terminate_backend(%d))", pid);
    assert_int_equal(tk_test_pg_int(f->b.admin, q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    for (int i = 0; i < 1500 && alive != 0; i++) { /* up to ~30 s */
        alive = tk_test_pg_int(f->b.admin, q);
        if (alive != 0)
            nanosleep(&nap, NULL);
    }
    assert_int_equal(alive, 0);
}

/* A statement sent as by a call already past its connection check, the
 * session ended by the server in between: it prepares (sends) first. */
static void test_send_on_ended_session(void **state)
{
    fixture *f;
    tk_status st = TK_OK;
    PGresult *r;

    (void)state;
    f = open_fixture("", 5000);
    end_session(f);
    pthread_mutex_lock(&f->b.pg->mu);
    r = tk__pg_exec(f->b.pg, TK_PG_NONCE_LOAD, NULL, &st);
    pthread_mutex_unlock(&f->b.pg->mu);
    assert_null(r);
    assert_int_equal(st, TK_ERR_STORE_UNAVAILABLE);
    assert_recovers(f, 90); /* reconnects */
    close_fixture(f);
}

/* A command of ours still in progress on the store's connection: libpq
 * will not enter pipeline mode on it, though the connection is fine (a
 * synchronous PQexec would read and drop that answer first). */
static void test_refused_on_busy_connection(void **state)
{
    fixture *f;
    uint8_t fresh[N];
    uint64_t mark;
    PGresult *r;

    (void)state;
    f = open_fixture("", 5000);
    /* Its statements prepared: the next claim goes straight to the
     * pipeline. */
    assert_int_equal(claim(f, 80, fresh, &mark), TK_OK);
    tk_test_pg_ok(f->b.admin, "DELETE FROM tk_seen_nonces");
    assert_int_equal(PQsendQuery(f->b.pg->conn, "SELECT 1"), 1);
    assert_claim_fails(f, 90, TK_ERR_STORE, "connection not idle");
    assert_int_equal(PQstatus(f->b.pg->conn), CONNECTION_OK);
    assert_int_equal(mark_row(f), 80);
    /* That command's answer read, the same store works. */
    while ((r = PQgetResult(f->b.pg->conn)) != NULL)
        PQclear(r);
    assert_recovers(f, 90);
    close_fixture(f);
}

/* One SHOW on the store's own connection. */
static void show(fixture *f, const char *name, char *out, size_t len)
{
    char q[96];
    PGresult *r;
    snprintf(q, sizeof q, "SHOW %s", name);
    r = PQexec(f->b.pg->conn, q);
    snprintf(out, len, "%s", PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
    PQclear(r);
}

/* The session settings fail after a reconnect while the connection stays
 * up (here a lock_timeout the server rejects; in life libpq out of
 * memory): that call is the retryable error, and the next one sets them
 * again before it uses the connection - never a claim committed under
 * the server's defaults, here synchronous_commit=off (found by an audit). */
static void test_session_set_again(void **state)
{
    fixture *f;
    char v[32];
    int refused = 0;

    (void)state;
    f = open_fixture("", 500);
    /* New sessions of this test's cluster default to off from here on. */
    tk_test_pg_ok(f->b.admin, "ALTER ROLE CURRENT_USER SET synchronous_commit = off");
    show(f, "synchronous_commit", v, sizeof v);
    assert_string_equal(v, "on");
    end_session(f);
    f->b.pg->lock_timeout_ms = -5; /* the reconnect's SETs fail */
    /* The first call may still find the ended session (the server's close
     * not read yet); the reconnect comes then on the next one. */
    for (int i = 0; i < 2 && !refused; i++) {
        uint8_t fresh[N];
        uint64_t mark;
        char msg[256];
        assert_int_equal(claim(f, 90, fresh, &mark), TK_ERR_STORE_UNAVAILABLE);
        assert_fresh(fresh, 0);
        assert_int_equal(mark, 0);
        assert_int_equal(tk_store_pg_last_error(f->b.pg, msg, sizeof msg), TK_OK);
        refused = strstr(msg, "lock_timeout") != NULL;
    }
    assert_true(refused);
    assert_int_equal(stored_nonces(f), 0);
    assert_int_equal(PQstatus(f->b.pg->conn), CONNECTION_OK);
    f->b.pg->lock_timeout_ms = 500;
    assert_recovers(f, 90);
    show(f, "synchronous_commit", v, sizeof v);
    assert_string_equal(v, "on");
    show(f, "lock_timeout", v, sizeof v);
    assert_string_equal(v, "500ms");
    tk_test_pg_ok(f->b.admin, "ALTER ROLE CURRENT_USER RESET synchronous_commit");
    close_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_timeout),
        cmocka_unit_test(test_error_in_last_statement),
        cmocka_unit_test(test_error_at_commit),
        cmocka_unit_test(test_mark_row_gone),
        cmocka_unit_test(test_session_killed_mid_pipeline),
        cmocka_unit_test(test_send_on_ended_session),
        cmocka_unit_test(test_refused_on_busy_connection),
        cmocka_unit_test(test_session_set_again),
    };
    tk_test_pg_require();
    tk_test_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

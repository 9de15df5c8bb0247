/* SPDX-License-Identifier: MIT */
/* A node stalled inside its own transaction (issue 13; docs/fleet.md "A
 * node that stalls inside pending_add"): a forked process with its own
 * store is stopped (SIGSTOP) right after its pending_add took the
 * sender's advisory lock, so its session sits idle in the transaction,
 * holding the lock. What this tries to break:
 * - another node's pending_add of that sender must not wait longer than
 *   its lock_timeout_ms: the retryable TK_ERR_STORE_UNAVAILABLE, nothing
 *   applied;
 * - the server must end the stalled session once it sat idle for the
 *   stalled store's lock_timeout_ms (the store sets
 *   idle_in_transaction_session_timeout on its sessions, also after a
 *   reconnect): the lock is freed and the other node's retries succeed
 *   (without the setting they would fail for ever);
 * - the stalled store, resumed, reports TK_ERR_STORE_UNAVAILABLE for the
 *   call in flight, nothing of it applied, then reconnects and works. */
#include "store_backends.h"

#include "store_pg/pg_internal.h"
#include "ticket/store_pg.h"
#include "ticket/u256.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STALLED_MS 1500 /* the stalled node's lock_timeout_ms */
#define OTHER_MS 200    /* the other node's */
#define APP "tk_stalled_node"

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A ticket hash of its own (distinct from any other: random). */
static tk_hash new_hash(void)
{
    tk_hash h;
    tk_test_rand_bytes(h.bytes, sizeof h.bytes);
    return h;
}

static tk_u256 u256(uint64_t v)
{
    tk_u256 u;
    assert_int_equal(tk_u256_from_u64(&u, v), TK_OK);
    return u;
}

/* One text value of q on c, copied to out ("" when it fails). */
static void query_text(PGconn *c, const char *q, char *out, size_t len)
{
    PGresult *r = PQexec(c, q);
    out[0] = '\0';
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        snprintf(out, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* The stalled node's backend, as pg_stat_activity shows it: "state|wait"
 * or "" when it has none. */
static void stalled_backend(PGconn *c, char *out, size_t len)
{
    query_text(c,
               "SELECT coalesce(state, '') || '|' || coalesce(wait_event_type, '')"
               " FROM pg_stat_activity WHERE application_name = '" APP "'",
               out, len);
}

/* The child: its own store (never share one across fork), one
 * pending_add that the parent stalls, then what the resumed store does.
 * Exit 0 when all is as documented, else the failed step's number. */
static int child_run(const char *conninfo)
{
    tk_store_pg_options o = {.lock_timeout_ms = STALLED_MS};
    tk_ctx *ctx = NULL;
    tk_store_pg *pg = NULL;
    tk_store st;
    tk_address a;
    tk_hash h = new_hash();
    tk_u256 face, lim, total, want7;
    char ci[1200], want[32], got[32];
    PGresult *r;
    int added = -1, rc = 0;
    tk_status s;

    alarm(120); /* never outlive a failed parent */
    if (tk_u256_from_u64(&face, 5) != TK_OK || tk_u256_from_u64(&lim, 1000) != TK_OK)
        return 9;
    memset(&a, 0x44, sizeof a);
    snprintf(ci, sizeof ci, "%s application_name=" APP, conninfo);
    if (tk_ctx_create(&ctx) != TK_OK ||
        tk_store_pg_create(ctx, &pg, ci, &o) != TK_OK ||
        tk_store_pg_iface(pg, &st) != TK_OK)
        rc = 10;
    /* Stalled by the parent once it holds the lock; ended by the server. */
    else if ((s = st.pending_add(st.self, &h, &a, &face, &lim, &added)) !=
             TK_ERR_STORE_UNAVAILABLE) {
        fprintf(stderr, "stalled pending_add: %s\n", tk_status_name(s));
        rc = 11;
    } else if (added != 0)
        rc = 12;
    /* Reconnected: the parent's row only (our 5 never applied). */
    else if ((s = st.pending_total(st.self, &a, &total)) != TK_OK) {
        fprintf(stderr, "pending_total after: %s\n", tk_status_name(s));
        rc = 13;
    } else if (tk_u256_from_u64(&want7, 7) != TK_OK ||
               memcmp(&total, &want7, sizeof total) != 0)
        rc = 14; /* the parent's 7 only */
    else if (st.pending_add(st.self, &h, &a, &face, &lim, &added) != TK_OK ||
             added != 1)
        rc = 15;
    if (rc == 0) {
        /* The new session has the bound again (tk__pg_session). */
        snprintf(want, sizeof want, "%dms", STALLED_MS);
        r = PQexec(pg->conn, "SHOW idle_in_transaction_session_timeout");
        snprintf(got, sizeof got, "%s",
                 PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
        PQclear(r);
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "after reconnect: %s, want %s\n", got, want);
            rc = 16;
        }
    }
    tk_store_pg_destroy(pg);
    tk_ctx_destroy(ctx);
    return rc;
}

static void test_stalled_node(void **state)
{
    tk_store_pg_options o = {.lock_timeout_ms = OTHER_MS};
    char *conninfo = tk_test_pg_schema_new();
    tk_ctx *ctx = NULL;
    tk_store_pg *pg = NULL;
    tk_store st;
    tk_address a;
    tk_hash h = new_hash();
    tk_u256 face = u256(7), lim = u256(1000), both = u256(12), total;
    PGconn *admin, *holder;
    char q[128], seen[64], show[32];
    double t_stall, t_free = 0;
    int added = -1, status = -1, unavailable = 0, waited = 0, idle = 0;
    int ok = 0, gone = 0;
    tk_status s = TK_ERR_INTERNAL;
    pid_t child;
    (void)state;

    assert_non_null(conninfo);
    assert_int_equal(tk_ctx_create(&ctx), TK_OK);
    assert_int_equal(tk_store_pg_create(ctx, &pg, conninfo, &o), TK_OK);
    assert_int_equal(tk_store_pg_iface(pg, &st), TK_OK);
    /* The store's own session carries the bound it documents. */
    query_text(pg->conn, "SHOW idle_in_transaction_session_timeout", show,
               sizeof show);
    assert_string_equal(show, "200ms");
    query_text(pg->conn, "SHOW lock_timeout", show, sizeof show);
    assert_string_equal(show, "200ms");
    admin = PQconnectdb(conninfo);
    holder = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    assert_int_equal(PQstatus(holder), CONNECTION_OK);
    memset(&a, 0x44, sizeof a); /* lock key 0x44444444 (pg_fleet.c) */
    snprintf(q, sizeof q, "SELECT pg_advisory_lock(1414221892, %d)", 0x44444444);
    PQclear(PQexec(holder, q));

    fflush(NULL);
    child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(child_run(conninfo));

    /* The child waits for the lock inside its transaction: stop it, then
     * let the lock go; its backend takes it and goes idle in the
     * transaction (the client never sends the next statement). */
    for (int i = 0; i < 1500 && !waited; i++) {
        stalled_backend(admin, seen, sizeof seen);
        waited = strcmp(seen, "active|Lock") == 0;
        if (!waited)
            nap_ms(10);
    }
    if (waited)
        kill(child, SIGSTOP);
    snprintf(q, sizeof q, "SELECT pg_advisory_unlock(1414221892, %d)", 0x44444444);
    PQclear(PQexec(holder, q));
    t_stall = now_s();
    for (int i = 0; waited && i < 500 && !idle; i++) {
        stalled_backend(admin, seen, sizeof seen);
        idle = strcmp(seen, "idle in transaction|Client") == 0;
        if (!idle)
            nap_ms(2);
    }

    if (idle) {
        /* Blocked by the stalled node: gives up after its lock_timeout,
         * nothing applied. */
        s = st.pending_add(st.self, &h, &a, &face, &lim, &added);
        unavailable = s == TK_ERR_STORE_UNAVAILABLE && added == 0;
        /* Retried until the server has ended the stalled session. */
        while (s == TK_ERR_STORE_UNAVAILABLE && now_s() - t_stall < 15.0) {
            nap_ms(50);
            s = st.pending_add(st.self, &h, &a, &face, &lim, &added);
        }
        ok = s == TK_OK && added == 1;
        t_free = now_s() - t_stall;
        stalled_backend(admin, seen, sizeof seen);
        gone = seen[0] == '\0';
    }
    kill(child, SIGCONT);
    assert_int_equal(waitpid(child, &status, 0), child);
    PQfinish(holder);

    assert_true(waited);
    assert_true(idle);
    assert_true(unavailable);
    assert_true(ok);
    assert_true(gone); /* the server ended it; the child did not run */
    /* Freed by the server's bound (1.5 s), not by anything later;
     * generous for a loaded machine. */
    assert_true(t_free >= STALLED_MS / 1000.0 * 0.9);
    assert_true(t_free < 20.0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* Both rows once: 7 + 5. */
    assert_int_equal(st.pending_total(st.self, &a, &total), TK_OK);
    assert_memory_equal(&total, &both, sizeof total);

    PQfinish(admin);
    tk_store_pg_destroy(pg);
    tk_test_pg_schema_drop(conninfo);
    free(conninfo);
    tk_ctx_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalled_node),
    };
    tk_test_pg_require();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

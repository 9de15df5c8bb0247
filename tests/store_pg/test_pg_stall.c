/* SPDX-License-Identifier: MIT */
/* A node stalled inside its own transaction (issue 13; docs/fleet.md "A
 * node that stalls inside pending_add"): a forked process with its own
 * store is stopped (SIGSTOP) right after its call took a lock another
 * node needs, so its session sits idle in the transaction, holding the
 * lock. Two calls are stalled: pending_add (the sender's advisory lock)
 * and nonce_prune (the block mark row, FOR UPDATE: every claim needs it
 * shared). What this tries to break:
 * - another node's call that needs the lock (a pending_add of that
 *   sender; a nonce_claim) must not wait longer than its lock_timeout_ms:
 *   the retryable TK_ERR_STORE_UNAVAILABLE, nothing applied;
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

/* One stalled call: the lock the holder takes first (so the child's call
 * waits for it and can be stopped there), and the calls on each side.
 * Every function runs on a store of its own: child() in the forked
 * process (0 when all is as documented, else the failed step's number),
 * the others in the test. */
typedef struct stall_case {
    const char *lock_sql, *unlock_sql; /* the holder's */
    void (*setup)(tk_store *st);       /* before the fork */
    int (*child)(tk_store *st);        /* the stalled call, then after */
    /* The other node's call; *applied: whether it changed anything. */
    tk_status (*blocked)(tk_store *st, int *applied);
    void (*after)(tk_store *st);       /* once the child has exited */
} stall_case;

/* The child: its own store (never share one across fork), the case's
 * calls, then the bound on the new session. */
static int child_run(const char *conninfo, const stall_case *c)
{
    tk_store_pg_options o = {.lock_timeout_ms = STALLED_MS};
    tk_ctx *ctx = NULL;
    tk_store_pg *pg = NULL;
    tk_store st;
    char ci[1200], want[32], got[32];
    PGresult *r;
    int rc;

    alarm(120); /* never outlive a failed parent */
    snprintf(ci, sizeof ci, "%s application_name=" APP, conninfo);
    if (tk_ctx_create(&ctx) != TK_OK ||
        tk_store_pg_create(ctx, &pg, ci, &o) != TK_OK ||
        tk_store_pg_iface(pg, &st) != TK_OK)
        rc = 10;
    else
        rc = c->child(&st);
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

static void run_stall(const stall_case *c)
{
    tk_store_pg_options o = {.lock_timeout_ms = OTHER_MS};
    char *conninfo = tk_test_pg_schema_new();
    tk_ctx *ctx = NULL;
    tk_store_pg *pg = NULL;
    tk_store st;
    PGconn *admin, *holder;
    char seen[64], show[32];
    double t_stall, t_free = 0;
    int applied = -1, status = -1, unavailable = 0, waited = 0, idle = 0;
    int ok = 0, gone = 0;
    tk_status s = TK_ERR_INTERNAL;
    pid_t child;

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
    if (c->setup != NULL)
        c->setup(&st);
    admin = PQconnectdb(conninfo);
    holder = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(admin), CONNECTION_OK);
    assert_int_equal(PQstatus(holder), CONNECTION_OK);
    PQclear(PQexec(holder, c->lock_sql));

    fflush(NULL);
    child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(child_run(conninfo, c));

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
    PQclear(PQexec(holder, c->unlock_sql));
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
        s = c->blocked(&st, &applied);
        unavailable = s == TK_ERR_STORE_UNAVAILABLE && applied == 0;
        /* Retried until the server has ended the stalled session. */
        while (s == TK_ERR_STORE_UNAVAILABLE && now_s() - t_stall < 15.0) {
            nap_ms(50);
            s = c->blocked(&st, &applied);
        }
        ok = s == TK_OK && applied == 1;
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
    c->after(&st);

    PQfinish(admin);
    tk_store_pg_destroy(pg);
    tk_test_pg_schema_drop(conninfo);
    free(conninfo);
    tk_ctx_destroy(ctx);
}

/* ---- pending_add: the sender's advisory lock ------------------------- */

static tk_address sender44; /* lock key 0x44444444 (pg_fleet.c) */
static tk_hash parent_ticket;

static void pending_setup(tk_store *st)
{
    (void)st;
    memset(&sender44, 0x44, sizeof sender44);
    parent_ticket = new_hash();
}

static int pending_child(tk_store *st)
{
    tk_hash h = new_hash();
    tk_u256 face, lim, total, want7;
    int added = -1;
    tk_status s;

    if (tk_u256_from_u64(&face, 5) != TK_OK || tk_u256_from_u64(&lim, 1000) != TK_OK)
        return 9;
    /* Stalled by the parent once it holds the lock; ended by the server. */
    if ((s = st->pending_add(st->self, &h, &sender44, &face, &lim, &added)) !=
        TK_ERR_STORE_UNAVAILABLE) {
        fprintf(stderr, "stalled pending_add: %s\n", tk_status_name(s));
        return 11;
    }
    if (added != 0)
        return 12;
    /* Reconnected: the parent's row only (our 5 never applied). */
    if ((s = st->pending_total(st->self, &sender44, &total)) != TK_OK) {
        fprintf(stderr, "pending_total after: %s\n", tk_status_name(s));
        return 13;
    }
    if (tk_u256_from_u64(&want7, 7) != TK_OK ||
        memcmp(&total, &want7, sizeof total) != 0)
        return 14; /* the parent's 7 only */
    if (st->pending_add(st->self, &h, &sender44, &face, &lim, &added) != TK_OK ||
        added != 1)
        return 15;
    return 0;
}

static tk_status pending_blocked(tk_store *st, int *applied)
{
    tk_u256 face = u256(7), lim = u256(1000);
    return st->pending_add(st->self, &parent_ticket, &sender44, &face, &lim,
                           applied);
}

static void pending_after(tk_store *st)
{
    tk_u256 both = u256(12), total;

    /* Both rows once: 7 + 5. */
    assert_int_equal(st->pending_total(st->self, &sender44, &total), TK_OK);
    assert_memory_equal(&total, &both, sizeof total);
}

static void test_stalled_pending_add(void **state)
{
    static char lock_sql[96], unlock_sql[96];
    const stall_case c = {lock_sql, unlock_sql, pending_setup, pending_child,
                          pending_blocked, pending_after};
    (void)state;

    snprintf(lock_sql, sizeof lock_sql,
             "SELECT pg_advisory_lock(1414221892, %d)", 0x44444444);
    snprintf(unlock_sql, sizeof unlock_sql,
             "SELECT pg_advisory_unlock(1414221892, %d)", 0x44444444);
    run_stall(&c);
}

/* ---- nonce_prune: the block mark row --------------------------------- */

#define PRUNE_TO 500  /* the child's prune: drops expiration 100, keeps 1000 */
#define SEEN_AT 10    /* the parent's claim raises the mark to this */

static tk_hash rh_old, rh_kept, rh_claim;

typedef struct nonce_count {
    size_t old, other;
} nonce_count;

static int count_visit(const tk_hash *rh, uint32_t nonce,
                       const tk_u256 *exp, void *data)
{
    nonce_count *n = data;
    (void)nonce;
    (void)exp;
    if (memcmp(rh, &rh_old, sizeof *rh) == 0)
        n->old++;
    else
        n->other++;
    return 0;
}

/* The store's mark (a claim of no nonce only reads it) and nonces. */
static tk_status prune_state(tk_store *st, uint64_t *mark, nonce_count *n)
{
    tk_status s = st->nonce_claim(st->self, NULL, NULL, 0, NULL, 0, NULL, mark);

    memset(n, 0, sizeof *n);
    return s != TK_OK ? s : st->nonce_load(st->self, count_visit, n);
}

static void prune_setup(tk_store *st)
{
    tk_u256 old = u256(100), kept = u256(1000);

    rh_old = new_hash();
    rh_kept = new_hash();
    rh_claim = new_hash();
    assert_int_equal(st->nonce_add(st->self, &rh_old, 1, &old), TK_OK);
    assert_int_equal(st->nonce_add(st->self, &rh_kept, 1, &kept), TK_OK);
}

static int prune_child(tk_store *st)
{
    nonce_count n;
    uint64_t mark = 0;
    tk_status s;

    /* Stalled by the parent once it holds the mark row; ended by the
     * server. */
    if ((s = st->nonce_prune(st->self, PRUNE_TO)) != TK_ERR_STORE_UNAVAILABLE) {
        fprintf(stderr, "stalled nonce_prune: %s\n", tk_status_name(s));
        return 11;
    }
    /* Reconnected: nothing of the prune applied (the old nonce still
     * there, the mark the parent's claim raised, not ours). */
    if ((s = prune_state(st, &mark, &n)) != TK_OK) {
        fprintf(stderr, "state after: %s\n", tk_status_name(s));
        return 13;
    }
    if (n.old != 1 || n.other != 2 || mark != SEEN_AT)
        return 14;
    if (st->nonce_prune(st->self, PRUNE_TO) != TK_OK)
        return 15;
    return 0;
}

static tk_status prune_blocked(tk_store *st, int *applied)
{
    static const uint32_t nonce = 7;
    tk_u256 exp = u256(1000);
    uint8_t fresh = 0xAA;
    uint64_t mark = 12345;
    tk_status s = st->nonce_claim(st->self, &rh_claim, &nonce, 1, &exp,
                                  SEEN_AT, &fresh, &mark);

    /* Documented on failure: fresh 0, mark 0. */
    *applied = s == TK_OK ? fresh == 1 && mark == SEEN_AT
                          : (fresh != 0 || mark != 0);
    return s;
}

static void prune_after(tk_store *st)
{
    nonce_count n;
    uint64_t mark = 0;

    /* The resumed child's prune: the old nonce gone, the mark its. */
    assert_int_equal(prune_state(st, &mark, &n), TK_OK);
    assert_int_equal(n.old, 0);
    assert_int_equal(n.other, 2);
    assert_int_equal(mark, PRUNE_TO);
}

static void test_stalled_nonce_prune(void **state)
{
    const stall_case c = {
        "BEGIN; SELECT block FROM tk_block_mark WHERE id = 0 FOR UPDATE",
        "ROLLBACK", prune_setup, prune_child, prune_blocked, prune_after};
    (void)state;

    run_stall(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stalled_pending_add),
        cmocka_unit_test(test_stalled_nonce_prune),
    };
    tk_test_pg_require();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

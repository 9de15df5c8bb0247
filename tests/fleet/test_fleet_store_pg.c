/* SPDX-License-Identifier: MIT */
/* The store's fleet operations on PostgreSQL: the same contract and race
 * suite as the memory and SQLite stores (fleet_contract.c, unchanged),
 * each racing thread on its own connection, so the server's locking is
 * what is tested. What only PostgreSQL needs besides:
 * - rounds in which every connection adds at once, released together at
 *   a barrier: exactly as many adds pass as the limit has room for, and
 *   exactly one connection wins each lease round, with the token growing
 *   by one per tenure;
 * - the race suite and the barrier rounds again on connections whose
 *   sessions default to REPEATABLE READ (a snapshot taken before the
 *   advisory-lock wait would let two nodes pass the limit);
 * - a version-1 database (today's with the fleet tables dropped and the
 *   version row set back) is migrated in place and keeps its data, and is
 *   refused untouched by an existing_only open;
 * - a sender's advisory lock held by a stalled connection: pending_add
 *   gives up after lock_timeout_ms with TK_ERR_STORE_UNAVAILABLE;
 * - the connection of a pending_add or lease_acquire killed while the
 *   call waits inside its transaction (another connection holds the lock
 *   it needs), then the server stopped: the retryable
 *   TK_ERR_STORE_UNAVAILABLE, nothing applied, and the same store objects
 *   work once the server is back. */
#include "fleet_contract.h"
#include "test_winner.h"
#include "store_backends.h"

#include "ticket/store_pg.h"
#include "ticket/u256.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONNS 4

typedef struct fixture {
    tk_ctx *ctx;
    char *conninfo; /* a fresh schema */
    tk_store_pg *pg[CONNS];
    tk_store st[CONNS];
} fixture;

/* Each fixture's connections on a fresh schema; repeatable: with
 * default_transaction_isolation 'repeatable read' in their options. */
static int open_fixture(void **state, int repeatable)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || tk_ctx_create(&f->ctx) != TK_OK ||
        (f->conninfo = tk_test_pg_schema_new()) == NULL)
        return -1;
    if (repeatable) {
        /* conninfo ends "options='-c search_path=...'": one more setting
         * (the space escaped for the server, the backslash for libpq). */
        static const char rr[] =
            " -c default_transaction_isolation=repeatable\\\\ read'";
        size_t n = strlen(f->conninfo);
        char *c = realloc(f->conninfo, n + sizeof rr);
        if (c == NULL || n == 0 || c[n - 1] != '\'')
            return -1;
        memcpy(c + n - 1, rr, sizeof rr);
        f->conninfo = c;
    }
    for (int i = 0; i < CONNS; i++)
        if (tk_store_pg_create(f->ctx, &f->pg[i], f->conninfo, NULL) != TK_OK ||
            tk_store_pg_iface(f->pg[i], &f->st[i]) != TK_OK)
            return -1;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return open_fixture(state, 0);
}

static int setup_repeatable(void **state)
{
    return open_fixture(state, 1);
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < CONNS; i++)
        tk_store_pg_destroy(f->pg[i]);
    tk_test_pg_schema_drop(f->conninfo);
    free(f->conninfo);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

static tk_hash hash_of(unsigned id)
{
    tk_hash h;
    memset(&h, 0, sizeof h);
    memcpy(h.bytes, &id, sizeof id);
    h.bytes[31] = 0xa7;
    return h;
}

static void test_contract(void **state)
{
    fixture *f = *state;
    tk_test_store_pending_contract(&f->st[0]);
    tk_test_store_lease_contract(&f->st[0]);
}

/* The fenced writes, and one tenure's writer racing a takeover on
 * another connection (FOR SHARE on the lease row against the acquisition's
 * update). */
static void test_fence(void **state)
{
    fixture *f = *state;
    tk_address recipient, sender;
    tk_winner w1, w2;
    memset(&recipient, 0x31, sizeof recipient);
    memset(&sender, 0x32, sizeof sender);
    tk_test_winner(&w1, &recipient, &sender, 1000, 1, 500);
    tk_test_winner(&w2, &recipient, &sender, 1000, 2, 500);
    tk_test_store_fence_contract(&f->st[0], &w1);
    tk_test_store_fence_race(f->st, CONNS, &w2);
}

static void test_race(void **state)
{
    fixture *f = *state;
    tk_test_store_fleet_race(f->st, CONNS);
}

/* The sessions really default to REPEATABLE READ (else the rounds below
 * would prove nothing). */
static void assert_repeatable(const fixture *f)
{
    PGconn *c = PQconnectdb(f->conninfo);
    PGresult *r = PQexec(c, "SHOW default_transaction_isolation");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "repeatable read");
    PQclear(r);
    PQfinish(c);
}

static void test_race_repeatable(void **state)
{
    fixture *f = *state;
    assert_repeatable(f);
    tk_test_store_fleet_race(f->st, CONNS);
}

/* ---- barrier rounds ------------------------------------------------------- */

#define ROUNDS 40
#define FACE 10

typedef struct rounds {
    fixture *f;
    pthread_barrier_t go, done;
    tk_address sender;
    uint64_t room[ROUNDS];          /* how many adds fit in round r */
    tk_status add_st[ROUNDS][CONNS];
    int added[ROUNDS][CONNS];
    tk_status lease_st[ROUNDS][CONNS];
    uint64_t token[ROUNDS][CONNS];
} rounds;

typedef struct rounder {
    rounds *r;
    int i;
} rounder;

static void *round_worker(void *arg)
{
    rounder *me = arg;
    rounds *r = me->r;
    const tk_store *st = &r->f->st[me->i];
    char holder[16];

    snprintf(holder, sizeof holder, "conn-%d", me->i);
    for (int k = 0; k < ROUNDS; k++) {
        tk_hash h = hash_of((unsigned)(k * CONNS + me->i));
        tk_u256 face = tk_test_u256(FACE), lim = tk_test_u256(r->room[k] * FACE);
        pthread_barrier_wait(&r->go);
        r->add_st[k][me->i] = st->pending_add(st->self, &h, &r->sender, &face,
                                              &lim, &r->added[k][me->i]);
        pthread_barrier_wait(&r->done); /* the main thread checks, clears */
        pthread_barrier_wait(&r->go);
        r->lease_st[k][me->i] = st->lease_acquire(st->self, holder, 60000,
                                                  &r->token[k][me->i]);
        pthread_barrier_wait(&r->done);
    }
    return NULL;
}

/* Remove every entry of round k (through connection 0). */
static void clear_round(const fixture *f, int k)
{
    for (int i = 0; i < CONNS; i++) {
        tk_hash h = hash_of((unsigned)(k * CONNS + i));
        int removed = 0;
        assert_int_equal(f->st[0].pending_remove(f->st[0].self, &h, &removed), TK_OK);
    }
}

static void test_barrier_rounds(void **state)
{
    fixture *f = *state;
    static rounds r;
    rounder rs[CONNS];
    pthread_t th[CONNS];
    uint64_t last_token = 0;

    memset(&r, 0, sizeof r);
    r.f = f;
    memset(&r.sender, 0x5e, sizeof r.sender);
    for (int k = 0; k < ROUNDS; k++)
        r.room[k] = (uint64_t)(k % CONNS); /* 0 .. CONNS-1 fit */
    assert_int_equal(pthread_barrier_init(&r.go, NULL, CONNS + 1), 0);
    assert_int_equal(pthread_barrier_init(&r.done, NULL, CONNS + 1), 0);
    for (int i = 0; i < CONNS; i++) {
        rs[i] = (rounder){&r, i};
        assert_int_equal(pthread_create(&th[i], NULL, round_worker, &rs[i]), 0);
    }
    for (int k = 0; k < ROUNDS; k++) {
        int passed = 0, winners = 0, winner = -1;
        pthread_barrier_wait(&r.go);
        pthread_barrier_wait(&r.done);
        for (int i = 0; i < CONNS; i++) {
            if (r.add_st[k][i] == TK_OK && r.added[k][i] == 1)
                passed++;
            else
                assert_int_equal(r.add_st[k][i], TK_ERR_PENDING_LIMIT);
        }
        assert_int_equal(passed, (int)r.room[k]);
        assert_int_equal(tk_test_pending_total(&f->st[0], &r.sender), r.room[k] * FACE);
        clear_round(f, k);
        assert_int_equal(tk_test_pending_total(&f->st[0], &r.sender), 0);

        pthread_barrier_wait(&r.go);
        pthread_barrier_wait(&r.done);
        for (int i = 0; i < CONNS; i++) {
            if (r.lease_st[k][i] == TK_OK) {
                winners++;
                winner = i;
            } else {
                assert_int_equal(r.lease_st[k][i], TK_ERR_LEASE_HELD);
                assert_int_equal(r.token[k][i], 0);
            }
        }
        assert_int_equal(winners, 1);
        if (last_token != 0) /* the first round may meet a contract's lease */
            assert_int_equal(r.token[k][winner], last_token + 1);
        last_token = r.token[k][winner];
        {
            char holder[16];
            snprintf(holder, sizeof holder, "conn-%d", winner);
            assert_int_equal(f->st[0].lease_release(f->st[0].self, holder), TK_OK);
        }
    }
    for (int i = 0; i < CONNS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&r.go);
    pthread_barrier_destroy(&r.done);
}

static void test_barrier_rounds_repeatable(void **state)
{
    assert_repeatable(*state);
    test_barrier_rounds(state);
}

/* ---- migration ------------------------------------------------------------ */

static void sql(const fixture *f, const char *q)
{
    assert_int_equal(tk_test_pg_exec(f->conninfo, q), 0);
}

static void test_migrates_v1(void **state)
{
    fixture *f = *state;
    tk_store_pg *s = NULL;
    tk_store st;
    tk_winner w, got;
    tk_address a;
    tk_hash h = hash_of(77);
    tk_u256 face = tk_test_u256(5);
    uint64_t token = 0;
    int v = 0, added = 0;

    /* A winner through today's code, then the schema set back to v1. */
    memset(&w, 0, sizeof w);
    tk_test_rand_bytes(w.ticket.sender.bytes, 20);
    tk_test_rand_bytes(w.ticket.face_value.bytes, 32);
    w.ticket.creation_round = 3;
    tk_test_rand_bytes(w.recipient_rand.bytes, 32);
    assert_int_equal(tk_ticket_hash(&w.ticket_hash, &w.ticket), TK_OK);
    assert_int_equal(f->st[0].put_winner(f->st[0].self, &w), TK_OK);
    for (int i = 0; i < CONNS; i++) { /* no connection may keep the tables */
        tk_store_pg_destroy(f->pg[i]);
        f->pg[i] = NULL;
    }
    sql(f, "DROP TABLE tk_pending_redemptions, tk_redeemer_lease;"
           " UPDATE tk_schema SET version = 1");

    /* An existing_only open creates nothing: refused, still version 1. */
    {
        tk_store_pg_options only = {.existing_only = 1};
        assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, &only),
                         TK_ERR_STORE_VERSION);
        assert_null(s);
        sql(f, "DO $$ BEGIN IF (SELECT version FROM tk_schema) <> 1 OR"
               " to_regclass('tk_pending_redemptions') IS NOT NULL"
               " THEN RAISE 'migrated'; END IF; END $$");
    }

    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_OK);
    assert_int_equal(tk_store_pg_schema_version(s, &v), TK_OK);
    assert_int_equal(v, 2);
    assert_int_equal(tk_store_pg_iface(s, &st), TK_OK);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    assert_memory_equal(got.ticket_hash.bytes, w.ticket_hash.bytes, 32);
    assert_memory_equal(got.recipient_rand.bytes, w.recipient_rand.bytes, 32);
    /* The new tables work: first tenure, pending entries. */
    assert_int_equal(st.lease_acquire(st.self, "after-v1", 1000, &token), TK_OK);
    assert_int_equal(token, 1);
    memset(&a, 0x31, sizeof a);
    assert_int_equal(st.pending_add(st.self, &h, &a, &face, NULL, &added), TK_OK);
    assert_int_equal(added, 1);
    assert_int_equal(tk_test_pending_total(&st, &a), 5);
    tk_store_pg_destroy(s);
}

/* ---- connection lost mid-call, server down -------------------------------- */

typedef struct blocked_call {
    const tk_store *st;
    int lease; /* 0: pending_add, 1: lease_acquire */
    tk_status result;
    int added;
    uint64_t token;
} blocked_call;

static void *run_blocked(void *arg)
{
    blocked_call *c = arg;
    tk_hash h = hash_of(4242);
    tk_address a;
    tk_u256 face = tk_test_u256(9), lim = tk_test_u256(1000);

    memset(&a, 0x44, sizeof a);
    if (c->lease)
        c->result = c->st->lease_acquire(c->st->self, "node-b", 60000, &c->token);
    else
        c->result = c->st->pending_add(c->st->self, &h, &a, &face, &lim, &c->added);
    return NULL;
}

/* A connection holding a lock (its own session): run q and keep it open. */
static PGconn *hold(const fixture *f, const char *q)
{
    PGconn *c = PQconnectdb(f->conninfo);
    PGresult *r;
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    r = PQexec(c, q);
    assert_true(PQresultStatus(r) == PGRES_TUPLES_OK ||
                PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
    return c;
}

/* Whether the server shows a backend waiting on a lock. */
static int someone_waits(const fixture *f)
{
    PGconn *c = PQconnectdb(f->conninfo);
    PGresult *r = PQexec(c, "SELECT count(*) FROM pg_locks WHERE NOT granted");
    int n = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    PQfinish(c);
    return n > 0;
}

static void stop_while_blocked(fixture *f, blocked_call *c, const char *lock_sql)
{
    PGconn *holder = hold(f, lock_sql);
    pthread_t th;
    struct timespec nap = {0, 20000000L};

    assert_int_equal(pthread_create(&th, NULL, run_blocked, c), 0);
    for (int i = 0; i < 500 && !someone_waits(f); i++)
        nanosleep(&nap, NULL);
    assert_true(someone_waits(f));
    /* Its connection dies while the lock is still held (a server shutdown
     * may release the lock first and let the call commit: a success that
     * is true, but not the case tested here), then the server goes. */
    PQclear(PQexec(holder, "SELECT pg_terminate_backend(pid) FROM pg_locks"
                           " WHERE NOT granted"));
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(tk_test_pg_control("stop"), 0);
    PQfinish(holder);
    assert_int_equal(c->result, TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(c->added, 0);
    assert_int_equal(c->token, 0);
    /* Down: every call is the same retryable error. */
    assert_int_equal(f->st[1].pending_total(f->st[1].self, &(tk_address){{0}},
                                            &(tk_u256){{0}}),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(tk_test_pg_control("start"), 0);
}

/* The window between a fenced write's check and its commit, made wide: a
 * pending_add_fenced passes its check (the lease row read FOR SHARE), then
 * waits for its sender's advisory lock, which another session holds. A
 * takeover on a third connection (the holder's release, a new holder's
 * acquisition) must wait for that write to commit: with the row not
 * locked it would commit first, and the old tenure's write would land
 * after the new tenure began. */
typedef struct fenced_add_call {
    const tk_store *st;
    uint64_t token;
    tk_status result;
    int added;
    atomic_int done_seq; /* 1 + the order it finished in */
} fenced_add_call;

typedef struct takeover_call {
    const tk_store *st;
    tk_status result;
    uint64_t token;
    atomic_int done_seq;
} takeover_call;

static atomic_int finish_order;

static void *run_fenced_add(void *arg)
{
    fenced_add_call *c = arg;
    const tk_lease_fence fence = {"old-holder", c->token};
    tk_hash h = hash_of(777);
    tk_address a;
    tk_u256 face = tk_test_u256(5);

    memset(&a, 0x01, sizeof a); /* advisory key 0x01010101 */
    c->result = c->st->pending_add_fenced(c->st->self, &fence, &h, &a, &face, NULL, &c->added);
    atomic_store(&c->done_seq, atomic_fetch_add(&finish_order, 1) + 1);
    return NULL;
}

static void *run_takeover(void *arg)
{
    takeover_call *c = arg;
    c->result = c->st->lease_release(c->st->self, "old-holder");
    if (c->result == TK_OK)
        c->result = c->st->lease_acquire(c->st->self, "new-holder", 60000, &c->token);
    atomic_store(&c->done_seq, atomic_fetch_add(&finish_order, 1) + 1);
    return NULL;
}

static void test_fence_holds_takeover(void **state)
{
    fixture *f = *state;
    fenced_add_call add = {.st = &f->st[1]};
    takeover_call take = {.st = &f->st[2]};
    struct timespec nap = {0, 20000000L};
    pthread_t ta, tt;
    PGconn *holder;
    tk_address a;
    int removed = 0;

    atomic_store(&finish_order, 0);
    memset(&a, 0x01, sizeof a);
    assert_int_equal(f->st[0].lease_acquire(f->st[0].self, "old-holder", 60000, &add.token),
                     TK_OK);
    holder = hold(f, "SELECT pg_advisory_lock(1414221892, 16843009)");
    assert_int_equal(pthread_create(&ta, NULL, run_fenced_add, &add), 0);
    for (int i = 0; i < 500 && !someone_waits(f); i++)
        nanosleep(&nap, NULL);
    assert_true(someone_waits(f)); /* past its check, at the sender's lock */
    assert_int_equal(pthread_create(&tt, NULL, run_takeover, &take), 0);
    for (int i = 0; i < 15; i++) /* 300 ms: the takeover must not get through */
        nanosleep(&nap, NULL);
    assert_int_equal(atomic_load(&take.done_seq), 0);
    assert_int_equal(atomic_load(&add.done_seq), 0);
    PQclear(PQexec(holder, "SELECT pg_advisory_unlock_all()"));
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_int_equal(pthread_join(tt, NULL), 0);
    PQfinish(holder);
    assert_int_equal(add.result, TK_OK);
    assert_int_equal(add.added, 1);
    assert_int_equal(take.result, TK_OK);
    assert_int_equal(take.token, add.token + 1);
    assert_int_equal(atomic_load(&add.done_seq), 1); /* the write, then the takeover */
    assert_int_equal(atomic_load(&take.done_seq), 2);
    assert_int_equal(tk_test_pending_total(&f->st[0], &a), 5);
    /* From now on the old tenure writes nothing. */
    {
        const tk_lease_fence old = {"old-holder", add.token};
        tk_hash h = hash_of(777);
        assert_int_equal(f->st[1].pending_remove_fenced(f->st[1].self, &old, &h, &removed),
                         TK_ERR_LEASE_LOST);
        assert_int_equal(removed, 0);
    }
    assert_int_equal(tk_test_pending_total(&f->st[0], &a), 5);
}

static void test_outage_mid_call(void **state)
{
    fixture *f = *state;
    blocked_call add = {&f->st[1], 0, TK_ERR_INTERNAL, -1, 0};
    blocked_call lease = {&f->st[1], 1, TK_ERR_INTERNAL, 0, 0};
    tk_address a;
    tk_hash h = hash_of(4242);
    tk_u256 face = tk_test_u256(9);
    uint64_t t1 = 0, t = 0;
    int added = 0, removed = 0;
    char q[160];

    if (getenv("TK_PG_CONTROL") == NULL)
        skip();
    memset(&a, 0x44, sizeof a);
    /* pending_add waits for its sender's advisory lock (the key is the
     * address's first four bytes, 0x44444444), inside its transaction. */
    snprintf(q, sizeof q, "SELECT pg_advisory_lock(1414221892, %d)", 0x44444444);
    stop_while_blocked(f, &add, q);
    assert_int_equal(tk_test_pending_total(&f->st[1], &a), 0); /* the same object, back */
    assert_int_equal(tk_test_pending_total(&f->st[0], &a), 0);

    /* lease_acquire waits for the lease row held FOR UPDATE. */
    assert_int_equal(f->st[0].lease_acquire(f->st[0].self, "node-a", 1, &t1), TK_OK);
    stop_while_blocked(f, &lease,
                       "BEGIN; SELECT * FROM tk_redeemer_lease FOR UPDATE");
    /* Nothing applied: node-b's acquisition would have been tenure t1+1. */
    assert_int_equal(f->st[1].lease_acquire(f->st[1].self, "node-a", 60000, &t), TK_OK);
    assert_int_equal(t, t1 + 1); /* node-a back after its 1 ms lease */

    /* And the stores work again on their old objects. */
    assert_int_equal(f->st[1].pending_add(f->st[1].self, &h, &a, &face, NULL, &added), TK_OK);
    assert_int_equal(added, 1);
    assert_int_equal(tk_test_pending_total(&f->st[0], &a), 9);
    assert_int_equal(f->st[0].pending_remove(f->st[0].self, &h, &removed), TK_OK);
    assert_int_equal(removed, 1);
}

/* ---- a stalled lock holder ------------------------------------------------- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_lock_timeout(void **state)
{
    fixture *f = *state;
    tk_store_pg_options o = {.lock_timeout_ms = 300};
    tk_store_pg *s = NULL;
    tk_store st;
    PGconn *holder;
    tk_address a;
    tk_hash h = hash_of(99);
    tk_u256 face = tk_test_u256(4), lim = tk_test_u256(100);
    double t0;
    int added = -1;
    char q[96];

    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, &o), TK_OK);
    assert_int_equal(tk_store_pg_iface(s, &st), TK_OK);
    memset(&a, 0x44, sizeof a); /* lock key 0x44444444 (pg_fleet.c) */
    /* A node stalled inside its pending_add: the sender's lock held. */
    snprintf(q, sizeof q, "SELECT pg_advisory_lock(1414221892, %d)", 0x44444444);
    holder = hold(f, q);
    t0 = now_s();
    assert_int_equal(st.pending_add(st.self, &h, &a, &face, &lim, &added),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(added, 0);
    /* Gave up on its own (the holder never lets go): lock_timeout, not
     * some other bound; generous for a loaded machine. */
    assert_true(now_s() - t0 < 30.0);
    PQfinish(holder);
    assert_int_equal(tk_test_pending_total(&st, &a), 0);
    /* The same object works once the lock is free. */
    assert_int_equal(st.pending_add(st.self, &h, &a, &face, &lim, &added), TK_OK);
    assert_int_equal(added, 1);
    assert_int_equal(tk_test_pending_total(&f->st[0], &a), 4);
    tk_store_pg_destroy(s);
    /* Out of range: refused. */
    o.lock_timeout_ms = -1;
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, &o),
                     TK_ERR_ILLEGAL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contract, setup, teardown),
        cmocka_unit_test_setup_teardown(test_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fence_holds_takeover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_rounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_race_repeatable, setup_repeatable,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_barrier_rounds_repeatable,
                                        setup_repeatable, teardown),
        cmocka_unit_test_setup_teardown(test_migrates_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outage_mid_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
    };
    tk_test_pg_require();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Group commit of the PostgreSQL store's claims (src/store_pg/pg_claim.c):
 * claims made on one store object by many threads at once share one
 * transaction. What this tries to break:
 * - grouping itself: claims queued behind a transaction in progress
 *   commit together (one xmin for all their rows), at most one claim per
 *   rand hash in a transaction (a second one waits for the next, and its
 *   overlap with the first is a replay), and every claim of a
 *   transaction gets the mark raised to the batch's highest seen block;
 * - large claims: at most 1,024 nonces in one transaction (one claim
 *   with more alone), the rest wait for the next;
 * - a batch that fails (one of its claims waits past lock_timeout on a
 *   key another session inserted): every claim of it fails at once with
 *   the retryable status, none of its nonces is stored, the mark is not
 *   raised, and the same store works after;
 * - two nodes' batches queued in opposite rand hash orders while a key
 *   they need is held: inserted in key order they cannot deadlock (with
 *   the sort removed this test fails with 40P01);
 * - two nodes (two store objects, four threads each) claiming
 *   overlapping nonces of the same rand hashes in random order, in
 *   batches: every call succeeds, and each (rand hash, nonce) is fresh
 *   exactly once across both (random load: it does not reliably provoke
 *   the deadlock the previous test forces).
 * White-box: tk__pg_claims_waiting tells when the threads have queued. */
#include "store_backends.h"

#include "store_pg/pg_internal.h"
#include "ticket/store_pg.h"
#include "ticket/u256.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>

#define QUEUED 6 /* claims queued behind the held one */

typedef tk_test_pg_fx fixture; /* the schema, the store, the test's own session */

static fixture *open_fixture(int lock_timeout_ms)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tk_test_pg_fx_open(f, "", lock_timeout_ms);
    return f;
}

static void close_fixture(fixture *f)
{
    tk_test_pg_fx_close(f);
    free(f);
}

/* Hold the block mark row: every claim transaction waits at its
 * MARK_SHARE until admin_release. */
static void admin_hold(fixture *f)
{
    tk_test_pg_ok(f->admin, "BEGIN");
    tk_test_pg_ok(f->admin, "SELECT block FROM tk_block_mark WHERE id = 0 FOR UPDATE");
}

/* Wait (10 s at most) until n claims are queued on the store. */
static void wait_queued(fixture *f, size_t n)
{
    struct timespec pause = {0, 2 * 1000 * 1000};

    for (int i = 0; i < 5000; i++) {
        if (tk__pg_claims_waiting(f->pg) == n)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("%zu claims queued, want %zu", tk__pg_claims_waiting(f->pg), n);
}

/* Wait until the store's session waits for a lock (the held claim's
 * transaction reached the mark row). */
static void wait_blocked(fixture *f)
{
    struct timespec pause = {0, 2 * 1000 * 1000};

    for (int i = 0; i < 5000; i++) {
        if (tk_test_pg_int(f->admin, "SELECT count(*) FROM pg_stat_activity"
                         " WHERE wait_event_type = 'Lock'") >= 1)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("no claim waits for the mark row");
}

typedef struct job {
    tk_store *st;
    tk_hash rh;
    uint32_t nonces[3];
    size_t n;
    uint64_t seen;
    uint8_t fresh[3];
    uint64_t mark;
    tk_status result;
} job;

static void *job_main(void *arg)
{
    job *j = arg;
    tk_u256 exp;

    (void)tk_u256_from_u64(&exp, 1000000);
    j->result = j->st->nonce_claim(j->st->self, &j->rh, j->nonces, j->n,
                                   &exp, j->seen, j->fresh, &j->mark);
    return NULL;
}

static void start(pthread_t *th, job *j)
{
    assert_int_equal(pthread_create(th, NULL, job_main, j), 0);
}

/* A one-nonce claim (seen block 10) that leads and waits on the mark row
 * the test holds, so that the claims started next queue behind it. */
static void start_held(fixture *f, job *held, pthread_t *th)
{
    memset(held, 0, sizeof *held);
    held->st = &f->st;
    tk_test_rand_bytes(held->rh.bytes, 32);
    held->nonces[0] = 1;
    held->n = 1;
    held->seen = 10;
    admin_hold(f);
    start(th, held);
    wait_blocked(f);
}

/* Distinct xmins (inserting transactions) among the rows of the n rand
 * hashes h[0..n). */
static long long xmins_of_set(fixture *f, const tk_hash *const *h, int n)
{
    char q[1024], *p = q;

    p += sprintf(p, "SELECT count(DISTINCT xmin::text) FROM tk_seen_nonces"
                    " WHERE rand_hash IN (");
    for (int k = 0; k < n; k++) {
        p += sprintf(p, "%s'\\x", k == 0 ? "" : ", ");
        for (int i = 0; i < 32; i++)
            p += sprintf(p, "%02x", h[k]->bytes[i]);
        p += sprintf(p, "'::bytea");
    }
    sprintf(p, ")");
    return tk_test_pg_int(f->admin, q);
}

static long long xmins_of(fixture *f, const tk_hash *h)
{
    return xmins_of_set(f, &h, 1);
}

static long long xmins_all(fixture *f)
{
    return tk_test_pg_int(f->admin, "SELECT count(DISTINCT xmin::text)"
                        " FROM tk_seen_nonces");
}

static void test_queued_claims_share_a_transaction(void **state)
{
    fixture *f = open_fixture(60000); /* no timeout while the test holds */
    job held, q[QUEUED + 1];
    pthread_t th_held, th[QUEUED + 1];
    uint64_t top = 0;

    (void)state;
    start_held(f, &held, &th_held);
    /* QUEUED claims of distinct rand hashes, then one more of q[0]'s rand
     * hash overlapping it in nonce 5: it waits for the next transaction. */
    for (int i = 0; i <= QUEUED; i++) {
        memset(&q[i], 0, sizeof q[i]);
        q[i].st = &f->st;
        if (i < QUEUED)
            tk_test_rand_bytes(q[i].rh.bytes, 32);
        else
            q[i].rh = q[0].rh;
        q[i].nonces[0] = (uint32_t)(i == QUEUED ? 5 : 3 + 2 * i);
        q[i].nonces[1] = (uint32_t)(i == QUEUED ? 6 : 4 + 2 * i);
        q[i].nonces[2] = 5;
        q[i].n = 3;
        q[i].seen = 100 + (uint64_t)(i * 7 % QUEUED);
        if (i < QUEUED && q[i].seen > top)
            top = q[i].seen;
        start(&th[i], &q[i]);
        wait_queued(f, (size_t)i + 1); /* queue order is start order */
    }
    tk_test_pg_ok(f->admin, "COMMIT");
    assert_int_equal(pthread_join(th_held, NULL), 0);
    for (int i = 0; i <= QUEUED; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);

    assert_int_equal(held.result, TK_OK);
    assert_int_equal(held.fresh[0], 1);
    assert_int_equal(held.mark, 10);
    for (int i = 0; i < QUEUED; i++) {
        assert_int_equal(q[i].result, TK_OK);
        /* 3+2i, 4+2i fresh; 5 repeats within q[0] only when i == 1. */
        assert_int_equal(q[i].fresh[0], 1);
        assert_int_equal(q[i].fresh[1], 1);
        assert_int_equal(q[i].fresh[2], i != 1);
        assert_int_equal(q[i].mark, top); /* the batch's highest seen */
    }
    /* The late claim of q[0]'s rand hash: 5 was q[0]'s; 6 is new. */
    assert_int_equal(q[QUEUED].result, TK_OK);
    assert_int_equal(q[QUEUED].fresh[0], 0);
    assert_int_equal(q[QUEUED].fresh[1], 1);
    assert_int_equal(q[QUEUED].fresh[2], 0);
    /* Three transactions inserted: the held claim, the batch of QUEUED
     * claims, the late one - which is not in q[0]'s transaction. */
    assert_int_equal(xmins_all(f), 3);
    assert_int_equal(xmins_of(f, &held.rh), 1);
    assert_int_equal(xmins_of(f, &q[0].rh), 2);
    assert_int_equal(tk_test_pg_int(f->admin, "SELECT count(*) FROM tk_seen_nonces"),
                     1 + 3 * QUEUED - 1 + 1);
    assert_int_equal(tk_test_pg_int(f->admin, "SELECT block FROM tk_block_mark"),
                     (long long)top);
    close_fixture(f);
}

/* One claim of the batch waits on a key another session inserted and has
 * not committed, past lock_timeout: the whole batch fails together - every
 * claim with the retryable status, fresh zeroed, mark 0, nothing stored -
 * although only one claim waited (the price of sharing a transaction).
 * Without grouping the other claims would have succeeded. */
#define KEY_WAIT_MS 4000

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct timed_job {
    job j;
    double ended;
} timed_job;

static void *timed_main(void *arg)
{
    timed_job *t = arg;

    job_main(&t->j);
    t->ended = now_s();
    return NULL;
}

static void test_failed_batch_fails_every_claim(void **state)
{
    fixture *f = open_fixture(KEY_WAIT_MS);
    PGconn *key = PQconnectdb(f->conninfo);
    char sql[256], hex[65];
    job held;
    timed_job q[QUEUED];
    pthread_t th_held, th[QUEUED];
    double first = 0, last = 0;

    (void)state;
    assert_int_equal(PQstatus(key), CONNECTION_OK);
    for (int i = 0; i < QUEUED; i++) {
        memset(&q[i], 0, sizeof q[i]);
        q[i].j.st = &f->st;
        tk_test_rand_bytes(q[i].j.rh.bytes, 32);
        q[i].j.nonces[0] = 1;
        q[i].j.nonces[1] = 2;
        q[i].j.n = 2;
        q[i].j.seen = 50;
    }
    /* Another session's uncommitted row at q[2]'s (rand hash, 2). */
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", q[2].j.rh.bytes[i]);
    snprintf(sql, sizeof sql,
             "INSERT INTO tk_seen_nonces (rand_hash, nonce, expiration_block)"
             " VALUES ('\\x%s', 2, '\\x%064d')", hex, 0);
    tk_test_pg_ok(key, "BEGIN");
    tk_test_pg_ok(key, sql);
    start_held(f, &held, &th_held);
    for (int i = 0; i < QUEUED; i++) {
        memset(q[i].j.fresh, 0xAA, sizeof q[i].j.fresh);
        q[i].j.mark = 12345;
        assert_int_equal(pthread_create(&th[i], NULL, timed_main, &q[i]), 0);
    }
    wait_queued(f, QUEUED);
    tk_test_pg_ok(f->admin, "COMMIT"); /* the held claim commits; the batch runs */
    assert_int_equal(pthread_join(th_held, NULL), 0);
    assert_int_equal(held.result, TK_OK);
    for (int i = 0; i < QUEUED; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(q[i].j.result, TK_ERR_STORE_UNAVAILABLE);
        assert_int_equal(q[i].j.fresh[0], 0);
        assert_int_equal(q[i].j.fresh[1], 0);
        assert_int_equal(q[i].j.mark, 0);
        first = i == 0 || q[i].ended < first ? q[i].ended : first;
        last = i == 0 || q[i].ended > last ? q[i].ended : last;
    }
    /* One transaction failed them all at once (one by one, each would
     * have waited its own lock_timeout). */
    assert_true(last - first < KEY_WAIT_MS / 2000.0);
    tk_test_pg_ok(key, "ROLLBACK");
    assert_int_equal(tk_test_pg_int(f->admin, "SELECT count(*) FROM tk_seen_nonces"), 1);
    assert_int_equal(tk_test_pg_int(f->admin, "SELECT block FROM tk_block_mark"), 10);
    /* The same store object: the claims succeed now. */
    for (int i = 0; i < QUEUED; i++) {
        start(&th[i], &q[i].j);
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(q[i].j.result, TK_OK);
        assert_int_equal(q[i].j.fresh[0], 1);
        assert_int_equal(q[i].j.fresh[1], 1);
    }
    PQfinish(key);
    close_fixture(f);
}

/* Large claims (600 nonces, the most a payment's rand hash can carry)
 * queued together: at most 1,024 nonces go into one transaction, so the
 * three big claims commit one by one, and two small ones still join the
 * first. */
#define BIG 600
#define SMALL 2

typedef struct big_job {
    tk_store *st;
    tk_hash rh;
    size_t n;
    uint8_t fresh[BIG];
    uint64_t mark;
    tk_status result;
} big_job;

static uint32_t big_nonces[BIG];

static void *big_main(void *arg)
{
    big_job *j = arg;
    tk_u256 exp;

    (void)tk_u256_from_u64(&exp, 1000000);
    j->result = j->st->nonce_claim(j->st->self, &j->rh, big_nonces, j->n,
                                   &exp, 0, j->fresh, &j->mark);
    return NULL;
}

static void test_large_claims_split(void **state)
{
    /* Queue order: big, big, small, big, small. */
    static const int order[5] = {0, 1, 3, 2, 4};
    fixture *f = open_fixture(60000); /* no timeout while the test holds */
    big_job bj[5];
    pthread_t th_held, th[5];
    job held;

    (void)state;
    for (uint32_t i = 0; i < BIG; i++)
        big_nonces[i] = i;
    start_held(f, &held, &th_held);
    for (int i = 0; i < 5; i++) {
        memset(&bj[i], 0, sizeof bj[i]);
        bj[i].st = &f->st;
        tk_test_rand_bytes(bj[i].rh.bytes, 32);
        bj[i].n = i < 3 ? BIG : SMALL;
    }
    for (int o = 0; o < 5; o++) {
        assert_int_equal(
            pthread_create(&th[order[o]], NULL, big_main, &bj[order[o]]), 0);
        wait_queued(f, (size_t)o + 1);
    }
    tk_test_pg_ok(f->admin, "COMMIT");
    assert_int_equal(pthread_join(th_held, NULL), 0);
    assert_int_equal(held.result, TK_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(bj[i].result, TK_OK);
        for (size_t k = 0; k < bj[i].n; k++)
            assert_int_equal(bj[i].fresh[k], 1);
    }
    /* The held claim; [big 0, small 3, small 4]; [big 1]; [big 2]. */
    assert_int_equal(xmins_all(f), 4);
    {
        const tk_hash *first[3] = {&bj[0].rh, &bj[3].rh, &bj[4].rh};
        const tk_hash *bigs[3] = {&bj[0].rh, &bj[1].rh, &bj[2].rh};
        assert_int_equal(xmins_of_set(f, first, 3), 1);
        assert_int_equal(xmins_of_set(f, bigs, 3), 3);
    }
    assert_int_equal(tk_test_pg_int(f->admin, "SELECT count(*) FROM tk_seen_nonces"),
                     1 + 3 * BIG + 2 * SMALL);
    close_fixture(f);
}

/* Two nodes' batches holding the same two rand hashes in opposite queue
 * orders (the reviewer's deterministic case): node A queues [h2:{5},
 * h1:{4,6}], node B [h1:{6}, h2:{5}], h1 < h2, while another session
 * holds h1:4 uncommitted. Each node's first claim waits on a key of its
 * own held by the test, so that the others queue behind it in that order.
 * Inserted in queue order, A would hold h2:5 and wait for h1:4, B hold
 * h1:6 and wait for h2:5, and once h1:4 is released A would wait for B:
 * a deadlock (40P01, the retryable status for A's or B's claims). In key
 * order both batches take h1 before h2: every claim succeeds. */
static void insert_held(PGconn *c, const tk_hash *h, int nonce)
{
    char sql[256], hex[65];

    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h->bytes[i]);
    snprintf(sql, sizeof sql,
             "INSERT INTO tk_seen_nonces (rand_hash, nonce, expiration_block)"
             " VALUES ('\\x%s', %d, '\\x%064d')", hex, nonce, 0);
    tk_test_pg_ok(c, "BEGIN");
    tk_test_pg_ok(c, sql);
}

/* Wait until n sessions wait for a lock. */
static void wait_lock_waiters(fixture *f, long long n)
{
    struct timespec pause = {0, 2 * 1000 * 1000};

    for (int i = 0; i < 5000; i++) {
        if (tk_test_pg_int(f->admin, "SELECT count(*) FROM pg_stat_activity"
                         " WHERE wait_event_type = 'Lock'") == n)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("never %lld sessions waiting for a lock", n);
}

static job one_claim(tk_store *st, const tk_hash *h, uint32_t n0, uint32_t n1,
                     size_t n)
{
    job j;

    memset(&j, 0, sizeof j);
    j.st = st;
    j.rh = *h;
    j.nonces[0] = n0;
    j.nonces[1] = n1;
    j.n = n;
    return j;
}

static void test_two_batches_opposite_orders(void **state)
{
    fixture *f = open_fixture(60000);
    tk_store_pg *other = NULL;
    tk_store sb;
    tk_store_pg_options o = {.lock_timeout_ms = 60000};
    PGconn *hold_a = PQconnectdb(f->conninfo), *hold_b = PQconnectdb(f->conninfo),
           *hold_k = PQconnectdb(f->conninfo);
    tk_hash h0a, h0b, h1, h2;
    job a0, b0, a1, a2, b1, b2;
    pthread_t th[6];

    (void)state;
    assert_int_equal(PQstatus(hold_a), CONNECTION_OK);
    assert_int_equal(PQstatus(hold_b), CONNECTION_OK);
    assert_int_equal(PQstatus(hold_k), CONNECTION_OK);
    assert_int_equal(tk_store_pg_create(f->ctx, &other, f->conninfo, &o), TK_OK);
    assert_int_equal(tk_store_pg_iface(other, &sb), TK_OK);
    memset(h0a.bytes, 0xA0, 32);
    memset(h0b.bytes, 0xB0, 32);
    memset(h1.bytes, 0x11, 32);
    memset(h2.bytes, 0x22, 32);
    insert_held(hold_a, &h0a, 1);
    insert_held(hold_b, &h0b, 1);
    insert_held(hold_k, &h1, 4);
    a0 = one_claim(&f->st, &h0a, 1, 0, 1);
    a2 = one_claim(&f->st, &h2, 5, 0, 1);
    a1 = one_claim(&f->st, &h1, 4, 6, 2);
    b0 = one_claim(&sb, &h0b, 1, 0, 1);
    b1 = one_claim(&sb, &h1, 6, 0, 1);
    b2 = one_claim(&sb, &h2, 5, 0, 1);
    start(&th[0], &a0);
    wait_lock_waiters(f, 1);
    start(&th[1], &a2);
    wait_queued(f, 1);
    start(&th[2], &a1);
    wait_queued(f, 2);
    start(&th[3], &b0);
    wait_lock_waiters(f, 2);
    start(&th[4], &b1);
    while (tk__pg_claims_waiting(other) != 1)
        sched_yield();
    start(&th[5], &b2);
    while (tk__pg_claims_waiting(other) != 2)
        sched_yield();
    tk_test_pg_ok(hold_a, "ROLLBACK"); /* a0 commits, A's batch runs */
    assert_int_equal(pthread_join(th[0], NULL), 0);
    wait_lock_waiters(f, 2); /* b0 and A's batch (on h1:4) */
    tk_test_pg_ok(hold_b, "ROLLBACK"); /* B's batch runs */
    {
        struct timespec pause = {1, 0}; /* past deadlock_timeout (1 s) */
        nanosleep(&pause, NULL);
    }
    tk_test_pg_ok(hold_k, "ROLLBACK");
    for (int i = 1; i < 6; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(a0.result, TK_OK);
    assert_int_equal(b0.result, TK_OK);
    assert_int_equal(a1.result, TK_OK);
    assert_int_equal(a2.result, TK_OK);
    assert_int_equal(b1.result, TK_OK);
    assert_int_equal(b2.result, TK_OK);
    /* Each key fresh exactly once across the two nodes. */
    assert_int_equal(a1.fresh[0], 1);              /* h1:4 */
    assert_int_equal(a1.fresh[1] + b1.fresh[0], 1); /* h1:6 */
    assert_int_equal(a2.fresh[0] + b2.fresh[0], 1); /* h2:5 */
    tk_store_pg_destroy(other);
    PQfinish(hold_a);
    PQfinish(hold_b);
    PQfinish(hold_k);
    close_fixture(f);
}

/* ---- two nodes, overlapping claims ------------------------------------*/

#define NODES 2
#define NODE_THREADS 4
#define RANDS 3
#define NONCE_SPACE 24

typedef struct racer {
    tk_store *st;
    const tk_hash *rh; /* RANDS of them, shared */
    uint64_t rng;
    int claims;
    unsigned fresh[RANDS][NONCE_SPACE]; /* times this thread got fresh */
    int claimed[RANDS][NONCE_SPACE];
    tk_status result; /* the first failure, or TK_OK */
} racer;

static uint64_t next_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void *racer_main(void *arg)
{
    racer *r = arg;
    tk_u256 exp;

    (void)tk_u256_from_u64(&exp, 1000000);
    r->result = TK_OK;
    for (int c = 0; c < r->claims && r->result == TK_OK; c++) {
        unsigned k = (unsigned)(next_rand(&r->rng) % RANDS);
        uint32_t nonces[4];
        uint8_t fresh[4];
        uint64_t mark;
        size_t n = 1 + next_rand(&r->rng) % 4;
        tk_status st;

        for (size_t i = 0; i < n; i++)
            nonces[i] = (uint32_t)(next_rand(&r->rng) % NONCE_SPACE);
        /* Mostly no raise of the mark: a raise locks its row exclusively
         * and serializes the transactions, which would hide a deadlock. */
        st = r->st->nonce_claim(r->st->self, &r->rh[k], nonces, n, &exp,
                                c % 32 == 0 ? (uint64_t)c : 0, fresh, &mark);
        if (st != TK_OK) {
            r->result = st;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            r->claimed[k][nonces[i]] = 1;
            r->fresh[k][nonces[i]] += fresh[i];
        }
    }
    return NULL;
}

static void test_two_nodes_no_deadlock(void **state)
{
    fixture *f = open_fixture(0);
    tk_store_pg *other = NULL;
    tk_store st2;
    tk_hash rh[RANDS];
    racer *r = calloc(NODES * NODE_THREADS, sizeof *r);
    pthread_t th[NODES * NODE_THREADS];
    unsigned long claims = tk_test_iters(150);

    (void)state;
    assert_non_null(r);
    assert_int_equal(tk_store_pg_create(f->ctx, &other, f->conninfo, NULL),
                     TK_OK);
    assert_int_equal(tk_store_pg_iface(other, &st2), TK_OK);
    for (int k = 0; k < RANDS; k++)
        tk_test_rand_bytes(rh[k].bytes, 32);
    for (int i = 0; i < NODES * NODE_THREADS; i++) {
        r[i].st = i < NODE_THREADS ? &f->st : &st2;
        r[i].rh = rh;
        r[i].rng = tk_test_rand64() | 1;
        r[i].claims = (int)claims;
        assert_int_equal(pthread_create(&th[i], NULL, racer_main, &r[i]), 0);
    }
    for (int i = 0; i < NODES * NODE_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < NODES * NODE_THREADS; i++)
        assert_int_equal(r[i].result, TK_OK); /* no deadlock, no error */
    for (int k = 0; k < RANDS; k++)
        for (int n = 0; n < NONCE_SPACE; n++) {
            unsigned fresh = 0;
            int claimed = 0;

            for (int i = 0; i < NODES * NODE_THREADS; i++) {
                fresh += r[i].fresh[k][n];
                claimed |= r[i].claimed[k][n];
            }
            if (fresh != (unsigned)claimed)
                fail_msg("rand %d nonce %d: fresh %u times, claimed %d", k,
                         n, fresh, claimed);
        }
    tk_store_pg_destroy(other);
    free(r);
    close_fixture(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queued_claims_share_a_transaction),
        cmocka_unit_test(test_failed_batch_fails_every_claim),
        cmocka_unit_test(test_large_claims_split),
        cmocka_unit_test(test_two_batches_opposite_orders),
        cmocka_unit_test(test_two_nodes_no_deadlock),
    };
    tk_test_pg_require();
    tk_test_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

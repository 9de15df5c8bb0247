/* SPDX-License-Identifier: MIT */
/* Many threads creating batches on one session: every nonce is issued
 * exactly once and, together, the nonces are 1..N with no gap; each batch
 * is contiguous; signatures stay valid. Meanwhile another thread starts and
 * ends other sessions. A second test ends the session while batches run.
 * TK_TEST_ITERS sets the tickets per thread (default 10000). */
#include "sender_fixture.h"

#include "ticket/signature.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define MAX_BATCH 16

struct worker {
    pthread_t tid;
    const tk_hash *key;
    uint64_t rng;
    size_t want;          /* tickets to make (0: until NOT_FOUND) */
    uint32_t *nonces;     /* every nonce received, in order */
    size_t cap;           /* room in nonces */
    size_t got;
    size_t batches;
    tk_status last;       /* first unexpected status, or TK_OK */
    int bad_batch;        /* a batch whose nonces were not contiguous */
    int bad_sig;
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void *work(void *arg)
{
    struct worker *w = arg;

    while ((w->want == 0 || w->got < w->want) &&
           w->got + MAX_BATCH <= w->cap) {
        size_t k = 1 + (size_t)(xorshift(&w->rng) % MAX_BATCH);
        tk_payment pay;
        tk_status st;

        if (w->want != 0 && k > w->want - w->got)
            k = w->want - w->got;
        st = tk_sender_create_batch(FX.sender, &pay, w->key, k);
        if (st != TK_OK) {
            w->last = st;
            break;
        }
        for (size_t i = 0; i < k; i++) {
            if (pay.tickets[i].sender_nonce != pay.tickets[0].sender_nonce + i)
                w->bad_batch = 1;
            w->nonces[w->got++] = pay.tickets[i].sender_nonce;
        }
        /* Verify a sample (verification costs as much as signing). */
        if (w->batches++ % 64 == 0) {
            for (size_t i = 0; i < k; i++) {
                tk_ticket t;
                tk_hash h;
                if (tk_payment_ticket(&t, &pay, i) != TK_OK ||
                    tk_ticket_hash(&h, &t) != TK_OK ||
                    tk_eth_verify(FX.ctx, &FX.addr, &h,
                                  pay.tickets[i].sig.bytes,
                                  TK_SIG_LEN) != TK_OK)
                    w->bad_sig = 1;
            }
        }
        tk_payment_clear(&pay);
    }
    return NULL;
}

struct churn {
    pthread_t tid;
    atomic_int stop;
    int errors;
};

/* Start and end other sessions, and query them, while batches run. */
static void *churn(void *arg)
{
    struct churn *c = arg;
    tk_ticket_params p;
    unsigned i = 0;

    fx_params(&FX, &p, "3000", FX_THIRD, 200);
    while (!atomic_load(&c->stop)) {
        uint32_t n;
        p.recipient_rand_hash.bytes[1] = (uint8_t)i;
        p.recipient_rand_hash.bytes[2] = (uint8_t)(i >> 8);
        if (tk_sender_session_start(FX.sender, &p, i) != TK_OK ||
            tk_sender_session_nonce(FX.sender, &n, &p.recipient_rand_hash) !=
                TK_OK ||
            n != i ||
            tk_sender_session_end(FX.sender, &p.recipient_rand_hash) != TK_OK)
            c->errors++;
        i++;
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void start_workers(struct worker *w, const tk_hash *key, size_t want,
                          size_t cap)
{
    uint64_t seed = tk_test_seed();
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].key = key;
        w[i].want = want;
        w[i].cap = cap;
        w[i].rng = seed * 2654435761u + (uint64_t)i * 0x9e3779b97f4a7c15ull + 1;
        w[i].nonces = malloc(cap * sizeof *w[i].nonces);
        assert_non_null(w[i].nonces);
        assert_int_equal(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
    }
}

/* All nonces of all workers, sorted; *n is their count. */
static uint32_t *merged(struct worker *w, size_t *n)
{
    size_t total = 0, at = 0;
    uint32_t *all;
    for (int i = 0; i < THREADS; i++)
        total += w[i].got;
    all = malloc((total + 1) * sizeof *all);
    assert_non_null(all);
    for (int i = 0; i < THREADS; i++) {
        memcpy(all + at, w[i].nonces, w[i].got * sizeof *all);
        at += w[i].got;
    }
    qsort(all, total, sizeof *all, cmp_u32);
    *n = total;
    return all;
}

static void test_one_session_many_threads(void **state)
{
    size_t per = tk_test_iters(10000), n;
    struct worker w[THREADS];
    struct churn c;
    tk_ticket_params p;
    uint32_t *all, last;
    (void)state;

    fx_params(&FX, &p, "3000", FX_THIRD, 1);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    memset(&c, 0, sizeof c);
    atomic_init(&c.stop, 0);
    assert_int_equal(pthread_create(&c.tid, NULL, churn, &c), 0);
    start_workers(w, &p.recipient_rand_hash, per, per + MAX_BATCH);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(w[i].tid, NULL), 0);
    atomic_store(&c.stop, 1);
    assert_int_equal(pthread_join(c.tid, NULL), 0);

    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].last, TK_OK);
        assert_int_equal(w[i].got, per);
        assert_false(w[i].bad_batch);
        assert_false(w[i].bad_sig);
    }
    assert_int_equal(c.errors, 0);
    /* Unique and contiguous: sorted, they are exactly 1..N. */
    all = merged(w, &n);
    assert_int_equal(n, THREADS * per);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i], i + 1);
    assert_int_equal(tk_sender_session_nonce(FX.sender, &last,
                                             &p.recipient_rand_hash), TK_OK);
    assert_int_equal(last, n);
    free(all);
    for (int i = 0; i < THREADS; i++)
        free(w[i].nonces);
}

/* Ending a session under running batches: batches in flight finish, later
 * ones get TK_ERR_NOT_FOUND, and what was issued is still 1..N. */
static void test_end_while_batching(void **state)
{
    const size_t cap = 1u << 20;
    struct worker w[THREADS];
    tk_ticket_params p;
    uint32_t *all;
    size_t n;
    (void)state;

    fx_params(&FX, &p, "3000", FX_THIRD, 2);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    start_workers(w, &p.recipient_rand_hash, 0, cap);
    /* Let them run until some tickets exist, then end the session. */
    for (;;) {
        uint32_t cur;
        assert_int_equal(tk_sender_session_nonce(FX.sender, &cur,
                                                 &p.recipient_rand_hash),
                         TK_OK);
        if (cur >= 200)
            break;
        sched_yield();
    }
    assert_int_equal(tk_sender_session_end(FX.sender, &p.recipient_rand_hash),
                     TK_OK);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(w[i].tid, NULL), 0);
        assert_int_equal(w[i].last, TK_ERR_NOT_FOUND);
        assert_true(w[i].got < cap - MAX_BATCH);
        assert_false(w[i].bad_batch);
        assert_false(w[i].bad_sig);
    }
    all = merged(w, &n);
    assert_true(n >= 200);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i], i + 1);
    free(all);
    for (int i = 0; i < THREADS; i++)
        free(w[i].nonces);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup_open, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_one_session_many_threads),
        TEST(test_end_while_batching),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

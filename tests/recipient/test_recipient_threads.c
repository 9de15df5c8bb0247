/* SPDX-License-Identifier: MIT */
/* Concurrency: threads racing the same (rand, nonce) pairs must see each
 * pair accepted exactly once; concurrent debits and pending updates must
 * compose exactly. Tickets are signed up front so the race is on receiving.
 * Rounds: TK_TEST_ITERS (default 10; 2 threads x 5000 tickets per round,
 * so the default makes 100,000 attempts). */
#include "rcpt_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define N_PARAMS 10
#define N_NONCES 500
#define N_THREADS 2
#define BATCH 10

typedef struct race {
    fixture *f;
    tk_payment pay[N_PARAMS]; /* N_NONCES signed tickets each */
    atomic_int accepted[N_PARAMS][N_NONCES];
    atomic_size_t replays, errors, winners;
    pthread_barrier_t start;
} race;

typedef struct worker {
    race *rc;
    int id;
} worker;

/* Thread 0 sends batches of BATCH, thread 1 single tickets, both in nonce
 * order, so they collide on the same pairs at the same time. */
static void *race_worker(void *arg)
{
    worker *w = arg;
    race *rc = w->rc;
    size_t step = w->id == 0 ? BATCH : 1;
    tk_ticket_result res[BATCH];
    tk_receive_summary sum;

    pthread_barrier_wait(&rc->start);
    for (size_t n = 0; n < N_NONCES; n += step) {
        for (size_t k = 0; k < N_PARAMS; k++) {
            tk_payment part = rc->pay[k];
            part.tickets = &rc->pay[k].tickets[n];
            part.count = step;
            if (tk_recipient_receive(rc->f->r, res, BATCH, &sum, NULL, &part, NULL) != TK_OK) {
                atomic_fetch_add(&rc->errors, 1);
                continue;
            }
            for (size_t i = 0; i < step; i++) {
                if (res[i].status == TK_OK)
                    atomic_fetch_add(&rc->accepted[k][n + i], 1);
                else if (res[i].status == TK_ERR_REPLAYED_NONCE)
                    atomic_fetch_add(&rc->replays, 1);
                else
                    atomic_fetch_add(&rc->errors, 1);
            }
            atomic_fetch_add(&rc->winners, sum.winners);
        }
    }
    return NULL;
}

static int count_visit(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

static void test_race_same_pairs(void **state)
{
    static race rc;
    fixture f;
    tk_ticket_params params[N_PARAMS];
    unsigned long rounds = tk_test_iters(10);
    unsigned long attempts = 0;
    mpq_t want;
    (void)state;

    fx_init_always_win(&f); /* every accepted ticket is also a winner */
    memset(&rc, 0, sizeof rc);
    rc.f = &f;
    for (size_t k = 0; k < N_PARAMS; k++) {
        fx_params(&f, &params[k]);
        fx_pay(&f, &rc.pay[k], &params[k], 1, N_NONCES);
    }
    mpq_init(want);
    fx_expected_credit(want, &params[0], N_NONCES);

    for (unsigned long round = 0; round < rounds; round++) {
        pthread_t th[N_THREADS];
        worker w[N_THREADS];
        size_t stored = 0;

        /* A fresh store and recipient (same secret) each round: the same
         * pre-signed tickets are new again. */
        tk_recipient_destroy(f.r);
        f.r = NULL;
        tk_store_mem_destroy(f.store.mem);
        assert_int_equal(tk_store_mem_create(&f.store.mem), TK_OK);
        assert_int_equal(tk_store_mem_iface(f.store.mem, &f.store.inner), TK_OK);
        fx_create_recipient(&f);
        for (size_t k = 0; k < N_PARAMS; k++)
            for (size_t n = 0; n < N_NONCES; n++)
                atomic_store(&rc.accepted[k][n], 0);
        atomic_store(&rc.replays, 0);
        atomic_store(&rc.errors, 0);
        atomic_store(&rc.winners, 0);

        assert_int_equal(pthread_barrier_init(&rc.start, NULL, N_THREADS), 0);
        for (int t = 0; t < N_THREADS; t++) {
            w[t].rc = &rc;
            w[t].id = t;
            assert_int_equal(pthread_create(&th[t], NULL, race_worker, &w[t]), 0);
        }
        for (int t = 0; t < N_THREADS; t++)
            pthread_join(th[t], NULL);
        pthread_barrier_destroy(&rc.start);

        for (size_t k = 0; k < N_PARAMS; k++)
            for (size_t n = 0; n < N_NONCES; n++)
                if (atomic_load(&rc.accepted[k][n]) != 1) {
                    print_error("round %lu: pair (%zu, %zu) accepted %d times\n", round, k,
                                n + 1, atomic_load(&rc.accepted[k][n]));
                    fail();
                }
        assert_int_equal(atomic_load(&rc.errors), 0);
        assert_int_equal(atomic_load(&rc.replays), (N_THREADS - 1) * N_PARAMS * N_NONCES);
        assert_int_equal(atomic_load(&rc.winners), N_PARAMS * N_NONCES);
        assert_int_equal(f.store.inner.list(f.store.inner.self, NULL, TK_WINNER_ALL_STATES,
                                            count_visit, &stored),
                         TK_OK);
        assert_int_equal(stored, N_PARAMS * N_NONCES);
        /* Each session was credited exactly N_NONCES * EV. */
        for (size_t k = 0; k < N_PARAMS; k++) {
            mpq_t b;
            mpq_init(b);
            assert_int_equal(tk_recipient_balance(f.r, b, &f.sender,
                                                  &params[k].recipient_rand_hash),
                             TK_OK);
            assert_true(mpq_equal(b, want));
            mpq_clear(b);
        }
        attempts += N_THREADS * N_PARAMS * N_NONCES;
    }
    print_message("%lu attempts over %lu rounds\n", attempts, rounds);
    mpq_clear(want);
    for (size_t k = 0; k < N_PARAMS; k++)
        tk_payment_clear(&rc.pay[k]);
    fx_free(&f);
}

/* ---- balances and the monitor under concurrent updates ----------------- */

typedef struct debit_arg {
    fixture *f;
    const tk_hash *session;
    uint64_t first_seq; /* this thread's seqs: first_seq, +N_THREADS, ... */
    int ok;
} debit_arg;

#define DEBITS 2000
static long debits_done;

static void *debit_worker(void *arg)
{
    debit_arg *a = arg;
    mpq_t amt;
    tk_u256 one;
    mpq_init(amt);
    mpq_set_ui(amt, 1, 7); /* an awkward exact fraction */
    fx_u256(&one, 1);
    a->ok = 1;
    for (int i = 0; i < DEBITS; i++) {
        /* Seqs interleave across threads: a thread may find its seq
         * overtaken by another's (refused, no debit). */
        tk_status st = fx_debit(a->f, a->f->sender_key, a->session, amt, TK_DEBIT_ALLOW_NEGATIVE,
                                a->first_seq + (uint64_t)i * N_THREADS);
        if (st == TK_OK)
            __atomic_add_fetch(&debits_done, 1, __ATOMIC_SEQ_CST);
        else if (st != TK_ERR_STALE_SEQ)
            a->ok = 0;
        if (tk_monitor_add_pending(tk_recipient_monitor(a->f->r), &a->f->sender, &one) != TK_OK)
            a->ok = 0;
        if (i % 2 == 1 &&
            tk_monitor_sub_pending(tk_recipient_monitor(a->f->r), &a->f->sender, &one) != TK_OK)
            a->ok = 0;
    }
    mpq_clear(amt);
    return NULL;
}

static void test_concurrent_debits_and_pending(void **state)
{
    fixture f;
    tk_hash session;
    pthread_t th[N_THREADS];
    debit_arg a[N_THREADS];
    mpq_t want, b;
    tk_u256 pending;
    uint64_t p64;
    (void)state;

    fx_init(&f);
    memset(session.bytes, 0x3c, 32);
    for (int t = 0; t < N_THREADS; t++) {
        a[t].f = &f;
        a[t].session = &session;
        a[t].first_seq = 1 + (uint64_t)t;
        assert_int_equal(pthread_create(&th[t], NULL, debit_worker, &a[t]), 0);
    }
    for (int t = 0; t < N_THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_true(a[t].ok);
    }
    mpq_inits(want, b, NULL);
    assert_true(debits_done > 0);
    mpq_set_si(want, -debits_done, 7);
    mpq_canonicalize(want);
    assert_int_equal(tk_recipient_balance(f.r, b, &f.sender, &session), TK_OK);
    assert_true(mpq_equal(b, want));
    assert_int_equal(tk_monitor_pending(tk_recipient_monitor(f.r), &pending, &f.sender), TK_OK);
    assert_int_equal(tk_u256_to_u64(&p64, &pending), TK_OK);
    assert_int_equal(p64, (uint64_t)N_THREADS * DEBITS / 2);
    mpq_clears(want, b, NULL);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_race_same_pairs),
        cmocka_unit_test(test_concurrent_debits_and_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

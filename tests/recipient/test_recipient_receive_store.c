/* SPDX-License-Identifier: MIT */
/* Receiving payments, the store (src/recipient/receive.c phases C and D):
 * a failing store rolls everything back, seen nonces are persisted in one
 * batch per payment (or one by one without nonce_add_many), and a restarted
 * recipient still rejects replays. */
#include "receive_util.h"

#include "ticket/keccak.h"
#include "ticket/store_sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- store failures, persistence -------------------------------------- */

static void test_store_failure_rolls_back(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_recipient_stats stats;
    rx x;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 4);

    f.store.fail_put = 1;
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_ERR_STORE);
    for (size_t i = 0; i < 4; i++)
    {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].wins, 0);
    }
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_no_balance(&f, &params.recipient_rand_hash);
    f.store.fail_put = 0;

    f.store.fail_nonce = 1;
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_ERR_STORE);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_no_balance(&f, &params.recipient_rand_hash);
    f.store.fail_nonce = 0;

    /* The retry goes through. */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 4);
    assert_int_equal(x.sum.winners, 4);
    rx_free(&x);
    assert_int_equal(stored_winners(&f), 4);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A payment's recorded nonces (accepted or expired, not rejected) go to
 * the store in ONE nonce_claim call (or nonce_add_many, when the store has
 * no claim), after its winners; a payment that records none makes no
 * call. */
static void nonces_one_batch_per_payment(int claim)
{
    const char *first = claim ? "wwwwwc" : "wwwwwm", *late_log = claim ? "wwwc" : "wwwm";
    fixture f;
    tk_ticket_params params;
    tk_payment p, late;
    uint64_t exp;
    rx x;

    fx_init_always_win(&f);
    f.store.no_claim = !claim;
    fx_create_recipient(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 7);
    p.tickets[2] = p.tickets[1];  /* replay inside the batch */
    fx_high_s(&p.tickets[4].sig); /* rejected */
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 5);
    rx_free(&x);
    assert_int_equal(claim ? f.store.nonce_claim_calls : f.store.nonce_many_calls, 1);
    assert_int_equal(claim ? f.store.nonce_many_calls : f.store.nonce_claim_calls, 0);
    assert_int_equal(f.store.nonce_many_total, 5);
    assert_int_equal(f.store.nonce_add_calls, 0);
    assert_string_equal(f.store.log, first); /* winners first */

    /* The stored nonces are exactly the recorded ones: after a restart the
     * accepted tickets are replays, the high-s one is still just bad. */
    fx_create_recipient(&f);
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_int_equal(x.res[i].status, i == 4 ? TK_ERR_SIG_HIGH_S : TK_ERR_REPLAYED_NONCE);
    rx_free(&x);
    assert_int_equal(f.store.nonce_many_calls + f.store.nonce_claim_calls, 0); /* none */
    assert_string_equal(f.store.log, "");

    /* Expired params: the nonces are recorded (and persisted) too. */
    assert_int_equal(tk_u256_to_u64(&exp, &params.expiration_block), TK_OK);
    f.chain.last_block = exp;
    fx_pay(&f, &late, &params, 100, 3);
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &late, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_ERR_PARAMS_EXPIRED);
    rx_free(&x);
    assert_int_equal(f.store.nonce_many_calls + f.store.nonce_claim_calls, 1);
    assert_int_equal(f.store.nonce_many_total, 3);
    assert_string_equal(f.store.log, late_log);
    tk_payment_clear(&late);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_nonces_one_batch_per_payment(void **state)
{
    (void)state;
    nonces_one_batch_per_payment(1);
    nonces_one_batch_per_payment(0);
}

/* A store without nonce_add_many: one nonce_add per recorded nonce, with
 * the same persistence and rollback. */
static void test_nonces_fallback_per_ticket(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p, q;
    tk_recipient_stats stats;
    rx x;
    (void)state;

    fx_init(&f);
    f.store.no_many = 1;
    f.store.no_claim = 1;
    fx_create_recipient(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 6);
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 6);
    rx_free(&x);
    assert_int_equal(f.store.nonce_add_calls, 6);
    assert_int_equal(f.store.nonce_many_calls, 0);

    fx_create_recipient(&f); /* restart: the nonces were persisted */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 0);
    rx_free(&x);

    fx_pay(&f, &q, &params, 7, 3);
    f.store.fail_nonce = 1;
    assert_int_equal(rx_run(&f, &x, &q, NULL), TK_ERR_STORE);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 6); /* q's were forgotten */
    f.store.fail_nonce = 0;
    assert_int_equal(rx_run(&f, &x, &q, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 3);
    rx_free(&x);
    tk_payment_clear(&q);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A recipient restarted with the same secret and store still rejects
 * replays; without nonce persistence it cannot (documented). */
static void test_restart_keeps_replay_protection(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 5);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 5);
    rx_free(&x);

    fx_create_recipient(&f); /* restart */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(x.res[i].status, TK_ERR_REPLAYED_NONCE);
    rx_free(&x);

    /* Loading fails -> create fails with TK_ERR_STORE. */
    {
        tk_chain ch = fx_chain_iface(&f.chain);
        tk_store st = fx_store_iface(&f.store);
        tk_recipient *r2 = (tk_recipient *)&f; /* must be overwritten */
        f.store.fail_nonce = 1;
        assert_int_equal(tk_recipient_create(f.ctx, &r2, &f.cfg, f.secret, &ch, &st),
                         TK_ERR_STORE);
        assert_null(r2);
        f.store.fail_nonce = 0;
    }

    /* A store without nonce callbacks: a restart forgets (and nothing
     * fails). */
    f.store.no_nonces = 1;
    fx_create_recipient(&f);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 5);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A SQLite store locked by another connection past the busy timeout
 * (review of e9d369b, item 5): the payment fails with the retryable
 * TK_ERR_STORE_UNAVAILABLE, nothing credited nor recorded, and the same
 * payment retried once the lock is gone is credited exactly once. With
 * winners (put_winner is busy first) and without (nonce_claim is). */
static void busy_then_retry(int always_win)
{
    tk_store_sqlite_options opts = {20, 0};
    char dir[256], path[300];
    tk_store_sqlite *db = NULL;
    tk_store_totals tot;
    tk_store st;
    tk_chain ch;
    sqlite3 *raw = NULL;
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_recipient_stats stats;
    mpq_t want;
    rx x;

    assert_int_equal(tk_test_tmpdir_make(dir, sizeof dir, "tk_rcpt_busy"), 0);
    snprintf(path, sizeof path, "%s/busy.db", dir);
    if (always_win)
        fx_init_always_win(&f);
    else
        fx_init(&f);
    assert_int_equal(tk_store_sqlite_create(&db, path, &opts), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(db, &st), TK_OK);
    ch = fx_chain_iface(&f.chain);
    tk_recipient_destroy(f.r);
    f.r = NULL;
    assert_int_equal(tk_recipient_create(f.ctx, &f.r, &f.cfg, f.secret, &ch, &st), TK_OK);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 4);

    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_no_balance(&f, &params.recipient_rand_hash);
    assert_int_equal(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 4);
    rx_free(&x);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK); /* and only once */
    assert_int_equal(x.sum.accepted, 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(x.res[i].status, TK_ERR_REPLAYED_NONCE);
    rx_free(&x);
    mpq_init(want);
    fx_expected_credit(want, &params, 4);
    assert_balance(&f, &params.recipient_rand_hash, want);
    mpq_clear(want);
    assert_int_equal(tk_store_sqlite_totals(db, &tot, NULL), TK_OK);
    assert_int_equal(tot.state[TK_WINNER_NEW].count, always_win ? 4 : 0);

    sqlite3_close(raw);
    tk_payment_clear(&p);
    fx_free(&f);
    tk_store_sqlite_destroy(db);
    assert_int_equal(tk_test_tmpdir_remove(dir), 0);
}

static void test_sqlite_busy_is_retryable(void **state)
{
    (void)state;
    busy_then_retry(1);
    busy_then_retry(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_failure_rolls_back),
        cmocka_unit_test(test_nonces_one_batch_per_payment),
        cmocka_unit_test(test_nonces_fallback_per_ticket),
        cmocka_unit_test(test_restart_keeps_replay_protection),
        cmocka_unit_test(test_sqlite_busy_is_retryable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* A sweep of the replay set in the middle of a receive (review of e9d369b,
 * item 3). receive() reads the L1 block, verifies the signatures, then
 * records the nonces. If meanwhile the chain moves on and a prune (or
 * another payment on the same shard) raises the high-water mark and sweeps
 * the shard, the nonces of params that just expired are dropped. Judged
 * against the block receive() read before, a replay of such a nonce was
 * recorded afresh and credited a second time, on every store that does not
 * judge nonces itself (no nonce_claim).
 *
 * The interleaving is made deterministic: tk_ticket_wins (called by
 * receive() between its block read and the recording of the nonces) is
 * wrapped at link time in this executable only (-Wl,--wrap); armed, its
 * first call moves the chain and prunes the same recipient, as another
 * thread would at that moment. */
#include "receive_util.h"

#include "ticket/ticket.h"

tk_status __real_tk_ticket_wins(int *wins, tk_u256 *win_value, const tk_sig *sig,
                                const tk_u256 *rand, const tk_u256 *win_prob);
tk_status __wrap_tk_ticket_wins(int *wins, tk_u256 *win_value, const tk_sig *sig,
                                const tk_u256 *rand, const tk_u256 *win_prob);

static fixture *armed;     /* prune this recipient at the next call */
static uint64_t prune_at;  /* the block the chain moves to first */
static size_t left_after;  /* nonces the replay set tracks after it */

tk_status __wrap_tk_ticket_wins(int *wins, tk_u256 *win_value, const tk_sig *sig,
                                const tk_u256 *rand, const tk_u256 *win_prob)
{
    if (armed != NULL) {
        fixture *f = armed;
        tk_recipient_stats s;
        armed = NULL;
        f->chain.last_block = prune_at;
        assert_int_equal(tk_recipient_prune(f->r), TK_OK);
        assert_int_equal(tk_recipient_get_stats(f->r, &s), TK_OK);
        left_after = s.tracked_nonces;
    }
    return __real_tk_ticket_wins(wins, win_value, sig, rand, win_prob);
}

enum store_kind { PUT_WINNER_ONLY, NONCE_ADD, NONCE_ADD_MANY, NONCE_CLAIM };

static void set_store(fixture *f, enum store_kind kind)
{
    f->store.no_nonces = kind == PUT_WINNER_ONLY;
    f->store.no_many = kind == NONCE_ADD;
    f->store.no_claim = kind != NONCE_CLAIM;
    fx_create_recipient(f);
}

/* Params expiring at block 101; nonce 1 paid and credited at block 100.
 * Then nonce 1 again with nonce 2, read at block 100, while the chain
 * moves to `to` and the recipient is pruned before the nonces are
 * recorded. Neither may be credited: the replay, and the fresh nonce of
 * params that expired before it was recorded. */
static void replay_across_sweep(enum store_kind kind, uint64_t to)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p1, p2;
    rx x1, x2;
    mpq_t once;

    fx_init(&f);
    set_store(&f, kind);
    f.chain.last_block = 101 - TK_PARAMS_EXPIRATION_BLOCKS;
    fx_params(&f, &params);
    f.chain.last_block = 100;
    fx_pay(&f, &p1, &params, 1, 1);
    assert_int_equal(rx_run(&f, &x1, &p1, NULL), TK_OK);
    assert_int_equal(x1.res[0].status, TK_OK);
    mpq_init(once);
    fx_expected_credit(once, &params, 1);
    assert_true(mpq_equal(x1.credited, once));

    fx_pay(&f, &p2, &params, 1, 2); /* nonce 1 again, and nonce 2 */
    armed = &f;
    prune_at = to;
    left_after = (size_t)-1;
    assert_int_equal(rx_run(&f, &x2, &p2, NULL), TK_OK);
    /* The interleaving happened: the prune ran and dropped nonce 1. */
    assert_null(armed);
    assert_int_equal(left_after, 0);

    assert_int_not_equal(x2.res[0].status, TK_OK);
    assert_int_equal(x2.res[1].status, TK_ERR_PARAMS_EXPIRED);
    assert_int_equal(x2.sum.accepted, 0);
    assert_int_equal(mpq_sgn(x2.credited), 0);
    assert_balance(&f, &params.recipient_rand_hash, once);

    mpq_clear(once);
    rx_free(&x1);
    rx_free(&x2);
    tk_payment_clear(&p1);
    tk_payment_clear(&p2);
    fx_free(&f);
}

/* Two blocks on (just past the sweep's bound) and far on. */
static void sweep_under(enum store_kind kind)
{
    replay_across_sweep(kind, 102);
    replay_across_sweep(kind, 5000);
}

static void test_put_winner_only(void **state)
{
    (void)state;
    sweep_under(PUT_WINNER_ONLY);
}

static void test_nonce_add(void **state)
{
    (void)state;
    sweep_under(NONCE_ADD);
}

static void test_nonce_add_many(void **state)
{
    (void)state;
    sweep_under(NONCE_ADD_MANY);
}

/* A judging store was right before the fix too (claim_nonces judges
 * against the mark again); it must stay right. */
static void test_nonce_claim(void **state)
{
    (void)state;
    sweep_under(NONCE_CLAIM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_winner_only),
        cmocka_unit_test(test_nonce_add),
        cmocka_unit_test(test_nonce_add_many),
        cmocka_unit_test(test_nonce_claim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Receiving payments, the good path (src/recipient/receive.c phases A and
 * E): acceptance and credit, winners stored before the call returns, the
 * win decision, sessions, the single-ticket API, balances and debits, free
 * params, the empty payment. */
#include "receive_util.h"

#include "ticket/keccak.h"

#include <stdlib.h>
#include <string.h>

/* ---- the good path ----------------------------------------------------- */

static void test_accepts_and_credits(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    mpq_t want;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 20);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < p.count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].sender_nonce, (uint32_t)(i + 1));
    }
    assert_int_equal(x.sum.accepted, 20);
    assert_int_equal(x.sum.rejected, 0);
    /* The default session is the params' recipientRandHash. */
    assert_memory_equal(x.sum.session.bytes, params.recipient_rand_hash.bytes, 32);
    mpq_init(want);
    fx_expected_credit(want, &params, 20);
    assert_true(mpq_equal(x.credited, want));
    assert_balance(&f, &params.recipient_rand_hash, want);
    mpq_clear(want);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* winProb MAX: every ticket wins, is stored with everything needed to
 * redeem it, and the stored rand hashes to the params' rand hash. */
static void test_winners_stored_before_return(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_winner w;
    tk_hash h;
    rx x;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    for (int i = 0; i < 32; i++)
        assert_int_equal(params.win_prob.bytes[i], 0xff); /* MAX */
    fx_pay(&f, &p, &params, 1, 5);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.winners, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].wins, 1);
        assert_true(winner_stored(&f, &p, i, &w));
        assert_int_equal(w.state, TK_WINNER_NEW);
        assert_memory_equal(w.sig.bytes, p.tickets[i].sig.bytes, 65);
        assert_int_equal(w.ticket.sender_nonce, p.tickets[i].sender_nonce);
        assert_memory_equal(w.expiration_block.bytes, params.expiration_block.bytes, 32);
        assert_int_equal(tk_rand_hash(&h, &w.recipient_rand), TK_OK);
        assert_memory_equal(h.bytes, params.recipient_rand_hash.bytes, 32);
    }
    assert_int_equal(stored_winners(&f), 5);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* The win decision is keccak(sig || rand) < winProb: check it against an
 * independent recomputation for tickets that win and lose. */
static void test_win_decision(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_winner w;
    rx x;
    size_t wins = 0;
    (void)state;

    fx_init(&f);
    fx_u256(&f.cfg.ev, 1000000000000000u); /* 1e15 */
    fx_create_recipient(&f);
    {
        /* max float 2 * EV caps the face value at 2 * EV: winProb ~ MAX/2. */
        tk_params_inputs in;
        tk_price one;
        memset(&in, 0, sizeof in);
        in.gas_price = f.chain.gas_price;
        fx_u256_dec(&in.max_float, "2000000000000000");
        in.last_block = f.chain.last_block;
        in.creation_round = 10;
        memset(in.creation_round_block_hash.bytes, 0x11, 32);
        fx_u256(&one.num, 1);
        fx_u256(&one.den, 1);
        assert_int_equal(tk_recipient_params_with(f.r, &params, &f.sender, &one, &in), TK_OK);
        assert_true(params.win_prob.bytes[0] == 0x7f || params.win_prob.bytes[0] == 0x80);
    }
    fx_pay(&f, &p, &params, 1, 40);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < p.count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        wins += (size_t)x.res[i].wins;
        assert_int_equal(winner_stored(&f, &p, i, &w), x.res[i].wins);
    }
    assert_true(wins > 0 && wins < p.count);
    /* Independent check of each decision with a winner's rand. */
    {
        tk_u256 rand;
        size_t i;
        for (i = 0; !x.res[i].wins; i++)
            ;
        assert_true(winner_stored(&f, &p, i, &w));
        rand = w.recipient_rand;
        for (i = 0; i < p.count; i++) {
            uint8_t buf[97];
            tk_hash v;
            memcpy(buf, p.tickets[i].sig.bytes, 65);
            memcpy(buf + 65, rand.bytes, 32);
            assert_int_equal(tk_keccak256(&v, buf, sizeof buf), TK_OK);
            assert_int_equal(memcmp(v.bytes, params.win_prob.bytes, 32) < 0, x.res[i].wins);
        }
    }
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_explicit_session(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_hash session;
    rx x;
    mpq_t want;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 3);
    memset(session.bytes, 0x5a, 32);
    assert_int_equal(rx_run(&f, &x, &p, &session), TK_OK);
    assert_memory_equal(x.sum.session.bytes, session.bytes, 32);
    mpq_init(want);
    fx_expected_credit(want, &params, 3);
    assert_balance(&f, &session, want);
    assert_no_balance(&f, &params.recipient_rand_hash);
    mpq_clear(want);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* The single-ticket API: accepted tickets credit EV each; a fatal error
 * comes back as the return value. */
static void test_receive_ticket(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    mpq_t want;
    int wins = 5;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(receive_one(&f, &p, i, &wins), TK_OK);
        assert_int_equal(wins, 1);
    }
    assert_int_equal(stored_winners(&f), 3);
    mpq_init(want);
    fx_expected_credit(want, &params, 3);
    assert_balance(&f, &params.recipient_rand_hash, want);
    mpq_clear(want);
    p.tickets[0].sig.bytes[64] = 26;
    p.tickets[0].sender_nonce = 9;
    assert_int_equal(receive_one(&f, &p, 0, &wins), TK_ERR_SIG_BAD_V);
    assert_int_equal(wins, 0);
    fx_u256(&f.chain.funds.withdraw_round, 3);
    assert_int_equal(receive_one(&f, &p, 1, &wins), TK_ERR_SENDER_UNLOCKING);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* ---- balances ---------------------------------------------------------- */

static void test_balances_debit(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    mpq_t credit, amt, b;
    const tk_hash *s;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    s = &params.recipient_rand_hash;
    fx_pay(&f, &p, &params, 1, 10);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    rx_free(&x);
    mpq_inits(credit, amt, b, NULL);
    fx_expected_credit(credit, &params, 10);

    /* Debit a third of it twice (exact rationals), then too much. */
    mpq_set_ui(amt, 1, 3);
    mpq_mul(amt, amt, credit);
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, 0, 1), TK_OK);
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, 0, 2), TK_OK);
    mpq_set(b, credit);
    mpq_sub(b, b, amt);
    mpq_sub(b, b, amt);
    assert_balance(&f, s, b);
    mpq_mul_2exp(amt, amt, 1);
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, 0, 3), TK_ERR_INSUFFICIENT_BALANCE);
    assert_balance(&f, s, b); /* unchanged */
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, TK_DEBIT_ALLOW_NEGATIVE, 3), TK_OK);
    mpq_sub(b, b, amt);
    assert_true(mpq_sgn(b) < 0);
    assert_balance(&f, s, b);

    /* Unknown balances. */
    {
        tk_hash other;
        memset(other.bytes, 0x77, 32);
        assert_int_equal(fx_debit(&f, f.sender_key, &other, amt, 0, 4), TK_ERR_NOT_FOUND);
        assert_no_balance(&f, &other);
        assert_int_equal(fx_debit(&f, f.sender_key, &other, amt, TK_DEBIT_ALLOW_NEGATIVE, 4),
                         TK_OK);
        mpq_neg(b, amt);
        assert_balance(&f, &other, b);
        assert_int_equal(tk_recipient_balance_clear(f.r, &f.sender, &other), TK_OK);
        assert_int_equal(tk_recipient_balance_clear(f.r, &f.sender, &other), TK_ERR_NOT_FOUND);
        assert_no_balance(&f, &other);
    }
    mpq_clears(credit, amt, b, NULL);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* Zero-priced params: face 0, winProb 0: accepted, EV 0, never a winner. */
static void test_free_params(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_price zero;
    rx x;
    (void)state;

    fx_init(&f);
    fx_u256(&zero.num, 0);
    fx_u256(&zero.den, 7);
    assert_int_equal(tk_recipient_params(f.r, &params, &f.sender, &zero), TK_OK);
    fx_pay(&f, &p, &params, 1, 3);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 3);
    assert_int_equal(x.sum.winners, 0);
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_empty_payment(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_receive_summary sum;
    (void)state;
    fx_init(&f);
    fx_params(&f, &params);
    memset(&p, 0, sizeof p);
    p.sender = f.sender;
    p.params = params;
    assert_int_equal(tk_recipient_receive(f.r, NULL, 0, &sum, NULL, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);
    /* Fatal checks still apply to an empty payment. */
    p.params.recipient.bytes[3] ^= 1;
    assert_int_equal(tk_recipient_receive(f.r, NULL, 0, &sum, NULL, &p, NULL),
                     TK_ERR_WRONG_RECIPIENT);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_and_credits),
        cmocka_unit_test(test_winners_stored_before_return),
        cmocka_unit_test(test_win_decision),
        cmocka_unit_test(test_explicit_session),
        cmocka_unit_test(test_receive_ticket),
        cmocka_unit_test(test_balances_debit),
        cmocka_unit_test(test_free_params),
        cmocka_unit_test(test_empty_payment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

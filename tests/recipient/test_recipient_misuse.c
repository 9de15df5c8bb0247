/* SPDX-License-Identifier: MIT */
/* Caller bugs: every public recipient function reports a NULL or impossible
 * argument with TK_ERR_ILLEGAL_ARG, through the context's callback exactly
 * once when it can reach the context, and zeroes its outputs. */
#include "rcpt_fixture.h"

#include <string.h>

static void test_create_misuse(void **state)
{
    fixture f;
    tk_chain ch;
    tk_store st;
    tk_recipient *r = NULL;
    tk_recipient_config cfg;
    (void)state;

    fx_init(&f);
    ch = fx_chain_iface(&f.chain);
    st = fx_store_iface(&f.store);
    cfg = f.cfg;
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, NULL, &cfg, NULL, &ch, &st));
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, NULL, NULL, &ch, &st));
    assert_null(r);
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, &cfg, NULL, NULL, &st));
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, &cfg, NULL, &ch, NULL));
    assert_int_equal(tk_recipient_create(NULL, &r, &cfg, NULL, &ch, &st), TK_ERR_ILLEGAL_ARG);
    assert_null(r);

    cfg.redeem_gas = 0;
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, &cfg, NULL, &ch, &st));
    cfg = f.cfg;
    cfg.tx_cost_multiplier = 0;
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, &cfg, NULL, &ch, &st));
    cfg = f.cfg;
    ch.gas_price = NULL;
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, &cfg, NULL, &ch, &st));
    ch = fx_chain_iface(&f.chain);
    st.put_winner = NULL;
    assert_illegal(f.ctx, tk_recipient_create(f.ctx, &r, &cfg, NULL, &ch, &st));
    assert_null(r);

    /* A NULL secret draws one from the CSPRNG. */
    st = fx_store_iface(&f.store);
    assert_int_equal(tk_recipient_create(f.ctx, &r, &cfg, NULL, &ch, &st), TK_OK);
    assert_non_null(r);
    assert_non_null(tk_recipient_monitor(r));
    tk_recipient_destroy(r);
    tk_recipient_destroy(NULL);
    assert_null(tk_recipient_monitor(NULL));
    fx_free(&f);
}

static void test_call_misuse(void **state)
{
    fixture f;
    tk_ticket_params params, out;
    tk_params_inputs in;
    tk_payment p;
    tk_ticket_result res[2];
    tk_receive_summary sum;
    tk_address addr;
    tk_hash h;
    tk_ticket t;
    tk_recipient_stats stats;
    tk_price one;
    int wins;
    mpq_t q;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 2);
    assert_int_equal(tk_payment_ticket(&t, &p, 0), TK_OK);
    fx_u256(&one.num, 1);
    fx_u256(&one.den, 1);
    memset(&in, 0, sizeof in);
    mpq_init(q);

    assert_illegal(f.ctx, tk_recipient_address(f.r, NULL));
    assert_int_equal(tk_recipient_address(NULL, &addr), TK_ERR_ILLEGAL_ARG);
    assert_true(tk_address_is_zero(&addr));

    memset(&out, 0x5a, sizeof out);
    assert_illegal(f.ctx, tk_recipient_params(f.r, &out, NULL, &one));
    assert_true(tk_u256_is_zero(&out.seed)); /* zeroed */
    assert_illegal(f.ctx, tk_recipient_params(f.r, &out, &f.sender, NULL));
    assert_illegal(f.ctx, tk_recipient_params(f.r, NULL, &f.sender, &one));
    assert_int_equal(tk_recipient_params(NULL, &out, &f.sender, &one), TK_ERR_ILLEGAL_ARG);
    assert_illegal(f.ctx, tk_recipient_params_with(f.r, &out, &f.sender, &one, NULL));
    in.creation_round = -1;
    assert_illegal(f.ctx, tk_recipient_params_with(f.r, &out, &f.sender, &one, &in));
    in.creation_round = 0;
    in.last_block = UINT64_MAX - 39;
    assert_illegal(f.ctx, tk_recipient_params_with(f.r, &out, &f.sender, &one, &in));

    assert_illegal(f.ctx, tk_recipient_rand_hash(f.r, &h, NULL, &params));
    assert_illegal(f.ctx, tk_recipient_rand_hash(f.r, NULL, &f.sender, &params));
    assert_illegal(f.ctx, tk_recipient_rand_hash(f.r, &h, &f.sender, NULL));

    /* receive: NULL payment, short results, NULL results with tickets. */
    assert_illegal(f.ctx, tk_recipient_receive(f.r, res, 2, &sum, q, NULL, NULL));
    assert_illegal(f.ctx, tk_recipient_receive(f.r, res, 1, &sum, q, &p, NULL));
    assert_illegal(f.ctx, tk_recipient_receive(f.r, NULL, 2, &sum, q, &p, NULL));
    {
        tk_payment bad = p;
        bad.tickets = NULL;
        assert_illegal(f.ctx, tk_recipient_receive(f.r, res, 2, &sum, q, &bad, NULL));
    }
    assert_int_equal(tk_recipient_receive(NULL, res, 2, &sum, q, &p, NULL), TK_ERR_ILLEGAL_ARG);
    /* Nothing was recorded by the refused calls. */
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);

    wins = 9;
    assert_illegal(f.ctx, tk_recipient_receive_ticket(f.r, &wins, NULL, &p.tickets[0].sig,
                                                      &params.seed, &params.expiration_block,
                                                      &params.price, NULL));
    assert_int_equal(wins, 0);
    assert_illegal(f.ctx, tk_recipient_receive_ticket(f.r, NULL, &t, &p.tickets[0].sig,
                                                      &params.seed, &params.expiration_block,
                                                      &params.price, NULL));
    assert_illegal(f.ctx, tk_recipient_receive_ticket(f.r, &wins, &t, NULL, &params.seed,
                                                      &params.expiration_block, &params.price,
                                                      NULL));
    assert_illegal(f.ctx, tk_recipient_receive_ticket(f.r, &wins, &t, &p.tickets[0].sig, NULL,
                                                      &params.expiration_block, &params.price,
                                                      NULL));
    assert_illegal(f.ctx, tk_recipient_receive_ticket(f.r, &wins, &t, &p.tickets[0].sig,
                                                      &params.seed, NULL, &params.price, NULL));
    assert_illegal(f.ctx, tk_recipient_receive_ticket(f.r, &wins, &t, &p.tickets[0].sig,
                                                      &params.seed, &params.expiration_block,
                                                      NULL, NULL));

    /* balances */
    {
        tk_credential c = {NULL, 0, 1, {{0}}, NULL, 0};
        uint8_t sig[65] = {0};
        mpq_set_si(q, -1, 1);
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, &f.sender, &h, q, 0, &c, sig, 65));
        mpq_set_ui(q, 1, 1);
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, &f.sender, &h, q, 2, &c, sig, 65));
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, NULL, &h, q, 0, &c, sig, 65));
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, &f.sender, NULL, q, 0, &c, sig, 65));
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, &f.sender, &h, NULL, 0, &c, sig, 65));
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, &f.sender, &h, q, 0, NULL, sig, 65));
        assert_illegal(f.ctx, tk_recipient_debit_request(f.r, &f.sender, &h, q, 0, &c, NULL, 65));
        assert_int_equal(tk_recipient_debit_request(NULL, &f.sender, &h, q, 0, &c, sig, 65),
                         TK_ERR_ILLEGAL_ARG);
        assert_int_equal(tk_recipient_debit_request(f.r, &f.sender, &h, q, 0, &c, NULL, 0),
                         TK_ERR_SIG_BAD_LENGTH);
    }
    assert_illegal(f.ctx, tk_recipient_balance(f.r, q, NULL, &h));
    assert_int_equal(mpq_sgn(q), 0); /* zeroed */
    assert_illegal(f.ctx, tk_recipient_balance(f.r, NULL, &f.sender, &h));
    assert_illegal(f.ctx, tk_recipient_balance_clear(f.r, &f.sender, NULL));
    assert_int_equal(tk_recipient_balance(NULL, q, &f.sender, &h), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_recipient_prune(NULL), TK_ERR_ILLEGAL_ARG);
    assert_illegal(f.ctx, tk_recipient_get_stats(f.r, NULL));

    mpq_clear(q);
    tk_payment_clear(&p);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_misuse),
        cmocka_unit_test(test_call_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

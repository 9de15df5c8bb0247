/* SPDX-License-Identifier: MIT */
/* Issuing ticket params (docs/protocol-notes.md section 4): the face-value
 * policy,
 * its refusals, winProb, expiration, creation round, seeds, and the sender
 * monitor's max float feeding it. Expected values are worked out here by
 * hand (or with GMP from the rule's text), not taken from the library. */
#include "rcpt_fixture.h"

#include <string.h>

static tk_price price(uint64_t num, uint64_t den)
{
    tk_price p;
    fx_u256(&p.num, num);
    fx_u256(&p.den, den);
    return p;
}

static tk_status issue(fixture *f, tk_ticket_params *out)
{
    tk_price one = price(1, 1);
    return tk_recipient_params(f->r, out, &f->sender, &one);
}

static void assert_u256_dec(const tk_u256 *x, const char *dec)
{
    tk_u256 want;
    fx_u256_dec(&want, dec);
    assert_memory_equal(x->bytes, want.bytes, 32);
}

/* winProb by the rule's text: face == ev -> MAX; else q = MAX / face,
 * r = MAX % face, ev * (q + 1) if r != 0 else ev * q. */
static void expected_win_prob(tk_u256 *out, const tk_u256 *face, const tk_u256 *ev)
{
    mpz_t f, e, max, q, r;
    size_t n;
    mpz_inits(f, e, max, q, r, NULL);
    mpz_import(f, 32, 1, 1, 1, 0, face->bytes);
    mpz_import(e, 32, 1, 1, 1, 0, ev->bytes);
    mpz_ui_pow_ui(max, 2, 256);
    mpz_sub_ui(max, max, 1);
    if (mpz_cmp(f, e) == 0) {
        mpz_set(q, max);
    } else {
        mpz_tdiv_qr(q, r, max, f);
        if (mpz_sgn(r) != 0)
            mpz_add_ui(q, q, 1);
        mpz_mul(q, q, e);
    }
    assert_true(mpz_sizeinbase(q, 2) <= 256);
    memset(out->bytes, 0, 32);
    n = mpz_sgn(q) == 0 ? 0 : (mpz_sizeinbase(q, 2) + 7) / 8;
    mpz_export(out->bytes + 32 - n, &n, 1, 1, 1, 0, q);
    mpz_clears(f, e, max, q, r, NULL);
}

static void assert_policy_win_prob(const tk_ticket_params *p, const tk_u256 *ev)
{
    tk_u256 want;
    expected_win_prob(&want, &p->face_value, ev);
    assert_memory_equal(p->win_prob.bytes, want.bytes, 32);
}

static void test_default_policy(void **state)
{
    fixture f;
    tk_ticket_params p, p2;
    tk_price six_fourths = price(6, 4);
    tk_hash h;
    uint64_t exp;
    (void)state;

    fx_init(&f);
    assert_int_equal(tk_recipient_params(f.r, &p, &f.sender, &six_fourths), TK_OK);
    /* txCost = 1e5 gas * 1 gwei = 1e14; face = txCost * 100 = 1e16, below
     * max float 1e19. */
    assert_u256_dec(&p.face_value, "10000000000000000");
    assert_policy_win_prob(&p, &f.cfg.ev);
    assert_memory_equal(p.recipient.bytes, f.cfg.address.bytes, 20);
    assert_int_equal(tk_u256_to_u64(&exp, &p.expiration_block), TK_OK);
    assert_int_equal(exp, 1040);
    assert_int_equal(p.creation_round, 10);
    for (int i = 0; i < 32; i++)
        assert_int_equal(p.creation_round_block_hash.bytes[i], 0x11);
    assert_u256_dec(&p.price.num, "3"); /* reduced */
    assert_u256_dec(&p.price.den, "2");
    assert_int_equal(tk_recipient_rand_hash(f.r, &h, &f.sender, &p), TK_OK);
    assert_memory_equal(h.bytes, p.recipient_rand_hash.bytes, 32);

    /* A fresh seed (and so a fresh rand hash) every time. */
    assert_int_equal(tk_recipient_params(f.r, &p2, &f.sender, &six_fourths), TK_OK);
    assert_memory_not_equal(p.seed.bytes, p2.seed.bytes, 32);
    assert_memory_not_equal(p.recipient_rand_hash.bytes, p2.recipient_rand_hash.bytes, 32);
    assert_memory_equal(p.face_value.bytes, p2.face_value.bytes, 32);
    fx_free(&f);
}

static void test_ev_multiplier_branch(void **state)
{
    fixture f;
    tk_ticket_params p;
    (void)state;
    fx_init(&f);
    /* gas price 1 wei: face = 1e5 * 100 = 1e7 < EV 1e12 -> EV * 100. */
    fx_u256(&f.chain.gas_price, 1);
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_u256_dec(&p.face_value, "100000000000000");
    assert_policy_win_prob(&p, &f.cfg.ev);
    fx_free(&f);
}

static void test_caps(void **state)
{
    fixture f;
    tk_ticket_params p;
    (void)state;
    fx_init(&f);
    /* max float = (remaining + claimedInRound) / pool - claimed
     *           = (9e15 + 3e15) / 2 - 1e15 = 5e15 caps 1e16. */
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "9000000000000000");
    fx_u256_dec(&f.chain.funds.reserve_claimed_in_current_round, "3000000000000000");
    f.chain.pool_size = 2;
    fx_u256_dec(&f.chain.claimed, "1000000000000000");
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_u256_dec(&p.face_value, "5000000000000000");
    assert_policy_win_prob(&p, &f.cfg.ev);

    /* max_face_value caps below that. */
    fx_u256_dec(&f.cfg.max_face_value, "2000000000000000");
    fx_create_recipient(&f);
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_u256_dec(&p.face_value, "2000000000000000");
    assert_policy_win_prob(&p, &f.cfg.ev);
    fx_free(&f);
}

static void test_insufficient_reserve(void **state)
{
    fixture f;
    tk_ticket_params p;
    (void)state;
    fx_init(&f);
    /* max float 1e11 < EV 1e12. */
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "100000000000");
    memset(&p, 0xaa, sizeof p);
    assert_int_equal(issue(&f, &p), TK_ERR_INSUFFICIENT_SENDER_RESERVE);
    {
        tk_ticket_params zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&p, &zero, sizeof p); /* zeroed on failure */
    }
    /* Empty pool: no allocation at all. */
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "10000000000000000000");
    f.chain.pool_size = 0;
    assert_int_equal(issue(&f, &p), TK_ERR_INSUFFICIENT_SENDER_RESERVE);
    f.chain.pool_size = 1;

    /* Above EV but below both txCost (1e16 at 100 gwei) and
     * redeemGas * 3 gwei (3e14): refused. */
    fx_u256(&f.chain.gas_price, 100000000000u);
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "10000000000000");
    assert_int_equal(issue(&f, &p), TK_ERR_INSUFFICIENT_SENDER_RESERVE);
    /* Below txCost but not below 3e14: accepted. */
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "500000000000000");
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_u256_dec(&p.face_value, "500000000000000");
    /* Exactly at the 3 gwei floor: accepted (refusal needs "below"). */
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "300000000000000");
    assert_int_equal(issue(&f, &p), TK_OK);
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "299999999999999");
    assert_int_equal(issue(&f, &p), TK_ERR_INSUFFICIENT_SENDER_RESERVE);
    fx_free(&f);
}

/* Pending redemptions lower the max float unless the deposit covers them
 * three times over (section 7). */
static void test_pending_lowers_max_float(void **state)
{
    fixture f;
    tk_ticket_params p;
    tk_u256 pending;
    (void)state;
    fx_init(&f);
    fx_u256_dec(&f.chain.funds.reserve_funds_remaining, "10000000000000000"); /* 1e16 */
    fx_u256_dec(&pending, "5000000000000000");
    assert_int_equal(tk_monitor_add_pending(tk_recipient_monitor(f.r), &f.sender, &pending),
                     TK_OK);
    /* deposit 1e19 / pending 5e15 >= 3: max float stays 1e16. */
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_u256_dec(&p.face_value, "10000000000000000");
    /* deposit 1e16 / 5e15 = 2 < 3: max float 1e16 - 5e15. */
    fx_u256_dec(&f.chain.funds.deposit, "10000000000000000");
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_u256_dec(&p.face_value, "5000000000000000");
    fx_free(&f);
}

static void test_free_price(void **state)
{
    fixture f;
    tk_ticket_params p;
    tk_price zero = price(0, 5);
    tk_hash h;
    (void)state;
    fx_init(&f);
    /* Even with no reserve at all: no payment is needed. */
    f.chain.pool_size = 0;
    assert_int_equal(tk_recipient_params(f.r, &p, &f.sender, &zero), TK_OK);
    assert_true(tk_u256_is_zero(&p.face_value));
    assert_true(tk_u256_is_zero(&p.win_prob));
    assert_true(tk_u256_is_zero(&p.price.num));
    assert_u256_dec(&p.price.den, "1");
    assert_false(tk_u256_is_zero(&p.expiration_block));
    assert_int_equal(tk_recipient_rand_hash(f.r, &h, &f.sender, &p), TK_OK);
    assert_memory_equal(h.bytes, p.recipient_rand_hash.bytes, 32);
    fx_free(&f);
}

static void test_creation_round_fallback(void **state)
{
    fixture f;
    tk_ticket_params p;
    (void)state;
    fx_init(&f);
    memset(f.chain.rounds.last_initialized_block_hash.bytes, 0, 32);
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_int_equal(p.creation_round, 9);
    for (int i = 0; i < 32; i++)
        assert_int_equal(p.creation_round_block_hash.bytes[i], 0x09);
    fx_free(&f);
}

static void test_face_equals_ev_gives_max(void **state)
{
    fixture f;
    tk_ticket_params p;
    (void)state;
    fx_init_always_win(&f);
    assert_int_equal(issue(&f, &p), TK_OK);
    assert_memory_equal(p.face_value.bytes, f.cfg.ev.bytes, 32);
    for (int i = 0; i < 32; i++)
        assert_int_equal(p.win_prob.bytes[i], 0xff);
    fx_free(&f);
}

static void test_errors(void **state)
{
    fixture f;
    tk_ticket_params p;
    tk_price bad = price(1, 0);
    (void)state;
    fx_init(&f);
    assert_int_equal(tk_recipient_params(f.r, &p, &f.sender, &bad), TK_ERR_INVALID_PRICE);
    f.chain.fail = 1;
    assert_int_equal(issue(&f, &p), TK_ERR_CHAIN);
    f.chain.fail = 0;

    /* winProb above MAX: EV = MAX - 2 and face = max float = MAX - 1 give
     * q = 1, r = 1, winProb = 2 * EV > MAX. */
    {
        tk_params_inputs in;
        tk_price one = price(1, 1);
        memset(&in, 0, sizeof in);
        memset(f.cfg.ev.bytes, 0xff, 32);
        f.cfg.ev.bytes[31] = 0xfd;
        fx_create_recipient(&f);
        memset(in.max_float.bytes, 0xff, 32);
        in.max_float.bytes[31] = 0xfe;
        in.gas_price = f.chain.gas_price;
        in.last_block = 5;
        assert_int_equal(tk_recipient_params_with(f.r, &p, &f.sender, &one, &in),
                         TK_ERR_OVERFLOW);
    }
    fx_free(&f);
}

/* params_with: the caller's chain state and, for tools, a fixed seed. */
static void test_params_with(void **state)
{
    fixture f;
    tk_params_inputs in;
    tk_ticket_params a, b;
    tk_price pr = price(10, 4);
    uint64_t exp;
    (void)state;
    fx_init(&f);
    memset(&in, 0, sizeof in);
    fx_u256(&in.gas_price, 2000000000u);           /* 2 gwei: txCost 2e14 */
    fx_u256_dec(&in.max_float, "15000000000000000"); /* 1.5e16 caps 2e16 */
    in.last_block = 777;
    in.creation_round = 3;
    memset(in.creation_round_block_hash.bytes, 0x33, 32);
    in.has_seed = 1;
    fx_u256(&in.seed, 424242);
    assert_int_equal(tk_recipient_params_with(f.r, &a, &f.sender, &pr, &in), TK_OK);
    assert_int_equal(tk_recipient_params_with(f.r, &b, &f.sender, &pr, &in), TK_OK);
    assert_memory_equal(&a, &b, sizeof a); /* same seed: same params */
    assert_u256_dec(&a.face_value, "15000000000000000");
    assert_policy_win_prob(&a, &f.cfg.ev);
    assert_u256_dec(&a.seed, "424242");
    assert_int_equal(tk_u256_to_u64(&exp, &a.expiration_block), TK_OK);
    assert_int_equal(exp, 817);
    assert_int_equal(a.creation_round, 3);
    assert_u256_dec(&a.price.num, "5");
    assert_u256_dec(&a.price.den, "2");
    in.has_seed = 0;
    assert_int_equal(tk_recipient_params_with(f.r, &b, &f.sender, &pr, &in), TK_OK);
    assert_memory_not_equal(a.seed.bytes, b.seed.bytes, 32);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_ev_multiplier_branch),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_insufficient_reserve),
        cmocka_unit_test(test_pending_lowers_max_float),
        cmocka_unit_test(test_free_price),
        cmocka_unit_test(test_creation_round_fallback),
        cmocka_unit_test(test_face_equals_ev_gives_max),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_params_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* API misuse of the ticket model: NULL arguments, negative creation
 * rounds, a zero price denominator and out-of-range indices give their
 * errors, outputs are zeroed, nothing crashes. (None of these functions
 * takes a context, so no callback can be counted.) */
#include "test_support.h"

#include "ticket/payment.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <string.h>

#define ILLEGAL TK_ERR_ILLEGAL_ARG

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static void sample_params(tk_ticket_params *p)
{
    memset(p, 0x11, sizeof *p);
    p->creation_round = 7;
    assert_int_equal(tk_u256_from_u64(&p->price.num, 3), TK_OK);
    assert_int_equal(tk_u256_from_u64(&p->price.den, 4), TK_OK);
}

static void test_ticket_misuse(void **state)
{
    uint8_t aux[64];
    size_t auxlen = 5;
    tk_hash bh, h;
    tk_ticket t;
    tk_ticket_params p;
    tk_address sender;
    (void)state;

    memset(&bh, 1, sizeof bh);
    assert_int_equal(tk_aux_data(NULL, &auxlen, 1, &bh), ILLEGAL);
    assert_int_equal(tk_aux_data(aux, NULL, 1, &bh), ILLEGAL);
    memset(aux, 0xaa, sizeof aux);
    assert_int_equal(tk_aux_data(aux, &auxlen, 1, NULL), ILLEGAL);
    assert_int_equal(auxlen, 0);
    assert_true(all_zero(aux, sizeof aux));
    auxlen = 5;
    assert_int_equal(tk_aux_data(aux, &auxlen, -1, &bh), ILLEGAL);
    assert_int_equal(auxlen, 0);
    assert_int_equal(tk_aux_data(aux, &auxlen, INT64_MIN, &bh), ILLEGAL);

    memset(&t, 0, sizeof t);
    assert_int_equal(tk_ticket_hash(NULL, &t), ILLEGAL);
    memset(&h, 0xaa, sizeof h);
    assert_int_equal(tk_ticket_hash(&h, NULL), ILLEGAL);
    assert_true(all_zero(&h, sizeof h));
    t.creation_round = -5;
    memset(&h, 0xaa, sizeof h);
    assert_int_equal(tk_ticket_hash(&h, &t), ILLEGAL);
    assert_true(all_zero(&h, sizeof h));

    sample_params(&p);
    memset(&sender, 2, sizeof sender);
    assert_int_equal(tk_ticket_from_params(NULL, &p, &sender, 1), ILLEGAL);
    memset(&t, 0xaa, sizeof t);
    assert_int_equal(tk_ticket_from_params(&t, NULL, &sender, 1), ILLEGAL);
    assert_true(all_zero(&t, sizeof t));
    memset(&t, 0xaa, sizeof t);
    assert_int_equal(tk_ticket_from_params(&t, &p, NULL, 1), ILLEGAL);
    assert_true(all_zero(&t, sizeof t));

    assert_int_equal(tk_rand_hash(NULL, &p.seed), ILLEGAL);
    memset(&h, 0xaa, sizeof h);
    assert_int_equal(tk_rand_hash(&h, NULL), ILLEGAL);
    assert_true(all_zero(&h, sizeof h));
}

static void test_rand_derive_misuse(void **state)
{
    tk_ticket_params p;
    tk_address sender;
    uint8_t secret[32];
    tk_u256 r;
    (void)state;

    sample_params(&p);
    memset(&sender, 2, sizeof sender);
    memset(secret, 3, sizeof secret);
    assert_int_equal(tk_rand_derive(&r, secret, &sender, &p), TK_OK);
    assert_false(tk_u256_is_zero(&r));

    assert_int_equal(tk_rand_derive(NULL, secret, &sender, &p), ILLEGAL);
    memset(&r, 0xaa, sizeof r);
    assert_int_equal(tk_rand_derive(&r, NULL, &sender, &p), ILLEGAL);
    assert_true(tk_u256_is_zero(&r));
    memset(&r, 0xaa, sizeof r);
    assert_int_equal(tk_rand_derive(&r, secret, NULL, &p), ILLEGAL);
    assert_true(tk_u256_is_zero(&r));
    memset(&r, 0xaa, sizeof r);
    assert_int_equal(tk_rand_derive(&r, secret, &sender, NULL), ILLEGAL);
    assert_true(tk_u256_is_zero(&r));

    p.creation_round = -1;
    memset(&r, 0xaa, sizeof r);
    assert_int_equal(tk_rand_derive(&r, secret, &sender, &p), ILLEGAL);
    assert_true(tk_u256_is_zero(&r));

    sample_params(&p);
    memset(&p.price.den, 0, sizeof p.price.den);
    memset(&r, 0xaa, sizeof r);
    assert_int_equal(tk_rand_derive(&r, secret, &sender, &p),
                     TK_ERR_INVALID_PRICE);
    assert_true(tk_u256_is_zero(&r));
}

static void test_win_check_misuse(void **state)
{
    tk_sig sig;
    tk_u256 rand, prob, value;
    int wins = 7;
    (void)state;

    memset(&sig, 1, sizeof sig);
    memset(&rand, 2, sizeof rand);
    memset(&prob, 0xff, sizeof prob);
    assert_int_equal(tk_ticket_wins(NULL, &value, &sig, &rand, &prob), ILLEGAL);
    memset(&value, 0xaa, sizeof value);
    assert_int_equal(tk_ticket_wins(&wins, &value, NULL, &rand, &prob), ILLEGAL);
    assert_int_equal(wins, 0);
    assert_true(tk_u256_is_zero(&value));
    wins = 7;
    assert_int_equal(tk_ticket_wins(&wins, NULL, &sig, NULL, &prob), ILLEGAL);
    assert_int_equal(wins, 0);
    wins = 7;
    assert_int_equal(tk_ticket_wins(&wins, NULL, &sig, &rand, NULL), ILLEGAL);
    assert_int_equal(wins, 0);
    /* win_value is optional. */
    assert_int_equal(tk_ticket_wins(&wins, NULL, &sig, &rand, &prob), TK_OK);
}

static void test_gmp_misuse(void **state)
{
    tk_u256 a, b, out;
    mpq_t q;
    mpz_t z;
    (void)state;

    mpq_init(q);
    mpz_init_set_ui(z, 99);
    memset(&a, 0, sizeof a);
    a.bytes[31] = 10;
    b = a;
    assert_int_equal(tk_ticket_ev(NULL, &a, &b), ILLEGAL);
    mpq_set_ui(q, 5, 7);
    assert_int_equal(tk_ticket_ev(q, NULL, &b), ILLEGAL);
    assert_int_equal(mpq_cmp_ui(q, 0, 1), 0);
    mpq_set_ui(q, 5, 7);
    assert_int_equal(tk_ticket_ev(q, &a, NULL), ILLEGAL);
    assert_int_equal(mpq_cmp_ui(q, 0, 1), 0);

    assert_int_equal(tk_win_prob_exact(NULL, &a, &b), ILLEGAL);
    assert_int_equal(tk_win_prob_exact(z, NULL, &b), ILLEGAL);
    assert_int_equal(mpz_sgn(z), 0);
    mpz_set_ui(z, 99);
    assert_int_equal(tk_win_prob_exact(z, &a, NULL), ILLEGAL);
    assert_int_equal(mpz_sgn(z), 0);
    assert_int_equal(tk_win_prob(NULL, &a, &b), ILLEGAL);
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_win_prob(&out, NULL, &b), ILLEGAL);
    assert_true(tk_u256_is_zero(&out));
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_win_prob(&out, &a, NULL), ILLEGAL);
    assert_true(tk_u256_is_zero(&out));

    assert_int_equal(tk_u256_to_mpz(NULL, &a), ILLEGAL);
    mpz_set_ui(z, 99);
    assert_int_equal(tk_u256_to_mpz(z, NULL), ILLEGAL);
    assert_int_equal(mpz_sgn(z), 0);
    assert_int_equal(tk_u256_from_mpz(NULL, z), ILLEGAL);
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_u256_from_mpz(&out, NULL), ILLEGAL);
    assert_true(tk_u256_is_zero(&out));
    mpz_set_si(z, -1);
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_u256_from_mpz(&out, z), TK_ERR_OVERFLOW);
    assert_true(tk_u256_is_zero(&out));
    mpz_clear(z);
    mpq_clear(q);
}

static void test_price_misuse(void **state)
{
    tk_price in, out;
    (void)state;

    memset(&in, 0, sizeof in);
    in.num.bytes[31] = 4;
    assert_int_equal(tk_price_reduce(NULL, &in), ILLEGAL);
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_price_reduce(&out, NULL), ILLEGAL);
    assert_true(all_zero(&out, sizeof out));
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_price_reduce(&out, &in), TK_ERR_INVALID_PRICE);
    assert_true(all_zero(&out, sizeof out));
    in.num.bytes[31] = 0; /* 0/0 is no price either */
    assert_int_equal(tk_price_reduce(&out, &in), TK_ERR_INVALID_PRICE);
}

static void test_payment_misuse(void **state)
{
    tk_payment pay;
    tk_ticket t;
    (void)state;

    assert_int_equal(tk_payment_alloc(NULL, 1), ILLEGAL);
    memset(&pay, 0xaa, sizeof pay);
    assert_int_equal(tk_payment_alloc(&pay, SIZE_MAX), ILLEGAL);
    assert_true(all_zero(&pay, sizeof pay));
    tk_payment_clear(NULL);
    tk_payment_clear(&pay); /* zeroed payment: no-op */

    assert_int_equal(tk_payment_alloc(&pay, 2), TK_OK);
    assert_int_equal(tk_payment_ticket(NULL, &pay, 0), ILLEGAL);
    memset(&t, 0xaa, sizeof t);
    assert_int_equal(tk_payment_ticket(&t, NULL, 0), ILLEGAL);
    assert_true(all_zero(&t, sizeof t));
    memset(&t, 0xaa, sizeof t);
    assert_int_equal(tk_payment_ticket(&t, &pay, 2), ILLEGAL);
    assert_true(all_zero(&t, sizeof t));
    assert_int_equal(tk_payment_ticket(&t, &pay, SIZE_MAX), ILLEGAL);
    assert_int_equal(tk_payment_ticket(&t, &pay, 1), TK_OK);
    tk_payment_clear(&pay);
    assert_int_equal(tk_payment_ticket(&t, &pay, 0), ILLEGAL); /* cleared */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticket_misuse),
        cmocka_unit_test(test_rand_derive_misuse),
        cmocka_unit_test(test_win_check_misuse),
        cmocka_unit_test(test_gmp_misuse),
        cmocka_unit_test(test_price_misuse),
        cmocka_unit_test(test_payment_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

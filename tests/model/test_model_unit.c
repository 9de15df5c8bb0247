/* SPDX-License-Identifier: MIT */
/* Unit tests of the ticket model: auxData rule, ticket assembly from
 * params, price reduction, EV canonical form, winProb overflow and the
 * payment container. */
#include "model_test_util.h"

#include "model/mpz_u64.h"

#include "ticket/payment.h"
#include "ticket/u256.h"

static void price(tk_price *p, const char *num, const char *den)
{
    tk_test_dec256(p->num.bytes, num);
    tk_test_dec256(p->den.bytes, den);
}

static void assert_price(const tk_price *p, const char *num, const char *den)
{
    tk_price want;
    price(&want, num, den);
    assert_memory_equal(p->num.bytes, want.num.bytes, 32);
    assert_memory_equal(p->den.bytes, want.den.bytes, 32);
}

static void test_aux_data_rule(void **state)
{
    uint8_t aux[64];
    size_t len = 99;
    tk_hash zero, bh;
    (void)state;

    memset(&zero, 0, sizeof zero);
    memset(&bh, 0, sizeof bh);
    bh.bytes[31] = 1;
    assert_int_equal(tk_aux_data(aux, &len, 0, &zero), TK_OK);
    assert_int_equal(len, 0);
    assert_int_equal(tk_aux_data(aux, &len, 0, &bh), TK_OK);
    assert_int_equal(len, 64);
    assert_true(aux[31] == 0 && aux[63] == 1);
    assert_int_equal(tk_aux_data(aux, &len, 1, &zero), TK_OK);
    assert_int_equal(len, 64);
    assert_true(aux[31] == 1 && aux[63] == 0);
    assert_int_equal(tk_aux_data(aux, &len, INT64_MAX, &zero), TK_OK);
    assert_int_equal(len, 64);
    assert_int_equal(aux[24], 0x7f);
    assert_int_equal(aux[31], 0xff);
    assert_int_equal(aux[23], 0);
}

static void test_ticket_from_params(void **state)
{
    tk_ticket_params p;
    tk_address sender;
    tk_ticket t;
    tk_payment pay;
    size_t i;
    (void)state;

    memset(&p, 0, sizeof p);
    memset(p.recipient.bytes, 1, 20);
    memset(p.face_value.bytes, 2, 32);
    memset(p.win_prob.bytes, 3, 32);
    memset(p.recipient_rand_hash.bytes, 4, 32);
    memset(p.seed.bytes, 5, 32);
    memset(p.expiration_block.bytes, 6, 32);
    p.creation_round = 77;
    memset(p.creation_round_block_hash.bytes, 8, 32);
    memset(sender.bytes, 9, 20);

    assert_int_equal(tk_ticket_from_params(&t, &p, &sender, 42), TK_OK);
    assert_memory_equal(t.recipient.bytes, p.recipient.bytes, 20);
    assert_memory_equal(t.sender.bytes, sender.bytes, 20);
    assert_memory_equal(t.face_value.bytes, p.face_value.bytes, 32);
    assert_memory_equal(t.win_prob.bytes, p.win_prob.bytes, 32);
    assert_int_equal(t.sender_nonce, 42);
    assert_memory_equal(t.recipient_rand_hash.bytes,
                        p.recipient_rand_hash.bytes, 32);
    assert_int_equal(t.creation_round, 77);
    assert_memory_equal(t.creation_round_block_hash.bytes,
                        p.creation_round_block_hash.bytes, 32);

    /* A payment's ticket i is params + sender + nonce i. */
    assert_int_equal(tk_payment_alloc(&pay, 3), TK_OK);
    assert_int_equal(pay.count, 3);
    assert_non_null(pay.tickets);
    for (i = 0; i < 3; i++) {
        assert_int_equal(pay.tickets[i].sender_nonce, 0);
        pay.tickets[i].sender_nonce = (uint32_t)(100 + i);
    }
    pay.params = p;
    pay.sender = sender;
    for (i = 0; i < 3; i++) {
        tk_ticket want;
        assert_int_equal(tk_payment_ticket(&t, &pay, i), TK_OK);
        assert_int_equal(tk_ticket_from_params(&want, &p, &sender,
                                               (uint32_t)(100 + i)), TK_OK);
        assert_memory_equal(&t, &want, sizeof t);
    }
    tk_payment_clear(&pay);
    assert_int_equal(pay.count, 0);
    assert_null(pay.tickets);
    assert_int_equal(tk_payment_alloc(&pay, 0), TK_OK);
    assert_null(pay.tickets);
    tk_payment_clear(&pay);
}

static void test_price_reduce_cases(void **state)
{
    tk_price p, r;
    (void)state;

    price(&p, "0", "5");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "0", "1");
    price(&p, "6", "4");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "3", "2");
    price(&p, "7", "7");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "1", "1");
    /* 2^255 / 2^254 (binary GCD with shared powers of two). */
    price(&p, "57896044618658097711785492504343953926634992332820282019728792003956564819968",
          "28948022309329048855892746252171976963317496166410141009864396001978282409984");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "2", "1");
    /* MAX / (2^128 + 1) = 2^128 - 1 exactly. */
    price(&p, "115792089237316195423570985008687907853269984665640564039457584007913129639935",
          "340282366920938463463374607431768211457");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "340282366920938463463374607431768211455", "1");
    /* Coprime big values stay as they are. */
    price(&p, "115792089237316195423570985008687907853269984665640564039457584007913129639935",
          "115792089237316195423570985008687907853269984665640564039457584007913129639934");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                 "115792089237316195423570985008687907853269984665640564039457584007913129639934");
    /* 1/2^64: the denominator needs 9 bytes. */
    price(&p, "3", "55340232221128654848");
    assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
    assert_price(&r, "1", "18446744073709551616");
}

static void test_ev_and_win_prob_edges(void **state)
{
    tk_u256 face, wp, ev, out;
    mpq_t q;
    mpz_t z;
    (void)state;

    mpq_init(q);
    mpz_init(z);
    /* EV of a free ticket is canonical 0/1; EV at MAX is the face value. */
    tk_test_dec256(face.bytes, "1000");
    tk_test_dec256(wp.bytes, "0");
    assert_int_equal(tk_ticket_ev(q, &face, &wp), TK_OK);
    assert_int_equal(mpz_cmp_ui(mpq_numref(q), 0), 0);
    assert_int_equal(mpz_cmp_ui(mpq_denref(q), 1), 0);
    memset(wp.bytes, 0xff, 32);
    assert_int_equal(tk_ticket_ev(q, &face, &wp), TK_OK);
    assert_int_equal(mpz_cmp_ui(mpq_numref(q), 1000), 0);
    assert_int_equal(mpz_cmp_ui(mpq_denref(q), 1), 0);

    /* ev > face: the exact value exceeds MAX, the uint256 form refuses. */
    tk_test_dec256(face.bytes, "1");
    tk_test_dec256(ev.bytes, "5");
    assert_int_equal(tk_win_prob_exact(z, &face, &ev), TK_OK);
    assert_true(mpz_sizeinbase(z, 2) > 256);
    memset(&out, 0xaa, sizeof out);
    assert_int_equal(tk_win_prob(&out, &face, &ev), TK_ERR_OVERFLOW);
    assert_true(tk_u256_is_zero(&out));
    /* face 0 gives 0 even when ev is 0 too (that rule comes first);
     * face == ev gives MAX. */
    tk_test_dec256(face.bytes, "0");
    tk_test_dec256(ev.bytes, "0");
    assert_int_equal(tk_win_prob(&out, &face, &ev), TK_OK);
    assert_true(tk_u256_is_zero(&out));
    tk_test_dec256(face.bytes, "77");
    tk_test_dec256(ev.bytes, "77");
    assert_int_equal(tk_win_prob(&out, &face, &ev), TK_OK);
    memset(wp.bytes, 0xff, 32);
    assert_memory_equal(out.bytes, wp.bytes, 32);
    mpz_clear(z);
    mpq_clear(q);
}

/* tk__mpz_set_u64 keeps all 64 bits (GMP's unsigned long may have 32),
 * checked against the decimal text of each value. */
static void test_mpz_set_u64(void **state)
{
    static const struct { uint64_t v; const char *dec; } cases[] = {
        {0, "0"}, {1, "1"}, {UINT32_MAX, "4294967295"},
        {(uint64_t)UINT32_MAX + 1, "4294967296"},
        {UINT64_MAX, "18446744073709551615"},
        {0x8000000000000001ull, "9223372036854775809"},
    };
    mpz_t z;
    (void)state;
    mpz_init_set_si(z, -5);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tk__mpz_set_u64(z, cases[i].v);
        assert_int_equal(mpz_cmp_ui(z, 0) >= 0, 1);
        char *s = mpz_get_str(NULL, 10, z);
        assert_string_equal(s, cases[i].dec);
        free(s);
    }
    mpz_clear(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aux_data_rule),
        cmocka_unit_test(test_ticket_from_params),
        cmocka_unit_test(test_price_reduce_cases),
        cmocka_unit_test(test_ev_and_win_prob_edges),
        cmocka_unit_test(test_mpz_set_u64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

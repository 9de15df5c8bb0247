/* SPDX-License-Identifier: MIT */
/* Randomized properties of the ticket model (seed printed; TK_TEST_SEED
 * repeats a run, TK_TEST_ITERS scales it). */
#include "test_support.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <string.h>

/* Random value with a random bit length in [0, maxbits]. */
static void random_bits(tk_u256 *x, unsigned maxbits)
{
    unsigned bits = (unsigned)(tk_test_rand64() % (maxbits + 1)), i;
    tk_test_rand_bytes(x->bytes, 32);
    for (i = 0; i < 256 - bits; i++)
        x->bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

static void to_mpz(mpz_t z, const tk_u256 *x)
{
    mpz_import(z, 32, 1, 1, 1, 0, x->bytes);
}

static void from_mpz(tk_u256 *x, const mpz_t z)
{
    size_t n = 0;
    uint8_t buf[64];
    assert_true(mpz_sgn(z) >= 0 && mpz_sizeinbase(z, 2) <= 256);
    memset(x, 0, sizeof *x);
    if (mpz_sgn(z) == 0)
        return;
    mpz_export(buf, &n, 1, 1, 1, 0, z);
    memcpy(x->bytes + 32 - n, buf, n);
}

static void random_ticket(tk_ticket *t)
{
    memset(t, 0, sizeof *t);
    tk_test_rand_bytes(t->recipient.bytes, 20);
    random_bits(&t->face_value, 256);
    random_bits(&t->win_prob, 256);
    t->sender_nonce = (uint32_t)tk_test_rand64();
    tk_test_rand_bytes(t->recipient_rand_hash.bytes, 32);
    switch (tk_test_rand64() % 3) {
    case 0: /* empty auxData */
        break;
    case 1:
        t->creation_round = (int64_t)(tk_test_rand64() % 100000);
        tk_test_rand_bytes(t->creation_round_block_hash.bytes, 32);
        break;
    default:
        t->creation_round = (int64_t)(tk_test_rand64() >> 1);
        tk_test_rand_bytes(t->creation_round_block_hash.bytes, 32);
    }
}

static void flip(void *p, unsigned bit)
{
    ((uint8_t *)p)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* Flipping any bit of any ticket field changes the hash and makes the
 * sender's signature over the original ticket fail verification. */
static void test_ticket_bit_flips(void **state)
{
    tk_ctx *ctx = *state;
    unsigned long iters = tk_test_iters(100) / 25 + 1, i;

    for (i = 0; i < iters; i++) {
        struct {
            void *p;
            unsigned bits;
        } fields[8];
        uint8_t sk[32];
        tk_ticket t, m;
        tk_hash h, hm;
        tk_sig sig;
        size_t f;
        unsigned b;
        uint64_t round;

        random_ticket(&t);
        do
            tk_test_rand_bytes(sk, 32);
        while (tk_key_verify(ctx, sk) != TK_OK);
        assert_int_equal(tk_key_address(ctx, &t.sender, sk), TK_OK);
        assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &h), TK_OK);
        assert_int_equal(tk_eth_verify(ctx, &t.sender, &h, sig.bytes, 65),
                         TK_OK);

        m = t;
        fields[0].p = m.recipient.bytes, fields[0].bits = 160;
        fields[1].p = m.sender.bytes, fields[1].bits = 160;
        fields[2].p = m.face_value.bytes, fields[2].bits = 256;
        fields[3].p = m.win_prob.bytes, fields[3].bits = 256;
        fields[4].p = &m.sender_nonce, fields[4].bits = 32;
        fields[5].p = m.recipient_rand_hash.bytes, fields[5].bits = 256;
        fields[6].p = &round, fields[6].bits = 63; /* stays >= 0 */
        fields[7].p = m.creation_round_block_hash.bytes, fields[7].bits = 256;
        for (f = 0; f < 8; f++) {
            for (b = 0; b < fields[f].bits; b++) {
                round = (uint64_t)m.creation_round;
                flip(fields[f].p, b);
                m.creation_round = (int64_t)round;
                assert_int_equal(tk_ticket_hash(&hm, &m), TK_OK);
                assert_memory_not_equal(hm.bytes, h.bytes, 32);
                assert_int_not_equal(
                    tk_eth_verify(ctx, &m.sender, &hm, sig.bytes, 65), TK_OK);
                flip(fields[f].p, b);
                m.creation_round = (int64_t)round;
                assert_memory_equal(&m, &t, sizeof m);
            }
        }
        tk_memzero(sk, sizeof sk);
    }
}

/* Price reduction agrees with GMP's canonical rationals, keeps the value
 * and is idempotent. */
static void test_price_reduce_matches_gmp(void **state)
{
    unsigned long iters = tk_test_iters(100) * 20, i;
    mpq_t q;
    mpz_t k;
    (void)state;

    mpq_init(q);
    mpz_init(k);
    for (i = 0; i < iters; i++) {
        tk_price p, r, r2;
        tk_u256 want;
        unsigned maxbits = i % 4 == 0 ? 60 : 256;

        random_bits(&p.num, maxbits);
        do
            random_bits(&p.den, maxbits);
        while (tk_u256_is_zero(&p.den));
        if (i % 2) {
            /* A common factor, where it still fits in 256 bits. */
            mpz_t a, d;
            mpz_inits(a, d, NULL);
            to_mpz(a, &p.num);
            to_mpz(d, &p.den);
            mpz_set_ui(k, 1 + tk_test_rand64() % 1000000);
            mpz_mul_2exp(k, k, (unsigned)(tk_test_rand64() % 70));
            mpz_mul(a, a, k);
            mpz_mul(d, d, k);
            if (mpz_sizeinbase(a, 2) <= 256 && mpz_sizeinbase(d, 2) <= 256) {
                from_mpz(&p.num, a);
                from_mpz(&p.den, d);
            }
            mpz_clears(a, d, NULL);
        }
        to_mpz(mpq_numref(q), &p.num);
        to_mpz(mpq_denref(q), &p.den);
        mpq_canonicalize(q);

        assert_int_equal(tk_price_reduce(&r, &p), TK_OK);
        from_mpz(&want, mpq_numref(q));
        assert_memory_equal(r.num.bytes, want.bytes, 32);
        from_mpz(&want, mpq_denref(q));
        assert_memory_equal(r.den.bytes, want.bytes, 32);
        assert_int_equal(tk_price_reduce(&r2, &r), TK_OK);
        assert_memory_equal(&r2, &r, sizeof r);
        r2 = p;
        assert_int_equal(tk_price_reduce(&r2, &r2), TK_OK); /* aliasing */
        assert_memory_equal(&r2, &r, sizeof r);
    }
    mpz_clear(k);
    mpq_clear(q);
}

/* recipientRand depends on the price only through its reduced form, and on
 * every other input. */
static void test_rand_derive_properties(void **state)
{
    unsigned long iters = tk_test_iters(100), i;
    (void)state;

    for (i = 0; i < iters; i++) {
        tk_ticket_params p, scaled;
        tk_address sender;
        uint8_t secret[32];
        tk_u256 r1, r2;
        uint64_t num = tk_test_rand64() % 100000, den = 1 + tk_test_rand64() % 1000;
        uint64_t k = 2 + tk_test_rand64() % 1000;

        memset(&p, 0, sizeof p);
        tk_test_rand_bytes(secret, 32);
        tk_test_rand_bytes(sender.bytes, 20);
        random_bits(&p.seed, 256);
        random_bits(&p.face_value, 200);
        random_bits(&p.win_prob, 256);
        random_bits(&p.expiration_block, 40);
        p.creation_round = (int64_t)(tk_test_rand64() % 5000);
        tk_test_rand_bytes(p.creation_round_block_hash.bytes, 32);
        assert_int_equal(tk_u256_from_u64(&p.price.num, num), TK_OK);
        assert_int_equal(tk_u256_from_u64(&p.price.den, den), TK_OK);
        scaled = p;
        assert_int_equal(tk_u256_from_u64(&scaled.price.num, num * k), TK_OK);
        assert_int_equal(tk_u256_from_u64(&scaled.price.den, den * k), TK_OK);

        assert_int_equal(tk_rand_derive(&r1, secret, &sender, &p), TK_OK);
        assert_int_equal(tk_rand_derive(&r2, secret, &sender, &scaled), TK_OK);
        assert_memory_equal(r1.bytes, r2.bytes, 32);

        flip(secret, (unsigned)(tk_test_rand64() % 256));
        assert_int_equal(tk_rand_derive(&r2, secret, &sender, &p), TK_OK);
        assert_memory_not_equal(r1.bytes, r2.bytes, 32);
        flip(secret, 0);
        flip(sender.bytes, (unsigned)(tk_test_rand64() % 160));
        assert_int_equal(tk_rand_derive(&r2, secret, &sender, &p), TK_OK);
        assert_memory_not_equal(r1.bytes, r2.bytes, 32);
        scaled = p;
        flip(scaled.expiration_block.bytes, 255 - (unsigned)(tk_test_rand64() % 40));
        assert_int_equal(tk_rand_derive(&r2, secret, &sender, &scaled), TK_OK);
        assert_memory_not_equal(r1.bytes, r2.bytes, 32);
        tk_memzero(secret, sizeof secret);
    }
}

/* The win check is keccak(sig || u256(rand)) < winProb as integers. */
static void test_win_check_matches_integer_compare(void **state)
{
    unsigned long iters = tk_test_iters(100) * 10, i;
    mpz_t wv, wp;
    (void)state;

    mpz_inits(wv, wp, NULL);
    for (i = 0; i < iters; i++) {
        tk_sig sig;
        tk_u256 rand, prob, value;
        uint8_t pre[97];
        tk_hash h;
        int wins = -1;

        tk_test_rand_bytes(sig.bytes, 65);
        tk_test_rand_bytes(rand.bytes, 32);
        random_bits(&prob, 256);
        memcpy(pre, sig.bytes, 65);
        memcpy(pre + 65, rand.bytes, 32);
        assert_int_equal(tk_keccak256(&h, pre, sizeof pre), TK_OK);

        assert_int_equal(tk_ticket_wins(&wins, &value, &sig, &rand, &prob),
                         TK_OK);
        assert_memory_equal(value.bytes, h.bytes, 32);
        to_mpz(wv, &value);
        to_mpz(wp, &prob);
        assert_int_equal(wins, mpz_cmp(wv, wp) < 0);

        /* The boundary: winProb == value loses, value + 1 wins. */
        assert_int_equal(tk_ticket_wins(&wins, NULL, &sig, &rand, &value),
                         TK_OK);
        assert_int_equal(wins, 0);
        mpz_add_ui(wp, wv, 1);
        if (mpz_sizeinbase(wp, 2) <= 256) {
            from_mpz(&prob, wp);
            assert_int_equal(tk_ticket_wins(&wins, NULL, &sig, &rand, &prob),
                             TK_OK);
            assert_int_equal(wins, 1);
        }
    }
    mpz_clears(wv, wp, NULL);
}

/* The winProb rule rounds up: EV(face, winProb) >= ev, and one ev less
 * would fall short (EV(face, winProb - ev) <= ev). Checked on random
 * values, on divisors of MAX and on remainders that are multiples of 2^64
 * (where go-livepeer's 64-bit test goes wrong). */
static void test_win_prob_rounds_up(void **state)
{
    unsigned long iters = tk_test_iters(100) * 10, i;
    mpz_t exact, max, m;
    mpq_t got, evq;
    (void)state;

    mpz_inits(exact, max, m, NULL);
    mpq_inits(got, evq, NULL);
    mpz_setbit(max, 256);
    mpz_sub_ui(max, max, 1);
    for (i = 0; i < iters; i++) {
        tk_u256 face, ev, wp, less;
        tk_status st;

        random_bits(&face, 256);
        if (tk_u256_is_zero(&face))
            face.bytes[31] = 1;
        if (i % 5 == 0) {
            /* face = (MAX - c * 2^64) / q' for a small quotient: r is a
             * multiple of 2^64 below face. */
            mpz_set_ui(m, 1 + tk_test_rand64() % 1000);
            mpz_mul_2exp(m, m, 64);
            mpz_sub(m, max, m);
            mpz_tdiv_q_ui(m, m, 1 + tk_test_rand64() % 50);
            from_mpz(&face, m);
        }
        /* ev <= face: the case the recipient uses. */
        to_mpz(m, &face);
        mpz_set_ui(exact, tk_test_rand64());
        mpz_mul_2exp(exact, exact, (unsigned)(tk_test_rand64() % 200));
        mpz_mod(exact, exact, m);
        mpz_add_ui(exact, exact, 1);
        from_mpz(&ev, exact);

        assert_int_equal(tk_win_prob_exact(exact, &face, &ev), TK_OK);
        st = tk_win_prob(&wp, &face, &ev);
        assert_int_equal(st, mpz_cmp(exact, max) > 0 ? TK_ERR_OVERFLOW : TK_OK);
        if (st != TK_OK)
            continue;
        to_mpz(m, &wp);
        assert_int_equal(mpz_cmp(m, exact), 0);

        to_mpz(mpq_numref(evq), &ev);
        mpz_set_ui(mpq_denref(evq), 1);
        assert_int_equal(tk_ticket_ev(got, &face, &wp), TK_OK);
        assert_true(mpq_cmp(got, evq) >= 0);
        mpz_sub(m, m, mpq_numref(evq));
        from_mpz(&less, m);
        assert_int_equal(tk_ticket_ev(got, &face, &less), TK_OK);
        assert_true(mpq_cmp(got, evq) <= 0);
    }
    mpq_clears(got, evq, NULL);
    mpz_clears(exact, max, m, NULL);
}

/* uint256 <-> mpz round trip; out-of-range mpz values are refused. */
static void test_mpz_round_trip(void **state)
{
    unsigned long iters = tk_test_iters(100) * 10, i;
    mpz_t z;
    (void)state;

    mpz_init(z);
    for (i = 0; i < iters; i++) {
        tk_u256 x, y;
        random_bits(&x, 256);
        assert_int_equal(tk_u256_to_mpz(z, &x), TK_OK);
        assert_int_equal(tk_u256_from_mpz(&y, z), TK_OK);
        assert_memory_equal(y.bytes, x.bytes, 32);
        mpz_setbit(z, 256 + (unsigned)(tk_test_rand64() % 10));
        memset(&y, 0xaa, sizeof y);
        assert_int_equal(tk_u256_from_mpz(&y, z), TK_ERR_OVERFLOW);
        assert_true(tk_u256_is_zero(&y));
    }
    mpz_clear(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticket_bit_flips),
        cmocka_unit_test(test_price_reduce_matches_gmp),
        cmocka_unit_test(test_rand_derive_properties),
        cmocka_unit_test(test_win_check_matches_integer_compare),
        cmocka_unit_test(test_win_prob_rounds_up),
        cmocka_unit_test(test_mpz_round_trip),
    };
    tk_test_seed();
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

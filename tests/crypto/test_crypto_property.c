/* SPDX-License-Identifier: MIT */
/* Randomized properties of the crypto layer (seed printed; TK_TEST_SEED
 * repeats a run, TK_TEST_ITERS scales it). */
#include "test_support.h"

#include "plain_ecrecover.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

static const char ORDER_HEX[] =
    "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

/* out = a - b on 32-byte big-endian values (a >= b). */
static void sub256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    int i, borrow = 0;
    for (i = 31; i >= 0; i--) {
        int d = a[i] - b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void random_key(tk_ctx *ctx, uint8_t sk[32])
{
    do
        tk_test_rand_bytes(sk, 32);
    while (tk_key_verify(ctx, sk) != TK_OK);
}

/* sign -> recover gives the signer; the wrong v, the wrong expected address
 * and the high-s twin are all rejected. */
static void test_sign_recover_round_trip(void **state)
{
    tk_ctx *ctx = *state;
    unsigned long iters = tk_test_iters(100), i;
    uint8_t n[32];

    tk_test_hex(n, 32, ORDER_HEX);
    for (i = 0; i < iters; i++) {
        uint8_t sk[32], twin[65];
        tk_address addr, got, other;
        tk_hash msg;
        tk_sig sig, again;
        tk_status st;

        random_key(ctx, sk);
        tk_test_rand_bytes(msg.bytes, 32);
        assert_int_equal(tk_key_address(ctx, &addr, sk), TK_OK);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &msg), TK_OK);
        assert_true(sig.bytes[64] == 27 || sig.bytes[64] == 28);
        assert_int_equal(tk_eth_sign(ctx, &again, sk, &msg), TK_OK);
        assert_memory_equal(again.bytes, sig.bytes, 65); /* RFC 6979 */

        assert_int_equal(tk_eth_recover(ctx, &got, &msg, sig.bytes, 65),
                         TK_OK);
        assert_memory_equal(got.bytes, addr.bytes, 20);
        assert_int_equal(tk_eth_verify(ctx, &addr, &msg, sig.bytes, 65),
                         TK_OK);
        other = addr;
        other.bytes[tk_test_rand64() % 20] ^= 1;
        assert_int_equal(tk_eth_verify(ctx, &other, &msg, sig.bytes, 65),
                         TK_ERR_SIG_WRONG_SIGNER);

        /* v flipped: recovers another key (or none). */
        memcpy(twin, sig.bytes, 65);
        twin[64] ^= 27 ^ 28;
        st = tk_eth_verify(ctx, &addr, &msg, twin, 65);
        assert_true(st == TK_ERR_SIG_WRONG_SIGNER ||
                    st == TK_ERR_SIG_RECOVERY_FAILED);

        /* High-s twin: (r, n - s, v flipped) is mathematically valid and a
         * plain ecrecover returns the signer, yet it must be rejected. */
        memcpy(twin, sig.bytes, 32);
        sub256(twin + 32, n, sig.bytes + 32);
        twin[64] = (uint8_t)(sig.bytes[64] ^ (27 ^ 28));
        plain_ecrecover(&got, &msg, twin);
        assert_memory_equal(got.bytes, addr.bytes, 20);
        assert_int_equal(tk_eth_verify(ctx, &addr, &msg, twin, 65),
                         TK_ERR_SIG_HIGH_S);
        memset(&got, 0xaa, sizeof got);
        assert_int_equal(tk_eth_recover(ctx, &got, &msg, twin, 65),
                         TK_ERR_SIG_HIGH_S);
        assert_true(tk_address_is_zero(&got));
        tk_memzero(sk, sizeof sk);
    }
}

/* No single-bit change of a valid signature still verifies. */
static void test_signature_bit_flips(void **state)
{
    tk_ctx *ctx = *state;
    unsigned long iters = tk_test_iters(100) / 50 + 1, i;

    for (i = 0; i < iters; i++) {
        uint8_t sk[32];
        tk_address addr;
        tk_hash msg;
        tk_sig sig;
        unsigned bitpos;

        random_key(ctx, sk);
        tk_test_rand_bytes(msg.bytes, 32);
        assert_int_equal(tk_key_address(ctx, &addr, sk), TK_OK);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &msg), TK_OK);
        for (bitpos = 0; bitpos < 8 * TK_SIG_LEN; bitpos++) {
            sig.bytes[bitpos / 8] ^= (uint8_t)(1u << (bitpos % 8));
            assert_int_not_equal(
                tk_eth_verify(ctx, &addr, &msg, sig.bytes, 65), TK_OK);
            sig.bytes[bitpos / 8] ^= (uint8_t)(1u << (bitpos % 8));
        }
        for (bitpos = 0; bitpos < 8 * 32; bitpos++) {
            msg.bytes[bitpos / 8] ^= (uint8_t)(1u << (bitpos % 8));
            assert_int_equal(tk_eth_verify(ctx, &addr, &msg, sig.bytes, 65),
                             TK_ERR_SIG_WRONG_SIGNER);
            msg.bytes[bitpos / 8] ^= (uint8_t)(1u << (bitpos % 8));
        }
        tk_memzero(sk, sizeof sk);
    }
}

/* Absorbing in random chunks (including empty ones) equals one shot. */
static void test_keccak_chunked(void **state)
{
    unsigned long iters = tk_test_iters(100) * 4, i;
    static uint8_t buf[1024];
    (void)state;

    for (i = 0; i < iters; i++) {
        size_t len = (size_t)(tk_test_rand64() % sizeof buf), off = 0;
        tk_keccak256_state st;
        tk_hash one, inc;

        tk_test_rand_bytes(buf, len);
        assert_int_equal(tk_keccak256(&one, buf, len), TK_OK);
        assert_int_equal(tk_keccak256_init(&st), TK_OK);
        while (off < len) {
            size_t chunk = (size_t)(tk_test_rand64() % 150);
            if (chunk > len - off)
                chunk = len - off;
            assert_int_equal(tk_keccak256_update(&st, buf + off, chunk),
                             TK_OK);
            off += chunk;
        }
        assert_int_equal(tk_keccak256_update(&st, NULL, 0), TK_OK);
        assert_int_equal(tk_keccak256_final(&st, &inc), TK_OK);
        assert_memory_equal(inc.bytes, one.bytes, 32);
    }
}

/* Random value of a random bit length (0..bits), big-endian 32 bytes. */
static void random_u256(tk_u256 *x)
{
    unsigned bits = (unsigned)(tk_test_rand64() % 257), i;
    tk_test_rand_bytes(x->bytes, 32);
    for (i = 0; i < 256 - bits; i++)
        x->bytes[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* Decimal and hex text round trips, checked against GMP's rendering. */
static void test_u256_text_round_trips(void **state)
{
    unsigned long iters = tk_test_iters(100) * 10, i;
    mpz_t z;
    (void)state;

    mpz_init(z);
    for (i = 0; i < iters; i++) {
        tk_u256 x, y;
        char dec[TK_U256_DEC_MAX], hex[100], gmp[100];

        random_u256(&x);
        mpz_import(z, 32, 1, 1, 1, 0, x.bytes);
        assert_int_equal(tk_u256_to_dec(dec, sizeof dec, &x), TK_OK);
        mpz_get_str(gmp, 10, z);
        assert_string_equal(dec, gmp);
        assert_int_equal(tk_u256_from_dec(&y, dec, strlen(dec)), TK_OK);
        assert_memory_equal(y.bytes, x.bytes, 32);

        hex[0] = '0';
        hex[1] = 'x';
        mpz_get_str(hex + 2, i % 2 ? 16 : -16, z); /* lower / upper case */
        assert_int_equal(tk_u256_from_hex(&y, hex, strlen(hex)), TK_OK);
        assert_memory_equal(y.bytes, x.bytes, 32);

        /* Values in [2^256, 2^300): out of range in both notations. */
        mpz_set_ui(z, 1);
        mpz_mul_2exp(z, z, 256 + (unsigned)(tk_test_rand64() % 44));
        mpz_add(z, z, z); /* >= 2^257 > 2^256 */
        mpz_sub_ui(z, z, 1 + (tk_test_rand64() % 1000));
        mpz_get_str(gmp, 10, z);
        assert_int_equal(tk_u256_from_dec(&y, gmp, strlen(gmp)),
                         TK_ERR_OUT_OF_RANGE);
        mpz_get_str(hex + 2, 16, z);
        assert_int_equal(tk_u256_from_hex(&y, hex, strlen(hex)),
                         TK_ERR_OUT_OF_RANGE);
    }
    mpz_clear(z);
}

/* Arbitrary bytes: hex encode then decode is the identity. */
static void test_hex_round_trip(void **state)
{
    unsigned long iters = tk_test_iters(100) * 10, i;
    uint8_t in[100], out[100];
    char text[2 * sizeof in + 3];
    (void)state;

    for (i = 0; i < iters; i++) {
        size_t len = (size_t)(tk_test_rand64() % sizeof in), n = sizeof out;
        tk_test_rand_bytes(in, len);
        assert_int_equal(tk_hex_encode(text, sizeof text, in, len), TK_OK);
        assert_int_equal(strlen(text), 2 * len + 2);
        assert_int_equal(tk_hex_decode(out, &n, text, strlen(text)), TK_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, in, len);
    }
}

/* Address text: checksummed and lowercase forms parse back; any case flip
 * of one letter in the checksummed form is a checksum error. */
static void test_address_text_round_trip(void **state)
{
    unsigned long iters = tk_test_iters(100), i;
    (void)state;

    for (i = 0; i < iters; i++) {
        tk_address a, b;
        char cs[TK_ADDRESS_HEX_MAX], lc[TK_ADDRESS_HEX_MAX];
        size_t k;

        tk_test_rand_bytes(a.bytes, 20);
        assert_int_equal(tk_address_to_hex(cs, sizeof cs, &a, 1), TK_OK);
        assert_int_equal(tk_address_to_hex(lc, sizeof lc, &a, 0), TK_OK);
        assert_int_equal(tk_address_from_hex(&b, cs, 42), TK_OK);
        assert_memory_equal(b.bytes, a.bytes, 20);
        assert_int_equal(tk_address_from_hex(&b, lc, 42), TK_OK);
        assert_memory_equal(b.bytes, a.bytes, 20);
        for (k = 2; k < 42; k++) {
            char save = cs[k];
            int has_lower = 0, has_upper = 0;
            size_t m;
            if (!((save >= 'a' && save <= 'f') || (save >= 'A' && save <= 'F')))
                continue;
            cs[k] = (char)(save ^ 0x20);
            for (m = 2; m < 42; m++) {
                has_lower |= cs[m] >= 'a' && cs[m] <= 'f';
                has_upper |= cs[m] >= 'A' && cs[m] <= 'F';
            }
            /* Still mixed case: the checksum catches it. (If the flip made
             * it single-case it is accepted by design.) */
            assert_int_equal(tk_address_from_hex(&b, cs, 42),
                             has_lower && has_upper ? TK_ERR_BAD_CHECKSUM
                                                    : TK_OK);
            cs[k] = save;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_recover_round_trip),
        cmocka_unit_test(test_signature_bit_flips),
        cmocka_unit_test(test_keccak_chunked),
        cmocka_unit_test(test_u256_text_round_trips),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_address_text_round_trip),
    };
    tk_test_seed();
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

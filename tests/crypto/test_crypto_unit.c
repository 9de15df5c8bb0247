/* SPDX-License-Identifier: MIT */
/* Unit tests of the crypto layer: the permutation against a textbook
 * reference, the u256/hex codecs at their edges, EIP-55 parsing rules,
 * key ranges, HMAC-SHA256 (RFC 4231) and the constant-time compare. */
#include "test_support.h"

#include "crypto/ct.h"
#include "crypto/hmac.h"
#include "crypto/keccakf1600.h"
#include "crypto/u256.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

/* ---- Keccak-f[1600], reference straight from the specification ---- */

static uint64_t rol(uint64_t v, unsigned n)
{
    n %= 64;
    return n == 0 ? v : (v << n) | (v >> (64 - n));
}

/* rc(t): the output bit of the degree-8 LFSR of the Keccak spec. */
static int rc_bit(unsigned t)
{
    unsigned r = 1, i;
    for (i = 0; i < t % 255; i++) {
        r <<= 1;
        if (r & 0x100)
            r ^= 0x171; /* x^8 + x^6 + x^5 + x^4 + 1 */
    }
    return r & 1;
}

static void ref_keccakf(uint64_t a[25])
{
    unsigned rho[25] = {0}, x, y, t, round, j;
    uint64_t b[25], c[5], d[5];

    x = 1;
    y = 0;
    for (t = 0; t < 24; t++) {
        unsigned nx = y, ny = (2 * x + 3 * y) % 5;
        rho[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
        x = nx;
        y = ny;
    }
    for (round = 0; round < 24; round++) {
        for (x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rol(c[(x + 1) % 5], 1);
        for (x = 0; x < 5; x++)
            for (y = 0; y < 5; y++)
                a[x + 5 * y] ^= d[x];
        for (x = 0; x < 5; x++)
            for (y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rol(a[x + 5 * y],
                                                       rho[x + 5 * y]);
        for (x = 0; x < 5; x++)
            for (y = 0; y < 5; y++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] &
                                               b[(x + 2) % 5 + 5 * y]);
        for (j = 0; j <= 6; j++)
            if (rc_bit(j + 7 * round))
                a[0] ^= (uint64_t)1 << ((1u << j) - 1);
    }
}

static void test_permutation_matches_reference(void **state)
{
    unsigned long iters = tk_test_iters(200), i;
    (void)state;

    tk_test_seed();
    printf("keccak-f[1600] dispatch: %s\n", tk__keccakf1600_impl());
    for (i = 0; i < iters; i++) {
        uint64_t ref[25], fast[25], gen[25];
        if (i == 0)
            memset(ref, 0, sizeof ref);
        else
            tk_test_rand_bytes((uint8_t *)ref, sizeof ref);
        memcpy(fast, ref, sizeof ref);
        memcpy(gen, ref, sizeof ref);
        ref_keccakf(ref);
        tk__keccakf1600(fast);
        tk__keccakf1600_generic(gen);
        assert_memory_equal(fast, ref, sizeof ref);
        assert_memory_equal(gen, ref, sizeof ref);
    }
}

/* Keccak-256 vs. SHA3-256 padding: the empty-string digest pins 0x01. */
static void test_keccak_domain_suffix(void **state)
{
    tk_hash h;
    uint8_t want[32];
    (void)state;
    tk_test_hex(want, 32, "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca822"
                          "73b7bfad8045d85a470");
    assert_int_equal(tk_keccak256(&h, NULL, 0), TK_OK);
    assert_memory_equal(h.bytes, want, 32);
}

/* final() wipes the state it was given. */
static void test_keccak_final_wipes(void **state)
{
    tk_keccak256_state st, zero;
    tk_hash h;
    (void)state;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(tk_keccak256_init(&st), TK_OK);
    assert_int_equal(tk_keccak256_update(&st, "secret", 6), TK_OK);
    assert_int_equal(tk_keccak256_final(&st, &h), TK_OK);
    assert_memory_equal(&st, &zero, sizeof st);
}

/* ---- u256 text ---- */

static const char MAX_DEC[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";
static const char TWO256_DEC[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639936";

static void test_u256_dec_edges(void **state)
{
    tk_u256 x, ones;
    char buf[TK_U256_DEC_MAX];
    (void)state;

    memset(ones.bytes, 0xff, 32);
    assert_int_equal(tk_u256_from_dec(&x, MAX_DEC, strlen(MAX_DEC)), TK_OK);
    assert_memory_equal(x.bytes, ones.bytes, 32);
    assert_int_equal(tk_u256_to_dec(buf, sizeof buf, &x), TK_OK);
    assert_string_equal(buf, MAX_DEC);
    assert_int_equal(strlen(buf) + 1, TK_U256_DEC_MAX);

    memset(&x, 0xaa, sizeof x);
    assert_int_equal(tk_u256_from_dec(&x, TWO256_DEC, strlen(TWO256_DEC)),
                     TK_ERR_OUT_OF_RANGE);
    assert_true(tk_u256_is_zero(&x));
    /* Far too long is out of range too; a bad digit anywhere is invalid. */
    assert_int_equal(tk_u256_from_dec(&x, "1000000000000000000000000000000000"
                                          "000000000000000000000000000000000"
                                          "00000000000000", 81),
                     TK_ERR_OUT_OF_RANGE);
    assert_int_equal(tk_u256_from_dec(&x, "99999999999999999999999999999999"
                                          "99999999999999999999999999999999"
                                          "999999999999999x", 80),
                     TK_ERR_INVALID_NUMBER);

    assert_int_equal(tk_u256_from_dec(&x, "000000000000000000000000000000000"
                                          "000000000000000000000000000000000"
                                          "0000000000000000042", 85), TK_OK);
    assert_int_equal(tk_u256_to_dec(buf, sizeof buf, &x), TK_OK);
    assert_string_equal(buf, "42");
    assert_int_equal(tk_u256_from_dec(&x, "0", 1), TK_OK);
    assert_true(tk_u256_is_zero(&x));
    assert_int_equal(tk_u256_to_dec(buf, sizeof buf, &x), TK_OK);
    assert_string_equal(buf, "0");
    /* Only the given length is read. */
    assert_int_equal(tk_u256_from_dec(&x, "12345", 3), TK_OK);
    assert_int_equal(tk_u256_to_dec(buf, sizeof buf, &x), TK_OK);
    assert_string_equal(buf, "123");

    assert_int_equal(tk_u256_from_dec(&x, "", 0), TK_ERR_INVALID_NUMBER);
    assert_int_equal(tk_u256_from_dec(&x, "-1", 2), TK_ERR_INVALID_NUMBER);
    assert_int_equal(tk_u256_from_dec(&x, "+1", 2), TK_ERR_INVALID_NUMBER);
    assert_int_equal(tk_u256_from_dec(&x, " 1", 2), TK_ERR_INVALID_NUMBER);
    assert_int_equal(tk_u256_from_dec(&x, "0x10", 4), TK_ERR_INVALID_NUMBER);

    /* Buffer exactly the size of "42" + NUL, and one less. */
    tk_test_dec256(x.bytes, "42");
    assert_int_equal(tk_u256_to_dec(buf, 3, &x), TK_OK);
    assert_string_equal(buf, "42");
    assert_int_equal(tk_u256_to_dec(buf, 2, &x), TK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(buf, "");
}

static void test_u256_hex_edges(void **state)
{
    tk_u256 x, want;
    (void)state;

    assert_int_equal(tk_u256_from_hex(&x, "0x1", 3), TK_OK);
    tk_test_dec256(want.bytes, "1");
    assert_memory_equal(x.bytes, want.bytes, 32);
    assert_int_equal(tk_u256_from_hex(&x, "0xAbC", 5), TK_OK);
    tk_test_dec256(want.bytes, "2748");
    assert_memory_equal(x.bytes, want.bytes, 32);
    assert_int_equal(tk_u256_from_hex(&x, "0x" "ffffffffffffffffffffffffffffffff"
                                          "ffffffffffffffffffffffffffffffff",
                                      66), TK_OK);
    memset(want.bytes, 0xff, 32);
    assert_memory_equal(x.bytes, want.bytes, 32);
    /* 65 digits: fine with a leading zero, out of range otherwise. */
    assert_int_equal(tk_u256_from_hex(&x, "0x0" "ffffffffffffffffffffffffffffff"
                                          "ffffffffffffffffffffffffffffffffff",
                                      67), TK_OK);
    assert_memory_equal(x.bytes, want.bytes, 32);
    memset(&x, 0xaa, sizeof x);
    assert_int_equal(tk_u256_from_hex(&x, "0x1" "000000000000000000000000000000"
                                          "0000000000000000000000000000000000",
                                      67), TK_ERR_OUT_OF_RANGE);
    assert_true(tk_u256_is_zero(&x));

    assert_int_equal(tk_u256_from_hex(&x, "0x", 2), TK_ERR_INVALID_HEX);
    assert_int_equal(tk_u256_from_hex(&x, "12", 2), TK_ERR_INVALID_HEX);
    assert_int_equal(tk_u256_from_hex(&x, "0xg", 3), TK_ERR_INVALID_HEX);
    assert_int_equal(tk_u256_from_hex(&x, "0x1 ", 4), TK_ERR_INVALID_HEX);
    assert_int_equal(tk_u256_from_hex(&x, "0x", 0), TK_ERR_INVALID_HEX);
}

static void test_u256_bytes_u64_cmp(void **state)
{
    uint8_t b[40];
    const uint8_t *p;
    size_t len;
    tk_u256 x, y;
    uint64_t v;
    (void)state;

    memset(b, 0, sizeof b);
    b[39] = 7;
    assert_int_equal(tk_u256_from_bytes(&x, b, 40), TK_OK); /* zero-padded */
    assert_int_equal(tk_u256_to_u64(&v, &x), TK_OK);
    assert_int_equal(v, 7);
    b[7] = 1; /* byte 8 from the end of 40: value >= 2^256 */
    assert_int_equal(tk_u256_from_bytes(&x, b, 40), TK_ERR_OUT_OF_RANGE);
    assert_true(tk_u256_is_zero(&x));
    assert_int_equal(tk_u256_from_bytes(&x, NULL, 0), TK_OK);
    assert_true(tk_u256_is_zero(&x));
    b[0] = 0x12;
    b[1] = 0x34;
    assert_int_equal(tk_u256_from_bytes(&x, b, 2), TK_OK);
    assert_int_equal(tk_u256_to_u64(&v, &x), TK_OK);
    assert_int_equal(v, 0x1234);

    assert_int_equal(tk_u256_minimal(&p, &len, &x), TK_OK);
    assert_int_equal(len, 2);
    assert_ptr_equal(p, x.bytes + 30);
    memset(&x, 0, sizeof x);
    assert_int_equal(tk_u256_minimal(&p, &len, &x), TK_OK);
    assert_int_equal(len, 0); /* B(0) is the empty string */
    x.bytes[0] = 0x80;
    assert_int_equal(tk_u256_minimal(&p, &len, &x), TK_OK);
    assert_int_equal(len, 32);
    assert_ptr_equal(p, x.bytes);

    assert_int_equal(tk_u256_from_u64(&x, UINT64_MAX), TK_OK);
    assert_int_equal(tk_u256_to_u64(&v, &x), TK_OK);
    assert_true(v == UINT64_MAX);
    x.bytes[23] = 1; /* 2^64 + ... */
    v = 5;
    assert_int_equal(tk_u256_to_u64(&v, &x), TK_ERR_OVERFLOW);
    assert_true(v == 0);

    tk_test_dec256(x.bytes, "255");
    tk_test_dec256(y.bytes, "256");
    assert_int_equal(tk_u256_cmp(&x, &y), -1);
    assert_int_equal(tk_u256_cmp(&y, &x), 1);
    assert_int_equal(tk_u256_cmp(&x, &x), 0);
    assert_false(tk_u256_is_zero(&x));
}

/* tk_hash_is_zero sees every byte; tk__block_u64 is exact below 2^64 and
 * saturates at or above it (such params never expire). */
static void test_hash_is_zero_and_block_u64(void **state)
{
    tk_hash h;
    tk_u256 x;
    (void)state;

    memset(&h, 0, sizeof h);
    assert_true(tk_hash_is_zero(&h));
    for (size_t i = 0; i < sizeof h.bytes; i++) {
        h.bytes[i] = (uint8_t)(1u << (i % 8));
        assert_false(tk_hash_is_zero(&h));
        h.bytes[i] = 0;
    }

    tk_test_dec256(x.bytes, "18446744073709551614"); /* 2^64 - 2 */
    assert_true(tk__block_u64(&x) == UINT64_MAX - 1);
    tk_test_dec256(x.bytes, "18446744073709551616"); /* 2^64 */
    assert_true(tk__block_u64(&x) == UINT64_MAX);
    memset(x.bytes, 0xff, sizeof x.bytes);
    assert_true(tk__block_u64(&x) == UINT64_MAX);
    tk_test_dec256(x.bytes, "0");
    assert_true(tk__block_u64(&x) == 0);
}

static void test_hex_codec(void **state)
{
    uint8_t out[4], all[256];
    char text[2 * 256 + 3];
    size_t n, i;
    (void)state;

    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, "0xDEADbeef", 10), TK_OK);
    assert_int_equal(n, 4);
    assert_int_equal(out[0], 0xde);
    assert_int_equal(out[3], 0xef);
    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, "0x", 2), TK_OK);
    assert_int_equal(n, 0);
    n = 0;
    assert_int_equal(tk_hex_decode(NULL, &n, "0x", 2), TK_OK);
    /* Too small: the size needed is reported. */
    n = 2;
    assert_int_equal(tk_hex_decode(out, &n, "0x0102030405", 12),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 5);
    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, "0x123", 5), TK_ERR_INVALID_HEX);
    assert_int_equal(n, 0);
    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, "0x12zz", 6), TK_ERR_INVALID_HEX);
    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, "1234", 4), TK_ERR_INVALID_HEX);
    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, "0X1234", 6), TK_ERR_INVALID_HEX);
    /* Every character outside [0-9a-fA-F] is rejected, every one inside
     * decodes to its value. */
    for (i = 0; i < 256; i++) {
        char s[5] = {'0', 'x', '0', (char)i, '\0'};
        int valid = (i >= '0' && i <= '9') || (i >= 'a' && i <= 'f') ||
                    (i >= 'A' && i <= 'F');
        n = 1;
        out[0] = 0xaa;
        assert_int_equal(tk_hex_decode(out, &n, s, 4),
                         valid ? TK_OK : TK_ERR_INVALID_HEX);
        if (valid)
            assert_int_equal(out[0], strtol(s + 3, NULL, 16));
    }

    for (i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    assert_int_equal(tk_hex_encode(text, sizeof text, all, 256), TK_OK);
    {
        char *want = tk_test_hexstr(all, 256);
        assert_string_equal(text, want);
        free(want);
    }
    assert_int_equal(tk_hex_encode(text, 2 * 4 + 2, all, 4),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tk_hex_encode(text, 3, NULL, 0), TK_OK);
    assert_string_equal(text, "0x");
}

/* ---- addresses ---- */

static void test_address_parse_rules(void **state)
{
    /* keys.json case 0 (private key 1). */
    const char *cs = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    const char *lower = "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf";
    const char *upper = "0x7E5F4552091A69125D5DFCB7B8C2659029395BDF";
    char buf[64];
    tk_address a, want;
    (void)state;

    tk_test_hex(want.bytes, 20, lower);
    assert_int_equal(tk_address_from_hex(&a, cs, 42), TK_OK);
    assert_memory_equal(a.bytes, want.bytes, 20);
    assert_int_equal(tk_address_from_hex(&a, upper, 42), TK_OK);
    assert_memory_equal(a.bytes, want.bytes, 20);

    /* One letter's case flipped: mixed case, wrong checksum. */
    strcpy(buf, cs);
    buf[3] = 'e';
    memset(&a, 0xaa, sizeof a);
    assert_int_equal(tk_address_from_hex(&a, buf, 42), TK_ERR_BAD_CHECKSUM);
    assert_true(tk_address_is_zero(&a));

    assert_int_equal(tk_address_from_hex(&a, lower, 41), TK_ERR_INVALID_ADDRESS);
    strcpy(buf, lower);
    strcat(buf, "00");
    assert_int_equal(tk_address_from_hex(&a, buf, 44), TK_ERR_INVALID_ADDRESS);
    assert_int_equal(tk_address_from_hex(&a, lower + 2, 40),
                     TK_ERR_INVALID_ADDRESS);
    strcpy(buf, lower);
    buf[1] = 'X';
    assert_int_equal(tk_address_from_hex(&a, buf, 42), TK_ERR_INVALID_ADDRESS);
    strcpy(buf, lower);
    buf[10] = 'g';
    assert_int_equal(tk_address_from_hex(&a, buf, 42), TK_ERR_INVALID_ADDRESS);
    assert_int_equal(tk_address_from_hex(&a, "", 0), TK_ERR_INVALID_ADDRESS);

    assert_int_equal(tk_address_to_hex(buf, TK_ADDRESS_HEX_MAX - 1, &want, 1),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tk_address_to_hex(buf, TK_ADDRESS_HEX_MAX, &want, 1),
                     TK_OK);
    assert_string_equal(buf, cs);
    memset(&a, 0, sizeof a);
    assert_true(tk_address_is_zero(&a));
    assert_false(tk_address_is_zero(&want));
}

/* ---- keys ---- */

static void test_key_ranges(void **state)
{
    tk_ctx *ctx = *state;
    static const char *bad[] = {
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
        "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    static const char *good[] = {
        "0x0000000000000000000000000000000000000000000000000000000000000001",
        "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
    };
    uint8_t sk[32], pub[65], zero65[65] = {0};
    tk_address a;
    tk_sig sig;
    tk_hash msg;
    size_t i;

    memset(msg.bytes, 0x5a, 32);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tk_test_hex(sk, 32, bad[i]);
        assert_int_equal(tk_key_verify(ctx, sk), TK_ERR_INVALID_PRIVKEY);
        memset(pub, 0xaa, sizeof pub);
        assert_int_equal(tk_key_pubkey(ctx, pub, sk), TK_ERR_INVALID_PRIVKEY);
        assert_memory_equal(pub, zero65, 65);
        memset(&a, 0xaa, sizeof a);
        assert_int_equal(tk_key_address(ctx, &a, sk), TK_ERR_INVALID_PRIVKEY);
        assert_true(tk_address_is_zero(&a));
        memset(&sig, 0xaa, sizeof sig);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &msg),
                         TK_ERR_INVALID_PRIVKEY);
        assert_memory_equal(sig.bytes, zero65, 65);
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        tk_test_hex(sk, 32, good[i]);
        assert_int_equal(tk_key_verify(ctx, sk), TK_OK);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &msg), TK_OK);
        assert_int_equal(tk_key_address(ctx, &a, sk), TK_OK);
        assert_int_equal(tk_eth_verify(ctx, &a, &msg, sig.bytes, 65), TK_OK);
    }
}

static void test_key_generate(void **state)
{
    tk_ctx *ctx = *state;
    uint8_t k1[32], k2[32];
    tk_address a;
    assert_int_equal(tk_key_generate(ctx, k1), TK_OK);
    assert_int_equal(tk_key_generate(ctx, k2), TK_OK);
    assert_int_equal(tk_key_verify(ctx, k1), TK_OK);
    assert_int_equal(tk_key_verify(ctx, k2), TK_OK);
    assert_memory_not_equal(k1, k2, 32);
    assert_int_equal(tk_key_address(ctx, &a, k1), TK_OK);
    assert_false(tk_address_is_zero(&a));
    tk_memzero(k1, 32);
    tk_memzero(k2, 32);
}

static void test_pubkey_not_on_curve(void **state)
{
    uint8_t pub[65];
    tk_address a;
    (void)state;
    /* keys.json case 0's public key with Y altered: not a curve point. */
    tk_test_hex(pub, 65, "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d9"
                         "59f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd1"
                         "7b448a68554199c47d08ffb10d4b8");
    assert_int_equal(tk_pubkey_address(&a, pub), TK_OK);
    pub[64] ^= 1;
    memset(&a, 0xaa, sizeof a);
    assert_int_equal(tk_pubkey_address(&a, pub), TK_ERR_MALFORMED);
    assert_true(tk_address_is_zero(&a));
    pub[64] ^= 1;
    pub[0] = 0x02; /* compressed prefix on 65 bytes */
    assert_int_equal(tk_pubkey_address(&a, pub), TK_ERR_MALFORMED);
}

/* ---- HMAC-SHA256 (RFC 4231 test cases 1, 2 and 6) ---- */

static void check_hmac(const uint8_t *key, size_t keylen, const char *msg,
                       const char *want_hex)
{
    uint8_t out[32], want[32];
    tk__hmac_key *k;
    int rep;

    tk_test_hex(want, 32, want_hex);
    assert_int_equal(tk__hmac_sha256(out, key, keylen, (const uint8_t *)msg,
                                     strlen(msg)), TK_OK);
    assert_memory_equal(out, want, 32);
    /* The keyed form, twice: a call must leave the precomputed states
     * untouched for the next one. */
    assert_int_equal(tk__hmac_key_create(&k, key, keylen), TK_OK);
    for (rep = 0; rep < 2; rep++) {
        memset(out, 0, sizeof out);
        assert_int_equal(tk__hmac_key_mac(k, out, (const uint8_t *)msg, strlen(msg)),
                         TK_OK);
        assert_memory_equal(out, want, 32);
    }
    tk__hmac_key_destroy(k);
}

static void test_hmac_rfc4231(void **state)
{
    uint8_t k1[20], k6[131];
    (void)state;
    memset(k1, 0x0b, sizeof k1);
    memset(k6, 0xaa, sizeof k6);
    check_hmac(k1, sizeof k1, "Hi There",
               "0xb0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
               "0x5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    check_hmac(k6, sizeof k6,
               "Test Using Larger Than Block-Size Key - Hash Key First",
               "0x60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* The keyed HMAC equals the one-shot one at every key length around the
 * block size (shorter, equal, longer: hashed first) and message lengths
 * from empty to past several blocks, one key serving many messages. */
static void test_hmac_keyed_matches_oneshot(void **state)
{
    static const size_t keylens[] = {0, 1, 32, 63, 64, 65, 131};
    uint8_t key[131], msg[300], a[32], b[32];
    size_t i, len;
    tk__hmac_key *k;
    (void)state;
    tk_test_seed();
    for (i = 0; i < sizeof keylens / sizeof keylens[0]; i++) {
        tk_test_rand_bytes(key, sizeof key);
        assert_int_equal(tk__hmac_key_create(&k, key, keylens[i]), TK_OK);
        for (len = 0; len <= sizeof msg; len += 1 + len / 8) {
            tk_test_rand_bytes(msg, sizeof msg);
            assert_int_equal(tk__hmac_sha256(a, key, keylens[i], msg, len), TK_OK);
            assert_int_equal(tk__hmac_key_mac(k, b, msg, len), TK_OK);
            assert_memory_equal(a, b, 32);
        }
        /* An empty message may come as NULL. */
        assert_int_equal(tk__hmac_key_mac(k, b, NULL, 0), TK_OK);
        assert_int_equal(tk__hmac_sha256(a, key, keylens[i], msg, 0), TK_OK);
        assert_memory_equal(a, b, 32);
        tk__hmac_key_destroy(k);
    }
    tk__hmac_key_destroy(NULL);
}

static void test_memeq_ct(void **state)
{
    uint8_t a[33], b[33];
    size_t i;
    unsigned bitpos;
    (void)state;
    memset(a, 0x3c, sizeof a);
    memcpy(b, a, sizeof b);
    assert_int_equal(tk__memeq_ct(a, b, sizeof a), 1);
    assert_int_equal(tk__memeq_ct(a, b, 0), 1);
    for (i = 0; i < sizeof a; i++) {
        for (bitpos = 0; bitpos < 8; bitpos++) {
            b[i] ^= (uint8_t)(1u << bitpos);
            assert_int_equal(tk__memeq_ct(a, b, sizeof a), 0);
            b[i] ^= (uint8_t)(1u << bitpos);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permutation_matches_reference),
        cmocka_unit_test(test_keccak_domain_suffix),
        cmocka_unit_test(test_keccak_final_wipes),
        cmocka_unit_test(test_hash_is_zero_and_block_u64),
        cmocka_unit_test(test_u256_dec_edges),
        cmocka_unit_test(test_u256_hex_edges),
        cmocka_unit_test(test_u256_bytes_u64_cmp),
        cmocka_unit_test(test_hex_codec),
        cmocka_unit_test(test_address_parse_rules),
        cmocka_unit_test(test_key_ranges),
        cmocka_unit_test(test_key_generate),
        cmocka_unit_test(test_pubkey_not_on_curve),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hmac_keyed_matches_oneshot),
        cmocka_unit_test(test_memeq_ct),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

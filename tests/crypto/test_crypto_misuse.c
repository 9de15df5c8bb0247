/* SPDX-License-Identifier: MIT */
/* API misuse of the crypto layer: NULL arguments and impossible values give
 * TK_ERR_ILLEGAL_ARG (through the context's callback exactly once where a
 * context exists), outputs are zeroed, nothing crashes. Bad lengths of
 * untrusted input get their own data errors. */
#include "test_support.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"
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

static void test_keccak_misuse(void **state)
{
    tk_keccak256_state st;
    tk_hash h;
    (void)state;

    assert_int_equal(tk_keccak256_init(NULL), ILLEGAL);
    assert_int_equal(tk_keccak256_init(&st), TK_OK);
    assert_int_equal(tk_keccak256_update(NULL, "a", 1), ILLEGAL);
    assert_int_equal(tk_keccak256_update(&st, NULL, 1), ILLEGAL);
    assert_int_equal(tk_keccak256_update(&st, NULL, 0), TK_OK);
    memset(&h, 0xaa, sizeof h);
    assert_int_equal(tk_keccak256_final(NULL, &h), ILLEGAL);
    assert_true(all_zero(&h, sizeof h));
    assert_int_equal(tk_keccak256_final(&st, NULL), ILLEGAL);
    /* A state that was never initialized properly. */
    st.absorbed = TK_KECCAK256_RATE;
    assert_int_equal(tk_keccak256_update(&st, "a", 1), ILLEGAL);
    memset(&h, 0xaa, sizeof h);
    assert_int_equal(tk_keccak256_final(&st, &h), ILLEGAL);
    assert_true(all_zero(&h, sizeof h));

    assert_int_equal(tk_keccak256(NULL, "a", 1), ILLEGAL);
    memset(&h, 0xaa, sizeof h);
    assert_int_equal(tk_keccak256(&h, NULL, 1), ILLEGAL);
    assert_true(all_zero(&h, sizeof h));
}

static void test_u256_misuse(void **state)
{
    tk_u256 x;
    char buf[TK_U256_DEC_MAX];
    uint8_t bytes[4];
    const uint8_t *p = (const uint8_t *)"x";
    size_t len = 7;
    uint64_t v = 9;
    (void)state;

    memset(&x, 0xaa, sizeof x);
    assert_int_equal(tk_u256_from_dec(NULL, "1", 1), ILLEGAL);
    assert_int_equal(tk_u256_from_dec(&x, NULL, 1), ILLEGAL);
    assert_true(tk_u256_is_zero(&x));
    assert_int_equal(tk_u256_to_dec(NULL, 10, &x), ILLEGAL);
    strcpy(buf, "junk");
    assert_int_equal(tk_u256_to_dec(buf, sizeof buf, NULL), ILLEGAL);
    assert_string_equal(buf, "");
    assert_int_equal(tk_u256_to_dec(buf, 0, &x), TK_ERR_BUFFER_TOO_SMALL);
    memset(&x, 0xaa, sizeof x);
    assert_int_equal(tk_u256_from_hex(NULL, "0x1", 3), ILLEGAL);
    assert_int_equal(tk_u256_from_hex(&x, NULL, 3), ILLEGAL);
    assert_true(tk_u256_is_zero(&x));
    memset(&x, 0xaa, sizeof x);
    assert_int_equal(tk_u256_from_bytes(NULL, bytes, 1), ILLEGAL);
    assert_int_equal(tk_u256_from_bytes(&x, NULL, 1), ILLEGAL);
    assert_true(tk_u256_is_zero(&x));
    assert_int_equal(tk_u256_minimal(NULL, &len, &x), ILLEGAL);
    assert_int_equal(tk_u256_minimal(&p, NULL, &x), ILLEGAL);
    assert_int_equal(tk_u256_minimal(&p, &len, NULL), ILLEGAL);
    assert_null(p);
    assert_int_equal(len, 0);
    assert_int_equal(tk_u256_from_u64(NULL, 1), ILLEGAL);
    assert_int_equal(tk_u256_to_u64(NULL, &x), ILLEGAL);
    assert_int_equal(tk_u256_to_u64(&v, NULL), ILLEGAL);
    assert_true(v == 0);
    /* Predicates read NULL as zero instead of crashing. */
    memset(&x, 0, sizeof x);
    assert_int_equal(tk_u256_cmp(NULL, &x), 0);
    assert_int_equal(tk_u256_cmp(NULL, NULL), 0);
    x.bytes[31] = 1;
    assert_int_equal(tk_u256_cmp(NULL, &x), -1);
    assert_int_equal(tk_u256_cmp(&x, NULL), 1);
    assert_true(tk_u256_is_zero(NULL));
}

static void test_hex_misuse(void **state)
{
    uint8_t out[4] = {1, 2, 3, 4};
    char text[16];
    size_t n = sizeof out;
    (void)state;

    assert_int_equal(tk_hex_decode(out, NULL, "0x00", 4), ILLEGAL);
    assert_int_equal(tk_hex_decode(NULL, &n, "0x00", 4), ILLEGAL);
    assert_int_equal(n, 0);
    n = sizeof out;
    assert_int_equal(tk_hex_decode(out, &n, NULL, 4), ILLEGAL);
    assert_int_equal(n, 0);
    assert_true(all_zero(out, sizeof out));
    assert_int_equal(tk_hex_encode(NULL, 10, out, 1), ILLEGAL);
    strcpy(text, "junk");
    assert_int_equal(tk_hex_encode(text, sizeof text, NULL, 1), ILLEGAL);
    assert_string_equal(text, "");
    assert_int_equal(tk_hex_encode(text, sizeof text, out, SIZE_MAX / 2),
                     ILLEGAL);
}

static void test_keys_misuse(void **state)
{
    tk_ctx *ctx = *state;
    uint8_t sk[32], pub[65];
    tk_address a;
    char text[TK_ADDRESS_HEX_MAX];

    memset(sk, 0, sizeof sk);
    sk[31] = 1;
    assert_int_equal(tk_key_generate(NULL, sk), ILLEGAL);
    assert_illegal(ctx, tk_key_generate(ctx, NULL));
    assert_int_equal(tk_key_verify(NULL, sk), ILLEGAL);
    assert_illegal(ctx, tk_key_verify(ctx, NULL));
    assert_int_equal(tk_key_pubkey(NULL, pub, sk), ILLEGAL);
    assert_illegal(ctx, tk_key_pubkey(ctx, NULL, sk));
    memset(pub, 0xaa, sizeof pub);
    assert_illegal(ctx, tk_key_pubkey(ctx, pub, NULL));
    assert_true(all_zero(pub, sizeof pub));
    assert_int_equal(tk_key_address(NULL, &a, sk), ILLEGAL);
    assert_illegal(ctx, tk_key_address(ctx, NULL, sk));
    memset(&a, 0xaa, sizeof a);
    assert_illegal(ctx, tk_key_address(ctx, &a, NULL));
    assert_true(tk_address_is_zero(&a));

    assert_int_equal(tk_pubkey_address(NULL, pub), ILLEGAL);
    memset(&a, 0xaa, sizeof a);
    assert_int_equal(tk_pubkey_address(&a, NULL), ILLEGAL);
    assert_true(tk_address_is_zero(&a));

    assert_int_equal(tk_address_from_hex(NULL, "0x", 2), ILLEGAL);
    memset(&a, 0xaa, sizeof a);
    assert_int_equal(tk_address_from_hex(&a, NULL, 42), ILLEGAL);
    assert_true(tk_address_is_zero(&a));
    assert_int_equal(tk_address_to_hex(NULL, sizeof text, &a, 1), ILLEGAL);
    strcpy(text, "junk");
    assert_int_equal(tk_address_to_hex(text, sizeof text, NULL, 1), ILLEGAL);
    assert_string_equal(text, "");
    assert_true(tk_address_is_zero(NULL));
}

static void test_signature_misuse(void **state)
{
    tk_ctx *ctx = *state;
    uint8_t sk[32], big[200];
    tk_hash msg, d;
    tk_sig sig;
    tk_address a;

    memset(sk, 0, sizeof sk);
    sk[31] = 1;
    memset(msg.bytes, 7, sizeof msg.bytes);
    assert_int_equal(tk_key_address(ctx, &a, sk), TK_OK);
    assert_int_equal(tk_eth_sign(ctx, &sig, sk, &msg), TK_OK);

    assert_int_equal(tk_eth_signed_hash(NULL, &msg), ILLEGAL);
    memset(&d, 0xaa, sizeof d);
    assert_int_equal(tk_eth_signed_hash(&d, NULL), ILLEGAL);
    assert_true(all_zero(&d, sizeof d));

    assert_int_equal(tk_eth_sign(NULL, &sig, sk, &msg), ILLEGAL);
    assert_illegal(ctx, tk_eth_sign(ctx, NULL, sk, &msg));
    {
        tk_sig s2;
        memset(&s2, 0xaa, sizeof s2);
        assert_illegal(ctx, tk_eth_sign(ctx, &s2, NULL, &msg));
        assert_true(all_zero(&s2, sizeof s2));
        memset(&s2, 0xaa, sizeof s2);
        assert_illegal(ctx, tk_eth_sign(ctx, &s2, sk, NULL));
        assert_true(all_zero(&s2, sizeof s2));
    }

    assert_int_equal(tk_eth_recover(NULL, &a, &msg, sig.bytes, 65), ILLEGAL);
    assert_illegal(ctx, tk_eth_recover(ctx, NULL, &msg, sig.bytes, 65));
    assert_illegal(ctx, tk_eth_recover(ctx, &a, NULL, sig.bytes, 65));
    assert_illegal(ctx, tk_eth_recover(ctx, &a, &msg, NULL, 65));
    /* An empty signature is bad data, not a caller bug. */
    assert_int_equal(tk_eth_recover(ctx, &a, &msg, NULL, 0),
                     TK_ERR_SIG_BAD_LENGTH);

    assert_int_equal(tk_key_address(ctx, &a, sk), TK_OK);
    assert_int_equal(tk_eth_verify(NULL, &a, &msg, sig.bytes, 65), ILLEGAL);
    assert_illegal(ctx, tk_eth_verify(ctx, NULL, &msg, sig.bytes, 65));
    assert_illegal(ctx, tk_eth_verify(ctx, &a, NULL, sig.bytes, 65));
    assert_illegal(ctx, tk_eth_verify(ctx, &a, &msg, NULL, 65));
    assert_int_equal(tk_eth_verify(ctx, &a, &msg, NULL, 0),
                     TK_ERR_SIG_BAD_LENGTH);

    /* Every length but 65, even with a valid signature as its prefix. */
    memset(big, 0, sizeof big);
    memcpy(big, sig.bytes, 65);
    {
        size_t len;
        for (len = 0; len < sizeof big; len++) {
            if (len == 65)
                continue;
            assert_int_equal(tk_eth_verify(ctx, &a, &msg, big, len),
                             TK_ERR_SIG_BAD_LENGTH);
        }
    }
    assert_int_equal(tk_eth_verify(ctx, &a, &msg, big, 65), TK_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak_misuse),
        cmocka_unit_test(test_u256_misuse),
        cmocka_unit_test(test_hex_misuse),
        cmocka_unit_test(test_keys_misuse),
        cmocka_unit_test(test_signature_misuse),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

/* SPDX-License-Identifier: MIT */
/* The crypto layer against tests/vectors: keccak256, keys,
 * personal_sign and bad_signatures (every case). */
#include "test_support.h"

#include "plain_ecrecover.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"

#include <stdlib.h>
#include <string.h>

static void test_keccak256(void **state)
{
    json_t *cases, *root = tk_test_load("keccak256.json", &cases);
    size_t i, n = json_array_size(cases);
    (void)state;

    assert_int_equal(n, 304);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        size_t len, k;
        uint8_t *in = tk_test_hex_alloc(tk_test_str(c, "input"), &len);
        tk_hash want, got;
        tk_keccak256_state st;

        tk_test_hex(want.bytes, 32, tk_test_str(c, "digest"));
        assert_int_equal(tk_keccak256(&got, in, len), TK_OK);
        assert_memory_equal(got.bytes, want.bytes, 32);
        /* Incremental, one byte at a time (crosses every lane edge). */
        assert_int_equal(tk_keccak256_init(&st), TK_OK);
        for (k = 0; k < len; k++)
            assert_int_equal(tk_keccak256_update(&st, in + k, 1), TK_OK);
        assert_int_equal(tk_keccak256_final(&st, &got), TK_OK);
        assert_memory_equal(got.bytes, want.bytes, 32);
        if (json_object_get(c, "input_ascii") != NULL) {
            const char *a = tk_test_str(c, "input_ascii");
            assert_int_equal(strlen(a), len);
            assert_memory_equal(a, in, len);
        }
        free(in);
    }
    json_decref(root);
}

static void test_keys(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("keys.json", &cases);
    size_t i, n = json_array_size(cases);

    assert_int_equal(n, 40);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        uint8_t sk[32], pub_want[65], pub[65];
        tk_address want, got;
        char text[TK_ADDRESS_HEX_MAX];
        const char *cs = tk_test_str(c, "address_checksummed");
        const char *lower = tk_test_str(c, "address");

        tk_test_hex(sk, 32, tk_test_str(c, "privkey"));
        tk_test_hex(pub_want, 65, tk_test_str(c, "pubkey_uncompressed"));
        tk_test_hex(want.bytes, 20, lower);

        assert_int_equal(tk_key_verify(ctx, sk), TK_OK);
        assert_int_equal(tk_key_pubkey(ctx, pub, sk), TK_OK);
        assert_memory_equal(pub, pub_want, 65);
        assert_int_equal(tk_key_address(ctx, &got, sk), TK_OK);
        assert_memory_equal(got.bytes, want.bytes, 20);
        assert_int_equal(tk_pubkey_address(&got, pub_want), TK_OK);
        assert_memory_equal(got.bytes, want.bytes, 20);

        assert_int_equal(tk_address_to_hex(text, sizeof text, &want, 1), TK_OK);
        assert_string_equal(text, cs);
        assert_int_equal(tk_address_to_hex(text, sizeof text, &want, 0), TK_OK);
        assert_string_equal(text, lower);

        /* Both the checksummed and the all-lowercase forms parse. */
        memset(&got, 0xaa, sizeof got);
        assert_int_equal(tk_address_from_hex(&got, cs, strlen(cs)), TK_OK);
        assert_memory_equal(got.bytes, want.bytes, 20);
        memset(&got, 0xaa, sizeof got);
        assert_int_equal(tk_address_from_hex(&got, lower, strlen(lower)), TK_OK);
        assert_memory_equal(got.bytes, want.bytes, 20);
    }
    json_decref(root);
}

static void test_personal_sign(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("personal_sign.json", &cases);
    size_t i, n = json_array_size(cases);

    assert_int_equal(n, 40);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        uint8_t sk[32], r[32], s[32];
        tk_hash msg, d_want, d;
        tk_sig want, sig;
        tk_address addr, got;

        tk_test_hex(sk, 32, tk_test_str(c, "privkey"));
        tk_test_hex(addr.bytes, 20, tk_test_str(c, "address"));
        tk_test_hex(msg.bytes, 32, tk_test_str(c, "message"));
        tk_test_hex(d_want.bytes, 32, tk_test_str(c, "eth_signed_hash"));
        tk_test_hex(want.bytes, 65, tk_test_str(c, "signature"));
        tk_test_hex(r, 32, tk_test_str(c, "r"));
        tk_test_hex(s, 32, tk_test_str(c, "s"));
        assert_memory_equal(want.bytes, r, 32);
        assert_memory_equal(want.bytes + 32, s, 32);
        assert_int_equal(want.bytes[64], tk_test_uint(c, "v"));

        assert_int_equal(tk_eth_signed_hash(&d, &msg), TK_OK);
        assert_memory_equal(d.bytes, d_want.bytes, 32);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &msg), TK_OK);
        assert_memory_equal(sig.bytes, want.bytes, 65);
        assert_int_equal(tk_eth_recover(ctx, &got, &msg, want.bytes, 65), TK_OK);
        assert_memory_equal(got.bytes, addr.bytes, 20);
        assert_int_equal(tk_eth_verify(ctx, &addr, &msg, want.bytes, 65), TK_OK);
    }
    json_decref(root);
}

static const struct {
    const char *reason;
    tk_status status;
} REASONS[] = {
    {"high-s", TK_ERR_SIG_HIGH_S},
    {"v=0", TK_ERR_SIG_BAD_V},
    {"v=1", TK_ERR_SIG_BAD_V},
    {"v=29", TK_ERR_SIG_BAD_V},
    {"r=0", TK_ERR_SIG_BAD_R},
    {"s=0", TK_ERR_SIG_BAD_S},
    {"length-64", TK_ERR_SIG_BAD_LENGTH},
    {"length-66", TK_ERR_SIG_BAD_LENGTH},
    {"wrong-signer", TK_ERR_SIG_WRONG_SIGNER},
    {"wrong-recovery-id", TK_ERR_SIG_WRONG_SIGNER},
    {"r=n", TK_ERR_SIG_BAD_R},
};

static tk_status expected_status(const char *reason)
{
    size_t i;
    for (i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (strcmp(REASONS[i].reason, reason) == 0)
            return REASONS[i].status;
    print_error("unknown reason '%s'\n", reason);
    fail();
    return TK_OK;
}

static void test_bad_signatures(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("bad_signatures.json", &cases);
    size_t i, n = json_array_size(cases), high_s = 0;

    assert_int_equal(n, 110);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        const char *reason = tk_test_str(c, "reason");
        tk_status want = expected_status(reason);
        tk_hash msg;
        tk_address addr, got, other;
        size_t len;
        uint8_t *sig = tk_test_hex_alloc(tk_test_str(c, "signature"), &len);

        assert_int_equal(len, tk_test_uint(c, "signature_length"));
        tk_test_hex(msg.bytes, 32, tk_test_str(c, "message"));
        tk_test_hex(addr.bytes, 20, tk_test_str(c, "address"));
        assert_string_equal(tk_test_str(c, "ticket_broker_verdict"), "reject");

        assert_int_equal(tk_eth_verify(ctx, &addr, &msg, sig, len), want);
        memset(&got, 0xaa, sizeof got);
        if (want == TK_ERR_SIG_WRONG_SIGNER) {
            /* Recovery succeeds, to a different address. */
            tk_test_hex(other.bytes, 20, tk_test_str(c, "recovered_address"));
            assert_int_equal(tk_eth_recover(ctx, &got, &msg, sig, len), TK_OK);
            assert_memory_equal(got.bytes, other.bytes, 20);
            assert_memory_not_equal(got.bytes, addr.bytes, 20);
        } else {
            assert_int_equal(tk_eth_recover(ctx, &got, &msg, sig, len), want);
            assert_true(tk_address_is_zero(&got)); /* zeroed on failure */
        }
        if (want == TK_ERR_SIG_HIGH_S) {
            /* A plain ecrecover accepts the twin and returns the signer:
             * only our s <= n/2 rule rejects it. */
            tk_test_hex(other.bytes, 20,
                        tk_test_str(c, "plain_ecrecover_address"));
            assert_memory_equal(other.bytes, addr.bytes, 20);
            plain_ecrecover(&got, &msg, sig);
            assert_memory_equal(got.bytes, other.bytes, 20);
            high_s++;
        }
        free(sig);
    }
    assert_int_equal(high_s, 10);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak256),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_personal_sign),
        cmocka_unit_test(test_bad_signatures),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

/* SPDX-License-Identifier: MIT */
/* Receipts against tests/vectors/receipts.json: every valid case gives
 * the same array hashes, domain separator, struct hash, digest and (from
 * the recipient's key) signature byte for byte and verifies; every invalid
 * case is rejected with the status of its docs/protocol-notes.md section 1
 * rule. */
#include "test_support.h"

#include "receipt_json.h"

#include "ticket/eip712.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/receipt.h"

#include <stdlib.h>
#include <string.h>

static void test_header(void **state)
{
    json_t *cases, *root = tk_test_load("receipts.json", &cases);
    tk_hash want, got;
    const char *dt;
    (void)state;

    assert_string_equal(tk_test_str(root, "encode_type"),
                        TK_RECEIPT_ENCODE_TYPE);
    tk_test_hex(want.bytes, 32, tk_test_str(root, "type_hash"));
    assert_int_equal(tk_keccak256(&got, TK_RECEIPT_ENCODE_TYPE,
                                  strlen(TK_RECEIPT_ENCODE_TYPE)), TK_OK);
    assert_memory_equal(got.bytes, want.bytes, 32);
    dt = tk_test_str(root, "domain_type");
    tk_test_hex(want.bytes, 32, tk_test_str(root, "domain_type_hash"));
    assert_int_equal(tk_keccak256(&got, dt, strlen(dt)), TK_OK);
    assert_memory_equal(got.bytes, want.bytes, 32);
    json_decref(root);
}

/* The status a strict verifier gives for each strict_reject_rule. */
static tk_status rule_status(const char *rule)
{
    if (strcmp(rule, "length") == 0) return TK_ERR_SIG_BAD_LENGTH;
    if (strcmp(rule, "v") == 0) return TK_ERR_SIG_BAD_V;
    if (strcmp(rule, "r_range") == 0) return TK_ERR_SIG_BAD_R;
    if (strcmp(rule, "high_s") == 0) return TK_ERR_SIG_HIGH_S;
    if (strcmp(rule, "recovery_failed") == 0) return TK_ERR_SIG_RECOVERY_FAILED;
    if (strcmp(rule, "address_mismatch") == 0) return TK_ERR_SIG_WRONG_SIGNER;
    fail_msg("unknown rule %s", rule);
    return TK_OK;
}

static void test_cases(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("receipts.json", &cases);
    size_t n = json_array_size(cases), n_valid = 0, n_invalid = 0;

    assert_int_equal(n, 42);
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        tk_receipt_domain dom;
        receipt_json rj;
        tk_receipt r;
        tk_receipt_hashes h;
        tk_hash want, arr;
        tk_address rec;
        uint8_t sk[32], *sig;
        size_t siglen;
        tk_status st;

        receipt_json_domain(&dom, json_object_get(c, "domain"));
        receipt_json_message(&rj, json_object_get(c, "message"));
        r = rj.r;
        tk_test_hex(sk, 32, tk_test_str(c, "recipient_privkey"));
        /* Hashes: for invalid cases too (they are of the verified message). */
        tk_test_hex(want.bytes, 32, tk_test_str(c, "tickets_hash"));
        assert_int_equal(tk_eip712_hash_array(&arr, r.tickets, r.n_tickets), TK_OK);
        assert_memory_equal(arr.bytes, want.bytes, 32);
        tk_test_hex(want.bytes, 32, tk_test_str(c, "winners_hash"));
        assert_int_equal(tk_eip712_hash_array(&arr, r.winners, r.n_winners), TK_OK);
        assert_memory_equal(arr.bytes, want.bytes, 32);
        assert_int_equal(tk_receipt_hash(&h, &dom, &r), TK_OK);
        tk_test_hex(want.bytes, 32, tk_test_str(c, "domain_separator"));
        assert_memory_equal(h.domain_separator.bytes, want.bytes, 32);
        tk_test_hex(want.bytes, 32, tk_test_str(c, "struct_hash"));
        assert_memory_equal(h.struct_hash.bytes, want.bytes, 32);
        tk_test_hex(want.bytes, 32, tk_test_str(c, "digest"));
        assert_memory_equal(h.digest.bytes, want.bytes, 32);

        sig = tk_test_hex_alloc(tk_test_str(c, "signature"), &siglen);
        st = tk_receipt_verify(ctx, &rec, &dom, &r, sig, siglen);
        if (json_is_true(json_object_get(c, "valid"))) {
            tk_sig mine;
            n_valid++;
            assert_int_equal(st, TK_OK);
            assert_memory_equal(rec.bytes, r.recipient.bytes, 20);
            assert_int_equal(tk_receipt_sign(ctx, &mine, sk, &dom, &r), TK_OK);
            assert_int_equal(siglen, 65);
            assert_memory_equal(mine.bytes, sig, 65);
        } else {
            const char *rule = tk_test_str(c, "strict_reject_rule");
            n_invalid++;
            assert_false(json_is_true(json_object_get(c, "valid")));
            if (st != rule_status(rule))
                fail_msg("case %zu (%s): status %s, want rule %s", i,
                         tk_test_str(c, "label"), tk_status_name(st), rule);
            if (json_object_get(c, "recovered_address") != NULL) {
                tk_address want_rec;
                tk_test_hex(want_rec.bytes, 20,
                            tk_test_str(c, "recovered_address"));
                assert_memory_equal(rec.bytes, want_rec.bytes, 20);
            } else {
                tk_address zero = {{0}};
                assert_memory_equal(rec.bytes, zero.bytes, 20);
            }
            /* The reason as ticketctl names it. */
            {
                const char *reason = tk_test_str(c, "reason");
                if (strcmp(reason, "tampered_message") != 0 &&
                    strcmp(reason, "wrong_domain") != 0)
                    assert_string_equal(tk_status_name(st), reason);
            }
        }
        free(sig);
        receipt_json_free(&rj);
    }
    assert_int_equal(n_valid, 24);
    assert_int_equal(n_invalid, 18);
    json_decref(root);
}

/* tampered_message / wrong_domain: what was signed still verifies, and the
 * signature over it is the vector's (so the change alone breaks it). */
static void test_signed_originals(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("receipts.json", &cases);
    size_t n = json_array_size(cases), seen = 0;

    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        const json_t *sm = json_object_get(c, "signed_message");
        const json_t *sd = json_object_get(c, "signed_domain");
        tk_receipt_domain dom;
        receipt_json rj;
        tk_receipt r;
        tk_receipt_hashes h;
        tk_hash want;
        uint8_t sk[32], sig[65];
        tk_sig mine;

        if (sm == NULL && sd == NULL)
            continue;
        seen++;
        receipt_json_domain(&dom, sd != NULL ? sd : json_object_get(c, "domain"));
        receipt_json_message(&rj, sm != NULL ? sm : json_object_get(c, "message"));
        r = rj.r;
        assert_int_equal(tk_receipt_hash(&h, &dom, &r), TK_OK);
        tk_test_hex(want.bytes, 32, tk_test_str(c, "signed_digest"));
        assert_memory_equal(h.digest.bytes, want.bytes, 32);
        tk_test_hex(sig, 65, tk_test_str(c, "signature"));
        assert_int_equal(tk_receipt_verify(ctx, NULL, &dom, &r, sig, 65), TK_OK);
        tk_test_hex(sk, 32, tk_test_str(c, "recipient_privkey"));
        assert_int_equal(tk_receipt_sign(ctx, &mine, sk, &dom, &r), TK_OK);
        assert_memory_equal(mine.bytes, sig, 65);
        receipt_json_free(&rj);
    }
    assert_int_equal(seen, 8);
    json_decref(root);
}

/* wrong_signer: the other key's signature is reproduced byte for byte by
 * the raw digest signer, and receipt_sign refuses that key. */
static void test_wrong_signer(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("receipts.json", &cases);
    size_t n = json_array_size(cases), seen = 0;

    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        tk_receipt_domain dom;
        receipt_json rj;
        tk_receipt r;
        tk_receipt_hashes h;
        uint8_t sk[32], sig[65];
        tk_sig mine;

        if (json_object_get(c, "signer_privkey") == NULL)
            continue;
        seen++;
        receipt_json_domain(&dom, json_object_get(c, "domain"));
        receipt_json_message(&rj, json_object_get(c, "message"));
        r = rj.r;
        tk_test_hex(sk, 32, tk_test_str(c, "signer_privkey"));
        tk_test_hex(sig, 65, tk_test_str(c, "signature"));
        assert_int_equal(tk_receipt_hash(&h, &dom, &r), TK_OK);
        assert_int_equal(tk_eip712_sign(ctx, &mine, sk, &h.digest), TK_OK);
        assert_memory_equal(mine.bytes, sig, 65);
        assert_int_equal(tk_receipt_sign(ctx, &mine, sk, &dom, &r),
                         TK_ERR_SIG_WRONG_SIGNER);
        receipt_json_free(&rj);
    }
    assert_int_equal(seen, 2);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_signed_originals),
        cmocka_unit_test(test_wrong_signer),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup, tk_test_ctx_teardown);
}

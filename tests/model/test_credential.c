/* SPDX-License-Identifier: MIT */
/* Request credentials (docs/protocol-notes.md section 10) against
 * tests/vectors/segment_credentials.json (every case): flatten, digest,
 * EIP-191 hash and signature byte for byte; invalid cases recover the
 * vector's other address and fail verification. Then the limits, a
 * tampering property and misuse. */
#include "model_test_util.h"

#include "ticket/credential.h"
#include "ticket/keys.h"
#include "ticket/signature.h"

#include <errno.h>

static tk_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    return tk_ctx_create(&ctx) == TK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tk_ctx_destroy(ctx);
    return 0;
}

/* A vector case as a credential; owns the copied strings. */
typedef struct vec_cred {
    tk_credential c;
    uint8_t *mid;
    const char *names[8];
} vec_cred;

static void cred_from_json(vec_cred *v, const json_t *c)
{
    const json_t *profiles = json_object_get(c, "profiles");
    const char *seq = tk_test_str(c, "seq");
    size_t mid_len;
    char *end;

    memset(v, 0, sizeof *v);
    v->mid = tk_test_hex_alloc(tk_test_str(c, "manifest_id_hex"), &mid_len);
    /* The hex is the UTF-8 bytes of manifest_id. */
    assert_int_equal(mid_len, strlen(tk_test_str(c, "manifest_id")));
    assert_memory_equal(v->mid, tk_test_str(c, "manifest_id"), mid_len);
    v->c.manifest_id = v->mid;
    v->c.manifest_id_len = mid_len;
    errno = 0;
    v->c.seq = strtoull(seq, &end, 10);
    assert_true(errno == 0 && *end == '\0');
    tk_test_hex(v->c.segment_hash.bytes, 32, tk_test_str(c, "segment_hash"));
    assert_true(json_is_array(profiles) && json_array_size(profiles) <= 8);
    for (size_t i = 0; i < json_array_size(profiles); i++)
        v->names[i] = json_string_value(json_array_get(profiles, i));
    v->c.profiles = v->names;
    v->c.n_profiles = json_array_size(profiles);
}

static void test_vectors(void **state)
{
    json_t *cases, *root = tk_test_load("segment_credentials.json", &cases);
    size_t n = json_array_size(cases), valid = 0, invalid = 0;
    (void)state;

    assert_int_equal(n, 32);
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        vec_cred v;
        uint8_t flat[TK_CREDENTIAL_FLATTEN_MAX], *want_flat;
        size_t flen = sizeof flat, want_len;
        tk_hash d, want_d, e;
        tk_address addr, got;
        uint8_t sig[65];

        cred_from_json(&v, c);
        assert_int_equal(tk_credential_flatten(flat, &flen, &v.c), TK_OK);
        want_flat = tk_test_hex_alloc(tk_test_str(c, "flatten"), &want_len);
        assert_int_equal(flen, want_len);
        assert_memory_equal(flat, want_flat, flen);
        free(want_flat);
        assert_int_equal(tk_credential_digest(&d, &v.c), TK_OK);
        tk_test_hex(want_d.bytes, 32, tk_test_str(c, "digest"));
        assert_memory_equal(d.bytes, want_d.bytes, 32);
        tk_test_hex(addr.bytes, 20, tk_test_str(c, "address"));
        tk_test_hex(sig, 65, tk_test_str(c, "signature"));
        if (json_is_true(json_object_get(c, "valid"))) {
            uint8_t key[32];
            tk_sig mine;
            tk_test_hex(e.bytes, 32, tk_test_str(c, "eip191_hash"));
            assert_int_equal(tk_eth_signed_hash(&want_d, &d), TK_OK);
            assert_memory_equal(want_d.bytes, e.bytes, 32);
            tk_test_hex(key, 32, tk_test_str(c, "privkey"));
            assert_int_equal(tk_key_address(ctx, &got, key), TK_OK);
            assert_memory_equal(got.bytes, addr.bytes, 20);
            assert_int_equal(tk_credential_sign(ctx, &mine, key, &v.c), TK_OK);
            assert_memory_equal(mine.bytes, sig, 65);
            assert_int_equal(tk_credential_verify(ctx, &addr, &v.c, sig, 65), TK_OK);
            tk_memzero(key, sizeof key);
            valid++;
        } else {
            tk_address other;
            assert_string_equal(tk_test_str(c, "reason"), "wrong_signer");
            tk_test_hex(other.bytes, 20, tk_test_str(c, "recovered_address"));
            assert_int_equal(tk_eth_recover(ctx, &got, &d, sig, 65), TK_OK);
            assert_memory_equal(got.bytes, other.bytes, 20);
            assert_int_equal(tk_credential_verify(ctx, &addr, &v.c, sig, 65),
                             TK_ERR_SIG_WRONG_SIGNER);
            invalid++;
        }
        free(v.mid);
    }
    assert_int_equal(valid, 24);
    assert_int_equal(invalid, 8);
    json_decref(root);
}

/* Every field is covered by the signature: changing any one of them (or
 * the signature's v) makes verification fail. */
static void test_tamper_property(void **state)
{
    unsigned long iters = tk_test_iters(50);
    (void)state;

    tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        uint8_t key[32], mid[16];
        char p0[12] = "P360p30fps", p1[12] = "source";
        const char *names[2] = {p0, p1};
        tk_credential c = {mid, 1 + tk_test_rand64() % 16,
                           tk_test_rand64() >> 1, {{0}}, names, 2};
        tk_credential t;
        tk_address a;
        tk_sig s;

        tk_test_rand_bytes(mid, sizeof mid);
        tk_test_rand_bytes(c.segment_hash.bytes, 32);
        do
            tk_test_rand_bytes(key, 32);
        while (tk_key_address(ctx, &a, key) != TK_OK);
        assert_int_equal(tk_credential_sign(ctx, &s, key, &c), TK_OK);
        assert_int_equal(tk_credential_verify(ctx, &a, &c, s.bytes, 65), TK_OK);
        t = c;
        t.seq ^= 1;
        assert_int_equal(tk_credential_verify(ctx, &a, &t, s.bytes, 65), TK_ERR_SIG_WRONG_SIGNER);
        t = c;
        t.manifest_id_len--;
        assert_int_equal(tk_credential_verify(ctx, &a, &t, s.bytes, 65), TK_ERR_SIG_WRONG_SIGNER);
        t = c;
        t.segment_hash.bytes[tk_test_rand64() % 32] ^= 0x01;
        assert_int_equal(tk_credential_verify(ctx, &a, &t, s.bytes, 65), TK_ERR_SIG_WRONG_SIGNER);
        t = c;
        t.n_profiles = 1;
        assert_int_equal(tk_credential_verify(ctx, &a, &t, s.bytes, 65), TK_ERR_SIG_WRONG_SIGNER);
        p1[0] = 'S';
        assert_int_equal(tk_credential_verify(ctx, &a, &c, s.bytes, 65), TK_ERR_SIG_WRONG_SIGNER);
        p1[0] = 's';
        s.bytes[64] ^= 1; /* v 27 <-> 28: another key recovers */
        assert_int_not_equal(tk_credential_verify(ctx, &a, &c, s.bytes, 65), TK_OK);
        tk_memzero(key, sizeof key);
    }
}

static void test_limits(void **state)
{
    static uint8_t mid[TK_MANIFEST_ID_MAX + 1];
    const char *names[TK_CREDENTIAL_MAX_PROFILES + 1];
    tk_credential c = {mid, TK_MANIFEST_ID_MAX, TK_CREDENTIAL_SEQ_MAX, {{0}}, names,
                       TK_CREDENTIAL_MAX_PROFILES};
    uint8_t flat[TK_CREDENTIAL_FLATTEN_MAX];
    size_t len = sizeof flat;
    tk_hash d;
    (void)state;

    for (size_t i = 0; i <= TK_CREDENTIAL_MAX_PROFILES; i++)
        names[i] = "P720p30fps16x9";
    assert_int_equal(tk_credential_flatten(flat, &len, &c), TK_OK);
    assert_int_equal(len, TK_CREDENTIAL_FLATTEN_MAX);
    len = 10;
    assert_int_equal(tk_credential_flatten(flat, &len, &c), TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, TK_CREDENTIAL_FLATTEN_MAX);
    c.manifest_id_len++;
    assert_int_equal(tk_credential_digest(&d, &c), TK_ERR_INVALID_LENGTH);
    c.manifest_id_len--;
    c.n_profiles++;
    assert_int_equal(tk_credential_digest(&d, &c), TK_ERR_INVALID_LENGTH);
    c.n_profiles--;
    c.seq++; /* 2^63: no go-livepeer seq */
    assert_int_equal(tk_credential_digest(&d, &c), TK_ERR_OUT_OF_RANGE);
    assert_int_equal(tk_credential_verify(ctx, &(tk_address){{0}}, &c, flat, 65),
                     TK_ERR_OUT_OF_RANGE);
}

static void test_misuse(void **state)
{
    const char *names[1] = {NULL};
    tk_credential ok = {NULL, 0, 1, {{0}}, NULL, 0}, bad = ok;
    uint8_t key[32] = {1}, buf[8];
    size_t len = sizeof buf;
    tk_address a = {{0}};
    tk_hash d;
    tk_sig s;
    (void)state;

    assert_illegal(ctx, tk_credential_sign(ctx, &s, key, NULL));
    assert_illegal(ctx, tk_credential_sign(ctx, &s, NULL, &ok));
    assert_illegal(ctx, tk_credential_verify(ctx, NULL, &ok, s.bytes, 65));
    assert_illegal(ctx, tk_credential_verify(ctx, &a, &ok, NULL, 65));
    assert_int_equal(tk_credential_verify(ctx, &a, &ok, NULL, 0), TK_ERR_SIG_BAD_LENGTH);
    assert_int_equal(tk_credential_verify(ctx, &a, &ok, s.bytes, 64), TK_ERR_SIG_BAD_LENGTH);
    bad.manifest_id_len = 3; /* NULL id with a length */
    assert_illegal(ctx, tk_credential_sign(ctx, &s, key, &bad));
    bad = ok;
    bad.n_profiles = 1; /* a NULL name */
    bad.profiles = names;
    assert_illegal(ctx, tk_credential_verify(ctx, &a, &bad, s.bytes, 65));
    assert_int_equal(tk_credential_digest(&d, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_credential_flatten(NULL, &len, &ok), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(tk_credential_flatten(buf, NULL, &ok), TK_ERR_ILLEGAL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_tamper_property),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: MIT */
/* V3 keystores written by ethers (scrypt) and by node crypto + ethers'
 * keccak (pbkdf2), see tests/fixtures/keystore/generate.cjs: each loads to
 * the account the generator recorded and signs exactly as a sender made
 * from the raw key; a wrong passphrase, a tampered file, an unsupported
 * setting and malformed JSON each give their own status. Corruptions are
 * made here, at run time, from the two light fixtures (scrypt N=2^10 and
 * pbkdf2 c=4096) to keep the test fast. */
#include "sender_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *manifest(void)
{
    char path[4096];
    json_error_t err;
    json_t *root;
    snprintf(path, sizeof path, "%s/keystores.json", TK_KEYSTORE_DIR);
    root = json_load_file(path, 0, &err);
    assert_non_null(root);
    return root;
}

/* The fixture file's text (malloc'd, NUL-terminated). */
static char *fixture(const char *file)
{
    char path[4096];
    long n;
    char *buf;
    FILE *fp;
    snprintf(path, sizeof path, "%s/%s", TK_KEYSTORE_DIR, file);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static const json_t *case_named(const json_t *root, const char *file)
{
    const json_t *cases = json_object_get(root, "cases");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);
        if (strcmp(tk_test_str(c, "file"), file) == 0)
            return c;
    }
    fail_msg("no fixture %s", file);
    return NULL;
}

static tk_status load(const char *json, size_t len, const char *pass,
                      tk_sender **out)
{
    return tk_sender_create_from_keystore(FX.ctx, out, &FX.chain, &FX.cfg, json,
                                          len, pass, strlen(pass));
}

static tk_status load_str(const char *json, const char *pass)
{
    tk_sender *s = (tk_sender *)&FX; /* must be reset to NULL on failure */
    tk_status st = load(json, strlen(json), pass, &s);
    if (st != TK_OK)
        assert_null(s);
    tk_sender_destroy(s);
    return st;
}

/* The keystore sender has the recorded address and signs like a sender
 * built from the recorded key. */
static void check_case(const json_t *c)
{
    char *json = fixture(tk_test_str(c, "file"));
    const char *pass = tk_test_str(c, "passphrase");
    tk_sender *ks, *raw;
    tk_address want, got;
    uint8_t key[32];
    tk_ticket t;
    tk_sig a, b;

    tk_test_hex(want.bytes, 20, tk_test_str(c, "address"));
    tk_test_hex(key, 32, tk_test_str(c, "privkey"));
    assert_int_equal(load(json, strlen(json), pass, &ks), TK_OK);
    assert_int_equal(tk_sender_address(ks, &got), TK_OK);
    assert_memory_equal(&got, &want, sizeof got);

    assert_int_equal(tk_sender_create(FX.ctx, &raw, &FX.chain, &FX.cfg, key),
                     TK_OK);
    memset(&t, 0x21, sizeof t);
    t.sender = want;
    t.creation_round = 5;
    t.sender_nonce = 9;
    assert_int_equal(tk_sender_sign_ticket(ks, &a, &t), TK_OK);
    assert_int_equal(tk_sender_sign_ticket(raw, &b, &t), TK_OK);
    assert_memory_equal(&a, &b, sizeof a);
    tk_sender_destroy(raw);
    tk_sender_destroy(ks);
    tk_memzero(key, sizeof key);
    free(json);
}

static void test_fixtures_load(void **state)
{
    json_t *root = manifest();
    const json_t *cases = json_object_get(root, "cases");
    int scrypt = 0, pbkdf2 = 0;
    (void)state;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);
        check_case(c);
        scrypt += strcmp(tk_test_str(c, "kdf"), "scrypt") == 0;
        pbkdf2 += strcmp(tk_test_str(c, "kdf"), "pbkdf2") == 0;
    }
    assert_true(scrypt >= 2 && pbkdf2 >= 2);
    json_decref(root);
}

static void test_wrong_passphrase(void **state)
{
    json_t *root = manifest();
    const char *files[] = {"scrypt_light.json", "pbkdf2.json"};
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        char *json = fixture(files[i]);
        char pass[256];
        const char *right = tk_test_str(case_named(root, files[i]),
                                        "passphrase");
        snprintf(pass, sizeof pass, "%s", right);
        pass[0] ^= 1; /* one bit off */
        assert_int_equal(load_str(json, pass), TK_ERR_KEYSTORE_PASSPHRASE);
        assert_int_equal(load_str(json, ""), TK_ERR_KEYSTORE_PASSPHRASE);
        snprintf(pass, sizeof pass, "%s ", right); /* one byte more */
        assert_int_equal(load_str(json, pass), TK_ERR_KEYSTORE_PASSPHRASE);
        assert_int_equal(load_str(json, right), TK_OK);
        free(json);
    }
    json_decref(root);
}

/* Apply `edit` to a parsed copy of the fixture, load it, expect `want`. */
typedef void (*edit_fn)(json_t *root, json_t *crypto);

static tk_status load_edited(const char *file, const char *pass, edit_fn edit)
{
    char *text = fixture(file), *out;
    json_error_t err;
    json_t *root = json_loads(text, 0, &err), *crypto;
    tk_status st;

    assert_non_null(root);
    crypto = json_object_get(root, "crypto");
    if (crypto == NULL)
        crypto = json_object_get(root, "Crypto");
    assert_non_null(crypto);
    edit(root, crypto);
    out = json_dumps(root, JSON_COMPACT);
    assert_non_null(out);
    st = load_str(out, pass);
    free(out);
    json_decref(root);
    free(text);
    return st;
}

static json_t *kdfparams(json_t *crypto)
{
    return json_object_get(crypto, "kdfparams");
}

/* Replace hex character i of a string field by another hex digit. */
static void flip_hex(json_t *obj, const char *key, size_t i)
{
    char *s = strdup(json_string_value(json_object_get(obj, key)));
    assert_non_null(s);
    s[i] = s[i] == '0' ? '1' : '0';
    json_object_set_new(obj, key, json_string(s));
    free(s);
}

static void e_none(json_t *r, json_t *c)
{
    (void)r;
    (void)c;
}
static void e_mac(json_t *r, json_t *c)
{
    (void)r;
    flip_hex(c, "mac", 5);
}
static void e_ciphertext(json_t *r, json_t *c)
{
    (void)r;
    flip_hex(c, "ciphertext", 63);
}
static void e_iv(json_t *r, json_t *c)
{
    (void)r;
    /* The MAC does not cover the IV: a wrong IV decrypts to another key,
     * which then does not own the file's address. */
    flip_hex(json_object_get(c, "cipherparams"), "iv", 0);
}
static void e_salt(json_t *r, json_t *c)
{
    (void)r;
    flip_hex(kdfparams(c), "salt", 10);
}
static void e_address(json_t *r, json_t *c)
{
    (void)c;
    flip_hex(r, "address", 39);
}
static void e_no_address(json_t *r, json_t *c)
{
    (void)c;
    json_object_del(r, "address");
}
static void e_prefixed(json_t *r, json_t *c)
{
    char buf[200];
    (void)r;
    snprintf(buf, sizeof buf, "0x%s",
             json_string_value(json_object_get(c, "ciphertext")));
    json_object_set_new(c, "ciphertext", json_string(buf));
}
static void e_cipher(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(c, "cipher", json_string("aes-128-cbc"));
}
static void e_kdf(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(c, "kdf", json_string("argon2id"));
}
static void e_prf(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "prf", json_string("hmac-sha512"));
}
static void e_dklen(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "dklen", json_integer(64));
}
static void e_version(json_t *r, json_t *c)
{
    (void)c;
    json_object_set_new(r, "version", json_integer(4));
}
static void e_huge_n(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "n", json_integer(1ll << 30));
}
static void e_huge_c(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "c", json_integer(1ll << 40));
}
static void e_n_not_pow2(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "n", json_integer(1000));
}
static void e_n_string(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "n", json_string("1024"));
}
static void e_r_zero(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "r", json_integer(0));
}
static void e_no_crypto(json_t *r, json_t *c)
{
    (void)c;
    json_object_del(r, "crypto");
    json_object_del(r, "Crypto");
}
static void e_no_version(json_t *r, json_t *c)
{
    (void)c;
    json_object_del(r, "version");
}
static void e_no_mac(json_t *r, json_t *c)
{
    (void)r;
    json_object_del(c, "mac");
}
static void e_short_iv(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(json_object_get(c, "cipherparams"), "iv",
                        json_string("00112233"));
}
static void e_long_ciphertext(json_t *r, json_t *c)
{
    char buf[200];
    (void)r;
    snprintf(buf, sizeof buf, "%s00",
             json_string_value(json_object_get(c, "ciphertext")));
    json_object_set_new(c, "ciphertext", json_string(buf));
}
static void e_bad_hex(json_t *r, json_t *c)
{
    char *s = strdup(json_string_value(json_object_get(c, "mac")));
    (void)r;
    assert_non_null(s);
    s[3] = 'g';
    json_object_set_new(c, "mac", json_string(s));
    free(s);
}
static void e_odd_hex(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(kdfparams(c), "salt", json_string("abc"));
}
static void e_kdfparams_array(json_t *r, json_t *c)
{
    (void)r;
    json_object_set_new(c, "kdfparams", json_array());
}

struct edit_case {
    const char *name;
    edit_fn edit;
    tk_status scrypt, pbkdf2; /* expected for each fixture */
};

static void test_edited(void **state)
{
    static const struct edit_case cases[] = {
        {"unchanged", e_none, TK_OK, TK_OK},
        {"mac", e_mac, TK_ERR_KEYSTORE_PASSPHRASE, TK_ERR_KEYSTORE_PASSPHRASE},
        {"ciphertext", e_ciphertext, TK_ERR_KEYSTORE_PASSPHRASE,
         TK_ERR_KEYSTORE_PASSPHRASE},
        {"salt", e_salt, TK_ERR_KEYSTORE_PASSPHRASE,
         TK_ERR_KEYSTORE_PASSPHRASE},
        {"iv", e_iv, TK_ERR_KEYSTORE_FORMAT, TK_ERR_KEYSTORE_FORMAT},
        {"address", e_address, TK_ERR_KEYSTORE_FORMAT, TK_ERR_KEYSTORE_FORMAT},
        {"no address", e_no_address, TK_OK, TK_OK},
        {"0x prefix", e_prefixed, TK_OK, TK_OK},
        {"cipher", e_cipher, TK_ERR_KEYSTORE_UNSUPPORTED,
         TK_ERR_KEYSTORE_UNSUPPORTED},
        {"kdf", e_kdf, TK_ERR_KEYSTORE_UNSUPPORTED,
         TK_ERR_KEYSTORE_UNSUPPORTED},
        {"dklen", e_dklen, TK_ERR_KEYSTORE_UNSUPPORTED,
         TK_ERR_KEYSTORE_UNSUPPORTED},
        {"version", e_version, TK_ERR_KEYSTORE_UNSUPPORTED,
         TK_ERR_KEYSTORE_UNSUPPORTED},
        {"no crypto", e_no_crypto, TK_ERR_KEYSTORE_FORMAT,
         TK_ERR_KEYSTORE_FORMAT},
        {"no version", e_no_version, TK_ERR_KEYSTORE_FORMAT,
         TK_ERR_KEYSTORE_FORMAT},
        {"no mac", e_no_mac, TK_ERR_KEYSTORE_FORMAT, TK_ERR_KEYSTORE_FORMAT},
        {"short iv", e_short_iv, TK_ERR_KEYSTORE_FORMAT,
         TK_ERR_KEYSTORE_FORMAT},
        {"long ciphertext", e_long_ciphertext, TK_ERR_KEYSTORE_FORMAT,
         TK_ERR_KEYSTORE_FORMAT},
        {"bad hex", e_bad_hex, TK_ERR_KEYSTORE_FORMAT, TK_ERR_KEYSTORE_FORMAT},
        {"odd hex", e_odd_hex, TK_ERR_KEYSTORE_FORMAT, TK_ERR_KEYSTORE_FORMAT},
        {"kdfparams array", e_kdfparams_array, TK_ERR_KEYSTORE_FORMAT,
         TK_ERR_KEYSTORE_FORMAT},
    };
    json_t *root = manifest();
    const char *sp = tk_test_str(case_named(root, "scrypt_light.json"),
                                 "passphrase");
    const char *pp = tk_test_str(case_named(root, "pbkdf2_light.json"),
                                 "passphrase");
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("edit: %s\n", cases[i].name);
        assert_int_equal(load_edited("scrypt_light.json", sp, cases[i].edit),
                         cases[i].scrypt);
        assert_int_equal(load_edited("pbkdf2_light.json", pp, cases[i].edit),
                         cases[i].pbkdf2);
    }
    /* KDF-specific parameters. */
    assert_int_equal(load_edited("scrypt_light.json", sp, e_huge_n),
                     TK_ERR_KEYSTORE_UNSUPPORTED);
    assert_int_equal(load_edited("scrypt_light.json", sp, e_n_not_pow2),
                     TK_ERR_KEYSTORE_FORMAT);
    assert_int_equal(load_edited("scrypt_light.json", sp, e_n_string),
                     TK_ERR_KEYSTORE_FORMAT);
    assert_int_equal(load_edited("scrypt_light.json", sp, e_r_zero),
                     TK_ERR_KEYSTORE_FORMAT);
    assert_int_equal(load_edited("pbkdf2_light.json", pp, e_prf),
                     TK_ERR_KEYSTORE_UNSUPPORTED);
    assert_int_equal(load_edited("pbkdf2_light.json", pp, e_huge_c),
                     TK_ERR_KEYSTORE_UNSUPPORTED);
    json_decref(root);
}

static void test_not_json(void **state)
{
    char *json = fixture("scrypt_light.json");
    size_t n = strlen(json);
    tk_sender *s;
    (void)state;
    assert_int_equal(load_str("", "x"), TK_ERR_KEYSTORE_FORMAT);
    assert_int_equal(load_str("[]", "x"), TK_ERR_KEYSTORE_FORMAT);
    assert_int_equal(load_str("{\"version\":3}", "x"),
                     TK_ERR_KEYSTORE_FORMAT);
    assert_int_equal(load_str("not json", "x"), TK_ERR_KEYSTORE_FORMAT);
    /* Truncated anywhere: never a crash, always FORMAT. */
    for (size_t cut = 0; cut < n - 2; cut += 7) {
        assert_int_equal(load(json, cut, "x", &s), TK_ERR_KEYSTORE_FORMAT);
        assert_null(s);
    }
    /* Duplicate keys are refused (which one would win is ambiguous). */
    {
        char dup[2048];
        snprintf(dup, sizeof dup, "{\"version\":3,%s", json + 1);
        assert_int_equal(load_str(dup, "x"), TK_ERR_KEYSTORE_FORMAT);
    }
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_load),
        cmocka_unit_test(test_wrong_passphrase),
        cmocka_unit_test(test_edited),
        cmocka_unit_test(test_not_json),
    };
    return cmocka_run_group_tests(tests, fx_setup_open, fx_teardown);
}

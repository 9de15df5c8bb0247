/* SPDX-License-Identifier: MIT */
/* Web3 Secret Storage V3 keystores: parse the JSON (jansson), derive the key
 * (scrypt or PBKDF2-HMAC-SHA256, OpenSSL 3), check the MAC
 * keccak(derivedKey[16..32] || ciphertext) in constant time, and only then
 * decrypt the private key with AES-128-CTR (derivedKey[0..16]).
 *
 * Error classes: JSON that is not a keystore is TK_ERR_KEYSTORE_FORMAT; a
 * well-formed keystore we do not run (version, cipher, kdf, prf, dklen or
 * KDF cost) is TK_ERR_KEYSTORE_UNSUPPORTED; a MAC mismatch is
 * TK_ERR_KEYSTORE_PASSPHRASE. */
#include "crypto/keystore.h"

#include "core/memzero.h"
#include "crypto/ct.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/sender.h" /* the KDF limits */
#include "ticket/u256.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>

#define DK_LEN 32
#define IV_LEN 16
#define MAX_SALT_LEN 1024

/* The fields a keystore yields, all public (the ciphertext is encrypted). */
struct keystore {
    uint8_t iv[IV_LEN];
    uint8_t ciphertext[TK_PRIVKEY_LEN];
    uint8_t mac[TK_HASH_LEN];
    uint8_t salt[MAX_SALT_LEN];
    size_t salt_len;
    int is_scrypt;
    uint64_t n, r, p; /* scrypt */
    uint64_t c;       /* pbkdf2 */
    int has_address;
    tk_address address;
};

/* Decode a hex string field (optional "0x") of exactly `len` bytes, or of
 * at most `len` bytes when exact == 0. */
static tk_status hex_field(const json_t *obj, const char *name, uint8_t *out,
                           size_t len, int exact, size_t *outlen)
{
    char buf[2 + 2 * MAX_SALT_LEN + 1];
    const json_t *v = json_object_get(obj, name);
    const char *s;
    size_t n, got = len;

    if (!json_is_string(v))
        return TK_ERR_KEYSTORE_FORMAT;
    s = json_string_value(v);
    n = json_string_length(v);
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n > 2 * len || n > 2 * MAX_SALT_LEN)
        return TK_ERR_KEYSTORE_FORMAT;
    buf[0] = '0';
    buf[1] = 'x';
    memcpy(buf + 2, s, n);
    if (tk_hex_decode(out, &got, buf, n + 2) != TK_OK ||
        (exact && got != len))
        return TK_ERR_KEYSTORE_FORMAT;
    if (outlen != NULL)
        *outlen = got;
    return TK_OK;
}

/* A positive JSON integer field. */
static tk_status uint_field(const json_t *obj, const char *name, uint64_t *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return TK_ERR_KEYSTORE_FORMAT;
    *out = (uint64_t)json_integer_value(v);
    return TK_OK;
}

static int string_is(const json_t *v, const char *want)
{
    return strcmp(json_string_value(v), want) == 0;
}

static tk_status parse_kdf(const json_t *crypto, struct keystore *ks)
{
    const json_t *kdf = json_object_get(crypto, "kdf");
    const json_t *params = json_object_get(crypto, "kdfparams");
    const json_t *prf;
    uint64_t dklen;
    tk_status st;

    if (!json_is_string(kdf) || !json_is_object(params))
        return TK_ERR_KEYSTORE_FORMAT;
    ks->is_scrypt = string_is(kdf, "scrypt");
    if (!ks->is_scrypt && !string_is(kdf, "pbkdf2"))
        return TK_ERR_KEYSTORE_UNSUPPORTED;
    if ((st = uint_field(params, "dklen", &dklen)) != TK_OK)
        return st;
    st = hex_field(params, "salt", ks->salt, MAX_SALT_LEN, 0, &ks->salt_len);
    if (st != TK_OK)
        return st;
    if (ks->is_scrypt) {
        if ((st = uint_field(params, "n", &ks->n)) != TK_OK ||
            (st = uint_field(params, "r", &ks->r)) != TK_OK ||
            (st = uint_field(params, "p", &ks->p)) != TK_OK)
            return st;
        if (ks->n < 2 || (ks->n & (ks->n - 1)) != 0)
            return TK_ERR_KEYSTORE_FORMAT; /* scrypt needs a power of two */
    } else {
        if ((st = uint_field(params, "c", &ks->c)) != TK_OK)
            return st;
        prf = json_object_get(params, "prf");
        if (!json_is_string(prf))
            return TK_ERR_KEYSTORE_FORMAT;
        if (!string_is(prf, "hmac-sha256"))
            return TK_ERR_KEYSTORE_UNSUPPORTED;
    }
    return dklen == DK_LEN ? TK_OK : TK_ERR_KEYSTORE_UNSUPPORTED;
}

static tk_status parse(const json_t *root, struct keystore *ks)
{
    const json_t *version = json_object_get(root, "version");
    const json_t *crypto, *cipher, *cparams, *address;
    tk_status st;

    if (!json_is_object(root) || !json_is_integer(version))
        return TK_ERR_KEYSTORE_FORMAT;
    if (json_integer_value(version) != 3)
        return TK_ERR_KEYSTORE_UNSUPPORTED;
    /* geth reads the key case-insensitively; ethers writes "Crypto". */
    crypto = json_object_get(root, "crypto");
    if (crypto == NULL)
        crypto = json_object_get(root, "Crypto");
    if (!json_is_object(crypto))
        return TK_ERR_KEYSTORE_FORMAT;

    cipher = json_object_get(crypto, "cipher");
    cparams = json_object_get(crypto, "cipherparams");
    if (!json_is_string(cipher) || !json_is_object(cparams))
        return TK_ERR_KEYSTORE_FORMAT;
    if (!string_is(cipher, "aes-128-ctr"))
        return TK_ERR_KEYSTORE_UNSUPPORTED;
    if ((st = hex_field(cparams, "iv", ks->iv, IV_LEN, 1, NULL)) != TK_OK ||
        (st = hex_field(crypto, "ciphertext", ks->ciphertext,
                        TK_PRIVKEY_LEN, 1, NULL)) != TK_OK ||
        (st = hex_field(crypto, "mac", ks->mac, TK_HASH_LEN, 1, NULL)) !=
            TK_OK)
        return st;
    if ((st = parse_kdf(crypto, ks)) != TK_OK)
        return st;

    address = json_object_get(root, "address");
    if (address != NULL) {
        st = hex_field(root, "address", ks->address.bytes, TK_ADDRESS_LEN, 1,
                       NULL);
        if (st != TK_OK)
            return st;
        ks->has_address = 1;
    }
    return TK_OK;
}

/* Run the KDF into dk (DK_LEN bytes). */
static tk_status derive(uint8_t dk[DK_LEN], const struct keystore *ks,
                        const char *pass, size_t pass_len)
{
    uint64_t per, mem;

    if (pass == NULL)
        pass = "";
    if (ks->is_scrypt) {
        /* OpenSSL needs 128 * r * (n + p + 2) bytes; bound it first so a
         * hostile file cannot make us allocate gigabytes. */
        if (ks->r > TK_KEYSTORE_SCRYPT_MAX_MEM / 128)
            return TK_ERR_KEYSTORE_UNSUPPORTED;
        per = 128 * ks->r;
        if (ks->n > TK_KEYSTORE_SCRYPT_MAX_MEM / per ||
            ks->p > TK_KEYSTORE_SCRYPT_MAX_MEM / per ||
            ks->n + ks->p > TK_KEYSTORE_SCRYPT_MAX_MEM / per)
            return TK_ERR_KEYSTORE_UNSUPPORTED;
        mem = per * (ks->n + ks->p + 2);
        if (EVP_PBE_scrypt(pass, pass_len, ks->salt, ks->salt_len, ks->n,
                           ks->r, ks->p, mem, dk, DK_LEN) != 1)
            return TK_ERR_CRYPTO_BACKEND;
        return TK_OK;
    }
    if (ks->c > TK_KEYSTORE_PBKDF2_MAX_ITER || pass_len > INT_MAX)
        return TK_ERR_KEYSTORE_UNSUPPORTED;
    if (PKCS5_PBKDF2_HMAC(pass, (int)pass_len, ks->salt, (int)ks->salt_len,
                          (int)ks->c, EVP_sha256(), DK_LEN, dk) != 1)
        return TK_ERR_CRYPTO_BACKEND;
    return TK_OK;
}

static tk_status check_mac(const uint8_t dk[DK_LEN], const struct keystore *ks)
{
    tk_keccak256_state st;
    tk_hash mac;
    int ok;

    tk_keccak256_init(&st);
    tk_keccak256_update(&st, dk + 16, 16);
    tk_keccak256_update(&st, ks->ciphertext, sizeof ks->ciphertext);
    tk_keccak256_final(&st, &mac); /* wipes the state */
    ok = tk__memeq_ct(mac.bytes, ks->mac, sizeof mac.bytes);
    tk__memzero(&mac, sizeof mac);
    return ok ? TK_OK : TK_ERR_KEYSTORE_PASSPHRASE;
}

static tk_status decrypt(uint8_t key32[32], const uint8_t dk[DK_LEN],
                         const struct keystore *ks)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0, ok;

    if (c == NULL)
        return TK_ERR_NOMEM;
    ok = EVP_DecryptInit_ex(c, EVP_aes_128_ctr(), NULL, dk, ks->iv) == 1 &&
         EVP_DecryptUpdate(c, key32, &n1, ks->ciphertext,
                           (int)sizeof ks->ciphertext) == 1 &&
         EVP_DecryptFinal_ex(c, key32 + n1, &n2) == 1 &&
         n1 + n2 == TK_PRIVKEY_LEN;
    EVP_CIPHER_CTX_free(c); /* cleanses the key schedule */
    return ok ? TK_OK : TK_ERR_CRYPTO_BACKEND;
}

tk_status tk__keystore_decrypt(uint8_t key32[32], tk_address *address,
                               int *has_address, const char *json,
                               size_t json_len, const char *pass,
                               size_t pass_len)
{
    struct keystore ks;
    uint8_t dk[DK_LEN];
    json_error_t err;
    json_t *root;
    tk_status st;

    memset(key32, 0, TK_PRIVKEY_LEN);
    memset(address, 0, sizeof *address);
    *has_address = 0;
    memset(&ks, 0, sizeof ks);
    root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL)
        return TK_ERR_KEYSTORE_FORMAT;
    st = parse(root, &ks);
    json_decref(root);
    if (st != TK_OK)
        return st;

    st = derive(dk, &ks, pass, pass_len);
    if (st == TK_OK)
        st = check_mac(dk, &ks);
    if (st == TK_OK)
        st = decrypt(key32, dk, &ks);
    tk__memzero(dk, sizeof dk);
    if (st != TK_OK) {
        tk__memzero(key32, TK_PRIVKEY_LEN);
        return st;
    }
    *has_address = ks.has_address;
    *address = ks.address;
    return TK_OK;
}

tk_status tk__keystore_load(const tk_ctx *ctx, uint8_t key32[32],
                            const char *json, size_t json_len,
                            const char *pass, size_t pass_len)
{
    tk_address claimed, actual;
    int has_claimed = 0;
    tk_status st;

    st = tk__keystore_decrypt(key32, &claimed, &has_claimed, json, json_len,
                              pass, pass_len);
    if (st == TK_OK)
        st = tk_key_verify(ctx, key32);
    if (st == TK_OK && has_claimed) {
        st = tk_key_address(ctx, &actual, key32);
        /* The MAC matched, so this is not a wrong passphrase: the file
         * names an address its key does not own. */
        if (st == TK_OK && memcmp(&actual, &claimed, sizeof actual) != 0)
            st = TK_ERR_KEYSTORE_FORMAT;
    }
    if (st != TK_OK)
        tk__memzero(key32, TK_PRIVKEY_LEN);
    return st;
}

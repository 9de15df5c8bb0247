/* SPDX-License-Identifier: MIT */
#include "hmac.h"

#include "core/memzero.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define SHA256_BLOCK 64

tk_status tk__hmac_sha256(uint8_t out32[32], const uint8_t *key, size_t keylen,
                          const uint8_t *msg, size_t msglen)
{
    static const uint8_t empty[1] = {0};
    unsigned int outlen = 0;

    /* OpenSSL wants non-NULL buffers even for empty input. */
    if (keylen > INT_MAX ||
        HMAC(EVP_sha256(), keylen > 0 ? key : empty, (int)keylen,
             msglen > 0 ? msg : empty, msglen, out32, &outlen) == NULL ||
        outlen != 32) {
        memset(out32, 0, 32);
        return TK_ERR_CRYPTO_BACKEND;
    }
    return TK_OK;
}

struct tk__hmac_key {
    EVP_MD *md;         /* SHA-256, fetched once */
    EVP_MD_CTX *inner;  /* state after key^ipad: read-only after create */
    EVP_MD_CTX *outer;  /* state after key^opad: read-only after create */
};

/* One of the two precomputed states: SHA-256 after absorbing block. */
static int absorb(EVP_MD_CTX *c, const EVP_MD *md, const uint8_t block[SHA256_BLOCK])
{
    return EVP_DigestInit_ex2(c, md, NULL) == 1 &&
           EVP_DigestUpdate(c, block, SHA256_BLOCK) == 1;
}

tk_status tk__hmac_key_create(tk__hmac_key **out, const uint8_t *key, size_t keylen)
{
    uint8_t block[SHA256_BLOCK] = {0};
    unsigned int n = 0;
    tk__hmac_key *k;
    tk_status st = TK_ERR_CRYPTO_BACKEND;
    size_t i;

    *out = NULL;
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return TK_ERR_NOMEM;
    k->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    k->inner = EVP_MD_CTX_new();
    k->outer = EVP_MD_CTX_new();
    if (k->md == NULL || k->inner == NULL || k->outer == NULL)
        goto done;
    /* RFC 2104: a key longer than a block is hashed first. */
    if (keylen > SHA256_BLOCK) {
        if (EVP_Digest(key, keylen, block, &n, k->md, NULL) != 1 || n != 32)
            goto done;
    } else if (keylen > 0) {
        memcpy(block, key, keylen);
    }
    for (i = 0; i < SHA256_BLOCK; i++)
        block[i] ^= 0x36;
    if (!absorb(k->inner, k->md, block))
        goto done;
    for (i = 0; i < SHA256_BLOCK; i++)
        block[i] ^= 0x36 ^ 0x5c;
    if (!absorb(k->outer, k->md, block))
        goto done;
    st = TK_OK;
done:
    tk__memzero(block, sizeof block);
    if (st != TK_OK) {
        tk__hmac_key_destroy(k);
        return st;
    }
    *out = k;
    return TK_OK;
}

tk_status tk__hmac_key_mac(const tk__hmac_key *k, uint8_t out32[32], const uint8_t *msg,
                           size_t msglen)
{
    /* A per-call context: the precomputed ones are only read (copied). */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t ihash[32];
    unsigned int n1 = 0, n2 = 0;
    int ok;

    ok = c != NULL && EVP_MD_CTX_copy_ex(c, k->inner) == 1 &&
         (msglen == 0 || EVP_DigestUpdate(c, msg, msglen) == 1) &&
         EVP_DigestFinal_ex(c, ihash, &n1) == 1 && n1 == 32 &&
         EVP_MD_CTX_copy_ex(c, k->outer) == 1 &&
         EVP_DigestUpdate(c, ihash, sizeof ihash) == 1 &&
         EVP_DigestFinal_ex(c, out32, &n2) == 1 && n2 == 32;
    tk__memzero(ihash, sizeof ihash);
    EVP_MD_CTX_free(c); /* cleanses the state */
    if (!ok) {
        memset(out32, 0, 32);
        return TK_ERR_CRYPTO_BACKEND;
    }
    return TK_OK;
}

void tk__hmac_key_destroy(tk__hmac_key *k)
{
    if (k == NULL)
        return;
    EVP_MD_CTX_free(k->inner);
    EVP_MD_CTX_free(k->outer);
    EVP_MD_free(k->md);
    free(k);
}

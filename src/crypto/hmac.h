/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_HMAC_H
#define TK_CRYPTO_HMAC_H

#include "ticket/common.h"

/* HMAC-SHA256(key, msg) into out32, through OpenSSL 3's HMAC(). OpenSSL
 * cleanses its own key schedule and states; this wrapper keeps no copy.
 * Each call fetches SHA-256 and builds fresh contexts (several OpenSSL
 * global lock round trips): for many messages under one key use
 * tk__hmac_key below.
 * Returns TK_OK or TK_ERR_CRYPTO_BACKEND (out32 zeroed). */
tk_status tk__hmac_sha256(uint8_t out32[32], const uint8_t *key, size_t keylen,
                          const uint8_t *msg, size_t msglen);

/* A keyed HMAC-SHA256: SHA-256 fetched once and the two states after
 * absorbing key^ipad and key^opad precomputed, so each message costs only
 * its own hashing (RFC 2104, the same output as tk__hmac_sha256).
 *
 * Thread safety: after create the object is read-only. tk__hmac_key_mac
 * copies the precomputed states into a context of its own per call
 * (EVP_MD_CTX_copy_ex only reads its source: a digest refcount bump,
 * which is atomic, and a duplicate of the SHA-256 state), so any number of
 * threads may call it at once on one key. create/destroy are not
 * concurrent with anything on the same object.
 * Secrets: the key is not kept; the precomputed states (key-equivalent)
 * live in OpenSSL contexts, cleansed when freed by destroy. */
typedef struct tk__hmac_key tk__hmac_key;

/* Returns TK_OK, TK_ERR_NOMEM or TK_ERR_CRYPTO_BACKEND (*out NULL). */
tk_status tk__hmac_key_create(tk__hmac_key **out, const uint8_t *key, size_t keylen);

/* HMAC-SHA256(key, msg) into out32. msg may be NULL when msglen is 0.
 * Returns TK_OK, or TK_ERR_CRYPTO_BACKEND (out32 zeroed). */
tk_status tk__hmac_key_mac(const tk__hmac_key *k, uint8_t out32[32], const uint8_t *msg,
                           size_t msglen);

/* Frees and wipes; NULL is a no-op. */
void tk__hmac_key_destroy(tk__hmac_key *k);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_HMAC_H
#define TK_CRYPTO_HMAC_H

#include "ticket/common.h"

/* HMAC-SHA256(key, msg) into out32, through OpenSSL 3's HMAC(). OpenSSL
 * cleanses its own key schedule and states; this wrapper keeps no copy.
 * Returns TK_OK or TK_ERR_CRYPTO_BACKEND (out32 zeroed). */
tk_status tk__hmac_sha256(uint8_t out32[32], const uint8_t *key, size_t keylen,
                          const uint8_t *msg, size_t msglen);

#endif

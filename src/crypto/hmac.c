/* SPDX-License-Identifier: MIT */
#include "hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <limits.h>
#include <string.h>

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

/* SPDX-License-Identifier: MIT */
#include "random.h"

#include <openssl/rand.h>

tk_status tk__random_bytes(uint8_t *buf, size_t len)
{
    /* RAND_priv_bytes: OpenSSL's DRBG for secret values, seeded from the OS.
     * It takes an int, so feed it in chunks. */
    while (len > 0) {
        int n = len > 4096 ? 4096 : (int)len;
        if (RAND_priv_bytes(buf, n) != 1)
            return TK_ERR_RNG;
        buf += n;
        len -= (size_t)n;
    }
    return TK_OK;
}

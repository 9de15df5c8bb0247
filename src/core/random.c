/* SPDX-License-Identifier: MIT */
#include "random.h"

#include <openssl/rand.h>
#include <string.h>

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

void tk__memzero(void *p, size_t len)
{
    if (p == NULL || len == 0)
        return;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 25))
    explicit_bzero(p, len);
#else
    /* Volatile function pointer: the call cannot be proven dead. */
    static void *(*const volatile memset_v)(void *, int, size_t) = memset;
    memset_v(p, 0, len);
#endif
}

void tk_memzero(void *p, size_t len)
{
    tk__memzero(p, len);
}

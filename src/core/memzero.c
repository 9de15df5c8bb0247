/* SPDX-License-Identifier: MIT */
#include "memzero.h"

#include "ticket/common.h"

#include <string.h>

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

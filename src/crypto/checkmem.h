/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_CHECKMEM_H
#define TK_CRYPTO_CHECKMEM_H

/* Hooks for the valgrind constant-time test (tests/ctime). That test marks
 * the private key and the recipient secret *undefined*; memcheck then
 * reports every branch and memory index that depends on them. Two hooks
 * keep its verdict meaningful:
 *
 *   TK_DECLASSIFY(p, n)  the n bytes at p are public from here on: a value
 *                        the protocol reveals anyway (a win decision, the
 *                        validity of a key). Every use says why.
 *   tk__secret_expose() / tk__secret_restore()
 *                        mark a secret defined just around a libsecp256k1
 *                        call, then put back the marking it had (valgrind's
 *                        "V bits"). libsecp256k1 branches on values it has
 *                        itself declassified (a valid nonce, the public
 *                        key), which a build without its own valgrind
 *                        hooks, like Debian's, cannot show as public;
 *                        upstream's ctime test covers those calls.
 *
 * With <valgrind/memcheck.h> these are valgrind client requests: a few
 * instructions that do nothing unless the process runs under valgrind.
 * Without the header they compile to nothing. */

#include <stddef.h>
#include <stdint.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#define TK_CHECKMEM_ENABLED 1
#endif
#endif

/* The longest secret that can be exposed (keys and secrets are 32 bytes). */
#define TK_CHECKMEM_MAX 32

typedef struct tk__exposed {
    const void *p;
    size_t n;
    int saved;
    uint8_t vbits[TK_CHECKMEM_MAX];
} tk__exposed;

#if defined(TK_CHECKMEM_ENABLED)
#include <valgrind/memcheck.h>

#define TK_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))

static inline void tk__secret_expose(tk__exposed *e, const void *p, size_t n)
{
    e->p = p;
    e->n = n;
    e->saved = 0;
    if (n <= TK_CHECKMEM_MAX && RUNNING_ON_VALGRIND)
        e->saved = VALGRIND_GET_VBITS(p, e->vbits, n) == 1;
    (void)VALGRIND_MAKE_MEM_DEFINED(p, n);
}

static inline void tk__secret_restore(const tk__exposed *e)
{
    if (e->saved)
        (void)VALGRIND_SET_VBITS(e->p, e->vbits, e->n);
}
#else
#define TK_DECLASSIFY(p, n) ((void)(p), (void)(n))

static inline void tk__secret_expose(tk__exposed *e, const void *p, size_t n)
{
    e->p = p;
    e->n = n;
    e->saved = 0;
}

static inline void tk__secret_restore(const tk__exposed *e)
{
    (void)e;
}
#endif

#endif /* TK_CRYPTO_CHECKMEM_H */

/* SPDX-License-Identifier: MIT */
#ifndef TK_FUZZ_H
#define TK_FUZZ_H

/* Shared by every fuzz target. A target defines LLVMFuzzerTestOneInput and
 * is linked either with libFuzzer (clang -fsanitize=fuzzer, TICKET_BUILD_FUZZ)
 * or with replay_main.c, which feeds it the files of its corpus under CTest
 * with any compiler.
 *
 * A target checks more than "no crash": where the library promises
 * something (outputs zeroed on failure, decode(encode(x)) == x, ...) it
 * checks it with FUZZ_CHECK, which aborts so that libFuzzer and the replay
 * driver both report it. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ticket/context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__,    \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* One context for the whole run (creating one per input would dominate
 * the time). It is never destroyed: it stays reachable, not leaked. */
static inline tk_ctx *fuzz_ctx(void)
{
    static tk_ctx *ctx;
    if (ctx == NULL && tk_ctx_create(&ctx) != TK_OK)
        abort();
    return ctx;
}

/* 1 if the n bytes at p are all zero. */
static inline int fuzz_all_zero(const void *p, size_t n)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* A cursor over the fuzz input, for targets that carve several values out
 * of one input. Reads past the end give zeros. */
typedef struct fuzz_input {
    const uint8_t *p;
    size_t left;
} fuzz_input;

static inline uint8_t fuzz_byte(fuzz_input *in)
{
    uint8_t b = 0;
    if (in->left > 0) {
        b = *in->p++;
        in->left--;
    }
    return b;
}

static inline void fuzz_bytes(fuzz_input *in, void *out, size_t n)
{
    uint8_t *o = (uint8_t *)out;
    size_t i;
    for (i = 0; i < n; i++)
        o[i] = fuzz_byte(in);
}

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_CORE_INTERNAL_H
#define TK_CORE_INTERNAL_H

/* Internal to libticket: the context layout and argument checking. */

#include "ticket/common.h"
#include "ticket/context.h"

#include <secp256k1.h>

struct tk_ctx {
    secp256k1_context *secp; /* randomized at creation, then read-only */
    tk_illegal_fn illegal_fn;
    void *illegal_data;
};

/* Report a caller bug to the context's callback (ctx may be NULL). */
void tk__illegal(const tk_ctx *ctx, const char *func, const char *cond);

/* Public entry points validate their arguments with this. The message names
 * the failed condition; it never contains data. */
#define TK_ARG_CHECK(ctx, cond)                                            \
    do {                                                                   \
        if (!(cond)) {                                                     \
            tk__illegal((ctx), __func__, #cond);                       \
            return TK_ERR_ILLEGAL_ARG;                                     \
        }                                                                  \
    } while (0)

/* For functions without a context: no callback can be reached. */
#define TK_ARG_CHECK_NOCTX(cond) TK_ARG_CHECK(NULL, cond)

#endif /* TK_CORE_INTERNAL_H */

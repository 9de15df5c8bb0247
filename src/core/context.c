/* SPDX-License-Identifier: MIT */
#include "internal.h"
#include "memzero.h"
#include "random.h"

#include <stdio.h>
#include <stdlib.h>

void tk__illegal(const tk_ctx *ctx, const char *func, const char *cond)
{
    char msg[160];
    if (ctx == NULL || ctx->illegal_fn == NULL)
        return;
    snprintf(msg, sizeof msg, "%s: illegal argument (%s)", func, cond);
    ctx->illegal_fn(msg, ctx->illegal_data);
}

tk_status tk_ctx_create(tk_ctx **out)
{
    uint8_t seed[32];
    tk_status st;
    tk_ctx *ctx;

    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = NULL;
    ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return TK_ERR_NOMEM;
    ctx->secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (ctx->secp == NULL) {
        free(ctx);
        return TK_ERR_NOMEM;
    }
    st = tk__random_bytes(seed, sizeof seed);
    if (st == TK_OK && !secp256k1_context_randomize(ctx->secp, seed))
        st = TK_ERR_CRYPTO_BACKEND;
    tk__memzero(seed, sizeof seed);
    if (st != TK_OK) {
        secp256k1_context_destroy(ctx->secp);
        free(ctx);
        return st;
    }
    *out = ctx;
    return TK_OK;
}

void tk_ctx_destroy(tk_ctx *ctx)
{
    if (ctx == NULL)
        return;
    secp256k1_context_destroy(ctx->secp);
    free(ctx);
}

tk_status tk_ctx_set_illegal_callback(tk_ctx *ctx, tk_illegal_fn fn, void *data)
{
    TK_ARG_CHECK_NOCTX(ctx != NULL);
    ctx->illegal_fn = fn;
    ctx->illegal_data = data;
    return TK_OK;
}

const char *tk_version(void)
{
    return TK_VERSION_STRING;
}

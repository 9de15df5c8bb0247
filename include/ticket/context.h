/* SPDX-License-Identifier: MIT */
#ifndef TICKET_CONTEXT_H
#define TICKET_CONTEXT_H

/** The library context: one randomized libsecp256k1 context plus the
 *  caller's illegal-argument callback.
 *
 *  Thread safety: after tk_ctx_create() and (optionally) setting the
 *  callback, a context is read-only and may be shared by any number of
 *  threads. Set the callback before sharing it. It must outlive every
 *  object created from it.
 */

#include "ticket/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tk_ctx tk_ctx;

/** Called when a public function receives an illegal argument (a caller
 *  bug), with a static description and the user data given at setup. It
 *  must not call back into the library with the same context. */
typedef void (*tk_illegal_fn)(const char *message, void *data);

/** Create a context whose libsecp256k1 context is randomized (blinding)
 *  from the OS CSPRNG; the seed is wiped.
 *
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (out NULL); TK_ERR_NOMEM;
 *           TK_ERR_RNG (no OS randomness); TK_ERR_CRYPTO_BACKEND.
 *  Out:     out: the new context, or NULL on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_ctx_create(tk_ctx **out)
    TK_ARG_NONNULL(1);

/** Destroy a context. NULL is a no-op. */
TK_API void tk_ctx_destroy(tk_ctx *ctx);

/** Install (or with fn == NULL, remove) the illegal-argument callback.
 *  Not thread-safe: call before the context is shared. */
TK_API tk_status tk_ctx_set_illegal_callback(tk_ctx *ctx, tk_illegal_fn fn,
                                             void *data);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_CONTEXT_H */

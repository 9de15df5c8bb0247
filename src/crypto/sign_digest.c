/* SPDX-License-Identifier: MIT */
#include "crypto/sign_digest.h"

#include "core/internal.h"
#include "crypto/checkmem.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

tk_status tk__sign_digest(const tk_ctx *ctx, uint8_t rs64[64], int *recid,
                          const uint8_t seckey32[32], const tk_hash *digest)
{
    secp256k1_ecdsa_recoverable_signature rsig;
    tk__exposed key;
    int ok, id = 0;

    memset(rs64, 0, 64);
    *recid = 0;
    /* Constant-time test: libsecp256k1 checks its own calls (checkmem.h). */
    tk__secret_expose(&key, seckey32, 32);
    ok = secp256k1_ecdsa_sign_recoverable(ctx->secp, &rsig, digest->bytes,
                                          seckey32, NULL, NULL);
    tk__secret_restore(&key);
    if (!ok)
        return TK_ERR_INVALID_PRIVKEY;
    if (!secp256k1_ecdsa_recoverable_signature_serialize_compact(
            secp256k1_context_static, rs64, &id, &rsig) ||
        id < 0 || id > 1) {
        /* recid 2 or 3 needs r >= n - p: never for a signature of ours. */
        memset(rs64, 0, 64);
        return TK_ERR_CRYPTO_BACKEND;
    }
    *recid = id;
    return TK_OK;
}

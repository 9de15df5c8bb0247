/* SPDX-License-Identifier: MIT */
/* EIP-191 personal-sign signatures (docs/protocol-notes.md section 1). */
#include "core/internal.h"
#include "crypto/checkmem.h"
#include "crypto/recover.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

const uint8_t tk__secp256k1_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
    0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
const uint8_t tk__secp256k1_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};
static const uint8_t ZERO32[32];

/* "\x19Ethereum Signed Message:\n32": 28 bytes, no NUL. */
static const char EIP191_PREFIX[] = "\x19" "Ethereum Signed Message:\n32";
#define EIP191_PREFIX_LEN (sizeof EIP191_PREFIX - 1)

static void eth_signed_hash(tk_hash *out, const tk_hash *msg)
{
    uint8_t buf[EIP191_PREFIX_LEN + TK_HASH_LEN];

    memcpy(buf, EIP191_PREFIX, EIP191_PREFIX_LEN);
    memcpy(buf + EIP191_PREFIX_LEN, msg->bytes, TK_HASH_LEN);
    (void)tk_keccak256(out, buf, sizeof buf);
}

tk_status tk_eth_signed_hash(tk_hash *out, const tk_hash *msg)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(msg != NULL);
    eth_signed_hash(out, msg);
    return TK_OK;
}

/* ECDSA over an already-hashed 32-byte digest d (EIP-191 or EIP-712). */
tk_status tk__ecdsa_sign_digest(const tk_ctx *ctx, tk_sig *sig,
                                const uint8_t seckey32[32], const tk_hash *d)
{
    secp256k1_ecdsa_recoverable_signature rsig;
    tk__exposed key;
    int recid = 0, ok;
    tk_status st = TK_OK;

    /* noncefp NULL: RFC 6979 inside libsecp256k1, which also normalizes s
     * to the lower half. A key outside [1, n-1] makes the call fail. */
    /* Constant-time test: libsecp256k1 checks its own calls (checkmem.h). */
    tk__secret_expose(&key, seckey32, 32);
    ok = secp256k1_ecdsa_sign_recoverable(ctx->secp, &rsig, d->bytes, seckey32,
                                          NULL, NULL);
    tk__secret_restore(&key);
    if (!ok) {
        st = TK_ERR_INVALID_PRIVKEY;
    } else if (!secp256k1_ecdsa_recoverable_signature_serialize_compact(
                   secp256k1_context_static, sig->bytes, &recid, &rsig) ||
               recid < 0 || recid > 1) {
        /* recid 2 or 3 (r >= n - p) cannot be expressed with v in {27, 28};
         * libsecp256k1 never returns it for a signature it made itself. */
        st = TK_ERR_CRYPTO_BACKEND;
    } else {
        sig->bytes[64] = (uint8_t)(27 + recid);
    }
    if (st != TK_OK)
        memset(sig, 0, sizeof *sig);
    /* The signature object is public; nothing secret is left in locals
     * (libsecp256k1 clears its own nonce and key copies). */
    return st;
}

tk_status tk_eth_sign(const tk_ctx *ctx, tk_sig *sig,
                      const uint8_t seckey32[32], const tk_hash *msg)
{
    tk_hash d;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    TK_ARG_CHECK(ctx, msg != NULL);
    eth_signed_hash(&d, msg);
    return tk__ecdsa_sign_digest(ctx, sig, seckey32, &d);
}

/* The acceptance rules of docs/protocol-notes.md section 1, in order; on
 * success *rsig holds the parsed signature. Public data: variable time is
 * fine. */
static tk_status check_sig(secp256k1_ecdsa_recoverable_signature *rsig,
                           const uint8_t *sig, size_t siglen)
{
    const uint8_t *r, *s;

    /* Length first: sig may be NULL when siglen is 0. */
    if (siglen != TK_SIG_LEN)
        return TK_ERR_SIG_BAD_LENGTH;
    r = sig;
    s = sig + 32;
    if (sig[64] != 27 && sig[64] != 28)
        return TK_ERR_SIG_BAD_V;
    if (memcmp(r, ZERO32, 32) == 0 || memcmp(r, tk__secp256k1_order, 32) >= 0)
        return TK_ERR_SIG_BAD_R;
    if (memcmp(s, ZERO32, 32) == 0)
        return TK_ERR_SIG_BAD_S;
    /* Also covers s >= n. */
    if (memcmp(s, tk__secp256k1_half_order, 32) > 0)
        return TK_ERR_SIG_HIGH_S;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(
            secp256k1_context_static, rsig, sig, sig[64] - 27))
        return TK_ERR_SIG_RECOVERY_FAILED;
    return TK_OK;
}

tk_status tk__eth_recover_pubkey(uint8_t pub65[65], const tk_hash *msg,
                                 const uint8_t *sig, size_t siglen)
{
    tk_hash d;

    eth_signed_hash(&d, msg);
    return tk__ecdsa_recover_digest(pub65, &d, sig, siglen);
}

tk_status tk__ecdsa_recover_digest(uint8_t pub65[65], const tk_hash *d,
                                   const uint8_t *sig, size_t siglen)
{
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pk;
    size_t publen = 65;
    tk_status st;

    memset(pub65, 0, 65);
    st = check_sig(&rsig, sig, siglen);
    if (st != TK_OK)
        return st;
    /* Recovery handles only public data: the static context suffices. */
    if (!secp256k1_ecdsa_recover(secp256k1_context_static, &pk, &rsig, d->bytes))
        return TK_ERR_SIG_RECOVERY_FAILED;
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub65, &publen,
                                       &pk, SECP256K1_EC_UNCOMPRESSED) ||
        publen != 65) {
        memset(pub65, 0, 65);
        return TK_ERR_CRYPTO_BACKEND;
    }
    return TK_OK;
}

tk_status tk_eth_recover(const tk_ctx *ctx, tk_address *out, const tk_hash *msg,
                         const uint8_t *sig, size_t siglen)
{
    uint8_t pub[65];
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK(ctx, msg != NULL);
    TK_ARG_CHECK(ctx, sig != NULL || siglen == 0);
    st = tk__eth_recover_pubkey(pub, msg, sig, siglen);
    if (st != TK_OK)
        return st;
    return tk_pubkey_address(out, pub);
}

tk_status tk_eth_verify(const tk_ctx *ctx, const tk_address *expected,
                        const tk_hash *msg, const uint8_t *sig, size_t siglen)
{
    tk_address got;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, expected != NULL);
    TK_ARG_CHECK(ctx, msg != NULL);
    TK_ARG_CHECK(ctx, sig != NULL || siglen == 0);
    st = tk_eth_recover(ctx, &got, msg, sig, siglen);
    if (st != TK_OK)
        return st;
    return memcmp(got.bytes, expected->bytes, TK_ADDRESS_LEN) == 0
               ? TK_OK
               : TK_ERR_SIG_WRONG_SIGNER;
}

/* SPDX-License-Identifier: MIT */
/* Request credentials (include/ticket/credential.h, docs/protocol-notes.md
 * section 10). The flatten bytes are streamed into Keccak: no buffer, no
 * allocation. A profile contributes the 8 lowercase hex characters of the
 * first 4 bytes of keccak(name), as go-livepeer's segment signature does. */
#include "core/internal.h"

#include "ticket/credential.h"
#include "ticket/keccak.h"
#include "ticket/signature.h"

#include <string.h>

static tk_status check(const tk_credential *c)
{
    if (c->manifest_id_len > TK_MANIFEST_ID_MAX || c->n_profiles > TK_CREDENTIAL_MAX_PROFILES)
        return TK_ERR_INVALID_LENGTH;
    if (c->seq > TK_CREDENTIAL_SEQ_MAX)
        return TK_ERR_OUT_OF_RANGE;
    return TK_OK;
}

static int args_ok(const tk_credential *c)
{
    if ((c->manifest_id == NULL && c->manifest_id_len > 0) ||
        (c->profiles == NULL && c->n_profiles > 0))
        return 0;
    for (size_t i = 0; i < c->n_profiles; i++)
        if (c->profiles[i] == NULL)
            return 0;
    return 1;
}

static void u256_of_u64(uint8_t out[32], uint64_t v)
{
    memset(out, 0, 32);
    for (int i = 31; i >= 24; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static void profile_hex(char out[8], const char *name)
{
    static const char digits[] = "0123456789abcdef";
    tk_hash h;

    (void)tk_keccak256(&h, name, strlen(name));
    for (int i = 0; i < 4; i++) {
        out[2 * i] = digits[h.bytes[i] >> 4];
        out[2 * i + 1] = digits[h.bytes[i] & 15];
    }
}

tk_status tk_credential_flatten(uint8_t *out, size_t *outlen, const tk_credential *cred)
{
    size_t need, cap;
    uint8_t *p = out;
    tk_status st;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    cap = *outlen;
    *outlen = 0;
    TK_ARG_CHECK_NOCTX(cred != NULL && (out != NULL || cap == 0) && args_ok(cred));
    if ((st = check(cred)) != TK_OK)
        return st;
    need = cred->manifest_id_len + 32 + TK_HASH_LEN + 8 * cred->n_profiles;
    *outlen = need;
    if (cap < need) {
        if (out != NULL)
            memset(out, 0, cap);
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    if (cred->manifest_id_len > 0)
        memcpy(p, cred->manifest_id, cred->manifest_id_len);
    p += cred->manifest_id_len;
    u256_of_u64(p, cred->seq);
    p += 32;
    memcpy(p, cred->segment_hash.bytes, TK_HASH_LEN);
    p += TK_HASH_LEN;
    for (size_t i = 0; i < cred->n_profiles; i++, p += 8)
        profile_hex((char *)p, cred->profiles[i]);
    return TK_OK;
}

/* keccak(flatten), streamed; the caller has checked the arguments. */
static tk_status digest(tk_hash *out, const tk_credential *c)
{
    tk_keccak256_state ks;
    uint8_t seq[32];
    char hex[8];
    tk_status st;

    if ((st = check(c)) != TK_OK)
        return st;
    u256_of_u64(seq, c->seq);
    (void)tk_keccak256_init(&ks);
    (void)tk_keccak256_update(&ks, c->manifest_id, c->manifest_id_len);
    (void)tk_keccak256_update(&ks, seq, sizeof seq);
    (void)tk_keccak256_update(&ks, c->segment_hash.bytes, TK_HASH_LEN);
    for (size_t i = 0; i < c->n_profiles; i++) {
        profile_hex(hex, c->profiles[i]);
        (void)tk_keccak256_update(&ks, hex, sizeof hex);
    }
    return tk_keccak256_final(&ks, out);
}

tk_status tk_credential_digest(tk_hash *out, const tk_credential *cred)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(cred != NULL && args_ok(cred));
    st = digest(out, cred);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

tk_status tk_credential_sign(const tk_ctx *ctx, tk_sig *sig, const uint8_t seckey32[32],
                             const tk_credential *cred)
{
    tk_hash msg;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL && sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK(ctx, seckey32 != NULL && cred != NULL && args_ok(cred));
    if ((st = digest(&msg, cred)) != TK_OK)
        return st;
    return tk_eth_sign(ctx, sig, seckey32, &msg);
}

tk_status tk_credential_verify(const tk_ctx *ctx, const tk_address *sender,
                               const tk_credential *cred, const uint8_t *sig, size_t siglen)
{
    tk_hash msg;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL && sender != NULL && cred != NULL && args_ok(cred));
    TK_ARG_CHECK(ctx, sig != NULL || siglen == 0);
    if ((st = digest(&msg, cred)) != TK_OK)
        return st;
    return tk_eth_verify(ctx, sender, &msg, sig, siglen);
}

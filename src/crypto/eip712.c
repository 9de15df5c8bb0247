/* SPDX-License-Identifier: MIT */
/* EIP-712 typed-data hashing and digest signatures (docs/receipts.md R1). */
#include "core/internal.h"
#include "crypto/recover.h"

#include "ticket/eip712.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"

#include <string.h>

static const char DOMAIN_TYPE[] =
    "EIP712Domain(string name,string version,uint256 chainId,"
    "address verifyingContract)";

tk_status tk_eip712_word_address(tk_hash *out, const tk_address *addr)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(addr != NULL);
    memcpy(out->bytes + 12, addr->bytes, TK_ADDRESS_LEN);
    return TK_OK;
}

tk_status tk_eip712_domain_separator(tk_hash *out, const char *name,
                                     const char *version,
                                     const tk_u256 *chain_id,
                                     const tk_address *verifying_contract)
{
    tk_hash words[4], type_hash;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(name != NULL);
    TK_ARG_CHECK_NOCTX(version != NULL);
    TK_ARG_CHECK_NOCTX(chain_id != NULL);
    TK_ARG_CHECK_NOCTX(verifying_contract != NULL);
    (void)tk_keccak256(&type_hash, DOMAIN_TYPE, sizeof DOMAIN_TYPE - 1);
    (void)tk_keccak256(&words[0], name, strlen(name));
    (void)tk_keccak256(&words[1], version, strlen(version));
    memcpy(words[2].bytes, chain_id->bytes, TK_HASH_LEN);
    (void)tk_eip712_word_address(&words[3], verifying_contract);
    return tk_eip712_hash_struct(out, &type_hash, words, 4);
}

tk_status tk_eip712_hash_array(tk_hash *out, const tk_hash *items,
                               size_t count)
{
    tk_keccak256_state st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(items != NULL || count == 0);
    (void)tk_keccak256_init(&st);
    for (size_t i = 0; i < count; i++)
        (void)tk_keccak256_update(&st, items[i].bytes, TK_HASH_LEN);
    return tk_keccak256_final(&st, out);
}

tk_status tk_eip712_hash_struct(tk_hash *out, const tk_hash *type_hash,
                                const tk_hash *words, size_t count)
{
    tk_keccak256_state st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(type_hash != NULL);
    TK_ARG_CHECK_NOCTX(words != NULL || count == 0);
    (void)tk_keccak256_init(&st);
    (void)tk_keccak256_update(&st, type_hash->bytes, TK_HASH_LEN);
    for (size_t i = 0; i < count; i++)
        (void)tk_keccak256_update(&st, words[i].bytes, TK_HASH_LEN);
    return tk_keccak256_final(&st, out);
}

tk_status tk_eip712_digest(tk_hash *out, const tk_hash *domain_separator,
                           const tk_hash *struct_hash)
{
    uint8_t buf[2 + 2 * TK_HASH_LEN];

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(domain_separator != NULL);
    TK_ARG_CHECK_NOCTX(struct_hash != NULL);
    buf[0] = 0x19;
    buf[1] = 0x01;
    memcpy(buf + 2, domain_separator->bytes, TK_HASH_LEN);
    memcpy(buf + 2 + TK_HASH_LEN, struct_hash->bytes, TK_HASH_LEN);
    return tk_keccak256(out, buf, sizeof buf);
}

tk_status tk_eip712_sign(const tk_ctx *ctx, tk_sig *sig,
                         const uint8_t seckey32[32], const tk_hash *digest)
{
    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    TK_ARG_CHECK(ctx, digest != NULL);
    return tk__ecdsa_sign_digest(ctx, sig, seckey32, digest);
}

tk_status tk_eip712_recover(const tk_ctx *ctx, tk_address *out,
                            const tk_hash *digest, const uint8_t *sig,
                            size_t siglen)
{
    uint8_t pub[65];
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK(ctx, digest != NULL);
    TK_ARG_CHECK(ctx, sig != NULL || siglen == 0);
    st = tk__ecdsa_recover_digest(pub, digest, sig, siglen);
    if (st != TK_OK)
        return st;
    return tk_pubkey_address(out, pub);
}

tk_status tk_eip712_verify(const tk_ctx *ctx, const tk_address *expected,
                           const tk_hash *digest, const uint8_t *sig,
                           size_t siglen)
{
    tk_address got;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, expected != NULL);
    TK_ARG_CHECK(ctx, digest != NULL);
    TK_ARG_CHECK(ctx, sig != NULL || siglen == 0);
    st = tk_eip712_recover(ctx, &got, digest, sig, siglen);
    if (st != TK_OK)
        return st;
    return memcmp(got.bytes, expected->bytes, TK_ADDRESS_LEN) == 0
               ? TK_OK
               : TK_ERR_SIG_WRONG_SIGNER;
}

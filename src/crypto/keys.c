/* SPDX-License-Identifier: MIT */
/* Private keys, public keys and addresses, EIP-55 text. */
#include "core/internal.h"
#include "core/memzero.h"
#include "core/random.h"
#include "crypto/checkmem.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <secp256k1.h>
#include <string.h>

/* Give up after this many draws that are not in [1, n-1]. A uniform draw
 * falls outside with probability < 2^-127, so reaching it means the RNG is
 * broken, not unlucky. */
#define KEYGEN_MAX_TRIES 64

tk_status tk_key_generate(const tk_ctx *ctx, uint8_t seckey32[32])
{
    tk_status st = TK_ERR_RNG;
    int i;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    for (i = 0; i < KEYGEN_MAX_TRIES; i++) {
        st = tk__random_bytes(seckey32, 32);
        if (st != TK_OK)
            break;
        /* declassify: only whether the draw is a valid key is revealed. */
        if (secp256k1_ec_seckey_verify(ctx->secp, seckey32))
            return TK_OK;
        st = TK_ERR_RNG;
    }
    tk__memzero(seckey32, 32);
    return st;
}

tk_status tk_key_verify(const tk_ctx *ctx, const uint8_t seckey32[32])
{
    int ok;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    ok = secp256k1_ec_seckey_verify(ctx->secp, seckey32);
    /* declassify: only whether the key is valid is revealed. */
    TK_DECLASSIFY(&ok, sizeof ok);
    return ok ? TK_OK : TK_ERR_INVALID_PRIVKEY;
}

tk_status tk_key_pubkey(const tk_ctx *ctx, uint8_t pubkey65[65],
                        const uint8_t seckey32[32])
{
    secp256k1_pubkey pk;
    size_t len = 65;
    tk__exposed key;
    int ok;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, pubkey65 != NULL);
    memset(pubkey65, 0, 65);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    /* Constant-time test: libsecp256k1 checks its own calls (checkmem.h). */
    tk__secret_expose(&key, seckey32, 32);
    ok = secp256k1_ec_pubkey_create(ctx->secp, &pk, seckey32);
    tk__secret_restore(&key);
    if (!ok)
        return TK_ERR_INVALID_PRIVKEY;
    if (!secp256k1_ec_pubkey_serialize(secp256k1_context_static, pubkey65,
                                       &len, &pk, SECP256K1_EC_UNCOMPRESSED) ||
        len != 65) {
        memset(pubkey65, 0, 65);
        return TK_ERR_CRYPTO_BACKEND;
    }
    return TK_OK;
}

tk_status tk_pubkey_address(tk_address *out, const uint8_t pubkey65[65])
{
    secp256k1_pubkey pk;
    tk_hash h;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(pubkey65 != NULL);
    /* Only a point on the curve has an address anyone can sign for. */
    if (pubkey65[0] != 0x04 ||
        !secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, pubkey65, 65))
        return TK_ERR_MALFORMED;
    (void)tk_keccak256(&h, pubkey65 + 1, 64);
    memcpy(out->bytes, h.bytes + 12, TK_ADDRESS_LEN);
    return TK_OK;
}

tk_status tk_key_address(const tk_ctx *ctx, tk_address *out,
                         const uint8_t seckey32[32])
{
    uint8_t pub[65];
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    st = tk_key_pubkey(ctx, pub, seckey32);
    if (st != TK_OK)
        return st;
    return tk_pubkey_address(out, pub);
}

/* EIP-55: letter i of the lowercase hex is upper-cased when nibble i of
 * keccak(lowercase hex, 40 ASCII chars) is >= 8. */
static void eip55_apply(char hex40[40])
{
    tk_hash h;
    int i;

    (void)tk_keccak256(&h, hex40, 40);
    for (i = 0; i < 40; i++) {
        unsigned nib = (h.bytes[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
        if (nib >= 8 && hex40[i] >= 'a' && hex40[i] <= 'f')
            hex40[i] = (char)(hex40[i] - 'a' + 'A');
    }
}

tk_status tk_address_to_hex(char *out, size_t cap, const tk_address *addr,
                            int checksummed)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    if (cap > 0)
        out[0] = '\0';
    TK_ARG_CHECK_NOCTX(addr != NULL);
    st = tk_hex_encode(out, cap, addr->bytes, TK_ADDRESS_LEN);
    if (st == TK_OK && checksummed)
        eip55_apply(out + 2);
    return st;
}

tk_status tk_address_from_hex(tk_address *out, const char *text, size_t len)
{
    char lower[40], expect[40];
    size_t outlen = TK_ADDRESS_LEN, i;
    int has_lower = 0, has_upper = 0;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(text != NULL || len == 0);
    if (len != 42 || tk_hex_decode(out->bytes, &outlen, text, len) != TK_OK ||
        outlen != TK_ADDRESS_LEN) {
        memset(out, 0, sizeof *out);
        return TK_ERR_INVALID_ADDRESS;
    }
    for (i = 0; i < 40; i++) {
        char c = text[2 + i];
        has_lower |= c >= 'a' && c <= 'f';
        has_upper |= c >= 'A' && c <= 'F';
        lower[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    if (has_lower && has_upper) {
        memcpy(expect, lower, sizeof expect);
        eip55_apply(expect);
        if (memcmp(expect, text + 2, sizeof expect) != 0) {
            memset(out, 0, sizeof *out);
            return TK_ERR_BAD_CHECKSUM;
        }
    }
    return TK_OK;
}

int tk_address_is_zero(const tk_address *addr)
{
    static const tk_address zero;
    return addr == NULL || memcmp(addr, &zero, sizeof zero) == 0;
}

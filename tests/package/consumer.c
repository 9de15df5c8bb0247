/* SPDX-License-Identifier: MIT */
/* A program that uses an installed libticket the way a node would: only the
 * public headers, linked through find_package(ticket) or pkg-config. */
#include <ticket/context.h>
#include <ticket/keccak.h>
#include <ticket/keys.h>
#include <ticket/signature.h>
#include <ticket/ticket.h>
#include <ticket/u256.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    static const char expect_empty[] =
        "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470";
    tk_ctx *ctx = NULL;
    tk_hash h, msg;
    tk_sig sig;
    tk_address a, rec;
    uint8_t key[32];
    char hex[TK_U256_HEX_MAX];
    int ok = 0;

    if (tk_ctx_create(&ctx) != TK_OK)
        return 1;
    if (tk_keccak256(&h, "", 0) != TK_OK ||
        tk_hex_encode(hex, sizeof hex, h.bytes, 32) != TK_OK ||
        strcmp(hex, expect_empty) != 0)
        goto out;
    memset(msg.bytes, 7, sizeof msg.bytes);
    if (tk_key_generate(ctx, key) != TK_OK || tk_key_address(ctx, &a, key) != TK_OK ||
        tk_eth_sign(ctx, &sig, key, &msg) != TK_OK ||
        tk_eth_recover(ctx, &rec, &msg, sig.bytes, sizeof sig.bytes) != TK_OK ||
        memcmp(a.bytes, rec.bytes, 20) != 0)
        goto out;
    ok = 1;
    printf("libticket %s consumer: ok\n", tk_version());
out:
    tk_memzero(key, sizeof key);
    tk_ctx_destroy(ctx);
    return ok ? 0 : 1;
}

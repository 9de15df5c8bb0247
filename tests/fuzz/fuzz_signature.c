/* SPDX-License-Identifier: MIT */
/* Fuzz signature parsing and recovery (signature.h) and public-key parsing
 * (tk_pubkey_address). Input: a 32-byte message hash, then the signature
 * bytes (any length).
 *
 * Invariants: an accepted signature is 65 bytes with v in {27, 28}, low s
 * and 0 < r < n; it verifies for the recovered address; its high-s twin
 * and its v-flipped twin never verify for that address. */
#include "fuzz.h"

#include "crypto/recover.h"
#include "ticket/keys.h"
#include "ticket/signature.h"

#include <string.h>

/* out = n - s (32 bytes big-endian, s < n). */
static void negate_s(uint8_t out[32], const uint8_t s[32])
{
    int i, borrow = 0;
    for (i = 31; i >= 0; i--) {
        int d = tk__secp256k1_order[i] - s[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tk_ctx *ctx = fuzz_ctx();
    tk_hash msg;
    tk_address who, other;
    const uint8_t *sig;
    size_t siglen;
    tk_status st;

    if (size < 32)
        return 0;
    memcpy(msg.bytes, data, 32);
    sig = data + 32;
    siglen = size - 32;

    if (siglen == 65 && tk_pubkey_address(&who, sig) != TK_OK) {
        /* 65 bytes are also tried as an uncompressed public key. */
        FUZZ_CHECK(fuzz_all_zero(&who, sizeof who));
    }
    st = tk_eth_recover(ctx, &who, &msg, sig, siglen);
    if (st != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&who, sizeof who));
        FUZZ_CHECK(tk_eth_verify(ctx, &who, &msg, sig, siglen) != TK_OK);
        return 0;
    }
    FUZZ_CHECK(siglen == 65);
    FUZZ_CHECK(sig[64] == 27 || sig[64] == 28);
    FUZZ_CHECK(memcmp(sig + 32, tk__secp256k1_half_order, 32) <= 0);
    FUZZ_CHECK(memcmp(sig, tk__secp256k1_order, 32) < 0);
    FUZZ_CHECK(!fuzz_all_zero(sig, 32) && !fuzz_all_zero(sig + 32, 32));
    FUZZ_CHECK(tk_eth_verify(ctx, &who, &msg, sig, siglen) == TK_OK);
    {
        uint8_t twin[65];
        /* v flipped: recovers another key (or nothing), never the same. */
        memcpy(twin, sig, 65);
        twin[64] ^= 27 ^ 28;
        st = tk_eth_recover(ctx, &other, &msg, twin, 65);
        FUZZ_CHECK(st != TK_OK || memcmp(&other, &who, sizeof who) != 0);
        /* High-s twin (n - s, v flipped): a plain ecrecover accepts it and
         * returns the signer; we must reject it. */
        negate_s(twin + 32, sig + 32);
        FUZZ_CHECK(tk_eth_verify(ctx, &who, &msg, twin, 65) ==
                   TK_ERR_SIG_HIGH_S);
        /* Any other length is refused before anything else. */
        FUZZ_CHECK(tk_eth_verify(ctx, &who, &msg, sig, 64) ==
                   TK_ERR_SIG_BAD_LENGTH);
    }
    return 0;
}

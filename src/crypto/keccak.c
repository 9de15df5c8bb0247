/* SPDX-License-Identifier: MIT */
/* The Keccak-256 sponge as Ethereum uses it: Keccak[c = 512] with rate
 * 136 bytes (17 lanes), 256-bit output and the original Keccak domain
 * padding: the suffix byte 0x01 after the message, 0x80 in the last byte
 * of the block (NIST SHA3-256 uses the suffix 0x06 instead).
 *
 * Input bytes are XORed into the lanes in little-endian order. Whole
 * 8-byte lanes are absorbed with one load each; only the bytes of a lane
 * split across two update() calls go through the per-byte path. All
 * branches depend on lengths only, never on the data. */
#include "keccakf1600.h"
#include "core/internal.h"
#include "core/memzero.h"

#include "ticket/keccak.h"

#include <string.h>

#define RATE_LANES (TK_KECCAK256_RATE / 8)

/* Ethereum's Keccak-256 domain suffix (SHA3-256 would be 0x06). */
#define KECCAK_SUFFIX 0x01u

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static void store64_le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

/* XOR one byte into the state at byte position pos (< rate). */
static void xor_byte(uint64_t *lanes, size_t pos, uint8_t b)
{
    lanes[pos / 8] ^= (uint64_t)b << (8 * (pos % 8));
}

static void absorb(tk_keccak256_state *st, const uint8_t *in, size_t len)
{
    size_t pos = st->absorbed;

    /* Finish a lane left partial by the previous call. */
    while (len > 0 && pos % 8 != 0) {
        xor_byte(st->lanes, pos, *in++);
        len--;
        if (++pos == TK_KECCAK256_RATE) {
            tk__keccakf1600(st->lanes);
            pos = 0;
        }
    }
    /* Whole blocks straight from the input. */
    if (pos == 0) {
        while (len >= TK_KECCAK256_RATE) {
            size_t i;
            for (i = 0; i < RATE_LANES; i++)
                st->lanes[i] ^= load64_le(in + 8 * i);
            tk__keccakf1600(st->lanes);
            in += TK_KECCAK256_RATE;
            len -= TK_KECCAK256_RATE;
        }
    }
    /* Whole lanes of a partial block. */
    while (len >= 8) {
        st->lanes[pos / 8] ^= load64_le(in);
        in += 8;
        len -= 8;
        pos += 8;
        if (pos == TK_KECCAK256_RATE) {
            tk__keccakf1600(st->lanes);
            pos = 0;
        }
    }
    /* The tail: fewer than 8 bytes, starting a lane (pos is a multiple of 8
     * here, and pos + len < rate because the rate is a multiple of 8). */
    while (len > 0) {
        xor_byte(st->lanes, pos++, *in++);
        len--;
    }
    st->absorbed = pos;
}

static void pad_and_squeeze(tk_keccak256_state *st, tk_hash *out)
{
    size_t i;

    xor_byte(st->lanes, st->absorbed, KECCAK_SUFFIX);
    xor_byte(st->lanes, TK_KECCAK256_RATE - 1, 0x80);
    tk__keccakf1600(st->lanes);
    for (i = 0; i < TK_HASH_LEN / 8; i++)
        store64_le(out->bytes + 8 * i, st->lanes[i]);
    /* The state may hold a secret (recipientRand, the HMAC-derived value). */
    tk__memzero(st, sizeof *st);
}

tk_status tk_keccak256_init(tk_keccak256_state *st)
{
    TK_ARG_CHECK_NOCTX(st != NULL);
    memset(st, 0, sizeof *st);
    return TK_OK;
}

tk_status tk_keccak256_update(tk_keccak256_state *st, const void *data,
                              size_t len)
{
    TK_ARG_CHECK_NOCTX(st != NULL);
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    TK_ARG_CHECK_NOCTX(st->absorbed < TK_KECCAK256_RATE);
    if (len > 0)
        absorb(st, data, len);
    return TK_OK;
}

tk_status tk_keccak256_final(tk_keccak256_state *st, tk_hash *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    if (st == NULL || st->absorbed >= TK_KECCAK256_RATE) {
        memset(out, 0, sizeof *out);
        TK_ARG_CHECK_NOCTX(st != NULL);
        TK_ARG_CHECK_NOCTX(st->absorbed < TK_KECCAK256_RATE);
    }
    pad_and_squeeze(st, out);
    return TK_OK;
}

tk_status tk_keccak256(tk_hash *out, const void *data, size_t len)
{
    tk_keccak256_state st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    if (data == NULL && len != 0) {
        memset(out, 0, sizeof *out);
        TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    }
    memset(&st, 0, sizeof st);
    absorb(&st, data, len);
    pad_and_squeeze(&st, out); /* wipes st */
    return TK_OK;
}

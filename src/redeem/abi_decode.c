/* SPDX-License-Identifier: MIT */
/* Strict decoding of redeem calldata: it accepts exactly the bytes the
 * encoder (abi_encode.c) produces for some input and nothing else. Every
 * offset must be the canonical one, so the decoder walks the data front to
 * back; every read is bounds-checked against the input length first, and
 * counts are compared with the bytes left before any loop runs. Output
 * pointers may be NULL (validation pass). */
#include "redeem/abi.h"

#include "core/internal.h"
#include "ticket/redeem.h"

#include <string.h>

typedef struct reader {
    const uint8_t *p; /* the arguments (after the selector) */
    size_t len;
} reader;

static const uint8_t *word(const reader *r, size_t off)
{
    if (off > r->len || r->len - off < 32)
        return NULL;
    return r->p + off;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* A word holding an integer <= max (max < 2^64). */
static int read_uint(const reader *r, size_t off, uint64_t max, uint64_t *v)
{
    const uint8_t *w = word(r, off);
    uint64_t x = 0;

    if (w == NULL || !all_zero(w, 24))
        return 0;
    for (int i = 24; i < 32; i++)
        x = (x << 8) | w[i];
    if (x > max)
        return 0;
    *v = x;
    return 1;
}

/* A word that must equal `want` (canonical offsets and lengths). */
static int expect(const reader *r, size_t off, uint64_t want)
{
    uint64_t v;
    return read_uint(r, off, UINT64_MAX, &v) && v == want;
}

static int read_address(const reader *r, size_t off, tk_address *out)
{
    const uint8_t *w = word(r, off);
    if (w == NULL || !all_zero(w, 12))
        return 0;
    if (out != NULL)
        memcpy(out->bytes, w + 12, TK_ADDRESS_LEN);
    return 1;
}

static int read_bytes32(const reader *r, size_t off, uint8_t *out32)
{
    const uint8_t *w = word(r, off);
    if (w == NULL)
        return 0;
    if (out32 != NULL)
        memcpy(out32, w, 32);
    return 1;
}

/* The ticket tuple at `off`; *tl gets its encoded size. */
static int read_tuple(const reader *r, size_t off, tk_ticket *t, size_t *tl)
{
    uint64_t nonce, auxlen, round;
    tk_hash block_hash;

    if (!read_address(r, off, t ? &t->recipient : NULL) ||
        !read_address(r, off + 32, t ? &t->sender : NULL) ||
        !read_bytes32(r, off + 64, t ? t->face_value.bytes : NULL) ||
        !read_bytes32(r, off + 96, t ? t->win_prob.bytes : NULL) ||
        !read_uint(r, off + 128, UINT32_MAX, &nonce) ||
        !read_bytes32(r, off + 160, t ? t->recipient_rand_hash.bytes : NULL) ||
        !expect(r, off + 192, TK_ABI_TUPLE_HEAD) ||
        !read_uint(r, off + 224, TK_AUX_DATA_LEN, &auxlen))
        return 0;
    round = 0;
    memset(&block_hash, 0, sizeof block_hash);
    if (auxlen == TK_AUX_DATA_LEN) {
        if (!read_uint(r, off + 256, (uint64_t)INT64_MAX, &round) ||
            !read_bytes32(r, off + 288, block_hash.bytes))
            return 0;
        /* 64 zero bytes would hash differently from the empty auxData
         * that (round 0, zero hash) encodes to: not representable. */
        if (round == 0 && all_zero(block_hash.bytes, 32))
            return 0;
    } else if (auxlen != 0) {
        return 0;
    }
    if (t != NULL) {
        t->sender_nonce = (uint32_t)nonce;
        t->creation_round = (int64_t)round;
        t->creation_round_block_hash = block_hash;
    }
    *tl = TK_ABI_TUPLE_FIXED + (size_t)auxlen;
    return 1;
}

/* A 65-byte signature as ABI bytes at `off`, with zero padding. */
static int read_sig(const reader *r, size_t off, tk_sig *sig)
{
    if (off > r->len || r->len - off < TK_ABI_SIG_LEN ||
        !expect(r, off, TK_SIG_LEN) ||
        !all_zero(r->p + off + 32 + TK_SIG_LEN,
                  TK_ABI_SIG_LEN - 32 - TK_SIG_LEN))
        return 0;
    if (sig != NULL)
        memcpy(sig->bytes, r->p + off + 32, TK_SIG_LEN);
    return 1;
}

static int has_selector(const uint8_t *in, size_t len, uint32_t sel,
                        reader *r)
{
    uint8_t want[TK_REDEEM_SELECTOR_LEN];

    tk__abi_put_selector(want, sel);
    if (len < TK_REDEEM_SELECTOR_LEN || memcmp(in, want, sizeof want) != 0)
        return 0;
    r->p = in + TK_REDEEM_SELECTOR_LEN;
    r->len = len - TK_REDEEM_SELECTOR_LEN;
    return 1;
}

static int decode_single(const reader *r, tk_ticket *t, tk_sig *sig,
                         tk_u256 *rand)
{
    size_t tl = 0;

    if (!expect(r, 0, 96) || !read_tuple(r, 96, t, &tl) ||
        !expect(r, 32, 96 + tl) ||
        !read_bytes32(r, 64, rand ? rand->bytes : NULL) ||
        !read_sig(r, 96 + tl, sig))
        return 0;
    return r->len == 96 + tl + TK_ABI_SIG_LEN; /* no trailing bytes */
}

tk_status tk_redeem_decode_single(tk_ticket *ticket, tk_sig *sig,
                                  tk_u256 *rand, const uint8_t *in,
                                  size_t len)
{
    reader r;

    if (ticket != NULL)
        memset(ticket, 0, sizeof *ticket);
    if (sig != NULL)
        memset(sig, 0, sizeof *sig);
    if (rand != NULL)
        tk_memzero(rand, sizeof *rand);
    TK_ARG_CHECK_NOCTX(ticket != NULL && sig != NULL && rand != NULL);
    TK_ARG_CHECK_NOCTX(in != NULL || len == 0);
    if (has_selector(in, len, TK_REDEEM_SINGLE_SELECTOR, &r) &&
        decode_single(&r, ticket, sig, rand))
        return TK_OK;
    memset(ticket, 0, sizeof *ticket);
    memset(sig, 0, sizeof *sig);
    tk_memzero(rand, sizeof *rand);
    return TK_ERR_MALFORMED;
}

/* Walk a batch; outputs may be NULL. *n gets the ticket count. */
static int decode_batch(const reader *r, tk_ticket *ts, tk_sig *sigs,
                        tk_u256 *rands, size_t *n)
{
    uint64_t count;
    size_t pos, base, off;

    /* Every ticket needs far more than 32 bytes: a count above len / 32
     * is absurd and rejected before anything is sized by it. */
    if (!expect(r, 0, 96) || !read_uint(r, 96, r->len / 32, &count))
        return 0;
    base = 128; /* element offsets are relative to after the length */
    off = 32 * (size_t)count;
    for (size_t i = 0; i < count; i++) {
        size_t tl = 0;
        if (!expect(r, base + 32 * i, off) ||
            !read_tuple(r, base + off, ts ? &ts[i] : NULL, &tl))
            return 0;
        off += tl;
    }
    pos = base + off;

    if (!expect(r, 32, pos) || !expect(r, pos, count))
        return 0;
    base = pos + 32;
    for (size_t i = 0; i < count; i++) {
        off = 32 * (size_t)count + TK_ABI_SIG_LEN * i;
        if (!expect(r, base + 32 * i, off) ||
            !read_sig(r, base + off, sigs ? &sigs[i] : NULL))
            return 0;
    }
    pos = base + (size_t)count * (32 + TK_ABI_SIG_LEN);

    if (!expect(r, 64, pos) || !expect(r, pos, count))
        return 0;
    base = pos + 32;
    for (size_t i = 0; i < count; i++)
        if (!read_bytes32(r, base + 32 * i, rands ? rands[i].bytes : NULL))
            return 0;
    *n = (size_t)count;
    return r->len == base + 32 * (size_t)count; /* no trailing bytes */
}

static void clear_batch(tk_ticket *ts, tk_sig *sigs, tk_u256 *rands,
                        size_t cap)
{
    if (ts != NULL)
        memset(ts, 0, cap * sizeof *ts);
    if (sigs != NULL)
        memset(sigs, 0, cap * sizeof *sigs);
    if (rands != NULL)
        tk_memzero(rands, cap * sizeof *rands);
}

tk_status tk_redeem_decode_batch(tk_ticket *tickets, tk_sig *sigs,
                                 tk_u256 *rands, size_t *count,
                                 const uint8_t *in, size_t len)
{
    reader r;
    size_t cap, n = 0;

    TK_ARG_CHECK_NOCTX(count != NULL);
    cap = *count;
    *count = 0;
    TK_ARG_CHECK_NOCTX(cap == 0 ||
                       (tickets != NULL && sigs != NULL && rands != NULL));
    clear_batch(tickets, sigs, rands, cap);
    TK_ARG_CHECK_NOCTX(in != NULL || len == 0);
    /* Validate everything first, then fill: no partial output. */
    if (!has_selector(in, len, TK_REDEEM_BATCH_SELECTOR, &r) ||
        !decode_batch(&r, NULL, NULL, NULL, &n))
        return TK_ERR_MALFORMED;
    if (n > cap) {
        *count = n;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    if (!decode_batch(&r, tickets, sigs, rands, &n)) {
        clear_batch(tickets, sigs, rands, cap);
        return TK_ERR_INTERNAL; /* the first pass accepted the same bytes */
    }
    *count = n;
    return TK_OK;
}

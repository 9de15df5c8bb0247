/* SPDX-License-Identifier: MIT */
/* Strict decoders of return data (abi.h): exact lengths, canonical
 * offsets, zero padding; nothing allocated. */
#include "eth/abi_internal.h"

#include "core/internal.h"
#include "core/outbuf.h"
#include "ticket/u256.h"

#include <string.h>

static const uint8_t ZERO[TK_ABI_WORD_LEN];

/* data is exactly n words (data may be NULL only when len is 0). */
static int is_words(const uint8_t *data, size_t len, size_t n)
{
    return data != NULL && len == n * TK_ABI_WORD_LEN;
}

tk_status tk_abi_decode_uint256(tk_u256 *out, const uint8_t *data, size_t len)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    if (!is_words(data, len, 1))
        return TK_ERR_MALFORMED;
    memcpy(out->bytes, data, TK_ABI_WORD_LEN);
    return TK_OK;
}

tk_status tk_abi_decode_u64(uint64_t *out, const uint8_t *data, size_t len)
{
    tk_u256 w;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = 0;
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    if ((st = tk_abi_decode_uint256(&w, data, len)) != TK_OK)
        return st;
    return tk_u256_to_u64(out, &w) == TK_OK ? TK_OK : TK_ERR_OUT_OF_RANGE;
}

tk_status tk_abi_decode_bool(int *out, const uint8_t *data, size_t len)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = 0;
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    if (!is_words(data, len, 1) || memcmp(data, ZERO, 31) != 0 || data[31] > 1)
        return TK_ERR_MALFORMED;
    *out = data[31];
    return TK_OK;
}

tk_status tk_abi_decode_address(tk_address *out, const uint8_t *data,
                                size_t len)
{
    const size_t pad = TK_ABI_WORD_LEN - TK_ADDRESS_LEN;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    if (!is_words(data, len, 1) || memcmp(data, ZERO, pad) != 0)
        return TK_ERR_MALFORMED;
    memcpy(out->bytes, data + pad, TK_ADDRESS_LEN);
    return TK_OK;
}

tk_status tk_abi_decode_bytes32(tk_hash *out, const uint8_t *data, size_t len)
{
    tk_u256 w;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    st = tk_abi_decode_uint256(&w, data, len);
    memcpy(out->bytes, w.bytes, TK_HASH_LEN); /* zero on failure */
    return st;
}

tk_status tk_abi_decode_sender_info(tk_abi_sender_info *out,
                                    const uint8_t *data, size_t len)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    /* Both tuples are static: encoded in place, four words in a row. */
    if (!is_words(data, len, 4))
        return TK_ERR_MALFORMED;
    memcpy(out->deposit.bytes, data, 32);
    memcpy(out->withdraw_round.bytes, data + 32, 32);
    memcpy(out->funds_remaining.bytes, data + 64, 32);
    memcpy(out->claimed_in_current_round.bytes, data + 96, 32);
    return TK_OK;
}

/* A word holding a length or offset that fits size_t and is <= max. */
static int word_size(const uint8_t *w, size_t max, size_t *v)
{
    uint64_t x = 0;
    tk_u256 u;

    memcpy(u.bytes, w, 32);
    if (tk_u256_to_u64(&x, &u) != TK_OK || x > max)
        return 0;
    *v = (size_t)x;
    return 1;
}

tk_status tk__abi_dynamic(const uint8_t **body, size_t *blen,
                          const uint8_t *p, size_t len)
{
    size_t off = 0, n = 0, padded;

    *body = NULL;
    *blen = 0;
    if (len < 64 || len % 32 != 0 || !word_size(p, len, &off) || off != 32 ||
        !word_size(p + 32, len - 64, &n))
        return TK_ERR_MALFORMED;
    padded = (n + 31) / 32 * 32;
    if (len != 64 + padded || memcmp(p + 64 + n, ZERO, padded - n) != 0)
        return TK_ERR_MALFORMED;
    *body = p + 64;
    *blen = n;
    return TK_OK;
}

tk_status tk_abi_decode_bytes(uint8_t *out, size_t *outlen,
                              const uint8_t *data, size_t len)
{
    const uint8_t *body = NULL;
    size_t cap = 0, n = 0;
    tk_status st = tk__out_take(out, outlen, &cap);

    if (st != TK_OK)
        return st;
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    if ((st = tk__abi_dynamic(&body, &n, data, len)) != TK_OK ||
        (st = tk__out_room(cap, n, outlen)) != TK_OK)
        return st;
    if (n > 0)
        memcpy(out, body, n);
    *outlen = n;
    return TK_OK;
}

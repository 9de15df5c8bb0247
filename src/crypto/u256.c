/* SPDX-License-Identifier: MIT */
/* uint256 <-> text and the hex codec. Integers are 32 bytes big-endian, so
 * decimal conversion is schoolbook arithmetic on bytes (78 digits at most;
 * none of this is on a hot path). The hex codec is branch-free in the data
 * because it may carry private keys; the integer parsers need not be. */
#include "core/internal.h"
#include "crypto/u256.h"

#include "ticket/u256.h"

#include <string.h>

tk_status tk_u256_from_dec(tk_u256 *out, const char *text, size_t len)
{
    size_t i;
    int j;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(text != NULL || len == 0);
    if (len == 0)
        return TK_ERR_INVALID_NUMBER;
    for (i = 0; i < len; i++) {
        unsigned carry;
        if (text[i] < '0' || text[i] > '9') {
            memset(out, 0, sizeof *out);
            return TK_ERR_INVALID_NUMBER;
        }
        carry = (unsigned)(text[i] - '0');
        for (j = TK_U256_LEN - 1; j >= 0; j--) {
            unsigned v = out->bytes[j] * 10u + carry;
            out->bytes[j] = (uint8_t)v;
            carry = v >> 8;
        }
        if (carry != 0) {
            /* Keep scanning so a non-digit later still reports as such. */
            for (i++; i < len; i++) {
                if (text[i] < '0' || text[i] > '9') {
                    memset(out, 0, sizeof *out);
                    return TK_ERR_INVALID_NUMBER;
                }
            }
            memset(out, 0, sizeof *out);
            return TK_ERR_OUT_OF_RANGE;
        }
    }
    return TK_OK;
}

tk_status tk_u256_to_dec(char *out, size_t cap, const tk_u256 *x)
{
    char digits[TK_U256_DEC_MAX];
    uint8_t n[TK_U256_LEN];
    size_t count = 0, i;

    TK_ARG_CHECK_NOCTX(out != NULL);
    if (cap > 0)
        out[0] = '\0';
    TK_ARG_CHECK_NOCTX(x != NULL);
    memcpy(n, x->bytes, sizeof n);
    /* Divide by 10 until zero; the remainders are the digits, last first. */
    do {
        unsigned rem = 0;
        int nonzero = 0;
        for (i = 0; i < sizeof n; i++) {
            unsigned cur = (rem << 8) | n[i];
            n[i] = (uint8_t)(cur / 10u);
            rem = cur % 10u;
            nonzero |= n[i] != 0;
        }
        digits[count++] = (char)('0' + rem);
        if (!nonzero)
            break;
    } while (1);
    if (cap < count + 1)
        return TK_ERR_BUFFER_TOO_SMALL;
    for (i = 0; i < count; i++)
        out[i] = digits[count - 1 - i];
    out[count] = '\0';
    return TK_OK;
}

/* Branch-free decode of one hex digit: its value, and *bad |= 1 if c is
 * not one of 0-9, a-f, A-F. */
static unsigned hex_nibble(unsigned char c, unsigned *bad)
{
    int ci = c, lc = c | 0x20;
    unsigned is_digit = ((unsigned)(47 - ci) & (unsigned)(ci - 58)) >> 31;
    unsigned is_alpha = ((unsigned)(96 - lc) & (unsigned)(lc - 103)) >> 31;
    unsigned v = ((0u - is_digit) & (unsigned)(ci - 48)) |
                 ((0u - is_alpha) & (unsigned)(lc - 87));
    *bad |= 1u ^ (is_digit | is_alpha);
    return v & 0xf;
}

static int has_prefix(const char *text, size_t len)
{
    return len >= 2 && text[0] == '0' && text[1] == 'x';
}

tk_status tk_u256_from_hex(tk_u256 *out, const char *text, size_t len)
{
    size_t digits, i;
    unsigned bad = 0;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(text != NULL || len == 0);
    if (!has_prefix(text, len) || len == 2)
        return TK_ERR_INVALID_HEX;
    text += 2;
    digits = len - 2;
    for (i = 0; i < digits; i++)
        (void)hex_nibble((unsigned char)text[i], &bad);
    if (bad)
        return TK_ERR_INVALID_HEX;
    while (digits > 1 && text[0] == '0') {
        text++;
        digits--;
    }
    if (digits > 2 * TK_U256_LEN)
        return TK_ERR_OUT_OF_RANGE;
    /* Digit k from the right lands in byte 31 - k/2, low nibble if k even. */
    for (i = 0; i < digits; i++) {
        size_t k = digits - 1 - i;
        unsigned v = hex_nibble((unsigned char)text[i], &bad);
        out->bytes[TK_U256_LEN - 1 - k / 2] |= (uint8_t)(v << (4 * (k % 2)));
    }
    return TK_OK;
}

tk_status tk_u256_from_bytes(tk_u256 *out, const uint8_t *be, size_t len)
{
    size_t i;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(be != NULL || len == 0);
    for (i = 0; len > TK_U256_LEN; i++, len--) {
        if (be[i] != 0)
            return TK_ERR_OUT_OF_RANGE;
    }
    if (len > 0)
        memcpy(out->bytes + TK_U256_LEN - len, be + i, len);
    return TK_OK;
}

tk_status tk_u256_minimal(const uint8_t **p, size_t *len, const tk_u256 *x)
{
    size_t i = 0;

    TK_ARG_CHECK_NOCTX(p != NULL && len != NULL);
    *p = NULL;
    *len = 0;
    TK_ARG_CHECK_NOCTX(x != NULL);
    while (i < TK_U256_LEN && x->bytes[i] == 0)
        i++;
    *p = x->bytes + i;
    *len = TK_U256_LEN - i;
    return TK_OK;
}

tk_status tk_u256_from_u64(tk_u256 *out, uint64_t v)
{
    int i;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    for (i = TK_U256_LEN - 1; i >= TK_U256_LEN - 8; i--) {
        out->bytes[i] = (uint8_t)v;
        v >>= 8;
    }
    return TK_OK;
}

tk_status tk_u256_to_u64(uint64_t *out, const tk_u256 *x)
{
    uint64_t v = 0;
    int i;

    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = 0;
    TK_ARG_CHECK_NOCTX(x != NULL);
    for (i = 0; i < TK_U256_LEN - 8; i++) {
        if (x->bytes[i] != 0)
            return TK_ERR_OVERFLOW;
    }
    for (; i < TK_U256_LEN; i++)
        v = (v << 8) | x->bytes[i];
    *out = v;
    return TK_OK;
}

/* Pure predicates cannot report a NULL through a status; they treat NULL
 * as zero (and never dereference it). */
int tk_u256_cmp(const tk_u256 *a, const tk_u256 *b)
{
    static const tk_u256 zero;
    int c = memcmp(a != NULL ? a->bytes : zero.bytes,
                   b != NULL ? b->bytes : zero.bytes, TK_U256_LEN);
    return (c > 0) - (c < 0);
}

int tk_u256_is_zero(const tk_u256 *x)
{
    static const tk_u256 zero;
    return x == NULL || memcmp(x->bytes, zero.bytes, TK_U256_LEN) == 0;
}

int tk_hash_is_zero(const tk_hash *h)
{
    static const tk_hash zero;
    return h == NULL || memcmp(h->bytes, zero.bytes, TK_HASH_LEN) == 0;
}

uint64_t tk__block_u64(const tk_u256 *x)
{
    uint64_t v;
    return tk_u256_to_u64(&v, x) == TK_OK ? v : UINT64_MAX;
}

tk_status tk_hex_decode(uint8_t *out, size_t *outlen, const char *hex,
                        size_t hexlen)
{
    size_t cap, need, i;
    unsigned bad = 0;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    cap = *outlen;
    *outlen = 0;
    TK_ARG_CHECK_NOCTX(out != NULL || cap == 0);
    if (out != NULL)
        memset(out, 0, cap);
    TK_ARG_CHECK_NOCTX(hex != NULL || hexlen == 0);
    if (!has_prefix(hex, hexlen) || hexlen % 2 != 0)
        return TK_ERR_INVALID_HEX;
    for (i = 2; i < hexlen; i++)
        (void)hex_nibble((unsigned char)hex[i], &bad);
    if (bad)
        return TK_ERR_INVALID_HEX;
    need = (hexlen - 2) / 2;
    if (cap < need) {
        *outlen = need;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < need; i++) {
        unsigned hi = hex_nibble((unsigned char)hex[2 + 2 * i], &bad);
        unsigned lo = hex_nibble((unsigned char)hex[3 + 2 * i], &bad);
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    *outlen = need;
    return TK_OK;
}

/* Branch-free: '0'..'9' for 0..9, 'a'..'f' for 10..15. */
static char hex_digit(unsigned n)
{
    unsigned above9 = ((9u - n) >> 8) & 1u; /* n <= 15 */
    return (char)(n + 48u + ((0u - above9) & 39u));
}

tk_status tk_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
    size_t i;

    TK_ARG_CHECK_NOCTX(out != NULL);
    if (cap > 0)
        out[0] = '\0';
    TK_ARG_CHECK_NOCTX(in != NULL || len == 0);
    TK_ARG_CHECK_NOCTX(len <= (SIZE_MAX - 3) / 2);
    if (cap < 2 * len + 3)
        return TK_ERR_BUFFER_TOO_SMALL;
    out[0] = '0';
    out[1] = 'x';
    for (i = 0; i < len; i++) {
        out[2 + 2 * i] = hex_digit(in[i] >> 4);
        out[3 + 2 * i] = hex_digit(in[i] & 0xfu);
    }
    out[2 + 2 * len] = '\0';
    return TK_OK;
}

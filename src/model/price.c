/* SPDX-License-Identifier: MIT */
/* Reducing a price num/den to lowest terms. It runs on the recipientRand
 * hot path (the HMAC message holds the reduced price), so it uses no GMP
 * and no heap: 256-bit values as four 64-bit limbs, a binary GCD, and a
 * shift-subtract division only when the GCD is not 1. Prices are public,
 * so variable time is fine. */
#include "core/internal.h"

#include "ticket/ticket.h"

#include <string.h>

typedef struct {
    uint64_t l[4]; /* little-endian limbs: l[0] is the least significant */
} limbs;

static void from_u256(limbs *x, const tk_u256 *v)
{
    int i, j;
    for (i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (j = 0; j < 8; j++)
            w = (w << 8) | v->bytes[8 * (3 - i) + j];
        x->l[i] = w;
    }
}

static void to_u256(tk_u256 *v, const limbs *x)
{
    int i, j;
    for (i = 0; i < 4; i++) {
        uint64_t w = x->l[i];
        for (j = 7; j >= 0; j--) {
            v->bytes[8 * (3 - i) + j] = (uint8_t)w;
            w >>= 8;
        }
    }
}

static int is_zero(const limbs *x)
{
    return (x->l[0] | x->l[1] | x->l[2] | x->l[3]) == 0;
}

static int fits64(const limbs *x)
{
    return (x->l[1] | x->l[2] | x->l[3]) == 0;
}

static int cmp(const limbs *a, const limbs *b)
{
    int i;
    for (i = 3; i >= 0; i--) {
        if (a->l[i] != b->l[i])
            return a->l[i] < b->l[i] ? -1 : 1;
    }
    return 0;
}

/* a -= b, with a >= b. */
static void sub(limbs *a, const limbs *b)
{
    uint64_t borrow = 0;
    int i;
    for (i = 0; i < 4; i++) {
        uint64_t d = a->l[i] - b->l[i];
        uint64_t nb = (a->l[i] < b->l[i]) | (d < borrow);
        a->l[i] = d - borrow;
        borrow = nb;
    }
}

static void shr(limbs *x, unsigned n) /* n < 64 */
{
    int i;
    if (n == 0)
        return;
    for (i = 0; i < 3; i++)
        x->l[i] = (x->l[i] >> n) | (x->l[i + 1] << (64 - n));
    x->l[3] >>= n;
}

static void shl(limbs *x, unsigned n) /* n < 64 */
{
    int i;
    if (n == 0)
        return;
    for (i = 3; i > 0; i--)
        x->l[i] = (x->l[i] << n) | (x->l[i - 1] >> (64 - n));
    x->l[0] <<= n;
}

/* Trailing zero bits of a non-zero value, at most 63 per call so shifts
 * stay in range; callers loop. */
static unsigned ctz_step(const limbs *x)
{
    uint64_t w = x->l[0];
    unsigned n = 0;
    if (w == 0)
        return 63;
    while ((w & 1) == 0 && n < 63) {
        w >>= 1;
        n++;
    }
    return n;
}

static void strip_twos(limbs *x, unsigned *count)
{
    unsigned n;
    while ((n = ctz_step(x)) > 0) {
        shr(x, n);
        if (count != NULL)
            *count += n;
    }
}

/* gcd(a, b) of non-zero values (Stein's binary algorithm). */
static void gcd(limbs *g, const limbs *a, const limbs *b)
{
    limbs u = *a, v = *b;
    unsigned tu = 0, tv = 0, shift;

    strip_twos(&u, &tu);
    strip_twos(&v, &tv);
    shift = tu < tv ? tu : tv;
    for (;;) {
        /* u and v are odd here. */
        int c = cmp(&u, &v);
        if (c == 0)
            break;
        if (c > 0) {
            limbs t = u;
            u = v;
            v = t;
        }
        sub(&v, &u); /* v even, non-zero */
        strip_twos(&v, NULL);
    }
    while (shift > 0) {
        unsigned n = shift > 63 ? 63 : shift;
        shl(&u, n);
        shift -= n;
    }
    *g = u;
}

static int bit(const limbs *x, int i)
{
    return (int)((x->l[i / 64] >> (i % 64)) & 1);
}

/* q = a / d (d non-zero), schoolbook binary long division. */
static void divide(limbs *q, const limbs *a, const limbs *d)
{
    limbs r;
    int i;

    memset(q, 0, sizeof *q);
    memset(&r, 0, sizeof r);
    for (i = 255; i >= 0; i--) {
        /* r < d <= 2^256 - 1, so r's top bit is clear before the shift. */
        int top = (int)(r.l[3] >> 63);
        shl(&r, 1);
        r.l[0] |= (uint64_t)bit(a, i);
        if (top || cmp(&r, d) >= 0) {
            sub(&r, d); /* wraps correctly when top was set */
            q->l[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

tk_status tk_price_reduce(tk_price *out, const tk_price *in)
{
    limbs num, den, g;
    tk_price res;

    TK_ARG_CHECK_NOCTX(out != NULL);
    if (in == NULL) {
        memset(out, 0, sizeof *out);
        TK_ARG_CHECK_NOCTX(in != NULL);
    }
    from_u256(&num, &in->num);
    from_u256(&den, &in->den);
    memset(&res, 0, sizeof res);
    if (is_zero(&den)) {
        memset(out, 0, sizeof *out);
        return TK_ERR_INVALID_PRICE;
    }
    if (is_zero(&num)) {
        res.den.bytes[TK_U256_LEN - 1] = 1; /* 0/x is 0/1 */
        *out = res;
        return TK_OK;
    }
    if (fits64(&num) && fits64(&den)) {
        uint64_t g64 = gcd64(num.l[0], den.l[0]);
        num.l[0] /= g64;
        den.l[0] /= g64;
    } else {
        gcd(&g, &num, &den);
        if (!(fits64(&g) && g.l[0] == 1)) {
            limbs q;
            divide(&q, &num, &g);
            num = q;
            divide(&q, &den, &g);
            den = q;
        }
    }
    to_u256(&res.num, &num);
    to_u256(&res.den, &den);
    *out = res; /* in and out may alias */
    return TK_OK;
}

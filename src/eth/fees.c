/* SPDX-License-Identifier: MIT */
/* Fee cap and replacement bumps (eth_tx.h). Big-endian byte arithmetic:
 * fee values are public, variable time is fine. */
#include "ticket/eth_tx.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <string.h>

/* *r = a + b; returns the carry out (1 on overflow). r may alias. */
static int add(tk_u256 *r, const tk_u256 *a, const tk_u256 *b)
{
    unsigned carry = 0;
    for (int i = TK_U256_LEN - 1; i >= 0; i--) {
        unsigned s = (unsigned)a->bytes[i] + b->bytes[i] + carry;
        r->bytes[i] = (uint8_t)s;
        carry = s >> 8;
    }
    return (int)carry;
}

/* x + ceil(x / 8); returns 1 on overflow. */
static int bump(tk_u256 *r, const tk_u256 *x)
{
    tk_u256 eighth;
    int round_up = (x->bytes[TK_U256_LEN - 1] & 7) != 0;

    /* x >> 3 */
    for (int i = TK_U256_LEN - 1; i >= 0; i--)
        eighth.bytes[i] = (uint8_t)((x->bytes[i] >> 3) |
                                    (i > 0 ? x->bytes[i - 1] << 5 : 0));
    if (round_up) {
        tk_u256 one;
        memset(&one, 0, sizeof one);
        one.bytes[TK_U256_LEN - 1] = 1;
        (void)add(&eighth, &eighth, &one); /* x / 8 + 1 cannot overflow */
    }
    return add(r, x, &eighth);
}

static const tk_u256 *max_of(const tk_u256 *a, const tk_u256 *b)
{
    return b != NULL && tk_u256_cmp(b, a) > 0 ? b : a;
}

tk_status tk_eth_fee_cap(tk_u256 *cap, const tk_u256 *base_fee,
                         const tk_u256 *tip, const tk_u256 *max_gas_price)
{
    tk_u256 c;

    TK_ARG_CHECK_NOCTX(cap != NULL);
    memset(cap, 0, sizeof *cap);
    TK_ARG_CHECK_NOCTX(base_fee != NULL && tip != NULL &&
                       max_gas_price != NULL);
    if (add(&c, base_fee, base_fee) || add(&c, &c, tip))
        memset(c.bytes, 0xff, sizeof c.bytes); /* saturate */
    if (tk_u256_cmp(&c, max_gas_price) > 0)
        c = *max_gas_price;
    if (tk_u256_cmp(tip, &c) > 0)
        return TK_ERR_OUT_OF_RANGE;
    *cap = c;
    return TK_OK;
}

tk_status tk_eth_fee_bump(tk_u256 *tip, tk_u256 *cap, const tk_u256 *old_tip,
                          const tk_u256 *old_cap, const tk_u256 *fresh_tip,
                          const tk_u256 *fresh_cap,
                          const tk_u256 *max_gas_price)
{
    tk_u256 t, c;

    TK_ARG_CHECK_NOCTX(tip != NULL && cap != NULL);
    memset(tip, 0, sizeof *tip);
    memset(cap, 0, sizeof *cap);
    TK_ARG_CHECK_NOCTX(old_tip != NULL && old_cap != NULL &&
                       max_gas_price != NULL);
    TK_ARG_CHECK_NOCTX(tk_u256_cmp(old_tip, old_cap) <= 0);
    if (bump(&t, old_tip) || bump(&c, old_cap))
        return TK_ERR_OVERFLOW;
    t = *max_of(&t, fresh_tip);
    c = *max_of(&c, fresh_cap);
    if (tk_u256_cmp(&c, max_gas_price) > 0)
        return TK_ERR_OUT_OF_RANGE;
    /* bump is monotonic, so bump(old_tip) <= bump(old_cap) <= c: only a
     * fresh tip can exceed the cap, and the cap bounds it. */
    if (tk_u256_cmp(&t, &c) > 0)
        t = c;
    *tip = t;
    *cap = c;
    return TK_OK;
}

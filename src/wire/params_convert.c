/* SPDX-License-Identifier: MIT */
/* Wire-level ticket params <-> tk_ticket_params (docs/protocol-notes.md
 * section 9):
 * the rules shared by Payment and OrchestratorInfo. */
#include "wire_internal.h"

#include "ticket/u256.h"

#include <string.h>

static tk_status price_from_wire(tk_price *out, const tk_wire_price_info *p)
{
    tk_price raw;
    if (!p->present)
        return TK_ERR_INVALID_PRICE; /* go-livepeer: "expected price is nil" */
    if (p->pixels_per_unit == 0)
        return TK_ERR_INVALID_PRICE;
    if (tk_u256_from_u64(&raw.num, (uint64_t)p->price_per_unit) != TK_OK ||
        tk_u256_from_u64(&raw.den, (uint64_t)p->pixels_per_unit) != TK_OK)
        return TK_ERR_INTERNAL;
    return tk_price_reduce(out, &raw);
}

tk_status tk__wire_params_from_wire(tk_ticket_params *out,
                                    const tk_wire_ticket_params *tp,
                                    const tk_wire_expiration_params *exp,
                                    const tk_wire_price_info *price)
{
    tk_status st = TK_OK;
    memset(out, 0, sizeof *out);

    /* Structure first: everything malformed is TK_ERR_MALFORMED whatever
     * else is wrong with the price. */
    if (tp->recipient_len != TK_ADDRESS_LEN ||
        tp->recipient_rand_hash_len != TK_HASH_LEN)
        return TK_ERR_MALFORMED;
    if (price->present &&
        (price->price_per_unit < 0 || price->pixels_per_unit < 0))
        return TK_ERR_MALFORMED;
    if (exp != NULL && exp->present &&
        (exp->creation_round < 0 ||
         (exp->creation_round_block_hash_len != 0 &&
          exp->creation_round_block_hash_len != TK_HASH_LEN)))
        return TK_ERR_MALFORMED;

    memcpy(out->recipient.bytes, tp->recipient, TK_ADDRESS_LEN);
    memcpy(out->recipient_rand_hash.bytes, tp->recipient_rand_hash,
           TK_HASH_LEN);
    /* Lengths are at most 32 here, so these cannot fail. */
    if (tk_u256_from_bytes(&out->face_value, tp->face_value,
                           tp->face_value_len) != TK_OK ||
        tk_u256_from_bytes(&out->win_prob, tp->win_prob, tp->win_prob_len) !=
            TK_OK ||
        tk_u256_from_bytes(&out->seed, tp->seed, tp->seed_len) != TK_OK ||
        tk_u256_from_bytes(&out->expiration_block, tp->expiration_block,
                           tp->expiration_block_len) != TK_OK)
        st = TK_ERR_MALFORMED;
    if (st == TK_OK && exp != NULL && exp->present) {
        out->creation_round = exp->creation_round;
        if (exp->creation_round_block_hash_len == TK_HASH_LEN)
            memcpy(out->creation_round_block_hash.bytes,
                   exp->creation_round_block_hash, TK_HASH_LEN);
    }
    if (st == TK_OK)
        st = price_from_wire(&out->price, price);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* B(x) into a wire field of capacity 32. */
static void put_int(uint8_t dst[TK_U256_LEN], size_t *len, const tk_u256 *x)
{
    const uint8_t *p = NULL;
    size_t n = 0;
    (void)tk_u256_minimal(&p, &n, x);
    if (n != 0)
        memcpy(dst, p, n);
    *len = n;
}

static tk_status to_int64(int64_t *out, const tk_u256 *x)
{
    uint64_t v = 0;
    if (tk_u256_to_u64(&v, x) != TK_OK || v > (uint64_t)INT64_MAX)
        return TK_ERR_OUT_OF_RANGE;
    *out = (int64_t)v;
    return TK_OK;
}

tk_status tk__wire_params_to_wire(tk_wire_ticket_params *tp,
                                  tk_wire_expiration_params *exp,
                                  tk_wire_price_info *price,
                                  const tk_ticket_params *in)
{
    tk_status st;
    memset(tp, 0, sizeof *tp);
    memset(exp, 0, sizeof *exp);
    memset(price, 0, sizeof *price);
    if (in->creation_round < 0)
        return TK_ERR_ILLEGAL_ARG;
    if (tk_u256_is_zero(&in->price.den))
        return TK_ERR_INVALID_PRICE;
    if ((st = to_int64(&price->price_per_unit, &in->price.num)) != TK_OK ||
        (st = to_int64(&price->pixels_per_unit, &in->price.den)) != TK_OK) {
        memset(price, 0, sizeof *price);
        return st;
    }
    price->present = 1;

    tp->present = 1;
    memcpy(tp->recipient, in->recipient.bytes, TK_ADDRESS_LEN);
    tp->recipient_len = TK_ADDRESS_LEN;
    put_int(tp->face_value, &tp->face_value_len, &in->face_value);
    put_int(tp->win_prob, &tp->win_prob_len, &in->win_prob);
    memcpy(tp->recipient_rand_hash, in->recipient_rand_hash.bytes, TK_HASH_LEN);
    tp->recipient_rand_hash_len = TK_HASH_LEN;
    put_int(tp->seed, &tp->seed_len, &in->seed);
    put_int(tp->expiration_block, &tp->expiration_block_len,
            &in->expiration_block);

    /* go-livepeer always sends the block hash as 32 bytes, even all zero. */
    exp->present = 1;
    exp->creation_round = in->creation_round;
    memcpy(exp->creation_round_block_hash, in->creation_round_block_hash.bytes,
           TK_HASH_LEN);
    exp->creation_round_block_hash_len = TK_HASH_LEN;
    return TK_OK;
}

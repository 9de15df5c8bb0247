/* SPDX-License-Identifier: MIT */
/* Issuing ticket params (docs/protocol-notes.md section 4). */
#include "recipient_internal.h"

#include "ticket/u256.h"

#include "core/internal.h"
#include "model/mpz_u64.h"
#include "core/random.h"

#include <string.h>

/* faceValue (4.2), exactly as go-livepeer's recipient.faceValue(). */
static tk_status face_value(const tk_recipient *r, tk_u256 *out, const tk_u256 *gas_price,
                            const tk_u256 *max_float)
{
    mpz_t ev, tx_cost, face, cap, floor3;
    tk_status st = TK_OK;

    mpz_inits(ev, tx_cost, face, cap, floor3, NULL);
    (void)tk_u256_to_mpz(ev, &r->cfg.ev);
    (void)tk_u256_to_mpz(tx_cost, gas_price);
    tk__mpz_set_u64(cap, r->cfg.redeem_gas);
    mpz_mul_ui(floor3, cap, TK_AVG_GAS_PRICE_WEI); /* redeemGas * 3 gwei */
    mpz_mul(tx_cost, tx_cost, cap);                 /* redeemGas * gasPrice */
    tk__mpz_set_u64(cap, r->cfg.tx_cost_multiplier);
    mpz_mul(face, tx_cost, cap);
    if (mpz_cmp(face, ev) < 0)
        mpz_mul_ui(face, ev, TK_EV_MULTIPLIER);
    (void)tk_u256_to_mpz(cap, max_float);
    if (mpz_cmp(face, cap) > 0)
        mpz_set(face, cap);
    if (!tk_u256_is_zero(&r->cfg.max_face_value)) {
        (void)tk_u256_to_mpz(cap, &r->cfg.max_face_value);
        if (mpz_cmp(face, cap) > 0)
            mpz_set(face, cap);
    }
    if (mpz_cmp(face, ev) < 0 || (mpz_cmp(face, tx_cost) < 0 && mpz_cmp(face, floor3) < 0))
        st = TK_ERR_INSUFFICIENT_SENDER_RESERVE;
    else
        st = tk_u256_from_mpz(out, face); /* <= maxFloat < 2^256 */
    mpz_clears(ev, tx_cost, face, cap, floor3, NULL);
    return st;
}

static tk_status issue(tk_recipient *r, tk_ticket_params *out, const tk_address *sender,
                       const tk_price *reduced, const tk_params_inputs *in)
{
    tk_status st;

    out->recipient = r->cfg.address;
    out->price = *reduced;
    if (!tk_u256_is_zero(&reduced->num)) {
        if ((st = face_value(r, &out->face_value, &in->gas_price, &in->max_float)) != TK_OK)
            return st;
        if ((st = tk_win_prob(&out->win_prob, &out->face_value, &r->cfg.ev)) != TK_OK)
            return st;
    } /* else price zero: faceValue = winProb = 0, no payment needed */
    if (in->has_seed)
        out->seed = in->seed;
    else if ((st = tk__random_bytes(out->seed.bytes, TK_U256_LEN)) != TK_OK)
        return st;
    if ((st = tk_u256_from_u64(&out->expiration_block,
                               in->last_block + TK_PARAMS_EXPIRATION_BLOCKS)) != TK_OK)
        return st;
    out->creation_round = in->creation_round;
    out->creation_round_block_hash = in->creation_round_block_hash;

    return tk__recipient_rand_hash(r, &out->recipient_rand_hash, sender, out);
}

tk_status tk_recipient_params_with(tk_recipient *r, tk_ticket_params *out,
                                   const tk_address *sender, const tk_price *price,
                                   const tk_params_inputs *in)
{
    tk_price reduced;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL && sender != NULL && price != NULL && in != NULL);
    TK_ARG_CHECK(r->ctx, in->creation_round >= 0);
    TK_ARG_CHECK(r->ctx, in->last_block <= UINT64_MAX - TK_PARAMS_EXPIRATION_BLOCKS);
    st = tk_price_reduce(&reduced, price);
    if (st == TK_OK)
        st = issue(r, out, sender, &reduced, in);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* The creation round of 4.4: the last initialized round and its block
 * hash, or the previous round when that hash is still zero. */
static void creation_round(const tk_round_info *ri, tk_params_inputs *in)
{
    if (!tk_hash_is_zero(&ri->last_initialized_block_hash)) {
        in->creation_round = ri->last_initialized_round;
        in->creation_round_block_hash = ri->last_initialized_block_hash;
    } else {
        in->creation_round = ri->previous_round;
        in->creation_round_block_hash = ri->previous_block_hash;
    }
}

tk_status tk_recipient_params(tk_recipient *r, tk_ticket_params *out, const tk_address *sender,
                              const tk_price *price)
{
    tk_params_inputs in;
    tk_round_info ri;
    tk_price reduced;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL && sender != NULL && price != NULL);
    if ((st = tk_price_reduce(&reduced, price)) != TK_OK)
        return st;
    memset(&in, 0, sizeof in);
    if (r->chain.last_block(r->chain.self, &in.last_block) != TK_OK ||
        r->chain.rounds(r->chain.self, &ri) != TK_OK)
        return TK_ERR_CHAIN;
    creation_round(&ri, &in);
    if (in.creation_round < 0 || in.last_block > UINT64_MAX - TK_PARAMS_EXPIRATION_BLOCKS)
        return TK_ERR_CHAIN; /* the chain reported nonsense */
    /* Expire from the high-water mark, as receive judges expiry: params
     * issued from one lagging read would be expired on arrival. */
    in.last_block = tk__recipient_raise_block(r, in.last_block);
    if (in.last_block > UINT64_MAX - TK_PARAMS_EXPIRATION_BLOCKS)
        return TK_ERR_CHAIN;
    if (!tk_u256_is_zero(&reduced.num)) {
        if (r->chain.gas_price(r->chain.self, &in.gas_price) != TK_OK)
            return TK_ERR_CHAIN;
        st = tk_monitor_max_float(r->monitor, &in.max_float, sender);
        if (st != TK_OK)
            return st;
    }
    st = issue(r, out, sender, &reduced, &in);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

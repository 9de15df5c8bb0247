/* SPDX-License-Identifier: MIT */
#include "fixture.h"
#include "bench.h"

#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

/* floor((2^256 - 1) / 10000), big-endian: the winProb for face 1e16 and
 * EV 1e12. */
static const uint8_t WIN_PROB_1E4[32] = {
    0x00, 0x06, 0x8d, 0xb8, 0xba, 0xc7, 0x10, 0xcb, 0x29, 0x5e, 0x9e,
    0x1b, 0x08, 0x9a, 0x02, 0x75, 0x25, 0x46, 0x0a, 0xa6, 0x4c, 0x2f,
    0x83, 0x7b, 0x4a, 0x23, 0x39, 0xc0, 0xeb, 0xed, 0xfa, 0x43};

/* A decimal constant of this file (always valid). */
static void u256_dec(tk_u256 *out, const char *dec)
{
    if (tk_u256_from_dec(out, dec, strlen(dec)) != TK_OK)
        memset(out, 0, sizeof *out);
}

void bench_win_prob(tk_u256 *out)
{
    memcpy(out->bytes, WIN_PROB_1E4, sizeof out->bytes);
}

static tk_status c_last_block(void *self, uint64_t *block)
{
    *block = ((const bench_chain *)self)->last_block;
    return TK_OK;
}

static tk_status c_rounds(void *self, tk_round_info *out)
{
    *out = ((const bench_chain *)self)->rounds;
    return TK_OK;
}

static tk_status c_funds(void *self, const tk_address *sender,
                         tk_sender_funds *out)
{
    (void)sender;
    *out = ((const bench_chain *)self)->funds;
    return TK_OK;
}

static tk_status c_claimed(void *self, const tk_address *sender,
                           const tk_address *claimant, tk_u256 *out)
{
    (void)self;
    (void)sender;
    (void)claimant;
    memset(out, 0, sizeof *out);
    return TK_OK;
}

static tk_status c_pool(void *self, uint64_t *out)
{
    *out = ((const bench_chain *)self)->pool_size;
    return TK_OK;
}

static tk_status c_gas(void *self, tk_u256 *out)
{
    *out = ((const bench_chain *)self)->gas_price;
    return TK_OK;
}

static tk_status c_used(void *self, const tk_hash *h, int *used)
{
    (void)self;
    (void)h;
    *used = 0;
    return TK_OK;
}

int bench_world_init(bench_world *w)
{
    bench_chain *c = &w->chain_state;

    memset(w, 0, sizeof *w);
    if (tk_ctx_create(&w->ctx) != TK_OK)
        return -1;
    /* Block 1000, round 10 initialized, 10 ETH deposit and reserve, one
     * active transcoder, gas at 1 gwei. */
    c->last_block = 1000;
    c->rounds.current_round = 10;
    c->rounds.current_round_initialized = 1;
    c->rounds.last_initialized_round = 10;
    memset(c->rounds.last_initialized_block_hash.bytes, 0x11, 32);
    c->rounds.previous_round = 9;
    memset(c->rounds.previous_block_hash.bytes, 0x09, 32);
    u256_dec(&c->funds.deposit, "10000000000000000000");
    u256_dec(&c->funds.reserve_funds_remaining, "10000000000000000000");
    c->pool_size = 1;
    (void)tk_u256_from_u64(&c->gas_price, 1000000000u);

    w->chain.self = c;
    w->chain.last_block = c_last_block;
    w->chain.rounds = c_rounds;
    w->chain.sender_funds = c_funds;
    w->chain.claimed_reserve = c_claimed;
    w->chain.pool_size = c_pool;
    w->chain.gas_price = c_gas;
    w->chain.ticket_used = c_used;

    for (uint64_t k = 100; tk_key_verify(w->ctx, w->sender_key) != TK_OK; k++)
        bench_fill(w->sender_key, sizeof w->sender_key, k);
    if (tk_key_address(w->ctx, &w->sender, w->sender_key) != TK_OK)
        goto fail;
    bench_fill(w->recipient.bytes, sizeof w->recipient.bytes, 200);
    return 0;
fail:
    bench_world_free(w);
    return -1;
}

void bench_world_free(bench_world *w)
{
    tk_store_mem_destroy(w->store_mem);
    tk_store_mem_destroy(w->nonce_mem);
    w->store_mem = w->nonce_mem = NULL;
    tk_memzero(w->secret, sizeof w->secret);
    tk_memzero(w->sender_key, sizeof w->sender_key);
    tk_ctx_destroy(w->ctx);
    w->ctx = NULL;
}

int bench_sender_create(bench_world *w, tk_sender **out)
{
    tk_sender_config cfg;

    memset(&cfg, 0, sizeof cfg);
    memset(&cfg.max_ev, 0xff, sizeof cfg.max_ev);
    memset(&cfg.max_total_ev, 0xff, sizeof cfg.max_total_ev);
    cfg.deposit_multiplier = 1;
    return tk_sender_create(w->ctx, out, &w->chain, &cfg, w->sender_key) ==
                   TK_OK
               ? 0
               : -1;
}

void bench_params_for_sender(const bench_world *w, tk_ticket_params *out,
                             uint64_t i)
{
    tk_u256 n;

    memset(out, 0, sizeof *out);
    out->recipient = w->recipient;
    u256_dec(&out->face_value, "10000000000000000");
    bench_win_prob(&out->win_prob);
    (void)tk_u256_from_u64(&n, i);
    (void)tk_keccak256(&out->recipient_rand_hash, n.bytes, sizeof n.bytes);
    out->seed = n;
    (void)tk_u256_from_u64(&out->expiration_block,
                           w->chain_state.last_block + 40);
    (void)tk_u256_from_u64(&out->price.num, 1);
    (void)tk_u256_from_u64(&out->price.den, 1);
    out->creation_round = w->chain_state.rounds.last_initialized_round;
    out->creation_round_block_hash =
        w->chain_state.rounds.last_initialized_block_hash;
}

/* ---- The recipient side ---------------------------------------------- */

int bench_recipient_setup(bench_world *w)
{
    if (tk_store_mem_create(&w->store_mem) != TK_OK ||
        tk_store_mem_iface(w->store_mem, &w->store) != TK_OK)
        return -1;
    w->store.nonce_add = NULL;
    w->store.nonce_load = NULL;
    w->store.nonce_prune = NULL;
    memset(&w->rcfg, 0, sizeof w->rcfg);
    w->rcfg.address = w->recipient;
    (void)tk_u256_from_u64(&w->rcfg.ev, 1000000000000u); /* 1e12 wei */
    w->rcfg.redeem_gas = 100000;
    w->rcfg.tx_cost_multiplier = 100; /* face = 1e5 * 1 gwei * 100 = 1e16 */
    bench_fill(w->secret, sizeof w->secret, 300);
    return 0;
}

int bench_recipient_new(bench_world *w, tk_recipient **r, int with_nonces)
{
    tk_recipient_destroy(*r);
    *r = NULL;
    if (with_nonces) {
        tk_store_mem_destroy(w->nonce_mem);
        w->nonce_mem = NULL;
        if (tk_store_mem_create(&w->nonce_mem) != TK_OK ||
            tk_store_mem_iface(w->nonce_mem, &w->store_nonces) != TK_OK)
            return -1;
    }
    return tk_recipient_create(w->ctx, r, &w->rcfg, w->secret, &w->chain,
                               with_nonces ? &w->store_nonces : &w->store) ==
                   TK_OK
               ? 0
               : -1;
}

int bench_recipient_params(bench_world *w, tk_recipient *r,
                           tk_ticket_params *out, uint64_t seed)
{
    tk_params_inputs in;
    tk_price price;

    memset(&in, 0, sizeof in);
    memset(&price, 0, sizeof price);
    in.gas_price = w->chain_state.gas_price;
    u256_dec(&in.max_float, "10000000000000000000");
    in.last_block = w->chain_state.last_block;
    in.creation_round = w->chain_state.rounds.last_initialized_round;
    in.creation_round_block_hash =
        w->chain_state.rounds.last_initialized_block_hash;
    in.has_seed = 1;
    (void)tk_u256_from_u64(&in.seed, seed);
    (void)tk_u256_from_u64(&price.num, 1);
    (void)tk_u256_from_u64(&price.den, 1);
    return tk_recipient_params_with(r, out, &w->sender, &price, &in) == TK_OK
               ? 0
               : -1;
}

void bench_payments_free(tk_payment *p, size_t npay)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < npay; i++)
        tk_payment_clear(&p[i]);
    free(p);
}

tk_payment *bench_payments_make(bench_world *w, tk_sender *s,
                                tk_recipient *r, size_t npay, size_t per_pay,
                                uint64_t seed0)
{
    size_t per_params = per_pay >= 500 ? 1 : 500 / per_pay;
    tk_payment *p = calloc(npay ? npay : 1, sizeof *p);
    tk_ticket_params params;
    uint64_t seed = seed0;

    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < npay; i += per_params, seed++) {
        if (bench_recipient_params(w, r, &params, seed) != 0 ||
            tk_sender_session_start(s, &params, 0) != TK_OK)
            goto fail;
        for (size_t j = i; j < npay && j < i + per_params; j++) {
            if (tk_sender_create_batch(s, &p[j], &params.recipient_rand_hash,
                                       per_pay) != TK_OK) {
                (void)tk_sender_session_end(s, &params.recipient_rand_hash);
                goto fail;
            }
        }
        (void)tk_sender_session_end(s, &params.recipient_rand_hash);
    }
    return p;
fail:
    bench_payments_free(p, npay);
    return NULL;
}

/* SPDX-License-Identifier: MIT */
#ifndef TK_BENCH_FIXTURE_H
#define TK_BENCH_FIXTURE_H

/* The world the sender and recipient figures run in: a context, a
 * constant chain view, one sender key, and the params a default recipient
 * issues (face value 1e16 wei, EV 1e12 wei, so winProb = MAX / 10000).
 *
 * The chain view is a read-only snapshot without locks, as a node's cached
 * view of L1 would be: the figures measure libticket, not a chain client.
 * (tk_chain_mem, the dev chain, takes one global mutex per callback.) */

#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/payment.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"
#include "ticket/store.h"
#include "ticket/ticket.h"

typedef struct bench_chain {
    uint64_t last_block;
    tk_round_info rounds;
    tk_sender_funds funds;
    uint64_t pool_size;
    tk_u256 gas_price;
} bench_chain;

typedef struct bench_world {
    tk_ctx *ctx;
    bench_chain chain_state;
    tk_chain chain;
    uint8_t sender_key[32];
    tk_address sender;
    tk_address recipient;
    /* The recipient side (bench_recipient_setup): an in-memory store for
     * winners, the default go-livepeer policy and a fixed secret. */
    tk_store_mem *store_mem;
    tk_store store;          /* winners only: no nonce persistence */
    tk_store_mem *nonce_mem; /* made anew by every bench_recipient_new */
    tk_store store_nonces;   /* nonce_mem as it is, with nonce_add */
    tk_recipient_config rcfg;
    uint8_t secret[32];
} bench_world;

/* Returns 0 on success; on failure everything is released. */
int bench_world_init(bench_world *w);
void bench_world_free(bench_world *w);

/* A sender for w's key with no EV limits and deposit multiplier 1.
 * Returns 0 on success. */
int bench_sender_create(bench_world *w, tk_sender **out);

/* winProb = floor((2^256 - 1) / 10000): face value 1e16, EV 1e12. */
void bench_win_prob(tk_u256 *out);

/* Params for session i as a recipient would issue them: the recipient
 * rand hash is keccak(u256(i)) - the sender never checks it - and the
 * expiration 40 blocks ahead. */
void bench_params_for_sender(const bench_world *w, tk_ticket_params *out,
                             uint64_t i);

/* ---- The recipient side ---------------------------------------------- */

/* The store and recipient config of w. Returns 0 on success. */
int bench_recipient_setup(bench_world *w);

/* A fresh recipient (empty replay set and balances) over w's chain and
 * w->store, or, when with_nonces is set, over a fresh tk_store_mem that
 * persists every seen nonce (w->store_nonces; a store that kept the nonces
 * of the previous recipient would hand them to the new one). *r is
 * destroyed first. Returns 0 on success. */
int bench_recipient_new(bench_world *w, tk_recipient **r, int with_nonces);

/* Params that r issues for w's sender with seed `seed` at price 1/1.
 * Returns 0 on success. */
int bench_recipient_params(bench_world *w, tk_recipient *r,
                           tk_ticket_params *out, uint64_t seed);

/* npay payments of per_pay tickets each, signed by s (w's key), on params
 * r issued with seeds seed0, seed0 + 1, ... (a new set of params every
 * max(1, 500 / per_pay) payments, below the 600-nonce cap). Returns the
 * array (free with bench_payments_free) or NULL. */
tk_payment *bench_payments_make(bench_world *w, tk_sender *s,
                                tk_recipient *r, size_t npay, size_t per_pay,
                                uint64_t seed0);
void bench_payments_free(tk_payment *p, size_t npay);

#endif

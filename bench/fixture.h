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
#include "ticket/sender.h"
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

#endif

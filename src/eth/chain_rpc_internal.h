/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_CHAIN_RPC_INTERNAL_H
#define TK_ETH_CHAIN_RPC_INTERNAL_H

/* The chain view over RPC (ticket/chain_rpc.h):
 *   chain_rpc.c        create / destroy, the sender table, the tk_chain
 *                      callbacks (cache reads only)
 *   chain_rpc_poll.c   the poll: reads into a snapshot without the cache
 *                      lock, then installs it all at once */

#include "ticket/chain_rpc.h"

#include <pthread.h>

/* One known sender. fetched = 0 until a poll has read it; watched = 1
 * when tk_chain_rpc_watch registered it (else a callback did). */
typedef struct tk__crpc_sender {
    tk_address addr;
    int fetched;
    int watched;
    tk_sender_funds funds;
    tk_u256 claimed;          /* claimedReserve(addr, recipient) */
} tk__crpc_sender;

/* What a poll at a new block reads besides the senders. */
typedef struct tk__crpc_state {
    uint64_t block, l1_block;
    int has_l1_block_number;
    tk_round_info rounds;
    uint64_t pool_size;
    tk_u256 gas_price, gas_price_node;
} tk__crpc_state;

struct tk_chain_rpc {
    const tk_ctx *ctx;
    tk_chain_rpc_options opts;   /* rpc.endpoints not kept */

    pthread_mutex_t rpc_mu;      /* rpc, the contract addresses, staging */
    tk_rpc *rpc;
    int have_contracts;
    tk_address broker, rounds_mgr, bonding;
    tk__crpc_sender *staging;    /* max_senders entries: a poll's reads */

    pthread_mutex_t mu;          /* everything below */
    int valid;
    tk__crpc_state st;
    uint64_t last_ok_ms;         /* monotonic time of the last good poll */
    tk__crpc_sender *senders;    /* sorted by address, max_senders room */
    size_t n_senders;
    uint64_t polls, refreshes;
};

/* The index of addr in the sorted table, or where it would go (*found
 * says which). Caller holds mu. */
size_t tk__crpc_find(const tk_chain_rpc *v, const tk_address *addr,
                     int *found);

/* Monotonic milliseconds. */
uint64_t tk__crpc_now_ms(void);

#endif /* TK_ETH_CHAIN_RPC_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
#ifndef TICKET_CHAIN_H
#define TICKET_CHAIN_H

/** The chain state interface: what the sender, recipient and redemption
 *  queue need to know about Ethereum (L1 blocks, Livepeer rounds, the
 *  TicketBroker's view of a sender). The embedding node supplies it as a
 *  struct of callbacks over its own RPC client/cache; libticket never does
 *  network I/O itself. Every callback returns TK_OK or an error (the
 *  library then returns TK_ERR_CHAIN to its caller). Callbacks may be
 *  called from any thread that calls into the library; they must be
 *  thread-safe if the objects using them are shared.
 *
 *  What the library assumes of the view:
 *  - last_block may lag or go back (RPC failover to a lagging node, a
 *    reorg). The recipient never lowers what it has seen: it keeps a
 *    high-water mark of last_block (and the store's block mark, shared by
 *    every recipient on the store and kept across restarts), judges
 *    params expiry and pruning against it and issues params from it. A
 *    view that lags only delays expiry; it never re-opens expired params
 *    nor issues params that are expired on arrival.
 *  - A view that runs AHEAD of the chain (a lying endpoint) expires params
 *    early: payments on them are then not credited, and the mark keeps that
 *    block. That costs the transcoder work, not a double credit.
 *  - Every other answer (rounds, funds, reserve, gas, ticket_used) is taken
 *    as the chain's state at the time of the call; use an endpoint you
 *    control.
 *
 *  tk_chain_mem is an in-memory implementation whose state tests and the
 *  demo set and advance by hand (a "dev chain"). */

#include "ticket/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Round state as the RoundsManager reports it. */
typedef struct tk_round_info {
    int64_t current_round;             /* the round the chain is in */
    int current_round_initialized;     /* 1 once initializeRound() ran */
    int64_t last_initialized_round;
    tk_hash last_initialized_block_hash; /* block hash stored at init */
    int64_t previous_round;            /* the one before the last initialized */
    tk_hash previous_block_hash;
} tk_round_info;

/** A sender's funds as the TicketBroker reports them. */
typedef struct tk_sender_funds {
    tk_u256 deposit;
    tk_u256 withdraw_round;            /* 0 = not unlocking */
    tk_u256 reserve_funds_remaining;
    tk_u256 reserve_claimed_in_current_round;
} tk_sender_funds;

typedef struct tk_chain {
    void *self;
    tk_status (*last_block)(void *self, uint64_t *block);
    tk_status (*rounds)(void *self, tk_round_info *out);
    tk_status (*sender_funds)(void *self, const tk_address *sender,
                              tk_sender_funds *out);
    /* What `claimant` already claimed from sender's reserve this round. */
    tk_status (*claimed_reserve)(void *self, const tk_address *sender,
                                 const tk_address *claimant, tk_u256 *out);
    tk_status (*pool_size)(void *self, uint64_t *out); /* active transcoders */
    tk_status (*gas_price)(void *self, tk_u256 *out);  /* wei per gas */
    tk_status (*ticket_used)(void *self, const tk_hash *ticket_hash,
                             int *used);
} tk_chain;

/* ---- The in-memory dev chain ------------------------------------------
 * Thread safety: every function may be called from any thread (one mutex).
 * Rounds last `round_length` blocks; initializing a round records the hash
 * of the block it was initialized at (a deterministic fake hash: the hash
 * of block b is keccak(u256(b))). Unknown senders have zero funds and zero
 * claimed reserve. */

typedef struct tk_chain_mem tk_chain_mem;

/** Create a dev chain at block `start_block`, round 1 initialized, pool
 *  size 1, gas price 1 gwei, round length 100 blocks.
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_chain_mem_create(tk_chain_mem **out,
    uint64_t start_block) TK_ARG_NONNULL(1);
TK_API void tk_chain_mem_destroy(tk_chain_mem *chain);

/** The tk_chain view of the dev chain (valid while it lives). */
TK_API tk_status tk_chain_mem_iface(tk_chain_mem *chain, tk_chain *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Mine n blocks. When a round boundary is crossed the current round
 *  advances; with auto_init (default on) it is initialized at once, at
 *  its first block. Returns TK_ERR_OVERFLOW (nothing changed) past 2^64-1
 *  blocks. A new round length (set_round_length) counts from the start of
 *  the current round and is applied by the next advance (advance(0) applies
 *  it at once). */
TK_API tk_status tk_chain_mem_advance(tk_chain_mem *chain, uint64_t n)
    TK_ARG_NONNULL(1);
TK_API tk_status tk_chain_mem_set_auto_init(tk_chain_mem *chain, int on)
    TK_ARG_NONNULL(1);
/** Initialize the current round now (no-op if it already is). */
TK_API tk_status tk_chain_mem_init_round(tk_chain_mem *chain)
    TK_ARG_NONNULL(1);
TK_API tk_status tk_chain_mem_set_round_length(tk_chain_mem *chain,
    uint64_t blocks) TK_ARG_NONNULL(1);
TK_API tk_status tk_chain_mem_set_sender_funds(tk_chain_mem *chain,
    const tk_address *sender, const tk_sender_funds *funds)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API tk_status tk_chain_mem_set_claimed(tk_chain_mem *chain,
    const tk_address *sender, const tk_address *claimant,
    const tk_u256 *claimed)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);
TK_API tk_status tk_chain_mem_set_pool_size(tk_chain_mem *chain,
    uint64_t n) TK_ARG_NONNULL(1);
TK_API tk_status tk_chain_mem_set_gas_price(tk_chain_mem *chain,
    const tk_u256 *wei) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);
TK_API tk_status tk_chain_mem_mark_used(tk_chain_mem *chain,
    const tk_hash *ticket_hash) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);
/** Read back the current state (for tests and the demo). */
TK_API tk_status tk_chain_mem_state(tk_chain_mem *chain, uint64_t *block,
    tk_round_info *rounds) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_CHAIN_H */

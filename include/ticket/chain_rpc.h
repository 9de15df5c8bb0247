/* SPDX-License-Identifier: MIT */
#ifndef TICKET_CHAIN_RPC_H
#define TICKET_CHAIN_RPC_H

/** A tk_chain over JSON-RPC (library ticket_eth, ticket::eth): a cache of
 *  the chain state that tk_chain_rpc_poll() refreshes, served to the
 *  recipient, monitor and redemption queue through the tk_chain callbacks.
 *  docs/chain.md ("The chain view over RPC") has the calls, the staleness
 *  bound and every option.
 *
 *  Polling: each poll asks for the latest block header (1 request). Only
 *  when its number is above the cached one does it read the rest, every
 *  contract call pinned to that block: RoundsManager currentRound,
 *  lastInitializedRound, currentRoundInitialized, blockHashForRound of the
 *  last initialized round and the one before it; BondingManager
 *  getTranscoderPoolSize; eth_gasPrice (clamped to [min, max]); and, for
 *  every known sender, TicketBroker getSenderInfo and
 *  claimedReserve(sender, recipient) (claimed_reserve answers for that
 *  recipient only). A poll at the same block fetches
 *  only senders registered since the last poll (a poll whose header is
 *  below the cached block reads nothing more). A poll that fails changes
 *  nothing (the cache is replaced all at once or not at all). The block
 *  number never moves back: a header at or below the cached number (a
 *  lagging endpoint) is ignored. last_block reports the header's
 *  l1BlockNumber (Arbitrum), or its number on chains without it.
 *
 *  The receive path never waits on the network: last_block, rounds,
 *  sender_funds, claimed_reserve, pool_size and gas_price answer from the
 *  cache and make ZERO RPC requests. They fail (the library then returns
 *  TK_ERR_CHAIN, a retryable error that records nothing) before the first
 *  successful poll, when the last successful poll is older than
 *  max_age_ms, and for a sender the cache does not hold yet: that sender
 *  is registered (up to max_senders) and the next poll fetches it (and
 *  drops it again if it has no deposit, reserve or unlock: made-up
 *  addresses must not fill the table). A node that registers a sender
 *  when it issues it ticket params (tk_chain_rpc_watch: never dropped)
 *  never sees that miss. ticket_used is read on
 *  demand (one eth_call at "latest"); only the redemption queue calls it.
 *
 *  Thread safety: every function may be called from any thread. The cache
 *  has one mutex, held only to copy a value in or out (never across
 *  network I/O); the client has another, held by poll and ticket_used
 *  (the tk_rpc is used by this view only). */

#include "ticket/chain.h"
#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/rpc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tk_chain_rpc tk_chain_rpc;

/** Options. Start from tk_chain_rpc_options_default(). Either controller
 *  is set (has_controller = 1: the three contract addresses are read from
 *  its getContract(keccak256(name)) on the first poll) or the three
 *  addresses are given. */
typedef struct tk_chain_rpc_options {
    tk_rpc_options rpc;        /* the client's options (copied) */
    int has_controller;
    tk_address controller;
    tk_address ticket_broker;  /* used when has_controller = 0 */
    tk_address rounds_manager;
    tk_address bonding_manager;
    tk_address recipient;      /* claimant of claimedReserve (our address);
                                  zero: claimedReserve is not read */
    tk_u256 min_gas_price;     /* gas price clamps, wei; default 0 */
    tk_u256 max_gas_price;     /* 0 = no upper clamp; default 0 */
    size_t max_senders;        /* senders cached; default 1024, max 2^20 */
    long max_age_ms;           /* cache older than this fails; default
                                  120000; 0 = never */
} tk_chain_rpc_options;

/** What the cache holds (tk_chain_rpc_info). */
typedef struct tk_chain_rpc_info {
    int valid;                 /* a poll has succeeded */
    uint64_t block;            /* the header's number (L2 on Arbitrum) */
    uint64_t l1_block;         /* what last_block reports */
    int has_l1_block_number;
    tk_round_info rounds;
    uint64_t pool_size;
    tk_u256 gas_price;         /* clamped */
    tk_u256 gas_price_node;    /* as the node said */
    tk_address ticket_broker, rounds_manager, bonding_manager;
    size_t senders;            /* senders known (fetched or not) */
    uint64_t polls, refreshes; /* successful polls; those at a new block */
} tk_chain_rpc_info;

/** Fill *opts with the defaults (no endpoint, no contract). */
TK_API tk_status tk_chain_rpc_options_default(tk_chain_rpc_options *opts)
    TK_ARG_NONNULL(1);

/** Create a view (no network I/O: the first poll reads the chain).
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL; bad rpc
 *           options as tk_rpc_create; a zero contract address; min_gas_price > max_gas_price != 0; max_senders 0 or
 *           over 2^20; a negative max_age_ms).
 *  Out:     *out: the view (NULL on failure); free with
 *           tk_chain_rpc_destroy. The context must outlive it. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_chain_rpc_create(const tk_ctx *ctx,
    tk_chain_rpc **out, const tk_chain_rpc_options *opts)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Free the view. No call on it (nor on its tk_chain) may be running. */
TK_API void tk_chain_rpc_destroy(tk_chain_rpc *view);

/** The tk_chain of the view (valid while the view lives). */
TK_API tk_status tk_chain_rpc_iface(tk_chain_rpc *view, tk_chain *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Refresh the cache (see above). Call it from the node's loop or a
 *  thread, about once per block time.
 *  Out:   refreshed (may be NULL): 1 when a new block was read, 0 when the
 *         block had not moved (or moved back: ignored).
 *  Returns: TK_OK; the client's status of the first failed call
 *           (TK_ERR_RPC_*, tk_chain_rpc_last_error has the details);
 *           TK_ERR_MALFORMED (a contract answered bytes that do not
 *           decode); TK_ERR_OUT_OF_RANGE (a round or pool size over
 *           2^63 - 1); TK_ERR_NOT_FOUND (the Controller has no such
 *           contract, or a call returned no bytes: no contract there);
 *           TK_ERR_NOMEM. On failure the cache is unchanged. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_chain_rpc_poll(tk_chain_rpc *view,
    int *refreshed) TK_ARG_NONNULL(1);

/** Register a sender so that the next poll fetches it (no-op if known).
 *  Returns: TK_OK; TK_ERR_STATE (max_senders reached: not registered);
 *           TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_chain_rpc_watch(tk_chain_rpc *view,
    const tk_address *sender) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** A copy of the cache's state.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_chain_rpc_info_get(tk_chain_rpc *view,
    tk_chain_rpc_info *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The requests made by the view's client (waits for a running poll).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_chain_rpc_stats(tk_chain_rpc *view, tk_rpc_stats *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The client's details of the last failed call (waits for a running
 *  poll). Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_chain_rpc_last_error(tk_chain_rpc *view,
    tk_rpc_error *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_CHAIN_RPC_H */

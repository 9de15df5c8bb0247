/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_REDEEM_INTERNAL_H
#define TK_ETH_REDEEM_INTERNAL_H

/* The redeemer's pieces:
 *   redeemer.c        create / destroy, the queue's submit callback (on the
 *                     node's tk_eth_sender) and the chain wrapper
 *   redeemer_poll.c   transactions in flight -> queue outcomes
 *   redeem_broker.c   the broadcaster's calls (fund, unlock, ...) and the
 *                     usedTickets read */

#include "ticket/abi.h"
#include "ticket/eth_redeem.h"
#include "ticket/eth_sender.h"
#include "ticket/rpc.h"

#include <pthread.h>

/* usedTickets(hash) at a block (tag NULL) or at "latest". */
tk_status tk__broker_used(tk_rpc *rpc, const tk_address *broker,
                          const tk_hash *ticket_hash, const char *tag,
                          uint64_t block, int *used);

/* gas * (100 + margin) / 100, saturating. */
uint64_t tk__gas_with_margin(uint64_t gas, uint32_t margin_pct);

/* After this many blocks on which usedTickets at a receipt's block could
 * not be read (a node without that block's state: non-archive nodes keep
 * about 128 blocks), the redeemer reads it at "latest" instead: the queue
 * then settles or retries the winners as for a lost transaction, from what
 * the chain says now, instead of leaving them SUBMITTED until they expire. */
#define TK__USED_AT_BLOCK_TRIES 3

/* A transaction the redeemer waits for. */
typedef struct tk__inflight {
    tk_hash tx_hash;        /* the first version's: the queue's key */
    uint64_t id;            /* the sender's handle; 0 after a restart
                               (then its receipt is read by hash) */
    uint64_t since_block;   /* sent at, or the first block polled after
                               it was found in the store (0 until then) */
    int reported_lost;      /* reported to the queue; waits only to be
                               forgotten by the sender once final */
    unsigned block_read_errors; /* blocks on which a usedTickets read at
                               the receipt's block failed */
    int confirming;         /* mined and reported: the queue confirms its
                               winners over later blocks; kept (not
                               adopted again) while any is SUBMITTED */
    tk_hash *tickets;       /* the ticket hashes it carries */
    size_t n;
} tk__inflight;

struct tk_eth_redeemer {
    const tk_ctx *ctx;
    pthread_mutex_t mu;
    tk_eth_sender *sender;
    tk_rpc *rpc;
    tk_address broker;
    uint32_t margin;
    uint64_t lost_after;
    tk_chain inner;         /* the node's chain view */
    tk_chain wrapped;       /* what the queue sees (fresh ticket_used) */
    tk_redeem_queue *q;
    tk_store store;         /* SUBMITTED winners adopted from it */
    uint64_t block;         /* the last block seen */
    tk__inflight *fl;
    size_t n_fl, cap_fl;
    /* While an outcome is applied: the reads at its receipt's block. */
    const tk__inflight *answering;
    const int *answers;
    tk_eth_redeemer_stats stats;
    tk_eth_redeem_tx_fn tx_fn;
    void *tx_data;
    tk_eth_redeem_guard_fn guard;
    void *guard_data;
    tk_eth_redeem_guard_fn settle_guard;
    void *settle_guard_data;
    /* A fenced queue found its tenure over while settling: the next
     * on_block returns TK_ERR_LEASE_LOST (the fleet redeemer ends it). */
    int lease_lost;
};

/* Track a transaction (copies the ticket hashes). */
tk_status tk__redeemer_track(tk_eth_redeemer *r, const tk_hash *tx,
                             uint64_t id, const tk_hash *tickets, size_t n);
void tk__inflight_free(tk__inflight *f);

/* Track every SUBMITTED winner of the store whose transaction and ticket
 * are not tracked yet (at creation: the reconciliation; on every block:
 * a SUBMITTED written after this redeemer's creation by anything but a
 * fenced tenure - an operator, a node of a version before the fenced
 * writes - would otherwise sit untracked forever). */
tk_status tk__redeemer_adopt(tk_eth_redeemer *r);
/* Stop tracking every transaction in flight in the sender, pending ones
 * too (a fleet's tenure ended: the next redeemer tracks them by hash from
 * the store, and this node is no longer the address's nonce authority, so
 * it must not replace them). The redeemer is only destroyed afterwards. */
void tk__eth_redeemer_abandon(tk_eth_redeemer *r);

/* tk_eth_redeemer_create for one fleet tenure: with fence not NULL every
 * store write of its queue is fenced (redeem/queue_fence.h). */
tk_status tk__eth_redeemer_create_fenced(const tk_ctx *ctx, tk_eth_redeemer **out,
                                        const tk_eth_redeemer_options *opts,
                                        const tk_redeem_config *cfg,
                                        const tk_store *store, const tk_chain *chain,
                                        tk_monitor *monitor, tk_eth_sender *sender,
                                        tk_rpc *rpc, const tk_lease_fence *fence);

#endif /* TK_ETH_REDEEM_INTERNAL_H */

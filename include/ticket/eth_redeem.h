/* SPDX-License-Identifier: MIT */
#ifndef TICKET_ETH_REDEEM_H
#define TICKET_ETH_REDEEM_H

/** Redemption on-chain (library ticket_eth, ticket::eth): the redemption
 *  queue of redeem.h wired to the transaction sender, so that "winners in
 *  the store -> money in the account" needs only linking. docs/chain.md
 *  ("The redemption path") explains the rules; docs/redemption.md the
 *  queue.
 *
 *  The redeemer owns a tk_redeem_queue. The node calls
 *  tk_eth_redeemer_on_block(r, block) on every new L1 block; it
 *    1. learns what became of every transaction in flight (receipt, revert
 *       reason by eth_call replay at its block, or no receipt after
 *       lost_after_blocks) and, for a mined one, reads usedTickets at the
 *       receipt's block for every ticket it carried BEFORE reporting the
 *       outcome to the queue: nothing is marked redeemed on the word of a
 *       receipt (batchRedeemWinningTickets skips a failing ticket - one
 *       that ran out of gas included - and still succeeds); a read that
 *       fails keeps the transaction in flight until the next block, and
 *       after 3 blocks of failures (a node that pruned the receipt block's
 *       state) the tickets are read at "latest" instead, so the queue
 *       settles or retries them as for a lost transaction;
 *    2. runs the queue, whose submit callback
 *       - runs eth_estimateGas on the calldata: a revert is not sent (the
 *         winners stay queued, TK_REDEEM_DEFER_SUBMIT) - the estimate only
 *         catches reverts;
 *       - sets the gas limit from the queue's per-ticket figure
 *         (redeem_gas, or batch_base_gas + n * batch_ticket_gas) plus
 *         gas_margin_pct, never below the estimate plus the margin: a node's
 *         estimate for a batch can be too low for its last tickets;
 *       - sends the transaction to the TicketBroker through the node's
 *         tk_eth_sender (eth_sender.h: nonce authority, fees, receipts,
 *         replacement of stuck transactions, revert replay), recording
 *         it first: once signed, and before it is broadcast, the call's
 *         winners are marked SUBMITTED with its hash (fenced in a fleet).
 *         A record that fails (store error, tenure over) broadcasts
 *         nothing and uses no nonce; a broadcast the node refuses puts
 *         the winners back as they were (one the store cannot put back
 *         stays SUBMITTED, keeps its claim and takes the path below). So
 *         a transaction the store does not name is never out, and a
 *         restart or a new fleet holder tracks it instead of sending the
 *         winners again; one recorded but never broadcast (killed in
 *         between) is reported lost after lost_after_blocks and its
 *         winners are retried. One exception: an rpc client that retried
 *         eth_sendRawTransaction after a transport failure (tk_rpc
 *         retries, other endpoints) and then got a refusal reports "not
 *         sent" although the first attempt may have delivered; the
 *         winners are put back, and the usedTickets check before any
 *         resend keeps that to at most one reverted transaction's gas.
 *  The queue itself asks the chain again (ticket_used, read fresh from the
 *  node: never from a cache) for every ticket of a transaction whose
 *  outcome it applies, so a reverted redemption keeps its ticket unless the
 *  chain says it was used.
 *
 *  Restarts: winners the store holds as SUBMITTED are tracked again at
 *  creation, and any that turn SUBMITTED later without this redeemer
 *  (another process wrote it) on the next on_block (their receipts are polled by hash; a transaction another
 *  process sent and this one never saw is settled from its receipt, or
 *  reported lost after lost_after_blocks - the queue then retries its
 *  winners only if usedTickets says unused).
 *
 *  Thread safety: every function takes the redeemer's mutex; the sender
 *  and the rpc client given at creation (the sender's own, see
 *  eth_sender.h) must not be used by anything else while a redeemer call
 *  runs. The queue's chain view and store are used as redeem.h says. */

#include "ticket/chain.h"
#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/eth_sender.h"
#include "ticket/monitor.h"
#include "ticket/redeem.h"
#include "ticket/rpc.h"
#include "ticket/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tk_eth_redeemer tk_eth_redeemer;

/** A guard asked right before every send (after the calldata is built,
 *  before the sender's estimate and broadcast; again before a resend with
 *  the estimate's gas limit), and before the sender's poll step whenever
 *  it tracks a pending transaction (the step may broadcast a
 *  replacement). TK_OK: send. Any other status: nothing is sent, the
 *  winners stay queued (the queue counts a submit error and retries them
 *  on a later block), and the status is the submit's; a refused poll step
 *  is skipped for that block (receipts are read on a later one). A fleet uses it to renew its redeemer lease and refuse when
 *  the lease is lost (eth_fleet.h). Called under the redeemer's mutex;
 *  must not call the redeemer. */
typedef tk_status (*tk_eth_redeem_guard_fn)(void *data);

/** Options. Start from tk_eth_redeemer_options_default(). */
typedef struct tk_eth_redeemer_options {
    tk_address broker;          /* the TicketBroker */
    uint32_t gas_margin_pct;    /* added to the queue's gas figure for a
                                   call; default 25 */
    uint64_t lost_after_blocks; /* not final this many blocks after the
                                   send (replacements included): reported
                                   TK_REDEEM_RPC_ERROR (the queue then asks
                                   the chain); default 50. A
                                   transaction found SUBMITTED in the store
                                   at creation counts from the first
                                   block this redeemer runs */
    tk_eth_redeem_guard_fn may_submit; /* optional (NULL: always send) */
    void *may_submit_data;
    tk_eth_redeem_guard_fn may_settle; /* optional: asked right before an
                                   outcome is applied to the queue (after
                                   the receipt and usedTickets reads);
                                   non-OK: the transaction stays in flight
                                   for a later call (or the next redeemer) */
    void *may_settle_data;
} tk_eth_redeemer_options;

/** Counters since creation. */
typedef struct tk_eth_redeemer_stats {
    uint64_t txs_sent;
    uint64_t estimate_reverts;  /* calls not sent: the estimate reverted */
    uint64_t send_errors;       /* estimate / sign / send failed otherwise
                                   (a failed record before the broadcast
                                   included) */
    uint64_t mined_ok;
    uint64_t mined_reverted;
    uint64_t lost;              /* no receipt within lost_after_blocks */
    uint64_t tickets_skipped;   /* carried by a mined, successful batch but
                                   not used at its block */
    uint64_t used_reads;        /* usedTickets reads made after a receipt */
    uint64_t latest_reads;      /* settlements that read the tickets at
                                   "latest": their block's state could not
                                   be read on 3 blocks (a pruned node) */
    uint64_t poll_errors;       /* sender poll steps that failed (retried) */
    uint64_t guard_refusals;    /* sends and poll steps may_submit refused
                                   (nothing sent), and settlements
                                   may_settle refused */
    size_t in_flight;           /* transactions awaiting an outcome (or
                                   mined and reported, while the queue
                                   confirms their winners) */
    tk_redeem_stats queue;      /* the queue's own counters */
} tk_eth_redeemer_stats;

/** What happened to one transaction (for the event callback). */
typedef struct tk_eth_redeem_tx_event {
    tk_hash tx_hash;
    tk_redeem_outcome outcome;
    uint64_t block;             /* mined in (0 when not mined) */
    uint64_t gas_used;
    size_t tickets;             /* carried */
    size_t tickets_used;        /* used at the receipt's block (at latest
                                   when that state was unreadable) */
    const char *reason;         /* revert reason or NULL; valid during call */
} tk_eth_redeem_tx_event;

/** Called once per transaction outcome, under the redeemer's mutex; must
 *  not call the redeemer. */
typedef void (*tk_eth_redeem_tx_fn)(const tk_eth_redeem_tx_event *ev,
                                    void *data);

/** Defaults: no broker (must be set), margin 25%, lost after 50 blocks,
 *  no guard. */
TK_API tk_status tk_eth_redeemer_options_default(tk_eth_redeemer_options *o)
    TK_ARG_NONNULL(1);

/** Create a redeemer and its queue (tk_redeem_queue_create's arguments:
 *  cfg, store, chain, monitor; cfg's redeem_gas / batch figures are the
 *  gas limits). The chain view's ticket_used is replaced, for the queue, by
 *  a fresh usedTickets read over rpc. sender and rpc are borrowed and must
 *  outlive the redeemer; rpc is the client the sender uses (the redeemer
 *  reads usedTickets and the receipts of transactions found after a
 *  restart through it). Lists the store's SUBMITTED winners to track their
 *  transactions.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, zero broker, a chain view
 *           without ticket_used, a store without list); errors of
 *           tk_redeem_queue_create and of the store. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_redeemer_create(
    const tk_ctx *ctx, tk_eth_redeemer **out,
    const tk_eth_redeemer_options *opts, const tk_redeem_config *cfg,
    const tk_store *store, const tk_chain *chain, tk_monitor *monitor,
    tk_eth_sender *sender, tk_rpc *rpc)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5) TK_ARG_NONNULL(6) TK_ARG_NONNULL(7) TK_ARG_NONNULL(8)
    TK_ARG_NONNULL(9);

/** Destroy (NULL: no-op). Transactions in flight stay in the store as
 *  SUBMITTED and are picked up by the next redeemer. */
TK_API void tk_eth_redeemer_destroy(tk_eth_redeemer *r);

/** Optional per-transaction outcome callback (NULL to remove). */
TK_API tk_status tk_eth_redeemer_set_tx_callback(tk_eth_redeemer *r,
    tk_eth_redeem_tx_fn fn, void *data) TK_ARG_NONNULL(1);

/** Settle what can be settled of the transactions in flight (step 1
 *  above), then run the queue for `block` (step 2).
 *  Returns: TK_OK (transactions whose state could not be read are retried
 *  on the next call); errors of tk_redeem_queue_on_block. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_redeemer_on_block(
    tk_eth_redeemer *r, uint64_t block) TK_ARG_NONNULL(1);

/** Step 1 only (e.g. between blocks). `block` is the current block (for
 *  lost_after_blocks). *settled: transactions settled (may be NULL). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_redeemer_poll(
    tk_eth_redeemer *r, uint64_t block, size_t *settled) TK_ARG_NONNULL(1);

/** Operator re-queue (tk_redeem_queue_requeue through the redeemer). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_redeemer_requeue(
    tk_eth_redeemer *r, const tk_hash *ticket_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

TK_API tk_status tk_eth_redeemer_get_stats(tk_eth_redeemer *r,
    tk_eth_redeemer_stats *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/* ---- The broadcaster's calls on the TicketBroker ------------------------*/

/** fundDepositAndReserve(deposit, reserve) with value deposit + reserve,
 *  through the sender (estimated first: a revert is TK_ERR_RPC_REVERTED
 *  with the reason in tk_rpc_last_error, nothing sent, no nonce used),
 *  then waited for up to timeout_ms (tk_eth_sender_wait) and forgotten.
 *  rpc is the sender's client (not read: the sender itself checks a
 *  "nonce taken" verdict against the receipts at a later block, so on a
 *  chain that mines no further block such a call ends in TK_ERR_TIMEOUT).
 *  Out:  out (may be NULL): the transaction's outcome.
 *  Returns: TK_OK (mined, status 1); TK_ERR_RPC_REVERTED (the estimate, or
 *           mined with status 0: out->state TK_ETH_TX_REVERTED);
 *           TK_ERR_TIMEOUT (not final yet: it may still be mined, and the
 *           sender still tracks it); out->failure for TK_ETH_TX_FAILED;
 *           TK_ERR_OVERFLOW (deposit + reserve); the sender's errors. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_broker_fund(tk_eth_sender *s,
    tk_rpc *rpc, tk_eth_tx_outcome *out, const tk_address *broker,
    const tk_u256 *deposit, const tk_u256 *reserve, long timeout_ms)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(4) TK_ARG_NONNULL(5)
    TK_ARG_NONNULL(6);

typedef enum tk_eth_broker_call {
    TK_ETH_BROKER_UNLOCK = 0,
    TK_ETH_BROKER_CANCEL_UNLOCK = 1,
    TK_ETH_BROKER_WITHDRAW = 2
} tk_eth_broker_call;

/** unlock() / cancelUnlock() / withdraw(); as tk_eth_broker_fund. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_broker_call0(tk_eth_sender *s,
    tk_rpc *rpc, tk_eth_tx_outcome *out, const tk_address *broker,
    tk_eth_broker_call call, long timeout_ms)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(4);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_ETH_REDEEM_H */

/* SPDX-License-Identifier: MIT */
#ifndef TICKET_FLEET_H
#define TICKET_FLEET_H

/** One redeemer for a fleet of nodes under one address (docs/fleet.md).
 *
 *  Several orchestrator nodes share one store (PostgreSQL, or one SQLite
 *  file on one machine): winners, seen nonces and the pending redemptions
 *  are shared by the store itself. The transaction sender is not: two
 *  nodes sending from one address fight over nonces and would submit the
 *  same winner twice. tk_fleet_redeemer lets exactly one node drive the
 *  redemption queue: every node calls tk_fleet_redeemer_on_block on every
 *  L1 block; the call takes or renews the store's redeemer lease, and only
 *  the holder runs a tk_redeem_queue. The lease lasts lease_ms; a holder
 *  that dies (SIGKILL, power) is replaced by the first node whose on_block
 *  runs after its lease expired: takeover within lease_ms plus one block
 *  interval.
 *
 *  A new holder first reconciles: for every winner left SUBMITTED (by
 *  itself or by the dead holder) it looks up the receipt of its
 *  transaction through the node's receipt callback, and applies it to the
 *  queue (tk_redeem_queue_outcome: the chain's usedTickets decides). A
 *  transaction without a receipt for receipt_wait_blocks blocks is treated
 *  as lost (TK_REDEEM_RPC_ERROR): its winners are retried unless the chain
 *  shows them used. Reconciliation runs on every block of a tenure, so the
 *  node never reports outcomes itself: the receipt callback is the only
 *  way outcomes reach the queue. SUBMITTED winners are never submitted
 *  again (only NEW / FAILED ones are), so a takeover submits nothing twice;
 *  the one window left is a holder killed after its submit callback
 *  broadcast and before the store recorded SUBMITTED (docs/fleet.md: the
 *  next holder may send the winner again, and the contract rejects the
 *  second redemption). tk_fleet_redeemer_create_recorded with a callback
 *  that records the call before it broadcasts (redeem.h), and
 *  tk_eth_fleet_redeemer (eth_fleet.h), close that window.
 *
 *  Every submit is preceded by a lease renewal: a holder that lost the
 *  lease (a stall longer than lease_ms) fails the submit (the winners stay
 *  queued) instead of sending. So is the settling of every reconciled
 *  transaction: a holder that lost the lease meanwhile settles nothing
 *  (its tenure ends; the next holder settles them). Every store write of a
 *  tenure (winner states, pending claims and releases) is fenced by its
 *  token (store.h *_fenced): once another acquisition began a new tenure
 *  (a takeover, or this node's renewal after its lease expired), a write
 *  of the old one writes nothing, and the tenure ends there (*leading 0). The store must have the fenced functions. The
 *  fencing token (tk_fleet_redeemer_state) names the tenure, for a
 *  transaction sender that wants to check it too.
 *
 *  No network I/O here: the receipt lookup and the submit are the node's
 *  callbacks (on a real chain tk_rpc_get_receipt and the transaction
 *  sender).
 *
 *  Thread safety: on_block, release and state are serialized by the
 *  object's mutex; destroy not concurrently with any of them. */

#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/monitor.h"
#include "ticket/redeem.h"
#include "ticket/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Receipt lookup: *mined = 1 and *outcome (CONFIRMED, REVERTED_REASON or
 *  REVERTED_NO_REASON) when tx_hash has a receipt; *mined = 0 when the
 *  node does not know the transaction or it is not mined yet. Return an
 *  error when the lookup itself failed (asked again next block). Must not
 *  call back into the redeemer. */
typedef tk_status (*tk_fleet_receipt_fn)(void *data, const tk_hash *tx_hash,
                                         int *mined,
                                         tk_redeem_outcome *outcome);

typedef struct tk_fleet_config {
    const char *holder;     /* this node's id, 1..TK_LEASE_HOLDER_MAX
                               bytes; copied. Unique among the live
                               processes of the fleet: two processes with
                               one id both pass the lease (one tenure,
                               one token). A restart may reuse it once
                               the old process is dead. */
    uint32_t lease_ms;      /* lease length, renewed on every on_block and
                               before every submit; > 0 */
    uint64_t receipt_wait_blocks; /* no receipt this long: lost; > 0 */
    tk_fleet_receipt_fn receipt;
    void *receipt_data;
} tk_fleet_config;

typedef struct tk_fleet_state {
    int leading;            /* 1 while this node holds the lease */
    uint64_t token;         /* fencing token of the current tenure, or 0 */
    uint64_t tenures;       /* tenures this node started */
    uint64_t reconciled;    /* transactions settled from a receipt */
    uint64_t lost;          /* transactions given up as lost */
    uint64_t fenced;        /* tenures ended by a fenced store write
                               (TK_ERR_LEASE_LOST: another tenure began
                               between a renewal and the write) */
} tk_fleet_state;

typedef struct tk_fleet_redeemer tk_fleet_redeemer;

/** Create a redeemer; it holds nothing until its first on_block.
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (a NULL argument or
 *           callback; a bad holder id; lease_ms or receipt_wait_blocks 0;
 *           a store without the lease_*, pending_* and *_fenced
 *           operations; a monitor
 *           not created shared over it; rcfg as tk_redeem_queue_create).
 *  In:      fcfg, rcfg: copied (holder too). store, chain: copied, their
 *           self pointers must stay valid; monitor: borrowed, from
 *           tk_monitor_create_shared over the same store. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_fleet_redeemer_create(
    const tk_ctx *ctx, tk_fleet_redeemer **out, const tk_fleet_config *fcfg,
    const tk_redeem_config *rcfg, const tk_store *store,
    const tk_chain *chain, tk_monitor *monitor, tk_redeem_submit_fn submit,
    void *submit_data) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2)
    TK_ARG_NONNULL(3) TK_ARG_NONNULL(4) TK_ARG_NONNULL(5) TK_ARG_NONNULL(6)
    TK_ARG_NONNULL(7) TK_ARG_NONNULL(8);

/** As tk_fleet_redeemer_create, with a submit callback that records each
 *  call before its broadcast (redeem.h, tk_redeem_submit_recorded_fn; the
 *  record goes through the tenure's fenced write, so a holder whose
 *  tenure is over gets TK_ERR_LEASE_LOST and must not broadcast). This
 *  closes the window of a holder killed or stalled between its broadcast
 *  and the SUBMITTED write, when the callback does record. Left: a holder
 *  that stalls between its record and its broadcast for longer than
 *  receipt_wait_blocks of the next tenure, which gives the hash up and
 *  sends again (the late broadcast is a second transaction; the contract
 *  redeems once: gas only). The callback runs under the redeemer's mutex
 *  (inside on_block): it must not call tk_fleet_redeemer_* functions. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_fleet_redeemer_create_recorded(
    const tk_ctx *ctx, tk_fleet_redeemer **out, const tk_fleet_config *fcfg,
    const tk_redeem_config *rcfg, const tk_store *store,
    const tk_chain *chain, tk_monitor *monitor,
    tk_redeem_submit_recorded_fn submit, void *submit_data)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5) TK_ARG_NONNULL(6) TK_ARG_NONNULL(7) TK_ARG_NONNULL(8);

/** Free; the lease is NOT given up (a node that stops should call
 *  tk_fleet_redeemer_release first). NULL is a no-op. */
TK_API void tk_fleet_redeemer_destroy(tk_fleet_redeemer *r);

/** Run L1 block `block`: take or renew the lease; when it is held, start
 *  a queue on a new tenure (tk_redeem_queue_create), reconcile the
 *  SUBMITTED winners by receipt, then tk_redeem_queue_on_block.
 *  Returns: TK_OK (*leading says whether this node is the redeemer);
 *           the store's status when the lease could not be read or written
 *           (TK_ERR_STORE...: this node stops redeeming until a later call
 *           succeeds); the errors of
 *           tk_redeem_queue_create / _on_block / _outcome; TK_ERR_ILLEGAL_ARG.
 *  Out:     leading: 1 when this node held the lease for this block (0
 *           also when it lost the lease during the block). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_fleet_redeemer_on_block(
    tk_fleet_redeemer *r, uint64_t block, int *leading)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** Stop redeeming and give the lease up (another node may take over on
 *  its next block). TK_OK also when the lease was not held.
 *  Returns: TK_OK; the store's status (TK_ERR_STORE...);
 *           TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_fleet_redeemer_release(tk_fleet_redeemer *r)
    TK_ARG_NONNULL(1);

/** The redeemer's state and counters; queue_stats (may be NULL) gets the
 *  current tenure's queue counters (zeroed when not leading).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_fleet_redeemer_state(tk_fleet_redeemer *r,
    tk_fleet_state *out, tk_redeem_stats *queue_stats)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_FLEET_H */

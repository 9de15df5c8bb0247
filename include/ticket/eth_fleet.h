/* SPDX-License-Identifier: MIT */
#ifndef TICKET_ETH_FLEET_H
#define TICKET_ETH_FLEET_H

/** A fleet's redeemer on a real chain (library ticket_eth, ticket::eth):
 *  the redeemer lease of fleet.h in front of the on-chain redeemer of
 *  eth_redeem.h. docs/fleet.md ("On a real chain") has the design, the
 *  takeover bound and the failure modes.
 *
 *  Every node of the fleet has one, over the shared store, and calls
 *  tk_eth_fleet_redeemer_on_block on every new L1 block. The call takes or
 *  renews the store's redeemer lease (store->lease_acquire); only the
 *  holder redeems:
 *  - on the start of a tenure (a new fencing token) it creates a
 *    tk_eth_redeemer: its queue restores the fleet's pending amounts and
 *    releases orphaned claims, and it tracks every SUBMITTED winner's
 *    transaction by hash - the reconciliation. A transaction the dead
 *    holder sent (this process never saw it) is settled from its receipt
 *    (usedTickets read at the receipt's block decides each winner), or,
 *    with no receipt for lost_after_blocks blocks of this tenure, reported
 *    lost: its winners are retried only if usedTickets says unused.
 *    SUBMITTED winners are never submitted again, and every transaction
 *    is recorded (SUBMITTED with its hash, fenced) before its broadcast
 *    (eth_redeem.h), so a holder killed or stalled in the middle of a
 *    send leaves nothing out that the next holder does not track;
 *  - on every block of the tenure it runs that redeemer (settle, then the
 *    queue; stuck transactions replaced by the sender);
 *  - right before every send the guard renews the lease: a node whose
 *    lease was lost (it stalled longer than lease_ms and another took
 *    over) sends nothing and its winners stay queued. That covers the
 *    resend with the estimate's gas limit and the sender's replacements
 *    of stuck transactions (its poll step runs only after the guard
 *    allowed it, when anything is pending); likewise right
 *    before every outcome is written to the store (may_settle): such a
 *    node settles nothing, the next holder does; and every store write of
 *    the tenure is fenced by its token (store.h *_fenced, which the store
 *    must have): one that finds another tenure begun (a takeover, or
 *    this node's own renewal after its lease expired) writes nothing
 *    and ends the tenure;
 *  - a tenure's end (and so every new tenure) forgets the sender's local
 *    nonce count, and so does a transaction given up as lost: the next
 *    send takes the node's pending count, so a nonce that was never mined
 *    is used again instead of leaving a gap;
 *  - when the lease is held elsewhere, or cannot be read, the tenure ends:
 *    the redeemer is destroyed and the sender stops tracking its
 *    transactions (this node is no longer the address's nonce authority;
 *    the next holder tracks them from the store).
 *
 *  Takeover: a holder that dies is replaced by the first node whose
 *  on_block runs after its lease expired: within lease_ms plus one call
 *  interval of the other nodes. lease_ms must exceed the longest on_block
 *  (or one send: estimate, fees, nonce, broadcast, each bounded by the
 *  rpc client's timeout), so that a send the guard allowed is broadcast
 *  before anyone else can hold the lease.
 *
 *  The node's sender must send from the fleet's one gas account, and no
 *  other sender may use that account (the lease is the nonce authority's
 *  election). Every node needs its own tk_eth_sender and tk_rpc.
 *
 *  Thread safety: every call takes the object's mutex; destroy not
 *  concurrently with another call. The sender and rpc are used only inside
 *  on_block, and must not be used by anything else meanwhile. */

#include "ticket/chain.h"
#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/eth_redeem.h"
#include "ticket/eth_sender.h"
#include "ticket/monitor.h"
#include "ticket/redeem.h"
#include "ticket/rpc.h"
#include "ticket/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tk_eth_fleet_redeemer tk_eth_fleet_redeemer;

typedef struct tk_eth_fleet_config {
    const char *holder;   /* this node's id, 1..TK_LEASE_HOLDER_MAX
                             bytes; copied. Unique among the live
                             processes of the fleet: two processes with
                             one id both pass the lease (one tenure, one
                             token). A restart may reuse it once the old
                             process is dead. */
    uint32_t lease_ms;    /* lease length; renewed on every on_block and
                             before every send; > 0 */
} tk_eth_fleet_config;

typedef struct tk_eth_fleet_state {
    int leading;          /* 1 while this node holds the lease */
    uint64_t token;       /* fencing token of the current tenure, or 0 */
    uint64_t tenures;     /* tenures this node started */
    uint64_t refused;     /* sends and settlements refused because the
                             lease was lost */
    uint64_t fenced;      /* tenures ended by a fenced store write
                             (TK_ERR_LEASE_LOST: another tenure began
                             between a renewal and the write) */
} tk_eth_fleet_state;

/** Create; it holds nothing until its first on_block.
 *  Args:    opts: as tk_eth_redeemer_create; its may_submit and
 *                 may_settle (optional) are asked after the lease check. cfg, store, chain, monitor,
 *                 sender, rpc: as tk_eth_redeemer_create (copied or
 *                 borrowed the same way), plus: the store must have the
 *                 lease_* and pending_* operations and the monitor must
 *                 be tk_monitor_create_shared over it.
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL; a bad holder
 *           id; lease_ms 0; a store without the fleet operations
 *           (lease_*, pending_*, *_fenced); a
 *           monitor that is not shared; a zero broker; a chain view
 *           without ticket_used; cfg as tk_redeem_queue_create). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_fleet_redeemer_create(
    const tk_ctx *ctx, tk_eth_fleet_redeemer **out,
    const tk_eth_fleet_config *fcfg, const tk_eth_redeemer_options *opts,
    const tk_redeem_config *cfg, const tk_store *store,
    const tk_chain *chain, tk_monitor *monitor, tk_eth_sender *sender,
    tk_rpc *rpc)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5) TK_ARG_NONNULL(6) TK_ARG_NONNULL(7) TK_ARG_NONNULL(8)
    TK_ARG_NONNULL(9) TK_ARG_NONNULL(10);

/** Free (NULL: no-op). The lease is NOT given up: call
 *  tk_eth_fleet_redeemer_release first when stopping cleanly. */
TK_API void tk_eth_fleet_redeemer_destroy(tk_eth_fleet_redeemer *r);

/** Run L1 block `block`: take or renew the lease; on a new tenure create
 *  the tenure's redeemer; when leading, tk_eth_redeemer_on_block.
 *  Returns: TK_OK (*leading says whether this node redeemed); the store's
 *           status when the lease could not be read or written (this node
 *           stops redeeming until a later call succeeds); the errors of
 *           tk_eth_redeemer_create (the lease stays held: retried on the
 *           next call) and tk_eth_redeemer_on_block; TK_ERR_ILLEGAL_ARG.
 *  Out:     leading: 1 when this node held the lease for this block. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_fleet_redeemer_on_block(
    tk_eth_fleet_redeemer *r, uint64_t block, int *leading)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** End the tenure and give the lease up (another node takes over on its
 *  next block). TK_OK also when the lease was not held.
 *  Returns: TK_OK; the store's status; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eth_fleet_redeemer_release(tk_eth_fleet_redeemer *r)
    TK_ARG_NONNULL(1);

/** Per-transaction outcome callback for every tenure's redeemer
 *  (tk_eth_redeemer_set_tx_callback; NULL removes it). */
TK_API tk_status tk_eth_fleet_redeemer_set_tx_callback(
    tk_eth_fleet_redeemer *r, tk_eth_redeem_tx_fn fn, void *data)
    TK_ARG_NONNULL(1);

/** The lease state and counters; stats (may be NULL) gets the current
 *  tenure's redeemer counters (zeroed when not leading).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eth_fleet_redeemer_state(tk_eth_fleet_redeemer *r,
    tk_eth_fleet_state *out, tk_eth_redeemer_stats *stats)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_ETH_FLEET_H */

/* SPDX-License-Identifier: MIT */
#ifndef TICKET_MONITOR_H
#define TICKET_MONITOR_H

/** The sender monitor (docs/protocol-notes.md section 7), recipient side:
 *  how much of each sender's reserve this recipient may count on, the max
 *  float it may put in one ticket, and the face value of redemptions in flight.
 *
 *      reserveAlloc   = (fundsRemaining + claimedInCurrentRound) / poolSize
 *                       - claimed                      (0 if poolSize == 0)
 *      maxFloat       = reserveAlloc          if pending > 0 and
 *                                                deposit / pending >= 3
 *                     = reserveAlloc - pending  otherwise
 *      availableFunds = reserveAlloc + deposit - pending
 *  Results that would be negative are reported as 0.
 *
 *  pending lives in the monitor (one process), or - for a fleet of nodes
 *  under one address (docs/fleet.md) - in a store with the pending_*
 *  operations (tk_monitor_create_shared), so that every node's max float
 *  and available funds see the whole fleet's redemptions in flight.
 *
 *  Thread safety: all functions may be called from many threads. */

#include "ticket/common.h"
#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tk_monitor tk_monitor;

/** Create a monitor for `recipient` over `chain` (copied; its self pointer
 *  must stay valid).
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (a NULL argument, or
 *           chain without sender_funds, claimed_reserve or pool_size).
 *  Out:     out: the monitor (tk_monitor_destroy); NULL on failure.
 *  In:      ctx: must outlive the monitor; recipient: copied. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_monitor_create(const tk_ctx *ctx,
    tk_monitor **out, const tk_chain *chain, const tk_address *recipient)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);
/** The same over a shared pending amount: pending is read from and written
 *  to store's pending_* operations, per winner (tk_monitor_claim_pending),
 *  so it is counted once however many nodes or retries add it.
 *  Returns: as tk_monitor_create; TK_ERR_ILLEGAL_ARG also for a store
 *           without pending_add, pending_remove or pending_total.
 *  In:      store: copied; its self pointer must stay valid. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_monitor_create_shared(
    const tk_ctx *ctx, tk_monitor **out, const tk_chain *chain,
    const tk_address *recipient, const tk_store *store)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);
/** 1 when m was created by tk_monitor_create_shared, else 0 (also for
 *  NULL). */
TK_API int tk_monitor_is_shared(const tk_monitor *m);
/** Free the monitor. NULL is a no-op. */
TK_API void tk_monitor_destroy(tk_monitor *m);

/** reserveAlloc, maxFloat and availableFunds of sender (the formulas
 *  above), from one read of the chain view and the pending amount.
 *  Returns: TK_OK; TK_ERR_CHAIN (a chain read failed); TK_ERR_OVERFLOW (the
 *           result is >= 2^256); shared: the store's status when reading
 *           pending failed (TK_ERR_STORE...); TK_ERR_ILLEGAL_ARG.
 *  Out:     out: the amount in wei, clamped at 0; zeroed on failure.
 *  In:      sender: the sender asked about. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_monitor_reserve_alloc(
    tk_monitor *m, tk_u256 *out, const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API TK_WARN_UNUSED_RESULT tk_status tk_monitor_max_float(tk_monitor *m,
    tk_u256 *out, const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API TK_WARN_UNUSED_RESULT tk_status tk_monitor_available_funds(
    tk_monitor *m, tk_u256 *out, const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Pending face value: add when a redemption is submitted, subtract when
 *  it confirms or fails. All or nothing; a zero face_value changes
 *  nothing. Not on a shared monitor (use claim / release).
 *  Returns: TK_OK; TK_ERR_STATE (subtracting more than is pending: nothing
 *           changes; or a shared monitor); TK_ERR_OVERFLOW (the sum would
 *           be >= 2^256); TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG.
 *  In:      sender, face_value: whose redemption, and its face value. */
TK_API tk_status tk_monitor_add_pending(tk_monitor *m,
    const tk_address *sender, const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API tk_status tk_monitor_sub_pending(tk_monitor *m,
    const tk_address *sender, const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
/** Pending face value of one winner (what the redemption queue uses).
 *  claim: with check_funds, atomically refused unless pending + face_value
 *  <= reserveAlloc + deposit (availableFunds with nothing pending; the
 *  chain is read first); on a shared monitor this decision is one atomic
 *  step of the store across every node, and a winner already claimed is
 *  not added again (TK_OK). release: removes the winner's amount (shared:
 *  removing an absent winner is TK_OK; in memory: as sub_pending).
 *  Without a store the amounts are per sender only: the caller claims and
 *  releases each winner once.
 *  Returns: TK_OK; TK_ERR_PENDING_LIMIT (nothing changes); TK_ERR_CHAIN
 *           (check_funds and a chain read failed); shared: the store's
 *           status (TK_ERR_STORE..., nothing changes); the errors of
 *           tk_monitor_add_pending / _sub_pending in memory;
 *           TK_ERR_ILLEGAL_ARG.
 *  In:      ticket_hash: the winner; sender, face_value: its ticket's. */
TK_API tk_status tk_monitor_claim_pending(tk_monitor *m,
    const tk_hash *ticket_hash, const tk_address *sender,
    const tk_u256 *face_value, int check_funds)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);
TK_API tk_status tk_monitor_release_pending(tk_monitor *m,
    const tk_hash *ticket_hash, const tk_address *sender,
    const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);
/** The face value of sender's redemptions in flight.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG; shared: the store's status when
 *           it failed (TK_ERR_STORE...).
 *  Out:     out: the pending amount (0 when none); zeroed on failure. */
TK_API tk_status tk_monitor_pending(tk_monitor *m, tk_u256 *out,
    const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_MONITOR_H */

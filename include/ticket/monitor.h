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
 *  Thread safety: all functions may be called from many threads. */

#include "ticket/common.h"
#include "ticket/chain.h"
#include "ticket/context.h"

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
/** Free the monitor. NULL is a no-op. */
TK_API void tk_monitor_destroy(tk_monitor *m);

/** reserveAlloc, maxFloat and availableFunds of sender (the formulas
 *  above), from one read of the chain view and the pending amount.
 *  Returns: TK_OK; TK_ERR_CHAIN (a chain read failed); TK_ERR_OVERFLOW (the
 *           result is >= 2^256); TK_ERR_ILLEGAL_ARG.
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
 *  nothing.
 *  Returns: TK_OK; TK_ERR_STATE (subtracting more than is pending: nothing
 *           changes); TK_ERR_OVERFLOW (the sum would be >= 2^256);
 *           TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG.
 *  In:      sender, face_value: whose redemption, and its face value. */
TK_API tk_status tk_monitor_add_pending(tk_monitor *m,
    const tk_address *sender, const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API tk_status tk_monitor_sub_pending(tk_monitor *m,
    const tk_address *sender, const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
/** The face value of sender's redemptions in flight.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG.
 *  Out:     out: the pending amount (0 when none); zeroed on failure. */
TK_API tk_status tk_monitor_pending(tk_monitor *m, tk_u256 *out,
    const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_MONITOR_H */

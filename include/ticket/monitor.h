/* SPDX-License-Identifier: MIT */
#ifndef TICKET_MONITOR_H
#define TICKET_MONITOR_H

/** The sender monitor (PROTOCOL.md section 7), recipient side: how much of
 *  each sender's reserve this recipient may count on, the max float it may
 *  put in one ticket, and the face value of redemptions in flight.
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
 *  must stay valid). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_monitor_create(const tk_ctx *ctx,
    tk_monitor **out, const tk_chain *chain, const tk_address *recipient)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);
TK_API void tk_monitor_destroy(tk_monitor *m);

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
 *  it confirms or fails. Subtracting more than is pending gives
 *  TK_ERR_STATE and changes nothing. */
TK_API tk_status tk_monitor_add_pending(tk_monitor *m,
    const tk_address *sender, const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API tk_status tk_monitor_sub_pending(tk_monitor *m,
    const tk_address *sender, const tk_u256 *face_value)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);
TK_API tk_status tk_monitor_pending(tk_monitor *m, tk_u256 *out,
    const tk_address *sender)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_MONITOR_H */

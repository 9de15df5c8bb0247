/* SPDX-License-Identifier: MIT */
#ifndef TICKET_EXPOSURE_H
#define TICKET_EXPOSURE_H

/** A sender's books of its outstanding tickets and the receipts it got
 *  back (docs/receipts.md R1 and R2).
 *
 *  Outstanding tickets are those issued and neither expired on-chain nor
 *  reported as lost by a receipt. A receipted winner stays in the set with
 *  p = 1 until it is redeemed. The books answer the deposit-risk question
 *  before a batch is signed (tk_exposure_hold: refuse when the batch would
 *  push risk(deposit) over eps), keep the credited total, and keep every
 *  receipt so that a redemption the recipient's own receipt contradicts is
 *  reported with the signed receipt that proves it.
 *
 *  Money rules: a hold that fails changes nothing; a receipt is applied
 *  whole or not at all (any failing check leaves the books as they were);
 *  a ticket is never counted as lost without a valid receipt signed by its
 *  recipient. Thread safety: every function may be called from any thread
 *  (one mutex inside); destroy must not race with other calls. */

#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/payment.h"
#include "ticket/receipt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tk_exposure tk_exposure;

/** Counts of the books. */
typedef struct tk_exposure_stats {
    uint64_t outstanding;   /* issued, not receipted, not expired */
    uint64_t known_winners; /* receipted winners not yet redeemed */
    uint64_t held;          /* in batches being signed (tk_exposure_hold) */
    uint64_t receipts;      /* receipts applied */
    tk_u256 credited_wei;   /* sum of the receipts' creditedWei (saturates
                               at 2^256 - 1) */
} tk_exposure_stats;

/** Create empty books for sender's tickets; receipts are verified under
 *  domain (chain id and TicketBroker).
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (*out NULL). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_exposure_create(const tk_ctx *ctx,
    tk_exposure **out, const tk_address *sender,
    const tk_receipt_domain *domain)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Free the books. NULL is a no-op. */
TK_API void tk_exposure_destroy(tk_exposure *x);

/** Before signing count tickets of (face_value, win_prob): refuse when the
 *  outstanding set plus them would have risk(deposit) > eps; else hold
 *  them (they count from now on) until tk_exposure_add_payment or
 *  tk_exposure_release. eps >= 1 never refuses.
 *  Returns: TK_OK (held); TK_ERR_RISK_OVER_LIMIT (nothing held);
 *           TK_ERR_OUT_OF_RANGE (eps NaN or negative); TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG.
 *  Fast path: 0 when everything fits, then a Chernoff bound, then the
 *  books' kept risk distribution (of a superset of the outstanding
 *  tickets: an upper bound), extended by the batch when needed; rebuilt
 *  from the exact set only when that bound exceeds eps, so a refusal is
 *  always exact (docs/PERFORMANCE.md). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_exposure_hold(tk_exposure *x,
    const tk_u256 *face_value, const tk_u256 *win_prob, uint64_t count,
    const tk_u256 *deposit, double eps)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(5);

/** Drop a hold whose batch was not signed.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (no such hold); TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_exposure_release(tk_exposure *x,
    const tk_u256 *face_value, const tk_u256 *win_prob, uint64_t count)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Record a signed payment's tickets as outstanding. held: 1 when its
 *  tickets were held by tk_exposure_hold (the hold becomes the tickets).
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (held but no such hold); TK_ERR_STATE
 *           (a ticket already recorded); TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG.
 *           Nothing is recorded on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_exposure_add_payment(
    tk_exposure *x, const tk_payment *p, int held)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Verify a receipt (every docs/protocol-notes.md §1 rule, signer = its
 *  recipient) and apply it: its losers leave the outstanding set, its
 *  winners become known winners, creditedWei is added to the total.
 *  Returns: TK_OK; the TK_ERR_SIG_* of the signature;
 *           TK_ERR_RECEIPT_WRONG_SENDER (not our receipt);
 *           TK_ERR_RECEIPT_UNKNOWN_TICKET (a ticket we did not issue to this
 *           recipient and recipientRandHash, or of another batch);
 *           TK_ERR_RECEIPT_DUPLICATE (a ticket already receipted);
 *           TK_ERR_RECEIPT_MALFORMED (a ticket listed twice, or winners not
 *           a subsequence of tickets); TK_ERR_RECEIPT_CREDIT_MISMATCH
 *           (creditedWei != floor(accepted x EV)); TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG. The books are unchanged on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_exposure_apply_receipt(
    tk_exposure *x, const tk_receipt *r, const uint8_t *sig, size_t siglen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** A ticket was redeemed on-chain: it leaves the books.
 *  Returns: TK_OK (consistent with the receipts); TK_ERR_RECEIPT_CONTRADICTED
 *           (a receipt of its recipient reported it lost, or left it out of
 *           the receipt of its batch: *receipt_index names that receipt,
 *           see tk_exposure_receipt); TK_ERR_NOT_FOUND (not ours or already
 *           gone); TK_ERR_ILLEGAL_ARG.
 *  Out:     receipt_index (optional): set on CONTRADICTED. */
TK_API tk_status tk_exposure_redeemed(tk_exposure *x,
    const tk_hash *ticket_hash, size_t *receipt_index)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** A stored receipt's digest and signature: with the domain they prove,
 *  to anyone, what the recipient signed.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_exposure_receipt(tk_exposure *x, size_t index,
    tk_hash *digest, tk_sig *sig)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Tickets created before round `round` (creation_round < round, i.e. past
 *  the TicketBroker's validity period) can no longer be redeemed: drop them.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. Out: dropped (optional). */
TK_API tk_status tk_exposure_expire(tk_exposure *x, int64_t round,
    uint64_t *dropped) TK_ARG_NONNULL(1);

/** risk(deposit) of the current set (held batches included), as tk_risk.
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_exposure_risk(tk_exposure *x,
    double *risk, const tk_u256 *deposit)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_exposure_stats_get(tk_exposure *x,
    tk_exposure_stats *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_EXPOSURE_H */

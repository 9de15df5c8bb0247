/* SPDX-License-Identifier: MIT */
#ifndef TICKET_RISK_H
#define TICKET_RISK_H

/** Deposit risk (docs/receipts.md R2): the probability that a sender's
 *  outstanding tickets win more than its deposit covers (an accidental
 *  double-spend).
 *
 *    risk(D) = P( sum_i f_i X_i > D ),  X_i ~ Bernoulli(p_i) independent,
 *    p_i = winProb_i / 2^256 exactly (1 for a known winner).
 *
 *  Accuracy: relative error <= 1e-6 whenever risk >= 1e-15; below that the
 *  value is an upper bound <= 1e-15 (never 0 unless the risk is exactly 0).
 *  risk is exactly 0 iff all outstanding tickets winning stays within D,
 *  exactly 1 iff the known winners alone exceed D.
 *
 *  Method: the sums live on the lattice of the face values' gcd G; the
 *  distribution of the sum up to D/G cells is convolved group by group
 *  (binomial per group) and every configuration that overflows D is added
 *  to the tail directly (a sum of positive terms: no cancellation, so tiny
 *  risks keep their relative accuracy). When D/G exceeds TK_RISK_MAX_CELLS
 *  the face values are rounded UP to a coarser lattice: the result is then
 *  an upper bound (never an under-estimate) and *exact is 0.
 *  Pure functions on caller data: thread-safe. */

#include "ticket/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Lattice cells beyond which the computation rounds face values up. */
#define TK_RISK_MAX_CELLS (1u << 18)

/** `count` identical outstanding tickets. */
typedef struct tk_risk_group {
    tk_u256 face_value; /* wei */
    tk_u256 win_prob;   /* the ticket's winProb; ignored for known winners */
    uint64_t count;
    int known_winner;   /* nonzero: a receipt said these won (p = 1) */
} tk_risk_group;

/** risk(deposit) of the tickets in groups[0..n).
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL; groups may be
 *           NULL only when n is 0). Outputs are zero on failure.
 *  Out:     risk in [0, 1]; exact (optional): 1 when the accuracy above
 *           holds, 0 when the value is an upper bound from rounded face
 *           values. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_risk(double *risk, int *exact,
    const tk_risk_group *groups, size_t n, const tk_u256 *deposit)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(5);

/** required_deposit(eps): the smallest integer D with risk(D) <= eps.
 *  eps 0 gives the sum of all face values that can win; eps >= 1 gives 0.
 *  Returns: TK_OK; TK_ERR_OUT_OF_RANGE (eps NaN or negative);
 *           TK_ERR_OVERFLOW (D >= 2^256); TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG.
 *  Out:     deposit (zero on failure); exact (optional) as for tk_risk (0:
 *           D is large enough but may not be the smallest). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_risk_required_deposit(
    tk_u256 *deposit, int *exact, const tk_risk_group *groups, size_t n,
    double eps) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_RISK_H */

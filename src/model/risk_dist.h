/* SPDX-License-Identifier: MIT */
#ifndef TK_MODEL_RISK_DIST_H
#define TK_MODEL_RISK_DIST_H

/* The deposit-risk distribution kept between calls (for the sender's
 * books, receipt/exposure.c): the lattice sum's pmf on [0, cells] and the
 * tail beyond, for one span (deposit minus known winners). Tickets are
 * added one group at a time by convolution, so a batch check costs
 * O(cells x batch) instead of a full tk_risk. Tickets are never removed:
 * the owner keeps the distribution of a SUPERSET of its outstanding
 * tickets, whose risk is an upper bound (risk is monotone in the set), and
 * rebuilds it when the bound no longer suffices. Same accuracy as tk_risk
 * (finish() adds the same margins). Not thread-safe: the owner locks. */

#include "ticket/common.h"
#include "ticket/risk.h"

#include <gmp.h>

typedef struct tk__risk_dist {
    int valid;       /* built and usable */
    int exact;       /* the unit is the face values' gcd (no rounding) */
    mpz_t unit;      /* lattice unit, wei */
    uint64_t cells;  /* floor(span / unit) */
    double *pmf;     /* cells + 1 entries */
    double *scratch; /* cells + 1 entries */
    uint64_t hi;     /* highest nonzero cell */
    double tail;     /* P(sum > cells) */
} tk__risk_dist;

void tk__risk_dist_init(tk__risk_dist *d);
void tk__risk_dist_clear(tk__risk_dist *d);

/* Build for groups (no known winners among them) and span (the deposit
 * left after the known winners). TK_ERR_STATE when there is nothing to
 * keep (no group can win, a known winner given, or span >= the sum of all
 * face values: risk 0): use tk_risk. TK_ERR_NOMEM. */
tk_status tk__risk_dist_build(tk__risk_dist *d, const tk_risk_group *groups,
                              size_t n, const mpz_t span);

/* Convolve count more tickets of (face, win_prob). TK_ERR_STATE when the
 * face value is off the exact lattice (rebuild); TK_ERR_NOMEM (the
 * distribution is then invalid). */
tk_status tk__risk_dist_add(tk__risk_dist *d, const tk_u256 *face,
                            const tk_u256 *win_prob, uint64_t count);

/* risk(span) of the tickets in the distribution, as tk_risk reports it. */
double tk__risk_dist_value(const tk__risk_dist *d);

#endif

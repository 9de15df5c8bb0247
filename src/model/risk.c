/* SPDX-License-Identifier: MIT */
/* Deposit risk (docs/receipts.md R2): P(sum of winning face values > D).
 *
 * Exact integers (GMP) reduce the problem to a lattice: every face value is
 * a multiple of the unit U (their gcd, or a coarser unit with face values
 * rounded up), the deposit becomes `cells` = floor(D / U), and the sum's
 * distribution is convolved group by group on [0, cells] in doubles. Mass
 * that leaves [0, cells] is added to the tail at once, so the tail is a sum
 * of positive terms: a risk of 1e-30 keeps its relative accuracy (1 - P(S
 * <= D) would lose it all). Cells below PRUNE are moved into the tail too
 * (an over-estimate of at most cells * groups * PRUNE, far below what the
 * accuracy rule allows; a larger PRUNE would be faster but would make tiny
 * risks non-monotone in the outstanding set). */
#include "core/internal.h"

#include "ticket/risk.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include "risk_dist.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRUNE 1e-300
/* Added to every nonzero result: covers products that underflowed (each
 * below DBL_MIN, at most cells * groups * k of them) and keeps a risk far
 * below the double range from being reported as 0. */
#define UNDERFLOW_BOUND 1e-290
/* Relative margin over the double rounding of the sums and logarithms. */
#define REL_MARGIN 1e-9
/* The smallest nonzero risk reported: below it the pruned and underflowed
 * mass (<= 1e-290) is no longer negligible, and an upper bound that does not
 * depend on it keeps the result monotone in the outstanding set. */
#define RISK_FLOOR 2e-270

/* One group of identical tickets that can win, in lattice units. */
struct grp {
    uint64_t a;   /* face value / U, capped at cells + 1 */
    uint64_t n;   /* tickets */
    double lp;    /* log p */
    double lq;    /* log (1 - p) */
    double np;    /* n p */
};

struct prep {
    mpz_t known;  /* face values of known winners */
    mpz_t max;    /* face values of all other tickets that can win */
    mpz_t gcd;    /* gcd of those face values (0 if none) */
    struct grp *g;
    mpz_t *face;  /* face value of g[i] */
    size_t ng;
};

static void prep_clear(struct prep *p)
{
    for (size_t i = 0; i < p->ng; i++)
        mpz_clear(p->face[i]);
    free(p->face);
    free(p->g);
    mpz_clears(p->known, p->max, p->gcd, NULL);
}

/* p = win_prob / 2^256 and 1 - p, each from its exact integer. */
static void probs(struct grp *g, const tk_u256 *win_prob)
{
    mpz_t w, q;
    double p, qd;

    mpz_inits(w, q, NULL);
    (void)tk_u256_to_mpz(w, win_prob);
    mpz_set_ui(q, 0);
    mpz_setbit(q, 256);
    mpz_sub(q, q, w);
    p = ldexp(mpz_get_d(w), -256);
    qd = ldexp(mpz_get_d(q), -256);
    /* The smaller of p, q is the accurate one; derive the other's log from
     * it with log1p. */
    if (p < 0.5) {
        g->lp = log(p);
        g->lq = log1p(-p);
    } else {
        g->lp = log1p(-qd);
        g->lq = log(qd);
    }
    g->np = (double)g->n * p;
    mpz_clears(w, q, NULL);
}

static tk_status prep_init(struct prep *p, const tk_risk_group *groups,
                           size_t n)
{
    mpz_t f;

    memset(p, 0, sizeof *p);
    mpz_inits(p->known, p->max, p->gcd, f, NULL);
    p->g = calloc(n + 1, sizeof *p->g);
    p->face = calloc(n + 1, sizeof *p->face);
    if (p->g == NULL || p->face == NULL) {
        mpz_clear(f);
        prep_clear(p);
        return TK_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const tk_risk_group *x = &groups[i];
        (void)tk_u256_to_mpz(f, &x->face_value);
        if (x->count == 0 || mpz_sgn(f) == 0)
            continue;
        if (x->known_winner) {
            mpz_addmul_ui(p->known, f, x->count);
            continue;
        }
        if (tk_u256_is_zero(&x->win_prob))
            continue;
        mpz_addmul_ui(p->max, f, x->count);
        mpz_gcd(p->gcd, p->gcd, f);
        mpz_init_set(p->face[p->ng], f);
        p->g[p->ng].n = x->count;
        probs(&p->g[p->ng], &x->win_prob);
        p->ng++;
    }
    mpz_clear(f);
    return TK_OK;
}

/* Face values in units of U (rounded up), capped at cells + 1. */
static void set_units(struct prep *p, const mpz_t unit, uint64_t cells)
{
    mpz_t a;

    mpz_init(a);
    for (size_t i = 0; i < p->ng; i++) {
        mpz_cdiv_q(a, p->face[i], unit);
        p->g[i].a = mpz_cmp_ui(a, cells) > 0 ? cells + 1 : mpz_get_ui(a);
    }
    mpz_clear(a);
}

/* b[k] = P(K = k) for k <= kmax and tail[k] = P(K >= k) for k <= kmax + 1,
 * K ~ Binomial(n, p). Logs step by the ratio of successive terms. */
static void binomial(double *b, double *tail, const struct grp *g,
                     uint64_t kmax)
{
    double r = g->lp - g->lq, l = (double)g->n * g->lq, sum = 0.0;
    uint64_t k, n = g->n;

    for (k = 0; k <= kmax; k++) {
        b[k] = exp(l);
        if (k < n)
            l += log((double)(n - k) / (double)(k + 1)) + r;
    }
    /* P(K > kmax). */
    if (kmax >= n) {
        sum = 0.0;
    } else if ((double)(kmax + 1) <= g->np - 1.0) {
        /* Below the median: the result is >= 1/2, no cancellation. */
        double below = 0.0;
        for (k = 0; k <= kmax; k++)
            below += b[k];
        sum = below < 1.0 ? 1.0 - below : 0.0;
    } else {
        /* Past the mode the terms fall geometrically: sum until the rest,
         * bounded by the geometric series, is negligible. */
        for (k = kmax + 1;; k++) {
            double t = exp(l), ratio;
            sum += t;
            if (k == n)
                break;
            ratio = exp(log((double)(n - k) / (double)(k + 1)) + r);
            if (ratio < 0.5 && (t * ratio <= sum * 1e-18 || t < DBL_MIN)) {
                sum += t * ratio / (1.0 - ratio);
                break;
            }
            l += log((double)(n - k) / (double)(k + 1)) + r;
        }
    }
    tail[kmax + 1] = sum;
    for (k = kmax + 1; k-- > 0;)
        tail[k] = tail[k + 1] + b[k];
}

/* Convolve the distribution pmf[0..*hi] on [0, cells] with one group
 * (scratch c: cells + 1 doubles); mass beyond cells, and cells below prune,
 * go to *tail. */
static tk_status convolve_group(double *pmf, double *c, uint64_t *hi,
                                double *tail, const struct grp *g,
                                uint64_t cells, double prune)
{
    uint64_t kmax = cells / g->a, nhi = 0;
    double *b, *bt, t = *tail;

    if (kmax > g->n)
        kmax = g->n;
    b = malloc((kmax + 1) * sizeof *b);
    bt = malloc((kmax + 2) * sizeof *bt);
    if (b == NULL || bt == NULL) {
        free(b);
        free(bt);
        return TK_ERR_NOMEM;
    }
    binomial(b, bt, g, kmax);
    memset(c, 0, (cells + 1) * sizeof *c);
    for (uint64_t s = 0; s <= *hi; s++) {
        double x = pmf[s];
        uint64_t km;
        if (x == 0.0)
            continue;
        km = (cells - s) / g->a;
        if (km > kmax)
            km = kmax;
        for (uint64_t k = 0, at = s; k <= km; k++, at += g->a)
            c[at] += x * b[k];
        t += x * bt[km + 1];
        if (s + km * g->a > nhi)
            nhi = s + km * g->a;
    }
    *hi = 0;
    for (uint64_t s = 0; s <= nhi; s++) {
        if (c[s] != 0.0 && c[s] < prune) {
            t += c[s];
            c[s] = 0.0;
        }
        if (c[s] != 0.0)
            *hi = s;
    }
    memcpy(pmf, c, (nhi + 1) * sizeof *c);
    if (nhi < cells)
        memset(pmf + nhi + 1, 0, (cells - nhi) * sizeof *c);
    free(b);
    free(bt);
    *tail = t;
    return TK_OK;
}

/* The distribution of the lattice sum on [0, cells] (pmf, calloc'd by the
 * caller, cells + 1 entries) and *tail = P(sum > cells). */
static tk_status convolve(double *pmf, double *tail, const struct prep *p,
                          uint64_t cells, double prune)
{
    double *c = calloc(cells + 1, sizeof *c);
    uint64_t hi = 0; /* highest nonzero cell */
    tk_status st = TK_OK;

    if (c == NULL)
        return TK_ERR_NOMEM;
    pmf[0] = 1.0;
    *tail = 0.0;
    for (size_t i = 0; i < p->ng && st == TK_OK; i++)
        st = convolve_group(pmf, c, &hi, tail, &p->g[i], cells, prune);
    free(c);
    return st;
}

static double finish(double t)
{
    t = t * (1.0 + REL_MARGIN) + UNDERFLOW_BOUND;
    if (t < RISK_FLOOR)
        t = RISK_FLOOR;
    return t > 1.0 ? 1.0 : t;
}

/* The lattice unit for a span of `span` (> 0) gcd units: the gcd itself,
 * or a multiple of it when the span exceeds TK_RISK_MAX_CELLS. */
static int pick_unit(mpz_t unit, uint64_t *cells, const mpz_t gcd,
                     const mpz_t span_wei)
{
    mpz_t c;
    int exact = 1;

    mpz_init(c);
    mpz_fdiv_q(c, span_wei, gcd);
    mpz_set(unit, gcd);
    if (mpz_cmp_ui(c, TK_RISK_MAX_CELLS) > 0) {
        mpz_cdiv_q_ui(c, c, TK_RISK_MAX_CELLS);
        mpz_mul(unit, gcd, c);
        mpz_fdiv_q(c, span_wei, unit);
        exact = 0;
    }
    *cells = mpz_get_ui(c);
    mpz_clear(c);
    return exact;
}

tk_status tk_risk(double *risk, int *exact, const tk_risk_group *groups,
                  size_t n, const tk_u256 *deposit)
{
    struct prep p;
    mpz_t d, unit;
    double *pmf, t = 0.0;
    uint64_t cells = 0;
    int ex = 1;
    tk_status st;

    TK_ARG_CHECK_NOCTX(risk != NULL);
    *risk = 0.0;
    if (exact != NULL)
        *exact = 0;
    TK_ARG_CHECK_NOCTX(groups != NULL || n == 0);
    TK_ARG_CHECK_NOCTX(deposit != NULL);
    st = prep_init(&p, groups, n);
    if (st != TK_OK)
        return st;
    mpz_inits(d, unit, NULL);
    (void)tk_u256_to_mpz(d, deposit);
    if (mpz_cmp(p.known, d) > 0) {
        *risk = 1.0; /* the known winners alone overflow the deposit */
        goto done;
    }
    mpz_sub(d, d, p.known);
    if (mpz_cmp(d, p.max) >= 0)
        goto done; /* exactly 0: everything winning still fits */
    ex = pick_unit(unit, &cells, p.gcd, d);
    set_units(&p, unit, cells);
    pmf = calloc(cells + 1, sizeof *pmf);
    if (pmf == NULL) {
        st = TK_ERR_NOMEM;
        goto done;
    }
    st = convolve(pmf, &t, &p, cells, PRUNE);
    free(pmf);
    if (st == TK_OK)
        *risk = finish(t);
done:
    if (st == TK_OK && exact != NULL)
        *exact = ex;
    mpz_clears(d, unit, NULL);
    prep_clear(&p);
    return st;
}

/* The smallest s in [0, cells] with P(lattice sum > s) <= eps, given the
 * pmf on [0, cells] and the tail beyond; cells + 1 if none. */
static uint64_t smallest_cell(const double *pmf, double t, uint64_t cells,
                              double eps)
{
    uint64_t s = cells + 1;

    if (t > eps)
        return s;
    for (s = cells; s > 0; s--) {
        t += pmf[s];
        if (t > eps)
            return s;
    }
    return 0;
}

tk_status tk_risk_required_deposit(tk_u256 *deposit, int *exact,
                                   const tk_risk_group *groups, size_t n,
                                   double eps)
{
    struct prep p;
    mpz_t span, unit, out;
    uint64_t cells = 0, s;
    int ex = 1;
    tk_status st;

    TK_ARG_CHECK_NOCTX(deposit != NULL);
    memset(deposit, 0, sizeof *deposit);
    if (exact != NULL)
        *exact = 0;
    TK_ARG_CHECK_NOCTX(groups != NULL || n == 0);
    if (!(eps >= 0.0)) /* also NaN */
        return TK_ERR_OUT_OF_RANGE;
    st = prep_init(&p, groups, n);
    if (st != TK_OK)
        return st;
    mpz_inits(span, unit, out, NULL);
    if (eps >= 1.0) {
        mpz_set_ui(out, 0);
    } else if (eps == 0.0 || p.ng == 0) {
        mpz_add(out, p.known, p.max);
    } else {
        /* Grow the span (in gcd units: the mean plus a margin, doubled)
         * until the tail beyond it is within eps, then read every smaller
         * deposit's risk off the same distribution. */
        double mean = 0.0;
        for (size_t i = 0; i < p.ng; i++)
            mean += p.g[i].np * mpz_get_d(p.face[i]);
        mpz_set_d(span, mean);
        mpz_addmul_ui(span, p.gcd, 64);
        for (;;) {
            double *pmf, t = 0.0;
            if (mpz_cmp(span, p.max) >= 0)
                mpz_set(span, p.max);
            ex = pick_unit(unit, &cells, p.gcd, span);
            set_units(&p, unit, cells);
            pmf = calloc(cells + 1, sizeof *pmf);
            if (pmf == NULL) {
                st = TK_ERR_NOMEM;
                break;
            }
            st = convolve(pmf, &t, &p, cells,
                          fmin(PRUNE, eps * 1e-9 / ((double)cells + 1.0) /
                                          (double)p.ng));
            s = st == TK_OK ? smallest_cell(pmf, t, cells, eps) : 0;
            free(pmf);
            if (st != TK_OK)
                break;
            if (s <= cells) {
                mpz_mul_ui(out, unit, s);
                break;
            }
            if (mpz_cmp(span, p.max) >= 0) { /* cannot happen: tail 0 */
                mpz_set(out, p.max);
                break;
            }
            mpz_mul_2exp(span, span, 1);
        }
        mpz_add(out, out, p.known);
    }
    if (st == TK_OK)
        st = tk_u256_from_mpz(deposit, out);
    if (st == TK_OK && exact != NULL)
        *exact = ex;
    mpz_clears(span, unit, out, NULL);
    prep_clear(&p);
    return st;
}

/* ---- The incremental distribution (risk_dist.h) ---------------------- */

void tk__risk_dist_init(tk__risk_dist *d)
{
    memset(d, 0, sizeof *d);
    mpz_init(d->unit);
}

void tk__risk_dist_clear(tk__risk_dist *d)
{
    free(d->pmf);
    free(d->scratch);
    mpz_clear(d->unit);
    memset(d, 0, sizeof *d);
}

tk_status tk__risk_dist_build(tk__risk_dist *d, const tk_risk_group *groups,
                              size_t n, const mpz_t span)
{
    struct prep p;
    tk_status st;

    free(d->pmf);
    free(d->scratch);
    d->pmf = d->scratch = NULL;
    d->valid = 0;
    st = prep_init(&p, groups, n);
    if (st != TK_OK)
        return st;
    if (p.ng == 0 || mpz_cmp(span, p.max) >= 0 || mpz_sgn(p.known) != 0) {
        prep_clear(&p);
        return TK_ERR_STATE; /* no lattice to keep: use tk_risk */
    }
    d->exact = pick_unit(d->unit, &d->cells, p.gcd, span);
    set_units(&p, d->unit, d->cells);
    d->pmf = calloc(d->cells + 1, sizeof *d->pmf);
    d->scratch = malloc((d->cells + 1) * sizeof *d->scratch);
    if (d->pmf == NULL || d->scratch == NULL) {
        st = TK_ERR_NOMEM;
    } else {
        d->pmf[0] = 1.0;
        d->hi = 0;
        d->tail = 0.0;
        for (size_t i = 0; i < p.ng && st == TK_OK; i++)
            st = convolve_group(d->pmf, d->scratch, &d->hi, &d->tail, &p.g[i],
                                d->cells, PRUNE);
    }
    prep_clear(&p);
    d->valid = st == TK_OK;
    return st;
}

tk_status tk__risk_dist_add(tk__risk_dist *d, const tk_u256 *face,
                            const tk_u256 *win_prob, uint64_t count)
{
    struct grp g;
    mpz_t f, a;
    tk_status st = TK_OK;

    if (!d->valid)
        return TK_ERR_STATE;
    if (count == 0 || tk_u256_is_zero(face) || tk_u256_is_zero(win_prob))
        return TK_OK; /* cannot win: the sum does not move */
    mpz_inits(f, a, NULL);
    (void)tk_u256_to_mpz(f, face);
    /* On the exact lattice the face value must be a multiple of the unit
     * (else the gcd changed); a coarse lattice rounds it up, as tk_risk. */
    if (d->exact && !mpz_divisible_p(f, d->unit))
        st = TK_ERR_STATE;
    if (st == TK_OK) {
        memset(&g, 0, sizeof g);
        g.n = count;
        probs(&g, win_prob);
        mpz_cdiv_q(a, f, d->unit);
        g.a = mpz_cmp_ui(a, d->cells) > 0 ? d->cells + 1 : mpz_get_ui(a);
        st = convolve_group(d->pmf, d->scratch, &d->hi, &d->tail, &g,
                            d->cells, PRUNE);
        if (st != TK_OK)
            d->valid = 0; /* half convolved: unusable */
    }
    mpz_clears(f, a, NULL);
    return st;
}

double tk__risk_dist_value(const tk__risk_dist *d)
{
    return finish(d->tail);
}

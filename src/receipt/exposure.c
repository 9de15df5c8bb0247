/* SPDX-License-Identifier: MIT */
/* A sender's books: outstanding tickets, receipts, deposit-risk holds
 * (docs/receipts.md R1, R2). Tickets live in one array, found by hash through
 * an open-addressing index; identical tickets (same face value and winProb)
 * share a group, so the risk sees at most one group per kind of ticket.
 *
 * The batch check is incremental: the books keep the risk distribution of
 * a superset of their outstanding tickets (model/risk_dist.h). A batch is
 * convolved into it; tickets that leave (receipts, expiry, redemption,
 * release) stay in it, which only over-states the risk, so a pass is always
 * safe; it is rebuilt from the exact set only when the bound refuses. */
#include "core/internal.h"
#include "model/risk_dist.h"

#include "ticket/exposure.h"
#include "ticket/risk.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { T_OUT, T_WIN, T_LOST, T_DONE };
#define NONE ((size_t)-1)

struct grp {
    tk_u256 face, wp;
    uint64_t out, win, held;
    double f, p; /* face value (wei) and win probability, as doubles */
};

struct pay {
    tk_address recipient;
    tk_hash rand_hash;
    size_t grp;
    int64_t creation_round;
    size_t first, count; /* tickets[first .. first + count) */
    size_t receipt;      /* NONE, or the receipt that covered this batch */
};

struct tkt {
    tk_hash hash;
    size_t pay;
    int state;
    size_t receipt; /* the receipt that listed it, or NONE */
};

struct rcpt {
    tk_hash digest;
    tk_sig sig;
};

struct tk_exposure {
    const tk_ctx *ctx;
    tk_address sender;
    tk_receipt_domain domain;
    pthread_mutex_t mu;
    struct grp *g;
    size_t ng, capg;
    struct pay *p;
    size_t np, capp;
    struct tkt *t;
    size_t nt, capt;
    uint32_t *slot; /* ticket index + 1; 0 empty; capacity nslot (2^k) */
    size_t nslot;
    struct rcpt *r;
    size_t nr, capr;
    mpz_t credited;
    mpz_t max_sum; /* face values of every ticket that can still win */
    double theta;  /* last Chernoff parameter (in units of 1/deposit) */
    /* The superset distribution: dist_n[g] tickets of group g (g <
     * dist_ng; later groups 0) for deposit dist_deposit with known winners
     * of face sum dist_known (the span is the deposit minus it). */
    tk__risk_dist dist;
    uint64_t *dist_n;
    size_t dist_ng, dist_cap;
    tk_u256 dist_deposit;
    mpz_t dist_known;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 16;
    void *n;
    if (need <= *cap)
        return 0;
    while (c < need)
        c *= 2;
    n = realloc(*arr, c * elem);
    if (n == NULL)
        return -1;
    *arr = n;
    *cap = c;
    return 0;
}

static size_t slot_of(const tk_hash *h, size_t nslot)
{
    uint64_t v;
    memcpy(&v, h->bytes, sizeof v); /* hashes are uniform already */
    return (size_t)v & (nslot - 1);
}

static size_t find_ticket(const tk_exposure *x, const tk_hash *h)
{
    if (x->nslot == 0)
        return NONE;
    for (size_t i = slot_of(h, x->nslot);; i = (i + 1) & (x->nslot - 1)) {
        uint32_t s = x->slot[i];
        if (s == 0)
            return NONE;
        if (memcmp(x->t[s - 1].hash.bytes, h->bytes, TK_HASH_LEN) == 0)
            return s - 1;
    }
}

static void index_put(tk_exposure *x, size_t ti)
{
    size_t i = slot_of(&x->t[ti].hash, x->nslot);
    while (x->slot[i] != 0)
        i = (i + 1) & (x->nslot - 1);
    x->slot[i] = (uint32_t)(ti + 1);
}

/* Room for `more` tickets in the index (load <= 1/2). */
static int index_reserve(tk_exposure *x, size_t more)
{
    size_t want = x->nslot ? x->nslot : 64;
    uint32_t *ns;
    if (x->nt + more > UINT32_MAX - 1)
        return -1;
    while ((x->nt + more) * 2 > want)
        want *= 2;
    if (want == x->nslot)
        return 0;
    ns = calloc(want, sizeof *ns);
    if (ns == NULL)
        return -1;
    free(x->slot);
    x->slot = ns;
    x->nslot = want;
    for (size_t i = 0; i < x->nt; i++)
        index_put(x, i);
    return 0;
}

static double u256_double(const tk_u256 *v)
{
    double d = 0.0;
    for (size_t i = 0; i < TK_U256_LEN; i++)
        d = d * 256.0 + v->bytes[i];
    return d;
}

/* The group of (face, wp), created if missing (NONE: out of memory). */
static size_t group_of(tk_exposure *x, const tk_u256 *face, const tk_u256 *wp,
                       int create)
{
    struct grp *g;
    for (size_t i = 0; i < x->ng; i++)
        if (memcmp(&x->g[i].face, face, sizeof *face) == 0 &&
            memcmp(&x->g[i].wp, wp, sizeof *wp) == 0)
            return i;
    if (!create || grow((void **)&x->g, &x->capg, x->ng + 1, sizeof *x->g) < 0)
        return NONE;
    g = &x->g[x->ng];
    memset(g, 0, sizeof *g);
    g->face = *face;
    g->wp = *wp;
    g->f = u256_double(face);
    g->p = ldexp(u256_double(wp), -256);
    return x->ng++;
}

/* max_sum += sign * count * face for tickets that can win. */
static void max_sum_add(tk_exposure *x, const struct grp *g, uint64_t count,
                        int sign)
{
    mpz_t f;
    if (tk_u256_is_zero(&g->wp) || count == 0)
        return;
    mpz_init(f);
    (void)tk_u256_to_mpz(f, &g->face);
    mpz_mul_ui(f, f, count);
    if (sign > 0)
        mpz_add(x->max_sum, x->max_sum, f);
    else
        mpz_sub(x->max_sum, x->max_sum, f);
    mpz_clear(f);
}

tk_status tk_exposure_create(const tk_ctx *ctx, tk_exposure **out,
                             const tk_address *sender,
                             const tk_receipt_domain *domain)
{
    tk_exposure *x;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, sender != NULL);
    TK_ARG_CHECK(ctx, domain != NULL);
    x = calloc(1, sizeof *x);
    if (x == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&x->mu, NULL) != 0) {
        free(x);
        return TK_ERR_NOMEM;
    }
    x->ctx = ctx;
    x->sender = *sender;
    x->domain = *domain;
    mpz_inits(x->credited, x->max_sum, x->dist_known, NULL);
    tk__risk_dist_init(&x->dist);
    x->theta = 1.0;
    *out = x;
    return TK_OK;
}

void tk_exposure_destroy(tk_exposure *x)
{
    if (x == NULL)
        return;
    pthread_mutex_destroy(&x->mu);
    mpz_clears(x->credited, x->max_sum, x->dist_known, NULL);
    tk__risk_dist_clear(&x->dist);
    free(x->dist_n);
    free(x->g);
    free(x->p);
    free(x->t);
    free(x->slot);
    free(x->r);
    free(x);
}

/* log of the Chernoff bound exp(-t) prod_g E[exp(t S_g / D)] at t, with
 * `extra` more tickets in group eg. */
static double chernoff_log(const tk_exposure *x, double d, double t,
                           size_t eg, uint64_t extra)
{
    double l = -t;
    for (size_t i = 0; i < x->ng; i++) {
        const struct grp *g = &x->g[i];
        double a = t * g->f / d, n = (double)(g->out + g->held);
        if (i == eg)
            n += (double)extra;
        if (g->p > 0.0 && n > 0.0)
            l += n * log1p(g->p * expm1(a));
        l += (double)g->win * a;
    }
    return l;
}

/* The exact risk with `extra` more tickets in group eg. */
static tk_status exact_risk(const tk_exposure *x, double *r,
                            const tk_u256 *deposit, size_t eg, uint64_t extra)
{
    tk_risk_group *rg = calloc(2 * x->ng + 1, sizeof *rg);
    size_t n = 0;
    tk_status st;
    if (rg == NULL)
        return TK_ERR_NOMEM;
    for (size_t i = 0; i < x->ng; i++) {
        const struct grp *g = &x->g[i];
        uint64_t out = g->out + g->held + (i == eg ? extra : 0);
        if (out > 0) {
            rg[n].face_value = g->face;
            rg[n].win_prob = g->wp;
            rg[n++].count = out;
        }
        if (g->win > 0) {
            rg[n].face_value = g->face;
            rg[n].win_prob = g->wp;
            rg[n].count = g->win;
            rg[n++].known_winner = 1;
        }
    }
    st = tk_risk(r, NULL, rg, n, deposit);
    free(rg);
    return st;
}

/* Face values of the known winners. */
static void known_sum(const tk_exposure *x, mpz_t k)
{
    mpz_t f;
    mpz_init(f);
    mpz_set_ui(k, 0);
    for (size_t i = 0; i < x->ng; i++)
        if (x->g[i].win > 0) {
            (void)tk_u256_to_mpz(f, &x->g[i].face);
            mpz_addmul_ui(k, f, x->g[i].win);
        }
    mpz_clear(f);
}

/* Outstanding (and held) tickets of group i, and in the distribution. */
static uint64_t live_n(const tk_exposure *x, size_t i)
{
    return x->g[i].out + x->g[i].held;
}

static uint64_t dist_n(const tk_exposure *x, size_t i)
{
    return i < x->dist_ng ? x->dist_n[i] : 0;
}

/* Rebuild the distribution from the live set with `extra` more in eg.
 * TK_ERR_STATE: nothing to keep (then use exact_risk). */
static tk_status dist_rebuild(tk_exposure *x, const tk_u256 *deposit,
                              const mpz_t known, size_t eg, uint64_t extra)
{
    tk_risk_group *rg;
    size_t n = 0;
    mpz_t span;
    tk_status st;

    x->dist.valid = 0; /* until rebuilt for the new keys below */
    if (grow((void **)&x->dist_n, &x->dist_cap, x->ng, sizeof *x->dist_n) < 0 ||
        (rg = calloc(x->ng + 1, sizeof *rg)) == NULL)
        return TK_ERR_NOMEM;
    for (size_t i = 0; i < x->ng; i++) {
        uint64_t c = live_n(x, i) + (i == eg ? extra : 0);
        x->dist_n[i] = c;
        if (c > 0) {
            rg[n].face_value = x->g[i].face;
            rg[n].win_prob = x->g[i].wp;
            rg[n++].count = c;
        }
    }
    x->dist_ng = x->ng;
    mpz_init(span);
    (void)tk_u256_to_mpz(span, deposit);
    mpz_sub(span, span, known);
    st = mpz_sgn(span) < 0 ? TK_ERR_STATE
                           : tk__risk_dist_build(&x->dist, rg, n, span);
    mpz_clear(span);
    free(rg);
    x->dist_deposit = *deposit;
    mpz_set(x->dist_known, known);
    return st;
}

/* The decision from the kept distribution when it can give one: TK_OK with
 * *ok set, or TK_ERR_STATE (rebuild). Without `convolve` it answers only
 * when the distribution already holds the batch. */
static tk_status dist_within(tk_exposure *x, const tk_u256 *deposit,
                             const mpz_t known, double eps, size_t eg,
                             uint64_t extra, int convolve, int *ok)
{
    uint64_t need = live_n(x, eg) + extra;
    int exact = 1;
    tk_status st;

    if (!x->dist.valid ||
        memcmp(&x->dist_deposit, deposit, sizeof *deposit) != 0 ||
        mpz_cmp(known, x->dist_known) > 0)
        return TK_ERR_STATE; /* more known winners: no longer an upper bound */
    for (size_t i = 0; i < x->ng; i++) {
        if (i != eg && live_n(x, i) > dist_n(x, i))
            return TK_ERR_STATE;
        exact &= i == eg || live_n(x, i) == dist_n(x, i);
    }
    if (dist_n(x, eg) < need) {
        if (!convolve)
            return TK_ERR_STATE;
        if (grow((void **)&x->dist_n, &x->dist_cap, x->ng, sizeof *x->dist_n) < 0)
            return TK_ERR_NOMEM;
        while (x->dist_ng < x->ng)
            x->dist_n[x->dist_ng++] = 0;
        st = tk__risk_dist_add(&x->dist, &x->g[eg].face, &x->g[eg].wp,
                               need - x->dist_n[eg]);
        if (st != TK_OK)
            return st;
        x->dist_n[eg] = need;
    }
    if (tk__risk_dist_value(&x->dist) <= eps) {
        *ok = 1;
        return TK_OK;
    }
    /* The distribution is of exactly this request: the refusal stands. */
    if (exact && dist_n(x, eg) == need && mpz_cmp(known, x->dist_known) == 0) {
        *ok = 0;
        return TK_OK;
    }
    return TK_ERR_STATE;
}

/* Does everything winning (with `extra` more in eg) fit the deposit? */
static int all_fit(const tk_exposure *x, const tk_u256 *deposit, size_t eg,
                   uint64_t extra)
{
    const struct grp *g = &x->g[eg];
    mpz_t sum, dep;
    int fit;

    mpz_inits(sum, dep, NULL);
    mpz_set(sum, x->max_sum);
    if (!tk_u256_is_zero(&g->wp)) {
        mpz_t f;
        mpz_init(f);
        (void)tk_u256_to_mpz(f, &g->face);
        mpz_addmul_ui(sum, f, extra);
        mpz_clear(f);
    }
    (void)tk_u256_to_mpz(dep, deposit);
    fit = mpz_cmp(sum, dep) <= 0;
    mpz_clears(sum, dep, NULL);
    return fit;
}

/* The Chernoff bound over t (the log is convex in t) is within eps; the
 * best t is kept for the next check. */
static int chernoff_min_ok(tk_exposure *x, double d, double le, size_t eg,
                           uint64_t extra)
{
    double lo = 0.0, hi, maxf = 0.0;

    for (size_t i = 0; i < x->ng; i++)
        if (x->g[i].f > maxf)
            maxf = x->g[i].f;
    hi = 700.0 * d / maxf;
    for (int it = 0; it < 100 && hi - lo > 1e-9 * hi; it++) {
        double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
        if (chernoff_log(x, d, m1, eg, extra) < chernoff_log(x, d, m2, eg, extra))
            hi = m2;
        else
            lo = m1;
    }
    if (chernoff_log(x, d, lo, eg, extra) + 1e-9 > le)
        return 0;
    x->theta = lo;
    return 1;
}

/* Is risk(deposit) <= eps with `extra` tickets more in group eg? From the
 * cheapest answer to the dearest: everything fits (exact integers); the
 * Chernoff bound at the last good t (O(groups)); the kept distribution if
 * it already covers the batch (O(groups)); the best Chernoff bound; the
 * batch convolved into the kept distribution (O(cells x batch)); the
 * distribution rebuilt from the exact set; tk_risk. Every pass is an upper
 * bound within eps; a refusal comes only from a distribution of exactly
 * this request. */
static tk_status within(tk_exposure *x, const tk_u256 *deposit, double eps,
                        size_t eg, uint64_t extra, int *ok)
{
    double d = u256_double(deposit), le = log(eps), r;
    int bounds = eps > 0.0 && d > 0.0; /* any t > 0 gives an upper bound */
    mpz_t known;
    tk_status st;

    *ok = 1;
    if (eps >= 1.0 || all_fit(x, deposit, eg, extra) ||
        (bounds && chernoff_log(x, d, x->theta, eg, extra) + 1e-9 <= le))
        return TK_OK;
    *ok = 0;
    mpz_init(known);
    known_sum(x, known);
    st = dist_within(x, deposit, known, eps, eg, extra, 0, ok);
    if (st == TK_ERR_STATE && bounds && chernoff_min_ok(x, d, le, eg, extra)) {
        *ok = 1;
        st = TK_OK;
    }
    if (st == TK_ERR_STATE)
        st = dist_within(x, deposit, known, eps, eg, extra, 1, ok);
    if (st == TK_ERR_STATE) {
        st = dist_rebuild(x, deposit, known, eg, extra);
        if (st == TK_OK)
            *ok = tk__risk_dist_value(&x->dist) <= eps;
    }
    mpz_clear(known);
    if (st != TK_ERR_STATE)
        return st;
    st = exact_risk(x, &r, deposit, eg, extra);
    if (st == TK_OK)
        *ok = r <= eps;
    return st;
}

tk_status tk_exposure_hold(tk_exposure *x, const tk_u256 *face_value,
                           const tk_u256 *win_prob, uint64_t count,
                           const tk_u256 *deposit, double eps)
{
    size_t gi;
    int ok = 0;
    tk_status st;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, face_value != NULL);
    TK_ARG_CHECK(x->ctx, win_prob != NULL);
    TK_ARG_CHECK(x->ctx, deposit != NULL);
    if (!(eps >= 0.0))
        return TK_ERR_OUT_OF_RANGE;
    pthread_mutex_lock(&x->mu);
    gi = group_of(x, face_value, win_prob, 1);
    if (gi == NONE) {
        st = TK_ERR_NOMEM;
    } else {
        st = within(x, deposit, eps, gi, count, &ok);
        if (st == TK_OK && !ok)
            st = TK_ERR_RISK_OVER_LIMIT;
        if (st == TK_OK) {
            x->g[gi].held += count;
            max_sum_add(x, &x->g[gi], count, 1);
        }
    }
    pthread_mutex_unlock(&x->mu);
    return st;
}

tk_status tk_exposure_release(tk_exposure *x, const tk_u256 *face_value,
                              const tk_u256 *win_prob, uint64_t count)
{
    size_t gi;
    tk_status st = TK_ERR_NOT_FOUND;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, face_value != NULL);
    TK_ARG_CHECK(x->ctx, win_prob != NULL);
    pthread_mutex_lock(&x->mu);
    gi = group_of(x, face_value, win_prob, 0);
    if (gi != NONE && x->g[gi].held >= count) {
        x->g[gi].held -= count;
        max_sum_add(x, &x->g[gi], count, -1);
        st = TK_OK;
    }
    pthread_mutex_unlock(&x->mu);
    return st;
}

tk_status tk_exposure_add_payment(tk_exposure *x, const tk_payment *p,
                                  int held)
{
    tk_status st = TK_OK;
    size_t gi, first;
    tk_ticket t;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, p != NULL);
    TK_ARG_CHECK(x->ctx, p->tickets != NULL || p->count == 0);
    pthread_mutex_lock(&x->mu);
    gi = group_of(x, &p->params.face_value, &p->params.win_prob, 1);
    if (gi == NONE) {
        st = TK_ERR_NOMEM;
        goto out;
    }
    if (held && x->g[gi].held < p->count) {
        st = TK_ERR_NOT_FOUND;
        goto out;
    }
    if (grow((void **)&x->p, &x->capp, x->np + 1, sizeof *x->p) < 0 ||
        grow((void **)&x->t, &x->capt, x->nt + p->count, sizeof *x->t) < 0 ||
        index_reserve(x, p->count) < 0) {
        st = TK_ERR_NOMEM;
        goto out;
    }
    first = x->nt;
    for (size_t i = 0; i < p->count && st == TK_OK; i++) {
        struct tkt *k = &x->t[first + i];
        st = tk_payment_ticket(&t, p, i);
        if (st == TK_OK)
            st = tk_ticket_hash(&k->hash, &t);
        if (st == TK_OK && find_ticket(x, &k->hash) != NONE)
            st = TK_ERR_STATE;
        for (size_t j = first; st == TK_OK && j < first + i; j++)
            if (memcmp(x->t[j].hash.bytes, k->hash.bytes, TK_HASH_LEN) == 0)
                st = TK_ERR_STATE;
        k->pay = x->np;
        k->state = T_OUT;
        k->receipt = NONE;
    }
    if (st != TK_OK)
        goto out; /* nothing indexed or counted yet */
    for (size_t i = 0; i < p->count; i++)
        index_put(x, first + i);
    x->nt += p->count;
    x->p[x->np].recipient = p->params.recipient;
    x->p[x->np].rand_hash = p->params.recipient_rand_hash;
    x->p[x->np].grp = gi;
    x->p[x->np].creation_round = p->params.creation_round;
    x->p[x->np].first = first;
    x->p[x->np].count = p->count;
    x->p[x->np].receipt = NONE;
    x->np++;
    if (held)
        x->g[gi].held -= p->count;
    else
        max_sum_add(x, &x->g[gi], p->count, 1);
    x->g[gi].out += p->count;
out:
    pthread_mutex_unlock(&x->mu);
    return st;
}

/* floor(n * EV) == credited, EV exact as in docs/protocol-notes.md §2. */
static int credit_ok(const struct grp *g, size_t n, const tk_u256 *credited)
{
    mpq_t ev;
    mpz_t a, b;
    int ok;
    mpq_init(ev);
    mpz_inits(a, b, NULL);
    (void)tk_ticket_ev(ev, &g->face, &g->wp);
    mpz_mul_ui(a, mpq_numref(ev), n);
    mpz_fdiv_q(a, a, mpq_denref(ev));
    (void)tk_u256_to_mpz(b, credited);
    ok = mpz_cmp(a, b) == 0;
    mpz_clears(a, b, NULL);
    mpq_clear(ev);
    return ok;
}

/* Every check of a receipt, without changing anything. *pay: the batch. */
static tk_status receipt_check(tk_exposure *x, const tk_receipt *r,
                               size_t *pay)
{
    size_t w = 0;

    *pay = NONE;
    if (memcmp(r->sender.bytes, x->sender.bytes, TK_ADDRESS_LEN) != 0)
        return TK_ERR_RECEIPT_WRONG_SENDER;
    for (size_t i = 0; i < r->n_tickets; i++) {
        size_t ti = find_ticket(x, &r->tickets[i]);
        const struct pay *p;
        if (ti == NONE)
            return TK_ERR_RECEIPT_UNKNOWN_TICKET;
        p = &x->p[x->t[ti].pay];
        if (memcmp(p->recipient.bytes, r->recipient.bytes, TK_ADDRESS_LEN) != 0 ||
            memcmp(p->rand_hash.bytes, r->recipient_rand_hash.bytes, TK_HASH_LEN) != 0 ||
            (*pay != NONE && x->t[ti].pay != *pay))
            return TK_ERR_RECEIPT_UNKNOWN_TICKET;
        *pay = x->t[ti].pay;
        if (x->t[ti].receipt != NONE || p->receipt != NONE)
            return TK_ERR_RECEIPT_DUPLICATE;
        for (size_t j = 0; j < i; j++)
            if (memcmp(r->tickets[j].bytes, r->tickets[i].bytes, TK_HASH_LEN) == 0)
                return TK_ERR_RECEIPT_MALFORMED;
        if (w < r->n_winners &&
            memcmp(r->winners[w].bytes, r->tickets[i].bytes, TK_HASH_LEN) == 0)
            w++;
    }
    if (w != r->n_winners)
        return TK_ERR_RECEIPT_MALFORMED; /* not a subsequence of tickets */
    if (*pay == NONE)
        return tk_u256_is_zero(&r->credited_wei) ? TK_OK
                                                 : TK_ERR_RECEIPT_CREDIT_MISMATCH;
    if (!credit_ok(&x->g[x->p[*pay].grp], r->n_tickets, &r->credited_wei))
        return TK_ERR_RECEIPT_CREDIT_MISMATCH;
    return TK_OK;
}

tk_status tk_exposure_apply_receipt(tk_exposure *x, const tk_receipt *r,
                                    const uint8_t *sig, size_t siglen)
{
    tk_receipt_hashes h;
    size_t pay, ri, w = 0;
    tk_status st;
    mpz_t c;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, r != NULL);
    TK_ARG_CHECK(x->ctx, r->tickets != NULL || r->n_tickets == 0);
    TK_ARG_CHECK(x->ctx, r->winners != NULL || r->n_winners == 0);
    TK_ARG_CHECK(x->ctx, sig != NULL || siglen == 0);
    st = tk_receipt_verify(x->ctx, NULL, &x->domain, r, sig, siglen);
    if (st != TK_OK)
        return st;
    (void)tk_receipt_hash(&h, &x->domain, r);
    pthread_mutex_lock(&x->mu);
    st = receipt_check(x, r, &pay);
    if (st == TK_OK &&
        grow((void **)&x->r, &x->capr, x->nr + 1, sizeof *x->r) < 0)
        st = TK_ERR_NOMEM;
    if (st != TK_OK)
        goto out;
    ri = x->nr++;
    x->r[ri].digest = h.digest;
    memcpy(x->r[ri].sig.bytes, sig, TK_SIG_LEN);
    if (pay != NONE) {
        struct grp *g = &x->g[x->p[pay].grp];
        x->p[pay].receipt = ri;
        for (size_t i = 0; i < r->n_tickets; i++) {
            struct tkt *k = &x->t[find_ticket(x, &r->tickets[i])];
            k->receipt = ri;
            if (k->state != T_OUT)
                continue; /* expired meanwhile: already gone */
            g->out--;
            if (w < r->n_winners &&
                memcmp(r->winners[w].bytes, r->tickets[i].bytes, TK_HASH_LEN) == 0) {
                w++;
                k->state = T_WIN;
                g->win++;
            } else {
                k->state = T_LOST;
                max_sum_add(x, g, 1, -1);
            }
        }
    }
    mpz_init(c);
    (void)tk_u256_to_mpz(c, &r->credited_wei);
    mpz_add(x->credited, x->credited, c);
    mpz_clear(c);
out:
    pthread_mutex_unlock(&x->mu);
    return st;
}

tk_status tk_exposure_redeemed(tk_exposure *x, const tk_hash *ticket_hash,
                               size_t *receipt_index)
{
    tk_status st = TK_OK;
    struct tkt *k;
    struct grp *g;
    size_t ti;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, ticket_hash != NULL);
    pthread_mutex_lock(&x->mu);
    ti = find_ticket(x, ticket_hash);
    if (ti == NONE || x->t[ti].state == T_DONE) {
        st = TK_ERR_NOT_FOUND;
        goto out;
    }
    k = &x->t[ti];
    g = &x->g[x->p[k->pay].grp];
    if (k->state == T_WIN) {
        g->win--;
        max_sum_add(x, g, 1, -1);
    } else if (k->state == T_OUT) {
        g->out--;
        max_sum_add(x, g, 1, -1);
        /* Its batch had a receipt that left it out: the recipient said it
         * did not accept this ticket. */
        if (x->p[k->pay].receipt != NONE) {
            st = TK_ERR_RECEIPT_CONTRADICTED;
            if (receipt_index != NULL)
                *receipt_index = x->p[k->pay].receipt;
        }
    } else { /* T_LOST: a receipt said it lost */
        st = TK_ERR_RECEIPT_CONTRADICTED;
        if (receipt_index != NULL)
            *receipt_index = k->receipt;
    }
    k->state = T_DONE;
out:
    pthread_mutex_unlock(&x->mu);
    return st;
}

tk_status tk_exposure_receipt(tk_exposure *x, size_t index, tk_hash *digest,
                              tk_sig *sig)
{
    tk_status st = TK_OK;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, digest != NULL);
    TK_ARG_CHECK(x->ctx, sig != NULL);
    pthread_mutex_lock(&x->mu);
    if (index >= x->nr) {
        memset(digest, 0, sizeof *digest);
        memset(sig, 0, sizeof *sig);
        st = TK_ERR_NOT_FOUND;
    } else {
        *digest = x->r[index].digest;
        *sig = x->r[index].sig;
    }
    pthread_mutex_unlock(&x->mu);
    return st;
}

tk_status tk_exposure_expire(tk_exposure *x, int64_t round, uint64_t *dropped)
{
    uint64_t n = 0;

    TK_ARG_CHECK_NOCTX(x != NULL);
    if (dropped != NULL)
        *dropped = 0;
    pthread_mutex_lock(&x->mu);
    for (size_t pi = 0; pi < x->np; pi++) {
        struct pay *p = &x->p[pi];
        struct grp *g = &x->g[p->grp];
        if (p->creation_round >= round)
            continue;
        for (size_t i = p->first; i < p->first + p->count; i++) {
            struct tkt *k = &x->t[i];
            if (k->state == T_OUT)
                g->out--;
            else if (k->state == T_WIN)
                g->win--;
            else
                continue;
            max_sum_add(x, g, 1, -1);
            k->state = T_DONE;
            n++;
        }
    }
    pthread_mutex_unlock(&x->mu);
    if (dropped != NULL)
        *dropped = n;
    return TK_OK;
}

tk_status tk_exposure_risk(tk_exposure *x, double *risk,
                           const tk_u256 *deposit)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, risk != NULL);
    *risk = 0.0;
    TK_ARG_CHECK(x->ctx, deposit != NULL);
    pthread_mutex_lock(&x->mu);
    st = exact_risk(x, risk, deposit, NONE, 0);
    pthread_mutex_unlock(&x->mu);
    return st;
}

tk_status tk_exposure_stats_get(tk_exposure *x, tk_exposure_stats *out)
{
    TK_ARG_CHECK_NOCTX(x != NULL);
    TK_ARG_CHECK(x->ctx, out != NULL);
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < x->ng; i++) {
        out->outstanding += x->g[i].out;
        out->known_winners += x->g[i].win;
        out->held += x->g[i].held;
    }
    out->receipts = x->nr;
    if (tk_u256_from_mpz(&out->credited_wei, x->credited) != TK_OK)
        memset(out->credited_wei.bytes, 0xff, TK_U256_LEN); /* saturates */
    pthread_mutex_unlock(&x->mu);
    return TK_OK;
}

/* SPDX-License-Identifier: MIT */
/* The deposit-risk rule (issue 14): one batch check (tk_exposure_hold of
 * 10 tickets, then its release) against books holding 10, 1,000 and
 * 100,000 outstanding tickets in up to 50 face-value groups, with the
 * deposit sized for eps = 1e-9 (so the check passes, as it does on every
 * batch of a healthy sender); and the exact tk_risk of the same sets (the
 * slow path, taken only when the Chernoff bound exceeds eps and the books
 * must rebuild their distribution); and one batch convolved into the kept
 * distribution (the check's middle path: 10 tickets added to a superset
 * that does not hold them yet). Face values 1e16 + g * 1e14 wei, winProb
 * MAX / 1000.
 *
 * The check figure is the steady state of a sender whose batches look
 * alike: after the first batch of each group the books' distribution
 * already covers the batch and the check is O(groups); a batch it does not
 * cover costs the conv figure, and a refusal by the kept bound (rare with
 * headroom) costs about the exact figure once. */
#include "bench.h"

#include "ticket/context.h"
#include "ticket/exposure.h"
#include "ticket/risk.h"
#include "ticket/u256.h"

#include "model/risk_dist.h"

#include <gmp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-9

typedef struct risk_state {
    tk_exposure *x;
    tk_risk_group g[50];
    size_t ng;
    tk_u256 deposit;
    uint64_t sink;
    int failed;
    tk__risk_dist dist; /* the 100k set's distribution, for loop_conv */
} risk_state;

static void group(tk_risk_group *g, size_t i, uint64_t count)
{
    memset(g, 0, sizeof *g);
    (void)tk_u256_from_u64(&g->face_value, 10000000000000000ull + i * 100000000000000ull);
    memset(g->win_prob.bytes, 0, 32);
    /* floor(2^256 / 1000) is close enough to MAX / 1000 for a benchmark */
    g->win_prob.bytes[0] = 0x00;
    g->win_prob.bytes[1] = 0x41;
    g->win_prob.bytes[2] = 0x89;
    g->win_prob.bytes[3] = 0x37;
    g->count = count;
}

static void loop_check(void *arg, uint64_t iters)
{
    risk_state *s = arg;
    for (uint64_t i = 0; i < iters; i++) {
        const tk_risk_group *g = &s->g[i % s->ng];
        tk_status st = tk_exposure_hold(s->x, &g->face_value, &g->win_prob, 10,
                                        &s->deposit, EPS);
        if (st == TK_OK)
            st = tk_exposure_release(s->x, &g->face_value, &g->win_prob, 10);
        s->failed |= st != TK_OK;
        s->sink += (uint64_t)st;
    }
}

static void loop_exact(void *arg, uint64_t iters)
{
    risk_state *s = arg;
    for (uint64_t i = 0; i < iters; i++) {
        double r;
        s->failed |= tk_risk(&r, NULL, s->g, s->ng, &s->deposit) != TK_OK;
        s->sink += (uint64_t)(r * 1e18);
    }
}

static void loop_conv(void *arg, uint64_t iters)
{
    risk_state *s = arg;
    for (uint64_t i = 0; i < iters; i++) {
        const tk_risk_group *g = &s->g[i % s->ng];
        s->failed |= tk__risk_dist_add(&s->dist, &g->face_value, &g->win_prob, 10) != TK_OK;
        s->sink += (uint64_t)(tk__risk_dist_value(&s->dist) * 1e18);
    }
}

/* Books with n tickets spread over ng groups (batches of up to 100). */
static int fill(risk_state *s, tk_ctx *ctx, uint64_t n, size_t ng)
{
    tk_receipt_domain dom;
    tk_address sender;
    uint32_t nonce = 1;

    memset(&dom, 0, sizeof dom);
    memset(&sender, 0x5e, sizeof sender);
    if (tk_exposure_create(ctx, &s->x, &sender, &dom) != TK_OK)
        return -1;
    s->ng = ng;
    for (size_t i = 0; i < ng; i++)
        group(&s->g[i], i, n / ng + (i < n % ng));
    for (size_t i = 0; i < ng; i++) {
        uint64_t left = s->g[i].count;
        while (left > 0) {
            size_t k = left > 100 ? 100 : (size_t)left;
            tk_payment p;
            if (tk_payment_alloc(&p, k) != TK_OK)
                return -1;
            p.params.face_value = s->g[i].face_value;
            p.params.win_prob = s->g[i].win_prob;
            memset(p.params.recipient.bytes, (int)i + 1, 20);
            for (size_t j = 0; j < k; j++)
                p.tickets[j].sender_nonce = nonce++;
            if (tk_exposure_add_payment(s->x, &p, 0) != TK_OK) {
                tk_payment_clear(&p);
                return -1;
            }
            tk_payment_clear(&p);
            left -= k;
        }
    }
    /* The deposit a healthy sender has: the one for eps with room for the
     * batch (every group gets 10 more, the most one check adds). */
    for (size_t i = 0; i < ng; i++)
        s->g[i].count += 10;
    if (tk_risk_required_deposit(&s->deposit, NULL, s->g, ng, EPS) != TK_OK)
        return -1;
    for (size_t i = 0; i < ng; i++)
        s->g[i].count -= 10;
    return 0;
}

/* The distribution of the set at the bench's deposit (tk__risk_dist_init
 * first: cleared by the caller whatever happens). */
static int conv_setup(risk_state *s)
{
    mpz_t span;
    tk_status st;
    tk__risk_dist_init(&s->dist);
    mpz_init(span);
    (void)tk_u256_to_mpz(span, &s->deposit);
    st = tk__risk_dist_build(&s->dist, s->g, s->ng, span);
    mpz_clear(span);
    return st == TK_OK ? 0 : -1;
}

void bench_section_risk(bench_run *run)
{
    static const struct {
        uint64_t n;
        size_t groups;
        const char *check, *exact, *conv;
    } sizes[] = {
        {10, 10, "risk_check_10", "risk_exact_10", "risk_conv_10"},
        {1000, 50, "risk_check_1k", "risk_exact_1k", "risk_conv_1k"},
        {100000, 50, "risk_check_100k", "risk_exact_100k", "risk_conv_100k"},
    };
    double sec[BENCH_MAX_REPS];
    tk_ctx *ctx = NULL;

    if (tk_ctx_create(&ctx) != TK_OK) {
        bench_fail(run, "risk", "no context");
        return;
    }
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        risk_state *s = calloc(1, sizeof *s);
        int n;
        if (s == NULL || fill(s, ctx, sizes[k].n, sizes[k].groups) < 0) {
            bench_fail(run, "risk", "could not fill the books");
        } else {
            n = bench_time(run, &(bench_case){NULL, loop_check, s, 0}, sec);
            bench_add_ns(run, sizes[k].check, sec, n);
            n = bench_time(run, &(bench_case){NULL, loop_exact, s,
                                              run->cfg.quick ? 1 : 0}, sec);
            bench_add_ns(run, sizes[k].exact, sec, n);
            if (conv_setup(s) == 0) {
                n = bench_time(run, &(bench_case){NULL, loop_conv, s, 0}, sec);
                bench_add_ns(run, sizes[k].conv, sec, n);
            } else {
                s->failed = 1;
            }
            tk__risk_dist_clear(&s->dist);
            if (s->failed)
                bench_fail(run, "risk", "a check failed");
            run->sink ^= s->sink;
        }
        if (s != NULL)
            tk_exposure_destroy(s->x);
        free(s);
    }
    tk_ctx_destroy(ctx);
}

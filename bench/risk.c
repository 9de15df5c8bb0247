/* SPDX-License-Identifier: MIT */
/* The deposit-risk rule (issue 14): one batch check (tk_exposure_hold of
 * 10 tickets, then its release) against books holding 10, 1,000 and
 * 100,000 outstanding tickets in up to 50 face-value groups, with the
 * deposit sized for eps = 1e-9 (so the check passes, as it does on every
 * batch of a healthy sender); and the exact tk_risk of the same sets (the
 * slow path, taken only when the Chernoff bound exceeds eps). Face values
 * 1e16 + g * 1e14 wei, winProb MAX / 1000. */
#include "bench.h"

#include "ticket/context.h"
#include "ticket/exposure.h"
#include "ticket/risk.h"
#include "ticket/u256.h"

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

void bench_section_risk(bench_run *run)
{
    static const struct {
        uint64_t n;
        size_t groups;
        const char *check, *exact;
    } sizes[] = {
        {10, 10, "risk_check_10", "risk_exact_10"},
        {1000, 50, "risk_check_1k", "risk_exact_1k"},
        {100000, 50, "risk_check_100k", "risk_exact_100k"},
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

/* SPDX-License-Identifier: MIT */
/* Scaling: the sender and recipient paths on 1, 2 and nproc threads
 * sharing one tk_sender / one tk_recipient (both document themselves as
 * safe to share). Every thread does the same amount of work - sender:
 * 10-ticket batches on its own session; recipient: its own pre-signed
 * 10-ticket payments, each on its own params - and the figure is all
 * threads' tickets over the wall time from a common start to the last
 * thread's end. The thread counts are interleaved repetition by
 * repetition, so that a change in machine load hits all of them alike. */
#include "bench.h"
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#define SCALE_PER_PAY 10
#define SCALE_MAX_COUNTS 3

typedef struct worker {
    tk_sender *sender;
    tk_hash session;
    tk_recipient *r;
    const tk_payment *pays;
    size_t ops; /* batches or payments */
    tk_ticket_result res[SCALE_PER_PAY];
    int failed;
    uint64_t sink;
} worker;

static void *sender_worker(void *p)
{
    worker *wk = p;
    tk_payment pay;
    memset(&pay, 0, sizeof pay);
    for (size_t i = 0; i < wk->ops; i++) {
        if (tk_sender_create_batch(wk->sender, &pay, &wk->session,
                                   SCALE_PER_PAY) != TK_OK)
            wk->failed = 1;
        else
            wk->sink += pay.tickets[0].sig.bytes[0];
        tk_payment_clear(&pay);
    }
    return NULL;
}

static void *rcpt_worker(void *p)
{
    worker *wk = p;
    tk_receive_summary sum;
    for (size_t i = 0; i < wk->ops; i++) {
        if (tk_recipient_receive(wk->r, wk->res, SCALE_PER_PAY, &sum, NULL,
                                 &wk->pays[i], NULL) != TK_OK ||
            sum.accepted != SCALE_PER_PAY)
            wk->failed = 1;
        wk->sink += sum.winners;
    }
    return NULL;
}

typedef struct scaling_state {
    bench_world w;
    tk_sender *sender;
    tk_recipient *r;
    unsigned counts[SCALE_MAX_COUNTS];
    size_t ncounts;
    unsigned maxt;
    worker *wk;
    void **args;
    tk_payment **pays; /* per thread: ops payments on its own params */
    size_t ops;
} scaling_state;

/* One timed run of t threads; returns tickets per second or -1. */
static double run_sender(scaling_state *s, unsigned t)
{
    double wall;
    for (unsigned i = 0; i < t; i++) {
        s->wk[i].sender = s->sender;
        s->wk[i].ops = s->ops;
    }
    wall = bench_threads(t, sender_worker, s->args);
    return wall > 0 ? (double)t * (double)s->ops * SCALE_PER_PAY / wall : -1;
}

static double run_recipient(scaling_state *s, unsigned t)
{
    double wall;
    if (bench_recipient_new(&s->w, &s->r, 0) != 0)
        return -1;
    for (unsigned i = 0; i < t; i++) {
        s->wk[i].r = s->r;
        s->wk[i].pays = s->pays[i];
        s->wk[i].ops = s->ops;
    }
    wall = bench_threads(t, rcpt_worker, s->args);
    return wall > 0 ? (double)t * (double)s->ops * SCALE_PER_PAY / wall : -1;
}

/* Interleaved repetitions of every thread count; records the figures
 * <path>_threads<t> and the ratios <path>_scaling_<t>t. */
static void measure(bench_run *run, scaling_state *s, const char *path,
                    double (*one)(scaling_state *, unsigned))
{
    double rate[SCALE_MAX_COUNTS][BENCH_MAX_REPS];
    char name[BENCH_NAME_MAX], base[BENCH_NAME_MAX];

    for (size_t c = 0; c < s->ncounts; c++) /* warm-up */
        if (one(s, s->counts[c]) < 0)
            goto fail;
    for (int rep = 0; rep < run->cfg.reps; rep++)
        for (size_t c = 0; c < s->ncounts; c++)
            if ((rate[c][rep] = one(s, s->counts[c])) < 0)
                goto fail;
    snprintf(base, sizeof base, "%s_threads1", path);
    for (size_t c = 0; c < s->ncounts; c++) {
        snprintf(name, sizeof name, "%s_threads%u", path, s->counts[c]);
        bench_add(run, name, "tickets/s", rate[c], run->cfg.reps);
    }
    for (size_t c = 1; c < s->ncounts; c++) {
        char ratio[BENCH_NAME_MAX];
        snprintf(name, sizeof name, "%s_threads%u", path, s->counts[c]);
        snprintf(ratio, sizeof ratio, "%s_scaling_%ut", path, s->counts[c]);
        bench_set_ratio(run, ratio, bench_median_ratio(run, name, base));
    }
    return;
fail:
    bench_fail(run, path, "a scaling run could not start");
}

/* Per-thread work: about one calibrated repetition on one thread, from
 * the single-thread figure when this run has it. */
static size_t ops_per_thread(const bench_run *run, const char *figure,
                             size_t dflt)
{
    const bench_result *r = bench_find(run, figure);
    double ops;
    if (run->cfg.quick)
        return 3;
    if (r == NULL || r->median <= 0)
        return dflt;
    ops = r->median * run->cfg.rep_seconds / SCALE_PER_PAY;
    return ops < 10 ? 10 : (size_t)ops;
}

void bench_section_scaling(bench_run *run)
{
    scaling_state *s = calloc(1, sizeof *s);
    tk_ticket_params params;
    unsigned nproc = run->cfg.nproc;

    if (s == NULL || bench_world_init(&s->w) != 0) {
        bench_fail(run, "scaling", "setup failed");
        free(s);
        return;
    }
    s->counts[s->ncounts++] = 1;
    s->counts[s->ncounts++] = 2;
    if (nproc > 2)
        s->counts[s->ncounts++] = nproc;
    s->maxt = s->counts[s->ncounts - 1];
    s->wk = calloc(s->maxt, sizeof *s->wk);
    s->args = calloc(s->maxt, sizeof *s->args);
    if (s->wk == NULL || s->args == NULL ||
        bench_recipient_setup(&s->w) != 0 ||
        bench_sender_create(&s->w, &s->sender) != 0)
        goto fail;
    for (unsigned i = 0; i < s->maxt; i++)
        s->args[i] = &s->wk[i];

    /* Sender: one session per thread. */
    for (unsigned i = 0; i < s->maxt; i++) {
        bench_params_for_sender(&s->w, &params, 7000 + i);
        if (tk_sender_session_start(s->sender, &params, 0) != TK_OK)
            goto fail;
        s->wk[i].session = params.recipient_rand_hash;
    }
    s->ops = ops_per_thread(run, "sender_batch10", 100);
    measure(run, s, "sender", run_sender);

    /* Recipient: maxt sets of pre-signed payments. */
    if (bench_recipient_new(&s->w, &s->r, 0) != 0)
        goto fail;
    s->ops = ops_per_thread(run, "recipient_receive10", 100);
    s->pays = calloc(s->maxt, sizeof *s->pays);
    if (s->pays == NULL)
        goto fail;
    for (unsigned i = 0; i < s->maxt; i++) {
        s->pays[i] = bench_payments_make(&s->w, s->sender, s->r, s->ops,
                                         SCALE_PER_PAY, 100000 * (i + 1));
        if (s->pays[i] == NULL)
            goto fail;
    }
    measure(run, s, "recipient", run_recipient);

    for (unsigned i = 0; i < s->maxt; i++) {
        run->sink ^= s->wk[i].sink;
        if (s->wk[i].failed)
            bench_fail(run, "scaling", "a call failed inside a worker");
    }
    goto out;
fail:
    bench_fail(run, "scaling", "setup failed");
out:
    for (unsigned i = 0; s->pays != NULL && i < s->maxt; i++)
        bench_payments_free(s->pays[i], s->ops);
    free(s->pays);
    free(s->wk);
    free(s->args);
    tk_recipient_destroy(s->r);
    tk_sender_destroy(s->sender);
    bench_world_free(&s->w);
    free(s);
}

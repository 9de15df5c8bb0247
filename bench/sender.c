/* SPDX-License-Identifier: MIT */
/* The sender path: tickets created and signed per second with
 * tk_sender_create_batch() at batch sizes 1, 10 and 100 (each call checks
 * the params once, reserves the nonces, then hashes and signs every
 * ticket), and the pieces it is made of: tk_ticket_hash, tk_eth_sign
 * (EIP-191 hash + libsecp256k1 + serialization) and tk_sender_sign_ticket. */
#include "bench.h"
#include "fixture.h"

#include "ticket/payment.h"
#include "ticket/signature.h"

#include <stdlib.h>
#include <string.h>

typedef struct sender_state {
    bench_world w;
    tk_sender *sender;
    tk_ticket_params params;
    tk_ticket ticket;
    size_t batch;
    int failed;
    uint64_t sink;
} sender_state;

static void loop_ticket_hash(void *arg, uint64_t iters)
{
    sender_state *s = arg;
    tk_hash h;
    for (uint64_t i = 0; i < iters; i++) {
        s->ticket.sender_nonce = (uint32_t)i;
        if (tk_ticket_hash(&h, &s->ticket) != TK_OK)
            s->failed = 1;
        s->sink += h.bytes[0];
    }
}

static void loop_eth_sign(void *arg, uint64_t iters)
{
    sender_state *s = arg;
    tk_hash msg;
    tk_sig sig;
    memset(&msg, 0x5a, sizeof msg);
    for (uint64_t i = 0; i < iters; i++) {
        memcpy(msg.bytes, &i, sizeof i);
        if (tk_eth_sign(s->w.ctx, &sig, s->w.sender_key, &msg) != TK_OK)
            s->failed = 1;
        s->sink += sig.bytes[0];
    }
}

static void loop_sign_ticket(void *arg, uint64_t iters)
{
    sender_state *s = arg;
    tk_sig sig;
    for (uint64_t i = 0; i < iters; i++) {
        s->ticket.sender_nonce = (uint32_t)i;
        if (tk_sender_sign_ticket(s->sender, &sig, &s->ticket) != TK_OK)
            s->failed = 1;
        s->sink += sig.bytes[0];
    }
}

static void loop_batch(void *arg, uint64_t iters)
{
    sender_state *s = arg;
    tk_payment p;
    memset(&p, 0, sizeof p);
    for (uint64_t i = 0; i < iters; i++) {
        if (tk_sender_create_batch(s->sender, &p,
                                   &s->params.recipient_rand_hash,
                                   s->batch) != TK_OK)
            s->failed = 1;
        else
            s->sink += p.tickets[s->batch - 1].sig.bytes[0];
        tk_payment_clear(&p);
    }
}

/* sender_vs_floor_sign: batch10 and the floor's sign_recoverable timed
 * alternately, repetition by repetition, and the median of the per-pair
 * ratios. On a shared machine the load changes between two figures
 * measured seconds apart; alternating makes both see the same load. The
 * ratio of the two separate figures' medians is kept as
 * sender_vs_floor_sign_separate. */
static void paired_ratio(bench_run *run, sender_state *s)
{
    floor_state *f = bench_floor_new();
    double sb[BENCH_MAX_REPS], sf[BENCH_MAX_REPS];
    bench_case batch = {NULL, loop_batch, s, 0}, fl;
    int n;

    if (f == NULL) {
        bench_fail(run, "sender", "floor setup failed");
        return;
    }
    s->batch = 10;
    fl = bench_floor_sign_case(f);
    n = bench_time_paired(run, &batch, &fl, sb, sf);
    if (n > 0)
        bench_set_ratio(run, "sender_vs_floor_sign",
                        bench_paired_ratio(sb, 10, sf, 1, n));
    (void)bench_floor_done(run, f);
    bench_floor_free(f);
}

void bench_section_sender(bench_run *run)
{
    static const size_t BATCHES[] = {1, 10, 100};
    sender_state *s = calloc(1, sizeof *s);
    double sec[BENCH_MAX_REPS];
    char name[BENCH_NAME_MAX];
    int n;

    if (s == NULL || bench_world_init(&s->w) != 0) {
        bench_fail(run, "sender", "setup failed");
        free(s);
        return;
    }
    if (bench_sender_create(&s->w, &s->sender) != 0)
        goto fail;
    bench_params_for_sender(&s->w, &s->params, 1);
    if (tk_sender_session_start(s->sender, &s->params, 0) != TK_OK ||
        tk_ticket_from_params(&s->ticket, &s->params, &s->w.sender, 1) !=
            TK_OK)
        goto fail;

    n = bench_time(run, &(bench_case){NULL, loop_ticket_hash, s, 0}, sec);
    bench_add_ns(run, "ticket_hash", sec, n);
    n = bench_time(run, &(bench_case){NULL, loop_eth_sign, s, 0}, sec);
    bench_add_rate(run, "eth_sign", "ops/s", sec, n, 1);
    n = bench_time(run, &(bench_case){NULL, loop_sign_ticket, s, 0}, sec);
    bench_add_rate(run, "sender_sign_ticket", "tickets/s", sec, n, 1);
    for (size_t b = 0; b < sizeof BATCHES / sizeof BATCHES[0]; b++) {
        s->batch = BATCHES[b];
        n = bench_time(run, &(bench_case){NULL, loop_batch, s, 0}, sec);
        snprintf(name, sizeof name, "sender_batch%zu", s->batch);
        bench_add_rate(run, name, "tickets/s", sec, n, (double)s->batch);
    }
    paired_ratio(run, s);
    if (s->failed)
        bench_fail(run, "sender", "a call failed inside a timed loop");

    bench_set_ratio(run, "sender_vs_floor_sign_separate",
                    bench_median_ratio(run, "sender_batch10",
                                       "floor_sign_recoverable"));
    bench_set_ratio(run, "sender_batch1_vs_floor_sign",
                    bench_median_ratio(run, "sender_batch1",
                                       "floor_sign_recoverable"));
    bench_set_ratio(run, "sender_batch100_vs_floor_sign",
                    bench_median_ratio(run, "sender_batch100",
                                       "floor_sign_recoverable"));
    bench_set_ratio(run, "eth_sign_vs_floor_sign",
                    bench_median_ratio(run, "eth_sign",
                                       "floor_sign_recoverable"));
    goto out;
fail:
    bench_fail(run, "sender", "sender or session setup failed");
out:
    run->sink ^= s->sink;
    tk_sender_destroy(s->sender);
    bench_world_free(&s->w);
    free(s);
}

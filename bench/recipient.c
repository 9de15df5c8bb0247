/* SPDX-License-Identifier: MIT */
/* The recipient path: tickets received per second through
 * tk_recipient_receive() - recipientRand derived (HMAC) once per payment,
 * fatal checks, then per ticket the ticket hash, EIP-191 hash, signature
 * checks and recovery, the win check, the replay set, and once per
 * payment the winners to the store and the EV credit (GMP) - with
 * payments of 1, 10 and 100 tickets. Each repetition gets a fresh
 * recipient (same secret), so the same pre-signed payments are accepted
 * again. Also the pieces: tk_eth_recover and tk_rand_derive alone, and
 * the 10-ticket path with tk_store_mem persisting every seen nonce. */
#include "bench.h"
#include "fixture.h"

#include "ticket/signature.h"

#include <stdlib.h>
#include <string.h>

#define RECOVER_SIGS 256

typedef struct rcpt_state {
    bench_world w;
    tk_sender *sender;
    tk_recipient *r;
    tk_payment *pays;
    size_t npay, per_pay;
    int with_nonces;
    tk_ticket_result res[100];
    tk_hash msg[RECOVER_SIGS];
    tk_sig sig[RECOVER_SIGS];
    int failed;
    uint64_t sink;
} rcpt_state;

static int prep_recipient(void *arg, uint64_t iters)
{
    rcpt_state *s = arg;
    if (iters > s->npay)
        return -1;
    return bench_recipient_new(&s->w, &s->r, s->with_nonces);
}

static void loop_receive(void *arg, uint64_t iters)
{
    rcpt_state *s = arg;
    tk_receive_summary sum;
    for (uint64_t i = 0; i < iters; i++) {
        if (tk_recipient_receive(s->r, s->res, s->per_pay, &sum, NULL,
                                 &s->pays[i], NULL) != TK_OK ||
            sum.accepted != s->per_pay)
            s->failed = 1;
        s->sink += sum.winners + s->res[0].sender_nonce;
    }
}

static void loop_recover(void *arg, uint64_t iters)
{
    rcpt_state *s = arg;
    tk_address a;
    for (uint64_t i = 0; i < iters; i++) {
        size_t k = i % RECOVER_SIGS;
        if (tk_eth_recover(s->w.ctx, &a, &s->msg[k], s->sig[k].bytes,
                           TK_SIG_LEN) != TK_OK)
            s->failed = 1;
        s->sink += a.bytes[0];
    }
}

static void loop_rand_derive(void *arg, uint64_t iters)
{
    rcpt_state *s = arg;
    const tk_ticket_params *pp = &s->pays[0].params;
    tk_u256 rand;
    for (uint64_t i = 0; i < iters; i++) {
        if (tk_rand_derive(&rand, s->w.secret, &s->w.sender, pp) != TK_OK)
            s->failed = 1;
        s->sink += rand.bytes[31];
    }
    tk_memzero(&rand, sizeof rand);
}

/* recipient_vs_floor_recover: receiving s->pays and the floor's recover
 * timed alternately and the median of the per-pair ratios (see the
 * sender's paired_ratio); the ratio of the separate figures' medians is
 * recipient_vs_floor_recover_separate. */
static void paired_ratio(bench_run *run, rcpt_state *s)
{
    floor_state *f = bench_floor_new();
    double sr[BENCH_MAX_REPS], sf[BENCH_MAX_REPS];
    bench_case rc = {prep_recipient, loop_receive, s, s->npay}, fl;
    int n;

    if (f == NULL) {
        bench_fail(run, "recipient", "floor setup failed");
        return;
    }
    fl = bench_floor_recover_case(f);
    n = bench_time_paired(run, &rc, &fl, sr, sf);
    if (n > 0)
        bench_set_ratio(run, "recipient_vs_floor_recover",
                        bench_paired_ratio(sr, (double)s->per_pay, sf, 1, n));
    (void)bench_floor_done(run, f);
    bench_floor_free(f);
}

/* Time receiving `tickets` tickets in payments of per_pay; with paired,
 * also the paired ratio against the floor. */
static void measure_receive(bench_run *run, rcpt_state *s, size_t per_pay,
                            size_t tickets, int with_nonces, int paired,
                            const char *name)
{
    double sec[BENCH_MAX_REPS];
    int n;

    s->per_pay = per_pay;
    s->npay = tickets / per_pay;
    s->with_nonces = with_nonces;
    s->pays = bench_payments_make(&s->w, s->sender, s->r, s->npay, per_pay,
                                  1000 * per_pay);
    if (s->pays == NULL) {
        bench_fail(run, name, "could not sign the payments");
        return;
    }
    n = bench_time(run, &(bench_case){prep_recipient, loop_receive, s,
                                      s->npay}, sec);
    if (n > 0)
        bench_add_rate(run, name, "tickets/s", sec, n, (double)per_pay);
    else
        bench_fail(run, name, "could not create the recipient");
    if (n > 0 && paired)
        paired_ratio(run, s);
    bench_payments_free(s->pays, s->npay);
    s->pays = NULL;
}

void bench_section_recipient(bench_run *run)
{
    rcpt_state *s = calloc(1, sizeof *s);
    size_t tickets = run->cfg.quick ? 100 : 4000;
    double sec[BENCH_MAX_REPS];
    int n;

    if (s == NULL || bench_world_init(&s->w) != 0) {
        bench_fail(run, "recipient", "setup failed");
        free(s);
        return;
    }
    if (bench_recipient_setup(&s->w) != 0 ||
        bench_sender_create(&s->w, &s->sender) != 0 ||
        bench_recipient_new(&s->w, &s->r, 0) != 0) {
        bench_fail(run, "recipient", "setup failed");
        goto out;
    }

    /* The pieces. */
    bench_fill(s->msg, sizeof s->msg, 400);
    for (size_t k = 0; k < RECOVER_SIGS; k++)
        if (tk_eth_sign(s->w.ctx, &s->sig[k], s->w.sender_key, &s->msg[k]) !=
            TK_OK)
            s->failed = 1;
    n = bench_time(run, &(bench_case){NULL, loop_recover, s, 0}, sec);
    bench_add_rate(run, "eth_recover", "ops/s", sec, n, 1);
    s->pays = bench_payments_make(&s->w, s->sender, s->r, 1, 1, 1);
    if (s->pays != NULL) {
        n = bench_time(run, &(bench_case){NULL, loop_rand_derive, s, 0},
                       sec);
        bench_add_ns(run, "rand_derive", sec, n);
        bench_payments_free(s->pays, 1);
        s->pays = NULL;
    }

    /* The full path. */
    measure_receive(run, s, 1, tickets, 0, 0, "recipient_receive1");
    measure_receive(run, s, 10, tickets, 0, 1, "recipient_receive10");
    measure_receive(run, s, 100, tickets, 0, 0, "recipient_receive100");
    measure_receive(run, s, 10, tickets, 1, 0,
                    "recipient_receive10_nonce_store");
    if (s->failed)
        bench_fail(run, "recipient", "a call failed inside a timed loop");

    bench_set_ratio(run, "recipient_vs_floor_recover_separate",
                    bench_median_ratio(run, "recipient_receive10",
                                       "floor_recover"));
    bench_set_ratio(run, "recipient_receive1_vs_floor_recover",
                    bench_median_ratio(run, "recipient_receive1",
                                       "floor_recover"));
    bench_set_ratio(run, "recipient_receive100_vs_floor_recover",
                    bench_median_ratio(run, "recipient_receive100",
                                       "floor_recover"));
    bench_set_ratio(run, "eth_recover_vs_floor_recover",
                    bench_median_ratio(run, "eth_recover", "floor_recover"));
out:
    run->sink ^= s->sink;
    tk_recipient_destroy(s->r);
    tk_sender_destroy(s->sender);
    bench_world_free(&s->w);
    free(s);
}

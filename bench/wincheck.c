/* SPDX-License-Identifier: MIT */
/* The win check alone: keccak(sig || u256(recipientRand)) < winProb
 * (tk_ticket_wins), over 256 distinct signatures, with the win probability
 * a default go-livepeer recipient issues (face value 1e16 wei, EV 1e12 wei:
 * winProb = MAX / 10000). */
#include "bench.h"
#include "fixture.h"

#include "ticket/ticket.h"

#include <stdlib.h>

#define WIN_SIGS 256

typedef struct win_state {
    tk_sig sig[WIN_SIGS];
    tk_u256 rand;
    tk_u256 win_prob;
    uint64_t wins, sink;
} win_state;

static void loop_wins(void *arg, uint64_t iters)
{
    win_state *w = arg;
    int wins;
    for (uint64_t i = 0; i < iters; i++) {
        (void)tk_ticket_wins(&wins, NULL, &w->sig[i % WIN_SIGS], &w->rand,
                             &w->win_prob);
        w->wins += (uint64_t)wins;
    }
    w->sink += w->wins;
}

void bench_section_wincheck(bench_run *run)
{
    win_state *w = calloc(1, sizeof *w);
    double sec[BENCH_MAX_REPS];
    int n;

    if (w == NULL) {
        bench_fail(run, "wincheck", "out of memory");
        return;
    }
    bench_fill(w->sig, sizeof w->sig, 20);
    for (size_t i = 0; i < WIN_SIGS; i++)
        w->sig[i].bytes[64] = (uint8_t)(27 + (i & 1));
    bench_fill(&w->rand, sizeof w->rand, 21);
    bench_win_prob(&w->win_prob);
    n = bench_time(run, &(bench_case){NULL, loop_wins, w, 0}, sec);
    bench_add_rate(run, "wincheck", "ops/s", sec, n, 1);
    run->sink ^= w->sink;
    free(w);
}

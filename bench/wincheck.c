/* SPDX-License-Identifier: MIT */
/* The win check alone: keccak(sig || u256(recipientRand)) < winProb
 * (tk_ticket_wins), over 256 distinct signatures, with the win probability
 * a default go-livepeer recipient issues (face value 1e16 wei, EV 1e12 wei:
 * winProb = MAX / 10000). */
#include "bench.h"

#include "ticket/ticket.h"

#include <stdlib.h>
#include <string.h>

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
    {
        /* floor((2^256 - 1) / 10000), big-endian. */
        static const uint8_t WP[32] = {
            0x00, 0x06, 0x8d, 0xb8, 0xba, 0xc7, 0x10, 0xcb, 0x29, 0x5e, 0x9e,
            0x1b, 0x08, 0x9a, 0x02, 0x75, 0x25, 0x46, 0x0a, 0xa6, 0x4c, 0x2f,
            0x83, 0x7b, 0x4a, 0x23, 0x39, 0xc0, 0xeb, 0xed, 0xfa, 0x43};
        memcpy(w->win_prob.bytes, WP, 32);
    }
    n = bench_time(run, &(bench_case){NULL, loop_wins, w, 0}, sec);
    bench_add_rate(run, "wincheck", "ops/s", sec, n, 1);
    run->sink ^= w->sink;
    free(w);
}

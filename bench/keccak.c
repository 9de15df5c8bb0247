/* SPDX-License-Identifier: MIT */
/* Keccak-256: the permutation alone, then the one-shot hash at the block
 * edges (rate 136: 135 fits one block with its padding, 136 needs a second
 * block for the padding alone), at 232 bytes (what a two-block input of
 * the protocol costs) and at 4 KiB (bulk throughput). */
#include "bench.h"

#include "crypto/keccakf1600.h"
#include "ticket/keccak.h"

#include <stdlib.h>

static const size_t SIZES[] = {0, 32, 64, 135, 136, 137, 232, 4096};
#define NSIZES (sizeof SIZES / sizeof SIZES[0])

typedef struct keccak_state {
    uint64_t lanes[25];
    uint8_t buf[4096 + 64];
    size_t len;
    uint64_t sink;
} keccak_state;

const char *bench_keccak_impl(void)
{
    return tk__keccakf1600_impl();
}

static void loop_perm(void *arg, uint64_t iters)
{
    keccak_state *k = arg;
    /* Each permutation consumes the previous output: latency, as in a
     * sponge, not the throughput of independent states. */
    for (uint64_t i = 0; i < iters; i++)
        tk__keccakf1600(k->lanes);
    k->sink += k->lanes[0];
}

static void loop_hash(void *arg, uint64_t iters)
{
    keccak_state *k = arg;
    tk_hash h;
    for (uint64_t i = 0; i < iters; i++) {
        /* Vary the input a little so no two calls hash the same bytes. */
        k->buf[0] = (uint8_t)i;
        (void)tk_keccak256(&h, k->buf, k->len);
        k->sink += h.bytes[0];
    }
}

void bench_section_keccak(bench_run *run)
{
    keccak_state *k = calloc(1, sizeof *k);
    double sec[BENCH_MAX_REPS], perm_ns = -1;
    char name[BENCH_NAME_MAX];
    int n;

    if (k == NULL) {
        bench_fail(run, "keccak", "out of memory");
        return;
    }
    bench_fill(k->lanes, sizeof k->lanes, 10);
    bench_fill(k->buf, sizeof k->buf, 11);

    n = bench_time(run, &(bench_case){NULL, loop_perm, k, 0}, sec);
    bench_add_ns(run, "keccakf1600_permutation", sec, n);

    for (size_t i = 0; i < NSIZES; i++) {
        k->len = SIZES[i];
        n = bench_time(run, &(bench_case){NULL, loop_hash, k, 0}, sec);
        snprintf(name, sizeof name, "keccak256_%zuB", SIZES[i]);
        bench_add_ns(run, name, sec, n);
        if (SIZES[i] > 0) {
            snprintf(name, sizeof name, "keccak256_%zuB_throughput",
                     SIZES[i]);
            bench_add_rate(run, name, "MB/s", sec, n, (double)SIZES[i] / 1e6);
        }
    }
    {
        const bench_result *p = bench_find(run, "keccakf1600_permutation");
        const bench_result *h = bench_find(run, "keccak256_232B");
        if (p != NULL && h != NULL && p->median > 0) {
            perm_ns = p->median;
            bench_set_ratio(run, "keccak232_vs_two_perms",
                            h->median / (2 * perm_ns));
        }
    }
    run->sink ^= k->sink;
    free(k);
}

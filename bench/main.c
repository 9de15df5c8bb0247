/* SPDX-License-Identifier: MIT */
/* ticket-bench: ticket throughput against the physical floor.
 *
 *   ticket-bench [--quick] [--json FILE] [--reps N] [--only a,b,...]
 *                [--iters N] [--durable-receivers 1,2,8,...]
 *
 * Sections run in a fixed order (the floor first, so that every ratio is
 * taken against the same run); see docs/PERFORMANCE.md. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct bench_section {
    const char *name;
    void (*fn)(bench_run *run);
    const char *what;
} bench_section;

static const bench_section SECTIONS[] = {
    {"floor", bench_section_floor,
     "raw libsecp256k1 sign_recoverable / recover / verify"},
    {"keccak", bench_section_keccak,
     "Keccak-f[1600] and Keccak-256 at block edges"},
    {"wincheck", bench_section_wincheck, "the win check alone"},
    {"sender", bench_section_sender,
     "tickets created and signed, batch sizes 1, 10, 100"},
    {"recipient", bench_section_recipient,
     "tickets received (full path), payments of 1, 10, 100"},
    {"e2e", bench_section_e2e,
     "Livepeer-Payment header -> decode -> receive -> credit"},
    {"scaling", bench_section_scaling,
     "sender and recipient on 1, 2 and nproc threads"},
    {"memory", bench_section_memory,
     "replay-set bytes per tracked nonce, peak RSS (child processes)"},
    {"risk", bench_section_risk,
     "deposit-risk batch check and exact risk, 10 / 1k / 100k outstanding"},
    {"durable", bench_section_durable,
     "durable payments/s: mem vs SQLite (FULL), 1/2/8 receivers, 10/1 "
     "tickets; flush latency F and the bound C/(C+F)"},
};
#define NSECTIONS (sizeof SECTIONS / sizeof SECTIONS[0])

static int selected(const char *only, const char *name)
{
    size_t n = strlen(name);
    const char *p = only;

    if (only == NULL)
        return 1;
    while ((p = strstr(p, name)) != NULL) {
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
        p += n;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ticket-bench [--quick] [--json FILE] [--reps N] "
               "[--only SECTION,...] [--iters N] [--list]\n"
               "                    [--durable-receivers N,N,...]\n"
               "  --iters N  run every self-timed loop exactly N times per "
               "repetition\n"
               "             (for profiling under valgrind/perf; the "
               "figures are then short)\n"
               "  --durable-receivers N,N,...  the durable section's "
               "receiver thread counts,\n"
               "             ascending, 1..%d, at most %d (default 1,2,8)\n",
            BENCH_DURABLE_MAX_THREADS, BENCH_DURABLE_MAX_COUNTS);
}

/* "1,2,8,32": ascending counts of 1..BENCH_DURABLE_MAX_THREADS. */
static int parse_receivers(bench_cfg *cfg, const char *list)
{
    const char *p = list;
    size_t n = 0;

    for (;;) {
        char *end;
        unsigned long v;
        if (*p < '0' || *p > '9' || n == BENCH_DURABLE_MAX_COUNTS)
            goto bad;
        v = strtoul(p, &end, 10);
        if (v < 1 || v > BENCH_DURABLE_MAX_THREADS ||
            (n > 0 && v <= cfg->durable_receivers[n - 1]) ||
            (*end != ',' && *end != '\0'))
            goto bad;
        cfg->durable_receivers[n++] = (unsigned)v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    cfg->ndurable_receivers = n;
    return 0;
bad:
    fprintf(stderr, "ticket-bench: --durable-receivers takes up to %d "
                    "ascending counts of 1..%d, e.g. 1,2,8,32\n",
            BENCH_DURABLE_MAX_COUNTS, BENCH_DURABLE_MAX_THREADS);
    return -1;
}

static int parse_args(bench_cfg *cfg, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0) {
            cfg->quick = 1;
        } else if (strcmp(a, "--json") == 0 && i + 1 < argc) {
            cfg->json_path = argv[++i];
        } else if (strcmp(a, "--reps") == 0 && i + 1 < argc) {
            char *end;
            long r = strtol(argv[++i], &end, 10);
            if (*end != '\0' || r < BENCH_MIN_REPS || r > BENCH_MAX_REPS) {
                fprintf(stderr, "ticket-bench: --reps must be %d..%d\n",
                        BENCH_MIN_REPS, BENCH_MAX_REPS);
                return -1;
            }
            cfg->reps = (int)r;
        } else if (strcmp(a, "--iters") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long n = strtoull(argv[++i], &end, 10);
            if (*end != '\0' || n == 0) {
                fprintf(stderr, "ticket-bench: --iters must be > 0\n");
                return -1;
            }
            cfg->fixed_iters = (uint64_t)n;
        } else if (strcmp(a, "--durable-receivers") == 0 && i + 1 < argc) {
            if (parse_receivers(cfg, argv[++i]) != 0)
                return -1;
        } else if (strcmp(a, "--only") == 0 && i + 1 < argc) {
            cfg->only = argv[++i];
        } else if (strcmp(a, "--list") == 0) {
            for (size_t s = 0; s < NSECTIONS; s++)
                printf("%-10s %s\n", SECTIONS[s].name, SECTIONS[s].what);
            exit(EXIT_SUCCESS);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(EXIT_SUCCESS);
        } else {
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_run run;
    bench_sysinfo si;
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);

    /* A child of the memory section (memory.c): measure, print, exit. */
    if (argc == 4 && strcmp(argv[1], "--memory-child") == 0)
        return bench_memory_child(argv[2], argv[3]);

    memset(&run, 0, sizeof run);
    run.bytes_per_nonce = -1;
    run.cfg.reps = 0;
    run.cfg.nproc = nproc > 0 ? (unsigned)nproc : 1;
    run.cfg.durable_receivers[0] = 1;
    run.cfg.durable_receivers[1] = 2;
    run.cfg.durable_receivers[2] = 8;
    run.cfg.ndurable_receivers = 3;
    if (parse_args(&run.cfg, argc, argv) != 0)
        return 2;
    if (run.cfg.reps == 0)
        run.cfg.reps = run.cfg.quick ? BENCH_MIN_REPS : 7;
    run.cfg.rep_seconds = run.cfg.quick ? 0.005 : 0.4;

    bench_sysinfo_collect(&si);
    bench_print_header(stdout, &si, &run.cfg);
    fflush(stdout);
    for (size_t s = 0; s < NSECTIONS; s++) {
        if (!selected(run.cfg.only, SECTIONS[s].name))
            continue;
        fprintf(stderr, "ticket-bench: %s ...\n", SECTIONS[s].name);
        SECTIONS[s].fn(&run);
    }
    bench_loadavg(si.load_end);

    printf("\n");
    bench_print_table(stdout, &run);
    bench_print_warnings(stdout, &run);
    bench_print_targets(stdout, &run);
    printf("\n# load average at end: %.2f %.2f %.2f  checksum %016llx\n",
           si.load_end[0], si.load_end[1], si.load_end[2],
           (unsigned long long)run.sink);
    if (run.cfg.json_path != NULL &&
        bench_write_json(run.cfg.json_path, &run, &si) != 0) {
        fprintf(stderr, "ticket-bench: cannot write %s\n", run.cfg.json_path);
        run.failures++;
    }
    free(run.results);
    return run.failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

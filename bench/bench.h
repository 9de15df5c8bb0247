/* SPDX-License-Identifier: MIT */
#ifndef TK_BENCH_H
#define TK_BENCH_H

/* ticket-bench: the shared harness.
 *
 * A figure is measured by running a loop `reps` times after one discarded
 * warm-up repetition; each repetition is timed on its own and converted to
 * the figure's unit, and the figure keeps the min, median and max over the
 * repetitions. Setup runs outside the timed region. Every loop folds a byte
 * of each result into a sink that is printed at the end, so the compiler
 * cannot drop the work. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_NAME_MAX 48
#define BENCH_UNIT_MAX 16
#define BENCH_MIN_REPS 5
#define BENCH_MAX_REPS 1000
/* Samples of one figure: a repetition may yield several (the durable
 * section's flush probe runs once per payment size and repetition). */
#define BENCH_MAX_SAMPLES (2 * BENCH_MAX_REPS)
#define BENCH_MAX_RATIOS 128
#define BENCH_MAX_WARNINGS 8
#define BENCH_WARNING_MAX 200
/* --durable-receivers: how many receiver counts, and the most threads */
#define BENCH_DURABLE_MAX_COUNTS 8
#define BENCH_DURABLE_MAX_THREADS 64

typedef struct bench_cfg {
    int quick;             /* --quick: a short run of everything */
    int reps;              /* repetitions per figure (>= BENCH_MIN_REPS) */
    double rep_seconds;    /* target length of a calibrated repetition */
    const char *json_path; /* --json FILE, or NULL */
    const char *only;      /* comma-separated section filter, or NULL */
    unsigned nproc;        /* online CPUs */
    uint64_t fixed_iters;  /* --iters: replaces calibration (profiling) */
    /* --durable-receivers: receiver thread counts, ascending (1, 2, 8) */
    unsigned durable_receivers[BENCH_DURABLE_MAX_COUNTS];
    size_t ndurable_receivers;
} bench_cfg;

typedef struct bench_result {
    char name[BENCH_NAME_MAX];
    char unit[BENCH_UNIT_MAX];
    double min, median, max;
    int reps;
} bench_result;

typedef struct bench_ratio {
    char name[BENCH_NAME_MAX];
    double value;
} bench_ratio;

typedef struct bench_run {
    bench_cfg cfg;
    bench_result *results;
    size_t nresults, cap;
    bench_ratio ratios[BENCH_MAX_RATIOS];
    size_t nratios;
    double bytes_per_nonce; /* < 0 until the memory section measured it */
    size_t failures;        /* sections that could not run */
    /* caveats about this run's figures, printed with the table */
    char warnings[BENCH_MAX_WARNINGS][BENCH_WARNING_MAX];
    size_t nwarnings;
    uint64_t sink;          /* folded results, printed as a checksum */
} bench_run;

/* ---- Timing (harness.c) ----------------------------------------------- */

/* Monotonic seconds. */
double bench_now(void);

/* One case: prep (untimed, may be NULL; returns 0 on success) prepares
 * state for `iters` operations, then run performs them. */
typedef int (*bench_prep_fn)(void *arg, uint64_t iters);
typedef void (*bench_loop_fn)(void *arg, uint64_t iters);

typedef struct bench_case {
    bench_prep_fn prep;
    bench_loop_fn run;
    void *arg;
    uint64_t iters; /* operations per repetition; 0: calibrate so that one
                       repetition lasts about cfg.rep_seconds */
} bench_case;

/* Time c: one warm-up repetition, then cfg.reps timed ones. On success
 * sec[i] is the seconds per operation of repetition i; returns cfg.reps,
 * or -1 if prep failed. sec holds cfg.reps entries. */
int bench_time(bench_run *run, const bench_case *c, double *sec);

/* Time a and b alternately, repetition by repetition (a, b, a, b, ...),
 * after one warm-up of each, so that a change of machine load hits both
 * alike. sa[i], sb[i]: seconds per operation. Returns cfg.reps or -1. */
int bench_time_paired(bench_run *run, const bench_case *a,
                      const bench_case *b, double *sa, double *sb);
/* Median over the pairs of rate_a / rate_b (rate = per_op / sec). */
double bench_paired_ratio(const double *sec_a, double per_op_a,
                          const double *sec_b, double per_op_b, int n);

/* Iterations for one repetition of about cfg.rep_seconds (>= 1). */
uint64_t bench_calibrate(const bench_run *run, const bench_case *c);

/* Run fn on n threads released together; returns the wall seconds from
 * the first thread's start to the last thread's end, or -1 if the threads
 * could not be started. args[i] goes to thread i. */
double bench_threads(unsigned n, void *(*fn)(void *), void **args);

/* Fill out with deterministic pseudo-random bytes derived from seed (the
 * same on every run; for test data, never for keys that matter). */
void bench_fill(void *out, size_t len, uint64_t seed);

/* ---- Results (harness.c) ---------------------------------------------- */

/* Record a figure from samples already in its unit (n <=
 * BENCH_MAX_SAMPLES; usually one per repetition). */
void bench_add(bench_run *run, const char *name, const char *unit,
               const double *samples, int n);
/* Record a rate: per_op / sec[i] (per_op = e.g. tickets per call). */
void bench_add_rate(bench_run *run, const char *name, const char *unit,
                    const double *sec, int n, double per_op);
/* Record nanoseconds per operation: 1e9 * sec[i]. */
void bench_add_ns(bench_run *run, const char *name, const double *sec,
                  int n);

const bench_result *bench_find(const bench_run *run, const char *name);
void bench_set_ratio(bench_run *run, const char *name, double value);
/* Median of a / median of b, or -1 if either figure is missing. */
double bench_median_ratio(const bench_run *run, const char *a,
                          const char *b);
/* A section could not run: say why on stderr and count it. */
void bench_fail(bench_run *run, const char *section, const char *why);
/* A section ran, but a figure needs a caveat: say it on stderr now and
 * with the table (and in the JSON file). */
void bench_warn(bench_run *run, const char *section, const char *why);

/* ---- Report (report.c, sysinfo.c) ------------------------------------- */

typedef struct bench_sysinfo {
    char cpu[128];
    unsigned cores;
    char kernel[256];
    char compiler[128];
    char flags[256];
    char build_type[32];
    char libticket[32];
    char secp256k1[32];
    char gmp[32];
    char openssl[64];
    char keccak_impl[32];
    char date[32];
    double load_start[3];
    double load_end[3];
} bench_sysinfo;

void bench_sysinfo_collect(bench_sysinfo *si);
/* Load average now, into load[3] (-1 when unknown). */
void bench_loadavg(double load[3]);

void bench_print_header(FILE *f, const bench_sysinfo *si,
                        const bench_cfg *cfg);
void bench_print_table(FILE *f, const bench_run *run);
/* The warnings of this run, one "# WARNING:" line each. */
void bench_print_warnings(FILE *f, const bench_run *run);
/* The targets of issues 7 and 13, evaluated on this run's medians; for a
 * missed durable target with 2 receivers, whether its C / (C + F) bound
 * (durable_bound.h) is itself below the target. */
void bench_print_targets(FILE *f, const bench_run *run);
/* Returns 0 on success. */
int bench_write_json(const char *path, const bench_run *run,
                     const bench_sysinfo *si);

/* ---- Sections --------------------------------------------------------- */

/* Each section measures one group of figures and records them in run. */
void bench_section_floor(bench_run *run);
void bench_section_keccak(bench_run *run);
void bench_section_wincheck(bench_run *run);
void bench_section_sender(bench_run *run);
void bench_section_recipient(bench_run *run);
void bench_section_e2e(bench_run *run);
void bench_section_scaling(bench_run *run);
void bench_section_memory(bench_run *run);
void bench_section_risk(bench_run *run);
void bench_section_durable(bench_run *run);

/* The child process of the memory section; returns the exit code. */
int bench_memory_child(const char *nonces, const char *per_rand);

/* The floor's loops, for paired measurements in other sections. */
typedef struct floor_state floor_state;
floor_state *bench_floor_new(void); /* NULL on failure */
void bench_floor_free(floor_state *f);
bench_case bench_floor_sign_case(floor_state *f);
bench_case bench_floor_recover_case(floor_state *f);
/* Nonzero if a libsecp256k1 call failed in a loop; folds f's sink. */
int bench_floor_done(bench_run *run, floor_state *f);

/* The Keccak-f[1600] implementation libticket runs on this CPU. */
const char *bench_keccak_impl(void);

#endif

/* SPDX-License-Identifier: MIT */
/* Durable payments per second (issue 13): 1, 2 and 8 receiver threads
 * share one tk_recipient whose store judges the replays (nonce_claim), so
 * every payment's seen nonces - and its winners - are written before its
 * receive returns. The same run measures the in-memory store (the
 * ceiling) and the SQLite store (WAL, synchronous=FULL: each receive
 * returns after the fsync that covers its write; group commit lets one
 * fsync cover the receives waiting together), with 10-ticket and
 * 1-ticket payments. Every run starts from a new, empty store (a store
 * that kept the nonces of the previous run would call them replays) and a
 * new recipient; each thread receives its own pre-signed payments on its
 * own params. Store kinds and thread counts are interleaved repetition by
 * repetition, so that a change in machine load hits all of them alike,
 * and each durable/mem ratio is the median of the per-repetition ratios.
 *
 * PostgreSQL (when the build has its store and TK_PG_CONNINFO is set, e.g.
 * under tools/pg/tkpg.py run): one store object (one connection) and one
 * recipient shared by the threads, like SQLite (durable_pg.c); the store
 * groups the concurrent claims into one transaction.
 *
 * The SQLite files go to a new directory under $TK_BENCH_DIR (default:
 * the current directory; a tmpfs would make fsync free), removed at the
 * end. Figures: durable_<store>_p<tickets>_t<threads> (payments/s),
 * durable_sqlite_p<tickets>_t<threads>_commits (transactions, i.e. WAL
 * fsyncs, per payment, from tk_store_sqlite_write_stats); the process's
 * CPU time per payment, durable_<store>_p<tickets>_t<threads>_cpu_us
 * (PostgreSQL: without the server's); ratios:
 * durable_<store>_p<tickets>_t<threads>_vs_mem. With at least as many
 * receivers as cores, the CPU bound durable_cpubound_sqlite_p<tickets>_t<
 * threads> = cores x 1e6 / (SQLite's cpu_us x the mem rate), per
 * repetition: SQLite/mem cannot exceed it at that CPU per payment.
 *
 * --durable-receivers replaces the thread counts (default 1, 2, 8; each
 * thread receives the same number of payments, so a run with more threads
 * is longer).
 *
 * The bound (durable_bound.h): before each repetition's runs, the probe
 * times fdatasync on a file in the same directory (durable_fsync_us_median
 * and _p90: over the repetitions of both sizes, each the median or 90th
 * percentile of its calls); for every thread count up to the number of
 * cores, C per payment and thread from that repetition's mem run and the
 * bound C / (C + F) (durable_c_us_p<tickets>_t<threads>,
 * durable_bound_p<tickets>_t<threads>). */
#include "bench.h"
#include "durable_bound.h"
#include "durable_pg.h"
#include "fixture.h"

#include "ticket/store_sqlite.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DUR_MAX_THREADS BENCH_DURABLE_MAX_THREADS
#define DUR_PATH_MAX 512
/* fdatasync calls of the flush probe per repetition */
#define DUR_PROBE_CALLS 40
#define DUR_PROBE_CALLS_QUICK 5

static const size_t SIZES[] = {10, 1};
#define NSIZES (sizeof SIZES / sizeof SIZES[0])

typedef enum dur_kind { DUR_MEM, DUR_SQLITE, DUR_PG, DUR_NKINDS } dur_kind;
static const char *const KIND_NAME[DUR_NKINDS] = {"mem", "sqlite", "pg"};

typedef struct dur_worker {
    tk_recipient *r;
    const tk_payment *pays;
    size_t ops, per_pay;
    tk_ticket_result res[10];
    int failed;
    uint64_t sink;
} dur_worker;

typedef struct dur_state {
    bench_world w;
    tk_sender *sender;
    tk_recipient *issuer; /* issues the params the payments are made on */
    bench_pg *pg;         /* NULL: PostgreSQL not measured */
    dur_probe *probe;     /* NULL: F not measured */
    char dir[DUR_PATH_MAX], db[DUR_PATH_MAX];
    const unsigned *counts; /* receiver threads, ascending */
    size_t ncounts;
    unsigned nthreads; /* the most: counts[ncounts - 1] */
    tk_payment *pays[DUR_MAX_THREADS];
    size_t made; /* payments in each pays[i] */
    size_t ops;  /* payments per thread and run */
    dur_worker wk[DUR_MAX_THREADS];
    void *args[DUR_MAX_THREADS];
    /* the flush probe, per payment size and repetition */
    double f_med[NSIZES * BENCH_MAX_REPS], f_p90[NSIZES * BENCH_MAX_REPS];
    int nprobes;
} dur_state;

static void *dur_worker_main(void *p)
{
    dur_worker *wk = p;
    tk_receive_summary sum;

    for (size_t i = 0; i < wk->ops; i++) {
        if (tk_recipient_receive(wk->r, wk->res, wk->per_pay, &sum, NULL,
                                 &wk->pays[i], NULL) != TK_OK ||
            sum.accepted != wk->per_pay)
            wk->failed = 1;
        wk->sink += sum.winners;
    }
    return NULL;
}

static void remove_db(const dur_state *s)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char p[DUR_PATH_MAX + 8];

    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", s->db, sfx[i]);
        (void)unlink(p);
    }
}

/* The t threads' work: their own payments, the one recipient r. */
static void set_workers(dur_state *s, unsigned t, size_t per_pay,
                        tk_recipient *r)
{
    for (unsigned i = 0; i < t; i++) {
        s->wk[i].r = r;
        s->wk[i].pays = s->pays[i];
        s->wk[i].ops = s->ops;
        s->wk[i].per_pay = per_pay;
    }
}

/* This process's CPU time (all threads, user + system), seconds. */
static double process_cpu(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One timed run: a new empty store of kind k and a new recipient shared
 * by t threads. Returns payments per second, or -1. *commits gets the
 * SQLite store's commits (0 for the others); *cpu_us the process's CPU
 * time per payment over the receives, microseconds (PostgreSQL: without
 * the server's). */
static double run_once(dur_state *s, dur_kind k, unsigned t,
                       size_t per_pay, uint64_t *commits, double *cpu_us)
{
    double cpu0;

    tk_store_mem *mem = NULL;
    tk_store_sqlite *sq = NULL;
    tk_store_sqlite_stats stats;
    tk_recipient *r = NULL;
    tk_store store;
    double wall = -1;
    tk_status st;

    *commits = 0;
    if (k == DUR_PG) {
        r = bench_pg_recipient(s->pg, s->w.ctx, &s->w.rcfg, s->w.secret,
                               &s->w.chain);
        st = r != NULL ? TK_OK : TK_ERR_STORE;
    } else if (k == DUR_MEM) {
        st = tk_store_mem_create(&mem);
        if (st == TK_OK)
            st = tk_store_mem_iface(mem, &store);
    } else {
        remove_db(s);
        st = tk_store_sqlite_create(&sq, s->db, NULL);
        if (st == TK_OK)
            st = tk_store_sqlite_iface(sq, &store);
    }
    if (st == TK_OK && k != DUR_PG)
        st = tk_recipient_create(s->w.ctx, &r, &s->w.rcfg, s->w.secret,
                                 &s->w.chain, &store);
    *cpu_us = 0;
    if (st == TK_OK) {
        set_workers(s, t, per_pay, r);
        cpu0 = process_cpu();
        wall = bench_threads(t, dur_worker_main, s->args);
        *cpu_us = (process_cpu() - cpu0) * 1e6 / ((double)t * (double)s->ops);
    }
    if (sq != NULL && tk_store_sqlite_write_stats(sq, &stats) == TK_OK)
        *commits = stats.commits;
    if (k == DUR_PG)
        bench_pg_release(s->pg, r);
    else
        tk_recipient_destroy(r);
    tk_store_mem_destroy(mem);
    tk_store_sqlite_destroy(sq);
    if (k == DUR_SQLITE)
        remove_db(s);
    return wall > 0 ? (double)t * (double)s->ops / wall : -1;
}

static void free_payments(dur_state *s)
{
    for (unsigned i = 0; i < s->nthreads; i++) {
        bench_payments_free(s->pays[i], s->made);
        s->pays[i] = NULL;
    }
}

/* Sign every thread's s->ops payments of per_pay tickets. Returns 0 on
 * success. */
static int make_payments(dur_state *s, size_t per_pay)
{
    free_payments(s);
    s->made = s->ops;
    for (unsigned i = 0; i < s->nthreads; i++) {
        s->pays[i] = bench_payments_make(&s->w, s->sender, s->issuer, s->ops,
                                         per_pay,
                                         900000 + 10000 * per_pay +
                                             1000 * (uint64_t)i);
        if (s->pays[i] == NULL)
            return -1;
    }
    return 0;
}

/* PostgreSQL needs its store and the server. */
static int measured(const dur_state *s, int k)
{
    return k != DUR_PG || s->pg != NULL;
}

/* The flush probe of one repetition (or the warm-up: rep < 0). Returns 0
 * on success; on failure it is closed (no bound for the rest of the run). */
static int probe(bench_run *run, dur_state *s, int rep, double *f_us)
{
    double med, p90;
    int n = run->cfg.quick ? DUR_PROBE_CALLS_QUICK : DUR_PROBE_CALLS;

    if (s->probe == NULL)
        return -1;
    if (dur_probe_run(s->probe, n, &med, &p90) != 0) {
        bench_fail(run, "durable", "the flush probe failed (write or "
                                   "fdatasync in $TK_BENCH_DIR)");
        dur_probe_close(s->probe);
        s->probe = NULL;
        return -1;
    }
    if (rep >= 0) {
        f_us[rep] = med;
        s->f_med[s->nprobes] = med;
        s->f_p90[s->nprobes++] = p90;
    }
    return 0;
}

/* Record the figures of one thread count (index ci) of one size. */
static void record(bench_run *run, const dur_state *s, size_t ci,
                   size_t per_pay, double (*rate)[BENCH_MAX_REPS],
                   double (*cpu_us)[BENCH_MAX_REPS], double commits_per_pay,
                   const double *f_us)
{
    double ratio[BENCH_MAX_REPS];
    char name[BENCH_NAME_MAX], rname[BENCH_NAME_MAX];
    unsigned t = s->counts[ci];
    int reps = run->cfg.reps;

    for (int k = 0; k < DUR_NKINDS; k++) {
        if (!measured(s, k))
            continue;
        snprintf(name, sizeof name, "durable_%s_p%zu_t%u", KIND_NAME[k],
                 per_pay, t);
        bench_add(run, name, "payments/s", rate[k], reps);
        if ((size_t)snprintf(rname, sizeof rname, "%s_cpu_us", name) < sizeof rname)
            bench_add(run, rname, "us/pay", cpu_us[k], reps);
        if (k == DUR_MEM)
            continue;
        for (int rep = 0; rep < reps; rep++)
            ratio[rep] = rate[k][rep] / rate[DUR_MEM][rep];
        if ((size_t)snprintf(rname, sizeof rname, "%s_vs_mem", name) >=
            sizeof rname)
            continue; /* cannot happen: the names are short */
        bench_add(run, rname, "ratio", ratio, reps);
        bench_set_ratio(run, rname, bench_find(run, rname)->median);
    }
    snprintf(name, sizeof name, "durable_sqlite_p%zu_t%u_commits", per_pay,
             t);
    bench_add(run, name, "commits/pay", &commits_per_pay, 1);
    /* The CPU bound, once there are receivers for every core: a payment
     * costs the process cpu_us of CPU time, and nproc cores give at most
     * nproc s of it per second, so the SQLite rate is at most
     * nproc / cpu_us whatever the flush does: SQLite/mem <= nproc x 1e6 /
     * (cpu_us x mem rate). (Not for PostgreSQL: its server's CPU, on the
     * same cores, is not in the process's.) */
    if (t >= run->cfg.nproc) {
        for (int rep = 0; rep < reps; rep++)
            ratio[rep] = cpu_us[DUR_SQLITE][rep] > 0 && rate[DUR_MEM][rep] > 0
                             ? (double)run->cfg.nproc * 1e6 /
                                   (cpu_us[DUR_SQLITE][rep] * rate[DUR_MEM][rep])
                             : 0;
        snprintf(name, sizeof name, "durable_cpubound_sqlite_p%zu_t%u", per_pay, t);
        bench_add(run, name, "ratio", ratio, reps);
    }
    /* The bound holds while every receiver has a core of its own. */
    if (f_us != NULL && t <= run->cfg.nproc)
        dur_bound_add(run, per_pay, t, rate[DUR_MEM], f_us, reps);
}

/* All store kinds and thread counts for one payment size. */
static void measure_size(bench_run *run, dur_state *s, size_t per_pay)
{
    static double rate[BENCH_DURABLE_MAX_COUNTS][DUR_NKINDS][BENCH_MAX_REPS];
    static double cpu_us[BENCH_DURABLE_MAX_COUNTS][DUR_NKINDS][BENCH_MAX_REPS];
    double f_us[BENCH_MAX_REPS], cpu;
    uint64_t commits[BENCH_DURABLE_MAX_COUNTS] = {0};
    uint64_t pays[BENCH_DURABLE_MAX_COUNTS] = {0}, c;
    int reps = run->cfg.reps, have_f;

    s->ops = run->cfg.quick ? 3 : (per_pay == 1 ? 1500 : 300);
    if (make_payments(s, per_pay) != 0) {
        bench_fail(run, "durable", "could not sign the payments");
        return;
    }
    have_f = probe(run, s, -1, f_us) == 0; /* warm-up */
    for (size_t ci = 0; ci < s->ncounts; ci++)
        for (int k = 0; k < DUR_NKINDS; k++)
            if (measured(s, k) &&
                run_once(s, (dur_kind)k, s->counts[ci], per_pay, &c, &cpu) < 0)
                goto fail;
    for (int rep = 0; rep < reps; rep++) {
        have_f = have_f && probe(run, s, rep, f_us) == 0;
        for (size_t ci = 0; ci < s->ncounts; ci++)
            for (int k = 0; k < DUR_NKINDS; k++) {
                if (!measured(s, k))
                    continue;
                rate[ci][k][rep] =
                    run_once(s, (dur_kind)k, s->counts[ci], per_pay, &c,
                             &cpu_us[ci][k][rep]);
                if (rate[ci][k][rep] < 0)
                    goto fail;
                if (k == DUR_SQLITE) {
                    commits[ci] += c;
                    pays[ci] += s->counts[ci] * s->ops;
                }
            }
    }
    for (size_t ci = 0; ci < s->ncounts; ci++)
        record(run, s, ci, per_pay, rate[ci], cpu_us[ci],
               pays[ci] ? (double)commits[ci] / (double)pays[ci] : 0,
               have_f ? f_us : NULL);
    return;
fail:
    bench_fail(run, "durable", "a run could not start (store or threads)");
}

/* The flush probe in the store's directory, and the caveat of a directory
 * in memory. */
static void open_probe(bench_run *run, dur_state *s)
{
    s->probe = dur_probe_open(s->dir);
    if (s->probe == NULL)
        bench_fail(run, "durable", "cannot create the flush probe in "
                                   "$TK_BENCH_DIR: no F, no bound");
    if (dur_dir_in_memory(s->dir) == 1)
        bench_warn(run, "durable", "$TK_BENCH_DIR is on a tmpfs/ramfs: "
                                   "fdatasync costs nothing there, so the "
                                   "SQLite rows, F and the bound are "
                                   "meaningless");
}

/* The directory's flush latency over the whole section. */
static void record_probe(bench_run *run, const dur_state *s)
{
    if (s->nprobes == 0)
        return;
    bench_add(run, "durable_fsync_us_median", "us", s->f_med, s->nprobes);
    bench_add(run, "durable_fsync_us_p90", "us", s->f_p90, s->nprobes);
}

void bench_section_durable(bench_run *run)
{
    dur_state *s = calloc(1, sizeof *s);
    const char *base = getenv("TK_BENCH_DIR");

    if (s == NULL || bench_world_init(&s->w) != 0) {
        bench_fail(run, "durable", "setup failed");
        free(s);
        return;
    }
    for (unsigned i = 0; i < DUR_MAX_THREADS; i++)
        s->args[i] = &s->wk[i];
    s->counts = run->cfg.durable_receivers;
    s->ncounts = run->cfg.ndurable_receivers;
    s->nthreads = s->counts[s->ncounts - 1];
    snprintf(s->dir, sizeof s->dir, "%s/tkbench-durable-XXXXXX",
             base != NULL && base[0] != '\0' ? base : ".");
    if (mkdtemp(s->dir) == NULL) {
        bench_fail(run, "durable", "cannot create a directory in "
                                   "$TK_BENCH_DIR (default .)");
        bench_world_free(&s->w);
        free(s);
        return;
    }
    if ((size_t)snprintf(s->db, sizeof s->db, "%s/store.db", s->dir) >=
            sizeof s->db ||
        bench_recipient_setup(&s->w) != 0 ||
        bench_sender_create(&s->w, &s->sender) != 0 ||
        bench_recipient_new(&s->w, &s->issuer, 0) != 0) {
        bench_fail(run, "durable", "setup failed");
        goto out;
    }
    s->pg = bench_pg_open(s->w.ctx);
    if (s->pg == NULL)
        fprintf(stderr, "ticket-bench: durable: PostgreSQL not measured (no "
                        "TK_PG_CONNINFO, no PostgreSQL store in this build, "
                        "or the server refused)\n");
    open_probe(run, s);
    for (size_t i = 0; i < NSIZES; i++)
        measure_size(run, s, SIZES[i]);
    record_probe(run, s);
    for (unsigned i = 0; i < s->nthreads; i++) {
        run->sink ^= s->wk[i].sink;
        if (s->wk[i].failed)
            bench_fail(run, "durable", "a receive failed inside a worker");
    }
out:
    dur_probe_close(s->probe);
    bench_pg_close(s->pg);
    free_payments(s);
    remove_db(s);
    (void)rmdir(s->dir);
    tk_recipient_destroy(s->issuer);
    tk_sender_destroy(s->sender);
    bench_world_free(&s->w);
    free(s);
}

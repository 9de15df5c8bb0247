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
 * under tools/pg/tkpg.py run): one connection and one recipient per
 * thread (durable_pg.c), the server grouping the commits.
 *
 * The SQLite files go to a new directory under $TK_BENCH_DIR (default:
 * the current directory; a tmpfs would make fsync free), removed at the
 * end. Figures: durable_<store>_p<tickets>_t<threads> (payments/s),
 * durable_sqlite_p<tickets>_t<threads>_commits (transactions, i.e. WAL
 * fsyncs, per payment, from tk_store_sqlite_write_stats); ratios:
 * durable_<store>_p<tickets>_t<threads>_vs_mem. */
#include "bench.h"
#include "durable_pg.h"
#include "fixture.h"

#include "ticket/store_sqlite.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DUR_MAX_THREADS 8
#define DUR_PATH_MAX 512

static const unsigned COUNTS[] = {1, 2, DUR_MAX_THREADS};
#define NCOUNTS (sizeof COUNTS / sizeof COUNTS[0])
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
    char dir[DUR_PATH_MAX], db[DUR_PATH_MAX];
    tk_payment *pays[DUR_MAX_THREADS];
    size_t made; /* payments in each pays[i] */
    size_t ops;  /* payments per thread and run */
    dur_worker wk[DUR_MAX_THREADS];
    void *args[DUR_MAX_THREADS];
    uint64_t commits, payments; /* SQLite, summed over the timed runs */
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

/* One timed run: a new empty store of kind k and a new recipient, t
 * threads. Returns payments per second, or -1. *commits gets the SQLite
 * store's commits (0 for mem). */
static void set_workers(dur_state *s, unsigned t, size_t per_pay,
                        tk_recipient *const *r)
{
    for (unsigned i = 0; i < t; i++) {
        s->wk[i].r = r[i];
        s->wk[i].pays = s->pays[i];
        s->wk[i].ops = s->ops;
        s->wk[i].per_pay = per_pay;
    }
}

/* PostgreSQL: a recipient and a connection per thread. */
static double run_pg(dur_state *s, unsigned t, size_t per_pay)
{
    tk_recipient *r[DUR_MAX_THREADS] = {NULL};
    double wall;

    if (bench_pg_recipients(s->pg, s->w.ctx, &s->w.rcfg, s->w.secret,
                            &s->w.chain, t, r) != 0)
        return -1;
    set_workers(s, t, per_pay, r);
    wall = bench_threads(t, dur_worker_main, s->args);
    bench_pg_release(s->pg, t, r);
    return wall > 0 ? (double)t * (double)s->ops / wall : -1;
}

static double run_once(dur_state *s, dur_kind k, unsigned t,
                       size_t per_pay, uint64_t *commits)
{
    tk_store_mem *mem = NULL;
    tk_store_sqlite *sq = NULL;
    tk_store_sqlite_stats stats;
    tk_recipient *r = NULL;
    tk_store store;
    double wall = -1;
    tk_status st;

    *commits = 0;
    if (k == DUR_PG)
        return run_pg(s, t, per_pay);
    if (k == DUR_MEM) {
        st = tk_store_mem_create(&mem);
        if (st == TK_OK)
            st = tk_store_mem_iface(mem, &store);
    } else {
        remove_db(s);
        st = tk_store_sqlite_create(&sq, s->db, NULL);
        if (st == TK_OK)
            st = tk_store_sqlite_iface(sq, &store);
    }
    if (st == TK_OK)
        st = tk_recipient_create(s->w.ctx, &r, &s->w.rcfg, s->w.secret,
                                 &s->w.chain, &store);
    if (st == TK_OK) {
        tk_recipient *shared[DUR_MAX_THREADS];
        for (unsigned i = 0; i < t; i++)
            shared[i] = r;
        set_workers(s, t, per_pay, shared);
        wall = bench_threads(t, dur_worker_main, s->args);
    }
    if (sq != NULL && tk_store_sqlite_write_stats(sq, &stats) == TK_OK)
        *commits = stats.commits;
    tk_recipient_destroy(r);
    tk_store_mem_destroy(mem);
    tk_store_sqlite_destroy(sq);
    if (k == DUR_SQLITE)
        remove_db(s);
    return wall > 0 ? (double)t * (double)s->ops / wall : -1;
}

static void free_payments(dur_state *s)
{
    for (unsigned i = 0; i < DUR_MAX_THREADS; i++) {
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
    for (unsigned i = 0; i < DUR_MAX_THREADS; i++) {
        s->pays[i] = bench_payments_make(&s->w, s->sender, s->issuer, s->ops,
                                         per_pay,
                                         900000 + 10000 * per_pay +
                                             1000 * (uint64_t)i);
        if (s->pays[i] == NULL)
            return -1;
    }
    return 0;
}

/* All store kinds and thread counts for one payment size. */
static void measure_size(bench_run *run, dur_state *s, size_t per_pay)
{
    static double rate[NCOUNTS][DUR_NKINDS][BENCH_MAX_REPS];
    double ratio[BENCH_MAX_REPS];
    uint64_t commits[NCOUNTS] = {0}, pays[NCOUNTS] = {0}, c;
    char name[BENCH_NAME_MAX], rname[BENCH_NAME_MAX];
    int reps = run->cfg.reps;
    int nkinds = s->pg != NULL ? DUR_NKINDS : DUR_PG;

    s->ops = run->cfg.quick ? 3 : (per_pay == 1 ? 1500 : 300);
    if (make_payments(s, per_pay) != 0) {
        bench_fail(run, "durable", "could not sign the payments");
        return;
    }
    for (size_t ci = 0; ci < NCOUNTS; ci++) /* warm-up */
        for (int k = 0; k < nkinds; k++)
            if (run_once(s, (dur_kind)k, COUNTS[ci], per_pay, &c) < 0)
                goto fail;
    for (int rep = 0; rep < reps; rep++)
        for (size_t ci = 0; ci < NCOUNTS; ci++)
            for (int k = 0; k < nkinds; k++) {
                rate[ci][k][rep] =
                    run_once(s, (dur_kind)k, COUNTS[ci], per_pay, &c);
                if (rate[ci][k][rep] < 0)
                    goto fail;
                if (k == DUR_SQLITE) {
                    commits[ci] += c;
                    pays[ci] += COUNTS[ci] * s->ops;
                }
            }
    for (size_t ci = 0; ci < NCOUNTS; ci++) {
        for (int k = 0; k < nkinds; k++) {
            snprintf(name, sizeof name, "durable_%s_p%zu_t%u", KIND_NAME[k],
                     per_pay, COUNTS[ci]);
            bench_add(run, name, "payments/s", rate[ci][k], reps);
            if (k == DUR_MEM)
                continue;
            for (int rep = 0; rep < reps; rep++)
                ratio[rep] = rate[ci][k][rep] / rate[ci][DUR_MEM][rep];
            if ((size_t)snprintf(rname, sizeof rname, "%s_vs_mem", name) >=
                sizeof rname)
                continue; /* cannot happen: the names are short */
            bench_add(run, rname, "ratio", ratio, reps);
            bench_set_ratio(run, rname, bench_find(run, rname)->median);
        }
        snprintf(name, sizeof name, "durable_sqlite_p%zu_t%u_commits",
                 per_pay, COUNTS[ci]);
        {
            double v = pays[ci] ? (double)commits[ci] / (double)pays[ci] : 0;
            bench_add(run, name, "commits/pay", &v, 1);
        }
    }
    return;
fail:
    bench_fail(run, "durable", "a run could not start (store or threads)");
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
    for (size_t i = 0; i < NSIZES; i++)
        measure_size(run, s, SIZES[i]);
    for (unsigned i = 0; i < DUR_MAX_THREADS; i++) {
        run->sink ^= s->wk[i].sink;
        if (s->wk[i].failed)
            bench_fail(run, "durable", "a receive failed inside a worker");
    }
out:
    bench_pg_close(s->pg);
    free_payments(s);
    remove_db(s);
    (void)rmdir(s->dir);
    tk_recipient_destroy(s->issuer);
    tk_sender_destroy(s->sender);
    bench_world_free(&s->w);
    free(s);
}

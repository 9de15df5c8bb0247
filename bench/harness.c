/* SPDX-License-Identifier: MIT */
/* The harness: timing, repetitions, statistics, threads. */
#include "bench.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double time_once(const bench_case *c, uint64_t iters, int *ok)
{
    double t0;

    *ok = 1;
    if (c->prep != NULL && c->prep(c->arg, iters) != 0) {
        *ok = 0;
        return 0;
    }
    t0 = bench_now();
    c->run(c->arg, iters);
    return bench_now() - t0;
}

uint64_t bench_calibrate(const bench_run *run, const bench_case *c)
{
    uint64_t iters = 1;
    double target = run->cfg.rep_seconds, t;
    int ok;

    /* Double until a run takes an eighth of the target, then scale. The
     * calibration runs double as warm-up. */
    for (;;) {
        t = time_once(c, iters, &ok);
        if (!ok)
            return 1;
        if (t >= target / 8 || iters >= ((uint64_t)1 << 40))
            break;
        iters *= 2;
    }
    if (t > 0) {
        double want = (double)iters * target / t;
        iters = want < 1 ? 1 : (uint64_t)want;
    }
    return iters;
}

static uint64_t iters_for(bench_run *run, const bench_case *c)
{
    return c->iters              ? c->iters
           : run->cfg.fixed_iters ? run->cfg.fixed_iters
                                  : bench_calibrate(run, c);
}

int bench_time(bench_run *run, const bench_case *c, double *sec)
{
    uint64_t iters = iters_for(run, c);
    int ok;

    (void)time_once(c, iters, &ok); /* warm-up: caches, branch predictors */
    if (!ok)
        return -1;
    for (int i = 0; i < run->cfg.reps; i++) {
        double t = time_once(c, iters, &ok);
        if (!ok)
            return -1;
        sec[i] = t / (double)iters;
    }
    return run->cfg.reps;
}

int bench_time_paired(bench_run *run, const bench_case *a,
                      const bench_case *b, double *sa, double *sb)
{
    uint64_t ia = iters_for(run, a), ib = iters_for(run, b);
    int oka, okb;

    (void)time_once(a, ia, &oka);
    (void)time_once(b, ib, &okb);
    if (!oka || !okb)
        return -1;
    for (int i = 0; i < run->cfg.reps; i++) {
        double ta = time_once(a, ia, &oka), tb = time_once(b, ib, &okb);
        if (!oka || !okb)
            return -1;
        sa[i] = ta / (double)ia;
        sb[i] = tb / (double)ib;
    }
    return run->cfg.reps;
}

double bench_paired_ratio(const double *sec_a, double per_op_a,
                          const double *sec_b, double per_op_b, int n)
{
    double r[BENCH_MAX_REPS], sorted_mid;
    int i;

    if (n <= 0 || n > BENCH_MAX_REPS)
        return -1;
    for (i = 0; i < n; i++)
        r[i] = (per_op_a / sec_a[i]) / (per_op_b / sec_b[i]);
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    sorted_mid = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    return sorted_mid;
}

/* Deterministic filler (splitmix64): the bench needs varied, not secret,
 * data, and the same data on every run. */
void bench_fill(void *out, size_t len, uint64_t seed)
{
    uint8_t *p = out;
    uint64_t s = seed;

    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        size_t n = len - i < 8 ? len - i : 8;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        memcpy(p + i, &z, n);
    }
}

/* ---- threads ----------------------------------------------------------- */

/* A start gate: threads report ready and wait; the main thread opens the
 * gate once all are waiting (then starts the clock), or cancels it when a
 * thread could not be created. */
typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned ready;
    int state; /* 0 closed, 1 open, 2 cancelled */
} gate;

typedef struct thread_slot {
    gate *g;
    void *(*fn)(void *);
    void *arg;
    double start, end; /* this thread's own clock readings */
} thread_slot;

static void *thread_main(void *p)
{
    thread_slot *s = p;
    int state;

    pthread_mutex_lock(&s->g->mu);
    s->g->ready++;
    pthread_cond_broadcast(&s->g->cv);
    while (s->g->state == 0)
        pthread_cond_wait(&s->g->cv, &s->g->mu);
    state = s->g->state;
    pthread_mutex_unlock(&s->g->mu);
    if (state != 1)
        return NULL;
    s->start = bench_now();
    s->fn(s->arg);
    s->end = bench_now();
    return NULL;
}

double bench_threads(unsigned n, void *(*fn)(void *), void **args)
{
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t *tids = calloc(n ? n : 1, sizeof *tids);
    thread_slot *slots = calloc(n ? n : 1, sizeof *slots);
    unsigned started = 0;
    double t = -1;

    if (tids == NULL || slots == NULL || n == 0)
        goto out;
    for (; started < n; started++) {
        slots[started] = (thread_slot){&g, fn, args[started], 0, 0};
        if (pthread_create(&tids[started], NULL, thread_main,
                           &slots[started]) != 0)
            break;
    }
    pthread_mutex_lock(&g.mu);
    while (started == n && g.ready < n)
        pthread_cond_wait(&g.cv, &g.mu);
    g.state = started == n ? 1 : 2;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    if (started == n) {
        /* From the first thread's start to the last one's end, as the
         * threads saw them: the main thread may be descheduled at any
         * point, so its own clock readings would not bound the run. */
        double first = slots[0].start, last = slots[0].end;
        for (unsigned i = 1; i < n; i++) {
            if (slots[i].start < first)
                first = slots[i].start;
            if (slots[i].end > last)
                last = slots[i].end;
        }
        t = last - first;
    }
out:
    free(tids);
    free(slots);
    return t;
}

/* ---- results ----------------------------------------------------------- */

void bench_add(bench_run *run, const char *name, const char *unit,
               const double *samples, int n)
{
    double sorted[BENCH_MAX_SAMPLES];
    bench_result *r;

    if (n <= 0 || n > BENCH_MAX_SAMPLES)
        return;
    if (run->nresults == run->cap) {
        size_t cap = run->cap ? 2 * run->cap : 64;
        bench_result *p = realloc(run->results, cap * sizeof *p);
        if (p == NULL) {
            bench_fail(run, name, "out of memory for results");
            return;
        }
        run->results = p;
        run->cap = cap;
    }
    memcpy(sorted, samples, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    r = &run->results[run->nresults++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->unit, sizeof r->unit, "%s", unit);
    r->min = sorted[0];
    r->max = sorted[n - 1];
    r->median = n % 2 ? sorted[n / 2]
                      : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    r->reps = n;
}

void bench_add_rate(bench_run *run, const char *name, const char *unit,
                    const double *sec, int n, double per_op)
{
    double v[BENCH_MAX_REPS];
    for (int i = 0; i < n && i < BENCH_MAX_REPS; i++)
        v[i] = sec[i] > 0 ? per_op / sec[i] : 0;
    bench_add(run, name, unit, v, n);
}

void bench_add_ns(bench_run *run, const char *name, const double *sec, int n)
{
    double v[BENCH_MAX_REPS];
    for (int i = 0; i < n && i < BENCH_MAX_REPS; i++)
        v[i] = sec[i] * 1e9;
    bench_add(run, name, "ns/op", v, n);
}

const bench_result *bench_find(const bench_run *run, const char *name)
{
    for (size_t i = 0; i < run->nresults; i++)
        if (strcmp(run->results[i].name, name) == 0)
            return &run->results[i];
    return NULL;
}

void bench_set_ratio(bench_run *run, const char *name, double value)
{
    for (size_t i = 0; i < run->nratios; i++) {
        if (strcmp(run->ratios[i].name, name) == 0) {
            run->ratios[i].value = value;
            return;
        }
    }
    if (run->nratios < BENCH_MAX_RATIOS) {
        bench_ratio *r = &run->ratios[run->nratios++];
        snprintf(r->name, sizeof r->name, "%s", name);
        r->value = value;
    }
}

double bench_median_ratio(const bench_run *run, const char *a, const char *b)
{
    const bench_result *x = bench_find(run, a), *y = bench_find(run, b);
    if (x == NULL || y == NULL || y->median == 0 || !isfinite(x->median))
        return -1;
    return x->median / y->median;
}

void bench_fail(bench_run *run, const char *section, const char *why)
{
    fprintf(stderr, "ticket-bench: %s: %s\n", section, why);
    run->failures++;
}

void bench_warn(bench_run *run, const char *section, const char *why)
{
    fprintf(stderr, "ticket-bench: %s: %s\n", section, why);
    if (run->nwarnings < BENCH_MAX_WARNINGS)
        snprintf(run->warnings[run->nwarnings++], BENCH_WARNING_MAX,
                 "%s: %s", section, why);
}

/* SPDX-License-Identifier: MIT */
#ifndef TK_BENCH_DURABLE_BOUND_H
#define TK_BENCH_DURABLE_BOUND_H

/* What bounds the durable section (durable.c, docs/PERFORMANCE.md "What
 * bounds it"): a receiver thread that waits for its commit is busy for C
 * (the payment's CPU time, taken from the in-memory rows) and then idle
 * for F (the commit's flush latency), so with at most one receiver per
 * core durable/mem <= C / (C + F). The probe measures F on the directory
 * the SQLite files go to, in the same run. */

#include "bench.h"

typedef struct dur_probe dur_probe;

/* A preallocated, written and synced probe file in dir (removed by
 * dur_probe_close). NULL if it cannot be created. */
dur_probe *dur_probe_open(const char *dir);
void dur_probe_close(dur_probe *p);

/* n times: overwrite a few KiB of the file (as a WAL commit does once the
 * WAL is reused), then time fdatasync. *median_us and *p90_us get the
 * median and 90th percentile of the n latencies. Returns 0 on success. */
int dur_probe_run(dur_probe *p, int n, double *median_us, double *p90_us);

/* 1 if dir is on a tmpfs or ramfs (fdatasync then costs nothing), 0 if
 * not, -1 if unknown. */
int dur_dir_in_memory(const char *dir);

/* Record durable_c_us_p<per_pay>_t<t> (C = t / mem rate: microseconds per
 * payment per thread) and durable_bound_p<per_pay>_t<t> (C / (C + F), also
 * as a ratio), both per repetition: mem_rate[i] payments/s and f_us[i]
 * the probe's median of repetition i. */
void dur_bound_add(bench_run *run, size_t per_pay, unsigned t,
                   const double *mem_rate, const double *f_us, int reps);

#endif

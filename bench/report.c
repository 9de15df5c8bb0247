/* SPDX-License-Identifier: MIT */
/* Output: the header, the table, the targets and the JSON file. */
#include "bench.h"

#include <math.h>
#include <string.h>

/* The targets of issues 7 and 13. Each reads a ratio, a figure's median, or the
 * bytes per tracked nonce of this run. */
enum { SRC_RATIO, SRC_MEDIAN, SRC_BYTES_PER_NONCE };

typedef struct bench_target {
    const char *key;   /* ratio or figure name */
    int source;
    int at_least;      /* 1: value >= bound; 0: value <= bound */
    double bound;
    const char *what;
    /* The figure that bounds the value on this machine, or NULL: durable
     * with 2 receivers, the flush bound C / (C + F) (durable_bound.h);
     * SQLite with 8, the CPU bound (durable.c). */
    const char *limit;
} bench_target;

static const bench_target TARGETS[] = {
    {"sender_vs_floor_sign", SRC_RATIO, 1, 0.95,
     "sender create+sign (batch 10) / floor sign_recoverable, paired", NULL},
    {"recipient_vs_floor_recover", SRC_RATIO, 1, 0.95,
     "recipient receive (10-ticket payments) / floor recover, paired", NULL},
    {"wincheck", SRC_MEDIAN, 1, 5e6, "win check alone, one core, per s", NULL},
    {"keccak232_vs_two_perms", SRC_RATIO, 0, 2.0,
     "keccak-256 of 232 B / time of two permutations", NULL},
    {"sender_scaling_2t", SRC_RATIO, 1, 1.8, "sender, 2 threads / 1 thread",
     NULL},
    {"recipient_scaling_2t", SRC_RATIO, 1, 1.8,
     "recipient, 2 threads / 1 thread", NULL},
    {"bytes_per_nonce", SRC_BYTES_PER_NONCE, 0, 32,
     "replay-set bytes per tracked nonce", NULL},
    /* Issue 13: durable (SQLite, synchronous=FULL) / in-memory store. */
    {"durable_sqlite_p10_t2_vs_mem", SRC_RATIO, 1, 0.9,
     "durable payments/s, SQLite / mem, 10-ticket, 2 receivers",
     "durable_bound_p10_t2"},
    {"durable_sqlite_p1_t2_vs_mem", SRC_RATIO, 1, 0.6,
     "durable payments/s, SQLite / mem, 1-ticket, 2 receivers",
     "durable_bound_p1_t2"},
    {"durable_sqlite_p10_t8_vs_mem", SRC_RATIO, 1, 0.9,
     "durable payments/s, SQLite / mem, 10-ticket, 8 receivers",
     "durable_cpubound_sqlite_p10_t8"},
    {"durable_sqlite_p1_t8_vs_mem", SRC_RATIO, 1, 0.6,
     "durable payments/s, SQLite / mem, 1-ticket, 8 receivers",
     "durable_cpubound_sqlite_p1_t8"},
    {"durable_pg_p10_t2_vs_mem", SRC_RATIO, 1, 0.9,
     "durable payments/s, PostgreSQL / mem, 10-ticket, 2 receivers",
     "durable_bound_p10_t2"},
    {"durable_pg_p1_t2_vs_mem", SRC_RATIO, 1, 0.6,
     "durable payments/s, PostgreSQL / mem, 1-ticket, 2 receivers",
     "durable_bound_p1_t2"},
    {"durable_pg_p10_t8_vs_mem", SRC_RATIO, 1, 0.9,
     "durable payments/s, PostgreSQL / mem, 10-ticket, 8 receivers", NULL},
    {"durable_pg_p1_t8_vs_mem", SRC_RATIO, 1, 0.6,
     "durable payments/s, PostgreSQL / mem, 1-ticket, 8 receivers", NULL},
};
#define NTARGETS (sizeof TARGETS / sizeof TARGETS[0])

/* The value a target reads, or NAN when this run did not measure it. */
static double target_value(const bench_run *run, const bench_target *t)
{
    const bench_result *r;

    switch (t->source) {
    case SRC_RATIO:
        for (size_t i = 0; i < run->nratios; i++)
            if (strcmp(run->ratios[i].name, t->key) == 0)
                return run->ratios[i].value >= 0 ? run->ratios[i].value
                                                 : NAN;
        return NAN;
    case SRC_MEDIAN:
        r = bench_find(run, t->key);
        return r != NULL ? r->median : NAN;
    default:
        return run->bytes_per_nonce >= 0 ? run->bytes_per_nonce : NAN;
    }
}

/* The median of the target's limit figure, or NAN. */
static double target_limit(const bench_run *run, const bench_target *t)
{
    const bench_result *r;

    if (t->limit == NULL || (r = bench_find(run, t->limit)) == NULL)
        return NAN;
    return r->median;
}

static const char *verdict(const bench_target *t, double v)
{
    if (isnan(v))
        return "not measured";
    if (t->at_least ? v >= t->bound : v <= t->bound)
        return "met";
    return "MISSED";
}

void bench_print_header(FILE *f, const bench_sysinfo *si,
                        const bench_cfg *cfg)
{
    fprintf(f, "# ticket-bench  libticket %s  %s\n", si->libticket, si->date);
    fprintf(f, "# machine: %s, %u cores online, %s\n", si->cpu, si->cores,
            si->kernel);
    fprintf(f, "# compiler: %s  build: %s  flags: %s\n", si->compiler,
            si->build_type, si->flags);
    fprintf(f, "# libsecp256k1 %s  GMP %s  %s  keccak=%s\n", si->secp256k1,
            si->gmp, si->openssl, si->keccak_impl);
    fprintf(f, "# mode: %s  reps=%d (min/median/max over reps, after one "
               "warm-up)  load average at start: %.2f %.2f %.2f\n",
            cfg->quick ? "quick" : "full", cfg->reps, si->load_start[0],
            si->load_start[1], si->load_start[2]);
    if (si->load_start[0] > 0.5)
        fprintf(f, "# WARNING: the machine is busy (load %.2f > 0.5); "
                   "figures are unreliable\n", si->load_start[0]);
}

void bench_print_table(FILE *f, const bench_run *run)
{
    fprintf(f, "%-40s %-12s %14s %14s %14s\n", "benchmark,", "unit,",
            "min,", "median,", "max");
    for (size_t i = 0; i < run->nresults; i++) {
        const bench_result *r = &run->results[i];
        char name[BENCH_NAME_MAX + 1], unit[BENCH_UNIT_MAX + 1];
        snprintf(name, sizeof name, "%s,", r->name);
        snprintf(unit, sizeof unit, "%s,", r->unit);
        fprintf(f, "%-40s %-12s %13.6g, %13.6g, %13.6g\n", name, unit,
                r->min, r->median, r->max);
    }
}

void bench_print_warnings(FILE *f, const bench_run *run)
{
    for (size_t i = 0; i < run->nwarnings; i++)
        fprintf(f, "# WARNING: %s\n", run->warnings[i]);
}

/* For each missed target that has a limit: is the limit itself below the
 * target (then no store reaches it on this machine this way)? */
static void print_limits(FILE *f, const bench_run *run)
{
    int header = 0;

    for (size_t i = 0; i < NTARGETS; i++) {
        const bench_target *t = &TARGETS[i];
        double v = target_value(run, t), lim = target_limit(run, t);
        int cpu = t->limit != NULL && strstr(t->limit, "cpubound") != NULL;
        if (t->limit == NULL || strcmp(verdict(t, v), "MISSED") != 0)
            continue;
        if (!header) {
            fprintf(f, "\nmissed durable targets against their bound "
                       "(durable_bound: C/(C+F), one synchronous receive per "
                       "thread, receivers <= cores; durable_cpubound: the "
                       "store's CPU per payment on every core):\n");
            header = 1;
        }
        if (isnan(lim))
            fprintf(f, "  %-28s bound not measured (%s needs %s)\n", t->key,
                    t->limit, cpu ? "as many receivers as cores"
                                  : "2 receivers and 2 cores");
        else if (lim < t->bound)
            fprintf(f, "  %-28s bound %s = %.3f < %.4g: unreachable %s\n",
                    t->key, t->limit, lim, t->bound,
                    cpu ? "with this store's CPU per payment on these cores"
                        : "on this disk with synchronous durability");
        else
            fprintf(f, "  %-28s bound %s = %.3f >= %.4g: the bound allows "
                       "it; the store falls short of its bound\n",
                    t->key, t->limit, lim, t->bound);
    }
}

void bench_print_targets(FILE *f, const bench_run *run)
{
    fprintf(f, "\n%-28s %10s  %-9s %-12s %s\n", "target", "value", "bound",
            "verdict", "what");
    for (size_t i = 0; i < NTARGETS; i++) {
        const bench_target *t = &TARGETS[i];
        double v = target_value(run, t);
        fprintf(f, "%-28s %10.4g  %s %-6.4g %-12s %s\n", t->key, v,
                t->at_least ? ">=" : "<=", t->bound, verdict(t, v), t->what);
    }
    print_limits(f, run);
    if (run->nratios > 0) {
        fprintf(f, "\nall ratios (medians):\n");
        for (size_t i = 0; i < run->nratios; i++)
            fprintf(f, "  %-36s %.4f\n", run->ratios[i].name,
                    run->ratios[i].value);
    }
}

/* ---- JSON ---------------------------------------------------------------*/

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* JSON has no NaN or infinity: write null. */
static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static void json_kv_str(FILE *f, const char *k, const char *v, int comma)
{
    fputs("    ", f);
    json_str(f, k);
    fputs(": ", f);
    json_str(f, v);
    fputs(comma ? ",\n" : "\n", f);
}

int bench_write_json(const char *path, const bench_run *run,
                     const bench_sysinfo *si)
{
    FILE *f = fopen(path, "w");
    int rc;

    if (f == NULL)
        return -1;
    fprintf(f, "{\n  \"header\": {\n");
    json_kv_str(f, "libticket", si->libticket, 1);
    json_kv_str(f, "date", si->date, 1);
    json_kv_str(f, "cpu", si->cpu, 1);
    fprintf(f, "    \"cores\": %u,\n", si->cores);
    json_kv_str(f, "kernel", si->kernel, 1);
    json_kv_str(f, "compiler", si->compiler, 1);
    json_kv_str(f, "build_type", si->build_type, 1);
    json_kv_str(f, "flags", si->flags, 1);
    json_kv_str(f, "libsecp256k1", si->secp256k1, 1);
    json_kv_str(f, "gmp", si->gmp, 1);
    json_kv_str(f, "openssl", si->openssl, 1);
    json_kv_str(f, "keccak_impl", si->keccak_impl, 1);
    json_kv_str(f, "mode", run->cfg.quick ? "quick" : "full", 1);
    fprintf(f, "    \"reps\": %d,\n", run->cfg.reps);
    fprintf(f, "    \"load_average_start\": [%.2f, %.2f, %.2f],\n",
            si->load_start[0], si->load_start[1], si->load_start[2]);
    fprintf(f, "    \"load_average_end\": [%.2f, %.2f, %.2f]\n  },\n",
            si->load_end[0], si->load_end[1], si->load_end[2]);

    fprintf(f, "  \"results\": [\n");
    for (size_t i = 0; i < run->nresults; i++) {
        const bench_result *r = &run->results[i];
        fprintf(f, "    {\"name\": ");
        json_str(f, r->name);
        fprintf(f, ", \"unit\": ");
        json_str(f, r->unit);
        fprintf(f, ", \"min\": ");
        json_num(f, r->min);
        fprintf(f, ", \"median\": ");
        json_num(f, r->median);
        fprintf(f, ", \"max\": ");
        json_num(f, r->max);
        fprintf(f, ", \"reps\": %d}%s\n", r->reps,
                i + 1 < run->nresults ? "," : "");
    }
    fprintf(f, "  ],\n  \"ratios\": {\n");
    for (size_t i = 0; i < run->nratios; i++) {
        fputs("    ", f);
        json_str(f, run->ratios[i].name);
        fputs(": ", f);
        json_num(f, run->ratios[i].value >= 0 ? run->ratios[i].value : NAN);
        fputs(i + 1 < run->nratios ? ",\n" : "\n", f);
    }
    fprintf(f, "  },\n  \"bytes_per_nonce\": ");
    json_num(f, run->bytes_per_nonce >= 0 ? run->bytes_per_nonce : NAN);
    fprintf(f, ",\n  \"warnings\": [");
    for (size_t i = 0; i < run->nwarnings; i++) {
        fputs(i > 0 ? ", " : "", f);
        json_str(f, run->warnings[i]);
    }
    fprintf(f, "],\n  \"targets\": [\n");
    for (size_t i = 0; i < NTARGETS; i++) {
        const bench_target *t = &TARGETS[i];
        double v = target_value(run, t);
        fprintf(f, "    {\"name\": ");
        json_str(f, t->key);
        fprintf(f, ", \"value\": ");
        json_num(f, v);
        fprintf(f, ", \"op\": \"%s\", \"bound\": ", t->at_least ? ">=" : "<=");
        json_num(f, t->bound);
        fprintf(f, ", \"verdict\": ");
        json_str(f, verdict(t, v));
        if (t->limit != NULL) {
            fprintf(f, ", \"limit\": ");
            json_str(f, t->limit);
            fprintf(f, ", \"limit_value\": ");
            json_num(f, target_limit(run, t));
        }
        fprintf(f, "}%s\n", i + 1 < NTARGETS ? "," : "");
    }
    fprintf(f, "  ],\n  \"checksum\": \"%016llx\"\n}\n",
            (unsigned long long)run->sink);
    rc = ferror(f) ? -1 : 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* SPDX-License-Identifier: MIT */
/* Memory of the replay set. Each measurement runs in a fresh child process
 * (this program re-executed with --memory-child), so that nothing the
 * parent allocated before - other sections, malloc arenas, pre-signed
 * payments - is counted. The child:
 *   1. sets up the world and reads VmRSS from /proc/self/status;
 *   2. creates a recipient whose store reports N persisted seen nonces
 *      (tk_store.nonce_load, the restart path), k per recipientRandHash,
 *      generated on the fly, so the store itself holds no memory;
 *   3. reads VmRSS and VmHWM again, and the library's own count
 *      (tk_recipient_get_stats: replay_bytes, tracked_nonces).
 * Bytes per nonce by RSS = (VmRSS after - VmRSS before) / tracked nonces:
 * what the process really holds, malloc headers and page rounding
 * included. Peak RSS is VmHWM, the whole child's high-water mark. Loading
 * through nonce_load fills the same replay set tk_recipient_receive()
 * fills, without signing a million tickets first. */
#include "bench.h"
#include "fixture.h"

#include "ticket/u256.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct gen_store {
    size_t nonces, per_rand;
    tk_u256 expiration;
} gen_store;

static tk_status gen_put(void *self, const tk_winner *w)
{
    (void)self;
    (void)w;
    return TK_OK;
}

static tk_status gen_load(void *self, tk_nonce_visit_fn fn, void *data)
{
    const gen_store *g = self;
    tk_hash h;

    for (size_t j = 0; j < g->nonces; j++) {
        size_t rand_index = j / g->per_rand;
        uint32_t nonce = (uint32_t)(j % g->per_rand) + 1;
        if (nonce == 1) /* uniform bytes, as Keccak outputs are */
            bench_fill(h.bytes, sizeof h.bytes, 0x9000000000ULL + rand_index);
        if (fn(&h, nonce, &g->expiration, data) != 0)
            return TK_ERR_NOMEM;
    }
    return TK_OK;
}

/* A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or -1. */
static long status_bytes(const char *field)
{
    char line[256];
    size_t n = strlen(field);
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

int bench_memory_child(const char *nonces_arg, const char *per_rand_arg)
{
    bench_world w;
    gen_store g;
    tk_store st;
    tk_recipient *r = NULL;
    tk_recipient_stats stats;
    long rss0, rss1, hwm;
    int rc = 1;

    memset(&g, 0, sizeof g);
    g.nonces = strtoul(nonces_arg, NULL, 10);
    g.per_rand = strtoul(per_rand_arg, NULL, 10);
    if (g.per_rand == 0 || g.per_rand > TK_MAX_NONCES_PER_RAND ||
        bench_world_init(&w) != 0)
        return 1;
    if (bench_recipient_setup(&w) != 0)
        goto out;
    (void)tk_u256_from_u64(&g.expiration, w.chain_state.last_block + 40);
    memset(&st, 0, sizeof st);
    st.self = &g;
    st.put_winner = gen_put;
    st.nonce_load = gen_load;

    rss0 = status_bytes("VmRSS");
    if (tk_recipient_create(w.ctx, &r, &w.rcfg, w.secret, &w.chain, &st) !=
            TK_OK ||
        tk_recipient_get_stats(r, &stats) != TK_OK)
        goto out;
    rss1 = status_bytes("VmRSS");
    hwm = status_bytes("VmHWM");
    printf("tracked=%zu rands=%zu replay_bytes=%zu rss_before=%ld "
           "rss_after=%ld hwm=%ld\n",
           stats.tracked_nonces, stats.tracked_rands, stats.replay_bytes,
           rss0, rss1, hwm);
    rc = 0;
out:
    tk_recipient_destroy(r);
    bench_world_free(&w);
    return rc;
}

typedef struct child_result {
    size_t tracked, rands, replay_bytes;
    long rss_before, rss_after, hwm;
} child_result;

/* Run one child; returns 0 and fills out on success. */
static int run_child(size_t nonces, size_t per_rand, child_result *out)
{
    char a[32], b[32], line[512];
    int fd[2], status = 0, got = 0;
    pid_t pid;
    FILE *f;

    snprintf(a, sizeof a, "%zu", nonces);
    snprintf(b, sizeof b, "%zu", per_rand);
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        char *argv[] = {"ticket-bench", "--memory-child", a, b, NULL};
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fd[1]);
    f = fdopen(fd[0], "r");
    if (f == NULL) {
        close(fd[0]);
    } else {
        if (fgets(line, sizeof line, f) != NULL &&
            sscanf(line,
                   "tracked=%zu rands=%zu replay_bytes=%zu rss_before=%ld "
                   "rss_after=%ld hwm=%ld",
                   &out->tracked, &out->rands, &out->replay_bytes,
                   &out->rss_before, &out->rss_after, &out->hwm) == 6)
            got = 1;
        fclose(f);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return got && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                   out->tracked > 0
               ? 0
               : -1;
}

void bench_section_memory(bench_run *run)
{
    static const size_t PER_RAND[] = {1, 10, 100, 600};
    size_t nonces = run->cfg.quick ? 20000 : 1000000;
    double lib[BENCH_MAX_REPS], rss[BENCH_MAX_REPS], peak[BENCH_MAX_REPS];
    char name[BENCH_NAME_MAX];

    for (size_t k = 0; k < sizeof PER_RAND / sizeof PER_RAND[0]; k++) {
        for (int rep = 0; rep < run->cfg.reps; rep++) {
            child_result c;
            if (run_child(nonces, PER_RAND[k], &c) != 0) {
                bench_fail(run, "memory", "the child process failed");
                return;
            }
            lib[rep] = (double)c.replay_bytes / (double)c.tracked;
            rss[rep] = (double)(c.rss_after - c.rss_before) /
                       (double)c.tracked;
            peak[rep] = (double)c.hwm / (1024.0 * 1024.0);
        }
        snprintf(name, sizeof name, "replay_bytes_per_nonce_k%zu",
                 PER_RAND[k]);
        bench_add(run, name, "B/nonce", lib, run->cfg.reps);
        snprintf(name, sizeof name, "rss_bytes_per_nonce_k%zu", PER_RAND[k]);
        bench_add(run, name, "B/nonce", rss, run->cfg.reps);
        snprintf(name, sizeof name, "peak_rss_%zuk_nonces_k%zu",
                 nonces / 1000, PER_RAND[k]);
        bench_add(run, name, "MiB", peak, run->cfg.reps);
    }
    {
        const bench_result *r = bench_find(run, "rss_bytes_per_nonce_k10");
        if (r != NULL)
            run->bytes_per_nonce = r->median;
    }
}

/* SPDX-License-Identifier: MIT */
/* The flush-latency probe and the C / (C + F) bound of the durable section
 * (durable_bound.h). */
#include "durable_bound.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/vfs.h>
#endif

/* Large enough that the writes walk through it like a WAL that is reused
 * after each checkpoint, small enough to write in full at set-up. */
#define PROBE_FILE_BYTES (1024 * 1024)
/* About one small commit: two WAL frames (4 KiB pages and their 24-byte
 * headers), as a 1-ticket claim writes. */
#define PROBE_WRITE_BYTES (2 * (4096 + 24))
#define PROBE_PATH_MAX 600

struct dur_probe {
    int fd;
    char path[PROBE_PATH_MAX];
    off_t off;
    uint64_t seq; /* varies the bytes of every write */
    unsigned char buf[PROBE_WRITE_BYTES];
};

static int write_all(int fd, const unsigned char *b, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

void dur_probe_close(dur_probe *p)
{
    if (p == NULL)
        return;
    if (p->fd >= 0) {
        (void)close(p->fd);
        (void)unlink(p->path);
    }
    free(p);
}

dur_probe *dur_probe_open(const char *dir)
{
    dur_probe *p = calloc(1, sizeof *p);

    if (p == NULL)
        return NULL;
    p->fd = -1;
    if ((size_t)snprintf(p->path, sizeof p->path, "%s/flush-probe", dir) >=
        sizeof p->path)
        goto fail;
    p->fd = open(p->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (p->fd < 0)
        goto fail;
    /* Write every block once and sync: later writes overwrite allocated,
     * written blocks, so fdatasync flushes data, not extent changes. */
    for (off_t off = 0; off < PROBE_FILE_BYTES; off += PROBE_WRITE_BYTES) {
        size_t n = PROBE_FILE_BYTES - (size_t)off < PROBE_WRITE_BYTES
                       ? PROBE_FILE_BYTES - (size_t)off
                       : PROBE_WRITE_BYTES;
        bench_fill(p->buf, n, p->seq++);
        if (write_all(p->fd, p->buf, n, off) != 0)
            goto fail;
    }
    if (fdatasync(p->fd) != 0)
        goto fail;
    return p;
fail:
    dur_probe_close(p);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int dur_probe_run(dur_probe *p, int n, double *median_us, double *p90_us)
{
    double *lat;
    int rc = -1;

    if (n <= 0 || (lat = calloc((size_t)n, sizeof *lat)) == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        double t0;
        if (p->off + PROBE_WRITE_BYTES > PROBE_FILE_BYTES)
            p->off = 0;
        bench_fill(p->buf, sizeof p->buf, p->seq++);
        if (write_all(p->fd, p->buf, sizeof p->buf, p->off) != 0)
            goto out;
        p->off += PROBE_WRITE_BYTES;
        /* Only the flush is F: the write is CPU, as a commit's is. */
        t0 = bench_now();
        if (fdatasync(p->fd) != 0)
            goto out;
        lat[i] = (bench_now() - t0) * 1e6;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    *median_us = n % 2 ? lat[n / 2] : (lat[n / 2 - 1] + lat[n / 2]) / 2;
    *p90_us = lat[(9 * n + 9) / 10 - 1]; /* nearest rank: ceil(0.9 n) */
    rc = 0;
out:
    free(lat);
    return rc;
}

int dur_dir_in_memory(const char *dir)
{
#ifdef __linux__
    /* f_type values from linux/magic.h */
    const unsigned long tmpfs = 0x01021994UL, ramfs = 0x858458f6UL;
    struct statfs sf;

    if (statfs(dir, &sf) != 0)
        return -1;
    return (unsigned long)sf.f_type == tmpfs ||
           (unsigned long)sf.f_type == ramfs;
#else
    (void)dir;
    return -1;
#endif
}

void dur_bound_add(bench_run *run, size_t per_pay, unsigned t,
                   const double *mem_rate, const double *f_us, int reps)
{
    double c[BENCH_MAX_REPS], bound[BENCH_MAX_REPS];
    char name[BENCH_NAME_MAX];

    if (reps <= 0 || reps > BENCH_MAX_REPS)
        return;
    for (int i = 0; i < reps; i++) {
        c[i] = 1e6 * (double)t / mem_rate[i];
        bound[i] = c[i] / (c[i] + f_us[i]);
    }
    snprintf(name, sizeof name, "durable_c_us_p%zu_t%u", per_pay, t);
    bench_add(run, name, "us/pay", c, reps);
    snprintf(name, sizeof name, "durable_bound_p%zu_t%u", per_pay, t);
    bench_add(run, name, "ratio", bound, reps);
    if (bench_find(run, name) != NULL)
        bench_set_ratio(run, name, bench_find(run, name)->median);
}

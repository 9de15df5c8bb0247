/* SPDX-License-Identifier: MIT */
/* What the header of a run records: machine, compiler, flags, versions. */
#include "bench.h"

#include "ticket/common.h"

#include <gmp.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifdef TICKET_BENCH_CONFIG_H
#include "bench_config.h" /* generated: versions and flags of this build */
#endif
#ifndef TICKET_SECP256K1_VERSION
#define TICKET_SECP256K1_VERSION "unknown"
#endif
#ifndef TICKET_BENCH_COMPILER
#define TICKET_BENCH_COMPILER "unknown"
#endif
#ifndef TICKET_BENCH_FLAGS
#define TICKET_BENCH_FLAGS ""
#endif
#ifndef TICKET_BENCH_BUILD_TYPE
#define TICKET_BENCH_BUILD_TYPE ""
#endif

static void cpu_model(char *out, size_t cap)
{
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");

    snprintf(out, cap, "unknown");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || colon == NULL)
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(out, cap, "%s", colon);
        break;
    }
    fclose(f);
}

void bench_loadavg(double load[3])
{
    if (getloadavg(load, 3) != 3)
        load[0] = load[1] = load[2] = -1;
}

void bench_sysinfo_collect(bench_sysinfo *si)
{
    struct utsname u;
    time_t now = time(NULL);
    struct tm tm;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    memset(si, 0, sizeof *si);
    cpu_model(si->cpu, sizeof si->cpu);
    si->cores = cores > 0 ? (unsigned)cores : 1;
    if (uname(&u) == 0)
        snprintf(si->kernel, sizeof si->kernel, "%s %s %s", u.sysname,
                 u.release, u.machine);
    snprintf(si->compiler, sizeof si->compiler, "%s", TICKET_BENCH_COMPILER);
    snprintf(si->flags, sizeof si->flags, "%s", TICKET_BENCH_FLAGS);
    snprintf(si->build_type, sizeof si->build_type, "%s",
             TICKET_BENCH_BUILD_TYPE);
    snprintf(si->libticket, sizeof si->libticket, "%s", tk_version());
    snprintf(si->secp256k1, sizeof si->secp256k1, "%s",
             TICKET_SECP256K1_VERSION);
    snprintf(si->gmp, sizeof si->gmp, "%s", gmp_version);
    snprintf(si->openssl, sizeof si->openssl, "%s",
             OpenSSL_version(OPENSSL_VERSION));
    snprintf(si->keccak_impl, sizeof si->keccak_impl, "%s",
             bench_keccak_impl());
    if (gmtime_r(&now, &tm) != NULL)
        strftime(si->date, sizeof si->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bench_loadavg(si->load_start);
    si->load_end[0] = si->load_end[1] = si->load_end[2] = -1;
}

/* SPDX-License-Identifier: MIT */
/* The PostgreSQL side of the durable section (durable.c): one connection
 * (tk_store_pg) and one tk_recipient (same secret and config) per receiver
 * thread, as the nodes of a fleet share a database: the store judges the
 * replays across them, and the server groups the commits of concurrent
 * connections itself. Before every run the tables are emptied on a
 * connection of the section's own (a store that kept the nonces of the
 * previous run would call them replays). Compiled in when the build has
 * the PostgreSQL store (TK_BENCH_PG); it runs when TK_PG_CONNINFO is set. */
#include "durable_pg.h"

#include <stdlib.h>
#include <string.h>

#ifdef TK_BENCH_PG

#include "ticket/store_pg.h"

#include <libpq-fe.h>

struct bench_pg {
    char *conninfo;
    PGconn *admin; /* empties the tables between runs */
    tk_store_pg *store[BENCH_PG_MAX];
};

bench_pg *bench_pg_open(const tk_ctx *ctx)
{
    const char *ci = getenv("TK_PG_CONNINFO");
    bench_pg *pg;
    tk_store_pg *first = NULL;

    if (ci == NULL || ci[0] == '\0')
        return NULL;
    pg = calloc(1, sizeof *pg);
    if (pg == NULL || (pg->conninfo = strdup(ci)) == NULL)
        goto fail;
    /* The first store creates the tables (or checks their version). */
    if (tk_store_pg_create(ctx, &first, ci, NULL) != TK_OK)
        goto fail;
    tk_store_pg_destroy(first);
    pg->admin = PQconnectdb(ci);
    if (PQstatus(pg->admin) != CONNECTION_OK)
        goto fail;
    return pg;
fail:
    bench_pg_close(pg);
    return NULL;
}

void bench_pg_close(bench_pg *pg)
{
    if (pg == NULL)
        return;
    PQfinish(pg->admin); /* NULL is a no-op */
    free(pg->conninfo);
    free(pg);
}

static int reset_tables(bench_pg *pg)
{
    PGresult *res = PQexec(pg->admin,
                           "TRUNCATE tk_winners, tk_seen_nonces");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok ? 0 : -1;
}

int bench_pg_recipients(bench_pg *pg, const tk_ctx *ctx,
                        const tk_recipient_config *cfg, const uint8_t *secret,
                        const tk_chain *chain, unsigned t, tk_recipient **r)
{
    tk_store iface;

    if (t > BENCH_PG_MAX || reset_tables(pg) != 0)
        return -1;
    for (unsigned i = 0; i < t; i++) {
        if (tk_store_pg_create(ctx, &pg->store[i], pg->conninfo, NULL) !=
                TK_OK ||
            tk_store_pg_iface(pg->store[i], &iface) != TK_OK ||
            tk_recipient_create(ctx, &r[i], cfg, secret, chain, &iface) !=
                TK_OK) {
            bench_pg_release(pg, t, r);
            return -1;
        }
    }
    return 0;
}

void bench_pg_release(bench_pg *pg, unsigned t, tk_recipient **r)
{
    for (unsigned i = 0; i < t && i < BENCH_PG_MAX; i++) {
        tk_recipient_destroy(r[i]);
        r[i] = NULL;
        tk_store_pg_destroy(pg->store[i]);
        pg->store[i] = NULL;
    }
}

#else /* no PostgreSQL store in this build */

bench_pg *bench_pg_open(const tk_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

void bench_pg_close(bench_pg *pg)
{
    (void)pg;
}

int bench_pg_recipients(bench_pg *pg, const tk_ctx *ctx,
                        const tk_recipient_config *cfg, const uint8_t *secret,
                        const tk_chain *chain, unsigned t, tk_recipient **r)
{
    (void)pg;
    (void)ctx;
    (void)cfg;
    (void)secret;
    (void)chain;
    (void)t;
    (void)r;
    return -1;
}

void bench_pg_release(bench_pg *pg, unsigned t, tk_recipient **r)
{
    (void)pg;
    (void)t;
    (void)r;
}

#endif

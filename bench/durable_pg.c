/* SPDX-License-Identifier: MIT */
/* The PostgreSQL side of the durable section (durable.c): one store object
 * (one connection) and one tk_recipient shared by the receiver threads, as
 * with SQLite: the store groups the claims the threads make at once into
 * one transaction (src/store_pg/pg_claim.c). Before every run the tables
 * are emptied on a connection of the section's own (a store that kept the
 * nonces of the previous run would call them replays). Compiled in when
 * the build has the PostgreSQL store (TK_BENCH_PG); it runs when
 * TK_PG_CONNINFO is set. */
#include "durable_pg.h"

#include <stdlib.h>
#include <string.h>

#ifdef TK_BENCH_PG

#include "ticket/store_pg.h"

#include <libpq-fe.h>

struct bench_pg {
    char *conninfo;
    PGconn *admin; /* empties the tables between runs */
    tk_store_pg *store; /* of the run in progress */
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

tk_recipient *bench_pg_recipient(bench_pg *pg, const tk_ctx *ctx,
                                 const tk_recipient_config *cfg,
                                 const uint8_t *secret, const tk_chain *chain)
{
    tk_recipient *r = NULL;
    tk_store iface;

    if (reset_tables(pg) != 0 ||
        tk_store_pg_create(ctx, &pg->store, pg->conninfo, NULL) != TK_OK ||
        tk_store_pg_iface(pg->store, &iface) != TK_OK ||
        tk_recipient_create(ctx, &r, cfg, secret, chain, &iface) != TK_OK) {
        bench_pg_release(pg, r);
        return NULL;
    }
    return r;
}

void bench_pg_release(bench_pg *pg, tk_recipient *r)
{
    tk_recipient_destroy(r);
    tk_store_pg_destroy(pg->store);
    pg->store = NULL;
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

tk_recipient *bench_pg_recipient(bench_pg *pg, const tk_ctx *ctx,
                                 const tk_recipient_config *cfg,
                                 const uint8_t *secret, const tk_chain *chain)
{
    (void)pg;
    (void)ctx;
    (void)cfg;
    (void)secret;
    (void)chain;
    return NULL;
}

void bench_pg_release(bench_pg *pg, tk_recipient *r)
{
    (void)pg;
    (void)r;
}

#endif

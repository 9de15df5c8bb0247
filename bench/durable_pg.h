/* SPDX-License-Identifier: MIT */
#ifndef TK_BENCH_DURABLE_PG_H
#define TK_BENCH_DURABLE_PG_H

/* The PostgreSQL store in the durable section (durable_pg.c). */

#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/recipient.h"

#define BENCH_PG_MAX 8 /* receiver threads */

typedef struct bench_pg bench_pg;

/* Connect to $TK_PG_CONNINFO (creating the tables). NULL when it is not
 * set, the build has no PostgreSQL store, or the server cannot be used. */
bench_pg *bench_pg_open(const tk_ctx *ctx);
void bench_pg_close(bench_pg *pg);

/* Empty the tables, then t recipients r[0..t), each over a connection of
 * its own. Returns 0 on success; on failure nothing is left open. */
int bench_pg_recipients(bench_pg *pg, const tk_ctx *ctx,
                        const tk_recipient_config *cfg, const uint8_t *secret,
                        const tk_chain *chain, unsigned t, tk_recipient **r);
/* Destroy the t recipients and their connections. */
void bench_pg_release(bench_pg *pg, unsigned t, tk_recipient **r);

#endif

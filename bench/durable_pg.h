/* SPDX-License-Identifier: MIT */
#ifndef TK_BENCH_DURABLE_PG_H
#define TK_BENCH_DURABLE_PG_H

/* The PostgreSQL store in the durable section (durable_pg.c). */

#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/recipient.h"

typedef struct bench_pg bench_pg;

/* Connect to $TK_PG_CONNINFO (creating the tables). NULL when it is not
 * set, the build has no PostgreSQL store, or the server cannot be used. */
bench_pg *bench_pg_open(const tk_ctx *ctx);
void bench_pg_close(bench_pg *pg);

/* Empty the tables, then one recipient over one new store object (one
 * connection), which the receiver threads share as they share the SQLite
 * store. Returns the recipient, or NULL (nothing left open). */
tk_recipient *bench_pg_recipient(bench_pg *pg, const tk_ctx *ctx,
                                 const tk_recipient_config *cfg,
                                 const uint8_t *secret, const tk_chain *chain);
/* Destroy the recipient and its store. */
void bench_pg_release(bench_pg *pg, tk_recipient *r);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_FLEET_STORE_SEL_H
#define TK_TEST_FLEET_STORE_SEL_H

/* Which database the multi-process fleet test runs on: TK_FLEET_STORE=sqlite
 * (default: dir/fleet.db) or pg (a fresh schema in the database of
 * $TK_PG_CONNINFO, see tools/pg/tkpg.py). The parent prepares it before
 * forking; every node process opens its own connection. */

#include "ticket/context.h"
#include "ticket/store.h"

#include <sqlite3.h>

/* Parent, before any node starts: create the empty store (exits 77 when
 * pg is asked for and no PostgreSQL is configured). */
void fleet_store_prepare(const char *dir);
/* Parent, at the very end: drop what prepare created outside dir. */
void fleet_store_cleanup(void);

/* A node: its own connection to the store. *h is for fleet_store_close. */
tk_status fleet_store_open(const char *dir, const tk_ctx *ctx, tk_store *st,
                           void **h);
void fleet_store_close(void *h);

/* The nodes' redeemer lease: FLEET_LEASE_MS, twice that on
 * PostgreSQL (fleet_store_sel.c says why). */
uint32_t fleet_store_lease_ms(void);

/* Parent: a read-only SQLite view of the store as of now, with the SQLite
 * store's tables winners (ticket_hash, sender, face_value, state,
 * attempts), pending_redemptions (ticket_hash, sender, face_value) and
 * redeemer_lease (holder, token). On SQLite the file itself (each query
 * sees the latest commit); on PostgreSQL a copy made in one REPEATABLE
 * READ transaction (take a new view to see later changes). */
sqlite3 *fleet_store_view(const char *dir);

#endif

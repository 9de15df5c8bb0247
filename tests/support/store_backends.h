/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_STORE_BACKENDS_H
#define TK_TEST_STORE_BACKENDS_H

/* The table of tk_store implementations the conformance suite runs
 * against, unchanged: memory, SQLite (a file in a temporary directory)
 * and PostgreSQL (a fresh schema in the database of $TK_PG_CONNINFO, see
 * tools/pg/tkpg.py). A "location" is one empty store; open() gives one
 * more connection to it (the memory store: the same object again). */

#include "test_support.h"

#include "ticket/store.h"
#include "ticket/store_pg.h"

#include <libpq-fe.h>

typedef struct tk_test_backend {
    const char *name;
    int durable;       /* a closed and reopened store keeps its data */
    int multi_process; /* processes may open the location together */
    /* A new empty location (malloc'd; NULL: fail the test). */
    void *(*setup)(void);
    void (*teardown)(void *loc);
    /* One more connection to loc; h is passed to close(). */
    tk_status (*open)(void *loc, void **h, tk_store *st);
    void (*close)(void *h);
} tk_test_backend;

/* The backend called name ("mem", "sqlite", "pg"), or NULL. */
const tk_test_backend *tk_test_backend_find(const char *name);

/* $TK_PG_CONNINFO, or NULL when it is not set. */
const char *tk_test_pg_conninfo(void);

/* A fresh schema in the PostgreSQL test database and a conninfo that puts
 * it first on search_path (malloc'd); tk_test_pg_schema_drop removes it. */
char *tk_test_pg_schema_new(void);
void tk_test_pg_schema_drop(const char *conninfo);

/* Run one SQL command (tests only): 0 on success. */
int tk_test_pg_exec(const char *conninfo, const char *sql);

/* On an open session of the test's own: run q, failing the test unless it
 * succeeds; tk_test_pg_int: the single integer q returns. */
void tk_test_pg_ok(PGconn *c, const char *q);
long long tk_test_pg_int(PGconn *c, const char *q);

/* A PostgreSQL store test's fixture: a fresh schema, one tk_store_pg on it
 * (the schema's conninfo plus the connection options `extra`; its
 * lock_timeout_ms, 0 for the default) and the test's own session on the
 * schema (admin). Failures fail the test. */
typedef struct tk_test_pg_fx {
    tk_ctx *ctx;
    char *conninfo; /* the fresh schema's */
    PGconn *admin;
    tk_store_pg *pg;
    tk_store st;
} tk_test_pg_fx;
void tk_test_pg_fx_open(tk_test_pg_fx *fx, const char *extra, int lock_timeout_ms);
/* Close the store and the session, drop the schema. */
void tk_test_pg_fx_close(tk_test_pg_fx *fx);

/* Ask the tkpg.py harness to "stop" or "start" the server
 * ($TK_PG_CONTROL); 0 once it has. */
int tk_test_pg_control(const char *cmd);

/* Exit 77 (skipped) when no PostgreSQL test database is configured,
 * unless TK_REQUIRE_PG=1 (then fail). */
void tk_test_pg_require(void);

#endif

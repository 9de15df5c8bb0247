/* SPDX-License-Identifier: MIT */
/* The multi-process fleet test's store: SQLite file or PostgreSQL schema
 * (fleet_store_sel.h). */
#include "fleet_procs.h"
#include "fleet_store_sel.h"
#include "store_backends.h"
#include "test_support.h"

#include "ticket/store_pg.h"
#include "ticket/store_sqlite.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NULL: SQLite. Set by the parent before it forks: the nodes inherit it. */
static char *pg_conninfo;

void fleet_store_prepare(const char *dir)
{
    const char *kind = getenv("TK_FLEET_STORE");
    tk_store_sqlite *s = NULL;
    tk_store_pg *pg = NULL;
    tk_ctx *ctx = NULL;
    char path[300];

    if (kind != NULL && strcmp(kind, "pg") == 0) {
        tk_test_pg_require();
        pg_conninfo = tk_test_pg_schema_new();
        assert_non_null(pg_conninfo);
        assert_int_equal(tk_ctx_create(&ctx), TK_OK);
        assert_int_equal(tk_store_pg_create(ctx, &pg, pg_conninfo, NULL), TK_OK);
        tk_store_pg_destroy(pg);
        tk_ctx_destroy(ctx);
        printf("fleet store: PostgreSQL\n");
        return;
    }
    assert_true(kind == NULL || strcmp(kind, "sqlite") == 0);
    snprintf(path, sizeof path, "%s/fleet.db", dir);
    assert_int_equal(tk_store_sqlite_create(&s, path, NULL), TK_OK);
    tk_store_sqlite_destroy(s);
}

void fleet_store_cleanup(void)
{
    if (pg_conninfo == NULL)
        return;
    tk_test_pg_schema_drop(pg_conninfo);
    free(pg_conninfo);
    pg_conninfo = NULL;
}

/* A node's store: one of the two is set. */
typedef struct handle {
    tk_store_sqlite *sqlite;
    tk_store_pg *pg;
} handle;

tk_status fleet_store_open(const char *dir, const tk_ctx *ctx, tk_store *st,
                           void **h)
{
    handle *hd = calloc(1, sizeof *hd);
    char path[300];
    tk_status rc;

    *h = hd;
    if (hd == NULL)
        return TK_ERR_NOMEM;
    if (pg_conninfo != NULL) {
        rc = tk_store_pg_create(ctx, &hd->pg, pg_conninfo, NULL);
        return rc == TK_OK ? tk_store_pg_iface(hd->pg, st) : rc;
    }
    snprintf(path, sizeof path, "%s/fleet.db", dir);
    rc = tk_store_sqlite_create(&hd->sqlite, path, NULL);
    return rc == TK_OK ? tk_store_sqlite_iface(hd->sqlite, st) : rc;
}

void fleet_store_close(void *h)
{
    handle *hd = h;
    if (hd == NULL)
        return;
    tk_store_sqlite_destroy(hd->sqlite);
    tk_store_pg_destroy(hd->pg);
    free(hd);
}

/* Every on_block must end well inside the lease (docs/fleet.md). On
 * PostgreSQL every store write is a round trip and a commit: the first
 * on_block after the phase-1 params expire settles about a hundred winners
 * and took 3.4 s on a loaded 2-core machine, past a 3 s lease - before the
 * redeemer renewed its lease while it reconciles, two holders overlapped
 * then. Twice the lease leaves room for sanitizer builds. */
uint32_t fleet_store_lease_ms(void)
{
    return pg_conninfo != NULL ? 2 * FLEET_LEASE_MS : FLEET_LEASE_MS;
}

/* ---- the parent's view ------------------------------------------------------*/

/* Type OIDs of the binary results copied (catalog/pg_type.h). */
#define BYTEA_OID 17
#define INT8_OID 20
#define TEXT_OID 25

/* Copy the rows of a PostgreSQL query into a SQLite insert. */
static void copy_rows(PGconn *c, const char *select, sqlite3 *db,
                      const char *insert)
{
    PGresult *r = PQexecParams(c, select, 0, NULL, NULL, NULL, NULL, 1);
    sqlite3_stmt *q = NULL;

    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "pg: %s: %s", select, PQerrorMessage(c));
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(sqlite3_prepare_v2(db, insert, -1, &q, NULL), SQLITE_OK);
    for (int i = 0; i < PQntuples(r); i++) {
        for (int k = 0; k < PQnfields(r); k++) {
            const char *v = PQgetvalue(r, i, k);
            int len = PQgetlength(r, i, k);
            int64_t n = 0;
            if (PQftype(r, k) == INT8_OID) {
                assert_int_equal(len, 8);
                for (int b = 0; b < 8; b++)
                    n = (int64_t)((uint64_t)n << 8 | (uint8_t)v[b]);
                sqlite3_bind_int64(q, k + 1, n);
            } else if (PQftype(r, k) == TEXT_OID) {
                sqlite3_bind_text(q, k + 1, v, len, SQLITE_TRANSIENT);
            } else {
                assert_int_equal(PQftype(r, k), BYTEA_OID);
                sqlite3_bind_blob(q, k + 1, v, len, SQLITE_TRANSIENT);
            }
        }
        assert_int_equal(sqlite3_step(q), SQLITE_DONE);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    PQclear(r);
}

static void pg_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
}

sqlite3 *fleet_store_view(const char *dir)
{
    sqlite3 *db = NULL;
    char path[300];
    PGconn *c;

    if (pg_conninfo == NULL) {
        snprintf(path, sizeof path, "%s/fleet.db", dir);
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        sqlite3_busy_timeout(db, 20000);
        return db;
    }
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE winners (ticket_hash BLOB PRIMARY KEY, sender BLOB,"
        " face_value BLOB, state INTEGER, attempts INTEGER);"
        "CREATE TABLE pending_redemptions (ticket_hash BLOB PRIMARY KEY,"
        " sender BLOB, face_value BLOB);"
        "CREATE TABLE redeemer_lease (holder TEXT, token INTEGER);",
        NULL, NULL, NULL), SQLITE_OK);
    c = PQconnectdb(pg_conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    /* One snapshot for all three tables, like one SQLite read transaction. */
    pg_ok(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    copy_rows(c, "SELECT ticket_hash, sender, face_value, state, attempts"
                 " FROM tk_winners", db, "INSERT INTO winners VALUES (?1, ?2, ?3, ?4, ?5)");
    copy_rows(c, "SELECT ticket_hash, sender, face_value FROM tk_pending_redemptions",
              db, "INSERT INTO pending_redemptions VALUES (?1, ?2, ?3)");
    copy_rows(c, "SELECT convert_from(holder, 'UTF8'), token FROM tk_redeemer_lease",
              db, "INSERT INTO redeemer_lease VALUES (?1, ?2)");
    pg_ok(c, "COMMIT");
    PQfinish(c);
    return db;
}

/* SPDX-License-Identifier: MIT */
/* The PostgreSQL store's schema: a version table (tk_schema: one row with
 * the application name and the version) and one migration step per
 * version, applied in one transaction under an advisory lock, so that
 * nodes opening a fresh database together create it once. Big integers
 * are 32-byte big-endian bytea (bytea compares like memcmp, which for
 * equal-length big-endian values is numeric order). */
#include "store_pg/pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key of schema changes: "TKST". */
#define TK_PG_SCHEMA_LOCK 0x544b5354
#define TK_PG_APPLICATION "libticket"

static const char schema_table[] =
    "CREATE TABLE tk_schema ("
    " id int4 PRIMARY KEY CHECK (id = 0),"
    " application text NOT NULL,"
    " version int4 NOT NULL CHECK (version >= 1))";

/* Version 1: the same tables as the SQLite store at its version 4. */
static const char schema_v1[] =
    "CREATE TABLE tk_winners ("
    " ticket_hash bytea PRIMARY KEY CHECK (octet_length(ticket_hash) = 32),"
    " recipient bytea NOT NULL CHECK (octet_length(recipient) = 20),"
    " sender bytea NOT NULL CHECK (octet_length(sender) = 20),"
    " face_value bytea NOT NULL CHECK (octet_length(face_value) = 32),"
    " win_prob bytea NOT NULL CHECK (octet_length(win_prob) = 32),"
    " sender_nonce int8 NOT NULL"
    "   CHECK (sender_nonce BETWEEN 0 AND 4294967295),"
    " recipient_rand_hash bytea NOT NULL"
    "   CHECK (octet_length(recipient_rand_hash) = 32),"
    " creation_round int8 NOT NULL CHECK (creation_round >= 0),"
    " creation_round_block_hash bytea NOT NULL"
    "   CHECK (octet_length(creation_round_block_hash) = 32),"
    " sig bytea NOT NULL CHECK (octet_length(sig) = 65),"
    " recipient_rand bytea NOT NULL CHECK (octet_length(recipient_rand) = 32),"
    " expiration_block bytea NOT NULL"
    "   CHECK (octet_length(expiration_block) = 32),"
    " state int8 NOT NULL CHECK (state BETWEEN 0 AND 5),"
    " tx_hash bytea CHECK (tx_hash IS NULL OR octet_length(tx_hash) = 32),"
    " attempts int8 NOT NULL DEFAULT 0"
    "   CHECK (attempts BETWEEN 0 AND 4294967295));"
    "CREATE INDEX tk_winners_by_sender"
    " ON tk_winners (sender, creation_round, ticket_hash);"
    "CREATE INDEX tk_winners_by_state"
    " ON tk_winners (state, creation_round, ticket_hash);"
    "CREATE TABLE tk_seen_nonces ("
    " rand_hash bytea NOT NULL CHECK (octet_length(rand_hash) = 32),"
    " nonce int8 NOT NULL CHECK (nonce BETWEEN 0 AND 4294967295),"
    " expiration_block bytea NOT NULL"
    "   CHECK (octet_length(expiration_block) = 32),"
    " PRIMARY KEY (rand_hash, nonce));"
    "CREATE INDEX tk_seen_nonces_by_expiry"
    " ON tk_seen_nonces (expiration_block);"
    "CREATE TABLE tk_request_seqs ("
    " sender bytea NOT NULL CHECK (octet_length(sender) = 20),"
    " manifest_id bytea NOT NULL CHECK (octet_length(manifest_id) <= 256),"
    " seq int8 NOT NULL CHECK (seq >= 0),"
    " PRIMARY KEY (sender, manifest_id));"
    "CREATE TABLE tk_block_mark ("
    " id int4 PRIMARY KEY CHECK (id = 0),"
    " block int8 NOT NULL CHECK (block >= 0));"
    "INSERT INTO tk_block_mark (id, block) VALUES (0, 0);";

/* Version 2: what a fleet shares besides winners and nonces (store.h:
 * pending_*, lease_*; pg_fleet.c). The lease row is created by its first
 * acquisition; holder ids are bytes (a C string, any encoding). */
static const char schema_v2[] =
    "CREATE TABLE tk_pending_redemptions ("
    " ticket_hash bytea PRIMARY KEY CHECK (octet_length(ticket_hash) = 32),"
    " sender bytea NOT NULL CHECK (octet_length(sender) = 20),"
    " face_value bytea NOT NULL CHECK (octet_length(face_value) = 32));"
    "CREATE INDEX tk_pending_by_sender ON tk_pending_redemptions (sender);"
    "CREATE TABLE tk_redeemer_lease ("
    " id int4 PRIMARY KEY CHECK (id = 0),"
    " holder bytea NOT NULL"
    "   CHECK (octet_length(holder) BETWEEN 1 AND 64),"
    " renewed_at timestamptz NOT NULL,"
    " expires_at timestamptz NOT NULL,"
    " token int8 NOT NULL CHECK (token >= 1));";

static const char *const steps[TK_STORE_PG_SCHEMA_VERSION] = {schema_v1,
                                                              schema_v2};

/* One text row of a query: NULL on failure (*st set). */
static PGresult *query(tk_store_pg *s, const char *sql, tk_status *st)
{
    PGresult *r = PQexec(s->conn, sql);

    if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK) {
        *st = tk__pg_status(s, r);
        PQclear(r);
        return NULL;
    }
    *st = TK_OK;
    return r;
}

/* A query run for its effect (e.g. taking a lock). */
static tk_status query_ok(tk_store_pg *s, const char *sql)
{
    tk_status st;
    PGresult *r = query(s, sql, &st);
    PQclear(r);
    return st;
}

/* How many of our table names the search path resolves. */
static tk_status our_tables(tk_store_pg *s, int *n)
{
    tk_status st;
    PGresult *r = query(s,
        "SELECT count(*) FROM (VALUES ('tk_winners'), ('tk_seen_nonces'),"
        " ('tk_request_seqs'), ('tk_block_mark'), ('tk_pending_redemptions'),"
        " ('tk_redeemer_lease')) AS t (name)"
        " WHERE to_regclass(name) IS NOT NULL", &st);

    *n = 0;
    if (r == NULL)
        return st;
    if (PQntuples(r) == 1)
        *n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return TK_OK;
}

/* What the database holds: fresh (0), ours at *version, or an error. */
static tk_status classify(tk_store_pg *s, int *version)
{
    tk_status st;
    PGresult *r;
    int tables = 0;

    *version = 0;
    r = query(s, "SELECT to_regclass('tk_schema') IS NOT NULL", &st);
    if (r == NULL)
        return st;
    if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        PQclear(r);
        /* No version table: fresh, unless our table names are taken. */
        if ((st = our_tables(s, &tables)) != TK_OK)
            return st;
        return tables == 0 ? TK_OK : TK_ERR_STORE_CORRUPT;
    }
    PQclear(r);
    r = query(s, "SELECT application, version FROM tk_schema WHERE id = 0",
              &st);
    if (r == NULL)
        return st;
    if (PQntuples(r) != 1 ||
        strcmp(PQgetvalue(r, 0, 0), TK_PG_APPLICATION) != 0)
        st = TK_ERR_STORE_CORRUPT; /* another application's table */
    else
        *version = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (st == TK_OK && *version < 1)
        st = TK_ERR_STORE_CORRUPT;
    if (st == TK_OK && *version > TK_STORE_PG_SCHEMA_VERSION)
        st = TK_ERR_STORE_VERSION;
    return st;
}

/* The tables the current version needs are there. */
static tk_status our_tables_all(tk_store_pg *s)
{
    int n = 0;
    tk_status st = our_tables(s, &n);
    return st != TK_OK ? st : (n == 6 ? TK_OK : TK_ERR_STORE_CORRUPT);
}

static tk_status migrate(tk_store_pg *s, int from)
{
    char sql[160];
    tk_status st = TK_OK;

    if (from == 0)
        st = tk__pg_simple(s, schema_table);
    for (int v = from; st == TK_OK && v < TK_STORE_PG_SCHEMA_VERSION; v++)
        st = tk__pg_simple(s, steps[v]);
    if (st != TK_OK)
        return st;
    snprintf(sql, sizeof sql,
             "INSERT INTO tk_schema (id, application, version)"
             " VALUES (0, '%s', %d) ON CONFLICT (id) DO UPDATE"
             " SET version = excluded.version",
             TK_PG_APPLICATION, TK_STORE_PG_SCHEMA_VERSION);
    return tk__pg_simple(s, sql);
}

tk_status tk__pg_prepare_schema(tk_store_pg *s, int *version)
{
    char lock[80];
    tk_status st;

    *version = 0;
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%d)",
             TK_PG_SCHEMA_LOCK);
    if ((st = tk__pg_simple(s, TK_PG_BEGIN)) != TK_OK)
        return st;
    st = query_ok(s, lock);
    if (st == TK_OK)
        st = classify(s, version);
    if (st == TK_OK && *version == 0 && s->existing_only)
        st = TK_ERR_NOT_FOUND;
    if (st == TK_OK && *version < TK_STORE_PG_SCHEMA_VERSION &&
        s->existing_only)
        st = TK_ERR_STORE_VERSION; /* migrating would change it */
    if (st == TK_OK && *version < TK_STORE_PG_SCHEMA_VERSION) {
        st = migrate(s, *version);
        if (st == TK_OK)
            *version = TK_STORE_PG_SCHEMA_VERSION;
    }
    if (st == TK_OK && (st = our_tables_all(s)) != TK_OK)
        *version = 0;
    return tk__pg_finish(s, st);
}

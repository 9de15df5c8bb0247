/* SPDX-License-Identifier: MIT */
/* The SQLite store's schema: one migration step per version, applied in a
 * single transaction when a file is created or opened by a newer library.
 * Big integers are 32-byte big-endian blobs (SQLite compares blobs with
 * memcmp, which for equal-length big-endian values is numeric order). */
#include "store/sqlite_internal.h"

#include <stdio.h>
#include <string.h>

/* Version 1: the winners. */
static const char schema_v1[] =
    "CREATE TABLE winners ("
    " ticket_hash BLOB NOT NULL PRIMARY KEY CHECK (length(ticket_hash) = 32),"
    " recipient BLOB NOT NULL CHECK (length(recipient) = 20),"
    " sender BLOB NOT NULL CHECK (length(sender) = 20),"
    " face_value BLOB NOT NULL CHECK (length(face_value) = 32),"
    " win_prob BLOB NOT NULL CHECK (length(win_prob) = 32),"
    " sender_nonce INTEGER NOT NULL"
    "   CHECK (sender_nonce BETWEEN 0 AND 4294967295),"
    " recipient_rand_hash BLOB NOT NULL"
    "   CHECK (length(recipient_rand_hash) = 32),"
    " creation_round INTEGER NOT NULL CHECK (creation_round >= 0),"
    " creation_round_block_hash BLOB NOT NULL"
    "   CHECK (length(creation_round_block_hash) = 32),"
    " sig BLOB NOT NULL CHECK (length(sig) = 65),"
    " recipient_rand BLOB NOT NULL CHECK (length(recipient_rand) = 32),"
    " expiration_block BLOB NOT NULL CHECK (length(expiration_block) = 32),"
    " state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 5),"
    " tx_hash BLOB CHECK (tx_hash IS NULL OR length(tx_hash) = 32),"
    " attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0)"
    ") WITHOUT ROWID;"
    "CREATE INDEX winners_by_sender"
    " ON winners (sender, creation_round, ticket_hash);";

/* Version 2: persisted seen nonces; an index for the queue's scans. */
static const char schema_v2[] =
    "CREATE TABLE seen_nonces ("
    " rand_hash BLOB NOT NULL CHECK (length(rand_hash) = 32),"
    " nonce INTEGER NOT NULL CHECK (nonce BETWEEN 0 AND 4294967295),"
    " expiration_block BLOB NOT NULL CHECK (length(expiration_block) = 32),"
    " PRIMARY KEY (rand_hash, nonce)"
    ") WITHOUT ROWID;"
    "CREATE INDEX seen_nonces_by_expiry ON seen_nonces (expiration_block);"
    "CREATE INDEX winners_by_state"
    " ON winners (state, creation_round, ticket_hash);";

/* Version 3: the highest request seq served per (sender, manifest id)
 * (docs/protocol-notes.md section 10). */
static const char schema_v3[] =
    "CREATE TABLE request_seqs ("
    " sender BLOB NOT NULL CHECK (length(sender) = 20),"
    " manifest_id BLOB NOT NULL CHECK (length(manifest_id) <= 256),"
    " seq INTEGER NOT NULL CHECK (seq >= 0),"
    " PRIMARY KEY (sender, manifest_id)"
    ") WITHOUT ROWID;";

/* Version 4: the block mark, the highest L1 block any recipient on the
 * file claimed or pruned at (one row, never lowered). A file migrated from
 * an older version starts at 0: its earlier prunes are not known. */
static const char schema_v4[] =
    "CREATE TABLE block_mark ("
    " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 0),"
    " block INTEGER NOT NULL CHECK (block >= 0));"
    "INSERT INTO block_mark (id, block) VALUES (0, 0);";

/* Version 5: what a fleet of nodes on one file shares besides winners and
 * nonces (docs/fleet.md): the redemptions in flight, one row per winner,
 * and the redeemer lease (one row; holder '' = never held). */
static const char schema_v5[] =
    "CREATE TABLE pending_redemptions ("
    " ticket_hash BLOB NOT NULL PRIMARY KEY CHECK (length(ticket_hash) = 32),"
    " sender BLOB NOT NULL CHECK (length(sender) = 20),"
    " face_value BLOB NOT NULL CHECK (length(face_value) = 32)"
    ") WITHOUT ROWID;"
    "CREATE INDEX pending_by_sender ON pending_redemptions (sender);"
    "CREATE TABLE redeemer_lease ("
    " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 0),"
    " holder TEXT NOT NULL CHECK (length(holder) <= 64),"
    " expires_ms INTEGER NOT NULL CHECK (expires_ms >= 0),"
    " token INTEGER NOT NULL CHECK (token >= 0));"
    "INSERT INTO redeemer_lease (id, holder, expires_ms, token)"
    " VALUES (0, '', 0, 0);";

/* Version 6: seen nonces as bitmap words, 64 nonces of one rand hash per
 * row (bit k of word w is nonce 64 w + k; bits holds the 64-bit mask as
 * SQLite's signed integer), and one expiration block per rand hash (the
 * latest any write gave it), so a claim of consecutive nonces updates one
 * or two rows of one B-tree instead of a row and an index entry per nonce
 * (docs/PERFORMANCE.md). The rows of v2's table move over: a rand hash
 * keeps its latest expiration; sum() is the bitwise OR here because the
 * nonces of a word are distinct bits (and no partial sum overflows). */
static const char schema_v6[] =
    "CREATE TABLE seen_rand_hashes ("
    " rand_hash BLOB NOT NULL PRIMARY KEY CHECK (length(rand_hash) = 32),"
    " expiration_block BLOB NOT NULL CHECK (length(expiration_block) = 32)"
    ") WITHOUT ROWID;"
    "CREATE INDEX seen_rand_hashes_by_expiry"
    " ON seen_rand_hashes (expiration_block);"
    "CREATE TABLE seen_nonce_words ("
    " rand_hash BLOB NOT NULL CHECK (length(rand_hash) = 32),"
    " word INTEGER NOT NULL CHECK (word BETWEEN 0 AND 67108863),"
    " bits INTEGER NOT NULL CHECK (bits <> 0),"
    " PRIMARY KEY (rand_hash, word)"
    ") WITHOUT ROWID;"
    "INSERT INTO seen_rand_hashes (rand_hash, expiration_block)"
    " SELECT rand_hash, max(expiration_block) FROM seen_nonces"
    " GROUP BY rand_hash;"
    "INSERT INTO seen_nonce_words (rand_hash, word, bits)"
    " SELECT rand_hash, nonce >> 6, sum(1 << (nonce & 63)) FROM seen_nonces"
    " GROUP BY rand_hash, nonce >> 6;"
    "DROP TABLE seen_nonces;";

static const char *const steps[TK_STORE_SQLITE_SCHEMA_VERSION] = {
    schema_v1, schema_v2, schema_v3, schema_v4, schema_v5, schema_v6,
};

tk_status tk__sqlite_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return TK_OK;
    case SQLITE_NOMEM:
        return TK_ERR_NOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return TK_ERR_STORE_CORRUPT;
    case SQLITE_BUSY: /* locked past the busy timeout: nothing applied */
        return TK_ERR_STORE_UNAVAILABLE;
    default:
        return TK_ERR_STORE;
    }
}

tk_status tk__sqlite_migrate(sqlite3 *db, int from, int to)
{
    char pragma[96];
    int rc;

    if (from < 0 || to > TK_STORE_SQLITE_SCHEMA_VERSION || from > to)
        return TK_ERR_INTERNAL;
    for (int v = from; v < to; v++) {
        rc = sqlite3_exec(db, steps[v], NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return tk__sqlite_status(rc);
    }
    snprintf(pragma, sizeof pragma,
             "PRAGMA application_id = %d; PRAGMA user_version = %d;",
             TK_SQLITE_APP_ID, to);
    return tk__sqlite_status(sqlite3_exec(db, pragma, NULL, NULL, NULL));
}

tk_status tk__sqlite_query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

    *out = 0;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            *out = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? TK_OK
                            : (rc == SQLITE_DONE ? TK_ERR_STORE_CORRUPT
                                                 : tk__sqlite_status(rc));
}

/* What the file is: fresh (0), ours at *version, or an error. */
static tk_status classify(sqlite3 *db, int *version)
{
    long long app, ver, objects;
    tk_status st;

    *version = 0;
    if ((st = tk__sqlite_query_int(db, "PRAGMA application_id", &app)) !=
            TK_OK ||
        (st = tk__sqlite_query_int(db, "PRAGMA user_version", &ver)) !=
            TK_OK ||
        (st = tk__sqlite_query_int(db, "SELECT count(*) FROM sqlite_master",
                                   &objects)) != TK_OK)
        return st;
    if (app == 0 && ver == 0 && objects == 0)
        return TK_OK; /* empty: create */
    if (app != TK_SQLITE_APP_ID || ver < 1)
        return TK_ERR_STORE_CORRUPT; /* someone else's database */
    if (ver > TK_STORE_SQLITE_SCHEMA_VERSION)
        return TK_ERR_STORE_VERSION;
    *version = (int)ver;
    return TK_OK;
}

/* classify() in one read transaction: its three reads must see one state
 * of the file. Read one by one, a first open racing another connection
 * that is creating the file could see application_id 0 and then the new
 * tables, and take a fresh store for someone else's database. */
static tk_status classify_snapshot(sqlite3 *db, int *version)
{
    tk_status st;
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);

    *version = 0;
    if (rc != SQLITE_OK)
        return tk__sqlite_status(rc);
    st = classify(db, version);
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if (st == TK_OK)
            st = tk__sqlite_status(rc);
    }
    return st;
}

/* The tables the current version needs are there. */
static tk_status check_tables(sqlite3 *db)
{
    long long n;
    tk_status st = tk__sqlite_query_int(db,
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND"
        " name IN ('winners', 'seen_rand_hashes', 'seen_nonce_words',"
        " 'request_seqs', 'block_mark', 'pending_redemptions',"
        " 'redeemer_lease')", &n);
    if (st != TK_OK)
        return st;
    return n == 7 ? TK_OK : TK_ERR_STORE_CORRUPT;
}

tk_status tk__sqlite_prepare_schema(sqlite3 *db)
{
    int version = 0, rc;
    tk_status st;

    /* Look before touching: a newer or foreign file is left as it is. */
    if ((st = classify_snapshot(db, &version)) != TK_OK)
        return st;
    if (version == TK_STORE_SQLITE_SCHEMA_VERSION)
        return check_tables(db);

    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return tk__sqlite_status(rc);
    /* Another process may have created or migrated it meanwhile. */
    st = classify(db, &version);
    if (st == TK_OK && version < TK_STORE_SQLITE_SCHEMA_VERSION)
        st = tk__sqlite_migrate(db, version, TK_STORE_SQLITE_SCHEMA_VERSION);
    if (st == TK_OK)
        st = check_tables(db);
    if (st == TK_OK) {
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        st = tk__sqlite_status(rc);
    }
    if (st != TK_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

tk_status tk__sqlite_check_schema(sqlite3 *db)
{
    int version = 0;
    tk_status st = classify_snapshot(db, &version);

    if (st != TK_OK)
        return st;
    if (version == 0)
        return TK_ERR_STORE_CORRUPT; /* empty: nothing to read */
    return version == TK_STORE_SQLITE_SCHEMA_VERSION ? check_tables(db) : TK_OK;
}

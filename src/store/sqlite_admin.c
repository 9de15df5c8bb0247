/* SPDX-License-Identifier: MIT */
/* Operator functions of the SQLite store: totals per state (exact, GMP),
 * re-queueing, integrity check, schema version. */
#include "store/sqlite_internal.h"

#include "core/internal.h"

#include <gmp.h>
#include <string.h>

tk_status tk_store_sqlite_totals(tk_store_sqlite *s, tk_store_totals *out,
                                 const tk_address *sender)
{
    mpz_t sum[6], v;
    tk_u256 face;
    sqlite3_stmt *q;
    tk_status st;
    int rc = SQLITE_DONE;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && out != NULL);
    for (int i = 0; i < 6; i++)
        mpz_init(sum[i]);
    mpz_init(v);
    pthread_mutex_lock(&s->mu);
    q = tk__sqlite_stmt(s, TK_SQL_TOTALS, &st);
    if (q != NULL) {
        if (sender != NULL)
            sqlite3_bind_blob(q, 1, sender->bytes, 20, SQLITE_STATIC);
        while (st == TK_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            long long state = sqlite3_column_int64(q, 0);
            if (sqlite3_column_type(q, 0) != SQLITE_INTEGER || state < 0 ||
                state > TK_WINNER_EXPIRED ||
                sqlite3_column_type(q, 1) != SQLITE_BLOB ||
                sqlite3_column_bytes(q, 1) != 32) {
                st = TK_ERR_STORE_CORRUPT;
                break;
            }
            memcpy(face.bytes, sqlite3_column_blob(q, 1), sizeof face.bytes);
            (void)tk_u256_to_mpz(v, &face);
            mpz_add(sum[state], sum[state], v);
            out->state[state].count++;
        }
        if (st == TK_OK && rc != SQLITE_DONE)
            st = tk__sqlite_status(rc);
        sqlite3_reset(q);
    }
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < 6 && st == TK_OK; i++) {
        /* 2^64 sums of values < 2^256 stay below 10^97: always fits. */
        if (mpz_sizeinbase(sum[i], 10) + 2 > TK_STORE_TOTAL_DEC_MAX)
            st = TK_ERR_OVERFLOW;
        else
            mpz_get_str(out->state[i].face_value, 10, sum[i]);
    }
    for (int i = 0; i < 6; i++)
        mpz_clear(sum[i]);
    mpz_clear(v);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

tk_status tk_store_sqlite_requeue(tk_store_sqlite *s, tk_winner_state *state,
                                  const tk_hash *ticket_hash)
{
    tk_store iface;
    tk_winner w;
    sqlite3_stmt *q;
    tk_status st;
    int changed = 0;

    if (state != NULL)
        *state = TK_WINNER_NEW;
    TK_ARG_CHECK_NOCTX(s != NULL && ticket_hash != NULL);
    pthread_mutex_lock(&s->mu);
    q = tk__sqlite_stmt(s, TK_SQL_REQUEUE, &st);
    if (q != NULL) {
        sqlite3_bind_blob(q, 1, ticket_hash->bytes, 32, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        st = rc == SQLITE_DONE ? TK_OK : tk__sqlite_status(rc);
        if (st == TK_OK && rc != SQLITE_DONE)
            st = TK_ERR_STORE;
        changed = st == TK_OK && sqlite3_changes(s->db) > 0;
        sqlite3_reset(q);
    }
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK || changed)
        return st;
    /* Nothing changed: absent, or in a final state. */
    tk_store_sqlite_iface(s, &iface);
    st = iface.get_winner(s, ticket_hash, &w);
    if (st == TK_OK) {
        if (state != NULL)
            *state = w.state;
        st = TK_ERR_STATE;
    }
    memset(&w, 0, sizeof w);
    return st;
}

tk_status tk_store_sqlite_integrity_check(tk_store_sqlite *s, int *ok)
{
    sqlite3_stmt *q = NULL;
    tk_status st;
    int rc;

    if (ok != NULL)
        *ok = 0;
    TK_ARG_CHECK_NOCTX(s != NULL && ok != NULL);
    pthread_mutex_lock(&s->mu);
    rc = sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *r = sqlite3_column_text(q, 0);
        *ok = r != NULL && strcmp((const char *)r, "ok") == 0;
        st = TK_OK;
    } else {
        st = tk__sqlite_status(rc);
        if (st == TK_OK)
            st = TK_ERR_STORE;
        if (st == TK_ERR_STORE_CORRUPT)
            st = TK_OK; /* the answer is "not ok" */
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    return st;
}

tk_status tk_store_sqlite_schema_version(tk_store_sqlite *s, int *version)
{
    sqlite3_stmt *q = NULL;
    tk_status st = TK_ERR_STORE;
    int rc;

    if (version != NULL)
        *version = 0;
    TK_ARG_CHECK_NOCTX(s != NULL && version != NULL);
    pthread_mutex_lock(&s->mu);
    rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        *version = sqlite3_column_int(q, 0);
        st = TK_OK;
    } else if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        st = tk__sqlite_status(rc);
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&s->mu);
    return st;
}

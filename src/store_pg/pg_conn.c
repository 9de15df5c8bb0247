/* SPDX-License-Identifier: MIT */
/* The PostgreSQL store's connection: the statements (prepared per
 * connection on first use), running them with binary parameters and
 * results, reconnecting, and mapping errors to statuses. A broken
 * connection, a server shutting down or refusing connections, and a
 * serialization failure are retryable: TK_ERR_STORE_UNAVAILABLE. */
#include "store_pg/pg_internal.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#define W TK_PG_WINNER_COLUMNS

static const char *const stmt_sql[TK_PG_COUNT] = {
    [TK_PG_PUT_WINNER] =
        "INSERT INTO tk_winners (" W ") VALUES ($1::bytea, $2::bytea,"
        " $3::bytea, $4::bytea, $5::bytea, $6::int8, $7::bytea, $8::int8,"
        " $9::bytea, $10::bytea, $11::bytea, $12::bytea, $13::int8,"
        " $14::bytea, $15::int8) ON CONFLICT (ticket_hash) DO NOTHING",
    [TK_PG_GET_WINNER] =
        "SELECT " W " FROM tk_winners WHERE ticket_hash = $1::bytea",
    [TK_PG_SET_STATE] =
        "UPDATE tk_winners SET state = $2::int8,"
        " tx_hash = coalesce($3::bytea, tx_hash),"
        " attempts = attempts + CASE WHEN $2::int8 = 1 THEN 1 ELSE 0 END"
        " WHERE ticket_hash = $1::bytea",
    [TK_PG_LIST] =
        "SELECT " W " FROM tk_winners"
        " WHERE ($1::bytea IS NULL OR sender = $1::bytea)"
        " AND ((1::int8 << state::int4) & $2::int8) <> 0"
        " ORDER BY creation_round, ticket_hash",
    /* Sorted, so two claims of overlapping nonces lock index entries in
     * the same order (no deadlock); distinct, so duplicates in one call
     * insert once. RETURNING lists exactly the rows this call inserted. */
    [TK_PG_NONCE_ADD] =
        "INSERT INTO tk_seen_nonces (rand_hash, nonce, expiration_block)"
        " SELECT $1::bytea, n, $3::bytea"
        " FROM (SELECT DISTINCT unnest($2::int8[]) AS n) AS u ORDER BY n"
        " ON CONFLICT DO NOTHING RETURNING nonce",
    /* NONCE_ADD for a claim (pg_claim.c), pipelined after MARK_SHARE: it
     * inserts nothing when the mark row is gone (the claim then fails as
     * corrupt, which C can only tell once the transaction committed). */
    [TK_PG_NONCE_CLAIM] =
        "INSERT INTO tk_seen_nonces (rand_hash, nonce, expiration_block)"
        " SELECT $1::bytea, n, $3::bytea"
        " FROM (SELECT DISTINCT unnest($2::int8[]) AS n) AS u"
        " WHERE EXISTS (SELECT 1 FROM tk_block_mark WHERE id = 0) ORDER BY n"
        " ON CONFLICT DO NOTHING RETURNING nonce",
    [TK_PG_NONCE_LOAD] =
        "SELECT rand_hash, nonce, expiration_block FROM tk_seen_nonces",
    [TK_PG_NONCE_PRUNE] =
        "DELETE FROM tk_seen_nonces WHERE expiration_block < $1::bytea",
    /* Takes the mark row's lock only when it raises the mark. */
    [TK_PG_MARK_RAISE_IF_LOWER] =
        "UPDATE tk_block_mark SET block = $1::int8"
        " WHERE id = 0 AND block < $1::int8",
    [TK_PG_MARK_SHARE] =
        "SELECT block FROM tk_block_mark WHERE id = 0 FOR SHARE",
    [TK_PG_MARK_RAISE] =
        "UPDATE tk_block_mark SET block = greatest(block, $1::int8)"
        " WHERE id = 0 RETURNING block",
    /* One statement: the row changes only when the new seq is higher. */
    [TK_PG_SEQ_ADVANCE] =
        "INSERT INTO tk_request_seqs (sender, manifest_id, seq)"
        " VALUES ($1::bytea, $2::bytea, $3::int8)"
        " ON CONFLICT (sender, manifest_id) DO UPDATE SET seq = excluded.seq"
        " WHERE excluded.seq > tk_request_seqs.seq",
    [TK_PG_REQUEUE] =
        "UPDATE tk_winners SET state = 0 WHERE ticket_hash = $1::bytea"
        " AND state IN (0, 1, 3)",
    [TK_PG_GET_STATE] =
        "SELECT state FROM tk_winners WHERE ticket_hash = $1::bytea",
    /* Serializes pending_add per sender (pg_fleet.c); key space "TKPD". */
    [TK_PG_PENDING_LOCK] =
        "SELECT pg_advisory_xact_lock(1414221892, $1::int8::int4)",
    [TK_PG_PENDING_FIND] =
        "SELECT 1 FROM tk_pending_redemptions WHERE ticket_hash = $1::bytea",
    [TK_PG_PENDING_VALUES] =
        "SELECT face_value FROM tk_pending_redemptions WHERE sender = $1::bytea",
    [TK_PG_PENDING_INSERT] =
        "INSERT INTO tk_pending_redemptions (ticket_hash, sender, face_value)"
        " VALUES ($1::bytea, $2::bytea, $3::bytea)"
        " ON CONFLICT (ticket_hash) DO NOTHING",
    [TK_PG_PENDING_DELETE] =
        "DELETE FROM tk_pending_redemptions WHERE ticket_hash = $1::bytea",
    /* One statement on the server's clock: clock_timestamp(), read once
     * into excluded.renewed_at (now() would be the transaction's start).
     * A live lease of another holder matches no row: nothing returned. */
    [TK_PG_LEASE_ACQUIRE] =
        "INSERT INTO tk_redeemer_lease AS l"
        " (id, holder, renewed_at, expires_at, token)"
        " SELECT 0, $1::bytea, c.t, c.t + $2::int8 * interval '1 ms', 1"
        " FROM (SELECT clock_timestamp() AS t) AS c"
        " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder,"
        " renewed_at = excluded.renewed_at, expires_at = excluded.expires_at,"
        " token = CASE WHEN l.holder = excluded.holder"
        "   AND l.expires_at > excluded.renewed_at"
        "   THEN l.token ELSE l.token + 1 END"
        " WHERE l.holder = excluded.holder"
        " OR l.expires_at <= excluded.renewed_at"
        " RETURNING token",
    [TK_PG_LEASE_RELEASE] =
        "UPDATE tk_redeemer_lease SET expires_at = '-infinity'"
        " WHERE id = 0 AND holder = $1::bytea AND expires_at > '-infinity'",
    /* A fenced write's check: FOR SHARE holds the row against an
     * acquisition (which updates it) until the write's transaction ends;
     * one that committed first is seen (READ COMMITTED re-reads the row
     * it waited for) and the check fails. No expiry test: a new tenure
     * always changes the token. */
    [TK_PG_LEASE_FENCE] =
        "SELECT 1 FROM tk_redeemer_lease WHERE id = 0 AND holder = $1::bytea"
        " AND token = $2::int8 FOR SHARE",
};

#undef W

/* ---- parameters --------------------------------------------------------- */

static void param(tk__pg_params *p, const void *v, int len, int format)
{
    if (p->n >= TK_PG_MAX_PARAMS)
        return; /* statements here have fewer; PQ then reports a mismatch */
    p->value[p->n] = v;
    p->length[p->n] = len;
    p->format[p->n] = format;
    p->n++;
}

void tk__pg_param_bytes(tk__pg_params *p, const void *data, size_t len)
{
    /* A non-NULL pointer: an empty bytea is not SQL NULL. */
    param(p, len > 0 ? data : "", (int)len, 1);
}

void tk__pg_param_i64(tk__pg_params *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    if (p->n >= TK_PG_MAX_PARAMS)
        return;
    for (int i = 7; i >= 0; i--, u >>= 8)
        p->num[p->n][i] = (unsigned char)u;
    param(p, p->num[p->n], 8, 1);
}

void tk__pg_param_null(tk__pg_params *p)
{
    param(p, NULL, 0, 1);
}

void tk__pg_param_text(tk__pg_params *p, const char *text)
{
    param(p, text, 0, 0);
}

/* ---- results ------------------------------------------------------------ */

int tk__pg_get_bytes(const PGresult *r, int row, int col, void *out,
                     size_t len, int nullable)
{
    if (PQgetisnull(r, row, col)) {
        memset(out, 0, len);
        return nullable;
    }
    if (PQfformat(r, col) != 1 || (size_t)PQgetlength(r, row, col) != len)
        return 0;
    memcpy(out, PQgetvalue(r, row, col), len);
    return 1;
}

int tk__pg_get_i64(const PGresult *r, int row, int col, int64_t lo,
                   int64_t hi, int64_t *v)
{
    const unsigned char *b;
    uint64_t u = 0;

    if (PQgetisnull(r, row, col) || PQfformat(r, col) != 1 ||
        PQgetlength(r, row, col) != 8)
        return 0;
    b = (const unsigned char *)PQgetvalue(r, row, col);
    for (int i = 0; i < 8; i++)
        u = (u << 8) | b[i];
    *v = (int64_t)u;
    return *v >= lo && *v <= hi;
}

/* ---- errors ------------------------------------------------------------- */

void tk__pg_record_error(tk_store_pg *s, const char *msg)
{
    size_t n;

    if (msg == NULL || msg[0] == '\0')
        msg = "unknown PostgreSQL error";
    snprintf(s->last_error, sizeof s->last_error, "%s", msg);
    n = strlen(s->last_error);
    while (n > 0 && (s->last_error[n - 1] == '\n' || s->last_error[n - 1] == ' '))
        s->last_error[--n] = '\0';
}

/* SQLSTATEs worth a retry: connection exceptions (08), insufficient
 * resources (53, e.g. too many connections), operator intervention
 * (57P01..57P05: shutdown, crash, cannot connect now), serialization
 * failure and deadlock (40001, 40P01), lock_timeout reached (55P03) and
 * our session ended for sitting idle in a transaction (25P03). */
static int retryable(const char *code)
{
    return strncmp(code, "08", 2) == 0 || strncmp(code, "53", 2) == 0 ||
           strncmp(code, "57P", 3) == 0 || strcmp(code, "40001") == 0 ||
           strcmp(code, "40P01") == 0 || strcmp(code, "55P03") == 0 ||
           strcmp(code, "25P03") == 0;
}

/* The one classification of every failure on the connection: a failed
 * result, or none (r NULL: a PQsend..., PQpipelineSync or PQexec that
 * returned 0/NULL, or a result that never came). libpq returns those for
 * a lost connection and for a request it refuses on a live one (another
 * command in progress, a synchronous call in pipeline mode), not only for
 * out of memory; it has no code for that, only its message ("out of
 * memory", untranslated unless the process set an NLS locale). */
tk_status tk__pg_status(tk_store_pg *s, const PGresult *r)
{
    const char *code = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE)
                                 : NULL;
    const char *msg = r != NULL ? PQresultErrorMessage(r)
                                : PQerrorMessage(s->conn);

    tk__pg_record_error(s, msg);
    if (PQstatus(s->conn) != CONNECTION_OK)
        return TK_ERR_STORE_UNAVAILABLE;
    if (code == NULL)
        return strstr(msg, "out of memory") != NULL ? TK_ERR_NOMEM
                                                    : TK_ERR_STORE;
    if (retryable(code))
        return TK_ERR_STORE_UNAVAILABLE;
    if (strcmp(code, "XX001") == 0 || strcmp(code, "XX002") == 0)
        return TK_ERR_STORE_CORRUPT; /* data or index corrupted */
    return TK_ERR_STORE;
}

/* ---- connection ----------------------------------------------------------- */

/* The server closed the connection since the last call (e.g. it was
 * restarted): it sent its FATAL message and EOF, which PQconsumeInput
 * reads without a round trip. One read may return the message and leave
 * the EOF for the next, so read while the socket stays readable (a few
 * times: an idle connection has nothing else to say). */
static int closed_by_server(PGconn *c)
{
    struct pollfd pfd = {PQsocket(c), POLLIN, 0};

    for (int i = 0; i < 4; i++) {
        if (pfd.fd < 0)
            return 1;
        if (poll(&pfd, 1, 0) <= 0)
            return 0;
        if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
            return 1;
        pfd.fd = PQsocket(c);
    }
    return 0;
}

tk_status tk__pg_session(tk_store_pg *s)
{
    char sql[256];

    /* Our own durability and isolation, whatever the server's or the
     * conninfo's defaults (single statements run in the default level
     * too); no lock wait or idle transaction unbounded (a stalled node
     * holding a sender's lock would block every other node's
     * pending_add). */
    snprintf(sql, sizeof sql,
             "SET synchronous_commit TO on;"
             " SET default_transaction_isolation TO 'read committed';"
             " SET lock_timeout TO %d;"
             " SET idle_in_transaction_session_timeout TO %d",
             s->lock_timeout_ms, s->lock_timeout_ms);
    return tk__pg_simple(s, sql);
}

tk_status tk__pg_ready(tk_store_pg *s)
{
    PGTransactionStatusType ts;

    if (PQstatus(s->conn) != CONNECTION_OK ||
        PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF ||
        closed_by_server(s->conn)) {
        memset(s->prepared, 0, sizeof s->prepared);
        PQreset(s->conn);
        s->session_set = 0;
        if (PQstatus(s->conn) != CONNECTION_OK) {
            tk__pg_record_error(s, PQerrorMessage(s->conn));
            return TK_ERR_STORE_UNAVAILABLE;
        }
    }
    /* Also when a reconnect's settings failed on a connection that stayed
     * up: it must not be used with the server's defaults (durability). */
    if (!s->session_set) {
        if (tk__pg_session(s) != TK_OK)
            return TK_ERR_STORE_UNAVAILABLE;
        s->session_set = 1;
    }
    ts = PQtransactionStatus(s->conn);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        return tk__pg_simple(s, "ROLLBACK");
    return TK_OK;
}

tk_status tk__pg_enter(tk_store_pg *s)
{
    tk_status st;

    pthread_mutex_lock(&s->mu);
    st = tk__pg_ready(s);
    if (st != TK_OK)
        pthread_mutex_unlock(&s->mu);
    return st;
}

void tk__pg_stmt_name(tk__pg_stmt_id id, char name[TK_PG_STMT_NAME_MAX])
{
    snprintf(name, TK_PG_STMT_NAME_MAX, "tk%d", (int)id);
}

tk_status tk__pg_prepare(tk_store_pg *s, tk__pg_stmt_id id)
{
    char name[TK_PG_STMT_NAME_MAX];
    PGresult *r;
    tk_status st = TK_OK;

    if (s->prepared[id])
        return TK_OK;
    tk__pg_stmt_name(id, name);
    r = PQprepare(s->conn, name, stmt_sql[id], 0, NULL);
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
        st = tk__pg_status(s, r);
    else
        s->prepared[id] = 1;
    PQclear(r);
    return st;
}

PGresult *tk__pg_exec(tk_store_pg *s, tk__pg_stmt_id id,
                      const tk__pg_params *p, tk_status *st)
{
    char name[TK_PG_STMT_NAME_MAX];
    PGresult *r;
    ExecStatusType rs;

    if ((*st = tk__pg_prepare(s, id)) != TK_OK)
        return NULL;
    tk__pg_stmt_name(id, name);
    r = PQexecPrepared(s->conn, name, p != NULL ? p->n : 0,
                       p != NULL ? p->value : NULL,
                       p != NULL ? p->length : NULL,
                       p != NULL ? p->format : NULL, 1);
    rs = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        *st = tk__pg_status(s, r);
        PQclear(r);
        return NULL;
    }
    *st = TK_OK;
    return r;
}

/* PQcmdTuples: decimal digits, or "" for commands that report none. */
static uint64_t count_of(const char *t)
{
    uint64_t v = 0;
    for (; *t >= '0' && *t <= '9'; t++)
        v = v * 10 + (uint64_t)(*t - '0');
    return v;
}

tk_status tk__pg_run(tk_store_pg *s, tk__pg_stmt_id id,
                     const tk__pg_params *p, uint64_t *changed)
{
    tk_status st;
    PGresult *r = tk__pg_exec(s, id, p, &st);

    if (r == NULL)
        return st;
    if (changed != NULL)
        *changed = count_of(PQcmdTuples(r));
    PQclear(r);
    return TK_OK;
}

tk_status tk__pg_simple(tk_store_pg *s, const char *sql)
{
    PGresult *r = PQexec(s->conn, sql);
    tk_status st = TK_OK;

    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
        st = tk__pg_status(s, r);
    PQclear(r);
    return st;
}

tk_status tk__pg_finish(tk_store_pg *s, tk_status st)
{
    PGresult *r;

    if (st == TK_OK) {
        /* A transaction the server already aborted "commits" as ROLLBACK
         * without an error: only the tag COMMIT means it is durable. */
        r = PQexec(s->conn, "COMMIT");
        if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
            st = tk__pg_status(s, r);
        else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
            tk__pg_record_error(s, "the transaction was rolled back");
            st = TK_ERR_STORE;
        }
        PQclear(r);
        return st;
    }
    if (PQstatus(s->conn) == CONNECTION_OK &&
        PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        (void)tk__pg_simple(s, "ROLLBACK");
    return st;
}

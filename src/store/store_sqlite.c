/* SPDX-License-Identifier: MIT */
/* The durable winning-ticket store over SQLite: opening (durability
 * pragmas, schema check and migration), cached statements, and the
 * tk_store vtable. One connection, one mutex; every write of the vtable
 * runs in a transaction it may share with other threads' writes (group
 * commit, sqlite_commit.c), and is durable (WAL + synchronous=FULL) when
 * the call returns. */
#include "store/sqlite_internal.h"
#include "store/fleet_table.h"
#include "store/winner_vec.h"

#include "core/internal.h"
#include "core/memzero.h"
#include "ticket/credential.h"
#include "ticket/u256.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const stmt_sql[TK_SQL_COUNT] = {
    [TK_SQL_PUT_WINNER] =
        "INSERT INTO winners (" TK_SQL_WINNER_COLUMNS ") VALUES"
        " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        " ON CONFLICT (ticket_hash) DO NOTHING",
    [TK_SQL_GET_WINNER] =
        "SELECT " TK_SQL_WINNER_COLUMNS " FROM winners WHERE ticket_hash = ?1",
    [TK_SQL_SET_STATE] =
        "UPDATE winners SET state = ?2, tx_hash = coalesce(?3, tx_hash),"
        " attempts = attempts + (?2 = 1) WHERE ticket_hash = ?1",
    [TK_SQL_LIST] =
        "SELECT " TK_SQL_WINNER_COLUMNS " FROM winners"
        " WHERE (?1 IS NULL OR sender = ?1) AND ((1 << state) & ?2) != 0"
        " ORDER BY creation_round, ticket_hash",
    /* The latest expiration block wins (keeping a nonce longer is safe);
     * an unchanged row is not written. */
    [TK_SQL_NONCE_RAND_PUT] =
        "INSERT INTO seen_rand_hashes (rand_hash, expiration_block)"
        " VALUES (?1, ?2) ON CONFLICT (rand_hash) DO UPDATE"
        " SET expiration_block = excluded.expiration_block"
        " WHERE excluded.expiration_block > seen_rand_hashes.expiration_block",
    [TK_SQL_NONCE_WORD_GET] =
        "SELECT bits FROM seen_nonce_words WHERE rand_hash = ?1 AND word = ?2",
    [TK_SQL_NONCE_WORD_PUT] =
        "INSERT INTO seen_nonce_words (rand_hash, word, bits) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (rand_hash, word) DO UPDATE SET bits = excluded.bits",
    [TK_SQL_NONCE_LOAD] =
        "SELECT w.rand_hash, w.word, w.bits, r.expiration_block"
        " FROM seen_nonce_words AS w JOIN seen_rand_hashes AS r"
        " ON r.rand_hash = w.rand_hash",
    [TK_SQL_NONCE_PRUNE_WORDS] =
        "DELETE FROM seen_nonce_words WHERE rand_hash IN (SELECT rand_hash"
        " FROM seen_rand_hashes WHERE expiration_block < ?1)",
    [TK_SQL_NONCE_PRUNE_RANDS] =
        "DELETE FROM seen_rand_hashes WHERE expiration_block < ?1",
    [TK_SQL_MARK_RAISE] =
        "UPDATE block_mark SET block = max(block, ?1) WHERE id = 0"
        " RETURNING block",
    [TK_SQL_TOTALS] =
        "SELECT state, face_value FROM winners"
        " WHERE (?1 IS NULL OR sender = ?1)",
    [TK_SQL_REQUEUE] =
        "UPDATE winners SET state = 0 WHERE ticket_hash = ?1"
        " AND state IN (0, 1, 3)",
    /* One statement, so atomic across connections: the row changes only
     * when the new seq is higher (0 changes: stale). */
    [TK_SQL_SEQ_ADVANCE] =
        "INSERT INTO request_seqs (sender, manifest_id, seq) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (sender, manifest_id) DO UPDATE SET seq = excluded.seq"
        " WHERE excluded.seq > request_seqs.seq",
    [TK_SQL_BEGIN] = "BEGIN IMMEDIATE",
    [TK_SQL_COMMIT] = "COMMIT",
    [TK_SQL_ROLLBACK] = "ROLLBACK",
    [TK_SQL_SAVEPOINT] = "SAVEPOINT tk_write",
    [TK_SQL_RELEASE] = "RELEASE tk_write",
    [TK_SQL_ROLLBACK_TO] = "ROLLBACK TO tk_write",
};

sqlite3_stmt *tk__sqlite_stmt(tk_store_sqlite *s, tk__sqlite_stmt_id id,
                              tk_status *st)
{
    sqlite3_stmt *q = s->stmt[id];

    if (q == NULL) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
                                    SQLITE_PREPARE_PERSISTENT, &q, NULL);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(q);
            *st = tk__sqlite_status(rc);
            return NULL;
        }
        s->stmt[id] = q;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    *st = TK_OK;
    return q;
}

/* Blob column of exactly len bytes (or NULL when nullable). */
static int col_blob(sqlite3_stmt *q, int i, void *out, size_t len,
                    int nullable)
{
    int type = sqlite3_column_type(q, i);

    if (type == SQLITE_NULL && nullable) {
        memset(out, 0, len);
        return 1;
    }
    if (type != SQLITE_BLOB || (size_t)sqlite3_column_bytes(q, i) != len)
        return 0;
    memcpy(out, sqlite3_column_blob(q, i), len);
    return 1;
}

static int col_int(sqlite3_stmt *q, int i, long long lo, long long hi,
                   long long *v)
{
    if (sqlite3_column_type(q, i) != SQLITE_INTEGER)
        return 0;
    *v = sqlite3_column_int64(q, i);
    return *v >= lo && *v <= hi;
}

tk_status tk__sqlite_read_winner(sqlite3_stmt *q, int c, tk_winner *w)
{
    long long nonce, round, state, attempts;

    memset(w, 0, sizeof *w);
    if (!col_blob(q, c, w->ticket_hash.bytes, 32, 0) ||
        !col_blob(q, c + 1, w->ticket.recipient.bytes, 20, 0) ||
        !col_blob(q, c + 2, w->ticket.sender.bytes, 20, 0) ||
        !col_blob(q, c + 3, w->ticket.face_value.bytes, 32, 0) ||
        !col_blob(q, c + 4, w->ticket.win_prob.bytes, 32, 0) ||
        !col_int(q, c + 5, 0, UINT32_MAX, &nonce) ||
        !col_blob(q, c + 6, w->ticket.recipient_rand_hash.bytes, 32, 0) ||
        !col_int(q, c + 7, 0, INT64_MAX, &round) ||
        !col_blob(q, c + 8, w->ticket.creation_round_block_hash.bytes, 32,
                  0) ||
        !col_blob(q, c + 9, w->sig.bytes, 65, 0) ||
        !col_blob(q, c + 10, w->recipient_rand.bytes, 32, 0) ||
        !col_blob(q, c + 11, w->expiration_block.bytes, 32, 0) ||
        !col_int(q, c + 12, TK_WINNER_NEW, TK_WINNER_EXPIRED, &state) ||
        !col_blob(q, c + 13, w->tx_hash.bytes, 32, 1) ||
        !col_int(q, c + 14, 0, UINT32_MAX, &attempts)) {
        tk__memzero(w, sizeof *w);
        return TK_ERR_STORE_CORRUPT;
    }
    w->ticket.sender_nonce = (uint32_t)nonce;
    w->ticket.creation_round = round;
    w->state = (tk_winner_state)state;
    w->attempts = (uint32_t)attempts;
    return TK_OK;
}

static int is_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

tk_status tk__sqlite_step_done(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    tk_status st = rc == SQLITE_DONE ? TK_OK : tk__sqlite_status(rc);
    sqlite3_reset(q);
    return st == TK_OK && rc != SQLITE_DONE ? TK_ERR_STORE : st;
}

/* ---- vtable ------------------------------------------------------------ */

static tk_status put_winner_tx(tk_store_sqlite *s, void *arg)
{
    const tk_winner *w = arg;
    const tk_ticket *t = &w->ticket;
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_PUT_WINNER, &st);

    if (q == NULL)
        return st;
    sqlite3_bind_blob(q, 1, w->ticket_hash.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, t->recipient.bytes, 20, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, t->sender.bytes, 20, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, t->face_value.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, t->win_prob.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, t->sender_nonce);
    sqlite3_bind_blob(q, 7, t->recipient_rand_hash.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, t->creation_round);
    sqlite3_bind_blob(q, 9, t->creation_round_block_hash.bytes, 32,
                      SQLITE_STATIC);
    sqlite3_bind_blob(q, 10, w->sig.bytes, 65, SQLITE_STATIC);
    sqlite3_bind_blob(q, 11, w->recipient_rand.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 12, w->expiration_block.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int(q, 13, (int)w->state);
    if (!is_zero(w->tx_hash.bytes, 32))
        sqlite3_bind_blob(q, 14, w->tx_hash.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 15, w->attempts);
    st = tk__sqlite_step_done(q);
    sqlite3_clear_bindings(q); /* drop the pointer to the rand */
    return st;
}

static tk_status sq_put_winner(void *self, const tk_winner *w)
{
    tk_store_sqlite *s = self;
    tk_hash h;

    TK_ARG_CHECK_NOCTX(s != NULL && w != NULL);
    TK_ARG_CHECK_NOCTX((unsigned)w->state <= (unsigned)TK_WINNER_EXPIRED);
    /* The row is keyed by the hash: refuse a key that is not the ticket's. */
    TK_ARG_CHECK_NOCTX(tk_ticket_hash(&h, &w->ticket) == TK_OK &&
                       memcmp(h.bytes, w->ticket_hash.bytes, 32) == 0);
    return tk__sqlite_write(s, put_winner_tx, (void *)(uintptr_t)w);
}

static tk_status sq_get_winner(void *self, const tk_hash *ticket_hash,
                               tk_winner *out)
{
    tk_store_sqlite *s = self;
    sqlite3_stmt *q;
    tk_status st;
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && ticket_hash != NULL && out != NULL);
    pthread_mutex_lock(&s->mu);
    q = tk__sqlite_stmt(s, TK_SQL_GET_WINNER, &st);
    if (q != NULL) {
        sqlite3_bind_blob(q, 1, ticket_hash->bytes, 32, SQLITE_STATIC);
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            st = tk__sqlite_read_winner(q, 0, out);
        else
            st = rc == SQLITE_DONE ? TK_ERR_NOT_FOUND : tk__sqlite_status(rc);
        sqlite3_reset(q);
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

typedef struct set_state_args {
    const tk_hash *ticket_hash;
    tk_winner_state state;
    const tk_hash *tx_hash;
} set_state_args;

static tk_status set_state_tx(tk_store_sqlite *s, void *arg)
{
    const set_state_args *a = arg;
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_SET_STATE, &st);

    if (q == NULL)
        return st;
    sqlite3_bind_blob(q, 1, a->ticket_hash->bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, (int)a->state);
    if (a->tx_hash != NULL)
        sqlite3_bind_blob(q, 3, a->tx_hash->bytes, 32, SQLITE_STATIC);
    st = tk__sqlite_step_done(q);
    if (st == TK_OK && sqlite3_changes(s->db) == 0)
        st = TK_ERR_NOT_FOUND;
    return st;
}

static tk_status sq_set_state(void *self, const tk_hash *ticket_hash,
                              tk_winner_state state, const tk_hash *tx_hash)
{
    set_state_args a = {ticket_hash, state, tx_hash};

    TK_ARG_CHECK_NOCTX(self != NULL && ticket_hash != NULL);
    TK_ARG_CHECK_NOCTX((unsigned)state <= (unsigned)TK_WINNER_EXPIRED);
    return tk__sqlite_write(self, set_state_tx, &a);
}

typedef struct state_many_args {
    const tk_lease_fence *fence; /* NULL: not fenced */
    const tk_hash *ticket_hashes;
    size_t n;
    tk_winner_state state;
    const tk_hash *tx_hash;
} state_many_args;

/* A failure part-way is undone with the rest of this write
 * (tk__sqlite_write_fn): all or nothing. */
static tk_status set_state_many_tx(tk_store_sqlite *s, void *arg)
{
    const state_many_args *a = arg;
    tk_status st = a->fence != NULL ? tk__sqlite_fence_check(s, a->fence) : TK_OK;

    for (size_t i = 0; st == TK_OK && i < a->n; i++) {
        set_state_args one = {&a->ticket_hashes[i], a->state, a->tx_hash};
        st = set_state_tx(s, &one);
    }
    return st;
}

static tk_status sq_set_state_many(void *self, const tk_lease_fence *fence,
                                   const tk_hash *ticket_hashes, size_t n,
                                   tk_winner_state state, const tk_hash *tx_hash)
{
    state_many_args a = {fence, ticket_hashes, n, state, tx_hash};

    TK_ARG_CHECK_NOCTX(self != NULL && (n == 0 || ticket_hashes != NULL) &&
                       (fence == NULL || tk__lease_fence_ok(fence)));
    TK_ARG_CHECK_NOCTX((unsigned)state <= (unsigned)TK_WINNER_EXPIRED);
    if (n == 0)
        return TK_OK;
    return tk__sqlite_write(self, set_state_many_tx, &a);
}

/* set_state_fenced: set_state_many of one hash, the fence required. */
static tk_status sq_set_state_fenced(void *self, const tk_lease_fence *fence,
                                     const tk_hash *ticket_hash,
                                     tk_winner_state state,
                                     const tk_hash *tx_hash)
{
    TK_ARG_CHECK_NOCTX(fence != NULL && ticket_hash != NULL);
    return sq_set_state_many(self, fence, ticket_hash, 1, state, tx_hash);
}

static tk_status sq_list(void *self, const tk_address *sender,
                         unsigned state_mask, tk_winner_visit_fn fn,
                         void *data)
{
    tk_store_sqlite *s = self;
    tk__winner_vec rows = {NULL, 0, 0};
    sqlite3_stmt *q;
    tk_winner w;
    tk_status st;
    int rc = SQLITE_DONE;

    TK_ARG_CHECK_NOCTX(s != NULL && fn != NULL);
    memset(&w, 0, sizeof w);
    pthread_mutex_lock(&s->mu);
    q = tk__sqlite_stmt(s, TK_SQL_LIST, &st);
    if (q != NULL) {
        if (sender != NULL)
            sqlite3_bind_blob(q, 1, sender->bytes, 20, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, state_mask & TK_WINNER_ALL_STATES);
        while (st == TK_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
            if ((st = tk__sqlite_read_winner(q, 0, &w)) == TK_OK)
                st = tk__winner_vec_push(&rows, &w);
        if (st == TK_OK && rc != SQLITE_DONE)
            st = tk__sqlite_status(rc);
        sqlite3_reset(q);
    }
    pthread_mutex_unlock(&s->mu);
    tk__memzero(&w, sizeof w);
    /* Visit outside the lock: the visitor may call back into the store. */
    for (size_t i = 0; st == TK_OK && i < rows.n; i++)
        if (fn(&rows.v[i], data) != 0)
            break;
    tk__winner_vec_free(&rows);
    return st;
}

tk_status tk__sqlite_exec_stmt(tk_store_sqlite *s, tk__sqlite_stmt_id id)
{
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, id, &st);
    return q != NULL ? tk__sqlite_step_done(q) : st;
}

static tk_status sq_nonce_add(void *self, const tk_hash *rand_hash,
                              uint32_t nonce, const tk_u256 *expiration_block)
{
    return tk__sqlite_nonce_add_many(self, rand_hash, &nonce, 1,
                                     expiration_block);
}

/* One stored word of seen nonces (schema v6): bit k is nonce 64 word + k. */
typedef struct nonce_word_row {
    tk_hash rand_hash;
    uint32_t word;
    uint64_t bits;
    tk_u256 expiration_block;
} nonce_word_row;

static int read_word_row(sqlite3_stmt *q, nonce_word_row *r)
{
    long long word = 0;

    if (!col_blob(q, 0, r->rand_hash.bytes, 32, 0) ||
        !col_int(q, 1, 0, UINT32_MAX >> 6, &word) ||
        sqlite3_column_type(q, 2) != SQLITE_INTEGER ||
        !col_blob(q, 3, r->expiration_block.bytes, 32, 0))
        return 0;
    r->word = (uint32_t)word;
    r->bits = (uint64_t)sqlite3_column_int64(q, 2); /* signed in SQLite */
    return r->bits != 0;
}

/* Visit every set bit of the rows, in nonce order per row. */
static tk_status visit_words(const nonce_word_row *rows, size_t n,
                             tk_nonce_visit_fn fn, void *data)
{
    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; k < 64; k++)
            if ((rows[i].bits >> k & 1u) != 0 &&
                fn(&rows[i].rand_hash, rows[i].word << 6 | k,
                   &rows[i].expiration_block, data) != 0)
                return TK_ERR_STORE; /* cut short: never a complete load */
    return TK_OK;
}

static tk_status sq_nonce_load(void *self, tk_nonce_visit_fn fn, void *data)
{
    tk_store_sqlite *s = self;
    nonce_word_row *rows = NULL, *grown;
    size_t n = 0, cap = 0;
    sqlite3_stmt *q;
    tk_status st;
    int rc = SQLITE_DONE;

    TK_ARG_CHECK_NOCTX(s != NULL && fn != NULL);
    pthread_mutex_lock(&s->mu);
    q = tk__sqlite_stmt(s, TK_SQL_NONCE_LOAD, &st);
    if (q != NULL) {
        while (st == TK_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap == 0 ? 64 : cap * 2;
                grown = realloc(rows, cap * sizeof *rows);
                if (grown == NULL) {
                    st = TK_ERR_NOMEM;
                    break;
                }
                rows = grown;
            }
            if (!read_word_row(q, &rows[n++]))
                st = TK_ERR_STORE_CORRUPT;
        }
        if (st == TK_OK && rc != SQLITE_DONE)
            st = tk__sqlite_status(rc);
        sqlite3_reset(q);
    }
    pthread_mutex_unlock(&s->mu);
    if (st == TK_OK)
        st = visit_words(rows, n, fn, data);
    free(rows);
    return st;
}

typedef struct seq_args {
    const tk_address *sender;
    const uint8_t *manifest_id;
    size_t manifest_id_len;
    uint64_t seq;
} seq_args;

static tk_status seq_advance_tx(tk_store_sqlite *s, void *arg)
{
    const seq_args *a = arg;
    tk_status st;
    sqlite3_stmt *q = tk__sqlite_stmt(s, TK_SQL_SEQ_ADVANCE, &st);

    if (q == NULL)
        return st;
    sqlite3_bind_blob(q, 1, a->sender->bytes, 20, SQLITE_STATIC);
    /* A non-NULL pointer: an empty id is an empty blob, not NULL. */
    sqlite3_bind_blob(q, 2,
                      a->manifest_id_len > 0 ? (const void *)a->manifest_id : "",
                      (int)a->manifest_id_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)a->seq);
    st = tk__sqlite_step_done(q);
    if (st == TK_OK && sqlite3_changes(s->db) == 0)
        st = TK_ERR_STALE_SEQ;
    sqlite3_clear_bindings(q);
    return st;
}

static tk_status sq_seq_advance(void *self, const tk_address *sender,
                                const uint8_t *manifest_id,
                                size_t manifest_id_len, uint64_t seq)
{
    seq_args a = {sender, manifest_id, manifest_id_len, seq};

    TK_ARG_CHECK_NOCTX(self != NULL && sender != NULL &&
                       (manifest_id != NULL || manifest_id_len == 0));
    TK_ARG_CHECK_NOCTX(manifest_id_len <= TK_MANIFEST_ID_MAX &&
                       seq <= (uint64_t)INT64_MAX);
    return tk__sqlite_write(self, seq_advance_tx, &a);
}

tk_status tk_store_sqlite_write_stats(tk_store_sqlite *s,
                                      tk_store_sqlite_stats *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && out != NULL);
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
    return TK_OK;
}

tk_status tk_store_sqlite_iface(tk_store_sqlite *s, tk_store *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && out != NULL);
    out->self = s;
    out->put_winner = sq_put_winner;
    out->get_winner = sq_get_winner;
    out->set_state = sq_set_state;
    out->list = sq_list;
    out->nonce_add = sq_nonce_add;
    out->nonce_load = sq_nonce_load;
    out->nonce_prune = tk__sqlite_nonce_prune;
    out->nonce_add_many = tk__sqlite_nonce_add_many;
    out->seq_advance = sq_seq_advance;
    out->nonce_claim = tk__sqlite_nonce_claim;
    out->pending_add = tk__sqlite_pending_add;
    out->pending_remove = tk__sqlite_pending_remove;
    out->pending_total = tk__sqlite_pending_total;
    out->lease_acquire = tk__sqlite_lease_acquire;
    out->lease_release = tk__sqlite_lease_release;
    out->set_state_fenced = sq_set_state_fenced;
    out->pending_add_fenced = tk__sqlite_pending_add_fenced;
    out->pending_remove_fenced = tk__sqlite_pending_remove_fenced;
    out->set_state_many = sq_set_state_many;
    return TK_OK;
}

/* ---- open / close ------------------------------------------------------ */

/* Mode 0600 on an open file: it holds recipientRands, secret until the
 * ticket is redeemed. Only the owner can chmod; anyone else gets an
 * error, and the store is not opened. */
static tk_status owner_only(int fd)
{
    struct stat sb;

    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return TK_ERR_STORE;
    if ((sb.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0)
        return TK_ERR_STORE;
    return TK_OK;
}

/* Create the file with mode 0600 (or bring an existing one, e.g. made by
 * touch with 0644, to 0600), and its -wal and -shm files when they exist
 * already; SQLite gives the ones it creates the mode of the main file. */
static tk_status make_private(const char *path)
{
    static const char *const sfx[] = {"-wal", "-shm"};
    char side[4096];
    tk_status st;
    int fd;

    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return TK_OK;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return TK_ERR_STORE;
    st = owner_only(fd);
    close(fd);
    for (size_t i = 0; st == TK_OK && i < 2; i++) {
        if ((size_t)snprintf(side, sizeof side, "%s%s", path, sfx[i]) >= sizeof side)
            return TK_ERR_STORE;
        fd = open(side, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue; /* absent: SQLite creates it with our mode */
        st = owner_only(fd);
        close(fd);
    }
    return st;
}

/* The switch to WAL needs the file's exclusive lock once, when a new
 * file is created. SQLite may refuse it with SQLITE_BUSY at once, without
 * its busy handler (to avoid a deadlock with another connection that holds
 * a shared lock and waits too), when several connections open a new file
 * together; so wait here, within the same busy timeout. Idempotent: on a
 * file in WAL mode it changes nothing. */
static int set_wal(sqlite3 *db, int busy_ms)
{
    int rc, waited = 0, step = 1;

    while ((rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL;", NULL, NULL,
                              NULL)) != SQLITE_OK &&
           (rc & 0xff) == SQLITE_BUSY && waited < busy_ms) {
        waited += sqlite3_sleep(step);
        step = step < 16 ? step * 2 : 16;
    }
    return rc;
}

static tk_status exec_pragmas(sqlite3 *db, int busy_ms, int quick_check,
                              int read_only)
{
    sqlite3_stmt *q = NULL;
    tk_status st;
    int rc;

    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_ms);
    /* Check the file before any pragma writes to it. */
    if (read_only)
        st = tk__sqlite_check_schema(db);
    else
        st = tk__sqlite_prepare_schema(db);
    if (st != TK_OK)
        return st;
    rc = read_only ? SQLITE_OK : set_wal(db, busy_ms);
    if (rc == SQLITE_OK && !read_only)
        rc = sqlite3_exec(db, "PRAGMA synchronous = FULL;"
                              "PRAGMA secure_delete = ON;"
                              "PRAGMA foreign_keys = OFF;",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return tk__sqlite_status(rc);
    if (!read_only && (st = tk__sqlite_wal_grow(db, busy_ms)) != TK_OK)
        return st;
    if (!quick_check)
        return TK_OK;
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const unsigned char *r = sqlite3_column_text(q, 0);
        st = (r != NULL && strcmp((const char *)r, "ok") == 0)
                 ? TK_OK : TK_ERR_STORE_CORRUPT;
    } else {
        st = tk__sqlite_status(rc);
        if (st == TK_OK)
            st = TK_ERR_STORE;
    }
    sqlite3_finalize(q);
    return st;
}

static tk_status open_store(tk_store_sqlite **out, const char *path,
                            const tk_store_sqlite_options *opts, int ro)
{
    tk_store_sqlite *s;
    tk_status st;
    int rc, busy_ms = 5000, quick = 0;

    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = NULL;
    TK_ARG_CHECK_NOCTX(path != NULL && path[0] != '\0');
    if (opts != NULL) {
        TK_ARG_CHECK_NOCTX(opts->busy_timeout_ms >= 0);
        busy_ms = opts->busy_timeout_ms;
        quick = opts->quick_check != 0;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return TK_ERR_NOMEM;
    }
    if (tk__group_init(&s->group) != TK_OK) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return TK_ERR_NOMEM;
    }
    st = ro ? TK_OK : make_private(path);
    if (st == TK_OK) {
        rc = sqlite3_open_v2(path, &s->db,
                             (ro ? SQLITE_OPEN_READONLY
                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                                 SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                             NULL);
        st = rc == SQLITE_OK ? TK_OK
             : (rc == SQLITE_NOMEM ? TK_ERR_NOMEM : TK_ERR_STORE);
    }
    if (st == TK_OK)
        st = exec_pragmas(s->db, busy_ms, quick, ro);
    if (st != TK_OK) {
        tk_store_sqlite_destroy(s);
        return st;
    }
    *out = s;
    return TK_OK;
}

tk_status tk_store_sqlite_create(tk_store_sqlite **out, const char *path,
                                 const tk_store_sqlite_options *opts)
{
    return open_store(out, path, opts, 0);
}

tk_status tk_store_sqlite_create_read_only(tk_store_sqlite **out,
                                           const char *path,
                                           const tk_store_sqlite_options *opts)
{
    return open_store(out, path, opts, 1);
}

void tk_store_sqlite_destroy(tk_store_sqlite *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < TK_SQL_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    sqlite3_close(s->db); /* NULL is a no-op */
    tk__group_destroy(&s->group);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* SPDX-License-Identifier: MIT */
/* The winning-ticket store on PostgreSQL: connecting and opening, the
 * winner calls and request seqs of the tk_store vtable, and the operator
 * calls. One connection, one mutex; each write is one transaction
 * (autocommit, or BEGIN ... COMMIT in pg_claim.c), committed with
 * synchronous_commit=on before the call returns. */
#include "store_pg/pg_internal.h"

#include "core/internal.h"
#include "core/memzero.h"
#include "store/winner_vec.h"
#include "ticket/credential.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tk_status tk__pg_read_winner(const PGresult *r, int row, tk_winner *w)
{
    int64_t nonce, round, state, attempts;

    memset(w, 0, sizeof *w);
    if (!tk__pg_get_bytes(r, row, 0, w->ticket_hash.bytes, 32, 0) ||
        !tk__pg_get_bytes(r, row, 1, w->ticket.recipient.bytes, 20, 0) ||
        !tk__pg_get_bytes(r, row, 2, w->ticket.sender.bytes, 20, 0) ||
        !tk__pg_get_bytes(r, row, 3, w->ticket.face_value.bytes, 32, 0) ||
        !tk__pg_get_bytes(r, row, 4, w->ticket.win_prob.bytes, 32, 0) ||
        !tk__pg_get_i64(r, row, 5, 0, UINT32_MAX, &nonce) ||
        !tk__pg_get_bytes(r, row, 6, w->ticket.recipient_rand_hash.bytes, 32,
                          0) ||
        !tk__pg_get_i64(r, row, 7, 0, INT64_MAX, &round) ||
        !tk__pg_get_bytes(r, row, 8,
                          w->ticket.creation_round_block_hash.bytes, 32, 0) ||
        !tk__pg_get_bytes(r, row, 9, w->sig.bytes, 65, 0) ||
        !tk__pg_get_bytes(r, row, 10, w->recipient_rand.bytes, 32, 0) ||
        !tk__pg_get_bytes(r, row, 11, w->expiration_block.bytes, 32, 0) ||
        !tk__pg_get_i64(r, row, 12, TK_WINNER_NEW, TK_WINNER_EXPIRED,
                        &state) ||
        !tk__pg_get_bytes(r, row, 13, w->tx_hash.bytes, 32, 1) ||
        !tk__pg_get_i64(r, row, 14, 0, UINT32_MAX, &attempts)) {
        tk__memzero(w, sizeof *w);
        return TK_ERR_STORE_CORRUPT;
    }
    w->ticket.sender_nonce = (uint32_t)nonce;
    w->ticket.creation_round = round;
    w->state = (tk_winner_state)state;
    w->attempts = (uint32_t)attempts;
    return TK_OK;
}

/* ---- vtable: winners ---------------------------------------------------- */

static tk_status pg_put_winner(void *self, const tk_winner *w)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    const tk_ticket *t;
    tk_hash h;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, w != NULL &&
                 (unsigned)w->state <= (unsigned)TK_WINNER_EXPIRED);
    TK_ARG_CHECK(s->ctx, w->ticket.creation_round >= 0);
    /* The row is keyed by the hash: refuse a key that is not the ticket's. */
    TK_ARG_CHECK(s->ctx, tk_ticket_hash(&h, &w->ticket) == TK_OK &&
                 memcmp(h.bytes, w->ticket_hash.bytes, 32) == 0);
    t = &w->ticket;
    tk__pg_param_bytes(&p, w->ticket_hash.bytes, 32);
    tk__pg_param_bytes(&p, t->recipient.bytes, 20);
    tk__pg_param_bytes(&p, t->sender.bytes, 20);
    tk__pg_param_bytes(&p, t->face_value.bytes, 32);
    tk__pg_param_bytes(&p, t->win_prob.bytes, 32);
    tk__pg_param_i64(&p, t->sender_nonce);
    tk__pg_param_bytes(&p, t->recipient_rand_hash.bytes, 32);
    tk__pg_param_i64(&p, t->creation_round);
    tk__pg_param_bytes(&p, t->creation_round_block_hash.bytes, 32);
    tk__pg_param_bytes(&p, w->sig.bytes, 65);
    tk__pg_param_bytes(&p, w->recipient_rand.bytes, 32);
    tk__pg_param_bytes(&p, w->expiration_block.bytes, 32);
    tk__pg_param_i64(&p, (int64_t)w->state);
    if (tk_hash_is_zero(&w->tx_hash))
        tk__pg_param_null(&p);
    else
        tk__pg_param_bytes(&p, w->tx_hash.bytes, 32);
    tk__pg_param_i64(&p, w->attempts);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_run(s, TK_PG_PUT_WINNER, &p, NULL);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status pg_get_winner(void *self, const tk_hash *ticket_hash,
                               tk_winner *out)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    PGresult *r;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL && out != NULL);
    tk__pg_param_bytes(&p, ticket_hash->bytes, 32);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    r = tk__pg_exec(s, TK_PG_GET_WINNER, &p, &st);
    if (r != NULL) {
        st = PQntuples(r) == 1 ? tk__pg_read_winner(r, 0, out)
                               : TK_ERR_NOT_FOUND;
        PQclear(r);
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

tk_status tk__pg_set_state_run(tk_store_pg *s, const tk_hash *ticket_hash,
                               tk_winner_state state, const tk_hash *tx_hash)
{
    tk__pg_params p = {0};
    uint64_t changed = 0;
    tk_status st;

    tk__pg_param_bytes(&p, ticket_hash->bytes, 32);
    tk__pg_param_i64(&p, (int64_t)state);
    if (tx_hash != NULL)
        tk__pg_param_bytes(&p, tx_hash->bytes, 32);
    else
        tk__pg_param_null(&p);
    st = tk__pg_run(s, TK_PG_SET_STATE, &p, &changed);
    return st == TK_OK && changed == 0 ? TK_ERR_NOT_FOUND : st;
}

static tk_status pg_set_state(void *self, const tk_hash *ticket_hash,
                              tk_winner_state state, const tk_hash *tx_hash)
{
    tk_store_pg *s = self;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL &&
                 (unsigned)state <= (unsigned)TK_WINNER_EXPIRED);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_set_state_run(s, ticket_hash, state, tx_hash);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static tk_status pg_list(void *self, const tk_address *sender,
                         unsigned state_mask, tk_winner_visit_fn fn,
                         void *data)
{
    tk_store_pg *s = self;
    tk__winner_vec rows = {NULL, 0, 0};
    tk__pg_params p = {0};
    PGresult *r;
    tk_winner w;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, fn != NULL);
    if (sender != NULL)
        tk__pg_param_bytes(&p, sender->bytes, 20);
    else
        tk__pg_param_null(&p);
    tk__pg_param_i64(&p, (int64_t)(state_mask & TK_WINNER_ALL_STATES));
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    r = tk__pg_exec(s, TK_PG_LIST, &p, &st);
    pthread_mutex_unlock(&s->mu);
    memset(&w, 0, sizeof w);
    for (int i = 0; r != NULL && st == TK_OK && i < PQntuples(r); i++)
        if ((st = tk__pg_read_winner(r, i, &w)) == TK_OK)
            st = tk__winner_vec_push(&rows, &w);
    tk__memzero(&w, sizeof w);
    PQclear(r);
    /* Visit outside the lock: the visitor may call back into the store. */
    for (size_t i = 0; st == TK_OK && i < rows.n; i++)
        if (fn(&rows.v[i], data) != 0)
            break;
    tk__winner_vec_free(&rows);
    return st;
}

static tk_status pg_seq_advance(void *self, const tk_address *sender,
                                const uint8_t *manifest_id,
                                size_t manifest_id_len, uint64_t seq)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    uint64_t changed = 0;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, sender != NULL &&
                 (manifest_id != NULL || manifest_id_len == 0));
    TK_ARG_CHECK(s->ctx, manifest_id_len <= TK_MANIFEST_ID_MAX &&
                 seq <= (uint64_t)INT64_MAX);
    tk__pg_param_bytes(&p, sender->bytes, 20);
    tk__pg_param_bytes(&p, manifest_id, manifest_id_len);
    tk__pg_param_i64(&p, (int64_t)seq);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_run(s, TK_PG_SEQ_ADVANCE, &p, &changed);
    pthread_mutex_unlock(&s->mu);
    return st == TK_OK && changed == 0 ? TK_ERR_STALE_SEQ : st;
}

tk_status tk_store_pg_iface(tk_store_pg *s, tk_store *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, out != NULL);
    out->self = s;
    out->put_winner = pg_put_winner;
    out->get_winner = pg_get_winner;
    out->set_state = pg_set_state;
    out->list = pg_list;
    out->nonce_add = tk__pg_nonce_add;
    out->nonce_load = tk__pg_nonce_load;
    out->nonce_prune = tk__pg_nonce_prune;
    out->nonce_add_many = tk__pg_nonce_add_many;
    out->seq_advance = pg_seq_advance;
    out->nonce_claim = tk__pg_nonce_claim;
    out->pending_add = tk__pg_pending_add;
    out->pending_remove = tk__pg_pending_remove;
    out->pending_total = tk__pg_pending_total;
    out->lease_acquire = tk__pg_lease_acquire;
    out->lease_release = tk__pg_lease_release;
    out->set_state_fenced = tk__pg_set_state_fenced;
    out->pending_add_fenced = tk__pg_pending_add_fenced;
    out->pending_remove_fenced = tk__pg_pending_remove_fenced;
    out->set_state_many = tk__pg_set_state_many;
    return TK_OK;
}

/* ---- operator calls ------------------------------------------------------- */

tk_status tk_store_pg_requeue(tk_store_pg *s, tk_winner_state *state,
                              const tk_hash *ticket_hash)
{
    tk__pg_params p = {0};
    PGresult *r;
    int64_t v = 0;
    tk_status st;

    if (state != NULL)
        *state = TK_WINNER_NEW;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL);
    tk__pg_param_bytes(&p, ticket_hash->bytes, 32);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_run(s, TK_PG_REQUEUE, &p, NULL);
    /* Read back: NEW when re-queued (or already new), else final. */
    r = st == TK_OK ? tk__pg_exec(s, TK_PG_GET_STATE, &p, &st) : NULL;
    if (r != NULL) {
        if (PQntuples(r) != 1)
            st = TK_ERR_NOT_FOUND;
        else if (!tk__pg_get_i64(r, 0, 0, TK_WINNER_NEW, TK_WINNER_EXPIRED, &v))
            st = TK_ERR_STORE_CORRUPT;
        else if (v != TK_WINNER_NEW)
            st = TK_ERR_STATE;
        PQclear(r);
    }
    pthread_mutex_unlock(&s->mu);
    if (state != NULL && (st == TK_OK || st == TK_ERR_STATE))
        *state = (tk_winner_state)v;
    return st;
}

tk_status tk_store_pg_schema_version(tk_store_pg *s, int *version)
{
    tk_status st;

    if (version != NULL)
        *version = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, version != NULL);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_prepare_schema(s, version);
    pthread_mutex_unlock(&s->mu);
    return st;
}

tk_status tk_store_pg_last_error(tk_store_pg *s, char *buf, size_t len)
{
    size_t n;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, buf != NULL && len > 0);
    pthread_mutex_lock(&s->mu);
    n = strlen(s->last_error);
    snprintf(buf, len, "%s", s->last_error);
    pthread_mutex_unlock(&s->mu);
    return n < len ? TK_OK : TK_ERR_BUFFER_TOO_SMALL;
}

/* ---- open / close ----------------------------------------------------------- */

static void no_notices(void *arg, const char *message)
{
    (void)arg; /* the library prints nothing */
    (void)message;
}

tk_status tk_store_pg_create(const tk_ctx *ctx, tk_store_pg **out,
                             const char *conninfo,
                             const tk_store_pg_options *opts)
{
    /* Later keys win: conninfo may override our default timeout. */
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *values[] = {"10", conninfo, NULL};
    char timeout[16];
    tk_store_pg *s;
    tk_status st;
    int version = 0;

    TK_ARG_CHECK(ctx, ctx != NULL && out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, conninfo != NULL && conninfo[0] != '\0');
    TK_ARG_CHECK(ctx, opts == NULL || (opts->connect_timeout_s >= 0 &&
                                       opts->connect_timeout_s <= 3600 &&
                                       opts->lock_timeout_ms >= 0 &&
                                       opts->lock_timeout_ms <= 3600000));
    if (opts != NULL && opts->connect_timeout_s > 0) {
        snprintf(timeout, sizeof timeout, "%d", opts->connect_timeout_s);
        values[0] = timeout;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return TK_ERR_NOMEM;
    }
    if (tk__group_init(&s->claims) != TK_OK) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return TK_ERR_NOMEM;
    }
    s->ctx = ctx;
    s->existing_only = opts != NULL && opts->existing_only != 0;
    s->lock_timeout_ms = opts != NULL && opts->lock_timeout_ms > 0
                             ? opts->lock_timeout_ms : 5000;
    /* expand_dbname: conninfo is a whole connection string or URI. */
    s->conn = PQconnectdbParams(keys, values, 1);
    if (s->conn == NULL) {
        tk_store_pg_destroy(s);
        return TK_ERR_NOMEM;
    }
    PQsetNoticeProcessor(s->conn, no_notices, NULL);
    if (PQstatus(s->conn) != CONNECTION_OK)
        st = TK_ERR_STORE_UNAVAILABLE;
    else
        st = tk__pg_session(s);
    s->session_set = st == TK_OK;
    if (st == TK_OK)
        st = tk__pg_prepare_schema(s, &version);
    if (st != TK_OK) {
        tk_store_pg_destroy(s);
        return st;
    }
    *out = s;
    return TK_OK;
}

void tk_store_pg_destroy(tk_store_pg *s)
{
    if (s == NULL)
        return;
    PQfinish(s->conn); /* NULL is a no-op */
    tk__group_destroy(&s->claims);
    pthread_mutex_destroy(&s->mu);
    tk__memzero(s, sizeof *s);
    free(s);
}

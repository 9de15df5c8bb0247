/* SPDX-License-Identifier: MIT */
/* The PostgreSQL store's fleet operations (store.h: pending_*, lease_*;
 * docs/fleet.md).
 *
 * pending_add is one transaction that first takes an advisory lock keyed
 * by the sender (pg_advisory_xact_lock, held to COMMIT): under READ
 * COMMITTED each statement reads what was committed when it started, so
 * without the lock two nodes could both read a total under the limit and
 * both insert. With it, the adds of one sender run one after the other and
 * each reads the rows the previous one committed. Removals take no lock:
 * a total read before a concurrent removal is only too high, never too
 * low. The rules are store/fleet_table.c's; the sum is taken here in C
 * (face values are 256-bit bytea).
 *
 * lease_acquire is one INSERT ... ON CONFLICT DO UPDATE ... WHERE on the
 * server's clock (pg_conn.c): the row lock orders concurrent acquisitions,
 * and each decides on the row the previous one committed. */
#include "store_pg/pg_internal.h"

#include "core/internal.h"
#include "store/fleet_table.h"
#include "ticket/u256.h"

#include <string.h>

/* The sum of sender's rows (inside the caller's transaction, or one
 * statement: one snapshot). */
static tk_status total_of(tk_store_pg *s, const tk_address *sender,
                          tk_u256 *out)
{
    tk__pg_params p = {0};
    tk_status st;
    PGresult *r;
    tk_u256 v;

    memset(out, 0, sizeof *out);
    tk__pg_param_bytes(&p, sender->bytes, TK_ADDRESS_LEN);
    r = tk__pg_exec(s, TK_PG_PENDING_VALUES, &p, &st);
    for (int i = 0; r != NULL && st == TK_OK && i < PQntuples(r); i++) {
        if (!tk__pg_get_bytes(r, i, 0, v.bytes, 32, 0))
            st = TK_ERR_STORE_CORRUPT;
        else
            st = tk__u256_add(out, &v);
    }
    PQclear(r);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* The advisory lock of sender's adds: its first four bytes (an address is
 * a hash: evenly spread; two senders sharing a key only wait for each
 * other). */
static tk_status lock_sender(tk_store_pg *s, const tk_address *sender)
{
    tk__pg_params p = {0};
    uint32_t k = (uint32_t)sender->bytes[0] << 24 |
                 (uint32_t)sender->bytes[1] << 16 |
                 (uint32_t)sender->bytes[2] << 8 | sender->bytes[3];
    int64_t key = k > INT32_MAX ? (int64_t)k - 4294967296LL : (int64_t)k;

    tk__pg_param_i64(&p, key);
    return tk__pg_run(s, TK_PG_PENDING_LOCK, &p, NULL);
}

/* The decision of pending_add, inside its transaction. */
static tk_status pending_decide(tk_store_pg *s, const tk_hash *ticket_hash,
                                const tk_address *sender,
                                const tk_u256 *face_value,
                                const tk_u256 *limit, int *added)
{
    tk__pg_params key = {0}, row = {0};
    uint64_t n = 0;
    tk_u256 total;
    tk_status st;

    tk__pg_param_bytes(&key, ticket_hash->bytes, TK_HASH_LEN);
    if ((st = lock_sender(s, sender)) != TK_OK ||
        (st = tk__pg_run(s, TK_PG_PENDING_FIND, &key, &n)) != TK_OK)
        return st;
    if (n > 0)
        return TK_OK; /* counted once, however often it is added */
    if ((st = total_of(s, sender, &total)) != TK_OK)
        return st;
    if (!tk__pending_fits(&total, face_value, limit))
        return TK_ERR_PENDING_LIMIT;
    tk__pg_param_bytes(&row, ticket_hash->bytes, TK_HASH_LEN);
    tk__pg_param_bytes(&row, sender->bytes, TK_ADDRESS_LEN);
    tk__pg_param_bytes(&row, face_value->bytes, 32);
    /* 0 rows: the same hash under another sender's lock got in first. */
    st = tk__pg_run(s, TK_PG_PENDING_INSERT, &row, &n);
    *added = st == TK_OK && n == 1;
    return st;
}

tk_status tk__pg_pending_add(void *self, const tk_hash *ticket_hash,
                             const tk_address *sender,
                             const tk_u256 *face_value, const tk_u256 *limit,
                             int *added)
{
    tk_store_pg *s = self;
    tk_status st;

    if (added != NULL)
        *added = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL && sender != NULL &&
                 face_value != NULL && added != NULL);
    TK_ARG_CHECK(s->ctx, !tk_u256_is_zero(face_value));
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    if ((st = tk__pg_simple(s, TK_PG_BEGIN)) == TK_OK) {
        st = pending_decide(s, ticket_hash, sender, face_value, limit, added);
        st = tk__pg_finish(s, st);
    }
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK)
        *added = 0; /* rolled back (or unknown: a retry tells) */
    return st;
}

tk_status tk__pg_pending_remove(void *self, const tk_hash *ticket_hash,
                                int *removed)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    uint64_t n = 0;
    tk_status st;

    if (removed != NULL)
        *removed = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL && removed != NULL);
    tk__pg_param_bytes(&p, ticket_hash->bytes, TK_HASH_LEN);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_run(s, TK_PG_PENDING_DELETE, &p, &n);
    pthread_mutex_unlock(&s->mu);
    *removed = st == TK_OK && n > 0;
    return st;
}

tk_status tk__pg_pending_total(void *self, const tk_address *sender,
                               tk_u256 *out)
{
    tk_store_pg *s = self;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, sender != NULL && out != NULL);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = total_of(s, sender, out);
    pthread_mutex_unlock(&s->mu);
    return st;
}

tk_status tk__pg_lease_acquire(void *self, const char *holder,
                               uint32_t ttl_ms, uint64_t *token)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    PGresult *r;
    int64_t v = 0;
    tk_status st;

    if (token != NULL)
        *token = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, token != NULL && tk__lease_holder_ok(holder));
    tk__pg_param_bytes(&p, holder, strlen(holder));
    tk__pg_param_i64(&p, ttl_ms);
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    r = tk__pg_exec(s, TK_PG_LEASE_ACQUIRE, &p, &st);
    pthread_mutex_unlock(&s->mu);
    if (r == NULL)
        return st;
    if (PQntuples(r) == 0)
        st = TK_ERR_LEASE_HELD;
    else if (PQntuples(r) != 1 || !tk__pg_get_i64(r, 0, 0, 1, INT64_MAX, &v))
        st = TK_ERR_STORE_CORRUPT;
    PQclear(r);
    if (st == TK_OK)
        *token = (uint64_t)v;
    return st;
}

tk_status tk__pg_lease_release(void *self, const char *holder)
{
    tk_store_pg *s = self;
    tk__pg_params p = {0};
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, tk__lease_holder_ok(holder));
    tk__pg_param_bytes(&p, holder, strlen(holder));
    if ((st = tk__pg_enter(s)) != TK_OK)
        return st;
    st = tk__pg_run(s, TK_PG_LEASE_RELEASE, &p, NULL);
    pthread_mutex_unlock(&s->mu);
    return st;
}

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
 * and each decides on the row the previous one committed.
 *
 * A fenced write (store.h *_fenced) is one transaction that first reads
 * the lease row FOR SHARE: an acquisition waits for the write to commit,
 * or the write waits for the acquisition and then sees it (and fails). */
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

/* ---- pending writes, plain or fenced (the lease row read FOR SHARE) -----*/

/* Inside the caller's transaction: TK_OK while fence names the latest
 * tenure (the row then stays so until the transaction ends). */
static tk_status fence_check(tk_store_pg *s, const tk_lease_fence *fence)
{
    tk__pg_params p = {0};
    uint64_t n = 0;
    tk_status st;

    if (fence->token > (uint64_t)INT64_MAX)
        return TK_ERR_LEASE_LOST; /* no token the table can hold */
    tk__pg_param_bytes(&p, fence->holder, strlen(fence->holder));
    tk__pg_param_i64(&p, (int64_t)fence->token);
    st = tk__pg_run(s, TK_PG_LEASE_FENCE, &p, &n);
    return st == TK_OK && n != 1 ? TK_ERR_LEASE_LOST : st;
}

/* BEGIN and, when fence is not NULL, the fence check; the caller runs its
 * write and calls tk__pg_finish. s->mu is held on return only when TK_OK. */
static tk_status begin_fenced(tk_store_pg *s, const tk_lease_fence *fence)
{
    tk_status st = tk__pg_enter(s);

    if (st != TK_OK)
        return st;
    if ((st = tk__pg_simple(s, TK_PG_BEGIN)) == TK_OK &&
        (fence == NULL || (st = fence_check(s, fence)) == TK_OK))
        return TK_OK;
    st = tk__pg_finish(s, st);
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* pending_add, fenced when fence is not NULL (arguments checked). */
static tk_status pending_add_tx(tk_store_pg *s, const tk_lease_fence *fence,
                                const tk_hash *ticket_hash,
                                const tk_address *sender,
                                const tk_u256 *face_value,
                                const tk_u256 *limit, int *added)
{
    tk_status st = begin_fenced(s, fence);

    if (st != TK_OK)
        return st;
    st = pending_decide(s, ticket_hash, sender, face_value, limit, added);
    st = tk__pg_finish(s, st);
    pthread_mutex_unlock(&s->mu);
    if (st != TK_OK)
        *added = 0; /* rolled back (or unknown: a retry tells) */
    return st;
}

tk_status tk__pg_pending_add(void *self, const tk_hash *ticket_hash,
                             const tk_address *sender,
                             const tk_u256 *face_value, const tk_u256 *limit,
                             int *added)
{
    tk_store_pg *s = self;

    if (added != NULL)
        *added = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL && sender != NULL &&
                 face_value != NULL && added != NULL);
    TK_ARG_CHECK(s->ctx, !tk_u256_is_zero(face_value));
    return pending_add_tx(s, NULL, ticket_hash, sender, face_value, limit, added);
}

tk_status tk__pg_pending_add_fenced(void *self, const tk_lease_fence *fence,
                                    const tk_hash *ticket_hash,
                                    const tk_address *sender,
                                    const tk_u256 *face_value,
                                    const tk_u256 *limit, int *added)
{
    tk_store_pg *s = self;

    if (added != NULL)
        *added = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, tk__lease_fence_ok(fence) && ticket_hash != NULL &&
                 sender != NULL && face_value != NULL && added != NULL);
    TK_ARG_CHECK(s->ctx, !tk_u256_is_zero(face_value));
    return pending_add_tx(s, fence, ticket_hash, sender, face_value, limit, added);
}

/* pending_remove: one statement; fenced (a transaction with the check)
 * when fence is not NULL (arguments checked). */
static tk_status pending_remove_tx(tk_store_pg *s, const tk_lease_fence *fence,
                                   const tk_hash *ticket_hash, int *removed)
{
    tk__pg_params p = {0};
    uint64_t n = 0;
    tk_status st = fence != NULL ? begin_fenced(s, fence) : tk__pg_enter(s);

    if (st != TK_OK)
        return st;
    tk__pg_param_bytes(&p, ticket_hash->bytes, TK_HASH_LEN);
    st = tk__pg_run(s, TK_PG_PENDING_DELETE, &p, &n);
    if (fence != NULL)
        st = tk__pg_finish(s, st);
    pthread_mutex_unlock(&s->mu);
    *removed = st == TK_OK && n > 0;
    return st;
}

tk_status tk__pg_pending_remove(void *self, const tk_hash *ticket_hash,
                                int *removed)
{
    tk_store_pg *s = self;

    if (removed != NULL)
        *removed = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, ticket_hash != NULL && removed != NULL);
    return pending_remove_tx(s, NULL, ticket_hash, removed);
}

tk_status tk__pg_pending_remove_fenced(void *self, const tk_lease_fence *fence,
                                       const tk_hash *ticket_hash,
                                       int *removed)
{
    tk_store_pg *s = self;

    if (removed != NULL)
        *removed = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, tk__lease_fence_ok(fence) && ticket_hash != NULL &&
                 removed != NULL);
    return pending_remove_tx(s, fence, ticket_hash, removed);
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

tk_status tk__pg_set_state_many(void *self, const tk_lease_fence *fence,
                                const tk_hash *ticket_hashes, size_t n,
                                tk_winner_state state, const tk_hash *tx_hash)
{
    tk_store_pg *s = self;
    tk_status st;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, (n == 0 || ticket_hashes != NULL) &&
                 (fence == NULL || tk__lease_fence_ok(fence)) &&
                 (unsigned)state <= (unsigned)TK_WINNER_EXPIRED);
    if (n == 0)
        return TK_OK;
    /* One transaction: an absent hash rolls back the ones before it. */
    if ((st = begin_fenced(s, fence)) != TK_OK)
        return st;
    for (size_t i = 0; st == TK_OK && i < n; i++)
        st = tk__pg_set_state_run(s, &ticket_hashes[i], state, tx_hash);
    st = tk__pg_finish(s, st);
    pthread_mutex_unlock(&s->mu);
    return st;
}

/* set_state_fenced: set_state_many of one hash, the fence required. */
tk_status tk__pg_set_state_fenced(void *self, const tk_lease_fence *fence,
                                  const tk_hash *ticket_hash,
                                  tk_winner_state state,
                                  const tk_hash *tx_hash)
{
    tk_store_pg *s = self;

    TK_ARG_CHECK_NOCTX(s != NULL);
    TK_ARG_CHECK(s->ctx, fence != NULL && ticket_hash != NULL);
    return tk__pg_set_state_many(self, fence, ticket_hash, 1, state, tx_hash);
}

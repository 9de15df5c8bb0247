/* SPDX-License-Identifier: MIT */
/* The sender monitor (docs/protocol-notes.md section 7;
 * include/ticket/monitor.h).
 *
 * Chain values are read on every call (the tk_chain implementation is the
 * node's cache); the monitor itself only keeps the pending face values per
 * sender, under one mutex - or, when created shared, reads and writes
 * them in the store, where every node of a fleet sees them. The arithmetic is signed GMP so that a negative
 * intermediate (claimed above the allocation) is handled as in go-livepeer
 * and only the final result is clamped at 0. */
#include "ticket/monitor.h"
#include "ticket/store.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include "core/internal.h"
#include "model/mpz_u64.h"
#include "monitor/monitor_internal.h"

#include <gmp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct pending_entry {
    tk_address sender;
    tk_u256 amount; /* never zero: zero entries are removed */
} pending_entry;

struct tk_monitor {
    const tk_ctx *ctx;
    tk_chain chain;
    tk_address recipient;
    tk_store store;  /* shared mode: the pending_* operations */
    int shared;
    pthread_mutex_t mu;
    pending_entry *pending;
    size_t n_pending, cap_pending;
};

tk_status tk_monitor_create(const tk_ctx *ctx, tk_monitor **out, const tk_chain *chain,
                            const tk_address *recipient)
{
    tk_monitor *m;

    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, ctx != NULL && chain != NULL && recipient != NULL);
    TK_ARG_CHECK(ctx, chain->sender_funds != NULL && chain->claimed_reserve != NULL &&
                          chain->pool_size != NULL);
    m = calloc(1, sizeof *m);
    if (m == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return TK_ERR_NOMEM;
    }
    m->ctx = ctx;
    m->chain = *chain;
    m->recipient = *recipient;
    *out = m;
    return TK_OK;
}

tk_status tk_monitor_create_shared(const tk_ctx *ctx, tk_monitor **out, const tk_chain *chain,
                                   const tk_address *recipient, const tk_store *store)
{
    tk_status st;

    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, store != NULL && store->pending_add != NULL &&
                          store->pending_remove != NULL && store->pending_total != NULL);
    st = tk_monitor_create(ctx, out, chain, recipient);
    if (st == TK_OK) {
        (*out)->store = *store;
        (*out)->shared = 1;
    }
    return st;
}

int tk_monitor_is_shared(const tk_monitor *m)
{
    return m != NULL && m->shared;
}

void tk_monitor_destroy(tk_monitor *m)
{
    if (m == NULL)
        return;
    free(m->pending);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* The pending entry of sender, or NULL. m->mu must be held. */
static pending_entry *pending_find(tk_monitor *m, const tk_address *sender)
{
    for (size_t i = 0; i < m->n_pending; i++)
        if (memcmp(m->pending[i].sender.bytes, sender->bytes, TK_ADDRESS_LEN) == 0)
            return &m->pending[i];
    return NULL;
}

static tk_status pending_get(tk_monitor *m, const tk_address *sender, tk_u256 *out)
{
    const pending_entry *e;

    if (m->shared) {
        tk_status st = m->store.pending_total(m->store.self, sender, out);
        if (st != TK_OK)
            memset(out, 0, sizeof *out);
        return st; /* the store's own status: a retryable one stays so */
    }
    pthread_mutex_lock(&m->mu);
    e = pending_find(m, sender);
    if (e != NULL)
        *out = e->amount;
    else
        memset(out, 0, sizeof *out);
    pthread_mutex_unlock(&m->mu);
    return TK_OK;
}

/* What the formulas need, as signed integers. */
typedef struct sender_view {
    mpz_t reserve_alloc; /* may be negative */
    mpz_t deposit;
    mpz_t pending;
} sender_view;

static void view_init(sender_view *v)
{
    mpz_inits(v->reserve_alloc, v->deposit, v->pending, NULL);
}

static void view_clear(sender_view *v)
{
    mpz_clears(v->reserve_alloc, v->deposit, v->pending, NULL);
}

/* reserveAlloc = (fundsRemaining + claimedInCurrentRound) / poolSize -
 * claimed (0 when the pool is empty), plus the deposit and pending. */
static tk_status view_load(tk_monitor *m, sender_view *v, const tk_address *sender)
{
    tk_sender_funds funds;
    tk_u256 claimed, pending;
    uint64_t pool = 0;
    tk_status st;
    mpz_t t;

    if (m->chain.sender_funds(m->chain.self, sender, &funds) != TK_OK ||
        m->chain.claimed_reserve(m->chain.self, sender, &m->recipient, &claimed) != TK_OK ||
        m->chain.pool_size(m->chain.self, &pool) != TK_OK)
        return TK_ERR_CHAIN;
    if ((st = pending_get(m, sender, &pending)) != TK_OK)
        return st;

    (void)tk_u256_to_mpz(v->deposit, &funds.deposit);
    (void)tk_u256_to_mpz(v->pending, &pending);
    mpz_set_ui(v->reserve_alloc, 0);
    if (pool == 0)
        return TK_OK;
    mpz_init(t);
    (void)tk_u256_to_mpz(v->reserve_alloc, &funds.reserve_funds_remaining);
    (void)tk_u256_to_mpz(t, &funds.reserve_claimed_in_current_round);
    mpz_add(v->reserve_alloc, v->reserve_alloc, t);
    tk__mpz_set_u64(t, pool);
    mpz_fdiv_q(v->reserve_alloc, v->reserve_alloc, t);
    (void)tk_u256_to_mpz(t, &claimed);
    mpz_sub(v->reserve_alloc, v->reserve_alloc, t);
    mpz_clear(t);
    return TK_OK;
}

/* *out = max(x, 0); TK_ERR_OVERFLOW (out zeroed) when x >= 2^256. */
static tk_status clamp_out(tk_u256 *out, mpz_t x)
{
    if (mpz_sgn(x) < 0)
        mpz_set_ui(x, 0);
    return tk_u256_from_mpz(out, x);
}

typedef enum query { RESERVE_ALLOC, MAX_FLOAT, AVAILABLE_FUNDS } query;

/* The three section-7 quantities from one view of the sender. */
static tk_status monitor_query(tk_monitor *m, tk_u256 *out, const tk_address *sender, query q)
{
    sender_view v;
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(m != NULL);
    TK_ARG_CHECK(m->ctx, out != NULL && sender != NULL);
    view_init(&v);
    st = view_load(m, &v, sender);
    if (st == TK_OK && q == MAX_FLOAT) {
        int covered = 0;
        if (mpz_sgn(v.pending) > 0) {
            /* The deposit covers the in-flight redemptions three times
             * over: the reserve allocation stays fully usable. */
            mpz_t t;
            mpz_init(t);
            mpz_fdiv_q(t, v.deposit, v.pending);
            covered = mpz_cmp_ui(t, 3) >= 0;
            mpz_clear(t);
        }
        if (!covered)
            mpz_sub(v.reserve_alloc, v.reserve_alloc, v.pending);
    } else if (st == TK_OK && q == AVAILABLE_FUNDS) {
        mpz_add(v.reserve_alloc, v.reserve_alloc, v.deposit);
        mpz_sub(v.reserve_alloc, v.reserve_alloc, v.pending);
    }
    if (st == TK_OK)
        st = clamp_out(out, v.reserve_alloc);
    view_clear(&v);
    return st;
}

tk_status tk_monitor_reserve_alloc(tk_monitor *m, tk_u256 *out, const tk_address *sender)
{
    return monitor_query(m, out, sender, RESERVE_ALLOC);
}

tk_status tk_monitor_max_float(tk_monitor *m, tk_u256 *out, const tk_address *sender)
{
    return monitor_query(m, out, sender, MAX_FLOAT);
}

tk_status tk_monitor_available_funds(tk_monitor *m, tk_u256 *out, const tk_address *sender)
{
    return monitor_query(m, out, sender, AVAILABLE_FUNDS);
}

/* A new zero entry for sender (m->mu held), or NULL on NOMEM. */
static pending_entry *pending_new(tk_monitor *m, const tk_address *sender)
{
    pending_entry *e;
    if (m->n_pending == m->cap_pending) {
        size_t cap = m->cap_pending == 0 ? 8 : m->cap_pending * 2;
        pending_entry *grown = realloc(m->pending, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        m->pending = grown;
        m->cap_pending = cap;
    }
    e = &m->pending[m->n_pending++];
    memset(e, 0, sizeof *e);
    e->sender = *sender;
    return e;
}

/* pending += face_value (add) or -= face_value; all or nothing. With a
 * limit (add only), refused unless the new pending is <= limit. */
static tk_status pending_update(tk_monitor *m, const tk_address *sender,
                                const tk_u256 *face_value, int add, const mpz_t limit)
{
    tk_status st = TK_OK;
    pending_entry *e;
    mpz_t a, b;

    TK_ARG_CHECK_NOCTX(m != NULL);
    TK_ARG_CHECK(m->ctx, sender != NULL && face_value != NULL);
    if (m->shared)
        return TK_ERR_STATE; /* shared pending is keyed: claim / release */
    if (tk_u256_is_zero(face_value))
        return TK_OK;
    mpz_inits(a, b, NULL);
    pthread_mutex_lock(&m->mu);
    e = pending_find(m, sender);
    if (e != NULL)
        (void)tk_u256_to_mpz(a, &e->amount);
    (void)tk_u256_to_mpz(b, face_value);
    if (add)
        mpz_add(a, a, b);
    else
        mpz_sub(a, a, b);
    if (mpz_sgn(a) < 0)
        st = TK_ERR_STATE; /* more than is pending: nothing changes */
    else if (limit != NULL && mpz_cmp(a, limit) > 0)
        st = TK_ERR_PENDING_LIMIT;
    else if (mpz_sizeinbase(a, 2) > 256)
        st = TK_ERR_OVERFLOW;
    else if (mpz_sgn(a) == 0)
        *e = m->pending[--m->n_pending]; /* drop the emptied entry */
    else if (e == NULL && (e = pending_new(m, sender)) == NULL)
        st = TK_ERR_NOMEM;
    else
        st = tk_u256_from_mpz(&e->amount, a);
    pthread_mutex_unlock(&m->mu);
    mpz_clears(a, b, NULL);
    return st;
}

tk_status tk_monitor_add_pending(tk_monitor *m, const tk_address *sender,
                                 const tk_u256 *face_value)
{
    return pending_update(m, sender, face_value, 1, NULL);
}

tk_status tk_monitor_sub_pending(tk_monitor *m, const tk_address *sender,
                                 const tk_u256 *face_value)
{
    return pending_update(m, sender, face_value, 0, NULL);
}

/* The limit of a funds-checked claim: reserveAlloc + deposit (what
 * availableFunds would be with nothing pending). TK_ERR_PENDING_LIMIT when
 * it is negative. */
static tk_status claim_limit(tk_monitor *m, mpz_t limit, const tk_address *sender)
{
    sender_view v;
    tk_status st;

    view_init(&v);
    st = view_load(m, &v, sender);
    if (st == TK_OK) {
        mpz_add(limit, v.reserve_alloc, v.deposit);
        if (mpz_sgn(limit) < 0)
            st = TK_ERR_PENDING_LIMIT;
    }
    view_clear(&v);
    return st;
}

int tk__monitor_can_fence(const tk_monitor *m)
{
    return m != NULL && (!m->shared || (m->store.pending_add_fenced != NULL &&
                                        m->store.pending_remove_fenced != NULL));
}

tk_status tk__monitor_claim_pending(tk_monitor *m, const tk_lease_fence *fence,
                                    const tk_hash *ticket_hash, const tk_address *sender,
                                    const tk_u256 *face_value, int check_funds)
{
    tk_status st = TK_OK;
    tk_u256 lim;
    mpz_t limit;
    int added = 0;

    TK_ARG_CHECK_NOCTX(m != NULL);
    TK_ARG_CHECK(m->ctx, ticket_hash != NULL && sender != NULL && face_value != NULL);
    if (fence != NULL && !tk__monitor_can_fence(m))
        return TK_ERR_STATE; /* the fleet redeemers check this first */
    if (tk_u256_is_zero(face_value))
        return TK_OK;
    mpz_init(limit);
    if (check_funds)
        st = claim_limit(m, limit, sender);
    if (st == TK_OK && !m->shared) {
        st = pending_update(m, sender, face_value, 1, check_funds ? limit : NULL);
    } else if (st == TK_OK) {
        /* A limit of 2^256 or more cannot be reached by a uint256 total. */
        int unlimited = !check_funds || tk_u256_from_mpz(&lim, limit) != TK_OK;
        st = fence != NULL
                 ? m->store.pending_add_fenced(m->store.self, fence, ticket_hash, sender,
                                               face_value, unlimited ? NULL : &lim, &added)
                 : m->store.pending_add(m->store.self, ticket_hash, sender, face_value,
                                        unlimited ? NULL : &lim, &added);
    }
    mpz_clear(limit);
    return st;
}

tk_status tk_monitor_claim_pending(tk_monitor *m, const tk_hash *ticket_hash,
                                   const tk_address *sender, const tk_u256 *face_value,
                                   int check_funds)
{
    return tk__monitor_claim_pending(m, NULL, ticket_hash, sender, face_value, check_funds);
}

tk_status tk__monitor_release_pending(tk_monitor *m, const tk_lease_fence *fence,
                                      const tk_hash *ticket_hash, const tk_address *sender,
                                      const tk_u256 *face_value)
{
    int removed = 0;

    TK_ARG_CHECK_NOCTX(m != NULL);
    TK_ARG_CHECK(m->ctx, ticket_hash != NULL && sender != NULL && face_value != NULL);
    if (!m->shared)
        return pending_update(m, sender, face_value, 0, NULL);
    if (fence != NULL && !tk__monitor_can_fence(m))
        return TK_ERR_STATE;
    if (tk_u256_is_zero(face_value))
        return TK_OK;
    if (fence != NULL)
        return m->store.pending_remove_fenced(m->store.self, fence, ticket_hash, &removed);
    return m->store.pending_remove(m->store.self, ticket_hash, &removed);
}

tk_status tk_monitor_release_pending(tk_monitor *m, const tk_hash *ticket_hash,
                                     const tk_address *sender, const tk_u256 *face_value)
{
    return tk__monitor_release_pending(m, NULL, ticket_hash, sender, face_value);
}

tk_status tk_monitor_pending(tk_monitor *m, tk_u256 *out, const tk_address *sender)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(m != NULL);
    TK_ARG_CHECK(m->ctx, out != NULL && sender != NULL);
    return pending_get(m, sender, out);
}

/* SPDX-License-Identifier: MIT */
/* One redeemer for a fleet (include/ticket/fleet.h): the store's lease
 * decides which node runs the redemption queue; a new tenure starts a new
 * queue (which restores the fleet's pending amounts) and every block of a
 * tenure first settles the SUBMITTED winners by their receipts. */
#include "ticket/fleet.h"

#include "core/internal.h"
#include "fleet/lease.h"
#include "monitor/monitor_internal.h"
#include "redeem/queue_fence.h"
#include "store/fleet_table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A transaction of a SUBMITTED winner and the block it was first seen at
 * in this tenure (for receipt_wait_blocks). */
typedef struct tx_wait {
    tk_hash tx_hash;
    uint64_t first_block;
} tx_wait;

typedef struct tx_list {
    tx_wait *v;
    size_t n, cap;
} tx_list;

struct tk_fleet_redeemer {
    const tk_ctx *ctx;
    tk__fleet_lease lease;
    tk_fleet_config cfg; /* cfg.holder points at lease.holder */
    tk_redeem_config rcfg;
    tk_store store;
    tk_chain chain;
    tk_monitor *monitor;
    tk_redeem_submit_fn submit;              /* one of these two */
    tk_redeem_submit_recorded_fn submit_rec;
    void *submit_data;
    pthread_mutex_t mu;
    tk_redeem_queue *queue; /* while leading */
    tx_list waits;
    tk_fleet_state state;
};

static const tx_wait *tx_find(const tx_list *l, const tk_hash *h)
{
    for (size_t i = 0; i < l->n; i++)
        if (memcmp(l->v[i].tx_hash.bytes, h->bytes, TK_HASH_LEN) == 0)
            return &l->v[i];
    return NULL;
}

static tk_status tx_push(tx_list *l, const tk_hash *h, uint64_t first_block)
{
    if (tx_find(l, h) != NULL)
        return TK_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        tx_wait *grown = realloc(l->v, cap * sizeof *grown);
        if (grown == NULL)
            return TK_ERR_NOMEM;
        l->v = grown;
        l->cap = cap;
    }
    l->v[l->n].tx_hash = *h;
    l->v[l->n].first_block = first_block;
    l->n++;
    return TK_OK;
}

/* ---- lease-checked submit -------------------------------------------------*/

/* The queue's submit: renew the lease right before the node sends, so a
 * holder that stalled past its lease (and may have been replaced) sends
 * nothing. Runs under r->mu (inside on_block). */
static tk_status fenced_submit(void *data, tk_hash *tx_hash, const uint8_t *calldata,
                               size_t len, uint64_t gas_limit, size_t ticket_count)
{
    tk_fleet_redeemer *r = data;

    if (!tk__fleet_lease_still_ours(&r->lease))
        return TK_ERR_LEASE_HELD; /* lost (or a new tenure): send nothing */
    return r->submit(r->submit_data, tx_hash, calldata, len, gas_limit, ticket_count);
}

/* The same for a recording callback (its record is fenced besides). */
static tk_status fenced_submit_rec(void *data, tk_redeem_call *call, tk_hash *tx_hash,
                                   const uint8_t *calldata, size_t len, uint64_t gas_limit,
                                   size_t ticket_count)
{
    tk_fleet_redeemer *r = data;

    if (!tk__fleet_lease_still_ours(&r->lease))
        return TK_ERR_LEASE_HELD;
    return r->submit_rec(r->submit_data, call, tx_hash, calldata, len, gas_limit,
                         ticket_count);
}

/* ---- lifecycle --------------------------------------------------------------*/

static tk_status create(const tk_ctx *ctx, tk_fleet_redeemer **out,
                        const tk_fleet_config *fcfg, const tk_redeem_config *rcfg,
                        const tk_store *store, const tk_chain *chain, tk_monitor *monitor,
                        tk_redeem_submit_fn submit, tk_redeem_submit_recorded_fn submit_rec,
                        void *submit_data)
{
    tk_fleet_redeemer *r;

    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, ctx != NULL && fcfg != NULL && rcfg != NULL && store != NULL &&
                          chain != NULL && monitor != NULL &&
                          (submit != NULL || submit_rec != NULL));
    TK_ARG_CHECK(ctx, fcfg->holder != NULL && fcfg->receipt != NULL &&
                          fcfg->lease_ms > 0 && fcfg->receipt_wait_blocks > 0);
    TK_ARG_CHECK(ctx, tk__lease_holder_ok(fcfg->holder));
    TK_ARG_CHECK(ctx, store->lease_acquire != NULL && store->lease_release != NULL &&
                          store->pending_add != NULL && store->pending_remove != NULL &&
                          store->pending_total != NULL && store->list != NULL);
    TK_ARG_CHECK(ctx, store->set_state_fenced != NULL && store->pending_add_fenced != NULL &&
                          store->pending_remove_fenced != NULL);
    TK_ARG_CHECK(ctx, tk_monitor_is_shared(monitor) && tk__monitor_can_fence(monitor));
    /* What tk_redeem_queue_create would refuse, refused now. */
    TK_ARG_CHECK(ctx, rcfg->redeem_gas > 0 && rcfg->batch_ticket_gas > 0 &&
                          rcfg->gas_cap >= rcfg->redeem_gas);
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        free(r);
        return TK_ERR_NOMEM;
    }
    r->ctx = ctx;
    tk__fleet_lease_init(&r->lease, store, fcfg->holder, fcfg->lease_ms);
    r->cfg = *fcfg;
    r->cfg.holder = r->lease.holder;
    r->rcfg = *rcfg;
    r->store = *store;
    r->chain = *chain;
    r->monitor = monitor;
    r->submit = submit;
    r->submit_rec = submit_rec;
    r->submit_data = submit_data;
    *out = r;
    return TK_OK;
}

tk_status tk_fleet_redeemer_create(const tk_ctx *ctx, tk_fleet_redeemer **out,
                                   const tk_fleet_config *fcfg, const tk_redeem_config *rcfg,
                                   const tk_store *store, const tk_chain *chain,
                                   tk_monitor *monitor, tk_redeem_submit_fn submit,
                                   void *submit_data)
{
    return create(ctx, out, fcfg, rcfg, store, chain, monitor, submit, NULL, submit_data);
}

tk_status tk_fleet_redeemer_create_recorded(const tk_ctx *ctx, tk_fleet_redeemer **out,
                                            const tk_fleet_config *fcfg,
                                            const tk_redeem_config *rcfg,
                                            const tk_store *store, const tk_chain *chain,
                                            tk_monitor *monitor,
                                            tk_redeem_submit_recorded_fn submit,
                                            void *submit_data)
{
    return create(ctx, out, fcfg, rcfg, store, chain, monitor, NULL, submit, submit_data);
}

/* Leave the tenure (r->mu held). */
static void stop_leading(tk_fleet_redeemer *r)
{
    tk_redeem_queue_destroy(r->queue);
    r->queue = NULL;
    r->waits.n = 0;
    r->state.leading = 0;
    r->state.token = 0;
    tk__fleet_lease_end(&r->lease);
}

void tk_fleet_redeemer_destroy(tk_fleet_redeemer *r)
{
    if (r == NULL)
        return;
    stop_leading(r);
    free(r->waits.v);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- reconciliation ---------------------------------------------------------*/

typedef struct tx_collect {
    tx_list *l;
    uint64_t block;
    tk_status st;
} tx_collect;

static int collect_tx(const tk_winner *w, void *data)
{
    tx_collect *c = data;
    c->st = tx_push(c->l, &w->tx_hash, c->block);
    return c->st != TK_OK;
}

/* Settle every SUBMITTED winner's transaction that has a receipt, or that
 * went without one for receipt_wait_blocks (r->mu held). TK_ERR_LEASE_HELD
 * or TK_ERR_LEASE_LOST: the lease was lost on the way (the rest is left to
 * the next holder). */
static tk_status reconcile(tk_fleet_redeemer *r, uint64_t block)
{
    tx_list now = {NULL, 0, 0};
    tx_collect c = {&now, block, TK_OK};
    tk_status st = r->store.list(r->store.self, NULL,
                                 TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED), collect_tx, &c);

    if (st == TK_OK)
        st = c.st;
    /* Keep counting from where each hash was first seen, for all of them
     * before any is settled: a loop that stops early must not restart the
     * count of the rest. */
    for (size_t i = 0; st == TK_OK && i < now.n; i++) {
        const tx_wait *seen = tx_find(&r->waits, &now.v[i].tx_hash);
        if (seen != NULL)
            now.v[i].first_block = seen->first_block;
    }
    for (size_t i = 0; st == TK_OK && i < now.n; i++) {
        tk_redeem_outcome outcome = TK_REDEEM_RPC_ERROR;
        int mined = 0;
        tk_status s2;

        if (r->cfg.receipt(r->cfg.receipt_data, &now.v[i].tx_hash, &mined, &outcome) != TK_OK)
            continue; /* asked again next block */
        if (mined && (unsigned)outcome > (unsigned)TK_REDEEM_REVERTED_NO_REASON)
            outcome = TK_REDEEM_RPC_ERROR; /* a receipt says mined or reverted */
        /* A block below the first one (a lagging endpoint: chain.h lets the
         * head go back) counts as no block gone by, never as 2^64. */
        if (!mined && (block < now.v[i].first_block ||
                       block - now.v[i].first_block < r->cfg.receipt_wait_blocks))
            continue;
        /* Settle only as the holder of this tenure, renewing it: a long
         * reconciliation keeps the lease, and a holder that stalled past
         * it (in the receipt lookup, say) writes nothing - the next
         * holder settles these winners. */
        if (!tk__fleet_lease_still_ours(&r->lease)) {
            st = TK_ERR_LEASE_HELD;
            break;
        }
        s2 = tk_redeem_queue_outcome(r->queue, &now.v[i].tx_hash,
                                     mined ? outcome : TK_REDEEM_RPC_ERROR, NULL);
        if (s2 != TK_OK && s2 != TK_ERR_NOT_FOUND) /* NOT_FOUND: settled meanwhile */
            st = s2;
        else if (mined)
            r->state.reconciled++;
        else
            r->state.lost++;
    }
    free(r->waits.v); /* settled transactions drop out of the count */
    r->waits = now;
    return st;
}

/* ---- per block --------------------------------------------------------------*/

tk_status tk_fleet_redeemer_on_block(tk_fleet_redeemer *r, uint64_t block, int *leading)
{
    uint64_t token = 0;
    int new_tenure = 0;
    tk_status st;

    if (leading != NULL)
        *leading = 0;
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, leading != NULL);
    pthread_mutex_lock(&r->mu);
    st = tk__fleet_lease_take(&r->lease, &token, &new_tenure);
    if (st != TK_OK) {
        stop_leading(r); /* held elsewhere, or unknown: do nothing */
        pthread_mutex_unlock(&r->mu);
        return st == TK_ERR_LEASE_HELD ? TK_OK : st; /* the store's status */
    }
    if (r->queue == NULL || new_tenure) {
        /* A new tenure: whatever this node knew may be stale. Every store
         * write of the tenure is fenced by its token. */
        tk_lease_fence fence = {r->lease.holder, token};
        stop_leading(r);
        st = tk__redeem_queue_create_fenced(r->ctx, &r->queue, &r->rcfg, &r->store,
                                            &r->chain, r->monitor,
                                            r->submit != NULL ? fenced_submit : NULL,
                                            r->submit_rec != NULL ? fenced_submit_rec : NULL,
                                            r, &fence);
        if (st == TK_OK) {
            tk__fleet_lease_begin(&r->lease, token);
            r->state.token = token;
            r->state.tenures++;
        }
    }
    if (st == TK_OK) {
        r->state.leading = 1;
        st = reconcile(r, block);
    }
    if (st == TK_OK)
        st = tk_redeem_queue_on_block(r->queue, block);
    if (st == TK_ERR_LEASE_HELD || st == TK_ERR_LEASE_LOST) {
        /* Lost mid-block (a renewal failed, or a fenced write found the
         * tenure over): the tenure ends, and what is left is the next
         * holder's. */
        if (st == TK_ERR_LEASE_LOST)
            r->state.fenced++;
        stop_leading(r);
        st = TK_OK;
    }
    *leading = r->state.leading;
    pthread_mutex_unlock(&r->mu);
    return st;
}

tk_status tk_fleet_redeemer_release(tk_fleet_redeemer *r)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    stop_leading(r);
    st = tk__fleet_lease_release(&r->lease);
    pthread_mutex_unlock(&r->mu);
    return st;
}

tk_status tk_fleet_redeemer_state(tk_fleet_redeemer *r, tk_fleet_state *out,
                                  tk_redeem_stats *queue_stats)
{
    tk_status st = TK_OK;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (queue_stats != NULL)
        memset(queue_stats, 0, sizeof *queue_stats);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL);
    pthread_mutex_lock(&r->mu);
    *out = r->state;
    if (queue_stats != NULL && r->queue != NULL)
        st = tk_redeem_queue_stats(r->queue, queue_stats);
    pthread_mutex_unlock(&r->mu);
    return st;
}

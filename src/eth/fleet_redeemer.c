/* SPDX-License-Identifier: MIT */
/* A fleet's redeemer on a real chain (include/ticket/eth_fleet.h): the
 * store's lease decides which node runs a tk_eth_redeemer; a new tenure
 * gets a new one (which reconciles the SUBMITTED winners by hash), and its
 * send guard renews the lease before anything is broadcast. */
#include "ticket/eth_fleet.h"

#include "core/internal.h"
#include "eth/redeem_internal.h"
#include "eth/txsender_internal.h"
#include "fleet/lease.h"
#include "monitor/monitor_internal.h"
#include "store/fleet_table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct tk_eth_fleet_redeemer {
    const tk_ctx *ctx;
    pthread_mutex_t mu;
    tk__fleet_lease lease;
    tk_eth_redeemer_options opts; /* may_submit: ours; the caller's below */
    tk_eth_redeem_guard_fn user_guard;
    void *user_guard_data;
    tk_eth_redeem_guard_fn user_settle_guard;
    void *user_settle_guard_data;
    tk_redeem_config cfg;
    tk_store store;
    tk_chain chain;
    tk_monitor *monitor;
    tk_eth_sender *sender;
    tk_rpc *rpc;
    tk_eth_redeem_tx_fn tx_fn;
    void *tx_data;
    tk_eth_redeemer *rd;          /* while leading */
    tk_eth_fleet_state state;
};

/* The guards (under r->mu: only on_block runs the redeemer): renew the
 * lease right before a send, and right before an outcome is written to
 * the store, so a holder that stalled past its lease neither sends nor
 * settles (the next holder does, from the store). */
static tk_status lease_then(tk_eth_fleet_redeemer *r,
                            tk_eth_redeem_guard_fn caller_guard, void *data)
{
    if (!tk__fleet_lease_still_ours(&r->lease)) {
        r->state.refused++;
        return TK_ERR_LEASE_HELD; /* lost, or a new tenure */
    }
    return caller_guard != NULL ? caller_guard(data) : TK_OK;
}

static tk_status lease_guard(void *data)
{
    tk_eth_fleet_redeemer *r = data;
    return lease_then(r, r->user_guard, r->user_guard_data);
}

static tk_status lease_settle_guard(void *data)
{
    tk_eth_fleet_redeemer *r = data;
    return lease_then(r, r->user_settle_guard, r->user_settle_guard_data);
}

tk_status tk_eth_fleet_redeemer_create(const tk_ctx *ctx,
                                       tk_eth_fleet_redeemer **out,
                                       const tk_eth_fleet_config *fcfg,
                                       const tk_eth_redeemer_options *opts,
                                       const tk_redeem_config *cfg,
                                       const tk_store *store,
                                       const tk_chain *chain,
                                       tk_monitor *monitor,
                                       tk_eth_sender *sender, tk_rpc *rpc)
{
    static const tk_address zero;
    tk_eth_fleet_redeemer *r;

    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, fcfg != NULL && opts != NULL && cfg != NULL &&
                          store != NULL && chain != NULL && monitor != NULL &&
                          sender != NULL && rpc != NULL);
    TK_ARG_CHECK(ctx, fcfg->holder != NULL && fcfg->lease_ms > 0);
    TK_ARG_CHECK(ctx, tk__lease_holder_ok(fcfg->holder));
    TK_ARG_CHECK(ctx, store->lease_acquire != NULL &&
                          store->lease_release != NULL &&
                          store->pending_add != NULL &&
                          store->pending_remove != NULL &&
                          store->pending_total != NULL && store->list != NULL);
    TK_ARG_CHECK(ctx, store->set_state_fenced != NULL &&
                          store->pending_add_fenced != NULL &&
                          store->pending_remove_fenced != NULL);
    TK_ARG_CHECK(ctx, tk__monitor_can_fence(monitor));
    TK_ARG_CHECK(ctx, tk_monitor_is_shared(monitor));
    /* What tk_eth_redeemer_create would refuse on the first block,
     * refused now. */
    TK_ARG_CHECK(ctx, memcmp(&opts->broker, &zero, sizeof zero) != 0);
    TK_ARG_CHECK(ctx, chain->ticket_used != NULL);
    TK_ARG_CHECK(ctx, cfg->redeem_gas > 0 && cfg->batch_ticket_gas > 0 &&
                          cfg->gas_cap >= cfg->redeem_gas);
    if ((r = calloc(1, sizeof *r)) == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        free(r);
        return TK_ERR_NOMEM;
    }
    r->ctx = ctx;
    tk__fleet_lease_init(&r->lease, store, fcfg->holder, fcfg->lease_ms);
    r->opts = *opts;
    r->user_guard = opts->may_submit;
    r->user_guard_data = opts->may_submit_data;
    r->opts.may_submit = lease_guard;
    r->opts.may_submit_data = r;
    r->user_settle_guard = opts->may_settle;
    r->user_settle_guard_data = opts->may_settle_data;
    r->opts.may_settle = lease_settle_guard;
    r->opts.may_settle_data = r;
    r->cfg = *cfg;
    r->store = *store;
    r->chain = *chain;
    r->monitor = monitor;
    r->sender = sender;
    r->rpc = rpc;
    *out = r;
    return TK_OK;
}

/* End the tenure (r->mu held): this node stops tracking and replacing
 * its transactions; the store still names them (SUBMITTED). Its local
 * nonce count goes too: a transaction of this tenure the pool drops later
 * would otherwise leave a gap under the next tenure's first send (here or
 * a new tenure of this node, which always starts through this). */
static void stop_leading(tk_eth_fleet_redeemer *r)
{
    if (r->rd != NULL) {
        tk__eth_redeemer_abandon(r->rd);
        tk_eth_redeemer_destroy(r->rd);
        r->rd = NULL;
    }
    tk__eth_sender_forget_nonce(r->sender);
    r->state.leading = 0;
    r->state.token = 0;
    tk__fleet_lease_end(&r->lease);
}

void tk_eth_fleet_redeemer_destroy(tk_eth_fleet_redeemer *r)
{
    if (r == NULL)
        return;
    stop_leading(r);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* A new tenure (r->mu held): a redeemer that knows nothing but the
 * store. */
static tk_status start_tenure(tk_eth_fleet_redeemer *r, uint64_t token)
{
    tk_lease_fence fence = {r->lease.holder, token};
    tk_status st;

    stop_leading(r);
    /* Every store write of the tenure is fenced by its token. */
    st = tk__eth_redeemer_create_fenced(r->ctx, &r->rd, &r->opts, &r->cfg, &r->store,
                                        &r->chain, r->monitor, r->sender, r->rpc,
                                        &fence);
    if (st == TK_OK && r->tx_fn != NULL)
        st = tk_eth_redeemer_set_tx_callback(r->rd, r->tx_fn, r->tx_data);
    if (st != TK_OK) {
        tk_eth_redeemer_destroy(r->rd);
        r->rd = NULL;
        return st;
    }
    tk__fleet_lease_begin(&r->lease, token);
    r->state.token = token;
    r->state.tenures++;
    return TK_OK;
}

tk_status tk_eth_fleet_redeemer_on_block(tk_eth_fleet_redeemer *r,
                                         uint64_t block, int *leading)
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
        return st == TK_ERR_LEASE_HELD ? TK_OK : st;
    }
    if (r->rd == NULL || new_tenure)
        st = start_tenure(r, token);
    if (st == TK_OK) {
        r->state.leading = 1;
        *leading = 1;
        st = tk_eth_redeemer_on_block(r->rd, block);
    }
    if (st == TK_ERR_LEASE_LOST) {
        /* A fenced write found the tenure over (this node stalled past
         * its lease): it ends here; what is left is the next holder's. */
        r->state.fenced++;
        stop_leading(r);
        *leading = 0;
        st = TK_OK;
    }
    pthread_mutex_unlock(&r->mu);
    return st;
}

tk_status tk_eth_fleet_redeemer_release(tk_eth_fleet_redeemer *r)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    stop_leading(r);
    st = tk__fleet_lease_release(&r->lease);
    pthread_mutex_unlock(&r->mu);
    return st;
}

tk_status tk_eth_fleet_redeemer_set_tx_callback(tk_eth_fleet_redeemer *r,
                                                tk_eth_redeem_tx_fn fn,
                                                void *data)
{
    tk_status st = TK_OK;

    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    r->tx_fn = fn;
    r->tx_data = data;
    if (r->rd != NULL)
        st = tk_eth_redeemer_set_tx_callback(r->rd, fn, data);
    pthread_mutex_unlock(&r->mu);
    return st;
}

tk_status tk_eth_fleet_redeemer_state(tk_eth_fleet_redeemer *r,
                                      tk_eth_fleet_state *out,
                                      tk_eth_redeemer_stats *stats)
{
    tk_status st = TK_OK;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL);
    pthread_mutex_lock(&r->mu);
    *out = r->state;
    if (stats != NULL && r->rd != NULL)
        st = tk_eth_redeemer_get_stats(r->rd, stats);
    pthread_mutex_unlock(&r->mu);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* The redeemer: the queue's submit callback on the node's transaction
 * sender, and the chain view the queue sees (ticket_used read fresh from the node, or
 * from the reads at a receipt's block while that receipt is applied). */
#include "eth/redeem_internal.h"
#include "eth/txsender_internal.h"
#include "redeem/queue_fence.h"

#include "core/internal.h"
#include "core/memzero.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

tk_status tk_eth_redeemer_options_default(tk_eth_redeemer_options *o)
{
    TK_ARG_CHECK_NOCTX(o != NULL);
    memset(o, 0, sizeof *o);
    o->gas_margin_pct = 25;
    o->lost_after_blocks = 50;
    return TK_OK;
}

uint64_t tk__gas_with_margin(uint64_t gas, uint32_t margin_pct)
{
    uint64_t extra = gas / 100 * margin_pct + gas % 100 * margin_pct / 100;
    return gas > UINT64_MAX - extra ? UINT64_MAX : gas + extra;
}

/* ---- the queue's chain view --------------------------------------------*/

#define INNER(self) (&((tk_eth_redeemer *)(self))->inner)

static tk_status w_last_block(void *self, uint64_t *b)
{
    return INNER(self)->last_block(INNER(self)->self, b);
}
static tk_status w_rounds(void *self, tk_round_info *out)
{
    return INNER(self)->rounds(INNER(self)->self, out);
}
static tk_status w_funds(void *self, const tk_address *s, tk_sender_funds *o)
{
    return INNER(self)->sender_funds(INNER(self)->self, s, o);
}
static tk_status w_claimed(void *self, const tk_address *s,
                           const tk_address *c, tk_u256 *o)
{
    return INNER(self)->claimed_reserve(INNER(self)->self, s, c, o);
}
static tk_status w_pool(void *self, uint64_t *o)
{
    return INNER(self)->pool_size(INNER(self)->self, o);
}
static tk_status w_gas(void *self, tk_u256 *o)
{
    return INNER(self)->gas_price(INNER(self)->self, o);
}

/* The queue decides a ticket's fate from this: while a receipt is applied
 * it gets the reads made at the receipt's block (the redemption's own
 * block), otherwise a fresh read. A cached view could call a redeemed
 * ticket unused (resubmitted: wasted gas) or miss a skipped one. */
static tk_status w_used(void *self, const tk_hash *h, int *used)
{
    tk_eth_redeemer *r = self;
    const tk__inflight *f = r->answering;

    for (size_t i = 0; f != NULL && i < f->n; i++)
        if (memcmp(f->tickets[i].bytes, h->bytes, TK_HASH_LEN) == 0) {
            *used = r->answers[i];
            return TK_OK;
        }
    return tk__broker_used(r->rpc, &r->broker, h, "latest", 0, used);
}

/* ---- submit ---------------------------------------------------------------*/

/* The ticket hashes a call carries (decoded from the calldata we are
 * about to send: the queue knows them, but only by this route). */
static tk_status carried(tk_hash **out, const uint8_t *cd, size_t len,
                         size_t n)
{
    tk_ticket *t = calloc(n, sizeof *t);
    tk_sig *s = calloc(n, sizeof *s);
    tk_u256 *rands = calloc(n, sizeof *rands);
    tk_hash *h = calloc(n, sizeof *h);
    size_t cnt = n;
    tk_status st = t && s && rands && h ? TK_OK : TK_ERR_NOMEM;

    if (st == TK_OK)
        st = n == 1 ? tk_redeem_decode_single(t, s, rands, cd, len)
                    : tk_redeem_decode_batch(t, s, rands, &cnt, cd, len);
    if (st == TK_OK && cnt != n)
        st = TK_ERR_INTERNAL;
    for (size_t i = 0; st == TK_OK && i < n; i++)
        st = tk_ticket_hash(&h[i], &t[i]);
    if (rands != NULL)
        tk_memzero(rands, n * sizeof *rands);
    free(t);
    free(s);
    free(rands);
    if (st != TK_OK) {
        free(h);
        h = NULL;
    }
    *out = h;
    return st;
}

/* Between signing and broadcasting: the store names the transaction
 * before it exists (a refusal, e.g. a fenced write after the tenure
 * ended, sends nothing). data is the queue's call. */
static tk_status record_first(void *data, const tk_hash *tx_hash)
{
    return tk_redeem_call_record(data, tx_hash);
}

static tk_status submit(void *data, tk_redeem_call *call, tk_hash *tx_hash,
                        const uint8_t *cd, size_t len, uint64_t gas_limit, size_t n)
{
    tk_eth_redeemer *r = data;
    tk_eth_send_request req;
    tk_eth_tx_outcome oc;
    tk_hash *tickets = NULL;
    uint64_t id = 0;
    tk_status st = carried(&tickets, cd, len, n);

    /* The sender estimates first: a revert (round not initialized, funds
     * short) sends nothing. The estimate only catches reverts: the limit
     * is the queue's per-ticket figure plus the margin, because a node's
     * estimate for a batch can be too low for its last tickets, which the
     * contract then skips while the transaction succeeds. */
    memset(&req, 0, sizeof req);
    req.to = &r->broker;
    req.data = cd;
    req.data_len = len;
    req.gas_limit = tk__gas_with_margin(gas_limit, r->margin);
    if (st == TK_OK && r->guard != NULL &&
        (st = r->guard(r->guard_data)) != TK_OK)
        r->stats.guard_refusals++; /* e.g. the fleet's lease is gone */
    else if (st == TK_OK) {
        st = tk__eth_sender_send_hooked(r->sender, &id, &req, record_first, call);
        if (st == TK_ERR_OUT_OF_RANGE) {
            /* The figure is below the estimate (a config too low for this
             * chain): the estimate plus the sender's margin then - another
             * send, so the guard again (the first one took time). The
             * sender refuses it before signing, so nothing was recorded
             * (a second record in one call is refused, TK_ERR_STATE). */
            req.gas_limit = 0;
            if (r->guard != NULL && (st = r->guard(r->guard_data)) != TK_OK)
                r->stats.guard_refusals++;
            else
                st = tk__eth_sender_send_hooked(r->sender, &id, &req, record_first, call);
        }
        if (st == TK_ERR_RPC_REVERTED)
            r->stats.estimate_reverts++;
        else if (st != TK_OK)
            r->stats.send_errors++;
    }
    if (st == TK_OK && (st = tk_eth_sender_outcome(r->sender, id, &oc)) ==
                           TK_OK) {
        *tx_hash = oc.hashes[0];
        r->stats.txs_sent++;
        /* Tracking failed (NOMEM): the store still says SUBMITTED, and a
         * restarted redeemer tracks it by hash. */
        (void)tk__redeemer_track(r, tx_hash, id, tickets, n);
    }
    free(tickets);
    return st;
}

/* ---- create / destroy ----------------------------------------------------*/

typedef struct restore_ctx {
    tk_eth_redeemer *r;
    tk_status st;
} restore_ctx;

/* A SUBMITTED winner not tracked yet (an earlier run's, another
 * holder's): track its transaction. */
static int restore_one(const tk_winner *w, void *data)
{
    restore_ctx *rc = data;
    tk_eth_redeemer *r = rc->r;

    for (size_t i = 0; i < r->n_fl; i++) {
        tk__inflight *f = &r->fl[i];
        if (memcmp(f->tx_hash.bytes, w->tx_hash.bytes, TK_HASH_LEN) == 0) {
            tk_hash *nt;
            for (size_t k = 0; k < f->n; k++)
                if (memcmp(&f->tickets[k], &w->ticket_hash, TK_HASH_LEN) == 0)
                    return 0; /* tracked already */
            nt = realloc(f->tickets, (f->n + 1) * sizeof *nt);
            if (nt == NULL) {
                rc->st = TK_ERR_NOMEM;
                return 1;
            }
            f->tickets = nt;
            f->tickets[f->n++] = w->ticket_hash;
            return 0;
        }
    }
    rc->st = tk__redeemer_track(r, &w->tx_hash, 0, &w->ticket_hash, 1);
    return rc->st != TK_OK;
}

tk_status tk__redeemer_adopt(tk_eth_redeemer *r)
{
    restore_ctx rc = {r, TK_OK};
    tk_status st = r->store.list(r->store.self, NULL,
                                 TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED),
                                 restore_one, &rc);
    return st != TK_OK ? st : rc.st;
}

tk_status tk__eth_redeemer_create_fenced(const tk_ctx *ctx, tk_eth_redeemer **out,
                                        const tk_eth_redeemer_options *opts,
                                        const tk_redeem_config *cfg,
                                        const tk_store *store, const tk_chain *chain,
                                        tk_monitor *monitor, tk_eth_sender *sender,
                                        tk_rpc *rpc, const tk_lease_fence *fence)
{
    static const tk_address zero;
    tk_eth_redeemer *r;
    tk_status st;

    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, opts != NULL && cfg != NULL && store != NULL &&
                          chain != NULL && monitor != NULL &&
                          sender != NULL && rpc != NULL);
    TK_ARG_CHECK(ctx, memcmp(&opts->broker, &zero, sizeof zero) != 0);
    TK_ARG_CHECK(ctx, chain->ticket_used != NULL && store->list != NULL);
    if ((r = calloc(1, sizeof *r)) == NULL)
        return TK_ERR_NOMEM;
    r->ctx = ctx;
    r->sender = sender;
    r->rpc = rpc;
    r->broker = opts->broker;
    r->margin = opts->gas_margin_pct;
    r->lost_after = opts->lost_after_blocks;
    r->guard = opts->may_submit;
    r->guard_data = opts->may_submit_data;
    r->settle_guard = opts->may_settle;
    r->settle_guard_data = opts->may_settle_data;
    r->inner = *chain;
    r->wrapped = (tk_chain){r, w_last_block, w_rounds, w_funds, w_claimed,
                            w_pool, w_gas, w_used};
    if (chain->last_block == NULL)
        r->wrapped.last_block = NULL; /* optional for the queue: keep it absent */
    pthread_mutex_init(&r->mu, NULL);
    st = tk__redeem_queue_create_fenced(ctx, &r->q, cfg, store, &r->wrapped,
                                        monitor, NULL, submit, r, fence);
    r->store = *store;
    if (st == TK_OK)
        st = tk__redeemer_adopt(r);
    if (st != TK_OK) {
        tk_eth_redeemer_destroy(r);
        return st;
    }
    *out = r;
    return TK_OK;
}

tk_status tk_eth_redeemer_create(const tk_ctx *ctx, tk_eth_redeemer **out,
                                 const tk_eth_redeemer_options *opts,
                                 const tk_redeem_config *cfg,
                                 const tk_store *store, const tk_chain *chain,
                                 tk_monitor *monitor, tk_eth_sender *sender,
                                 tk_rpc *rpc)
{
    return tk__eth_redeemer_create_fenced(ctx, out, opts, cfg, store, chain, monitor,
                                          sender, rpc, NULL);
}

void tk__eth_redeemer_abandon(tk_eth_redeemer *r)
{
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < r->n_fl; i++)
        if (r->fl[i].id != 0) {
            tk__eth_sender_drop(r->sender, r->fl[i].id);
            r->fl[i].id = 0;
        }
    pthread_mutex_unlock(&r->mu);
}

void tk_eth_redeemer_destroy(tk_eth_redeemer *r)
{
    if (r == NULL)
        return;
    tk_redeem_queue_destroy(r->q);
    for (size_t i = 0; i < r->n_fl; i++)
        tk__inflight_free(&r->fl[i]);
    free(r->fl);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

tk_status tk_eth_redeemer_set_tx_callback(tk_eth_redeemer *r,
                                          tk_eth_redeem_tx_fn fn, void *data)
{
    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    r->tx_fn = fn;
    r->tx_data = data;
    pthread_mutex_unlock(&r->mu);
    return TK_OK;
}

tk_status tk_eth_redeemer_requeue(tk_eth_redeemer *r,
                                  const tk_hash *ticket_hash)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, ticket_hash != NULL);
    pthread_mutex_lock(&r->mu);
    st = tk_redeem_queue_requeue(r->q, ticket_hash);
    pthread_mutex_unlock(&r->mu);
    return st;
}

tk_status tk_eth_redeemer_get_stats(tk_eth_redeemer *r,
                                    tk_eth_redeemer_stats *out)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    *out = r->stats;
    out->in_flight = r->n_fl;
    st = tk_redeem_queue_stats(r->q, &out->queue);
    pthread_mutex_unlock(&r->mu);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* The redemption queue: configuration, lifecycle, shared helpers (events,
 * settling a winner, backoff), operator requeue and stats. The block
 * handler is in queue_block.c, the outcome handler in queue_outcome.c. */
#include "redeem/queue_internal.h"
#include "redeem/queue_fence.h"

#include "core/memzero.h"
#include "monitor/monitor_internal.h"
#include "store/fleet_table.h"

#include <stdlib.h>
#include <string.h>

tk_status tk_redeem_config_default(tk_redeem_config *cfg)
{
    TK_ARG_CHECK_NOCTX(cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    /* Estimates for Ethereum L1; docs/redemption.md derives them. */
    cfg->redeem_gas = 350000;
    cfg->batch_base_gas = 150000;
    cfg->batch_ticket_gas = 90000;
    cfg->gas_cap = 3000000;
    cfg->max_batch = 0;
    cfg->retry_backoff_blocks = 10;
    cfg->final_confirmations = 3;
    return TK_OK;
}

/* How many tickets fit in one call under the gas cap. */
static size_t max_per_call(const tk_redeem_config *c)
{
    uint64_t k;

    if (c->gas_cap < c->batch_base_gas ||
        (c->gas_cap - c->batch_base_gas) / c->batch_ticket_gas < 2)
        return 1; /* only single calls fit */
    k = (c->gas_cap - c->batch_base_gas) / c->batch_ticket_gas;
    if (c->max_batch != 0 && k > c->max_batch)
        k = c->max_batch;
    return k > SIZE_MAX ? SIZE_MAX : (size_t)k;
}

void tk__redeem_emit(tk_redeem_queue *q, tk_redeem_event_kind kind,
                     tk_redeem_defer defer, const tk_winner *w,
                     const tk_hash *tx_hash, tk_redeem_outcome outcome,
                     const char *reason)
{
    tk_redeem_event ev;

    if (q->cfg.on_event == NULL)
        return;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.defer = defer;
    ev.ticket_hash = w->ticket_hash;
    ev.sender = w->ticket.sender;
    ev.face_value = w->ticket.face_value;
    if (tx_hash != NULL)
        ev.tx_hash = *tx_hash;
    ev.outcome = outcome;
    ev.reason = reason;
    q->cfg.on_event(&ev, q->cfg.event_data);
}

int tk__redeem_expired_onchain(const tk_winner *w, const tk_round_info *r)
{
    /* creation_round >= 0 (stored tickets are validated); no overflow
     * for any round below 2^63 - 2. */
    return w->ticket.creation_round <= INT64_MAX - 2 &&
           w->ticket.creation_round + 2 <= r->current_round;
}

tk_status tk__redeem_settle(tk_redeem_queue *q, const tk_winner *w,
                            tk_winner_state state, tk_redeem_outcome outcome,
                            const char *reason)
{
    static const tk_redeem_event_kind kind[] = {
        [TK_WINNER_CONFIRMED] = TK_REDEEM_EV_CONFIRMED,
        [TK_WINNER_FAILED] = TK_REDEEM_EV_FAILED,
        [TK_WINNER_USED] = TK_REDEEM_EV_USED,
        [TK_WINNER_EXPIRED] = TK_REDEEM_EV_EXPIRED,
    };
    tk_status st;

    if (state != TK_WINNER_CONFIRMED && state != TK_WINNER_FAILED &&
        state != TK_WINNER_USED && state != TK_WINNER_EXPIRED)
        return TK_ERR_INTERNAL;
    st = tk__redeem_set_state(q, &w->ticket_hash, state, NULL);
    if (st != TK_OK)
        return st;
    switch (state) {
    case TK_WINNER_CONFIRMED:
        q->stats.confirmed++;
        break;
    case TK_WINNER_FAILED:
        q->stats.failed++;
        st = tk__backoff_set(q, &w->ticket_hash,
                             q->last_block + q->cfg.retry_backoff_blocks);
        break;
    case TK_WINNER_USED:
        q->stats.used++;
        break;
    default: {
        mpz_t v;
        q->stats.expired++;
        mpz_init(v);
        (void)tk_u256_to_mpz(v, &w->ticket.face_value);
        mpz_add(q->expired_total, q->expired_total, v);
        mpz_clear(v);
    }
    }
    if (state != TK_WINNER_FAILED)
        tk__backoff_clear(q, &w->ticket_hash);
    tk__verdict_clear(q, &w->ticket_hash);
    tk__redeem_emit(q, kind[state], TK_REDEEM_DEFER_NONE, w, &w->tx_hash,
                    outcome, reason);
    return st;
}

/* ---- backoff ------------------------------------------------------------ */

static tk__backoff *backoff_find(const tk_redeem_queue *q, const tk_hash *h)
{
    for (size_t i = 0; i < q->n_backoff; i++)
        if (memcmp(q->backoff[i].ticket_hash.bytes, h->bytes, 32) == 0)
            return &q->backoff[i];
    return NULL;
}

uint64_t tk__backoff_get(const tk_redeem_queue *q, const tk_hash *h)
{
    const tk__backoff *b = backoff_find(q, h);
    return b != NULL ? b->not_before : 0;
}

tk_status tk__backoff_set(tk_redeem_queue *q, const tk_hash *h,
                          uint64_t not_before)
{
    tk__backoff *b = backoff_find(q, h);

    if (b == NULL) {
        if (q->n_backoff == q->cap_backoff) {
            size_t cap = q->cap_backoff == 0 ? 16 : q->cap_backoff * 2;
            tk__backoff *grown = realloc(q->backoff, cap * sizeof *grown);
            if (grown == NULL)
                return TK_ERR_NOMEM;
            q->backoff = grown;
            q->cap_backoff = cap;
        }
        b = &q->backoff[q->n_backoff++];
        b->ticket_hash = *h;
    }
    b->not_before = not_before;
    return TK_OK;
}

void tk__backoff_clear(tk_redeem_queue *q, const tk_hash *h)
{
    tk__backoff *b = backoff_find(q, h);
    if (b != NULL)
        *b = q->backoff[--q->n_backoff];
}

/* ---- lifecycle ------------------------------------------------------------*/

typedef struct collect_ctx {
    tk__winner_vec *out;
    tk_status st;
} collect_ctx;

static int collect_visit(const tk_winner *w, void *data)
{
    collect_ctx *c = data;
    c->st = tk__winner_vec_push(c->out, w);
    return c->st != TK_OK; /* stop on allocation failure */
}

tk_status tk__redeem_collect(tk_redeem_queue *q, unsigned mask,
                             tk__winner_vec *out)
{
    collect_ctx c = {out, TK_OK};
    tk_status st = q->store.list(q->store.self, NULL, mask, collect_visit, &c);
    return st != TK_OK ? st : c.st;
}

void tk_redeem_queue_destroy(tk_redeem_queue *q)
{
    if (q == NULL)
        return;
    pthread_mutex_destroy(&q->mu);
    free(q->backoff);
    free(q->verdicts);
    mpz_clear(q->expired_total);
    free(q);
}

tk_status tk__redeem_set_state(tk_redeem_queue *q, const tk_hash *ticket_hash,
                               tk_winner_state state, const tk_hash *tx_hash)
{
    if (q->fence.holder != NULL)
        return q->store.set_state_fenced(q->store.self, &q->fence, ticket_hash, state,
                                         tx_hash);
    return q->store.set_state(q->store.self, ticket_hash, state, tx_hash);
}

tk_status tk__redeem_settle_inflight(tk_redeem_queue *q, const tk_winner *w,
                                     tk_winner_state state, tk_redeem_outcome outcome,
                                     const char *reason)
{
    tk_status st;

    tk__redeem_release(q, w);
    st = tk__redeem_settle(q, w, state, outcome, reason);
    if (st != TK_OK)
        (void)tk__redeem_claim(q, w, 0); /* fails only with the tenure or memory:
                                            the next queue restores the rows */
    return st;
}

tk_status tk__redeem_claim(tk_redeem_queue *q, const tk_winner *w, int check_funds)
{
    return tk__monitor_claim_pending(q->monitor, q->fence.holder != NULL ? &q->fence : NULL,
                                     &w->ticket_hash, &w->ticket.sender,
                                     &w->ticket.face_value, check_funds);
}

void tk__redeem_release(tk_redeem_queue *q, const tk_winner *w)
{
    (void)tk__monitor_release_pending(q->monitor,
                                      q->fence.holder != NULL ? &q->fence : NULL,
                                      &w->ticket_hash, &w->ticket.sender,
                                      &w->ticket.face_value);
}

static tk_status claim_all(tk_redeem_queue *q, const tk__winner_vec *v, size_t *done)
{
    tk_status st = TK_OK;

    for (*done = 0; st == TK_OK && *done < v->n; ++*done)
        st = tk__redeem_claim(q, &v->v[*done], 0);
    if (st != TK_OK)
        --*done; /* the failed one changed nothing */
    return st;
}

static void release_all(tk_redeem_queue *q, const tk__winner_vec *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tk__redeem_release(q, &v->v[i]);
}

/* A restarted node: in-flight redemptions count as pending again. On a
 * shared monitor the claims are idempotent (a winner already counted is
 * not added twice), and a claim a crashed queue left on a winner it never
 * marked SUBMITTED (NEW / FAILED) is released. */
static tk_status restore_pending(tk_redeem_queue *q)
{
    tk__winner_vec sub = {NULL, 0, 0}, idle = {NULL, 0, 0};
    tk_status st = tk__redeem_collect(q, TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED), &sub);
    size_t added = 0;

    if (st == TK_OK)
        st = claim_all(q, &sub, &added);
    if (st != TK_OK && !tk_monitor_is_shared(q->monitor))
        release_all(q, &sub, added); /* undo: no partial state change */
    if (st == TK_OK && tk_monitor_is_shared(q->monitor))
        st = tk__redeem_collect(q, TK_WINNER_STATE_BIT(TK_WINNER_NEW) |
                                       TK_WINNER_STATE_BIT(TK_WINNER_FAILED), &idle);
    if (st == TK_OK)
        release_all(q, &idle, idle.n);
    tk__winner_vec_free(&sub);
    tk__winner_vec_free(&idle);
    return st;
}

tk_status tk__redeem_queue_create_fenced(const tk_ctx *ctx, tk_redeem_queue **out,
                                        const tk_redeem_config *cfg,
                                        const tk_store *store, const tk_chain *chain,
                                        tk_monitor *monitor, tk_redeem_submit_fn submit,
                                        tk_redeem_submit_recorded_fn submit_rec,
                                        void *submit_data, const tk_lease_fence *fence)
{
    tk_redeem_queue *q;
    tk_status st;

    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, ctx != NULL && cfg != NULL && store != NULL &&
                          chain != NULL && monitor != NULL &&
                          (submit != NULL) != (submit_rec != NULL));
    TK_ARG_CHECK(ctx, store->list != NULL && store->set_state != NULL &&
                          store->get_winner != NULL);
    TK_ARG_CHECK(ctx, chain->rounds != NULL && chain->gas_price != NULL &&
                          chain->ticket_used != NULL);
    TK_ARG_CHECK(ctx, cfg->redeem_gas > 0 && cfg->batch_ticket_gas > 0 &&
                          cfg->gas_cap >= cfg->redeem_gas);
    TK_ARG_CHECK(ctx, fence == NULL || (tk__lease_fence_ok(fence) &&
                                        store->set_state_fenced != NULL));
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        free(q);
        return TK_ERR_NOMEM;
    }
    mpz_init(q->expired_total);
    q->ctx = ctx;
    q->cfg = *cfg;
    q->store = *store;
    q->chain = *chain;
    q->monitor = monitor;
    q->submit = submit;
    q->submit_rec = submit_rec;
    q->submit_data = submit_data;
    q->call_handle.q = q;
    q->max_per_call = max_per_call(cfg);
    if (fence != NULL) {
        memcpy(q->fence_holder, fence->holder, strlen(fence->holder) + 1);
        q->fence.holder = q->fence_holder;
        q->fence.token = fence->token;
    }
    st = restore_pending(q);
    if (st != TK_OK) {
        tk_redeem_queue_destroy(q);
        return st;
    }
    *out = q;
    return TK_OK;
}

tk_status tk_redeem_queue_create(const tk_ctx *ctx, tk_redeem_queue **out,
                                 const tk_redeem_config *cfg,
                                 const tk_store *store, const tk_chain *chain,
                                 tk_monitor *monitor,
                                 tk_redeem_submit_fn submit, void *submit_data)
{
    return tk__redeem_queue_create_fenced(ctx, out, cfg, store, chain, monitor, submit,
                                          NULL, submit_data, NULL);
}

tk_status tk_redeem_queue_create_recorded(const tk_ctx *ctx, tk_redeem_queue **out,
                                          const tk_redeem_config *cfg,
                                          const tk_store *store, const tk_chain *chain,
                                          tk_monitor *monitor,
                                          tk_redeem_submit_recorded_fn submit,
                                          void *submit_data)
{
    return tk__redeem_queue_create_fenced(ctx, out, cfg, store, chain, monitor, NULL,
                                          submit, submit_data, NULL);
}

tk_status tk_redeem_queue_requeue(tk_redeem_queue *q,
                                  const tk_hash *ticket_hash)
{
    tk_winner w;
    tk_status st;

    TK_ARG_CHECK_NOCTX(q != NULL);
    TK_ARG_CHECK(q->ctx, ticket_hash != NULL);
    pthread_mutex_lock(&q->mu);
    st = q->store.get_winner(q->store.self, ticket_hash, &w);
    if (st == TK_OK) {
        switch (w.state) {
        case TK_WINNER_NEW:
            break;
        case TK_WINNER_SUBMITTED:
        case TK_WINNER_FAILED:
            st = tk__redeem_set_state(q, ticket_hash, TK_WINNER_NEW, NULL);
            if (st == TK_OK && w.state == TK_WINNER_SUBMITTED)
                tk__redeem_release(q, &w);
            if (st == TK_OK) /* a CONFIRMED in progress, if any, is moot */
                tk__verdict_clear(q, ticket_hash);
            break;
        case TK_WINNER_USED:
        case TK_WINNER_EXPIRED: {
            /* Final on reads that may have been wrong: back to NEW only if
             * the chain now shows it redeemable. */
            tk_round_info rounds;
            int used = 1;
            if (q->chain.ticket_used(q->chain.self, ticket_hash, &used) != TK_OK ||
                q->chain.rounds(q->chain.self, &rounds) != TK_OK)
                st = TK_ERR_CHAIN;
            else if (used || tk__redeem_expired_onchain(&w, &rounds))
                st = TK_ERR_STATE;
            else
                st = tk__redeem_set_state(q, ticket_hash, TK_WINNER_NEW, NULL);
            if (st == TK_OK)
                tk__verdict_clear(q, ticket_hash);
            break;
        }
        default:
            st = TK_ERR_STATE;
        }
        if (st == TK_OK)
            tk__backoff_clear(q, ticket_hash);
    }
    pthread_mutex_unlock(&q->mu);
    tk__memzero(&w, sizeof w);
    return st;
}

tk_status tk_redeem_queue_stats(tk_redeem_queue *q, tk_redeem_stats *out)
{
    tk_status st = TK_OK;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(q != NULL);
    TK_ARG_CHECK(q->ctx, out != NULL);
    pthread_mutex_lock(&q->mu);
    *out = q->stats;
    if (mpz_sizeinbase(q->expired_total, 10) + 2 > TK_REDEEM_TOTAL_DEC_MAX)
        st = TK_ERR_OVERFLOW; /* needs more than 2^64 expired winners */
    else
        mpz_get_str(out->expired_face_value, 10, q->expired_total);
    pthread_mutex_unlock(&q->mu);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

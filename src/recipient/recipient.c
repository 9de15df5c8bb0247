/* SPDX-License-Identifier: MIT */
/* The recipient object: lifecycle, the secret, balances, pruning, stats.
 * Params issuing is in params.c, receiving in receive.c. */
#include "recipient_internal.h"

#include "ticket/u256.h"

#include "core/internal.h"
#include "core/memzero.h"
#include "core/random.h"
#include "model/rand_message.h"

#include <stdlib.h>
#include <string.h>

tk_status tk__recipient_rand(const tk_recipient *r, tk_u256 *rand, const tk_address *sender,
                             const tk_ticket_params *params)
{
    return tk__rand_derive_keyed(rand, r->rand_key, sender, params);
}

tk_status tk__recipient_rand_hash(const tk_recipient *r, tk_hash *out, const tk_address *sender,
                                  const tk_ticket_params *params)
{
    tk_u256 rand;
    tk_status st = tk__recipient_rand(r, &rand, sender, params);
    if (st == TK_OK)
        st = tk_rand_hash(out, &rand);
    tk__memzero(&rand, sizeof rand);
    return st;
}

uint64_t tk__recipient_raise_block(tk_recipient *r, uint64_t block)
{
    uint64_t cur = atomic_load(&r->high_water);
    while (block > cur && !atomic_compare_exchange_weak(&r->high_water, &cur, block))
        ;
    return block > cur ? block : cur;
}

/* Seen nonces persisted by an earlier run go back into the replay set. */
typedef struct load_state {
    tk_recipient *r;
    tk_status st; /* the first failure: the load must not pass for whole */
} load_state;

static int load_nonce(const tk_hash *rand_hash, uint32_t nonce, const tk_u256 *expiration,
                      void *data)
{
    load_state *ls = data;
    tk__replay_shard *sh = tk__replay_lock(ls->r->replay, rand_hash, 0);
    tk_status st = tk__replay_add(sh, rand_hash, tk__block_u64(expiration), nonce);
    tk__replay_unlock(sh);
    /* A replay (duplicate row) or a full rand is fine; stop on NOMEM. */
    if (st == TK_ERR_NOMEM)
        ls->st = st;
    return st == TK_ERR_NOMEM;
}

/* The store's seen nonces and block mark, into a new recipient. */
static tk_status load_store(tk_recipient *r)
{
    load_state ls = {r, TK_OK};
    uint64_t mark = 0;
    tk_status st;

    if (r->store.nonce_claim != NULL && r->store.nonce_add != NULL) {
        st = r->store.nonce_claim(r->store.self, NULL, NULL, 0, NULL, 0, NULL, &mark);
        if (st != TK_OK)
            return tk__recipient_store_status(st);
        tk__recipient_raise_block(r, mark);
    }
    if (r->store.nonce_load == NULL)
        return TK_OK;
    st = r->store.nonce_load(r->store.self, load_nonce, &ls);
    /* Our own reason first (NOMEM), whatever the store made of the stop:
     * a store that took the stop for success must not hide it either. */
    if (ls.st != TK_OK)
        return ls.st;
    return st == TK_ERR_NOMEM ? st : tk__recipient_store_status(st);
}

tk_status tk_recipient_create(const tk_ctx *ctx, tk_recipient **out,
                              const tk_recipient_config *cfg, const uint8_t *secret32,
                              const tk_chain *chain, const tk_store *store)
{
    uint8_t secret[TK_SECRET_LEN];
    tk_recipient *r;
    tk_status st;

    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, ctx != NULL && cfg != NULL && chain != NULL && store != NULL);
    TK_ARG_CHECK(ctx, cfg->redeem_gas > 0 && cfg->tx_cost_multiplier > 0);
    TK_ARG_CHECK(ctx, chain->last_block != NULL && chain->rounds != NULL &&
                          chain->sender_funds != NULL && chain->claimed_reserve != NULL &&
                          chain->pool_size != NULL && chain->gas_price != NULL);
    TK_ARG_CHECK(ctx, store->put_winner != NULL);

    r = calloc(1, sizeof *r);
    if (r == NULL)
        return TK_ERR_NOMEM;
    r->ctx = ctx;
    r->cfg = *cfg;
    r->chain = *chain;
    r->store = *store;
    if (secret32 != NULL)
        st = tk__hmac_key_create(&r->rand_key, secret32, TK_SECRET_LEN);
    else if ((st = tk__random_bytes(secret, TK_SECRET_LEN)) == TK_OK)
        st = tk__hmac_key_create(&r->rand_key, secret, TK_SECRET_LEN);
    tk__memzero(secret, sizeof secret);
    if (st != TK_OK)
        goto fail;
    /* A store that keeps pending redemptions shares them with the fleet:
     * the max float offered here then counts every node's. */
    st = store->pending_add != NULL && store->pending_remove != NULL &&
                 store->pending_total != NULL
             ? tk_monitor_create_shared(ctx, &r->monitor, chain, &cfg->address, store)
             : tk_monitor_create(ctx, &r->monitor, chain, &cfg->address);
    if (st != TK_OK ||
        (st = tk__replay_create(&r->replay)) != TK_OK ||
        (st = tk__balances_create(&r->balances)) != TK_OK)
        goto fail;
    if ((st = load_store(r)) != TK_OK)
        goto fail;
    *out = r;
    return TK_OK;
fail:
    tk_recipient_destroy(r);
    return st;
}

void tk_recipient_destroy(tk_recipient *r)
{
    if (r == NULL)
        return;
    tk__hmac_key_destroy(r->rand_key); /* wipes the keyed states */
    tk_monitor_destroy(r->monitor);
    tk__replay_destroy(r->replay);
    tk__balances_destroy(r->balances);
    free(r);
}

tk_status tk_recipient_address(const tk_recipient *r, tk_address *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL);
    *out = r->cfg.address;
    return TK_OK;
}

tk_monitor *tk_recipient_monitor(tk_recipient *r)
{
    return r != NULL ? r->monitor : NULL;
}

tk_status tk_recipient_rand_hash(const tk_recipient *r, tk_hash *out, const tk_address *sender,
                                 const tk_ticket_params *params)
{
    tk_status st;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL && sender != NULL && params != NULL);
    st = tk__recipient_rand_hash(r, out, sender, params);
    if (st != TK_OK)
        memset(out, 0, sizeof *out);
    return st;
}

tk_status tk_recipient_balance(tk_recipient *r, mpq_ptr out, const tk_address *sender,
                               const tk_hash *session)
{
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL);
    mpq_set_ui(out, 0, 1);
    TK_ARG_CHECK(r->ctx, sender != NULL && session != NULL);
    return tk__balances_get(r->balances, out, sender, session);
}

tk_status tk_recipient_balance_clear(tk_recipient *r, const tk_address *sender,
                                     const tk_hash *session)
{
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, sender != NULL && session != NULL);
    return tk__balances_clear(r->balances, sender, session);
}

tk_status tk_recipient_prune(tk_recipient *r)
{
    uint64_t last_block;

    TK_ARG_CHECK_NOCTX(r != NULL);
    if (r->chain.last_block(r->chain.self, &last_block) != TK_OK)
        return TK_ERR_CHAIN;
    last_block = tk__recipient_raise_block(r, last_block);
    tk__replay_prune(r->replay, last_block);
    if (r->store.nonce_prune == NULL)
        return TK_OK;
    /* What was pruned in memory stays pruned: a retry prunes the store. */
    return tk__recipient_store_status(r->store.nonce_prune(r->store.self, last_block));
}

tk_status tk__recipient_store_status(tk_status st)
{
    return st == TK_OK || st == TK_ERR_STORE_UNAVAILABLE ? st : TK_ERR_STORE;
}

tk_status tk_recipient_get_stats(tk_recipient *r, tk_recipient_stats *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL);
    tk__replay_stats(r->replay, &out->tracked_rands, &out->tracked_nonces, &out->replay_bytes);
    out->balances = tk__balances_count(r->balances);
    return TK_OK;
}

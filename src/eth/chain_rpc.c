/* SPDX-License-Identifier: MIT */
/* The chain view over RPC: lifetime, the sender table and the tk_chain
 * callbacks. Every callback but ticket_used answers from the cache. */
#include "eth/chain_rpc_internal.h"

#include "core/internal.h"
#include "ticket/abi.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SENDERS_LIMIT (1u << 20)

uint64_t tk__crpc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

tk_status tk_chain_rpc_options_default(tk_chain_rpc_options *opts)
{
    TK_ARG_CHECK_NOCTX(opts != NULL);
    memset(opts, 0, sizeof *opts);
    (void)tk_rpc_options_default(&opts->rpc);
    opts->max_senders = 1024;
    opts->max_age_ms = 120000;
    return TK_OK;
}

static int valid_options(const tk_chain_rpc_options *o)
{
    if (o->has_controller != 0 && o->has_controller != 1)
        return 0;
    if (o->has_controller ? tk_address_is_zero(&o->controller)
                          : (tk_address_is_zero(&o->ticket_broker) ||
                             tk_address_is_zero(&o->rounds_manager) ||
                             tk_address_is_zero(&o->bonding_manager)))
        return 0;
    if (!tk_u256_is_zero(&o->max_gas_price) &&
        tk_u256_cmp(&o->min_gas_price, &o->max_gas_price) > 0)
        return 0;
    return o->max_senders > 0 && o->max_senders <= MAX_SENDERS_LIMIT &&
           o->max_age_ms >= 0;
}

void tk_chain_rpc_destroy(tk_chain_rpc *v)
{
    if (v == NULL)
        return;
    tk_rpc_destroy(v->rpc);
    free(v->staging);
    free(v->senders);
    pthread_mutex_destroy(&v->mu);
    pthread_mutex_destroy(&v->rpc_mu);
    free(v);
}

tk_status tk_chain_rpc_create(const tk_ctx *ctx, tk_chain_rpc **out,
                              const tk_chain_rpc_options *opts)
{
    tk_chain_rpc *v;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, opts != NULL);
    TK_ARG_CHECK(ctx, valid_options(opts));
    if ((v = calloc(1, sizeof *v)) == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&v->mu, NULL) != 0) {
        free(v);
        return TK_ERR_NOMEM;
    }
    if (pthread_mutex_init(&v->rpc_mu, NULL) != 0) {
        pthread_mutex_destroy(&v->mu);
        free(v);
        return TK_ERR_NOMEM;
    }
    v->ctx = ctx;
    v->opts = *opts;
    v->opts.rpc.endpoints = NULL;
    if (!opts->has_controller) {
        v->broker = opts->ticket_broker;
        v->rounds_mgr = opts->rounds_manager;
        v->bonding = opts->bonding_manager;
        v->have_contracts = 1;
    }
    v->staging = calloc(opts->max_senders, sizeof *v->staging);
    v->senders = calloc(opts->max_senders, sizeof *v->senders);
    if (v->staging == NULL || v->senders == NULL) {
        tk_chain_rpc_destroy(v);
        return TK_ERR_NOMEM;
    }
    if ((st = tk_rpc_create(ctx, &v->rpc, &opts->rpc)) != TK_OK) {
        tk_chain_rpc_destroy(v);
        return st;
    }
    *out = v;
    return TK_OK;
}

size_t tk__crpc_find(const tk_chain_rpc *v, const tk_address *addr,
                     int *found)
{
    size_t lo = 0, hi = v->n_senders;

    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(v->senders[mid].addr.bytes, addr->bytes,
                       TK_ADDRESS_LEN);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Add addr (not fetched) if it is new; mark it watched if asked. Caller
 * holds mu. TK_ERR_STATE when the table is full. */
static tk_status register_sender(tk_chain_rpc *v, const tk_address *addr,
                                 int watched)
{
    int found;
    size_t i = tk__crpc_find(v, addr, &found);

    if (found) {
        v->senders[i].watched |= watched;
        return TK_OK;
    }
    if (v->n_senders == v->opts.max_senders)
        return TK_ERR_STATE;
    memmove(&v->senders[i + 1], &v->senders[i],
            (v->n_senders - i) * sizeof v->senders[0]);
    memset(&v->senders[i], 0, sizeof v->senders[i]);
    v->senders[i].addr = *addr;
    v->senders[i].watched = watched;
    v->n_senders++;
    return TK_OK;
}

tk_status tk_chain_rpc_watch(tk_chain_rpc *v, const tk_address *sender)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(v != NULL);
    TK_ARG_CHECK(v->ctx, sender != NULL);
    pthread_mutex_lock(&v->mu);
    st = register_sender(v, sender, 1);
    pthread_mutex_unlock(&v->mu);
    return st;
}

tk_status tk_chain_rpc_info_get(tk_chain_rpc *v, tk_chain_rpc_info *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(v != NULL);
    pthread_mutex_lock(&v->rpc_mu);
    out->ticket_broker = v->broker;
    out->rounds_manager = v->rounds_mgr;
    out->bonding_manager = v->bonding;
    pthread_mutex_unlock(&v->rpc_mu);
    pthread_mutex_lock(&v->mu);
    out->valid = v->valid;
    out->block = v->st.block;
    out->l1_block = v->st.l1_block;
    out->has_l1_block_number = v->st.has_l1_block_number;
    out->rounds = v->st.rounds;
    out->pool_size = v->st.pool_size;
    out->gas_price = v->st.gas_price;
    out->gas_price_node = v->st.gas_price_node;
    out->senders = v->n_senders;
    out->polls = v->polls;
    out->refreshes = v->refreshes;
    pthread_mutex_unlock(&v->mu);
    return TK_OK;
}

tk_status tk_chain_rpc_stats(tk_chain_rpc *v, tk_rpc_stats *out)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(v != NULL);
    pthread_mutex_lock(&v->rpc_mu);
    st = tk_rpc_stats_get(v->rpc, out);
    pthread_mutex_unlock(&v->rpc_mu);
    return st;
}

tk_status tk_chain_rpc_last_error(tk_chain_rpc *v, tk_rpc_error *out)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    out->endpoint = -1;
    TK_ARG_CHECK_NOCTX(v != NULL);
    pthread_mutex_lock(&v->rpc_mu);
    st = tk_rpc_last_error(v->rpc, out);
    pthread_mutex_unlock(&v->rpc_mu);
    return st;
}

/* ---- the tk_chain callbacks -------------------------------------------- */

/* Whether the cache may be served. Caller holds mu. */
static int fresh(const tk_chain_rpc *v)
{
    return v->valid && (v->opts.max_age_ms == 0 ||
                        tk__crpc_now_ms() - v->last_ok_ms <=
                            (uint64_t)v->opts.max_age_ms);
}

/* Copy n bytes at `offset` in the cached state to out (zeroed when the
 * cache may not be served: TK_ERR_CHAIN). */
static tk_status copy_cached(void *self, void *out, size_t offset, size_t n)
{
    tk_chain_rpc *v = self;
    tk_status st = TK_ERR_CHAIN;

    pthread_mutex_lock(&v->mu);
    memset(out, 0, n);
    if (fresh(v)) {
        memcpy(out, (const unsigned char *)&v->st + offset, n);
        st = TK_OK;
    }
    pthread_mutex_unlock(&v->mu);
    return st;
}

static tk_status cb_last_block(void *self, uint64_t *block)
{
    return copy_cached(self, block, offsetof(tk__crpc_state, l1_block),
                       sizeof *block);
}

static tk_status cb_rounds(void *self, tk_round_info *out)
{
    return copy_cached(self, out, offsetof(tk__crpc_state, rounds),
                       sizeof *out);
}

static tk_status cb_pool_size(void *self, uint64_t *out)
{
    return copy_cached(self, out, offsetof(tk__crpc_state, pool_size),
                       sizeof *out);
}

static tk_status cb_gas_price(void *self, tk_u256 *out)
{
    return copy_cached(self, out, offsetof(tk__crpc_state, gas_price),
                       sizeof *out);
}

/* The cached entry of sender, or NULL: TK_ERR_CHAIN without a fresh
 * cache, TK_ERR_NOT_FOUND for a sender not fetched yet (registered here
 * so that the next poll reads it). Caller holds mu. */
static const tk__crpc_sender *lookup(tk_chain_rpc *v, const tk_address *sender,
                                     tk_status *st)
{
    int found;
    size_t i;

    *st = TK_ERR_CHAIN;
    if (!fresh(v))
        return NULL;
    i = tk__crpc_find(v, sender, &found);
    *st = TK_ERR_NOT_FOUND;
    if (!found) {
        (void)register_sender(v, sender, 0); /* full: stays unknown */
        return NULL;
    }
    if (!v->senders[i].fetched)
        return NULL;
    *st = TK_OK;
    return &v->senders[i];
}

static tk_status cb_sender_funds(void *self, const tk_address *sender,
                                 tk_sender_funds *out)
{
    tk_chain_rpc *v = self;
    const tk__crpc_sender *e;
    tk_status st;

    pthread_mutex_lock(&v->mu);
    memset(out, 0, sizeof *out);
    if ((e = lookup(v, sender, &st)) != NULL)
        *out = e->funds;
    pthread_mutex_unlock(&v->mu);
    return st;
}

/* Only our own claims are cached: another claimant (or any, without a
 * recipient) is TK_ERR_NOT_FOUND. */
static tk_status cb_claimed_reserve(void *self, const tk_address *sender,
                                    const tk_address *claimant, tk_u256 *out)
{
    tk_chain_rpc *v = self;
    const tk__crpc_sender *e;
    tk_status st = TK_ERR_NOT_FOUND;

    pthread_mutex_lock(&v->mu);
    memset(out, 0, sizeof *out);
    if (!tk_address_is_zero(&v->opts.recipient) &&
        memcmp(claimant->bytes, v->opts.recipient.bytes, TK_ADDRESS_LEN) == 0 &&
        (e = lookup(v, sender, &st)) != NULL)
        *out = e->claimed;
    pthread_mutex_unlock(&v->mu);
    return st;
}

/* usedTickets(hash) at "latest": on demand, for the redemption queue. */
static tk_status cb_ticket_used(void *self, const tk_hash *ticket_hash,
                                int *used)
{
    tk_chain_rpc *v = self;
    uint8_t cd[4 + 32], ret[32];
    size_t cdlen = sizeof cd, retlen = sizeof ret;
    tk_u256 word;
    tk_rpc_call_args a;
    tk_status st = TK_ERR_CHAIN;

    *used = 0;
    memcpy(word.bytes, ticket_hash->bytes, TK_HASH_LEN);
    (void)tk_abi_encode_call(cd, &cdlen, TK_ABI_SEL_USED_TICKETS, &word, 1);
    pthread_mutex_lock(&v->rpc_mu);
    if (v->have_contracts) {
        memset(&a, 0, sizeof a);
        a.to = &v->broker;
        a.data = cd;
        a.data_len = cdlen;
        st = tk_rpc_call(v->rpc, ret, &retlen, &a, "latest", 0);
        if (st == TK_OK)
            st = tk_abi_decode_bool(used, ret, retlen);
        else if (st == TK_ERR_BUFFER_TOO_SMALL)
            st = TK_ERR_MALFORMED;
    }
    pthread_mutex_unlock(&v->rpc_mu);
    if (st != TK_OK)
        *used = 0;
    return st;
}

tk_status tk_chain_rpc_iface(tk_chain_rpc *v, tk_chain *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(v != NULL);
    out->self = v;
    out->last_block = cb_last_block;
    out->rounds = cb_rounds;
    out->sender_funds = cb_sender_funds;
    out->claimed_reserve = cb_claimed_reserve;
    out->pool_size = cb_pool_size;
    out->gas_price = cb_gas_price;
    out->ticket_used = cb_ticket_used;
    return TK_OK;
}

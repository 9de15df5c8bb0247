/* SPDX-License-Identifier: MIT */
/* The transaction sender's object: options, create (chain id checked),
 * destroy (key wiped), outcomes, forget, and the blocking wait. */
#include "eth/txsender_internal.h"

#include "core/internal.h"
#include "core/memzero.h"
#include "crypto/keystore.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MARGIN_MAX 1000u

uint64_t tk__txs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

tk_status tk_eth_sender_options_default(tk_eth_sender_options *opts)
{
    static const uint64_t gwei = 1000000000u;

    TK_ARG_CHECK_NOCTX(opts != NULL);
    memset(opts, 0, sizeof *opts);
    tk_u256_from_u64(&opts->fallback_tip, gwei);
    opts->gas_margin_percent = 20;
    opts->replace_after_blocks = 5;
    opts->replace_after_ms = 60000;
    opts->max_replacements = 3;
    opts->max_tracked = 64;
    return TK_OK;
}

static int valid_options(const tk_eth_sender_options *o)
{
    tk_u256 zero;

    memset(&zero, 0, sizeof zero);
    return o->chain_id != 0 && tk_u256_cmp(&o->max_gas_price, &zero) > 0 &&
           tk_u256_cmp(&o->fallback_tip, &o->max_gas_price) <= 0 &&
           o->gas_margin_percent <= MARGIN_MAX &&
           o->max_replacements < TK_ETH_TX_VERSIONS_MAX &&
           o->max_tracked > 0 && o->max_tracked <= SIZE_MAX / sizeof(tk__tracked);
}

void tk_eth_sender_destroy(tk_eth_sender *s)
{
    if (s == NULL)
        return;
    if (s->slots != NULL) {
        for (size_t i = 0; i < s->opts.max_tracked; i++)
            free(s->slots[i].data);
        free(s->slots);
    }
    tk__memzero(s->seckey, sizeof s->seckey);
    free(s);
}

/* The common part of both creates; key32 is only read. */
static tk_status sender_new(const tk_ctx *ctx, tk_eth_sender **out,
                            tk_rpc *rpc, const tk_eth_sender_options *opts,
                            const uint8_t key32[32])
{
    tk_eth_sender *s;
    uint64_t chain_id = 0;
    tk_status st;

    st = tk_key_verify(ctx, key32);
    if (st != TK_OK)
        return st;
    st = tk_rpc_chain_id(rpc, &chain_id);
    if (st != TK_OK)
        return st;
    if (chain_id != opts->chain_id)
        return TK_ERR_RPC_CHAIN_ID;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return TK_ERR_NOMEM;
    s->slots = calloc(opts->max_tracked, sizeof *s->slots);
    if (s->slots == NULL) {
        free(s);
        return TK_ERR_NOMEM;
    }
    s->ctx = ctx;
    s->rpc = rpc;
    s->opts = *opts;
    s->next_id = 1;
    memcpy(s->seckey, key32, sizeof s->seckey);
    st = tk_key_address(ctx, &s->address, s->seckey);
    if (st != TK_OK) {
        tk_eth_sender_destroy(s);
        return st;
    }
    *out = s;
    return TK_OK;
}

tk_status tk_eth_sender_create(const tk_ctx *ctx, tk_eth_sender **out,
                               tk_rpc *rpc, const tk_eth_sender_options *opts,
                               const uint8_t seckey32[32])
{
    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, rpc != NULL && opts != NULL && seckey32 != NULL);
    TK_ARG_CHECK(ctx, valid_options(opts));
    return sender_new(ctx, out, rpc, opts, seckey32);
}

tk_status tk_eth_sender_create_from_keystore(
    const tk_ctx *ctx, tk_eth_sender **out, tk_rpc *rpc,
    const tk_eth_sender_options *opts, const char *json, size_t json_len,
    const char *passphrase, size_t passphrase_len)
{
    uint8_t key[32];
    tk_status st;

    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, rpc != NULL && opts != NULL && json != NULL);
    TK_ARG_CHECK(ctx, passphrase != NULL || passphrase_len == 0);
    TK_ARG_CHECK(ctx, valid_options(opts));
    st = tk__keystore_load(ctx, key, json, json_len, passphrase,
                           passphrase_len);
    if (st == TK_OK)
        st = sender_new(ctx, out, rpc, opts, key);
    tk__memzero(key, sizeof key);
    return st;
}

tk_status tk_eth_sender_address(const tk_eth_sender *s, tk_address *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL);
    *out = s->address;
    return TK_OK;
}

static tk__tracked *find(const tk_eth_sender *s, uint64_t id)
{
    for (size_t i = 0; id != 0 && i < s->opts.max_tracked; i++)
        if (s->slots[i].id == id)
            return &s->slots[i];
    return NULL;
}

tk_status tk_eth_sender_outcome(const tk_eth_sender *s, uint64_t id,
                                tk_eth_tx_outcome *out)
{
    const tk__tracked *t;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL);
    if ((t = find(s, id)) == NULL)
        return TK_ERR_NOT_FOUND;
    *out = t->out;
    return TK_OK;
}

static void untrack(tk__tracked *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

tk_status tk_eth_sender_forget(tk_eth_sender *s, uint64_t id)
{
    tk__tracked *t;

    TK_ARG_CHECK_NOCTX(s != NULL);
    if ((t = find(s, id)) == NULL)
        return TK_ERR_NOT_FOUND;
    if (t->out.state == TK_ETH_TX_PENDING)
        return TK_ERR_STATE;
    untrack(t);
    return TK_OK;
}

void tk__eth_sender_drop(tk_eth_sender *s, uint64_t id)
{
    tk__tracked *t = find(s, id);

    if (t != NULL)
        untrack(t);
}

void tk__eth_sender_forget_nonce(tk_eth_sender *s)
{
    s->has_next_nonce = 0;
    s->next_nonce = 0;
}

tk_status tk_eth_sender_pending(const tk_eth_sender *s, size_t *n)
{
    TK_ARG_CHECK_NOCTX(n != NULL);
    *n = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    for (size_t i = 0; i < s->opts.max_tracked; i++)
        if (s->slots[i].id != 0 && s->slots[i].out.state == TK_ETH_TX_PENDING)
            (*n)++;
    return TK_OK;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

tk_status tk_eth_sender_wait(tk_eth_sender *s, uint64_t id, long timeout_ms,
                             long interval_ms, tk_eth_tx_outcome *out)
{
    uint64_t start = tk__txs_now_ms();
    tk__tracked *t;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && timeout_ms >= 0 && interval_ms >= 0);
    if ((t = find(s, id)) == NULL)
        return TK_ERR_NOT_FOUND;
    for (;;) {
        tk_status st = tk_eth_sender_poll(s, NULL);
        if (st != TK_OK && t->out.state == TK_ETH_TX_PENDING)
            t->out.failure = st;
        if (t->out.state != TK_ETH_TX_PENDING) {
            *out = t->out;
            return TK_OK;
        }
        if (tk__txs_now_ms() - start >= (uint64_t)timeout_ms) {
            *out = t->out;
            return TK_ERR_TIMEOUT;
        }
        sleep_ms(interval_ms);
    }
}

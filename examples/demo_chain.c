/* SPDX-License-Identifier: MIT */
/* The demo on a real node: see demo_chain.h. */
#include "demo_chain.h"

#include "demo_common.h"

#include "ticket/keys.h"
#include "ticket/store.h"

#include <time.h>

void demo_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int read_key(uint8_t key[32], const char *hex)
{
    size_t len = 32;
    return tk_hex_decode(key, &len, hex, strlen(hex)) == TK_OK && len == 32;
}

int demo_chain_flag(demo_chain *dc, int argc, char **argv, int *i)
{
    const char *f = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int ok;

    if (strcmp(f, "--rpc") != 0 && strcmp(f, "--controller") != 0 &&
        strcmp(f, "--chain-id") != 0 && strcmp(f, "--key") != 0 &&
        strcmp(f, "--redeem-key") != 0)
        return 0;
    if (v == NULL)
        return -1;
    ++*i;
    if (strcmp(f, "--rpc") == 0) {
        dc->url = v;
        ok = 1;
    } else if (strcmp(f, "--controller") == 0) {
        ok = tk_address_from_hex(&dc->controller, v, strlen(v)) == TK_OK;
    } else if (strcmp(f, "--chain-id") == 0) {
        dc->chain_id = strtoull(v, NULL, 10);
        ok = dc->chain_id != 0;
    } else if (strcmp(f, "--key") == 0) {
        ok = dc->has_key = read_key(dc->key, v);
    } else {
        ok = dc->has_redeem_key = read_key(dc->redeem_key, v);
    }
    return ok ? 1 : -1;
}

static void *poll_main(void *arg)
{
    demo_chain *dc = arg;
    for (;;) {
        int stop;
        pthread_mutex_lock(&dc->mu);
        stop = dc->stop;
        pthread_mutex_unlock(&dc->mu);
        if (stop)
            return NULL;
        /* A failed poll keeps the previous cache; the next one retries. */
        if (tk_chain_rpc_poll(dc->view, NULL) != TK_OK)
            demo_sleep_ms(200);
        demo_sleep_ms(100);
    }
}

int demo_chain_open(demo_chain *dc, tk_ctx *ctx, const tk_address *recipient)
{
    tk_chain_rpc_options o;
    tk_status st;

    if (dc->url == NULL || dc->chain_id == 0 || !dc->has_key) {
        fprintf(stderr, "demo: --rpc needs --controller, --chain-id and --key\n");
        return 0;
    }
    pthread_mutex_init(&dc->mu, NULL);
    (void)tk_chain_rpc_options_default(&o);
    o.rpc.endpoints = &dc->url;
    o.rpc.n_endpoints = 1;
    o.has_controller = 1;
    o.controller = dc->controller;
    o.recipient = *recipient;
    /* anvil's base fee falls toward zero over empty blocks; the demo's
     * face values assume at least 1 gwei (as the dev chain has). */
    o.min_gas_price = demo_u256("1000000000");
    if ((st = tk_chain_rpc_create(ctx, &dc->view, &o)) != TK_OK ||
        (st = tk_chain_rpc_iface(dc->view, &dc->chain)) != TK_OK ||
        (st = tk_chain_rpc_poll(dc->view, NULL)) != TK_OK) {
        fprintf(stderr, "demo: chain view on %s: %s\n", dc->url,
                tk_status_str(st));
        return 0;
    }
    if (pthread_create(&dc->poller, NULL, poll_main, dc) != 0)
        return 0;
    dc->polling = 1;
    return 1;
}

int demo_chain_watch(demo_chain *dc, const tk_address *sender)
{
    tk_sender_funds f;

    if (tk_chain_rpc_watch(dc->view, sender) != TK_OK)
        return 0;
    /* The poller fetches it within one round. */
    for (int i = 0; i < 100; i++) {
        if (dc->chain.sender_funds(dc->chain.self, sender, &f) == TK_OK)
            return 1;
        demo_sleep_ms(50);
    }
    return 0;
}

uint64_t demo_chain_block(demo_chain *dc)
{
    uint64_t b = 0;
    if (dc->view == NULL || dc->chain.last_block(dc->chain.self, &b) != TK_OK)
        return 0;
    return b;
}

tk_status demo_chain_open_sender(demo_chain *dc, tk_ctx *ctx, tk_rpc **rpc,
                                 tk_eth_sender **s, const uint8_t key[32])
{
    tk_rpc_options ro;
    tk_eth_sender_options so;
    tk_status st;

    (void)tk_rpc_options_default(&ro);
    ro.endpoints = &dc->url;
    ro.n_endpoints = 1;
    (void)tk_eth_sender_options_default(&so);
    so.chain_id = dc->chain_id;
    so.max_gas_price = demo_u256("500000000000"); /* 500 gwei */
    if ((st = tk_rpc_create(ctx, rpc, &ro)) == TK_OK)
        st = tk_eth_sender_create(ctx, s, *rpc, &so, key);
    return st;
}

static void print_hash(const char *what, const tk_hash *h)
{
    char hex[2 * TK_HASH_LEN + 3];
    (void)tk_hex_encode(hex, sizeof hex, h->bytes, TK_HASH_LEN);
    printf("%s %s\n", what, hex);
}

int demo_chain_fund(demo_chain *dc, tk_ctx *ctx, const tk_address *self,
                    const tk_u256 *deposit, const tk_u256 *reserve)
{
    tk_chain_rpc_info info;
    tk_eth_tx_outcome oc;
    tk_sender_funds f;
    tk_rpc *rpc = NULL;
    tk_eth_sender *s = NULL;
    tk_status st = demo_chain_open_sender(dc, ctx, &rpc, &s, dc->key);

    if (st == TK_OK)
        st = tk_chain_rpc_info_get(dc->view, &info);
    if (st == TK_OK)
        st = tk_eth_broker_fund(s, rpc, &oc, &info.ticket_broker, deposit,
                                reserve, 30000);
    tk_eth_sender_destroy(s);
    tk_rpc_destroy(rpc);
    if (st != TK_OK) {
        fprintf(stderr, "broadcaster: fundDepositAndReserve: %s\n",
                tk_status_str(st));
        return 0;
    }
    print_hash("[broadcaster] funded deposit and reserve on-chain, tx",
               &oc.tx_hash);
    /* The view sees the funds once it has polled the block. */
    for (int i = 0; i < 100; i++) {
        if (demo_chain_watch(dc, self) &&
            dc->chain.sender_funds(dc->chain.self, self, &f) == TK_OK &&
            tk_u256_cmp(&f.deposit, deposit) >= 0)
            return 1;
        demo_sleep_ms(50);
    }
    fprintf(stderr, "broadcaster: the chain view does not show the funds\n");
    return 0;
}

void demo_chain_print_tx(const tk_eth_redeem_tx_event *ev, void *data)
{
    static const char *const names[] = {"confirmed", "reverted",
                                        "reverted", "lost"};
    char hex[2 * TK_HASH_LEN + 3];
    (void)data;
    (void)tk_hex_encode(hex, sizeof hex, ev->tx_hash.bytes, TK_HASH_LEN);
    printf("[transcoder] redemption tx %s: %s in block %llu, %zu ticket(s), "
           "%zu used, gas %llu%s%s\n", hex, names[ev->outcome],
           (unsigned long long)ev->block, ev->tickets, ev->tickets_used,
           (unsigned long long)ev->gas_used, ev->reason ? ", reason: " : "",
           ev->reason ? ev->reason : "");
    printf("REDEEM_TX %s\n", hex);
}

static int count_open(const tk_winner *w, void *data)
{
    (void)w;
    ++*(size_t *)data;
    return 0;
}

tk_status demo_chain_open_winners(const tk_store *store, size_t *open)
{
    unsigned mask = TK_WINNER_STATE_BIT(TK_WINNER_NEW) |
                    TK_WINNER_STATE_BIT(TK_WINNER_FAILED) |
                    TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED);
    *open = 0;
    return store->list(store->self, NULL, mask, count_open, open);
}

tk_status demo_chain_redeem_setup(demo_chain *dc, tk_ctx *ctx, tk_eth_redeemer_options *o,
                                  tk_redeem_config *cfg, tk_rpc **rpc, tk_eth_sender **snd)
{
    tk_chain_rpc_info info;
    tk_status st;

    if (!dc->has_redeem_key) {
        fprintf(stderr, "transcoder: --rpc needs --redeem-key\n");
        return TK_ERR_ILLEGAL_ARG;
    }
    (void)tk_eth_redeemer_options_default(o);
    (void)tk_redeem_config_default(cfg);
    cfg->retry_backoff_blocks = 1;
    /* A local anvil (chain id 31337) mines only when sent a transaction:
     * no later block would come to agree with a redemption, and it does not
     * reorganize. A real chain keeps the default confirmations. */
    if (dc->chain_id == 31337)
        cfg->final_confirmations = 1;
    st = tk_chain_rpc_info_get(dc->view, &info);
    o->broker = info.ticket_broker;
    if (st == TK_OK)
        st = demo_chain_open_sender(dc, ctx, rpc, snd, dc->redeem_key);
    return st;
}

int demo_chain_redeem(demo_chain *dc, tk_ctx *ctx, const tk_store *store,
                      tk_monitor *monitor, unsigned timeout_s)
{
    tk_eth_redeemer_options o;
    tk_redeem_config cfg;
    tk_eth_redeemer *rd = NULL;
    tk_eth_redeemer_stats s;
    tk_rpc *rpc = NULL;
    tk_eth_sender *snd = NULL;
    size_t open = 1;
    tk_status st = demo_chain_redeem_setup(dc, ctx, &o, &cfg, &rpc, &snd);

    if (st == TK_ERR_ILLEGAL_ARG)
        return 0;
    if (st == TK_OK)
        st = tk_eth_redeemer_create(ctx, &rd, &o, &cfg, store, &dc->chain,
                                    monitor, snd, rpc);
    if (st == TK_OK)
        st = tk_eth_redeemer_set_tx_callback(rd, demo_chain_print_tx, NULL);
    for (unsigned i = 0; st == TK_OK && open > 0 && i < timeout_s * 4; i++) {
        st = tk_eth_redeemer_on_block(rd, demo_chain_block(dc));
        if (st == TK_OK)
            st = demo_chain_open_winners(store, &open);
        if (open > 0)
            demo_sleep_ms(250);
    }
    if (st == TK_OK && tk_eth_redeemer_get_stats(rd, &s) == TK_OK)
        printf("[transcoder] redemption: %llu transaction(s), %llu mined, "
               "%llu reverted, %llu ticket(s) skipped and retried, %zu "
               "winner(s) left open\n",
               (unsigned long long)s.txs_sent,
               (unsigned long long)s.mined_ok,
               (unsigned long long)s.mined_reverted,
               (unsigned long long)s.tickets_skipped, open);
    else
        fprintf(stderr, "transcoder: redemption: %s\n", tk_status_str(st));
    tk_eth_redeemer_destroy(rd);
    tk_eth_sender_destroy(snd);
    tk_rpc_destroy(rpc);
    return st == TK_OK && open == 0;
}

void demo_chain_close(demo_chain *dc)
{
    if (dc->polling) {
        pthread_mutex_lock(&dc->mu);
        dc->stop = 1;
        pthread_mutex_unlock(&dc->mu);
        pthread_join(dc->poller, NULL);
        dc->polling = 0;
    }
    tk_chain_rpc_destroy(dc->view);
    dc->view = NULL;
    if (dc->url != NULL)
        pthread_mutex_destroy(&dc->mu);
    tk_memzero(dc->key, sizeof dc->key);
    tk_memzero(dc->redeem_key, sizeof dc->redeem_key);
}

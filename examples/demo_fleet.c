/* SPDX-License-Identifier: MIT */
/* The fleet's redeemer in the demo: see demo_fleet.h. */
#include "demo_fleet.h"

#include "demo_common.h"

static int stopping(demo_fleet *f)
{
    int stop;
    pthread_mutex_lock(&f->mu);
    stop = f->stop;
    pthread_mutex_unlock(&f->mu);
    return stop;
}

static void *fleet_main(void *arg)
{
    demo_fleet *f = arg;
    int was_leading = 0;
    tk_status last = TK_OK;

    while (!stopping(f)) {
        tk_eth_fleet_state s;
        int leading = 0;
        tk_status st = tk_eth_fleet_redeemer_on_block(f->fr, demo_chain_block(f->dc),
                                                      &leading);
        if (st != last) /* once per change: a store outage is not a flood */
            printf("[transcoder] fleet redeemer: %s\n", tk_status_str(st));
        last = st;
        if (leading != was_leading &&
            tk_eth_fleet_redeemer_state(f->fr, &s, NULL) == TK_OK)
            printf("[transcoder] redeemer lease: %s (token %llu)\n",
                   leading ? "leading" : "held elsewhere", (unsigned long long)s.token);
        was_leading = leading;
        demo_sleep_ms(DEMO_FLEET_TICK_MS);
    }
    return NULL;
}

int demo_fleet_start(demo_fleet *f, demo_chain *dc, tk_ctx *ctx, const tk_store *store,
                     tk_monitor *monitor, const char *holder, uint32_t lease_ms)
{
    tk_eth_fleet_config fc = {holder, lease_ms};
    tk_eth_redeemer_options o;
    tk_redeem_config cfg;
    tk_status st;

    memset(f, 0, sizeof *f);
    f->dc = dc;
    pthread_mutex_init(&f->mu, NULL);
    st = demo_chain_redeem_setup(dc, ctx, &o, &cfg, &f->rpc, &f->sender);
    if (st == TK_OK)
        st = tk_eth_fleet_redeemer_create(ctx, &f->fr, &fc, &o, &cfg, store, &dc->chain,
                                          monitor, f->sender, f->rpc);
    if (st == TK_OK)
        st = tk_eth_fleet_redeemer_set_tx_callback(f->fr, demo_chain_print_tx, NULL);
    if (st == TK_OK && pthread_create(&f->thread, NULL, fleet_main, f) != 0)
        st = TK_ERR_NOMEM;
    if (st != TK_OK) {
        fprintf(stderr, "transcoder: fleet redeemer: %s\n", tk_status_str(st));
        return 0;
    }
    f->running = 1;
    return 1;
}

static void stop_thread(demo_fleet *f)
{
    if (!f->running)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    f->running = 0;
}

int demo_fleet_finish(demo_fleet *f, const tk_store *store, unsigned timeout_s)
{
    tk_eth_fleet_state s;
    size_t open = 1;
    tk_status st = TK_OK;

    for (unsigned i = 0; st == TK_OK && open > 0 && i < timeout_s * 4; i++) {
        st = demo_chain_open_winners(store, &open);
        if (st == TK_OK && open > 0)
            demo_sleep_ms(250);
    }
    stop_thread(f);
    if (f->fr != NULL) {
        if (tk_eth_fleet_redeemer_state(f->fr, &s, NULL) == TK_OK)
            printf("[transcoder] fleet redeemer: %llu tenure(s) here, last token %llu, "
                   "%llu send(s) refused for a lost lease, %llu tenure(s) ended by a "
                   "fenced write; %zu winner(s) left open\n",
                   (unsigned long long)s.tenures, (unsigned long long)s.token,
                   (unsigned long long)s.refused, (unsigned long long)s.fenced, open);
        (void)tk_eth_fleet_redeemer_release(f->fr);
    }
    if (st != TK_OK)
        fprintf(stderr, "transcoder: fleet redemption: %s\n", tk_status_str(st));
    return st == TK_OK && open == 0;
}

void demo_fleet_stop(demo_fleet *f)
{
    stop_thread(f);
    tk_eth_fleet_redeemer_destroy(f->fr);
    tk_eth_sender_destroy(f->sender);
    tk_rpc_destroy(f->rpc);
    if (f->dc != NULL)
        pthread_mutex_destroy(&f->mu);
    memset(f, 0, sizeof *f);
}

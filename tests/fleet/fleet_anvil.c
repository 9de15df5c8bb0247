/* SPDX-License-Identifier: MIT */
/* The fleet test on anvil (TK_FLEET_CHAIN=anvil, run under
 * tools/chain/tkchain.py): the chain side of the parent and of the nodes.
 *
 * Parent: the recipient address becomes an active transcoder; each sender
 * (dev accounts 5..7) funds deposit and reserve on-chain with
 * tk_eth_broker_fund; the parent's issuers and senders use a chain view
 * over RPC. At the end it reads the chain: usedTickets for every stored
 * winner; every TicketBroker transaction of the fleet's gas account
 * (dev account 3) decoded - each stored winner carried by exactly one of
 * them, which succeeded, and nothing else carried; the recipient's balance
 * grew by exactly the winners' face values.
 *
 * Node: its recipient validates against its own chain view over RPC; the
 * redeemer is a tk_eth_fleet_redeemer on the shared store sending from the
 * one gas account through the node's own tk_eth_sender.
 *
 * The nodes are forked from the parent: they inherit `env`, loaded by the
 * parent before the first fork. Node code never asserts (cmocka belongs to
 * the parent); it returns statuses and the node dies on them. */
#include "fleet_procs.h"
#include "fleet_store_sel.h"
#include "test_support.h"

#include "../eth/anvil_node.h"

#include "ticket/chain_rpc.h"
#include "ticket/eth_fleet.h"
#include "ticket/eth_redeem.h"
#include "ticket/keys.h"
#include "ticket/redeem.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

#define OWNER 0
#define GAS_ACCOUNT 3
#define FIRST_SENDER 5
#define ETH "10000000000000000000" /* 10 ETH deposit and reserve each */

static anvil_env env;
static tk_rpc *parent_rpc;
static tk_chain_rpc *parent_view;
static tk_u256 balance_at_start;
static uint64_t first_block;

int fleet_on_anvil(void)
{
    const char *c = getenv("TK_FLEET_CHAIN");
    return c != NULL && strcmp(c, "anvil") == 0;
}

void fleet_recipient_config(tk_recipient_config *rc)
{
    memset(rc, 0, sizeof *rc);
    fleet_recipient_address(&rc->address);
    if (!fleet_on_anvil()) {
        /* faceValue = 1 gas * 1 gwei * 10; EV 5 gwei: half the tickets win. */
        (void)tk_u256_from_u64(&rc->ev, FLEET_EV);
        rc->redeem_gas = 1;
        rc->tx_cost_multiplier = 10;
        return;
    }
    /* 350000 gas x >= 1 gwei (the views' floor) x 100 is above the cap:
     * every faceValue is the cap, 0.01 ETH; EV 0.005 ETH: half win. */
    if (tk_u256_from_dec(&rc->max_face_value, "10000000000000000", 17) != TK_OK ||
        tk_u256_from_dec(&rc->ev, "5000000000000000", 16) != TK_OK)
        abort();
    rc->redeem_gas = 350000;
    rc->tx_cost_multiplier = 100;
}

/* A chain view over anvil for our recipient address (no network yet). */
static tk_status view_create(const tk_ctx *ctx, tk_chain_rpc **out)
{
    tk_chain_rpc_options vo;
    tk_status st = tk_chain_rpc_options_default(&vo);

    vo.rpc.endpoints = &env.url;
    vo.rpc.n_endpoints = 1;
    vo.rpc.retries = 1;
    vo.has_controller = 1;
    vo.controller = env.controller;
    fleet_recipient_address(&vo.recipient);
    (void)tk_u256_from_u64(&vo.min_gas_price, 1000000000u);
    if (st == TK_OK)
        st = tk_chain_rpc_create(ctx, out, &vo);
    for (int s = 0; st == TK_OK && s < FLEET_SENDERS; s++)
        st = tk_chain_rpc_watch(*out, &env.accounts[FIRST_SENDER + s]);
    return st;
}

/* ---- the parent ---------------------------------------------------------*/

static uint64_t gas_nonce(void);
static uint64_t nonce_at_mine, sent_before_kill;

void fleet_anvil_parent_setup(const tk_ctx *ctx, tk_chain *view,
                              uint8_t keys[FLEET_SENDERS][32])
{
    tk_u256 w[2], amount;
    tk_address rcpt;

    anvil_env_load(&env);
    parent_rpc = anvil_rpc(ctx, &env.url, 1);
    fleet_recipient_address(&rcpt);
    assert_int_equal(tk_abi_address_word(&w[0], &rcpt), TK_OK);
    assert_int_equal(tk_u256_from_u64(&w[1], 1), TK_OK);
    assert_int_equal(anvil_call_from(parent_rpc, &env.accounts[OWNER], &env.bonding,
                                     anvil_selector("setActiveTranscoder(address,bool)"),
                                     w, 2), 1);
    assert_int_equal(tk_u256_from_dec(&amount, ETH, strlen(ETH)), TK_OK);
    for (int s = 0; s < FLEET_SENDERS; s++) {
        tk_eth_sender_options o;
        tk_eth_sender *snd = NULL;
        tk_eth_tx_outcome oc;
        assert_int_equal(tk_eth_sender_options_default(&o), TK_OK);
        o.chain_id = env.chain_id;
        assert_int_equal(tk_u256_from_u64(&o.max_gas_price, 500000000000u), TK_OK);
        assert_int_equal(tk_eth_sender_create(ctx, &snd, parent_rpc, &o,
                                              env.keys[FIRST_SENDER + s]), TK_OK);
        assert_int_equal(tk_eth_broker_fund(snd, parent_rpc, &oc, &env.broker, &amount,
                                            &amount, 10000), TK_OK);
        assert_int_equal(oc.receipt.status, 1);
        tk_eth_sender_destroy(snd);
        memcpy(keys[s], env.keys[FIRST_SENDER + s], 32);
    }
    assert_int_equal(view_create(ctx, &parent_view), TK_OK);
    assert_int_equal(tk_chain_rpc_iface(parent_view, view), TK_OK);
    assert_int_equal(tk_chain_rpc_poll(parent_view, NULL), TK_OK);
    balance_at_start = anvil_balance(parent_rpc, &rcpt);
    first_block = anvil_block(parent_rpc);
}

void fleet_anvil_parent_poll(void)
{
    assert_int_equal(tk_chain_rpc_poll(parent_view, NULL), TK_OK);
}

void fleet_anvil_mine(uint64_t blocks)
{
    nonce_at_mine = gas_nonce();
    anvil_mine(parent_rpc, blocks);
    fleet_anvil_parent_poll();
}

static uint64_t gas_nonce(void)
{
    uint64_t n = 0;
    assert_int_equal(tk_rpc_transaction_count(parent_rpc, &n, &env.accounts[GAS_ACCOUNT], 0),
                     TK_OK);
    return n;
}

void fleet_anvil_wait_redemption(void)
{
    time_t until = time(NULL) + 60;
    while (gas_nonce() <= nonce_at_mine) {
        assert_true(time(NULL) < until);
        sleep_ms(2);
    }
}

void fleet_anvil_killed(void)
{
    sent_before_kill = gas_nonce();
}

void fleet_anvil_parent_teardown(void)
{
    tk_chain_rpc_destroy(parent_view);
    tk_rpc_destroy(parent_rpc);
    parent_view = NULL;
    parent_rpc = NULL;
}

/* ---- the end state, read from the chain -----------------------------------*/

typedef struct stored {
    tk_hash *h;
    tk_u256 *face;
    unsigned *carried;
    size_t n, cap;
} stored;

static int collect(const tk_winner *w, void *data)
{
    stored *s = data;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->h = realloc(s->h, s->cap * sizeof *s->h);
        s->face = realloc(s->face, s->cap * sizeof *s->face);
        s->carried = realloc(s->carried, s->cap * sizeof *s->carried);
        if (s->h == NULL || s->face == NULL || s->carried == NULL)
            abort();
    }
    s->h[s->n] = w->ticket_hash;
    s->face[s->n] = w->ticket.face_value;
    s->carried[s->n] = 0;
    s->n++;
    return 0;
}

static int hex_address_is(const char *hex, const tk_address *a)
{
    tk_address x;
    return hex != NULL && tk_address_from_hex(&x, hex, strlen(hex)) == TK_OK &&
           memcmp(x.bytes, a->bytes, 20) == 0;
}

/* One redemption transaction of the gas account: count what it carried
 * (it must have succeeded). Returns the tickets it carried. */
static size_t count_carried(stored *s, json_t *tx)
{
    const char *input = json_string_value(json_object_get(tx, "input"));
    const char *hash = json_string_value(json_object_get(tx, "hash"));
    size_t len = 0, n = 64;
    uint8_t *cd;
    tk_ticket t[64];
    tk_sig sig[64];
    tk_u256 r[64];
    json_t *rc;

    assert_non_null(input);
    cd = tk_test_hex_alloc(input, &len);
    if (tk_redeem_decode_single(t, sig, r, cd, len) == TK_OK)
        n = 1;
    else
        assert_int_equal(tk_redeem_decode_batch(t, sig, r, &n, cd, len), TK_OK);
    free(cd);
    rc = anvil_raw(parent_rpc, "eth_getTransactionReceipt", json_pack("[s]", hash));
    assert_string_equal(json_string_value(json_object_get(rc, "status")), "0x1");
    json_decref(rc);
    for (size_t i = 0; i < n; i++) {
        tk_hash h;
        size_t k = 0;
        assert_int_equal(tk_ticket_hash(&h, &t[i]), TK_OK);
        while (k < s->n && memcmp(&s->h[k], &h, sizeof h) != 0)
            k++;
        assert_true(k < s->n); /* nothing redeemed that is not a stored winner */
        s->carried[k]++;
    }
    return n;
}

void fleet_anvil_check_end(const tk_store *store, size_t *n_winners, size_t *n_txs)
{
    stored s = {NULL, NULL, NULL, 0, 0};
    uint64_t head = anvil_block(parent_rpc);
    tk_address rcpt;
    tk_u256 now;
    mpz_t sum, x;

    assert_int_equal(store->list(store->self, NULL, TK_WINNER_ALL_STATES, collect, &s),
                     TK_OK);
    *n_txs = 0;
    /* Every transaction of the gas account since the start. */
    for (uint64_t b = first_block; b <= head; b++) {
        char num[24];
        json_t *blk, *txs;
        size_t i;
        json_t *tx;
        snprintf(num, sizeof num, "0x%llx", (unsigned long long)b);
        blk = anvil_raw(parent_rpc, "eth_getBlockByNumber", json_pack("[s,b]", num, 1));
        txs = json_object_get(blk, "transactions");
        json_array_foreach(txs, i, tx) {
            if (!hex_address_is(json_string_value(json_object_get(tx, "from")),
                                &env.accounts[GAS_ACCOUNT]))
                continue;
            assert_true(hex_address_is(json_string_value(json_object_get(tx, "to")),
                                       &env.broker));
            count_carried(&s, tx);
            (*n_txs)++;
        }
        json_decref(blk);
    }
    mpz_inits(sum, x, NULL);
    for (size_t k = 0; k < s.n; k++) {
        /* used on chain, sent in exactly one (successful) transaction */
        assert_int_equal(anvil_used(parent_rpc, &env.broker, &s.h[k]), 1);
        if (s.carried[k] != 1)
            fail_msg("winner %zu carried by %u transactions", k, s.carried[k]);
        assert_int_equal(tk_u256_to_mpz(x, &s.face[k]), TK_OK);
        mpz_add(sum, sum, x);
    }
    /* The recipient got exactly the winners' face values. */
    fleet_recipient_address(&rcpt);
    now = anvil_balance(parent_rpc, &rcpt);
    assert_int_equal(tk_u256_to_mpz(x, &balance_at_start), TK_OK);
    mpz_add(sum, sum, x);
    assert_int_equal(tk_u256_to_mpz(x, &now), TK_OK);
    if (mpz_cmp(sum, x) != 0) /* start + face values == now */
        fail_msg("recipient balance %s, want %s", mpz_get_str(NULL, 10, x),
                 mpz_get_str(NULL, 10, sum));
    mpz_clears(sum, x, NULL);
    /* The killed holder had redeemed, and the next one redeemed too. */
    if (sent_before_kill == 0 || *n_txs <= sent_before_kill)
        fail_msg("transactions: %llu before the kill, %zu in all",
                 (unsigned long long)sent_before_kill, *n_txs);
    printf("fleet on anvil: the killed holder had sent %llu of %zu transactions\n",
           (unsigned long long)sent_before_kill, *n_txs);
    *n_winners = s.n;
    free(s.h);
    free(s.face);
    free(s.carried);
}

/* ---- a node ----------------------------------------------------------------*/

struct fleet_anvil_node {
    tk_chain_rpc *view;
    tk_chain chain;
    tk_rpc *rpc;            /* the redeemer's */
    tk_eth_sender *sender;
    tk_eth_fleet_redeemer *red;
};

tk_status fleet_anvil_node_open(const tk_ctx *ctx, fleet_anvil_node **out, tk_chain *view)
{
    fleet_anvil_node *n = calloc(1, sizeof *n);
    tk_status st = n != NULL ? view_create(ctx, &n->view) : TK_ERR_NOMEM;

    if (st == TK_OK)
        st = tk_chain_rpc_iface(n->view, &n->chain);
    if (st == TK_OK)
        st = tk_chain_rpc_poll(n->view, NULL);
    if (st != TK_OK) {
        fleet_anvil_node_close(n, 0);
        return st;
    }
    *view = n->chain;
    *out = n;
    return TK_OK;
}

tk_status fleet_anvil_node_redeemer(const tk_ctx *ctx, fleet_anvil_node *n, const char *holder,
                                    const tk_store *store, tk_monitor *mon)
{
    tk_rpc_options ro;
    tk_eth_sender_options so;
    tk_eth_fleet_config fc;
    tk_eth_redeemer_options o;
    tk_redeem_config qc;
    tk_status st = tk_rpc_options_default(&ro);

    ro.endpoints = &env.url;
    ro.n_endpoints = 1;
    ro.retries = 1;
    ro.timeout_ms = 1000; /* a send is a few requests: well inside the lease */
    if (st == TK_OK)
        st = tk_rpc_create(ctx, &n->rpc, &ro);
    if (st == TK_OK)
        st = tk_eth_sender_options_default(&so);
    so.chain_id = env.chain_id;
    (void)tk_u256_from_u64(&so.max_gas_price, 500000000000u);
    if (st == TK_OK)
        st = tk_eth_sender_create(ctx, &n->sender, n->rpc, &so, env.keys[GAS_ACCOUNT]);
    memset(&fc, 0, sizeof fc);
    fc.holder = holder;
    fc.lease_ms = fleet_store_lease_ms();
    (void)tk_eth_redeemer_options_default(&o);
    o.broker = env.broker;
    (void)tk_redeem_config_default(&qc);
    qc.final_confirmations = 1;
    if (st == TK_OK)
        st = tk_eth_fleet_redeemer_create(ctx, &n->red, &fc, &o, &qc, store, &n->chain, mon,
                                          n->sender, n->rpc);
    return st;
}

tk_status fleet_anvil_node_sync(fleet_anvil_node *n)
{
    return tk_chain_rpc_poll(n->view, NULL);
}

tk_status fleet_anvil_node_on_block(fleet_anvil_node *n, int *leading)
{
    uint64_t block = 0;
    tk_status st = n->chain.last_block(n->chain.self, &block);

    if (st == TK_OK)
        st = tk_eth_fleet_redeemer_on_block(n->red, block, leading);
    return st;
}

void fleet_anvil_node_close(fleet_anvil_node *n, int release)
{
    if (n == NULL)
        return;
    if (release && n->red != NULL)
        (void)tk_eth_fleet_redeemer_release(n->red);
    tk_eth_fleet_redeemer_destroy(n->red);
    tk_eth_sender_destroy(n->sender);
    tk_rpc_destroy(n->rpc);
    tk_chain_rpc_destroy(n->view);
    free(n);
}

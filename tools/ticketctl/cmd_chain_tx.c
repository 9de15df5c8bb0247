/* SPDX-License-Identifier: MIT */
/* fund, unlock, cancel-unlock, withdraw, redeem: transactions on a real
 * node (eth_redeem.h through eth_sender.h; redeem also reads the chain
 * through chain_rpc.h). */
#include "ticketctl.h"

#include "ticket/chain_rpc.h"
#include "ticket/eth_redeem.h"
#include "ticket/eth_sender.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/store.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What every command here opens: the client, the sender, the broker. */
typedef struct chain_tx {
    const char *urls[TK_RPC_ENDPOINTS_MAX];
    size_t n_urls;
    tk_rpc *rpc;
    tk_eth_sender *sender;
    tk_address broker;
    tk_address controller;
    int has_controller;
    long timeout_ms;
} chain_tx;

/* getContract(keccak256("TicketBroker")) on the Controller. */
static int broker_from_controller(tc *c, chain_tx *x)
{
    tk_rpc_call_args a;
    tk_hash id;
    tk_u256 w;
    uint8_t cd[36], out[32];
    size_t cdlen = sizeof cd, outlen = sizeof out;
    tk_status st;

    (void)tk_keccak256(&id, "TicketBroker", 12);
    memcpy(w.bytes, id.bytes, 32);
    memset(&a, 0, sizeof a);
    a.to = &x->controller;
    a.data = cd;
    st = tk_abi_encode_call(cd, &cdlen, TK_ABI_SEL_GET_CONTRACT, &w, 1);
    a.data_len = cdlen;
    if (st == TK_OK)
        st = tk_rpc_call(x->rpc, out, &outlen, &a, "latest", 0);
    if (st == TK_OK)
        st = tk_abi_decode_address(&x->broker, out, outlen);
    if (st != TK_OK)
        return tc_fail_status(c, st, "reading the TicketBroker's address");
    if (tk_address_is_zero(&x->broker))
        return tc_fail(c, "not_found", "the Controller has no TicketBroker");
    return 0;
}

/* rpc, chain_id, privkey, ticket_broker or controller, max_gas_price,
 * timeout_ms. */
static int open_chain_tx(tc *c, const json_t *in, chain_tx *x)
{
    tk_rpc_options ro;
    tk_eth_sender_options so;
    uint8_t key[32];
    uint64_t timeout = 60000;
    int has_broker;
    tk_status st;

    memset(x, 0, sizeof *x);
    (void)tk_eth_sender_options_default(&so);
    (void)tk_u256_from_u64(&so.max_gas_price, 500000000000u); /* 500 gwei */
    if (tc_in_rpc_urls(c, in, x->urls, &x->n_urls) < 0 ||
        tc_in_uint(c, in, "chain_id", UINT64_MAX, &so.chain_id,
                   TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "max_gas_price", &so.max_gas_price,
                   TC_OPTIONAL) < 0 ||
        tc_in_uint(c, in, "timeout_ms", 3600000, &timeout, TC_OPTIONAL) < 0 ||
        (has_broker = tc_in_address(c, in, "ticket_broker", &x->broker,
                                    TC_OPTIONAL)) < 0 ||
        (x->has_controller = tc_in_address(c, in, "controller",
                                           &x->controller, TC_OPTIONAL)) < 0)
        return -1;
    if (has_broker == x->has_controller)
        return tc_fail(c, "usage", "give exactly one of 'ticket_broker' and "
                                   "'controller'");
    if (so.chain_id == 0 || tk_u256_is_zero(&so.max_gas_price))
        return tc_fail(c, "out_of_range", "chain_id and max_gas_price must "
                                          "not be 0");
    x->timeout_ms = (long)timeout;
    (void)tk_rpc_options_default(&ro);
    ro.endpoints = x->urls;
    ro.n_endpoints = x->n_urls;
    ro.retries = 1;
    if ((st = tk_rpc_create(c->ctx, &x->rpc, &ro)) != TK_OK)
        return tc_fail_status(c, st, "creating the RPC client");
    if (tc_in_privkey(c, in, "privkey", key) < 0)
        return -1;
    st = tk_eth_sender_create(c->ctx, &x->sender, x->rpc, &so, key);
    tk_memzero(key, sizeof key);
    if (st != TK_OK)
        return tc_fail_status(c, st, "creating the transaction sender");
    return x->has_controller ? broker_from_controller(c, x) : 0;
}

static void close_chain_tx(chain_tx *x)
{
    tk_eth_sender_destroy(x->sender);
    tk_rpc_destroy(x->rpc);
}

static const char *state_name(tk_eth_tx_state s)
{
    static const char *names[] = {"pending", "succeeded", "reverted",
                                  "failed"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}

/* {tx_hash, state, block, gas_used} of a broker call, or its refusal. */
static int tx_result(tc *c, chain_tx *x, tk_status st,
                     const tk_eth_tx_outcome *oc, const char *what)
{
    tk_rpc_error e;

    if (st == TK_ERR_RPC_REVERTED && tk_u256_is_zero(&oc->fee_cap) &&
        tk_rpc_last_error(x->rpc, &e) == TK_OK && e.revert.reason[0])
        return tc_fail(c, "rpc_reverted", "%s reverts: %s", what,
                       e.revert.reason); /* refused by the estimate */
    if (st != TK_OK && st != TK_ERR_RPC_REVERTED)
        return tc_fail_status(c, st, what);
    tc_set_hex(c->out, "tx_hash", oc->tx_hash.bytes, 32);
    json_object_set_new(c->out, "state", json_string(state_name(oc->state)));
    json_object_set_new(c->out, "block",
                        json_integer((json_int_t)oc->receipt.block_number));
    json_object_set_new(c->out, "gas_used",
                        json_integer((json_int_t)oc->receipt.gas_used));
    if (oc->has_revert && oc->revert.kind == TK_ABI_REVERT_ERROR)
        json_object_set_new(c->out, "reason", json_string(oc->revert.reason));
    return 0;
}

static int run_fund(tc *c, const json_t *in)
{
    chain_tx x;
    tk_eth_tx_outcome oc;
    tk_u256 dep, res;
    int rc = -1;

    memset(&oc, 0, sizeof oc);
    if (open_chain_tx(c, in, &x) == 0 &&
        tc_in_u256(c, in, "deposit", &dep, TC_REQUIRED) >= 0 &&
        tc_in_u256(c, in, "reserve", &res, TC_REQUIRED) >= 0)
        rc = tx_result(c, &x, tk_eth_broker_fund(x.sender, x.rpc, &oc, &x.broker,
                                                 &dep, &res, x.timeout_ms),
                       &oc, "fundDepositAndReserve");
    close_chain_tx(&x);
    return rc;
}

static int run_call0(tc *c, const json_t *in, tk_eth_broker_call call,
                     const char *what)
{
    chain_tx x;
    tk_eth_tx_outcome oc;
    int rc = -1;

    memset(&oc, 0, sizeof oc);
    if (open_chain_tx(c, in, &x) == 0)
        rc = tx_result(c, &x, tk_eth_broker_call0(x.sender, x.rpc, &oc, &x.broker,
                                                  call, x.timeout_ms),
                       &oc, what);
    close_chain_tx(&x);
    return rc;
}

static int run_unlock(tc *c, const json_t *in)
{
    return run_call0(c, in, TK_ETH_BROKER_UNLOCK, "unlock");
}

static int run_cancel_unlock(tc *c, const json_t *in)
{
    return run_call0(c, in, TK_ETH_BROKER_CANCEL_UNLOCK, "cancelUnlock");
}

static int run_withdraw(tc *c, const json_t *in)
{
    return run_call0(c, in, TK_ETH_BROKER_WITHDRAW, "withdraw");
}

/* ---- redeem --------------------------------------------------------------*/

typedef struct redeem_run {
    tk_chain_rpc *view;
    json_t *txs;
    size_t open;
} redeem_run;

static void on_tx(const tk_eth_redeem_tx_event *ev, void *data)
{
    static const char *const names[] = {"confirmed", "reverted",
                                        "reverted", "lost"};
    redeem_run *rr = data;
    json_t *o = json_object();
    tc_set_hex(o, "tx_hash", ev->tx_hash.bytes, 32);
    json_object_set_new(o, "outcome", json_string(names[ev->outcome]));
    json_object_set_new(o, "block", json_integer((json_int_t)ev->block));
    json_object_set_new(o, "tickets", json_integer((json_int_t)ev->tickets));
    json_object_set_new(o, "tickets_used",
                        json_integer((json_int_t)ev->tickets_used));
    json_object_set_new(o, "gas_used", json_integer((json_int_t)ev->gas_used));
    if (ev->reason != NULL)
        json_object_set_new(o, "reason", json_string(ev->reason));
    json_array_append_new(rr->txs, o);
}

/* Count the winners not final yet; watch their senders. */
static int visit_open(const tk_winner *w, void *data)
{
    redeem_run *rr = data;
    rr->open++;
    (void)tk_chain_rpc_watch(rr->view, &w->ticket.sender);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int run_redeem(tc *c, const json_t *in)
{
    const unsigned open_mask = TK_WINNER_STATE_BIT(TK_WINNER_NEW) |
                               TK_WINNER_STATE_BIT(TK_WINNER_FAILED) |
                               TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED);
    chain_tx x;
    tk_chain_rpc_options vo;
    tk_eth_redeemer_options ro;
    tk_redeem_config cfg;
    tk_chain_rpc_info info;
    tk_eth_redeemer_stats s;
    redeem_run rr = {NULL, json_array(), 0};
    tk_store_sqlite *db = NULL;
    tk_store store;
    tk_chain chain;
    tk_monitor *mon = NULL;
    tk_eth_redeemer *rd = NULL;
    tk_address recipient;
    const char *path;
    struct timespec t0, t1;
    tk_status st = TK_OK;
    int rc = -1;

    memset(&x, 0, sizeof x);
    if (tc_in_string(c, in, "store", &path, TC_REQUIRED) < 0 ||
        tc_in_address(c, in, "recipient", &recipient, TC_REQUIRED) < 0 ||
        open_chain_tx(c, in, &x) < 0)
        goto out;
    if (!x.has_controller) {
        tc_fail(c, "usage", "redeem reads the chain through the Controller: "
                            "give 'controller'");
        goto out;
    }
    if (access(path, F_OK) != 0) {
        tc_fail(c, "not_found", "no store file at '%s'", path);
        goto out;
    }
    (void)tk_chain_rpc_options_default(&vo);
    vo.rpc.endpoints = x.urls;
    vo.rpc.n_endpoints = x.n_urls;
    vo.has_controller = 1;
    vo.controller = x.controller;
    vo.recipient = recipient;
    (void)tk_eth_redeemer_options_default(&ro);
    ro.broker = x.broker;
    (void)tk_redeem_config_default(&cfg);
    if ((st = tk_store_sqlite_create(&db, path, NULL)) != TK_OK ||
        (st = tk_store_sqlite_iface(db, &store)) != TK_OK ||
        (st = tk_chain_rpc_create(c->ctx, &rr.view, &vo)) != TK_OK ||
        (st = tk_chain_rpc_iface(rr.view, &chain)) != TK_OK ||
        (st = store.list(store.self, NULL, open_mask, visit_open, &rr)) !=
            TK_OK ||
        (st = tk_chain_rpc_poll(rr.view, NULL)) != TK_OK ||
        (st = tk_monitor_create(c->ctx, &mon, &chain, &recipient)) != TK_OK ||
        (st = tk_eth_redeemer_create(c->ctx, &rd, &ro, &cfg, &store, &chain,
                                     mon, x.sender, x.rpc)) != TK_OK ||
        (st = tk_eth_redeemer_set_tx_callback(rd, on_tx, &rr)) != TK_OK) {
        tc_fail_status(c, st, "setting up the redemption");
        goto out;
    }
    /* Block by block until every winner is final or the time is up. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        uint64_t block = 0;
        long ms;
        if (tk_chain_rpc_poll(rr.view, NULL) == TK_OK &&
            chain.last_block(chain.self, &block) == TK_OK &&
            (st = tk_eth_redeemer_on_block(rd, block)) != TK_OK)
            break;
        rr.open = 0;
        if ((st = store.list(store.self, NULL, open_mask, visit_open, &rr)) !=
                TK_OK || rr.open == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 +
             (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms >= x.timeout_ms)
            break;
        sleep_ms(500);
    }
    if (st != TK_OK) {
        tc_fail_status(c, st, "redeeming");
        goto out;
    }
    (void)tk_chain_rpc_info_get(rr.view, &info);
    (void)tk_eth_redeemer_get_stats(rd, &s);
    json_object_set(c->out, "transactions", rr.txs);
    json_object_set_new(c->out, "confirmed",
                        json_integer((json_int_t)s.queue.confirmed));
    json_object_set_new(c->out, "used", json_integer((json_int_t)s.queue.used));
    json_object_set_new(c->out, "expired",
                        json_integer((json_int_t)s.queue.expired));
    json_object_set_new(c->out, "open", json_integer((json_int_t)rr.open));
    json_object_set_new(c->out, "block", json_integer((json_int_t)info.block));
    rc = 0;
out:
    tk_eth_redeemer_destroy(rd);
    tk_monitor_destroy(mon);
    tk_chain_rpc_destroy(rr.view);
    tk_store_sqlite_destroy(db);
    close_chain_tx(&x);
    json_decref(rr.txs);
    return rc;
}

#define CHAIN_TX_INPUT                                                        \
    "{rpc (URL or array), chain_id, privkey, ticket_broker or controller,\n" \
    "        max_gas_price (wei, default 500 gwei), timeout_ms (default\n"    \
    "        60000)"

const tc_command tc_cmd_fund = {
    "fund", "fundDepositAndReserve on a real node (JSON-RPC)",
    "Input:  " CHAIN_TX_INPUT ", deposit, reserve}\n"
    "Output: {tx_hash, state, block, gas_used[, reason]}\n"
    "Sends fundDepositAndReserve(deposit, reserve) with value deposit +\n"
    "reserve from privkey's account and waits for it. A call that would\n"
    "revert is not sent (error rpc_reverted with the reason).\n"
    "Example:\n"
    "  echo '{\"rpc\": \"http://127.0.0.1:8545\", \"chain_id\": 31337,\n"
    "         \"privkey\": \"0x...\", \"controller\": \"0x...\",\n"
    "         \"deposit\": \"1000000000000000000\", \"reserve\": \"0\"}' |\n"
    "  ticketctl fund\n",
    run_fund};
const tc_command tc_cmd_unlock = {
    "unlock", "TicketBroker unlock() on a real node",
    "Input:  " CHAIN_TX_INPUT "}\nOutput: as fund.\n", run_unlock};
const tc_command tc_cmd_cancel_unlock = {
    "cancel-unlock", "TicketBroker cancelUnlock() on a real node",
    "Input:  " CHAIN_TX_INPUT "}\nOutput: as fund.\n", run_cancel_unlock};
const tc_command tc_cmd_withdraw = {
    "withdraw", "TicketBroker withdraw() on a real node",
    "Input:  " CHAIN_TX_INPUT "}\nOutput: as fund.\n", run_withdraw};
const tc_command tc_cmd_redeem = {
    "redeem", "redeem a SQLite store's winners on a real node",
    "Input:  " CHAIN_TX_INPUT " (controller required), store, recipient}\n"
    "Output: {transactions: [{tx_hash, outcome, block, tickets,\n"
    "        tickets_used, gas_used[, reason]}], confirmed, used, expired,\n"
    "        open, block}\n"
    "Runs the redemption queue (eth_redeem.h) over the store, block by\n"
    "block, until every winner is final (confirmed, used, expired) or\n"
    "timeout_ms has passed; privkey's account pays the gas. Winners whose\n"
    "params have not expired yet wait (open > 0).\n",
    run_redeem};

/* SPDX-License-Identifier: MIT */
/* chain-info, sender-info: the chain as the RPC chain view (chain_rpc.h)
 * reads it, over an RPC URL. */
#include "ticketctl.h"

#include "ticket/chain_rpc.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <string.h>

int tc_in_rpc_urls(tc *c, const json_t *in, const char **urls, size_t *n)
{
    const json_t *rpc = json_object_get(in, "rpc");

    *n = 0;
    if (rpc == NULL)
        return tc_fail(c, "missing_field", "missing field 'rpc' (or --rpc URL)");
    if (json_is_string(rpc)) {
        urls[0] = json_string_value(rpc);
        *n = 1;
    } else if (json_is_array(rpc) && json_array_size(rpc) > 0 &&
               json_array_size(rpc) <= TK_RPC_ENDPOINTS_MAX) {
        for (size_t i = 0; i < json_array_size(rpc); i++) {
            if (!json_is_string(json_array_get(rpc, i)))
                return tc_fail(c, "invalid_json", "'rpc' entries must be URLs");
            urls[i] = json_string_value(json_array_get(rpc, i));
        }
        *n = json_array_size(rpc);
    } else {
        return tc_fail(c, "invalid_json",
                       "'rpc' must be a URL or an array of 1 to %d URLs",
                       TK_RPC_ENDPOINTS_MAX);
    }
    for (size_t i = 0; i < *n; i++)
        if (strncmp(urls[i], "http://", 7) != 0 &&
            strncmp(urls[i], "https://", 8) != 0)
            return tc_fail(c, "usage", "'rpc' must be http:// or https:// URLs");
    return 0;
}

/* The view's options from the request: rpc (a URL or an array of up to
 * TK_RPC_ENDPOINTS_MAX), then controller, or the three contracts. */
static int read_view_options(tc *c, const json_t *in, tk_chain_rpc_options *o,
                             const char **urls)
{
    int has;

    (void)tk_chain_rpc_options_default(o);
    o->rpc.retries = 1;
    if (tc_in_rpc_urls(c, in, urls, &o->rpc.n_endpoints) < 0)
        return -1;
    o->rpc.endpoints = urls;
    if ((has = tc_in_address(c, in, "controller", &o->controller,
                             TC_OPTIONAL)) < 0)
        return -1;
    o->has_controller = has;
    if (!has &&
        (tc_in_address(c, in, "ticket_broker", &o->ticket_broker,
                       TC_REQUIRED) < 0 ||
         tc_in_address(c, in, "rounds_manager", &o->rounds_manager,
                       TC_REQUIRED) < 0 ||
         tc_in_address(c, in, "bonding_manager", &o->bonding_manager,
                       TC_REQUIRED) < 0))
        return -1;
    if ((has ? tk_address_is_zero(&o->controller)
             : tk_address_is_zero(&o->ticket_broker) ||
                   tk_address_is_zero(&o->rounds_manager) ||
                   tk_address_is_zero(&o->bonding_manager)))
        return tc_fail(c, "invalid_address", "a contract address is zero");
    return 0;
}

/* Create the view and poll it once; on failure the RPC error's message
 * (never the URL) is in the error. */
static int open_view(tc *c, tk_chain_rpc **view, const tk_chain_rpc_options *o,
                     const tk_address *sender)
{
    tk_rpc_error e;
    tk_status st = tk_chain_rpc_create(c->ctx, view, o);

    if (st != TK_OK)
        return tc_fail_status(c, st, "creating the RPC client");
    if (sender != NULL && (st = tk_chain_rpc_watch(*view, sender)) != TK_OK)
        return tc_fail_status(c, st, "watching the sender");
    if ((st = tk_chain_rpc_poll(*view, NULL)) != TK_OK) {
        (void)tk_chain_rpc_last_error(*view, &e);
        if (e.status != TK_OK && e.message[0] != '\0')
            return tc_fail(c, tk_status_name(st), "reading the chain: %s (%s)",
                           tk_status_str(st), e.message);
        return tc_fail_status(c, st, "reading the chain");
    }
    return 0;
}

static void set_u64(json_t *o, const char *key, uint64_t v)
{
    tk_u256 w;
    (void)tk_u256_from_u64(&w, v);
    tc_set_u256(o, key, &w);
}

static void set_requests(tc *c, tk_chain_rpc *view)
{
    tk_rpc_stats s;
    (void)tk_chain_rpc_stats(view, &s);
    set_u64(c->out, "rpc_requests", s.requests);
}

static int run_chain_info(tc *c, const json_t *in)
{
    const char *urls[TK_RPC_ENDPOINTS_MAX];
    tk_chain_rpc_options o;
    tk_chain_rpc *view = NULL;
    tk_chain_rpc_info info;
    json_t *contracts;
    const tk_round_info *r = &info.rounds;
    int rc = -1;

    if (read_view_options(c, in, &o, urls) < 0 ||
        open_view(c, &view, &o, NULL) < 0)
        goto done;
    (void)tk_chain_rpc_info_get(view, &info);
    set_u64(c->out, "block", info.block);
    set_u64(c->out, "l1_block", info.l1_block);
    json_object_set_new(c->out, "has_l1_block_number",
                        json_boolean(info.has_l1_block_number));
    tc_set_int64(c->out, "round", r->current_round);
    json_object_set_new(c->out, "round_initialized",
                        json_boolean(r->current_round_initialized));
    tc_set_int64(c->out, "last_initialized_round", r->last_initialized_round);
    tc_set_hex(c->out, "last_initialized_block_hash",
               r->last_initialized_block_hash.bytes, TK_HASH_LEN);
    set_u64(c->out, "pool_size", info.pool_size);
    tc_set_u256(c->out, "gas_price", &info.gas_price);
    contracts = json_object();
    if (o.has_controller)
        tc_set_address(contracts, "controller", &o.controller);
    tc_set_address(contracts, "ticket_broker", &info.ticket_broker);
    tc_set_address(contracts, "rounds_manager", &info.rounds_manager);
    tc_set_address(contracts, "bonding_manager", &info.bonding_manager);
    json_object_set_new(c->out, "contracts", contracts);
    set_requests(c, view);
    rc = 0;
done:
    tk_chain_rpc_destroy(view);
    return rc;
}

static int run_sender_info(tc *c, const json_t *in)
{
    const char *urls[TK_RPC_ENDPOINTS_MAX];
    tk_chain_rpc_options o;
    tk_chain_rpc *view = NULL;
    tk_chain_rpc_info info;
    tk_address sender;
    tk_sender_funds f;
    tk_u256 claimed;
    tk_chain ch;
    tk_status st;
    int has_recipient, rc = -1;

    if (read_view_options(c, in, &o, urls) < 0 ||
        tc_in_address(c, in, "sender", &sender, TC_REQUIRED) < 0 ||
        (has_recipient = tc_in_address(c, in, "recipient", &o.recipient,
                                       TC_OPTIONAL)) < 0 ||
        open_view(c, &view, &o, &sender) < 0)
        goto done;
    (void)tk_chain_rpc_iface(view, &ch);
    (void)tk_chain_rpc_info_get(view, &info);
    if ((st = ch.sender_funds(ch.self, &sender, &f)) != TK_OK) {
        tc_fail_status(c, st, "reading the sender");
        goto done;
    }
    tc_set_address(c->out, "sender", &sender);
    set_u64(c->out, "block", info.block);
    tc_set_u256(c->out, "deposit", &f.deposit);
    tc_set_u256(c->out, "withdraw_round", &f.withdraw_round);
    tc_set_u256(c->out, "reserve", &f.reserve_funds_remaining);
    tc_set_u256(c->out, "reserve_claimed_in_current_round",
                &f.reserve_claimed_in_current_round);
    if (has_recipient && !tk_address_is_zero(&o.recipient)) {
        if ((st = ch.claimed_reserve(ch.self, &sender, &o.recipient,
                                     &claimed)) != TK_OK) {
            tc_fail_status(c, st, "reading the claimed reserve");
            goto done;
        }
        tc_set_address(c->out, "recipient", &o.recipient);
        tc_set_u256(c->out, "claimed_reserve", &claimed);
    }
    set_requests(c, view);
    rc = 0;
done:
    tk_chain_rpc_destroy(view);
    return rc;
}

int tc_takes_chain_flags(const tc_command *cmd)
{
    return cmd == &tc_cmd_chain_info || cmd == &tc_cmd_sender_info ||
           cmd == &tc_cmd_fund || cmd == &tc_cmd_unlock ||
           cmd == &tc_cmd_cancel_unlock || cmd == &tc_cmd_withdraw ||
           cmd == &tc_cmd_redeem;
}

#define RPC_INPUT                                                             \
    "        rpc: an http(s) URL, or an array of up to 8 (failover); or\n"    \
    "        --rpc URL on the command line. controller (or --controller\n"    \
    "        ADDR): the contracts come from its getContract; or give\n"       \
    "        ticket_broker, rounds_manager and bonding_manager.\n"

const tc_command tc_cmd_chain_info = {
    "chain-info", "block, round, pool size, gas price and contracts over RPC",
    "Input:  {rpc, controller}\n" RPC_INPUT
    "Output: {block, l1_block, has_l1_block_number, round, round_initialized,\n"
    "        last_initialized_round, last_initialized_block_hash, pool_size,\n"
    "        gas_price, contracts: {controller, ticket_broker, rounds_manager,\n"
    "        bonding_manager}, rpc_requests}\n"
    "What the RPC chain view caches after one poll (docs/chain.md):\n"
    "l1_block is the header's l1BlockNumber (Arbitrum), else the block.\n\n"
    "Example:\n"
    "  ticketctl chain-info --rpc http://127.0.0.1:8545 --controller 0x5fbd…0aa3 "
    "< /dev/null\n",
    run_chain_info};

const tc_command tc_cmd_sender_info = {
    "sender-info", "a sender's deposit, reserve and claims over RPC",
    "Input:  {rpc, controller, sender}, optional recipient\n" RPC_INPUT
    "Output: {sender, block, deposit, withdraw_round, reserve,\n"
    "        reserve_claimed_in_current_round, rpc_requests}; with recipient\n"
    "        also {recipient, claimed_reserve} (claimedReserve(sender,\n"
    "        recipient))\n"
    "Read by TicketBroker getSenderInfo at the latest block.\n\n"
    "Example:\n"
    "  echo '{\"sender\": \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\"}' |\n"
    "    ticketctl sender-info --rpc http://127.0.0.1:8545 --controller 0x5fbd…0aa3\n",
    run_sender_info};

/* SPDX-License-Identifier: MIT */
/* params: ticket params as the recipient module issues them (section 4). */
#include "ticketctl.h"

#include "ticket/recipient.h"
#include "ticket/store.h"

#include <string.h>

static int read_inputs(tc *c, const json_t *in, tk_recipient_config *cfg,
                       tk_address *sender, tk_price *price,
                       tk_params_inputs *pin)
{
    int r;
    if (tc_in_address(c, in, "recipient", &cfg->address, TC_REQUIRED) < 0 ||
        tc_in_address(c, in, "sender", sender, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "ev", &cfg->ev, TC_REQUIRED) < 0 ||
        tc_in_uint(c, in, "redeem_gas", UINT64_MAX, &cfg->redeem_gas,
                   TC_REQUIRED) < 0 ||
        tc_in_uint(c, in, "tx_cost_multiplier", UINT64_MAX,
                   &cfg->tx_cost_multiplier, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "max_face_value", &cfg->max_face_value,
                   TC_OPTIONAL) < 0 ||
        tc_in_u256(c, in, "gas_price", &pin->gas_price, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "max_float", &pin->max_float, TC_REQUIRED) < 0 ||
        tc_in_uint(c, in, "last_block", UINT64_MAX - TK_PARAMS_EXPIRATION_BLOCKS,
                   &pin->last_block, TC_REQUIRED) < 0 ||
        tc_in_int64(c, in, "creation_round", &pin->creation_round,
                    TC_REQUIRED) < 0 ||
        tc_in_bytes(c, in, "creation_round_block_hash",
                    pin->creation_round_block_hash.bytes, 32, TC_REQUIRED) < 0 ||
        tc_in_price(c, in, price, TC_REQUIRED) < 0 ||
        (r = tc_in_u256(c, in, "seed", &pin->seed, TC_OPTIONAL)) < 0)
        return -1;
    pin->has_seed = r;
    if (cfg->redeem_gas == 0 || cfg->tx_cost_multiplier == 0)
        return tc_fail(c, "out_of_range",
                       "redeem_gas and tx_cost_multiplier must be at least 1");
    return 0;
}

static int run_params(tc *c, const json_t *in)
{
    uint8_t secret[32];
    tk_recipient_config cfg;
    tk_params_inputs pin;
    tk_address sender;
    tk_price price;
    tk_ticket_params out;
    tc_chain ch;
    tk_chain chain;
    tk_store_mem *mem = NULL;
    tk_store store;
    tk_recipient *r = NULL;
    tk_status st;

    memset(&cfg, 0, sizeof cfg);
    memset(&pin, 0, sizeof pin);
    if (tc_in_bytes(c, in, "secret", secret, 32, TC_REQUIRED) < 0)
        return -1;
    if (read_inputs(c, in, &cfg, &sender, &price, &pin) < 0) {
        tk_memzero(secret, sizeof secret);
        return -1;
    }
    /* The recipient reads nothing from this chain or store here: params
     * issuance takes its chain state from pin. */
    tc_chain_init(&ch, pin.last_block, pin.creation_round,
                  &pin.creation_round_block_hash);
    tc_chain_iface(&ch, &chain);
    st = tk_store_mem_create(&mem);
    if (st == TK_OK)
        st = tk_store_mem_iface(mem, &store);
    if (st == TK_OK)
        st = tk_recipient_create(c->ctx, &r, &cfg, secret, &chain, &store);
    tk_memzero(secret, sizeof secret);
    if (st == TK_OK)
        st = tk_recipient_params_with(r, &out, &sender, &price, &pin);
    tk_recipient_destroy(r);
    tk_store_mem_destroy(mem);
    if (st != TK_OK)
        return tc_fail_status(c, st, "issuing params");
    json_object_set_new(c->out, "ticket_params", tc_params_json(&out));
    return 0;
}

const tc_command tc_cmd_params = {
    "params", "issue ticket params as a recipient (section 4)",
    "Input:  {secret (32 bytes), recipient, sender, ev, redeem_gas,\n"
    "         tx_cost_multiplier, gas_price, max_float, last_block,\n"
    "         creation_round, creation_round_block_hash, price_num,\n"
    "         price_den}; optional seed (decimal; default 32 random bytes),\n"
    "         max_face_value (0 = none)\n"
    "Output: {ticket_params: {recipient, face_value, win_prob,\n"
    "         recipient_rand_hash, seed, expiration_block, creation_round,\n"
    "         creation_round_block_hash, price_num, price_den}}\n"
    "faceValue = redeem_gas * gas_price * tx_cost_multiplier (EV * 100 when\n"
    "that is below EV), capped at max_float and max_face_value; winProb by\n"
    "the winprob rule; expiration_block = last_block + 40. A sender whose\n"
    "reserve cannot back a ticket gets insufficient_sender_reserve.\n\n"
    "Example:\n"
    "  echo '{\"secret\": \"0x1111111111111111111111111111111111111111111111"
    "111111111111111111\", \"recipient\": \"0x708f0686107991e381ad8d5dd8eabb4"
    "c76dffeee\", \"sender\": \"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf\","
    " \"ev\": \"1000000000000\", \"redeem_gas\": 350000, "
    "\"tx_cost_multiplier\": 100, \"gas_price\": \"1000000000\", "
    "\"max_float\": \"1000000000000000000000\", \"last_block\": 100, "
    "\"creation_round\": \"5\", \"creation_round_block_hash\": \"0x2222222222"
    "222222222222222222222222222222222222222222222222222222\", "
    "\"price_num\": \"3\", \"price_den\": \"1000\"}' | ticketctl params\n",
    run_params};

/* SPDX-License-Identifier: MIT */
/* pay: a signed batch of tickets from the sender module (section 5). */
#include "ticketctl.h"

#include "ticket/sender.h"

#include <string.h>

/* A batch this large is a mistake, not a payment. */
#define TC_MAX_PAY_COUNT 100000u

static void u256_max(tk_u256 *x)
{
    memset(x->bytes, 0xff, sizeof x->bytes);
}

static int read_funds(tc *c, const json_t *in, const tk_ticket_params *p,
                      tc_chain *ch, tk_sender_config *cfg)
{
    uint64_t last_block = 0;
    int64_t round = p->creation_round;
    tk_hash hash = p->creation_round_block_hash;
    tk_sender_funds funds;

    memset(&funds, 0, sizeof funds);
    u256_max(&funds.deposit);
    u256_max(&funds.reserve_funds_remaining);
    u256_max(&cfg->max_ev);
    u256_max(&cfg->max_total_ev);
    cfg->deposit_multiplier = 1;
    if (tc_in_uint(c, in, "last_block", UINT64_MAX, &last_block,
                   TC_OPTIONAL) < 0 ||
        tc_in_int64(c, in, "last_round", &round, TC_OPTIONAL) < 0 ||
        tc_in_bytes(c, in, "last_round_block_hash", hash.bytes, 32,
                    TC_OPTIONAL) < 0 ||
        tc_in_u256(c, in, "deposit", &funds.deposit, TC_OPTIONAL) < 0 ||
        tc_in_u256(c, in, "reserve", &funds.reserve_funds_remaining,
                   TC_OPTIONAL) < 0 ||
        tc_in_u256(c, in, "withdraw_round", &funds.withdraw_round,
                   TC_OPTIONAL) < 0 ||
        tc_in_uint(c, in, "deposit_multiplier", UINT64_MAX,
                   &cfg->deposit_multiplier, TC_OPTIONAL) < 0 ||
        tc_in_u256(c, in, "max_ev", &cfg->max_ev, TC_OPTIONAL) < 0 ||
        tc_in_u256(c, in, "max_total_ev", &cfg->max_total_ev, TC_OPTIONAL) < 0)
        return -1;
    if (cfg->deposit_multiplier == 0)
        return tc_fail(c, "out_of_range", "deposit_multiplier must be >= 1");
    tc_chain_init(ch, last_block, round, &hash);
    ch->funds = funds;
    return 0;
}

static int run_pay(tc *c, const json_t *in)
{
    uint8_t key[32];
    tk_ticket_params params;
    tk_sender_config cfg;
    tc_chain ch;
    tk_chain chain;
    tk_sender *s = NULL;
    tk_payment pay;
    uint64_t count, start = 0;
    int has_price, r;
    tk_status st;

    memset(&cfg, 0, sizeof cfg);
    memset(&pay, 0, sizeof pay);
    if (tc_in_params(c, in, "ticket_params", &params, &has_price) < 0 ||
        tc_in_uint(c, in, "count", TC_MAX_PAY_COUNT, &count, TC_REQUIRED) < 0 ||
        tc_in_uint(c, in, "start_nonce", UINT32_MAX, &start, TC_OPTIONAL) < 0 ||
        (r = tc_in_price(c, in, &params.price, TC_OPTIONAL)) < 0 ||
        read_funds(c, in, &params, &ch, &cfg) < 0)
        return -1;
    if (!has_price && r == 0)
        return tc_fail(c, "missing_field",
                       "no price: give ticket_params.price_num / price_den or "
                       "price_num / price_den");
    if (tc_in_privkey(c, in, "privkey", key) < 0)
        return -1;

    tc_chain_iface(&ch, &chain);
    st = tk_sender_create(c->ctx, &s, &chain, &cfg, key);
    tk_memzero(key, sizeof key);
    if (st == TK_OK)
        st = tk_sender_session_start(s, &params, (uint32_t)start);
    if (st == TK_OK)
        st = tk_sender_create_batch(s, &pay, &params.recipient_rand_hash,
                                    (size_t)count);
    tk_sender_destroy(s);
    if (st != TK_OK)
        return tc_fail_status(c, st, "the sender refused");
    r = tc_set_payment(c, &pay);
    tk_payment_clear(&pay);
    return r;
}

const tc_command tc_cmd_pay = {
    "pay", "sign a batch of tickets on a recipient's params (section 5)",
    "Input:  {privkey, ticket_params (as `params` prints them), count}\n"
    "        (count 0: no ticket, as go-livepeer sends when credit covers a\n"
    "        segment; the params are still checked)\n"
    "        optional: start_nonce (default 0: nonces start+1 .. start+count),\n"
    "        price_num / price_den (else the params' price), last_block\n"
    "        (default 0), last_round / last_round_block_hash (default the\n"
    "        params' creation round), sender funds deposit, reserve,\n"
    "        withdraw_round (default: unlimited deposit and reserve, not\n"
    "        unlocking), deposit_multiplier (1), max_ev, max_total_ev\n"
    "        (default: no limit)\n"
    "Output: {payment (JSON form of payment-decode), base64 (the\n"
    "        Livepeer-Payment header value)}\n"
    "Refusals: params_no_expiration, params_expired, face_value_too_low,\n"
    "ev_too_high, total_ev_too_high, no_deposit_or_reserve,\n"
    "face_value_over_deposit, sender_unlocking.\n\n"
    "Example (ticket_params from `ticketctl params`):\n"
    "  jq -n --argjson tp \"$(ticketctl params < req.json)\" "
    "'{privkey: \"0x00000000000000000000000000000000000000000000000000000000"
    "00000001\", ticket_params: $tp.ticket_params, count: 3, last_block: 100}'"
    " | ticketctl pay\n",
    run_pay};

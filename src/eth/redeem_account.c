/* SPDX-License-Identifier: MIT */
/* The account that pays for redemptions and broker calls: estimate, fees,
 * nonce, signing, sending, and the revert reason of a mined revert. */
#include "eth/redeem_internal.h"

#include "core/memzero.h"
#include "ticket/eth_tx.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tk_status tk__account_init(tk__account *a, const tk_ctx *ctx, tk_rpc *rpc,
                           const tk_eth_redeemer_options *o)
{
    uint64_t id = 0;
    tk_status st;

    memset(a, 0, sizeof *a);
    a->ctx = ctx;
    a->rpc = rpc;
    a->chain_id = o->chain_id;
    a->max_gas_price = o->max_gas_price;
    a->fallback_tip = o->fallback_tip;
    a->gas_margin_pct = o->gas_margin_pct;
    memcpy(a->key, o->seckey, sizeof a->key);
    st = tk_key_address(ctx, &a->from, a->key);
    if (st != TK_OK) {
        tk__account_wipe(a);
        return TK_ERR_ILLEGAL_ARG;
    }
    /* A key for one chain must never sign for another. */
    st = tk_rpc_chain_id(rpc, &id);
    if (st == TK_OK && id != o->chain_id)
        st = TK_ERR_CHAIN;
    if (st != TK_OK)
        tk__account_wipe(a);
    return st;
}

void tk__account_wipe(tk__account *a)
{
    tk_memzero(a, sizeof *a);
}

uint64_t tk__gas_with_margin(uint64_t gas, uint32_t margin_pct)
{
    uint64_t extra = gas / 100 * margin_pct + gas % 100 * margin_pct / 100;
    return gas > UINT64_MAX - extra ? UINT64_MAX : gas + extra;
}

tk_status tk__account_estimate(tk__account *a, uint64_t *gas,
                               const tk_address *to, const tk_u256 *value,
                               const uint8_t *data, size_t len)
{
    tk_rpc_call_args args;

    memset(&args, 0, sizeof args);
    args.from = &a->from;
    args.to = to;
    args.value = value;
    args.data = data;
    args.data_len = len;
    return tk_rpc_estimate_gas(a->rpc, gas, &args);
}

/* Fees of a new transaction: tip from the node (or the fallback), cap
 * min(max, 2 * baseFee + tip). */
static tk_status fees(tk__account *a, tk_u256 *tip, tk_u256 *cap)
{
    tk_rpc_block b;
    tk_status st = tk_rpc_get_block(a->rpc, &b, "latest", 0);

    if (st != TK_OK)
        return st;
    if (tk_rpc_max_priority_fee(a->rpc, tip) != TK_OK)
        *tip = a->fallback_tip; /* not every node has the method */
    if (tk_u256_cmp(tip, &a->max_gas_price) > 0)
        *tip = a->max_gas_price;
    return tk_eth_fee_cap(cap, &b.base_fee, tip, &a->max_gas_price);
}

tk_status tk__account_send(tk__account *a, tk_hash *tx_hash,
                           const tk_address *to, const tk_u256 *value,
                           const uint8_t *data, size_t len,
                           uint64_t gas_limit)
{
    tk_eth_tx tx;
    uint64_t pending = 0;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    tk_status st;

    memset(&tx, 0, sizeof tx);
    memset(tx_hash, 0, sizeof *tx_hash);
    /* One nonce authority per address: the higher of ours and the node's
     * pending count (another sender on this address breaks the rule). */
    st = tk_rpc_transaction_count(a->rpc, &pending, &a->from, 1);
    if (st == TK_OK)
        st = fees(a, &tx.max_priority_fee_per_gas, &tx.max_fee_per_gas);
    if (st != TK_OK)
        return st;
    tx.chain_id = a->chain_id;
    tx.nonce = pending > a->next_nonce ? pending : a->next_nonce;
    tx.gas_limit = gas_limit;
    tx.has_to = 1;
    tx.to = *to;
    if (value != NULL)
        tx.value = *value;
    tx.data = data;
    tx.data_len = len;
    st = tk_eth_tx_signed_len_max(&rawlen, &tx);
    if (st == TK_OK && (raw = malloc(rawlen)) == NULL)
        st = TK_ERR_NOMEM;
    if (st == TK_OK)
        st = tk_eth_tx_sign(a->ctx, raw, &rawlen, NULL, &tx, a->key);
    if (st == TK_OK)
        st = tk_rpc_send_raw_transaction(a->rpc, tx_hash, raw, rawlen);
    if (st == TK_OK)
        a->next_nonce = tx.nonce + 1;
    if (raw != NULL)
        tk_memzero(raw, rawlen); /* the data may hold recipientRands */
    free(raw);
    return st;
}

void tk__account_revert_reason(tk__account *a, char *reason, size_t cap,
                               const tk_address *to, const uint8_t *data,
                               size_t len, uint64_t block)
{
    tk_rpc_call_args args;
    tk_rpc_error err;
    uint8_t out[64];
    size_t outlen = sizeof out;

    reason[0] = '\0';
    if (data == NULL)
        return; /* tracked again after a restart: the calldata is gone */
    memset(&args, 0, sizeof args);
    args.from = &a->from;
    args.to = to;
    args.data = data;
    args.data_len = len;
    /* Replayed on the state at the end of the block: the reason the
     * transaction would revert with there, which is what decides. */
    if (tk_rpc_call(a->rpc, out, &outlen, &args, NULL, block) ==
            TK_ERR_RPC_REVERTED &&
        tk_rpc_last_error(a->rpc, &err) == TK_OK &&
        err.revert.kind == TK_ABI_REVERT_ERROR)
        snprintf(reason, cap, "%s", err.revert.reason);
}

tk_status tk__broker_used(tk_rpc *rpc, const tk_address *broker,
                          const tk_hash *ticket_hash, const char *tag,
                          uint64_t block, int *used)
{
    tk_rpc_call_args args;
    tk_u256 word;
    uint8_t data[4 + 32], out[32];
    size_t len = sizeof data, outlen = sizeof out;
    tk_status st;

    *used = 0;
    memcpy(word.bytes, ticket_hash->bytes, 32);
    st = tk_abi_encode_call(data, &len, TK_ABI_SEL_USED_TICKETS, &word, 1);
    memset(&args, 0, sizeof args);
    args.to = broker;
    args.data = data;
    args.data_len = len;
    if (st == TK_OK)
        st = tk_rpc_call(rpc, out, &outlen, &args, tag, block);
    if (st == TK_OK)
        st = tk_abi_decode_bool(used, out, outlen);
    return st;
}

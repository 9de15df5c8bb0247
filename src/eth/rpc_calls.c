/* SPDX-License-Identifier: MIT */
/* The typed eth_* calls over tk__rpc_request. */
#include "eth/rpc_internal.h"

#include "core/internal.h"
#include "core/outbuf.h"
#include "ticket/keccak.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* method() returning a quantity. */
static tk_status call_quantity(tk_rpc *rpc, tk_u256 *out, const char *method,
                               json_t *params)
{
    json_t *res = NULL;
    tk_status st = tk__rpc_request(rpc, &res, method, params);

    memset(out, 0, sizeof *out);
    if (st == TK_OK && tk__rpc_quantity(out, res) != TK_OK)
        st = tk__rpc_fail(rpc, TK_ERR_RPC_BAD_RESPONSE,
                          "result is not a quantity");
    json_decref(res);
    return st;
}

static tk_status call_u64(tk_rpc *rpc, uint64_t *out, const char *method,
                          json_t *params)
{
    tk_u256 w;
    tk_status st = call_quantity(rpc, &w, method, params);

    *out = 0;
    if (st == TK_OK && tk_u256_to_u64(out, &w) != TK_OK)
        st = tk__rpc_fail(rpc, TK_ERR_RPC_BAD_RESPONSE,
                          "quantity does not fit 64 bits");
    return st;
}

tk_status tk_rpc_chain_id(tk_rpc *rpc, uint64_t *chain_id)
{
    TK_ARG_CHECK_NOCTX(chain_id != NULL);
    *chain_id = 0;
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    return call_u64(rpc, chain_id, "eth_chainId", json_array());
}

tk_status tk_rpc_block_number(tk_rpc *rpc, uint64_t *number)
{
    TK_ARG_CHECK_NOCTX(number != NULL);
    *number = 0;
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    return call_u64(rpc, number, "eth_blockNumber", json_array());
}

tk_status tk_rpc_gas_price(tk_rpc *rpc, tk_u256 *wei)
{
    TK_ARG_CHECK_NOCTX(wei != NULL);
    memset(wei, 0, sizeof *wei);
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    return call_quantity(rpc, wei, "eth_gasPrice", json_array());
}

tk_status tk_rpc_max_priority_fee(tk_rpc *rpc, tk_u256 *wei)
{
    TK_ARG_CHECK_NOCTX(wei != NULL);
    memset(wei, 0, sizeof *wei);
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    return call_quantity(rpc, wei, "eth_maxPriorityFeePerGas", json_array());
}

static json_t *address_json(const tk_address *a)
{
    return tk__rpc_json_data(a->bytes, TK_ADDRESS_LEN);
}

tk_status tk_rpc_transaction_count(tk_rpc *rpc, uint64_t *nonce,
                                   const tk_address *addr, int pending)
{
    TK_ARG_CHECK_NOCTX(nonce != NULL);
    *nonce = 0;
    TK_ARG_CHECK_NOCTX(rpc != NULL && addr != NULL);
    TK_ARG_CHECK_NOCTX(pending == 0 || pending == 1);
    return call_u64(rpc, nonce, "eth_getTransactionCount",
                    json_pack("[o,s]", address_json(addr),
                              pending ? "pending" : "latest"));
}

/* A block tag, or the number as a quantity. NULL for an unknown tag. */
static json_t *block_param(const char *tag, uint64_t number)
{
    static const char *const tags[] = {"latest", "safe", "finalized",
                                       "earliest", "pending"};
    uint8_t be[8];

    if (tag != NULL) {
        for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
            if (strcmp(tag, tags[i]) == 0)
                return json_string(tag);
        return NULL;
    }
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(number >> (8 * (7 - i)));
    return tk__rpc_json_quantity(be, sizeof be);
}

static int known_tag(const char *tag)
{
    json_t *v = tag != NULL ? block_param(tag, 0) : NULL;
    json_decref(v);
    return tag == NULL || v != NULL;
}

tk_status tk_rpc_get_block(tk_rpc *rpc, tk_rpc_block *block, const char *tag,
                           uint64_t number)
{
    json_t *res = NULL;
    tk_status st;

    TK_ARG_CHECK_NOCTX(block != NULL);
    memset(block, 0, sizeof *block);
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    TK_ARG_CHECK_NOCTX(known_tag(tag) && (tag == NULL ||
                                          strcmp(tag, "pending") != 0));
    st = tk__rpc_request(rpc, &res, "eth_getBlockByNumber",
                         json_pack("[o,b]", block_param(tag, number), 0));
    if (st == TK_OK && json_is_null(res))
        st = tk__rpc_fail(rpc, TK_ERR_NOT_FOUND, "no such block");
    else if (st == TK_OK && tk__rpc_parse_block(block, res) != TK_OK)
        st = tk__rpc_fail(rpc, TK_ERR_RPC_BAD_RESPONSE,
                          "block does not parse");
    if (st != TK_OK)
        memset(block, 0, sizeof *block);
    json_decref(res);
    return st;
}

/* {"from"?, "to"?, "value"?, "data"?} */
static json_t *call_object(const tk_rpc_call_args *a)
{
    json_t *o = json_object();
    int bad = o == NULL;

    if (!bad && a->from != NULL)
        bad |= json_object_set_new(o, "from", address_json(a->from));
    if (!bad && a->to != NULL)
        bad |= json_object_set_new(o, "to", address_json(a->to));
    if (!bad && a->value != NULL)
        bad |= json_object_set_new(
            o, "value", tk__rpc_json_quantity(a->value->bytes, TK_U256_LEN));
    if (!bad && a->data_len > 0)
        bad |= json_object_set_new(o, "data",
                                   tk__rpc_json_data(a->data, a->data_len));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

tk_status tk_rpc_call(tk_rpc *rpc, uint8_t *out, size_t *outlen,
                      const tk_rpc_call_args *args, const char *tag,
                      uint64_t number)
{
    json_t *res = NULL;
    uint8_t *bytes = NULL;
    size_t cap = 0, n = 0;
    tk_status st = tk__out_take(out, outlen, &cap);

    if (st != TK_OK)
        return st;
    TK_ARG_CHECK_NOCTX(rpc != NULL && args != NULL);
    TK_ARG_CHECK_NOCTX(args->data != NULL || args->data_len == 0);
    TK_ARG_CHECK_NOCTX(known_tag(tag));
    st = tk__rpc_request(rpc, &res, "eth_call",
                         json_pack("[o,o]", call_object(args),
                                   block_param(tag, number)));
    if (st == TK_OK && (st = tk__rpc_data_alloc(&bytes, &n, res)) != TK_OK)
        st = tk__rpc_fail(rpc, st, "result is not data");
    if (st == TK_OK && (st = tk__out_room(cap, n, outlen)) == TK_OK) {
        if (n > 0)
            memcpy(out, bytes, n);
        *outlen = n;
    }
    free(bytes);
    json_decref(res);
    return st;
}

tk_status tk_rpc_estimate_gas(tk_rpc *rpc, uint64_t *gas,
                              const tk_rpc_call_args *args)
{
    TK_ARG_CHECK_NOCTX(gas != NULL);
    *gas = 0;
    TK_ARG_CHECK_NOCTX(rpc != NULL && args != NULL);
    TK_ARG_CHECK_NOCTX(args->data != NULL || args->data_len == 0);
    return call_u64(rpc, gas, "eth_estimateGas",
                    json_pack("[o]", call_object(args)));
}

tk_status tk_rpc_send_raw_transaction(tk_rpc *rpc, tk_hash *tx_hash,
                                      const uint8_t *raw, size_t rawlen)
{
    json_t *res = NULL;
    tk_hash mine, theirs;
    tk_status st;

    TK_ARG_CHECK_NOCTX(tx_hash != NULL);
    memset(tx_hash, 0, sizeof *tx_hash);
    TK_ARG_CHECK_NOCTX(rpc != NULL && raw != NULL && rawlen > 0);
    (void)tk_keccak256(&mine, raw, rawlen);
    st = tk__rpc_request(rpc, &res, "eth_sendRawTransaction",
                         json_pack("[o]", tk__rpc_json_data(raw, rawlen)));
    if (st == TK_OK &&
        (tk__rpc_data_fixed(theirs.bytes, TK_HASH_LEN, res) != TK_OK ||
         memcmp(theirs.bytes, mine.bytes, TK_HASH_LEN) != 0))
        st = tk__rpc_fail(rpc, TK_ERR_RPC_BAD_RESPONSE,
                          "node returned another transaction hash");
    /* A refusal after an attempt whose answer was lost: that attempt may
     * have put the transaction in a pool (the refusal may even be "nonce
     * too low" because it was mined meanwhile), so the outcome is unknown,
     * as after a transport failure - never "nothing sent". */
    if ((st == TK_ERR_RPC_ERROR || st == TK_ERR_RPC_REVERTED) && rpc->lost_answer) {
        char msg[sizeof rpc->err.message + 64];
        snprintf(msg, sizeof msg, "may have been sent: an answer was lost, then refused (%s)",
                 rpc->err.message); /* cut to the message's size below */
        tk__rpc_copy_message(rpc->err.message, sizeof rpc->err.message, msg);
        rpc->err.status = st = TK_ERR_RPC_TRANSPORT; /* already counted as failed */
    }
    if (st == TK_OK)
        *tx_hash = mine;
    json_decref(res);
    return st;
}

tk_status tk_rpc_get_receipt(tk_rpc *rpc, tk_rpc_receipt *receipt, int *found,
                             const tk_hash *tx_hash)
{
    json_t *res = NULL;
    tk_status st;

    TK_ARG_CHECK_NOCTX(receipt != NULL && found != NULL);
    memset(receipt, 0, sizeof *receipt);
    *found = 0;
    TK_ARG_CHECK_NOCTX(rpc != NULL && tx_hash != NULL);
    st = tk__rpc_request(rpc, &res, "eth_getTransactionReceipt",
                         json_pack("[o]", tk__rpc_json_data(tx_hash->bytes,
                                                            TK_HASH_LEN)));
    if (st == TK_OK && !json_is_null(res)) {
        if (tk__rpc_parse_receipt(receipt, res, tx_hash) != TK_OK) {
            memset(receipt, 0, sizeof *receipt);
            st = tk__rpc_fail(rpc, TK_ERR_RPC_BAD_RESPONSE,
                              "receipt does not parse");
        } else {
            *found = 1;
        }
    }
    json_decref(res);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* The eth layer's transaction signing and ABI decoders as a process, for
 * test_eth_layer.py, which feeds their output to anvil and their input from
 * anvil: one JSON request on stdin, one JSON answer on stdout.
 *
 *   {"op": "sign_tx", "key": "0x..32 bytes", "chain_id": N, "nonce": N,
 *    "tip": "dec", "fee_cap": "dec", "gas": N, "to": "0x.." or null,
 *    "value": "dec", "data": "0x.."}
 *       -> {"status": "ok", "raw": "0x..", "hash": "0x.."}
 *   {"op": "decode", "kind": "uint256" | "u64" | "bool" | "address" |
 *    "bytes32" | "sender_info" | "revert", "data": "0x.."}
 *       -> {"status": "ok" | <tk_status_name>, ...the values}
 *
 * Integers come out as decimal strings. Exit status 0 when the request was
 * understood (whatever the library said), 2 otherwise. Test helper only. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket/abi.h"
#include "ticket/context.h"
#include "ticket/eth_tx.h"
#include "ticket/u256.h"

static json_t *hex_json(const uint8_t *in, size_t len)
{
    char *s = malloc(2 * len + 3);
    json_t *j;
    if (s == NULL || tk_hex_encode(s, 2 * len + 3, in, len) != TK_OK) {
        free(s);
        return NULL;
    }
    j = json_string(s);
    free(s);
    return j;
}

static json_t *dec_json(const tk_u256 *x)
{
    char s[TK_U256_DEC_MAX];
    return tk_u256_to_dec(s, sizeof s, x) == TK_OK ? json_string(s) : NULL;
}

/* "0x.." of a JSON string member into a malloc'd buffer (NULL on error). */
static uint8_t *hex_member(const json_t *req, const char *key, size_t *len)
{
    const char *s = json_string_value(json_object_get(req, key));
    uint8_t *out;
    size_t n;
    if (s == NULL)
        return NULL;
    n = strlen(s) / 2 + 1;
    out = malloc(n);
    if (out != NULL && tk_hex_decode(out, &n, s, strlen(s)) == TK_OK) {
        *len = n;
        return out;
    }
    free(out);
    return NULL;
}

static int dec_member(tk_u256 *out, const json_t *req, const char *key)
{
    const char *s = json_string_value(json_object_get(req, key));
    return s != NULL && tk_u256_from_dec(out, s, strlen(s)) == TK_OK;
}

static json_t *sign_tx(const json_t *req)
{
    tk_eth_tx tx;
    tk_ctx *ctx = NULL;
    tk_hash hash;
    uint8_t *key = NULL, *data = NULL, *to = NULL, *raw = NULL;
    size_t key_len = 0, data_len = 0, to_len = 0, raw_len = 0;
    json_t *ans = NULL;
    tk_status st;

    memset(&tx, 0, sizeof tx);
    key = hex_member(req, "key", &key_len);
    data = hex_member(req, "data", &data_len);
    if (json_is_string(json_object_get(req, "to"))) {
        to = hex_member(req, "to", &to_len);
        if (to == NULL || to_len != TK_ADDRESS_LEN)
            goto out;
        tx.has_to = 1;
        memcpy(tx.to.bytes, to, TK_ADDRESS_LEN);
    }
    if (key == NULL || key_len != 32 || data == NULL
        || !dec_member(&tx.max_priority_fee_per_gas, req, "tip")
        || !dec_member(&tx.max_fee_per_gas, req, "fee_cap")
        || !dec_member(&tx.value, req, "value"))
        goto out;
    tx.chain_id = (uint64_t)json_integer_value(json_object_get(req, "chain_id"));
    tx.nonce = (uint64_t)json_integer_value(json_object_get(req, "nonce"));
    tx.gas_limit = (uint64_t)json_integer_value(json_object_get(req, "gas"));
    tx.data = data_len ? data : NULL;
    tx.data_len = data_len;
    if (tk_ctx_create(&ctx) != TK_OK
        || tk_eth_tx_signed_len_max(&raw_len, &tx) != TK_OK
        || (raw = malloc(raw_len)) == NULL)
        goto out;
    st = tk_eth_tx_sign(ctx, raw, &raw_len, &hash, &tx, key);
    if (st != TK_OK) {
        ans = json_pack("{s:s}", "status", tk_status_name(st));
        goto out;
    }
    ans = json_pack("{s:s,s:o,s:o}", "status", "ok", "raw", hex_json(raw, raw_len),
                    "hash", hex_json(hash.bytes, sizeof hash.bytes));
out:
    if (key != NULL)
        memset(key, 0, key_len); /* a dev key, but keep the habit */
    free(key);
    free(data);
    free(to);
    free(raw);
    tk_ctx_destroy(ctx);
    return ans;
}

static json_t *decode(const json_t *req)
{
    const char *kind = json_string_value(json_object_get(req, "kind"));
    uint8_t *d;
    size_t n = 0;
    json_t *ans = NULL;
    tk_status st = TK_ERR_ILLEGAL_ARG;

    if (kind == NULL || (d = hex_member(req, "data", &n)) == NULL)
        return NULL;
    if (strcmp(kind, "uint256") == 0) {
        tk_u256 v;
        if ((st = tk_abi_decode_uint256(&v, d, n)) == TK_OK)
            ans = json_pack("{s:o}", "value", dec_json(&v));
    } else if (strcmp(kind, "u64") == 0) {
        uint64_t v;
        if ((st = tk_abi_decode_u64(&v, d, n)) == TK_OK)
            ans = json_pack("{s:I}", "value", (json_int_t)v);
    } else if (strcmp(kind, "bool") == 0) {
        int v;
        if ((st = tk_abi_decode_bool(&v, d, n)) == TK_OK)
            ans = json_pack("{s:b}", "value", v);
    } else if (strcmp(kind, "address") == 0) {
        tk_address v;
        if ((st = tk_abi_decode_address(&v, d, n)) == TK_OK)
            ans = json_pack("{s:o}", "value", hex_json(v.bytes, sizeof v.bytes));
    } else if (strcmp(kind, "bytes32") == 0) {
        tk_hash v;
        if ((st = tk_abi_decode_bytes32(&v, d, n)) == TK_OK)
            ans = json_pack("{s:o}", "value", hex_json(v.bytes, sizeof v.bytes));
    } else if (strcmp(kind, "sender_info") == 0) {
        tk_abi_sender_info v;
        if ((st = tk_abi_decode_sender_info(&v, d, n)) == TK_OK)
            ans = json_pack("{s:o,s:o,s:o,s:o}", "deposit", dec_json(&v.deposit),
                            "withdraw_round", dec_json(&v.withdraw_round),
                            "funds_remaining", dec_json(&v.funds_remaining),
                            "claimed_in_current_round",
                            dec_json(&v.claimed_in_current_round));
    } else if (strcmp(kind, "revert") == 0) {
        tk_abi_revert v;
        if ((st = tk_abi_decode_revert(&v, d, n)) == TK_OK)
            ans = json_pack("{s:i,s:I,s:s,s:o}", "kind", (int)v.kind,
                            "selector", (json_int_t)v.selector, "reason",
                            v.reason, "panic_code", dec_json(&v.panic_code));
    } else {
        free(d);
        return NULL;
    }
    free(d);
    if (st != TK_OK)
        return json_pack("{s:s}", "status", tk_status_name(st));
    if (ans != NULL)
        json_object_set_new(ans, "status", json_string("ok"));
    return ans;
}

int main(void)
{
    json_error_t err;
    json_t *req = json_loadf(stdin, 0, &err), *ans = NULL;
    const char *op = json_string_value(json_object_get(req, "op"));
    int rc = 2;

    if (op != NULL && strcmp(op, "sign_tx") == 0)
        ans = sign_tx(req);
    else if (op != NULL && strcmp(op, "decode") == 0)
        ans = decode(req);
    if (ans != NULL) {
        json_dumpf(ans, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        rc = 0;
    }
    json_decref(ans);
    json_decref(req);
    return rc;
}

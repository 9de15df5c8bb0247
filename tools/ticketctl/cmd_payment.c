/* SPDX-License-Identifier: MIT */
/* payment-encode, payment-decode: the wire Payment and its JSON form. */
#include "ticketctl.h"

#include <stdlib.h>
#include <string.h>

static int run_payment_encode(tc *c, const json_t *in)
{
    tk_wire_payment w;
    uint8_t *bytes = NULL;
    char *b64 = NULL;
    size_t n = 0;
    tk_status st;
    if (tc_in_wire_payment(c, in, "payment", &w) < 0)
        return -1;
    st = tk_wire_payment_pack(NULL, &n, &w);
    if (st == TK_ERR_BUFFER_TOO_SMALL || (st == TK_OK && n == 0)) {
        bytes = malloc(n + 1);
        b64 = malloc(TK_BASE64_ENCODED_LEN(n) + 1);
        st = (bytes == NULL || b64 == NULL) ? TK_ERR_NOMEM
                                            : tk_wire_payment_pack(bytes, &n, &w);
        if (st == TK_OK) {
            size_t cap = TK_BASE64_ENCODED_LEN(n) + 1;
            st = tk_base64_encode(b64, &cap, bytes, n);
        }
    }
    tk_wire_payment_clear(&w);
    if (st == TK_OK) {
        tc_set_hex(c->out, "hex", bytes, n);
        json_object_set_new(c->out, "base64", json_string(b64));
    }
    free(bytes);
    free(b64);
    return st == TK_OK ? 0 : tc_fail_status(c, st, "encoding the payment");
}

static int run_payment_decode(tc *c, const json_t *in)
{
    int has_b64 = json_object_get(in, "base64") != NULL;
    int has_hex = json_object_get(in, "hex") != NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;
    tk_wire_payment w;
    tk_status st;

    if (has_b64 == has_hex)
        return tc_fail(c, has_b64 ? "usage" : "missing_field",
                       "give exactly one of 'base64' and 'hex'");
    if (has_b64) {
        const char *s;
        if (tc_in_string(c, in, "base64", &s, TC_REQUIRED) < 0)
            return -1;
        n = strlen(s) / 4 * 3;
        if ((bytes = malloc(n + 1)) == NULL)
            return tc_fail(c, "nomem", "out of memory");
        st = tk_base64_decode(bytes, &n, s, strlen(s));
        if (st != TK_OK) {
            free(bytes);
            return tc_fail(c, "invalid_payment",
                           "'base64' is not standard padded base64");
        }
    } else if (tc_in_hex_alloc(c, in, "hex", &bytes, &n, TC_REQUIRED) < 0) {
        return -1;
    }
    st = tk_wire_payment_unpack(&w, bytes, n);
    free(bytes);
    if (st != TK_OK)
        return tc_fail_status(c, st, "decoding the payment");
    json_object_set_new(c->out, "payment", tc_wire_payment_json(&w));
    tk_wire_payment_clear(&w);
    return 0;
}

const tc_command tc_cmd_payment_encode = {
    "payment-encode", "encode a Payment message (go-livepeer wire format)",
    "Input:  {payment}   the JSON form of payment_proto.json: ticket_params\n"
    "        {recipient, face_value, win_prob, recipient_rand_hash, seed,\n"
    "        expiration_block (bytes, integers minimal big-endian),\n"
    "        expiration_params}, sender, expiration_params {creation_round,\n"
    "        creation_round_block_hash}, ticket_sender_params [{sender_nonce,\n"
    "        sig}], expected_price {pricePerUnit, pixelsPerUnit}; absent\n"
    "        fields are proto3 defaults.\n"
    "Output: {hex, base64}   base64 is the Livepeer-Payment header value\n\n"
    "Example:\n"
    "  echo '{\"payment\": {\"sender\": \"0x2b5ad5c4795c026514f8317c7a215e21"
    "8dccd6cf\", \"expected_price\": {\"pricePerUnit\": \"1200\", "
    "\"pixelsPerUnit\": \"1\"}}}' | ticketctl payment-encode\n"
    "  -> {\"hex\": \"0x12142b5ad5c4795c026514f8317c7a215e218dccd6cf2a0508b0"
    "091001\", \"base64\": \"EhQrWtXEeVwCZRT4MXx6IV4hjczWzyoFCLAJEAE=\"}\n",
    run_payment_encode};

const tc_command tc_cmd_payment_decode = {
    "payment-decode", "decode a Payment message (base64 header or hex)",
    "Input:  {base64} or {hex} (exactly one)\n"
    "Output: {payment}   the JSON form payment-encode takes\n"
    "Unknown fields are skipped; truncation, wrong wire types and fields of\n"
    "a wrong length are invalid_payment; base64 must be standard, padded.\n\n"
    "Example:\n"
    "  echo '{\"base64\": \"EhQrWtXEeVwCZRT4MXx6IV4hjczWzyoFCLAJEAE=\"}' | "
    "ticketctl payment-decode\n",
    run_payment_decode};

/* SPDX-License-Identifier: MIT */
/* Fuzz the JSON-RPC response parsing (rpc.h, src/eth/rpc_*.c). Input: a
 * response body to the request with id 1.
 *
 * Invariants: a body is either a result, the node's error (RPC_ERROR /
 * REVERTED, with a printable message) or BAD_RESPONSE, never anything else;
 * an accepted quantity is canonical: rendering it again gives the input
 * string (lowercased); accepted data has an even number of digits and
 * half as many bytes; a result that is not a block / receipt leaves
 * nothing behind. Seeds: hand-* files (results, errors, blocks with and
 * without l1BlockNumber, receipts). */
#include "fuzz.h"

#include "eth/rpc_internal.h"

#include <ctype.h>
#include <string.h>

static void check_quantity(const json_t *res)
{
    tk_u256 q;
    uint64_t v;
    json_t *again;
    const char *s = json_string_value(res);

    if (tk__rpc_quantity(&q, res) != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&q, sizeof q));
        return;
    }
    again = tk__rpc_json_quantity(q.bytes, 32);
    FUZZ_CHECK(again != NULL && s != NULL);
    FUZZ_CHECK(strlen(s) == json_string_length(again));
    for (size_t i = 0; s[i]; i++)
        FUZZ_CHECK(tolower((unsigned char)s[i]) == json_string_value(again)[i]);
    json_decref(again);
    if (tk__rpc_quantity_u64(&v, res) != TK_OK)
        FUZZ_CHECK(v == 0);
}

static void check_data(const json_t *res)
{
    uint8_t *p = NULL;
    size_t n = 0;

    if (tk__rpc_data_alloc(&p, &n, res) == TK_OK)
        FUZZ_CHECK(json_string_length(res) == 2 + 2 * n);
    else
        FUZZ_CHECK(p == NULL && n == 0);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *res = NULL;
    tk_rpc_error err;
    const char *msg = NULL;
    tk_rpc_block b;
    tk_rpc_receipt r;
    tk_hash want;
    tk_status st;

    memset(&err, 0, sizeof err);
    st = tk__rpc_parse_response(&res, &err, &msg, (const char *)data, size, 1);
    if (st == TK_ERR_RPC_ERROR || st == TK_ERR_RPC_REVERTED) {
        for (size_t i = 0; err.message[i]; i++)
            FUZZ_CHECK((unsigned char)err.message[i] >= 0x20);
        FUZZ_CHECK(err.data_len <= sizeof err.data);
        FUZZ_CHECK(res == NULL);
        return 0;
    }
    if (st != TK_OK) {
        FUZZ_CHECK(st == TK_ERR_RPC_BAD_RESPONSE && res == NULL && msg);
        return 0;
    }
    check_quantity(res);
    check_data(res);
    memset(&b, 0, sizeof b);
    if (tk__rpc_parse_block(&b, res) == TK_OK)
        FUZZ_CHECK(b.has_l1_block_number || b.l1_block_number == b.number);
    memset(&r, 0, sizeof r);
    memset(&want, 0xab, sizeof want);
    if (tk__rpc_parse_receipt(&r, res, &want) == TK_OK)
        FUZZ_CHECK(r.status <= 1 &&
                   memcmp(r.tx_hash.bytes, want.bytes, 32) == 0);
    json_decref(res);
    return 0;
}

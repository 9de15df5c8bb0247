/* SPDX-License-Identifier: MIT */
/* The JSON-RPC client against a scripted server (mock_rpc.c, 127.0.0.1):
 * the request envelope, strict quantities and data, every typed call
 * (l1BlockNumber and its fallback included), JSON-RPC errors and reverts
 * (never retried), retries with back-off on transport errors, failover and
 * demotion, timeouts, oversized bodies, malformed JSON, wrong ids, HTTP
 * 5xx, a dropped connection, and misuse. Each test starts its own servers
 * and its teardown always stops them. */
#include "test_support.h"

#include "mock_rpc.h"
#include "ticket/keccak.h"
#include "ticket/rpc.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    tk_ctx *ctx;
    mock_rpc *a, *b;
    tk_rpc *rpc;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    f->a = mock_rpc_start();
    f->b = mock_rpc_start();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tk_rpc_destroy(f->rpc);
    mock_rpc_stop(f->a);
    mock_rpc_stop(f->b);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* Options for the given URLs with fast test timings. */
static tk_rpc_options test_options(const char *const *urls, size_t n,
                                   unsigned retries)
{
    tk_rpc_options o;

    assert_int_equal(tk_rpc_options_default(&o), TK_OK);
    o.endpoints = urls;
    o.n_endpoints = n;
    o.retries = retries;
    o.backoff_ms = 10;
    o.backoff_max_ms = 40;
    o.timeout_ms = 2000;
    o.connect_timeout_ms = 1000;
    o.demote_ms = 60000;
    return o;
}

static void create(fixture *f, const tk_rpc_options *o)
{
    tk_rpc_destroy(f->rpc);
    f->rpc = NULL;
    assert_int_equal(tk_rpc_create(f->ctx, &f->rpc, o), TK_OK);
}

static void client(fixture *f, const char *const *urls, size_t n,
                   unsigned retries)
{
    tk_rpc_options o = test_options(urls, n, retries);
    create(f, &o);
}

static void client_a(fixture *f, unsigned retries)
{
    const char *urls[1];
    urls[0] = mock_rpc_url(f->a);
    client(f, urls, 1, retries);
}

static tk_rpc_error last_error(fixture *f)
{
    tk_rpc_error e;
    assert_int_equal(tk_rpc_last_error(f->rpc, &e), TK_OK);
    return e;
}

/* The request i as JSON (caller decrefs). */
static json_t *request(mock_rpc *m, size_t i)
{
    json_t *r = json_loads(mock_rpc_body(m, i), 0, NULL);
    assert_non_null(r);
    return r;
}

static void test_envelope_and_chain_id(void **state)
{
    fixture *f = *state;
    uint64_t v = 0;
    json_t *r;

    client_a(f, 0);
    mock_rpc_result(f->a, "\"0x7a69\"");
    mock_rpc_result(f->a, "\"0x0\"");
    assert_int_equal(tk_rpc_chain_id(f->rpc, &v), TK_OK);
    assert_true(v == 31337);
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 0);
    assert_int_equal(mock_rpc_count(f->a), 2);
    r = request(f->a, 0);
    assert_string_equal(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
    assert_string_equal(json_string_value(json_object_get(r, "method")),
                        "eth_chainId");
    assert_true(json_is_array(json_object_get(r, "params")));
    assert_int_equal(json_array_size(json_object_get(r, "params")), 0);
    assert_true(json_is_integer(json_object_get(r, "id")));
    json_decref(r);
    /* Ids differ between requests. */
    {
        json_t *r0 = request(f->a, 0), *r1 = request(f->a, 1);
        assert_true(json_integer_value(json_object_get(r0, "id")) !=
                    json_integer_value(json_object_get(r1, "id")));
        json_decref(r0);
        json_decref(r1);
    }
    assert_string_equal(mock_rpc_method(f->a, 1), "eth_blockNumber");
}

static void test_strict_quantities(void **state)
{
    static const char *const bad[] = {
        "\"0x\"", "\"0x01\"", "\"7a69\"", "\"0X1\"", "\"0xg\"", "\"0x 1\"",
        "\" 0x1\"", "123", "null", "true", "{}", "[\"0x1\"]",
        "\"0x10000000000000000\"", /* 2^64: over u64 */
        "\"0x1\\u00002\"",        /* NUL inside */
    };
    fixture *f = *state;
    uint64_t v = 1;
    tk_u256 w;

    client_a(f, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mock_rpc_result(f->a, bad[i]);
        if (tk_rpc_chain_id(f->rpc, &v) != TK_ERR_RPC_BAD_RESPONSE)
            fail_msg("accepted %s", bad[i]);
        assert_true(v == 0);
    }
    /* Upper case digits, u64 max, and 64 digits for a u256. */
    mock_rpc_result(f->a, "\"0xFFFFFFFFFFFFFFFF\"");
    assert_int_equal(tk_rpc_chain_id(f->rpc, &v), TK_OK);
    assert_true(v == UINT64_MAX);
    mock_rpc_result(f->a, "\"0xf000000000000000000000000000000000000000000"
                          "000000000000000000001\"");
    assert_int_equal(tk_rpc_gas_price(f->rpc, &w), TK_OK);
    assert_int_equal(w.bytes[0], 0xf0);
    assert_int_equal(w.bytes[31], 0x01);
    mock_rpc_result(f->a, "\"0x1000000000000000000000000000000000000000000"
                          "0000000000000000000000\""); /* 65 digits */
    assert_int_equal(tk_rpc_gas_price(f->rpc, &w), TK_ERR_RPC_BAD_RESPONSE);
    assert_true(tk_u256_is_zero(&w));
}

static void test_envelope_rejections(void **state)
{
    static const char *const bad[] = {
        "not json",
        "[]",
        "{\"jsonrpc\":\"2.0\",\"id\":999999,\"result\":\"0x1\"}", /* wrong id */
        "{\"jsonrpc\":\"2.0\",\"id\":\"%ID%\",\"result\":\"0x1\"}", /* string id */
        "{\"id\":%ID%,\"result\":\"0x1\"}",                       /* no version */
        "{\"jsonrpc\":\"1.0\",\"id\":%ID%,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%}",                      /* neither */
        ("{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":\"0x1\","
         "\"error\":{\"code\":1,\"message\":\"x\"}}"),             /* both */
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":\"0x1\",\"result\":\"0x2\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":{\"message\":\"x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":\"0x1\"",    /* cut */
    };
    fixture *f = *state;
    uint64_t v;

    client_a(f, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mock_rpc_push(f->a, 200, 0, bad[i]);
        if (tk_rpc_chain_id(f->rpc, &v) != TK_ERR_RPC_BAD_RESPONSE)
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(last_error(f).status, TK_ERR_RPC_BAD_RESPONSE);
        assert_int_equal(last_error(f).http_status, 200);
    }
    assert_int_equal(mock_rpc_count(f->a), sizeof bad / sizeof bad[0]);
}

static void test_rpc_error_not_retried(void **state)
{
    fixture *f = *state;
    tk_rpc_error e;
    uint64_t v;

    client_a(f, 3);
    mock_rpc_push(f->a, 200, 0,
                  "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":{\"code\":-32601,"
                  "\"message\":\"the method eth_chainId\\ndoes not exist\"}}");
    assert_int_equal(tk_rpc_chain_id(f->rpc, &v), TK_ERR_RPC_ERROR);
    assert_int_equal(mock_rpc_count(f->a), 1); /* an answer: no retry */
    e = last_error(f);
    assert_int_equal(e.status, TK_ERR_RPC_ERROR);
    assert_true(e.code == -32601);
    assert_string_equal(e.message, "the method eth_chainId?does not exist");
    assert_int_equal(e.endpoint, 0);
}

static void test_revert_reason(void **state)
{
    fixture *f = *state;
    tk_rpc_error e;
    tk_address to;
    uint8_t out[64];
    size_t len = sizeof out;
    uint64_t gas = 7;
    tk_rpc_call_args args = {NULL, &to, NULL, (const uint8_t *)"\x59\xa5\x15\xba", 4};

    memset(to.bytes, 0x11, 20);
    client_a(f, 3);
    /* anvil's shape: code 3, message, Error(string) data. */
    mock_rpc_push(f->a, 200, 0,
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":{\"code\":3,\"message\":"
        "\"execution reverted: TicketBroker: ticket is used\",\"data\":\"0x"
        "08c379a0"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "000000000000000000000000000000000000000000000000000000000000001c"
        "5469636b657442726f6b65723a207469636b65742069732075736564" "00000000"
        "\"}}");
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &args, "latest", 0),
                     TK_ERR_RPC_REVERTED);
    assert_int_equal(len, 0);
    assert_int_equal(mock_rpc_count(f->a), 1);
    e = last_error(f);
    assert_true(e.code == 3);
    assert_int_equal(e.revert.kind, TK_ABI_REVERT_ERROR);
    assert_string_equal(e.revert.reason, "TicketBroker: ticket is used");
    assert_int_equal(e.data_len, 4 + 96);

    /* A revert without data, by message (code -32000). */
    mock_rpc_push(f->a, 200, 0,
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":{\"code\":-32000,"
        "\"message\":\"execution reverted\"}}");
    assert_int_equal(tk_rpc_estimate_gas(f->rpc, &gas, &args),
                     TK_ERR_RPC_REVERTED);
    assert_true(gas == 0);
    e = last_error(f);
    assert_int_equal(e.revert.kind, TK_ABI_REVERT_NONE);
    assert_int_equal(e.data_len, 0);

    /* Another -32000 is a plain error. */
    mock_rpc_push(f->a, 200, 0,
        "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":{\"code\":-32000,"
        "\"message\":\"insufficient funds for gas * price + value\"}}");
    assert_int_equal(tk_rpc_estimate_gas(f->rpc, &gas, &args),
                     TK_ERR_RPC_ERROR);
}

static void test_retries_and_backoff(void **state)
{
    fixture *f = *state;
    uint64_t v;

    /* Two 503s then an answer: three requests with 2 retries. */
    client_a(f, 2);
    mock_rpc_push(f->a, 503, 0, "busy");
    mock_rpc_push(f->a, 503, 0, "busy");
    mock_rpc_result(f->a, "\"0x5\"");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 5);
    assert_int_equal(mock_rpc_count(f->a), 3);

    /* With 1 retry the same script fails after exactly two requests. */
    client_a(f, 1);
    mock_rpc_push(f->a, 503, 0, "busy");
    mock_rpc_push(f->a, 502, 0, "bad gateway");
    mock_rpc_result(f->a, "\"0x5\"");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_ERR_RPC_TRANSPORT);
    assert_true(v == 0);
    assert_int_equal(mock_rpc_count(f->a), 5);
    assert_int_equal(last_error(f).http_status, 502);
    /* The scripted answer is still there for the next call. */
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 5);

    /* A dropped connection is a transport error, retried. */
    client_a(f, 1);
    mock_rpc_push(f->a, MOCK_CLOSE, 0, "");
    mock_rpc_result(f->a, "\"0x6\"");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 6);
}

static void test_timeout(void **state)
{
    fixture *f = *state;
    tk_rpc_options o;
    const char *urls[1];
    uint64_t v;

    urls[0] = mock_rpc_url(f->a);
    o = test_options(urls, 1, 1);
    o.timeout_ms = 150;
    create(f, &o);
    /* The first answer comes too late; the retry gets a prompt one. */
    mock_rpc_push(f->a, 200, 600, "{\"jsonrpc\":\"2.0\",\"id\":%ID%,"
                                  "\"result\":\"0x1\"}");
    mock_rpc_result(f->a, "\"0x2\"");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 2);
    /* Both late: a transport error naming the timeout. */
    mock_rpc_push(f->a, 200, 400, "{}");
    mock_rpc_push(f->a, 200, 400, "{}");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_ERR_RPC_TRANSPORT);
    assert_non_null(strstr(last_error(f).message, "imeout"));
    assert_int_equal(last_error(f).http_status, 0);
}

static void test_failover_and_demotion(void **state)
{
    fixture *f = *state;
    char dead[64];
    const char *urls[3];
    uint64_t v;

    /* dead, a (always 500), b (answers). */
    mock_rpc_dead_url(dead, sizeof dead);
    urls[0] = dead;
    urls[1] = mock_rpc_url(f->a);
    urls[2] = mock_rpc_url(f->b);
    client(f, urls, 3, 0);
    mock_rpc_set_default(f->a, 500, "down");
    mock_rpc_set_default(f->b, 200,
                         "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":\"0x9\"}");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 9);
    assert_int_equal(mock_rpc_count(f->a), 1);
    assert_int_equal(mock_rpc_count(f->b), 1);
    /* Both failures are demoted: the next calls go straight to b. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_int_equal(mock_rpc_count(f->a), 1);
    assert_int_equal(mock_rpc_count(f->b), 4);
    /* b fails too: the demoted ones are tried again (a, dead order by
     * demotion time: dead first, then a), and the call fails. */
    mock_rpc_set_default(f->b, 503, "down");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_ERR_RPC_TRANSPORT);
    assert_int_equal(mock_rpc_count(f->a), 2);
    assert_int_equal(mock_rpc_count(f->b), 5);
    /* a recovers: it answers, and is healthy again. */
    mock_rpc_set_default(f->a, 200,
                         "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":\"0xa\"}");
    assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_true(v == 10);
}

static void test_demote_zero_keeps_order(void **state)
{
    fixture *f = *state;
    tk_rpc_options o;
    const char *urls[2];
    uint64_t v;

    urls[0] = mock_rpc_url(f->a);
    urls[1] = mock_rpc_url(f->b);
    o = test_options(urls, 2, 0);
    o.demote_ms = 0;
    create(f, &o);
    mock_rpc_set_default(f->a, 500, "down");
    mock_rpc_set_default(f->b, 200,
                         "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":\"0x1\"}");
    for (int i = 0; i < 3; i++)
        assert_int_equal(tk_rpc_block_number(f->rpc, &v), TK_OK);
    assert_int_equal(mock_rpc_count(f->a), 3); /* never demoted */
    assert_int_equal(mock_rpc_count(f->b), 3);
}

static void test_oversized(void **state)
{
    fixture *f = *state;
    tk_rpc_options o;
    const char *urls[1];
    char *big;
    uint8_t out[8];
    size_t len = sizeof out;
    tk_rpc_call_args args = {NULL, NULL, NULL, NULL, 0};

    urls[0] = mock_rpc_url(f->a);
    o = test_options(urls, 1, 1);
    o.max_response_bytes = 1024;
    create(f, &o);
    big = malloc(4096);
    assert_non_null(big);
    memset(big, 'a', 4095);
    memcpy(big, "\"0x", 3);
    big[4093] = '"';
    big[4094] = '\0';
    mock_rpc_result(f->a, big);
    mock_rpc_result(f->a, big);
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &args, "latest", 0),
                     TK_ERR_RPC_TOO_LARGE);
    assert_int_equal(mock_rpc_count(f->a), 2);
    /* Just under the limit passes. */
    mock_rpc_result(f->a, "\"0x0102\"");
    len = sizeof out;
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &args, "latest", 0), TK_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "\x01\x02", 2);
    free(big);
}

static void test_blocks(void **state)
{
    fixture *f = *state;
    tk_rpc_block b;
    json_t *r;
    const char *hash =
        "\"0x00000000000000000000000000000000000000000000000000000000000000ab\"";
    char body[512];

    client_a(f, 0);
    /* Arbitrum: l1BlockNumber present. */
    snprintf(body, sizeof body,
             "{\"number\":\"0x10\",\"hash\":%s,\"timestamp\":\"0x5f5e100\","
             "\"baseFeePerGas\":\"0x5f5e100\",\"l1BlockNumber\":\"0x1234\"}",
             hash);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "latest", 0), TK_OK);
    assert_true(b.number == 16 && b.l1_block_number == 0x1234);
    assert_int_equal(b.has_l1_block_number, 1);
    assert_int_equal(b.has_base_fee, 1);
    assert_int_equal(b.base_fee.bytes[31], 0x00);
    assert_int_equal(b.base_fee.bytes[28], 0x05);
    assert_int_equal(b.hash.bytes[31], 0xab);
    assert_true(b.timestamp == 100000000);
    r = request(f->a, 0);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(r, "params"), 0)), "latest");
    assert_true(json_is_false(json_array_get(json_object_get(r, "params"), 1)));
    json_decref(r);

    /* L1 / anvil: no l1BlockNumber, no base fee (pre-London): fallback. */
    snprintf(body, sizeof body,
             "{\"number\":\"0x2a\",\"hash\":%s,\"timestamp\":\"0x1\"}", hash);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, NULL, 42), TK_OK);
    assert_true(b.number == 42 && b.l1_block_number == 42);
    assert_int_equal(b.has_l1_block_number, 0);
    assert_int_equal(b.has_base_fee, 0);
    r = request(f->a, 1);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(r, "params"), 0)), "0x2a");
    json_decref(r);

    /* A bad l1BlockNumber is not silently replaced by number. */
    snprintf(body, sizeof body,
             "{\"number\":\"0x2a\",\"hash\":%s,\"timestamp\":\"0x1\","
             "\"l1BlockNumber\":\"0x01\"}", hash);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "latest", 0),
                     TK_ERR_RPC_BAD_RESPONSE);
    assert_true(b.number == 0 && b.l1_block_number == 0);
    /* A short hash, a missing number. */
    mock_rpc_result(f->a, "{\"number\":\"0x1\",\"hash\":\"0xab\","
                          "\"timestamp\":\"0x1\"}");
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "latest", 0),
                     TK_ERR_RPC_BAD_RESPONSE);
    snprintf(body, sizeof body, "{\"hash\":%s,\"timestamp\":\"0x1\"}", hash);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "latest", 0),
                     TK_ERR_RPC_BAD_RESPONSE);
    /* No such block. */
    mock_rpc_result(f->a, "null");
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, NULL, 1u << 30),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "pending", 0),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "newest", 0),
                     TK_ERR_ILLEGAL_ARG);
}

static void test_send_and_receipt(void **state)
{
    fixture *f = *state;
    static const uint8_t raw[] = {0x02, 0xc3, 0x01, 0x02, 0x03};
    tk_hash h, want;
    tk_rpc_receipt rc;
    int found = 1;
    char body[600], hex[67], *p;
    json_t *r;

    client_a(f, 0);
    assert_int_equal(tk_keccak256(&want, raw, sizeof raw), TK_OK);
    p = tk_test_hexstr(want.bytes, 32);
    snprintf(hex, sizeof hex, "%s", p);
    free(p);
    snprintf(body, sizeof body, "\"%s\"", hex);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_send_raw_transaction(f->rpc, &h, raw, sizeof raw),
                     TK_OK);
    assert_memory_equal(h.bytes, want.bytes, 32);
    r = request(f->a, 0);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(r, "params"), 0)), "0x02c3010203");
    json_decref(r);
    /* A node naming another transaction. */
    mock_rpc_result(f->a, "\"0x00000000000000000000000000000000000000000000"
                          "00000000000000000001\"");
    assert_int_equal(tk_rpc_send_raw_transaction(f->rpc, &h, raw, sizeof raw),
                     TK_ERR_RPC_BAD_RESPONSE);
    assert_true(tk_hash_is_zero(&h));

    /* Not mined yet. */
    mock_rpc_result(f->a, "null");
    assert_int_equal(tk_rpc_get_receipt(f->rpc, &rc, &found, &want), TK_OK);
    assert_int_equal(found, 0);
    /* Mined, reverted. */
    snprintf(body, sizeof body,
             "{\"transactionHash\":\"%s\",\"blockHash\":\"%s\","
             "\"blockNumber\":\"0x7\",\"status\":\"0x0\",\"gasUsed\":\"0x5208\","
             "\"effectiveGasPrice\":\"0x3b9aca00\"}", hex, hex);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_receipt(f->rpc, &rc, &found, &want), TK_OK);
    assert_int_equal(found, 1);
    assert_int_equal(rc.status, 0);
    assert_true(rc.block_number == 7 && rc.gas_used == 21000);
    assert_int_equal(rc.effective_gas_price.bytes[28], 0x3b);
    /* status 0x2, or a receipt of another transaction: refused. */
    snprintf(body, sizeof body,
             "{\"transactionHash\":\"%s\",\"blockHash\":\"%s\","
             "\"blockNumber\":\"0x7\",\"status\":\"0x2\",\"gasUsed\":\"0x1\"}",
             hex, hex);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_receipt(f->rpc, &rc, &found, &want),
                     TK_ERR_RPC_BAD_RESPONSE);
    assert_int_equal(found, 0);
    h = want;
    h.bytes[0] ^= 1;
    snprintf(body, sizeof body,
             "{\"transactionHash\":\"%s\",\"blockHash\":\"%s\","
             "\"blockNumber\":\"0x7\",\"status\":\"0x1\",\"gasUsed\":\"0x1\"}",
             hex, hex);
    mock_rpc_result(f->a, body);
    assert_int_equal(tk_rpc_get_receipt(f->rpc, &rc, &found, &h),
                     TK_ERR_RPC_BAD_RESPONSE);
    assert_int_equal(found, 0);
}

static void test_other_calls(void **state)
{
    fixture *f = *state;
    tk_address a;
    tk_u256 w, value;
    uint64_t n;
    uint8_t out[4];
    size_t len = sizeof out;
    json_t *r, *o;
    tk_rpc_call_args args = {&a, &a, &value, (const uint8_t *)"\xab", 1};

    memset(a.bytes, 0x22, 20);
    memset(&value, 0, sizeof value);
    value.bytes[31] = 0x10;
    client_a(f, 0);
    mock_rpc_result(f->a, "\"0x3\"");
    mock_rpc_result(f->a, "\"0x4\"");
    mock_rpc_result(f->a, "\"0x3b9aca00\"");
    mock_rpc_result(f->a, "\"0x5208\"");
    mock_rpc_result(f->a, "\"0x01020304\"");
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &n, &a, 1), TK_OK);
    assert_true(n == 3);
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &n, &a, 0), TK_OK);
    assert_true(n == 4);
    assert_int_equal(tk_rpc_max_priority_fee(f->rpc, &w), TK_OK);
    assert_int_equal(w.bytes[28], 0x3b);
    assert_int_equal(tk_rpc_estimate_gas(f->rpc, &n, &args), TK_OK);
    assert_true(n == 21000);
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &args, NULL, 255), TK_OK);
    assert_int_equal(len, 4);

    r = request(f->a, 0);
    o = json_object_get(r, "params");
    assert_string_equal(json_string_value(json_array_get(o, 0)),
                        "0x2222222222222222222222222222222222222222");
    assert_string_equal(json_string_value(json_array_get(o, 1)), "pending");
    json_decref(r);
    r = request(f->a, 1);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(r, "params"), 1)), "latest");
    json_decref(r);
    assert_string_equal(mock_rpc_method(f->a, 2), "eth_maxPriorityFeePerGas");
    r = request(f->a, 4);
    o = json_array_get(json_object_get(r, "params"), 0);
    assert_string_equal(json_string_value(json_object_get(o, "value")), "0x10");
    assert_string_equal(json_string_value(json_object_get(o, "data")), "0xab");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(r, "params"), 1)), "0xff");
    json_decref(r);

    /* eth_call into a buffer too small: the size needed. */
    mock_rpc_result(f->a, "\"0x0102030405\"");
    len = sizeof out;
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &args, "latest", 0),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 5);
    /* Odd-length data is refused. */
    mock_rpc_result(f->a, "\"0x010\"");
    len = sizeof out;
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &args, "latest", 0),
                     TK_ERR_RPC_BAD_RESPONSE);
}

static void test_misuse(void **state)
{
    fixture *f = *state;
    tk_rpc_options o;
    tk_rpc *rpc = NULL;
    const char *urls[TK_RPC_ENDPOINTS_MAX + 1];
    const char *ftp[1] = {"ftp://127.0.0.1/"};
    uint64_t v;

    for (size_t i = 0; i <= TK_RPC_ENDPOINTS_MAX; i++)
        urls[i] = mock_rpc_url(f->a);
    assert_int_equal(tk_rpc_options_default(&o), TK_OK);
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, &rpc, &o)); /* none */
    o.endpoints = urls;
    o.n_endpoints = TK_RPC_ENDPOINTS_MAX + 1;
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, &rpc, &o));
    o.endpoints = ftp;
    o.n_endpoints = 1;
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, &rpc, &o));
    o.endpoints = urls;
    o.retries = 11;
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, &rpc, &o));
    o.retries = 0;
    o.max_response_bytes = 0;
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, &rpc, &o));
    o.max_response_bytes = 1024;
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, NULL, &o));
    assert_illegal(f->ctx, tk_rpc_create(f->ctx, &rpc, NULL));
    assert_null(rpc);
    assert_int_equal(tk_rpc_chain_id(NULL, &v), TK_ERR_ILLEGAL_ARG);
    client_a(f, 0);
    assert_int_equal(tk_rpc_chain_id(f->rpc, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &v, NULL, 1),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(mock_rpc_count(f->a), 0); /* nothing was sent */
    tk_rpc_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_envelope_and_chain_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strict_quantities, setup, teardown),
        cmocka_unit_test_setup_teardown(test_envelope_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rpc_error_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revert_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_and_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_and_demotion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demote_zero_keeps_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_and_receipt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

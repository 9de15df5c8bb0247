/* SPDX-License-Identifier: MIT */
/* The transaction sender against a fake node: mock_rpc.c on 127.0.0.1
 * with a handler that keeps a small chain state (head, base fee, counts,
 * the transactions sent, decoded with tk_eth_tx_decode, and the receipts
 * the test decides to mine). Checks: chain id check; estimate + margin or
 * the caller's limit; fee cap min(max, 2 x base + tip) and the fallback
 * tip; nonce = max(local, pending); an estimate revert sends nothing and
 * uses no nonce; a refused send uses no nonce; a transport failure at send
 * is tracked; receipts; replacement (same nonce, both fees >= +12.5%
 * rounded up, at most N times, never above maxGasPrice); an earlier
 * version mined after a replacement (also via "nonce too low"); a nonce
 * taken by another transaction (decided only at a later block), a count
 * served before our receipt, a count that lies once; a status-0 receipt replayed with eth_call
 * at its block; malformed responses; wait's timeout; keystores; misuse;
 * the hooked send the redeemer records with (the hook sees the hash
 * before the node gets anything; a refusal sends nothing, uses no nonce). */
#include "test_support.h"

#include "eth/txsender_internal.h"
#include "mock_rpc.h"
#include "ticket/eth_sender.h"
#include "ticket/eth_tx.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GWEI 1000000000ull
#define MAX_TX 40

typedef struct sent_tx {
    tk_eth_tx tx;
    tk_hash hash;
} sent_tx;

typedef struct mined_tx {
    tk_hash hash;
    int status;
    uint64_t block, gas_used;
} mined_tx;

/* The fake node's state. Read and written by the handler (server thread,
 * one call at a time) and by the test between client calls. */
typedef struct fake {
    uint64_t chain_id, head, base_fee, tip, pending, latest, estimate;
    int no_tip_method;      /* eth_maxPriorityFeePerGas: method not found */
    int estimate_revert;    /* eth_estimateGas reverts with "no funds" */
    int call_revert;        /* eth_call (replay) reverts with "used" */
    const char *send_error; /* eth_sendRawTransaction's error message */
    int mine_first_on_error; /* with send_error: mine version 0 first */
    sent_tx sent[MAX_TX];
    size_t n_sent;
    mined_tx mined[MAX_TX];
    size_t n_mined;
    char call_block[80];    /* the block parameter of the last eth_call */
} fake;

typedef struct fixture {
    tk_ctx *ctx;
    mock_rpc *m;
    tk_rpc *rpc;
    tk_eth_sender *s;
    fake fk;
    uint8_t key[32];
    tk_address to;
    tk_eth_sender_options o;
} fixture;

/* ABI Error(string) revert data for a reason of at most 32 bytes. */
static void error_data(char *out, const char *reason)
{
    size_t n = strlen(reason);
    char *o = out + sprintf(out, "0x08c379a0%064x%064zx", 0x20, n);
    for (size_t i = 0; i < 32; i++)
        o += sprintf(o, "%02x", i < n ? (unsigned char)reason[i] : 0);
}

/* A receipt object (status may be any number: malformed ones too). */
static void receipt_text(char *out, const mined_tx *mt)
{
    char h[70];
    mock_rpc_hex32(h, mt->hash.bytes);
    sprintf(out, "{\"transactionHash\":\"%s\",\"blockHash\":\"0x%064x\","
                 "\"blockNumber\":\"0x%llx\",\"status\":\"0x%d\","
                 "\"gasUsed\":\"0x%llx\",\"effectiveGasPrice\":\"0x1\"}",
            h, 7, (unsigned long long)mt->block, mt->status,
            (unsigned long long)mt->gas_used);
}

static char *receipt_json(const mined_tx *mt)
{
    char r[512];
    receipt_text(r, mt);
    return mock_rpc_text(r);
}

static char *on_send(fake *fk, const char *rawhex)
{
    size_t len = 0;
    uint8_t *raw = tk_test_hex_alloc(rawhex, &len);
    tk_eth_tx_sig sig;
    sent_tx st;
    char h[70], res[80];

    assert_int_equal(tk_eth_tx_decode(&st.tx, &sig, raw, len), TK_OK);
    assert_int_equal(tk_keccak256(&st.hash, raw, len), TK_OK);
    st.tx.data = NULL; /* raw is freed; tests read the other fields */
    free(raw);
    if (fk->send_error != NULL) {
        if (fk->mine_first_on_error && fk->n_sent > 0) {
            fk->mined[fk->n_mined++] =
                (mined_tx){fk->sent[0].hash, 1, fk->head, 21000};
            fk->latest = fk->sent[0].tx.nonce + 1;
        }
        return mock_rpc_error_result(-32000, fk->send_error, NULL);
    }
    assert_true(fk->n_sent < MAX_TX);
    fk->sent[fk->n_sent++] = st;
    if (st.tx.nonce >= fk->pending)
        fk->pending = st.tx.nonce + 1;
    mock_rpc_hex32(h, st.hash.bytes);
    sprintf(res, "\"%s\"", h);
    return mock_rpc_text(res);
}

static char *handle(void *user, const char *m, const char *params_json)
{
    fake *fk = user;
    json_t *params = json_loads(params_json, 0, NULL);
    char *out = NULL, buf[512];

    if (strcmp(m, "eth_chainId") == 0) {
        out = mock_rpc_qty(fk->chain_id);
    } else if (strcmp(m, "eth_blockNumber") == 0) {
        out = mock_rpc_qty(fk->head);
    } else if (strcmp(m, "eth_maxPriorityFeePerGas") == 0) {
        out = fk->no_tip_method
                  ? mock_rpc_error_result(-32601, "the method does not exist", NULL)
                  : mock_rpc_qty(fk->tip);
    } else if (strcmp(m, "eth_getBlockByNumber") == 0) {
        sprintf(buf, "{\"number\":\"0x%llx\",\"hash\":\"0x%064x\","
                     "\"timestamp\":\"0x1\",\"baseFeePerGas\":\"0x%llx\"}",
                (unsigned long long)fk->head, 5,
                (unsigned long long)fk->base_fee);
        out = mock_rpc_text(buf);
    } else if (strcmp(m, "eth_estimateGas") == 0) {
        if (fk->estimate_revert) {
            error_data(buf, "no funds");
            out = mock_rpc_error_result(3, "execution reverted: no funds", buf);
        } else {
            out = mock_rpc_qty(fk->estimate);
        }
    } else if (strcmp(m, "eth_getTransactionCount") == 0) {
        const char *tag = json_string_value(json_array_get(params, 1));
        out = mock_rpc_qty(strcmp(tag, "pending") == 0 ? fk->pending : fk->latest);
    } else if (strcmp(m, "eth_sendRawTransaction") == 0) {
        out = on_send(fk, json_string_value(json_array_get(params, 0)));
    } else if (strcmp(m, "eth_getTransactionReceipt") == 0) {
        tk_hash h;
        tk_test_hex(h.bytes, 32,
                    json_string_value(json_array_get(params, 0)));
        for (size_t i = 0; i < fk->n_mined && out == NULL; i++)
            if (memcmp(&fk->mined[i].hash, &h, sizeof h) == 0)
                out = receipt_json(&fk->mined[i]);
        if (out == NULL)
            out = mock_rpc_text("null");
    } else if (strcmp(m, "eth_call") == 0) {
        const char *b = json_string_value(json_array_get(params, 1));
        snprintf(fk->call_block, sizeof fk->call_block, "%s", b ? b : "?");
        if (fk->call_revert) {
            error_data(buf, "used");
            out = mock_rpc_error_result(3, "execution reverted: used", buf);
        } else {
            out = mock_rpc_text("\"0x\"");
        }
    }
    json_decref(params);
    return out; /* NULL: HTTP 500 */
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tk_rpc_options ro;
    const char *url;

    assert_non_null(f);
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    f->m = mock_rpc_start();
    f->fk = (fake){.chain_id = 31337, .head = 100, .base_fee = 10 * GWEI,
                   .tip = 2 * GWEI, .pending = 7, .latest = 7,
                   .estimate = 50000};
    mock_rpc_set_handler(f->m, handle, &f->fk);
    url = mock_rpc_url(f->m);
    assert_int_equal(tk_rpc_options_default(&ro), TK_OK);
    ro.endpoints = &url;
    ro.n_endpoints = 1;
    ro.retries = 0;
    ro.timeout_ms = 2000;
    assert_int_equal(tk_rpc_create(f->ctx, &f->rpc, &ro), TK_OK);
    memset(f->key, 0x11, sizeof f->key);
    memset(f->to.bytes, 0xab, sizeof f->to.bytes);
    assert_int_equal(tk_eth_sender_options_default(&f->o), TK_OK);
    f->o.chain_id = 31337;
    assert_int_equal(tk_u256_from_u64(&f->o.max_gas_price, 100 * GWEI), TK_OK);
    f->o.replace_after_ms = 0; /* replacement by blocks only: deterministic */
    f->o.replace_after_blocks = 2;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tk_eth_sender_destroy(f->s);
    tk_rpc_destroy(f->rpc);
    mock_rpc_stop(f->m);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

static void create(fixture *f)
{
    tk_eth_sender_destroy(f->s);
    f->s = NULL;
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &f->o,
                                          f->key), TK_OK);
}

static uint64_t u64(const tk_u256 *x)
{
    uint64_t v = 0;
    assert_int_equal(tk_u256_to_u64(&v, x), TK_OK);
    return v;
}

/* Send a plain call with data "ab cd"; the id. */
static uint64_t send_ok(fixture *f, uint64_t gas_limit)
{
    static const uint8_t data[2] = {0xab, 0xcd};
    tk_eth_send_request r;
    uint64_t id = 0;

    memset(&r, 0, sizeof r);
    r.to = &f->to;
    r.data = data;
    r.data_len = sizeof data;
    r.gas_limit = gas_limit;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_OK);
    assert_true(id != 0);
    return id;
}

static size_t count_method(fixture *f, const char *method)
{
    size_t n = 0;
    for (size_t i = 0; i < mock_rpc_count(f->m); i++)
        n += strcmp(mock_rpc_method(f->m, i), method) == 0;
    return n;
}

static tk_eth_tx_outcome outcome(fixture *f, uint64_t id)
{
    tk_eth_tx_outcome o;
    assert_int_equal(tk_eth_sender_outcome(f->s, id, &o), TK_OK);
    return o;
}

static void mine(fixture *f, const tk_hash *h, int status, uint64_t gas_used)
{
    f->fk.mined[f->fk.n_mined++] = (mined_tx){*h, status, f->fk.head, gas_used};
}

static void test_chain_id_checked(void **state)
{
    fixture *f = *state;
    tk_address want, got;

    f->o.chain_id = 1;
    f->s = (tk_eth_sender *)f; /* must be reset to NULL */
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &f->o,
                                          f->key), TK_ERR_RPC_CHAIN_ID);
    assert_null(f->s);
    f->o.chain_id = 31337;
    create(f);
    assert_int_equal(tk_key_address(f->ctx, &want, f->key), TK_OK);
    assert_int_equal(tk_eth_sender_address(f->s, &got), TK_OK);
    assert_memory_equal(&want, &got, sizeof want);
    /* A chain id that does not parse is the client's error. */
    tk_eth_sender_destroy(f->s);
    f->s = NULL;
    mock_rpc_result(f->m, "\"0x07a69\"");
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &f->o,
                                          f->key), TK_ERR_RPC_BAD_RESPONSE);
    assert_null(f->s);
}

static void test_fees_gas_and_fields(void **state)
{
    fixture *f = *state;
    const sent_tx *t;
    uint64_t id;
    size_t est, blocks;

    create(f);
    id = send_ok(f, 0);
    assert_int_equal(f->fk.n_sent, 1);
    t = &f->fk.sent[0];
    assert_true(t->tx.chain_id == 31337);
    assert_true(t->tx.nonce == 7);
    assert_true(t->tx.gas_limit == 60000); /* 50000 + 20% */
    assert_true(u64(&t->tx.max_priority_fee_per_gas) == 2 * GWEI);
    assert_true(u64(&t->tx.max_fee_per_gas) == 22 * GWEI); /* 2 x 10 + 2 */
    assert_true(t->tx.has_to);
    assert_memory_equal(&t->tx.to, &f->to, sizeof f->to);
    assert_true(t->tx.data_len == 2);
    {
        tk_eth_tx_outcome o = outcome(f, id);
        assert_int_equal(o.state, TK_ETH_TX_PENDING);
        assert_true(o.nonce == 7 && o.n_hashes == 1 && o.gas_limit == 60000);
        assert_memory_equal(&o.hashes[0], &t->hash, sizeof t->hash);
        assert_int_equal(o.failure, TK_OK);
    }

    /* The caller's limit is used as given (a batch's), never below the
     * estimate (that one would fail: nothing sent). */
    send_ok(f, 90000);
    assert_true(f->fk.sent[1].tx.gas_limit == 90000);
    {
        tk_eth_send_request r;
        memset(&r, 0, sizeof r);
        r.to = &f->to;
        r.gas_limit = 49999;
        est = count_method(f, "eth_estimateGas");
        blocks = count_method(f, "eth_getBlockByNumber");
        assert_int_equal(tk_eth_sender_send(f->s, &id, &r),
                         TK_ERR_OUT_OF_RANGE);
        assert_true(id == 0);
        assert_int_equal(f->fk.n_sent, 2);
        /* Refused by the estimate alone: no fee read. */
        assert_int_equal(count_method(f, "eth_estimateGas"), est + 1);
        assert_int_equal(count_method(f, "eth_getBlockByNumber"), blocks);
    }

    /* An estimate whose margin does not fit 64 bits: nothing sent. */
    f->fk.estimate = UINT64_MAX - 5;
    {
        tk_eth_send_request r;
        memset(&r, 0, sizeof r);
        r.to = &f->to;
        assert_int_equal(tk_eth_sender_send(f->s, &id, &r),
                         TK_ERR_OUT_OF_RANGE);
        assert_int_equal(f->fk.n_sent, 2);
    }
    f->fk.estimate = 50000;

    /* A high base fee: the cap is max_gas_price. Above it: nothing sent. */
    f->fk.base_fee = 60 * GWEI;
    send_ok(f, 0);
    assert_true(u64(&f->fk.sent[2].tx.max_fee_per_gas) == 100 * GWEI);
    f->fk.base_fee = 101 * GWEI;
    {
        tk_eth_send_request r;
        memset(&r, 0, sizeof r);
        r.to = &f->to;
        /* No limit given: refused on the fee ceiling before any estimate
         * (the estimate would be the limit of a send that cannot go out). */
        est = count_method(f, "eth_estimateGas");
        blocks = count_method(f, "eth_getBlockByNumber");
        assert_int_equal(tk_eth_sender_send(f->s, &id, &r),
                         TK_ERR_OUT_OF_RANGE);
        assert_int_equal(f->fk.n_sent, 3);
        assert_int_equal(count_method(f, "eth_estimateGas"), est);
        assert_int_equal(count_method(f, "eth_getBlockByNumber"), blocks + 1);
        /* A limit given: the estimate first (it checks the limit), then
         * the same refusal. */
        r.gas_limit = 90000;
        assert_int_equal(tk_eth_sender_send(f->s, &id, &r),
                         TK_ERR_OUT_OF_RANGE);
        assert_int_equal(f->fk.n_sent, 3);
        assert_int_equal(count_method(f, "eth_estimateGas"), est + 1);
        assert_int_equal(count_method(f, "eth_getBlockByNumber"), blocks + 2);
    }

    /* No eth_maxPriorityFeePerGas: the fallback tip (1 gwei default). */
    f->fk.base_fee = 10 * GWEI;
    f->fk.no_tip_method = 1;
    send_ok(f, 0);
    assert_true(u64(&f->fk.sent[3].tx.max_priority_fee_per_gas) == GWEI);
    assert_true(u64(&f->fk.sent[3].tx.max_fee_per_gas) == 21 * GWEI);
    /* A node tip over the maximum is cut to it, never sent above. */
    f->fk.no_tip_method = 0;
    f->fk.tip = 200 * GWEI;
    f->fk.base_fee = 0;
    send_ok(f, 0);
    assert_true(u64(&f->fk.sent[4].tx.max_priority_fee_per_gas) == 100 * GWEI);
    assert_true(u64(&f->fk.sent[4].tx.max_fee_per_gas) == 100 * GWEI);
}

static void test_nonce_authority(void **state)
{
    fixture *f = *state;

    create(f);
    send_ok(f, 0);
    assert_true(f->fk.sent[0].tx.nonce == 7);
    /* The node lags (its pending count did not move): the local count. */
    f->fk.pending = 7;
    send_ok(f, 0);
    assert_true(f->fk.sent[1].tx.nonce == 8);
    /* The node knows more (sent from elsewhere): the node's. */
    f->fk.pending = 20;
    send_ok(f, 0);
    assert_true(f->fk.sent[2].tx.nonce == 20);
    /* A new sender object (restart) starts from the pending count. */
    create(f);
    send_ok(f, 0);
    assert_true(f->fk.sent[3].tx.nonce == 21);
}

/* The sender tracks nothing (a refused send used no slot). */
static void assert_untracked(fixture *f)
{
    size_t n = 1;
    assert_int_equal(tk_eth_sender_pending(f->s, &n), TK_OK);
    assert_int_equal(n, 0);
}

static void test_no_nonce_used_on_refusal(void **state)
{
    fixture *f = *state;
    tk_eth_send_request r;
    tk_rpc_error e;
    uint64_t id = 5;

    create(f);
    memset(&r, 0, sizeof r);
    r.to = &f->to;
    f->fk.estimate_revert = 1;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_ERR_RPC_REVERTED);
    assert_true(id == 0);
    assert_int_equal(tk_rpc_last_error(f->rpc, &e), TK_OK);
    assert_int_equal(e.revert.kind, TK_ABI_REVERT_ERROR);
    assert_string_equal(e.revert.reason, "no funds");
    assert_int_equal(count_method(f, "eth_sendRawTransaction"), 0);
    assert_int_equal(count_method(f, "eth_getTransactionCount"), 0);
    assert_untracked(f);

    /* The node refuses the transaction: not tracked, nonce not used. */
    f->fk.estimate_revert = 0;
    f->fk.send_error = "insufficient funds for gas * price + value";
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_ERR_RPC_ERROR);
    assert_true(id == 0);
    assert_untracked(f);
    f->fk.send_error = NULL;
    send_ok(f, 0);
    assert_true(f->fk.sent[0].tx.nonce == 7);
    /* "already known": the node has this very transaction: tracked. */
    f->fk.pending = 7;
    tk_eth_sender_destroy(f->s);
    f->s = NULL;
    create(f);
    f->fk.send_error = "already known";
    id = send_ok(f, 0);
    assert_int_equal(outcome(f, id).state, TK_ETH_TX_PENDING);
}

/* What the hook of tk__eth_sender_send_hooked saw. */
typedef struct hook_seen {
    fixture *f;
    tk_status answer;
    unsigned calls;
    size_t sent_before; /* transactions the node had when it was called */
    tk_hash hash;
} hook_seen;

static tk_status hook(void *data, const tk_hash *hash)
{
    hook_seen *h = data;
    h->calls++;
    h->sent_before = h->f->fk.n_sent;
    h->hash = *hash;
    return h->answer;
}

static void test_hooked_send(void **state)
{
    fixture *f = *state;
    static const uint8_t data[2] = {0xab, 0xcd};
    hook_seen h = {f, TK_ERR_LEASE_LOST, 0, 0, {{0}}};
    tk_eth_send_request r;
    uint64_t id = 5;

    create(f);
    memset(&r, 0, sizeof r);
    r.to = &f->to;
    r.data = data;
    r.data_len = sizeof data;
    /* Refused by the hook: nothing reaches the node, nothing tracked. */
    assert_int_equal(tk__eth_sender_send_hooked(f->s, &id, &r, hook, &h),
                     TK_ERR_LEASE_LOST);
    assert_true(id == 0);
    assert_int_equal(h.calls, 1);
    assert_int_equal(count_method(f, "eth_sendRawTransaction"), 0);
    assert_untracked(f);
    /* A refusal that reads like "may have arrived" is not one. */
    h.answer = TK_ERR_RPC_TRANSPORT;
    assert_int_equal(tk__eth_sender_send_hooked(f->s, &id, &r, hook, &h),
                     TK_ERR_STORE);
    assert_int_equal(count_method(f, "eth_sendRawTransaction"), 0);
    assert_untracked(f);
    /* Allowed: the hook had the hash before the node had anything, and
     * the refusals used no nonce. */
    h.answer = TK_OK;
    assert_int_equal(tk__eth_sender_send_hooked(f->s, &id, &r, hook, &h), TK_OK);
    assert_int_equal(h.calls, 3);
    assert_int_equal(h.sent_before, 0);
    assert_int_equal(f->fk.n_sent, 1);
    assert_memory_equal(h.hash.bytes, f->fk.sent[0].hash.bytes, 32);
    assert_memory_equal(outcome(f, id).hashes[0].bytes, h.hash.bytes, 32);
    assert_true(f->fk.sent[0].tx.nonce == 7);
}

static void test_receipt_success_and_forget(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    size_t nf = 9;
    uint64_t id;

    create(f);
    /* Nothing pending: a poll makes no request. */
    {
        size_t before = mock_rpc_count(f->m);
        assert_int_equal(tk_eth_sender_poll(f->s, &nf), TK_OK);
        assert_int_equal(nf, 0);
        assert_int_equal(mock_rpc_count(f->m), before);
    }
    id = send_ok(f, 0);
    assert_int_equal(tk_eth_sender_poll(f->s, &nf), TK_OK);
    assert_int_equal(nf, 0);
    assert_int_equal(outcome(f, id).state, TK_ETH_TX_PENDING);
    assert_int_equal(tk_eth_sender_forget(f->s, id), TK_ERR_STATE);
    mine(f, &f->fk.sent[0].hash, 1, 43000);
    f->fk.latest = 8;
    assert_int_equal(tk_eth_sender_poll(f->s, &nf), TK_OK);
    assert_int_equal(nf, 1);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_true(o.receipt.status == 1 && o.receipt.gas_used == 43000 &&
                o.receipt.block_number == 100);
    assert_memory_equal(&o.tx_hash, &f->fk.sent[0].hash, sizeof o.tx_hash);
    /* wait on a final transaction returns at once. */
    assert_int_equal(tk_eth_sender_wait(f->s, id, 0, 0, &o), TK_OK);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_int_equal(tk_eth_sender_forget(f->s, id), TK_OK);
    assert_int_equal(tk_eth_sender_outcome(f->s, id, &o), TK_ERR_NOT_FOUND);
    assert_int_equal(tk_eth_sender_forget(f->s, id), TK_ERR_NOT_FOUND);
}

static void test_wait_times_out(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;

    create(f);
    id = send_ok(f, 0);
    assert_int_equal(tk_eth_sender_wait(f->s, id, 60, 10, &o), TK_ERR_TIMEOUT);
    assert_int_equal(o.state, TK_ETH_TX_PENDING);
    assert_int_equal(tk_eth_sender_wait(f->s, 999, 60, 10, &o),
                     TK_ERR_NOT_FOUND);
}

/* old + ceil(old / 8), independently of fees.c. */
static uint64_t bumped(uint64_t old)
{
    return old + (old + 7) / 8;
}

static void test_replacement_bumps_and_limits(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id, tip = 2 * GWEI, cap = 22 * GWEI;

    f->o.max_replacements = 3;
    create(f);
    id = send_ok(f, 0);
    /* One block later: not stuck yet. */
    f->fk.head = 101;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(f->fk.n_sent, 1);
    for (size_t k = 1; k <= 3; k++) {
        f->fk.head += 2;
        assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
        assert_int_equal(f->fk.n_sent, k + 1);
        const sent_tx *t = &f->fk.sent[k];
        tip = bumped(tip);
        cap = bumped(cap);
        assert_true(t->tx.nonce == 7);
        assert_true(t->tx.gas_limit == 60000);
        assert_true(u64(&t->tx.max_priority_fee_per_gas) == tip);
        assert_true(u64(&t->tx.max_fee_per_gas) == cap);
        o = outcome(f, id);
        assert_int_equal(o.n_hashes, k + 1);
        assert_memory_equal(&o.hashes[k], &t->hash, sizeof t->hash);
        assert_memory_equal(&o.tx_hash, &t->hash, sizeof t->hash);
        assert_false(o.replacements_exhausted);
    }
    /* At most N replacements. */
    f->fk.head += 10;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(f->fk.n_sent, 4);
    o = outcome(f, id);
    assert_true(o.replacements_exhausted);
    assert_int_equal(o.state, TK_ETH_TX_PENDING);
    /* It may still be mined: the first version, say. */
    mine(f, &f->fk.sent[0].hash, 1, 30000);
    f->fk.latest = 8;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_memory_equal(&o.tx_hash, &f->fk.sent[0].hash, sizeof o.tx_hash);
}

static void test_replacement_never_above_max(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;

    /* cap 22 gwei; max 30: one bump (24.75) fits, the next (27.85) too,
     * the third (31.33) would not. A fresh higher base fee is used only
     * up to the max. */
    assert_int_equal(tk_u256_from_u64(&f->o.max_gas_price, 30 * GWEI), TK_OK);
    f->o.max_replacements = 10;
    create(f);
    id = send_ok(f, 0);
    for (int k = 0; k < 6; k++) {
        f->fk.head += 2;
        assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    }
    assert_int_equal(f->fk.n_sent, 3);
    for (size_t i = 0; i < f->fk.n_sent; i++)
        assert_true(u64(&f->fk.sent[i].tx.max_fee_per_gas) <= 30 * GWEI);
    assert_true(u64(&f->fk.sent[2].tx.max_fee_per_gas) ==
                bumped(bumped(22 * GWEI)));
    o = outcome(f, id);
    assert_true(o.replacements_exhausted);

    /* Today's fees when higher than the bump: tip 5 gwei, base 12 gwei
     * -> cap min(29, max); capped by the max when over. */
    f->fk.n_sent = 0;
    f->fk.pending = 8;
    f->fk.latest = 8;
    assert_int_equal(tk_u256_from_u64(&f->o.max_gas_price, 100 * GWEI), TK_OK);
    create(f);
    id = send_ok(f, 0);
    f->fk.tip = 5 * GWEI;
    f->fk.base_fee = 12 * GWEI;
    f->fk.head += 2;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(f->fk.n_sent, 2);
    assert_true(u64(&f->fk.sent[1].tx.max_priority_fee_per_gas) == 5 * GWEI);
    assert_true(u64(&f->fk.sent[1].tx.max_fee_per_gas) == 29 * GWEI);
    (void)id;
}

static void test_earlier_version_mined(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;

    create(f);
    id = send_ok(f, 0);
    f->fk.head += 2;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(f->fk.n_sent, 2);
    /* The next replacement is refused with "nonce too low": version 0 was
     * mined meanwhile. The sender finds it by its receipt. */
    f->fk.send_error = "nonce too low";
    f->fk.mine_first_on_error = 1;
    f->fk.head += 2;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_memory_equal(&o.tx_hash, &f->fk.sent[0].hash, sizeof o.tx_hash);
    assert_int_equal(o.n_hashes, 2);
    assert_int_equal(o.failure, TK_OK);
}

/* Poll with the account's mined count at `latest`: transaction id must
 * still be pending afterwards. */
static void poll_pending(fixture *f, uint64_t id, uint64_t latest)
{
    f->fk.latest = latest;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(outcome(f, id).state, TK_ETH_TX_PENDING);
}

static void test_nonce_taken(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;

    create(f);
    id = send_ok(f, 0);
    /* The account's nonce 7 is mined, but by none of our versions. Seen
     * at head 102, when the transaction is also due for replacement: no
     * verdict yet, and no replacement (the nonce is used). */
    f->fk.head += 2;
    poll_pending(f, id, 8);
    poll_pending(f, id, 8); /* again at the same head: no verdict yet */
    assert_int_equal(f->fk.n_sent, 1);
    /* At a later block, the receipts read again: taken. */
    f->fk.head++;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_FAILED);
    assert_int_equal(o.failure, TK_ERR_TX_NONCE_TAKEN);
    assert_int_equal(f->fk.n_sent, 1);
}

/* The node serves the account's new count before the receipt of our own
 * transaction (anvil does). The mined version is reported, never FAILED:
 * whether the receipt comes at the same head or only with the next block,
 * and whichever version (first or replacement) was mined. */
static void test_nonce_counted_before_receipt(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;

    create(f);
    id = send_ok(f, 0);
    poll_pending(f, id, 8);
    mine(f, &f->fk.sent[0].hash, 1, 21000); /* the next poll, same head */
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_memory_equal(&o.tx_hash, &f->fk.sent[0].hash, sizeof o.tx_hash);
    assert_int_equal(o.failure, TK_OK);

    /* A replaced transaction; its replacement is mined, but the receipt
     * comes only after the head has moved on. */
    id = send_ok(f, 0);
    f->fk.head += 2;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(f->fk.n_sent, 3);
    poll_pending(f, id, 9);
    f->fk.head++;
    mine(f, &f->fk.sent[2].hash, 1, 21000);
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_memory_equal(&o.tx_hash, &f->fk.sent[2].hash, sizeof o.tx_hash);
    assert_int_equal(o.n_hashes, 2);
}

/* A count that lies once (past the nonce, then back): the sighting is
 * forgotten, and a single later sighting is not a verdict. */
static void test_nonce_count_lies_once(void **state)
{
    fixture *f = *state;
    uint64_t id;

    create(f);
    id = send_ok(f, 0);
    poll_pending(f, id, 8);
    f->fk.head++;
    poll_pending(f, id, 7);
    f->fk.head++;
    poll_pending(f, id, 8);
    mine(f, &f->fk.sent[0].hash, 1, 21000);
    f->fk.head++;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(outcome(f, id).state, TK_ETH_TX_SUCCEEDED);
}

static void test_revert_replayed(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;
    char want[32];

    create(f);
    id = send_ok(f, 0);
    f->fk.head = 123;
    mine(f, &f->fk.sent[0].hash, 0, 31000);
    f->fk.latest = 8;
    f->fk.call_revert = 1;
    /* The replay fails (HTTP 500): still pending, nothing lost. */
    mock_rpc_result(f->m, "\"0x8\"");   /* latest count */
    mock_rpc_result(f->m, "\"0x7b\"");  /* head */
    {
        char r[512];
        receipt_text(r, &(mined_tx){f->fk.sent[0].hash, 0, 123, 31000});
        mock_rpc_result(f->m, r);
    }
    mock_rpc_push(f->m, 500, 0, "down");
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_ERR_RPC_TRANSPORT);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_PENDING);
    assert_int_equal(o.failure, TK_ERR_RPC_TRANSPORT);
    /* Next poll: replayed at the receipt's block, the reason learned. */
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_REVERTED);
    assert_true(o.has_revert);
    assert_int_equal(o.revert.kind, TK_ABI_REVERT_ERROR);
    assert_string_equal(o.revert.reason, "used");
    assert_false(o.out_of_gas);
    sprintf(want, "0x%llx", 123ull);
    assert_string_equal(f->fk.call_block, want);

    /* All the gas used and the replay succeeds: out of gas, no reason. */
    f->fk.call_revert = 0;
    id = send_ok(f, 0);
    mine(f, &f->fk.sent[1].hash, 0, 60000);
    f->fk.latest = 9;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_REVERTED);
    assert_false(o.has_revert);
    assert_true(o.out_of_gas);
}

/* Scripted answers to the fee reads of a send with no gas limit given
 * (they come first): the tip (2 gwei), the latest block (100, base fee
 * 10 gwei). */
static void script_fee_reads(fixture *f)
{
    mock_rpc_result(f->m, "\"0x77359400\"");
    mock_rpc_result(f->m, "{\"number\":\"0x64\",\"hash\":\"0x"
                          "0000000000000000000000000000000000000000000000000000000000000005\","
                          "\"timestamp\":\"0x1\",\"baseFeePerGas\":\"0x2540be400\"}");
}

/* ... and then the estimate (50000): every read before the nonce. */
static void script_reads_before_nonce(fixture *f)
{
    script_fee_reads(f);
    mock_rpc_result(f->m, "\"0xc350\"");
}

static void test_transport_failure_at_send(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t id;
    tk_eth_send_request r;

    create(f);
    memset(&r, 0, sizeof r);
    r.to = &f->to;
    /* tip, block, estimate, pending count answered; the send answered by
     * HTTP 500 (a proxy in front of the node, say). The transaction may
     * have arrived: tracked, nonce used. */
    script_reads_before_nonce(f);
    mock_rpc_result(f->m, "\"0x7\"");
    mock_rpc_push(f->m, 500, 0, "bad gateway");
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_OK);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_PENDING);
    assert_int_equal(o.failure, TK_ERR_RPC_TRANSPORT);
    assert_true(o.nonce == 7 && o.n_hashes == 1);
    assert_int_equal(f->fk.n_sent, 0);
    /* The next transaction takes the next nonce; the stuck one is re-sent
     * (bumped) by replacement and then reaches the node. */
    send_ok(f, 0);
    assert_true(f->fk.sent[0].tx.nonce == 8);
    f->fk.head += 2;
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(f->fk.n_sent, 3); /* nonce 7 re-sent, 8 replaced */
    assert_true(f->fk.sent[1].tx.nonce == 7 || f->fk.sent[2].tx.nonce == 7);
    o = outcome(f, id);
    assert_int_equal(o.n_hashes, 2);
    assert_int_equal(o.failure, TK_OK);
}

static void test_malformed_responses(void **state)
{
    fixture *f = *state;
    tk_eth_send_request r;
    uint64_t id;
    tk_eth_tx_outcome o;

    create(f);
    memset(&r, 0, sizeof r);
    r.to = &f->to;
    /* A malformed estimate: nothing sent. */
    script_fee_reads(f);
    mock_rpc_result(f->m, "\"0x0c350\"");
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r),
                     TK_ERR_RPC_BAD_RESPONSE);
    /* A malformed pending count: nothing sent. */
    script_reads_before_nonce(f);
    mock_rpc_result(f->m, "\"seven\"");
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r),
                     TK_ERR_RPC_BAD_RESPONSE);
    assert_int_equal(f->fk.n_sent, 0);
    /* A malformed receipt (status 0x2): the poll fails, still pending. */
    id = send_ok(f, 0);
    mock_rpc_result(f->m, "\"0x7\"");
    mock_rpc_result(f->m, "\"0x64\"");
    {
        char rc[512];
        receipt_text(rc, &(mined_tx){f->fk.sent[0].hash, 2, 100, 1});
        mock_rpc_result(f->m, rc);
    }
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_ERR_RPC_BAD_RESPONSE);
    o = outcome(f, id);
    assert_int_equal(o.state, TK_ETH_TX_PENDING);
    assert_int_equal(o.failure, TK_ERR_RPC_BAD_RESPONSE);
}

static void test_misuse(void **state)
{
    fixture *f = *state;
    tk_eth_sender_options o = f->o;
    tk_eth_tx_outcome out;
    tk_eth_send_request r;
    uint64_t id;
    size_t n;
    uint8_t zero[32] = {0};

    assert_int_equal(tk_eth_sender_options_default(NULL), TK_ERR_ILLEGAL_ARG);
    o.chain_id = 0;
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &o, f->key),
                     TK_ERR_ILLEGAL_ARG);
    o = f->o;
    memset(&o.max_gas_price, 0, sizeof o.max_gas_price);
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &o, f->key),
                     TK_ERR_ILLEGAL_ARG);
    o = f->o;
    o.max_replacements = TK_ETH_TX_VERSIONS_MAX;
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &o, f->key),
                     TK_ERR_ILLEGAL_ARG);
    o = f->o;
    o.max_tracked = 0;
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &o, f->key),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, NULL, &f->o, f->key),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_create(f->ctx, &f->s, f->rpc, &f->o, zero),
                     TK_ERR_INVALID_PRIVKEY);
    assert_null(f->s);
    f->o.max_tracked = 1;
    create(f);
    memset(&r, 0, sizeof r);
    r.to = &f->to;
    r.data_len = 3; /* data NULL */
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_send(NULL, &id, &r), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_send(f->s, NULL, &r), TK_ERR_ILLEGAL_ARG);
    send_ok(f, 0);
    r.data_len = 0;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_ERR_STATE);
    assert_int_equal(tk_eth_sender_poll(NULL, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_outcome(NULL, 1, &out), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_outcome(f->s, 0, &out), TK_ERR_NOT_FOUND);
    assert_int_equal(tk_eth_sender_wait(f->s, 1, -1, 0, &out),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_forget(NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_sender_pending(f->s, &n), TK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tk_eth_sender_pending(NULL, &n), TK_ERR_ILLEGAL_ARG);
    tk_eth_sender_destroy(NULL);
}

/* A keystore fixture (tests/fixtures/keystore) gives its recorded
 * address; a wrong passphrase gives no sender. */
static void test_keystore(void **state)
{
    fixture *f = *state;
    char path[4096], *text;
    json_t *root, *cases, *c = NULL;
    json_error_t err;
    tk_address want, got;
    FILE *fp;
    long n;

    snprintf(path, sizeof path, "%s/keystores.json", TK_KEYSTORE_DIR);
    root = json_load_file(path, 0, &err);
    assert_non_null(root);
    cases = json_object_get(root, "cases");
    for (size_t i = 0; i < json_array_size(cases); i++)
        if (strcmp(tk_test_str(json_array_get(cases, i), "file"),
                   "pbkdf2_light.json") == 0)
            c = json_array_get(cases, i);
    assert_non_null(c);
    snprintf(path, sizeof path, "%s/pbkdf2_light.json", TK_KEYSTORE_DIR);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    rewind(fp);
    text = malloc((size_t)n);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    {
        const char *pass = tk_test_str(c, "passphrase");
        assert_int_equal(tk_eth_sender_create_from_keystore(
                             f->ctx, &f->s, f->rpc, &f->o, text, (size_t)n,
                             "wrong", 5), TK_ERR_KEYSTORE_PASSPHRASE);
        assert_null(f->s);
        assert_int_equal(tk_eth_sender_create_from_keystore(
                             f->ctx, &f->s, f->rpc, &f->o, text, (size_t)n,
                             pass, strlen(pass)), TK_OK);
    }
    tk_test_hex(want.bytes, 20, tk_test_str(c, "address"));
    assert_int_equal(tk_eth_sender_address(f->s, &got), TK_OK);
    assert_memory_equal(&want, &got, sizeof want);
    free(text);
    json_decref(root);
}

/* The node takes the transaction but its answer is lost (HTTP 500); the
 * client's retry of the same request is refused ("nonce too low" once it
 * was mined, or another backend behind the URL). The transaction may be
 * in a pool: the send must track it and count its nonce as used, never
 * report "refused, nothing sent" (found by an audit: the next send signed
 * nonce 7 again with other data). */
static int lost_once;
static char *lost_answer_handle(void *user, const char *m, const char *params_json)
{
    fake *fk = user;
    if (strcmp(m, "eth_sendRawTransaction") == 0 && lost_once) {
        lost_once = 0;
        free(handle(user, m, params_json)); /* the node takes it */
        fk->send_error = "nonce too low";   /* what the retry hears */
        return NULL;                        /* the answer is lost */
    }
    return handle(user, m, params_json);
}

static void test_lost_answer_then_refusal(void **state)
{
    fixture *f = *state;
    tk_rpc_options ro;
    const char *url = mock_rpc_url(f->m);
    static const uint8_t data[2] = {0xab, 0xcd};
    tk_eth_send_request r;
    tk_rpc_error e;
    uint64_t id = 5;

    tk_rpc_destroy(f->rpc);
    assert_int_equal(tk_rpc_options_default(&ro), TK_OK);
    ro.endpoints = &url;
    ro.n_endpoints = 1;
    ro.retries = 1;
    ro.backoff_ms = 1;
    ro.timeout_ms = 2000;
    assert_int_equal(tk_rpc_create(f->ctx, &f->rpc, &ro), TK_OK);
    mock_rpc_set_handler(f->m, lost_answer_handle, &f->fk);
    create(f);
    memset(&r, 0, sizeof r);
    r.to = &f->to;
    r.data = data;
    r.data_len = sizeof data;
    lost_once = 1;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_OK); /* tracked */
    assert_true(id != 0);
    assert_int_equal(f->fk.n_sent, 1);
    assert_true(f->fk.sent[0].tx.nonce == 7);
    assert_int_equal(outcome(f, id).state, TK_ETH_TX_PENDING);
    assert_int_equal(tk_rpc_last_error(f->rpc, &e), TK_OK);
    assert_int_equal(e.status, TK_ERR_RPC_TRANSPORT);
    assert_non_null(strstr(e.message, "nonce too low"));
    /* A node whose pending count lags: the next send still uses nonce 8. */
    f->fk.send_error = NULL;
    f->fk.pending = 7;
    r.data_len = 1;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_OK);
    assert_int_equal(f->fk.n_sent, 2);
    assert_true(f->fk.sent[1].tx.nonce == 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_id_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fees_gas_and_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_authority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_nonce_used_on_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hooked_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receipt_success_and_forget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replacement_bumps_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replacement_never_above_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_earlier_version_mined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_counted_before_receipt,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_count_lies_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_revert_replayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_failure_at_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_responses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_answer_then_refusal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

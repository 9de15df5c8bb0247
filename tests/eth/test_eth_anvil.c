/* SPDX-License-Identifier: MIT */
/* The eth layer against a real node: anvil with the test contracts, started
 * and always stopped by tools/chain/tkchain.py (`run -- test_eth_anvil`),
 * which passes TK_ANVIL_URL, TK_CHAIN_ID, TK_DEV_KEYS, TK_DEV_ACCOUNTS and
 * the contract addresses. Checks: chain id and block header; Controller,
 * RoundsManager and BondingManager reads through our ABI; a revert caught
 * by eth_estimateGas with its reason; a signed EIP-1559 transfer and a
 * fundDepositAndReserve mined and read back (deposit and reserve moved by
 * exactly the amounts); the same raw transaction sent twice is refused by
 * the node (one nonce, one transaction). */
#include "test_support.h"

#include "anvil_node.h"

#include "ticket/abi.h"
#include "ticket/eth_tx.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/rpc.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct fixture {
    tk_ctx *ctx;
    anvil_env e;
    tk_rpc *rpc;
    uint64_t chain_id;
    uint8_t keys[3][32];
    tk_address accounts[3];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tk_rpc_options o;

    assert_non_null(f);
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    assert_int_equal(tk_rpc_options_default(&o), TK_OK);
    anvil_env_load(&f->e);
    o.endpoints = &f->e.url;
    o.n_endpoints = 1;
    assert_int_equal(tk_rpc_create(f->ctx, &f->rpc, &o), TK_OK);
    f->chain_id = f->e.chain_id;
    memcpy(f->keys, f->e.keys, sizeof f->keys);
    memcpy(f->accounts, f->e.accounts, sizeof f->accounts);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tk_memzero(f->keys, sizeof f->keys);
    tk_memzero(f->e.keys, sizeof f->e.keys);
    tk_rpc_destroy(f->rpc);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* eth_call of selector(words) at `to`, latest block; the return data. */
static size_t call(fixture *f, uint8_t *out, size_t cap, const tk_address *to,
                   uint32_t sel, const tk_u256 *words, size_t n)
{
    uint8_t cd[4 + 32 * TK_ABI_CALL_WORDS_MAX];
    size_t cdlen = sizeof cd, len = cap;
    tk_rpc_call_args a = {NULL, to, NULL, cd, 0};

    assert_int_equal(tk_abi_encode_call(cd, &cdlen, sel, words, n), TK_OK);
    a.data_len = cdlen;
    assert_int_equal(tk_rpc_call(f->rpc, out, &len, &a, "latest", 0), TK_OK);
    return len;
}

static void test_chain_and_block(void **state)
{
    fixture *f = *state;
    uint64_t id = 0, n = 0;
    tk_rpc_block b;
    tk_address a;

    assert_int_equal(tk_rpc_chain_id(f->rpc, &id), TK_OK);
    assert_true(id == f->chain_id);
    assert_int_equal(tk_rpc_block_number(f->rpc, &n), TK_OK);
    assert_true(n > 0); /* the deployment mined blocks */
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "latest", 0), TK_OK);
    assert_true(b.number >= n);
    /* anvil is an L1: no l1BlockNumber, the fallback is the number. */
    assert_int_equal(b.has_l1_block_number, 0);
    assert_true(b.l1_block_number == b.number);
    assert_int_equal(b.has_base_fee, 1);
    assert_false(tk_hash_is_zero(&b.hash));
    /* Our keys are anvil's accounts. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tk_key_address(f->ctx, &a, f->keys[i]), TK_OK);
        assert_memory_equal(a.bytes, f->accounts[i].bytes, 20);
    }
}

static void test_contract_reads(void **state)
{
    fixture *f = *state;
    tk_address controller = f->e.controller;
    tk_address broker = f->e.broker;
    tk_address rounds = f->e.rounds;
    tk_address bonding = f->e.bonding;
    tk_address got;
    tk_u256 w[2];
    tk_hash id, bh;
    uint8_t out[256];
    uint64_t round = 0, last = 0, pool = 0;
    int init = 0, used = 1;
    tk_abi_sender_info si;
    size_t n;

    /* Controller.getContract(keccak256("TicketBroker")). */
    assert_int_equal(tk_keccak256(&id, "TicketBroker", 12), TK_OK);
    memcpy(w[0].bytes, id.bytes, 32);
    n = call(f, out, sizeof out, &controller, TK_ABI_SEL_GET_CONTRACT, w, 1);
    assert_int_equal(tk_abi_decode_address(&got, out, n), TK_OK);
    assert_memory_equal(got.bytes, broker.bytes, 20);

    n = call(f, out, sizeof out, &rounds, TK_ABI_SEL_CURRENT_ROUND, NULL, 0);
    assert_int_equal(tk_abi_decode_u64(&round, out, n), TK_OK);
    assert_true(round >= 1);
    n = call(f, out, sizeof out, &rounds, TK_ABI_SEL_LAST_INITIALIZED_ROUND,
             NULL, 0);
    assert_int_equal(tk_abi_decode_u64(&last, out, n), TK_OK);
    assert_true(last == round);
    n = call(f, out, sizeof out, &rounds, TK_ABI_SEL_CURRENT_ROUND_INITIALIZED,
             NULL, 0);
    assert_int_equal(tk_abi_decode_bool(&init, out, n), TK_OK);
    assert_int_equal(init, 1);
    assert_int_equal(tk_u256_from_u64(&w[0], round), TK_OK);
    n = call(f, out, sizeof out, &rounds, TK_ABI_SEL_BLOCK_HASH_FOR_ROUND,
             w, 1);
    assert_int_equal(tk_abi_decode_bytes32(&bh, out, n), TK_OK);
    assert_false(tk_hash_is_zero(&bh));
    n = call(f, out, sizeof out, &bonding, TK_ABI_SEL_GET_TRANSCODER_POOL_SIZE,
             NULL, 0);
    assert_int_equal(tk_abi_decode_u64(&pool, out, n), TK_OK);
    assert_true(pool == 1);

    /* A fresh account: no funds, no used ticket. */
    assert_int_equal(tk_abi_address_word(&w[0], &f->accounts[2]), TK_OK);
    n = call(f, out, sizeof out, &broker, TK_ABI_SEL_GET_SENDER_INFO, w, 1);
    assert_int_equal(tk_abi_decode_sender_info(&si, out, n), TK_OK);
    assert_true(tk_u256_is_zero(&si.deposit) &&
                tk_u256_is_zero(&si.funds_remaining));
    memset(w[0].bytes, 0x42, 32);
    n = call(f, out, sizeof out, &broker, TK_ABI_SEL_USED_TICKETS, w, 1);
    assert_int_equal(tk_abi_decode_bool(&used, out, n), TK_OK);
    assert_int_equal(used, 0);
}

static void test_revert_reason(void **state)
{
    fixture *f = *state;
    tk_address broker = f->e.broker;
    uint8_t cd[4];
    size_t cdlen = sizeof cd;
    uint64_t gas = 1;
    tk_rpc_error e;
    tk_rpc_call_args a = {&f->accounts[2], &broker, NULL, cd, 0};

    assert_int_equal(tk_abi_encode_call(cd, &cdlen, TK_ABI_SEL_WITHDRAW, NULL,
                                        0), TK_OK);
    a.data_len = cdlen;
    assert_int_equal(tk_rpc_estimate_gas(f->rpc, &gas, &a),
                     TK_ERR_RPC_REVERTED);
    assert_true(gas == 0);
    assert_int_equal(tk_rpc_last_error(f->rpc, &e), TK_OK);
    assert_int_equal(e.revert.kind, TK_ABI_REVERT_ERROR);
    assert_string_equal(e.revert.reason, "sender deposit and reserve are zero");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Sign and send tx from key k with fees from the node; wait for the
 * receipt (anvil automines). Returns the receipt. */
static tk_rpc_receipt send_and_wait(fixture *f, tk_eth_tx *tx, int k,
                                    uint8_t *raw, size_t *rawlen)
{
    tk_rpc_block b;
    tk_u256 tip;
    uint64_t base, t, nonce_after = 0;
    tk_hash h, sent;
    tk_rpc_receipt rc;
    int found = 0;

    tx->chain_id = f->chain_id;
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &tx->nonce,
                                              &f->accounts[k], 1), TK_OK);
    assert_int_equal(tk_rpc_get_block(f->rpc, &b, "latest", 0), TK_OK);
    assert_int_equal(tk_u256_to_u64(&base, &b.base_fee), TK_OK);
    assert_int_equal(tk_rpc_max_priority_fee(f->rpc, &tip), TK_OK);
    assert_int_equal(tk_u256_to_u64(&t, &tip), TK_OK);
    tx->max_priority_fee_per_gas = tip;
    /* The fee cap rule, without a configured maximum here. */
    assert_int_equal(tk_u256_from_u64(&tx->max_fee_per_gas, 2 * base + t),
                     TK_OK);
    assert_int_equal(tk_eth_tx_sign(f->ctx, raw, rawlen, &h, tx, f->keys[k]),
                     TK_OK);
    assert_int_equal(tk_rpc_send_raw_transaction(f->rpc, &sent, raw, *rawlen),
                     TK_OK);
    assert_memory_equal(sent.bytes, h.bytes, 32);
    for (int i = 0; i < 200 && !found; i++) {
        assert_int_equal(tk_rpc_get_receipt(f->rpc, &rc, &found, &h), TK_OK);
        if (!found)
            sleep_ms(25);
    }
    assert_int_equal(found, 1);
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &nonce_after,
                                              &f->accounts[k], 0), TK_OK);
    assert_true(nonce_after == tx->nonce + 1);
    return rc;
}

static void test_transfer(void **state)
{
    fixture *f = *state;
    tk_eth_tx tx;
    uint8_t raw[400];
    size_t rawlen = sizeof raw;
    tk_rpc_receipt rc;
    tk_hash again;
    tk_rpc_error e;

    memset(&tx, 0, sizeof tx);
    tx.gas_limit = 21000;
    tx.has_to = 1;
    tx.to = f->accounts[1];
    assert_int_equal(tk_u256_from_u64(&tx.value, 12345), TK_OK);
    rc = send_and_wait(f, &tx, 0, raw, &rawlen);
    assert_int_equal(rc.status, 1);
    assert_true(rc.gas_used == 21000);
    assert_true(rc.block_number > 0);
    /* The same signed bytes again: the node refuses (nonce used). */
    assert_int_equal(tk_rpc_send_raw_transaction(f->rpc, &again, raw, rawlen),
                     TK_ERR_RPC_ERROR);
    assert_int_equal(tk_rpc_last_error(f->rpc, &e), TK_OK);
    assert_true(e.message[0] != '\0');
}

static void test_fund_deposit_and_reserve(void **state)
{
    fixture *f = *state;
    tk_address broker = f->e.broker;
    tk_abi_sender_info before, after;
    tk_u256 w[2], dep, res, sum;
    uint8_t cd[68], out[128], raw[500];
    size_t cdlen = sizeof cd, rawlen = sizeof raw, n;
    uint64_t gas = 0;
    tk_eth_tx tx;
    tk_rpc_receipt rc;
    tk_rpc_call_args a = {&f->accounts[1], &broker, &sum, cd, 0};

    assert_int_equal(tk_abi_address_word(&w[0], &f->accounts[1]), TK_OK);
    n = call(f, out, sizeof out, &broker, TK_ABI_SEL_GET_SENDER_INFO, w, 1);
    assert_int_equal(tk_abi_decode_sender_info(&before, out, n), TK_OK);

    assert_int_equal(tk_u256_from_u64(&dep, 1000000), TK_OK);
    assert_int_equal(tk_u256_from_u64(&res, 2000000), TK_OK);
    assert_int_equal(tk_u256_from_u64(&sum, 3000000), TK_OK);
    w[0] = dep;
    w[1] = res;
    assert_int_equal(tk_abi_encode_call(cd, &cdlen,
                                        TK_ABI_SEL_FUND_DEPOSIT_AND_RESERVE,
                                        w, 2), TK_OK);
    a.data_len = cdlen;
    assert_int_equal(tk_rpc_estimate_gas(f->rpc, &gas, &a), TK_OK);
    assert_true(gas > 21000);

    memset(&tx, 0, sizeof tx);
    tx.gas_limit = gas + gas / 5;
    tx.has_to = 1;
    tx.to = broker;
    tx.value = sum;
    tx.data = cd;
    tx.data_len = cdlen;
    rc = send_and_wait(f, &tx, 1, raw, &rawlen);
    assert_int_equal(rc.status, 1);

    assert_int_equal(tk_abi_address_word(&w[0], &f->accounts[1]), TK_OK);
    n = call(f, out, sizeof out, &broker, TK_ABI_SEL_GET_SENDER_INFO, w, 1);
    assert_int_equal(tk_abi_decode_sender_info(&after, out, n), TK_OK);
    {
        uint64_t d0, d1, r0, r1;
        assert_int_equal(tk_u256_to_u64(&d0, &before.deposit), TK_OK);
        assert_int_equal(tk_u256_to_u64(&d1, &after.deposit), TK_OK);
        assert_int_equal(tk_u256_to_u64(&r0, &before.funds_remaining), TK_OK);
        assert_int_equal(tk_u256_to_u64(&r1, &after.funds_remaining), TK_OK);
        assert_true(d1 - d0 == 1000000);
        assert_true(r1 - r0 == 2000000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_and_block),
        cmocka_unit_test(test_contract_reads),
        cmocka_unit_test(test_revert_reason),
        cmocka_unit_test(test_transfer),
        cmocka_unit_test(test_fund_deposit_and_reserve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

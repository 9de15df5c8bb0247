/* SPDX-License-Identifier: MIT */
/* The transaction sender against a real node: anvil with the test
 * contracts, started and always stopped by tools/chain/tkchain.py (`run --
 * test_eth_sender_anvil`). Each test uses its own dev account. Checks:
 * a fundDepositAndReserve sent and mined (the deposit read back); an
 * estimate revert with its reason and no nonce used; a stuck transaction
 * (automine off) replaced with bumped fees and only one version mined,
 * also after the node dropped it from its pool; a transaction that
 * reverts at mining (the broker's state changed between the estimate and
 * the block, by anvil_setStorageAt) reported reverted with the reason
 * learned by the eth_call replay; a new sender object for the same
 * key continues after the pending nonce; many sends polled at once after
 * sending, each reported mined, never "nonce taken" (anvil serves the
 * account's count before the receipt now and then). Node controls (evm_setAutomine,
 * evm_mine, anvil_dropTransaction, anvil_setStorageAt) through anvil_node.c. */
#include "test_support.h"

#include "anvil_node.h"

#include "ticket/abi.h"
#include "ticket/eth_sender.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GWEI 1000000000ull

typedef struct fixture {
    tk_ctx *ctx;
    tk_rpc *rpc;
    tk_eth_sender *s;
    tk_eth_sender_options o;
    tk_address broker;
    uint8_t key[32];
    tk_address me;
} fixture;

/* A fixture for dev account `account`. */
static int setup_account(void **state, int account)
{
    fixture *f = calloc(1, sizeof *f);
    anvil_env e;
    tk_rpc_options ro;

    assert_non_null(f);
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    anvil_env_load(&e);
    assert_int_equal(tk_rpc_options_default(&ro), TK_OK);
    ro.endpoints = &e.url;
    ro.n_endpoints = 1;
    assert_int_equal(tk_rpc_create(f->ctx, &f->rpc, &ro), TK_OK);
    f->broker = e.broker;
    memcpy(f->key, e.keys[account], sizeof f->key);
    f->me = e.accounts[account];
    tk_memzero(e.keys, sizeof e.keys);
    assert_int_equal(tk_eth_sender_options_default(&f->o), TK_OK);
    f->o.chain_id = e.chain_id;
    assert_int_equal(tk_u256_from_u64(&f->o.max_gas_price, 500 * GWEI), TK_OK);
    *state = f;
    return 0;
}

static int setup3(void **state) { return setup_account(state, 3); }
static int setup4(void **state) { return setup_account(state, 4); }
static int setup5(void **state) { return setup_account(state, 5); }
static int setup6(void **state) { return setup_account(state, 6); }
static int setup7(void **state) { return setup_account(state, 7); }
static int setup8(void **state) { return setup_account(state, 8); }
static int setup9(void **state) { return setup_account(state, 9); }

/* A node control call (anvil / evm methods). */
static void node(fixture *f, const char *method, json_t *params)
{
    json_decref(anvil_raw(f->rpc, method, params));
}

static int teardown(void **state)
{
    fixture *f = *state;
    anvil_automine(f->rpc, 1); /* the next test starts with a mining node */
    tk_eth_sender_destroy(f->s);
    tk_rpc_destroy(f->rpc);
    tk_memzero(f->key, sizeof f->key);
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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Send selector(words) to the broker with value; the id. */
static uint64_t send_call(fixture *f, uint32_t sel, const tk_u256 *words,
                          size_t n, uint64_t value)
{
    uint8_t cd[4 + 32 * 2];
    size_t cdlen = sizeof cd;
    tk_eth_send_request r;
    uint64_t id = 0;

    assert_int_equal(tk_abi_encode_call(cd, &cdlen, sel, words, n), TK_OK);
    memset(&r, 0, sizeof r);
    r.to = &f->broker;
    assert_int_equal(tk_u256_from_u64(&r.value, value), TK_OK);
    r.data = cd;
    r.data_len = cdlen;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_OK);
    return id;
}

static uint64_t fund(fixture *f, uint64_t deposit, uint64_t reserve)
{
    tk_u256 w[2];
    assert_int_equal(tk_u256_from_u64(&w[0], deposit), TK_OK);
    assert_int_equal(tk_u256_from_u64(&w[1], reserve), TK_OK);
    return send_call(f, TK_ABI_SEL_FUND_DEPOSIT_AND_RESERVE, w, 2,
                     deposit + reserve);
}

/* A plain transfer of 1 wei to the broker's neighbour (no code). */
static uint64_t transfer(fixture *f)
{
    tk_eth_send_request r;
    tk_address to;
    uint64_t id = 0;

    memset(&r, 0, sizeof r);
    memset(to.bytes, 0x42, sizeof to.bytes);
    r.to = &to;
    assert_int_equal(tk_u256_from_u64(&r.value, 1), TK_OK);
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_OK);
    return id;
}

static tk_eth_tx_outcome wait_final(fixture *f, uint64_t id)
{
    tk_eth_tx_outcome o;
    assert_int_equal(tk_eth_sender_wait(f->s, id, 20000, 50, &o), TK_OK);
    return o;
}

static uint64_t deposit_of(fixture *f)
{
    tk_abi_sender_info si = anvil_sender_info(f->rpc, &f->broker, &f->me);
    uint64_t v = 0;
    assert_int_equal(tk_u256_to_u64(&v, &si.deposit), TK_OK);
    return v;
}

static uint64_t withdraw_round_of(fixture *f)
{
    tk_abi_sender_info si = anvil_sender_info(f->rpc, &f->broker, &f->me);
    uint64_t v = 0;
    assert_int_equal(tk_u256_to_u64(&v, &si.withdraw_round), TK_OK);
    return v;
}

static int mined(fixture *f, const tk_hash *h)
{
    tk_rpc_receipt rc;
    int found = 0;
    assert_int_equal(tk_rpc_get_receipt(f->rpc, &rc, &found, h), TK_OK);
    return found;
}

static void test_send_mined(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    uint64_t d0, id;

    create(f);
    d0 = deposit_of(f);
    id = fund(f, 1000000, 2000000);
    o = wait_final(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_int_equal(o.receipt.status, 1);
    assert_true(o.receipt.gas_used < o.gas_limit);
    assert_memory_equal(&o.receipt.tx_hash, &o.hashes[0], sizeof(tk_hash));
    assert_true(deposit_of(f) - d0 == 1000000);
    {
        /* The effective price paid is within the fee cap. */
        assert_true(tk_u256_cmp(&o.receipt.effective_gas_price, &o.fee_cap) <=
                    0);
    }
    assert_int_equal(tk_eth_sender_forget(f->s, id), TK_OK);
}

static void test_estimate_revert_uses_no_nonce(void **state)
{
    fixture *f = *state;
    uint8_t cd[4];
    size_t cdlen = sizeof cd;
    tk_eth_send_request r;
    tk_rpc_error e;
    uint64_t id = 1, before = 0, after = 0;
    tk_eth_tx_outcome o;

    create(f);
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &before, &f->me, 1),
                     TK_OK);
    assert_int_equal(tk_abi_encode_call(cd, &cdlen, TK_ABI_SEL_CANCEL_UNLOCK,
                                        NULL, 0), TK_OK);
    memset(&r, 0, sizeof r);
    r.to = &f->broker;
    r.data = cd;
    r.data_len = cdlen;
    assert_int_equal(tk_eth_sender_send(f->s, &id, &r), TK_ERR_RPC_REVERTED);
    assert_true(id == 0);
    assert_int_equal(tk_rpc_last_error(f->rpc, &e), TK_OK);
    assert_int_equal(e.revert.kind, TK_ABI_REVERT_ERROR);
    assert_string_equal(e.revert.reason, "no unlock request in progress");
    assert_int_equal(tk_rpc_transaction_count(f->rpc, &after, &f->me, 1),
                     TK_OK);
    assert_true(after == before);
    /* The next transaction takes that very nonce. */
    id = transfer(f);
    o = wait_final(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_true(o.nonce == before);
}

static void hash_hex(char *out, const tk_hash *h)
{
    assert_int_equal(tk_hex_encode(out, 70, h->bytes, 32), TK_OK);
}

/* Poll until the transaction has n versions (at most ~3 s). */
static tk_eth_tx_outcome until_versions(fixture *f, uint64_t id, size_t n)
{
    tk_eth_tx_outcome o;
    for (int k = 0; k < 60; k++) {
        assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
        assert_int_equal(tk_eth_sender_outcome(f->s, id, &o), TK_OK);
        if (o.n_hashes >= n)
            return o;
        sleep_ms(50);
    }
    fail_msg("no replacement was sent");
    return o;
}

/* Automine off: the transaction sits in the pool (or is dropped from it:
 * drop = 1); after replace_after_ms the sender replaces it (same nonce,
 * fees bumped); one block mines the replacement and the first version
 * never is. */
static void stuck_replaced(fixture *f, int drop)
{
    tk_eth_tx_outcome o0, o;
    uint64_t id, t0, c0, t1, c1;

    f->o.replace_after_blocks = 0;
    f->o.replace_after_ms = 300;
    create(f);
    anvil_automine(f->rpc, 0);
    id = transfer(f);
    assert_int_equal(tk_eth_sender_outcome(f->s, id, &o0), TK_OK);
    if (drop) {
        char h[70];
        hash_hex(h, &o0.hashes[0]);
        node(f, "anvil_dropTransaction", json_pack("[s]", h));
    }
    /* Not yet stuck: no replacement. */
    assert_int_equal(tk_eth_sender_poll(f->s, NULL), TK_OK);
    assert_int_equal(tk_eth_sender_outcome(f->s, id, &o), TK_OK);
    assert_int_equal(o.n_hashes, 1);
    o = until_versions(f, id, 2);
    assert_true(o.nonce == o0.nonce);
    assert_int_equal(o.failure, TK_OK);
    assert_int_equal(tk_u256_to_u64(&t0, &o0.tip), TK_OK);
    assert_int_equal(tk_u256_to_u64(&c0, &o0.fee_cap), TK_OK);
    assert_int_equal(tk_u256_to_u64(&t1, &o.tip), TK_OK);
    assert_int_equal(tk_u256_to_u64(&c1, &o.fee_cap), TK_OK);
    assert_true(t1 >= t0 + (t0 + 7) / 8);
    assert_true(c1 >= c0 + (c0 + 7) / 8);
    assert_true(c1 <= 500 * GWEI);
    anvil_mine(f->rpc, 1);
    o = wait_final(f, id);
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    assert_memory_equal(&o.tx_hash, &o.hashes[1], sizeof(tk_hash));
    assert_false(mined(f, &o.hashes[0]));
}

static void test_stuck_replaced(void **state)
{
    stuck_replaced(*state, 0);
}

static void test_dropped_replaced(void **state)
{
    stuck_replaced(*state, 1);
}

/* The storage slot of senders[who].withdrawRound in the test
 * TicketBroker: controller (slot 0), unlockPeriod (1),
 * ticketValidityPeriod (2), usedTickets (3), senders (4); a struct's
 * second field is at keccak(key . slot) + 1. Checked below by reading
 * getSenderInfo back. */
static void withdraw_round_slot(char *out, const tk_address *who)
{
    uint8_t pre[64];
    tk_hash h;

    memset(pre, 0, sizeof pre);
    memcpy(pre + 12, who->bytes, 20);
    pre[63] = 4;
    assert_int_equal(tk_keccak256(&h, pre, sizeof pre), TK_OK);
    for (int i = 31; i >= 0 && ++h.bytes[i] == 0; i--)
        ;
    hash_hex(out, &h);
}

/* unlock() passes its estimate, then the state changes before it is
 * mined (an unlock under way: the broker's storage is set, as a
 * competing transaction would): it reverts at mining. The sender replays
 * it at its block and reports the reason. */
static void test_reverted_at_mining(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome o;
    char slot[70], broker_hex[43];
    uint64_t id;

    create(f);
    o = wait_final(f, fund(f, 1000, 0));
    assert_int_equal(o.state, TK_ETH_TX_SUCCEEDED);
    anvil_automine(f->rpc, 0);
    id = send_call(f, TK_ABI_SEL_UNLOCK, NULL, 0, 0);
    withdraw_round_slot(slot, &f->me);
    assert_int_equal(tk_hex_encode(broker_hex, sizeof broker_hex,
                                   f->broker.bytes, 20), TK_OK);
    node(f, "anvil_setStorageAt",
         json_pack("[s,s,s]", broker_hex, slot,
                   "0x0000000000000000000000000000000000000000000000000000000000000063"));
    assert_true(withdraw_round_of(f) == 99);
    anvil_mine(f->rpc, 1);
    o = wait_final(f, id);
    assert_int_equal(o.state, TK_ETH_TX_REVERTED);
    assert_int_equal(o.receipt.status, 0);
    assert_true(o.has_revert);
    assert_int_equal(o.revert.kind, TK_ABI_REVERT_ERROR);
    assert_string_equal(o.revert.reason, "unlock already initiated");
    assert_false(o.out_of_gas);
    assert_true(withdraw_round_of(f) == 99); /* the unlock had no effect */
}

/* A new sender object for the same key continues after the nonce its
 * predecessor left pending. */
static void test_restart_keeps_nonce(void **state)
{
    fixture *f = *state;
    tk_eth_tx_outcome a, b;
    uint64_t id;

    create(f);
    anvil_automine(f->rpc, 0);
    id = transfer(f);
    assert_int_equal(tk_eth_sender_outcome(f->s, id, &a), TK_OK);
    create(f); /* the old object is gone, its transaction is pending */
    id = transfer(f);
    assert_int_equal(tk_eth_sender_outcome(f->s, id, &b), TK_OK);
    assert_true(b.nonce == a.nonce + 1);
    anvil_mine(f->rpc, 1);
    b = wait_final(f, id);
    assert_int_equal(b.state, TK_ETH_TX_SUCCEEDED);
    assert_true(mined(f, &a.hashes[0]));
}

/* Each transfer polled right after it was sent (interval 1 ms): the
 * first poll often meets a count that already includes our nonce while
 * the receipt is not served yet. Every one must end SUCCEEDED with its own
 * hash: a FAILED here is our own mined transaction called lost. */
static void test_many_sends_none_taken(void **state)
{
    enum { SENDS = 200 };
    fixture *f = *state;
    tk_eth_tx_outcome o;
    size_t succeeded = 0, failed = 0;

    create(f);
    for (int i = 0; i < SENDS; i++) {
        uint64_t id = transfer(f);
        assert_int_equal(tk_eth_sender_wait(f->s, id, 20000, 1, &o), TK_OK);
        succeeded += o.state == TK_ETH_TX_SUCCEEDED &&
                     memcmp(&o.tx_hash, &o.hashes[0], sizeof o.tx_hash) == 0;
        failed += o.state == TK_ETH_TX_FAILED;
        assert_int_equal(tk_eth_sender_forget(f->s, id), TK_OK);
    }
    if (failed != 0 || succeeded != SENDS)
        fail_msg("%d sends: %zu succeeded, %zu called nonce taken", SENDS,
                 succeeded, failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_mined, setup3, teardown),
        cmocka_unit_test_setup_teardown(test_estimate_revert_uses_no_nonce,
                                        setup4, teardown),
        cmocka_unit_test_setup_teardown(test_stuck_replaced, setup5, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_replaced, setup6, teardown),
        cmocka_unit_test_setup_teardown(test_reverted_at_mining, setup7,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_nonce, setup8,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_many_sends_none_taken, setup9,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* The chain view over RPC against a real node: anvil with the test
 * contracts (tools/chain/tkchain.py run). The view's cache is checked
 * against direct reads; a sender funded on-chain pays a tk_recipient
 * validated against the view, and the client's request counter must not
 * move while payments (all winners, stored) are received; a top-up mined
 * later is seen after exactly one refresh. With TK_BENCH_PAYMENTS=N it is
 * also the RPC-calls-per-payment bench (docs/PERFORMANCE.md): it prints
 * requests per payment and the time per payment against the same
 * recipient over an in-memory chain, in the same run. */
#include "rcpt_fixture.h"
#include "receive_util.h"

#include "anvil_node.h"
#include "ticket/abi.h"
#include "ticket/chain_rpc.h"
#include "ticket/eth_redeem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICKETS 5
#define ETH 1000000000000000000u

typedef struct rig {
    anvil_env env;
    fixture fx;
    tk_rpc *rpc;           /* direct reads and funding */
    tk_chain_rpc *view;
} rig;

static int setup(void **state)
{
    rig *g = calloc(1, sizeof *g);
    tk_chain_rpc_options o;
    tk_chain ch;
    tk_store st;

    assert_non_null(g);
    anvil_env_load(&g->env);
    /* Face value == EV: every ticket wins. The sender is dev account 1,
     * the recipient dev account 2. */
    fx_init_always_win(&g->fx);
    memcpy(g->fx.sender_key, g->env.keys[1], 32);
    g->fx.sender = g->env.accounts[1];
    g->fx.cfg.address = g->env.accounts[2];
    g->rpc = anvil_rpc(g->fx.ctx, &g->env.url, 1);
    assert_int_equal(tk_chain_rpc_options_default(&o), TK_OK);
    o.rpc.endpoints = &g->env.url;
    o.rpc.n_endpoints = 1;
    o.has_controller = 1;
    o.controller = g->env.controller;
    o.recipient = g->fx.cfg.address;
    assert_int_equal(tk_chain_rpc_create(g->fx.ctx, &g->view, &o), TK_OK);
    assert_int_equal(tk_chain_rpc_iface(g->view, &ch), TK_OK);
    st = fx_store_iface(&g->fx.store);
    tk_recipient_destroy(g->fx.r);
    g->fx.r = NULL;
    assert_int_equal(tk_recipient_create(g->fx.ctx, &g->fx.r, &g->fx.cfg,
                                         g->fx.secret, &ch, &st), TK_OK);
    *state = g;
    return 0;
}

static int teardown(void **state)
{
    rig *g = *state;
    tk_rpc_destroy(g->rpc);
    fx_free(&g->fx);
    tk_chain_rpc_destroy(g->view);
    tk_memzero(g->env.keys, sizeof g->env.keys);
    free(g);
    return 0;
}

static uint64_t u64(const tk_u256 *x)
{
    uint64_t v = 0;
    assert_int_equal(tk_u256_to_u64(&v, x), TK_OK);
    return v;
}

/* A direct eth_call at "latest" of sel(words) (independent of the view). */
static size_t direct(rig *g, uint8_t *out, size_t cap, const tk_address *to,
                     uint32_t sel, const tk_u256 *w, size_t n)
{
    uint8_t cd[4 + 64];
    size_t cdlen = sizeof cd, len = cap;
    tk_rpc_call_args a = {NULL, to, NULL, cd, 0};

    assert_int_equal(tk_abi_encode_call(cd, &cdlen, sel, w, n), TK_OK);
    a.data_len = cdlen;
    assert_int_equal(tk_rpc_call(g->rpc, out, &len, &a, "latest", 0),
                     TK_OK);
    return len;
}

static void test_view_matches_chain(void **state)
{
    rig *g = *state;
    tk_chain_rpc_info info;
    uint8_t out[128];
    uint64_t block = 0, round = 0;
    tk_u256 gas, w;
    tk_hash h;
    int refreshed = 0;

    assert_int_equal(tk_chain_rpc_poll(g->view, &refreshed), TK_OK);
    assert_int_equal(refreshed, 1);
    assert_int_equal(tk_chain_rpc_info_get(g->view, &info), TK_OK);
    /* No transaction since: the chain has not moved. */
    assert_int_equal(tk_rpc_block_number(g->rpc, &block), TK_OK);
    assert_true(info.block == block && info.l1_block == block);
    assert_int_equal(info.has_l1_block_number, 0);
    assert_memory_equal(info.ticket_broker.bytes,
                        g->env.broker.bytes, 20);
    assert_memory_equal(info.rounds_manager.bytes,
                        g->env.rounds.bytes, 20);
    assert_memory_equal(info.bonding_manager.bytes,
                        g->env.bonding.bytes, 20);
    assert_int_equal(tk_abi_decode_u64(&round, out,
                                       direct(g, out, sizeof out,
                                              &g->env.rounds,
                                              TK_ABI_SEL_CURRENT_ROUND, NULL,
                                              0)), TK_OK);
    assert_true(info.rounds.current_round == (int64_t)round);
    assert_true(info.rounds.last_initialized_round == (int64_t)round);
    assert_int_equal(info.rounds.current_round_initialized, 1);
    assert_int_equal(tk_u256_from_u64(&w, round), TK_OK);
    assert_int_equal(tk_abi_decode_bytes32(&h, out,
                                           direct(g, out, sizeof out,
                                                  &g->env.rounds,
                                                  TK_ABI_SEL_BLOCK_HASH_FOR_ROUND,
                                                  &w, 1)), TK_OK);
    assert_false(tk_hash_is_zero(&h));
    assert_memory_equal(info.rounds.last_initialized_block_hash.bytes, h.bytes,
                        32);
    assert_true(info.pool_size == 1);
    assert_int_equal(tk_rpc_gas_price(g->rpc, &gas), TK_OK);
    assert_memory_equal(info.gas_price.bytes, gas.bytes, 32);
}

/* fundDepositAndReserve from dev account 1 (the sender), mined. */
static void fund(rig *g, uint64_t deposit, uint64_t reserve)
{
    tk_eth_sender_options o;
    tk_eth_sender *s = NULL;
    tk_eth_tx_outcome oc;
    tk_u256 d, r;

    assert_int_equal(tk_eth_sender_options_default(&o), TK_OK);
    o.chain_id = g->env.chain_id;
    assert_int_equal(tk_u256_from_u64(&o.max_gas_price, 500000000000u), TK_OK);
    assert_int_equal(tk_eth_sender_create(g->fx.ctx, &s, g->rpc, &o,
                                          g->env.keys[1]), TK_OK);
    assert_int_equal(tk_u256_from_u64(&d, deposit), TK_OK);
    assert_int_equal(tk_u256_from_u64(&r, reserve), TK_OK);
    assert_int_equal(tk_eth_broker_fund(s, g->rpc, &oc, &g->env.broker, &d, &r,
                                        30000), TK_OK);
    assert_int_equal(oc.receipt.status, 1);
    tk_eth_sender_destroy(s);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n payments of TICKETS tickets from fx's sender to r; seconds taken. */
static double pay(rig *g, tk_recipient *r, uint32_t first, size_t n)
{
    tk_ticket_params params;
    tk_price price;
    tk_ticket_result res[TICKETS];
    tk_receive_summary sum;
    tk_payment *p = calloc(n, sizeof *p);
    double t0;

    assert_non_null(p);
    fx_u256(&price.num, 1);
    fx_u256(&price.den, 1);
    assert_int_equal(tk_recipient_params(r, &params, &g->fx.sender, &price),
                     TK_OK);
    for (size_t i = 0; i < n; i++)
        fx_pay(&g->fx, &p[i], &params, first + (uint32_t)(i * TICKETS),
               TICKETS);
    t0 = now();
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tk_recipient_receive(r, res, TICKETS, &sum, NULL,
                                              &p[i], NULL), TK_OK);
        if (sum.accepted != TICKETS)
            fail_msg("payment %zu: ticket status %s", i,
                     tk_status_name(res[0].status));
        assert_int_equal(sum.winners, TICKETS);
    }
    t0 = now() - t0;
    for (size_t i = 0; i < n; i++)
        tk_payment_clear(&p[i]);
    free(p);
    return t0;
}

/* A recipient over the fixture's in-memory chain (same secret, address
 * and store) for the time comparison. Its chain says what the view says:
 * the store's block mark is shared, so it must not run ahead. */
static tk_recipient *mem_recipient(rig *g)
{
    tk_chain ch = fx_chain_iface(&g->fx.chain);
    tk_store st = fx_store_iface(&g->fx.store);
    tk_recipient *r = NULL;
    tk_chain_rpc_info info;

    assert_int_equal(tk_chain_rpc_info_get(g->view, &info), TK_OK);
    g->fx.chain.last_block = info.l1_block;
    g->fx.chain.rounds = info.rounds;
    g->fx.chain.pool_size = info.pool_size;
    g->fx.chain.gas_price = info.gas_price;

    assert_int_equal(tk_recipient_create(g->fx.ctx, &r, &g->fx.cfg,
                                         g->fx.secret, &ch, &st), TK_OK);
    return r;
}

static void test_payments_zero_rpc(void **state)
{
    rig *g = *state;
    const char *bench = getenv("TK_BENCH_PAYMENTS");
    size_t n = bench != NULL ? strtoul(bench, NULL, 10) : 20, before;
    tk_rpc_stats s0, s1;
    tk_sender_funds funds;
    tk_recipient *mem;
    tk_chain ch;
    int refreshed = 0;
    double t_view = 0, t_mem = 0;
    /* Every ticket wins 1e15 wei: the deposit covers them all. The mark
     * of 100 payments: one params set takes 600 nonces at most. */
    uint64_t deposit = ETH + (uint64_t)n * TICKETS * 1000000000000000u;

    /* One params set per recipient (same block): at most 600 tickets. */
    assert_true(n > 0 && n <= 100);
    fund(g, deposit, ETH);
    assert_int_equal(tk_chain_rpc_watch(g->view, &g->fx.sender), TK_OK);
    assert_int_equal(tk_chain_rpc_poll(g->view, &refreshed), TK_OK);
    assert_int_equal(refreshed, 1);
    assert_int_equal(tk_chain_rpc_iface(g->view, &ch), TK_OK);
    assert_int_equal(ch.sender_funds(ch.self, &g->fx.sender, &funds), TK_OK);
    assert_true(u64(&funds.deposit) == deposit);
    assert_true(u64(&funds.reserve_funds_remaining) == ETH);

    /* Half the payments over the view, half over the in-memory chain,
     * alternating, so that both see the same store and machine state. */
    mem = mem_recipient(g);
    assert_int_equal(tk_chain_rpc_stats(g->view, &s0), TK_OK);
    before = stored_winners(&g->fx);
    for (uint32_t half = 0; half < 2; half++) {
        /* Same params both halves (same block): fresh nonces. */
        uint32_t first = half * (uint32_t)((n + 1) / 2) * TICKETS;
        t_view += pay(g, g->fx.r, first, (n + 1) / 2);
        t_mem += pay(g, mem, first, (n + 1) / 2);
    }
    tk_recipient_destroy(mem);
    assert_int_equal(tk_chain_rpc_stats(g->view, &s1), TK_OK);
    assert_memory_equal(&s0, &s1, sizeof s0);
    assert_int_equal(stored_winners(&g->fx) - before, 4 * ((n + 1) / 2) * TICKETS);
    n = 2 * ((n + 1) / 2); /* payments over the view */
    printf("chain_rpc receive: %zu payments x %d tickets, %llu RPC requests "
           "(%.3f per payment); %.1f us per payment over the RPC view, "
           "%.1f us over an in-memory chain (ratio %.3f)\n",
           n, TICKETS, (unsigned long long)(s1.requests - s0.requests),
           (double)(s1.requests - s0.requests) / (double)n,
           t_view / (double)n * 1e6, t_mem / (double)n * 1e6, t_view / t_mem);

    /* A top-up is mined: one refresh sees exactly it; a second poll at
     * the same block is one request. */
    fund(g, ETH / 2, 0);
    assert_int_equal(tk_chain_rpc_poll(g->view, &refreshed), TK_OK);
    assert_int_equal(refreshed, 1);
    assert_int_equal(ch.sender_funds(ch.self, &g->fx.sender, &funds), TK_OK);
    assert_true(u64(&funds.deposit) == deposit + ETH / 2);
    assert_int_equal(tk_chain_rpc_stats(g->view, &s0), TK_OK);
    assert_int_equal(tk_chain_rpc_poll(g->view, &refreshed), TK_OK);
    assert_int_equal(refreshed, 0);
    assert_int_equal(tk_chain_rpc_stats(g->view, &s1), TK_OK);
    assert_true(s1.requests - s0.requests == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_view_matches_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payments_zero_rpc, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

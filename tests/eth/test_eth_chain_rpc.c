/* SPDX-License-Identifier: MIT */
/* The chain view over RPC (chain_rpc.h) against a fake node (fake_node.c
 * behind mock_rpc, 127.0.0.1): every field read and pinned to the header's
 * block, contracts from the Controller, one request per poll while the
 * block does not move, the block never moving back when the endpoint lies
 * once, l1BlockNumber vs number, gas clamps, every malformed answer failing
 * the poll with the previous cache kept whole, unknown senders (registered,
 * fetched by the next poll, bounded), staleness, usedTickets on demand, and
 * misuse. Request counts come from the server (independent of the client's
 * own counter, which is checked to agree). */
#include "test_support.h"

#include "fake_node.h"
#include "ticket/chain_rpc.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct fixture {
    tk_ctx *ctx;
    mock_rpc *m;
    fake_node node;
    tk_chain_rpc *view;
    tk_chain chain;
    tk_address alice, bob;
} fixture;

static tk_chain_rpc_options options(fixture *f, const char **url)
{
    tk_chain_rpc_options o;

    assert_int_equal(tk_chain_rpc_options_default(&o), TK_OK);
    *url = mock_rpc_url(f->m);
    o.rpc.endpoints = url;
    o.rpc.n_endpoints = 1;
    o.rpc.retries = 0;
    o.rpc.timeout_ms = 2000;
    o.has_controller = 1;
    o.controller = f->node.controller;
    o.recipient = f->node.recipient;
    return o;
}

static void create_with(fixture *f, const tk_chain_rpc_options *o)
{
    tk_chain_rpc_destroy(f->view);
    f->view = NULL;
    assert_int_equal(tk_chain_rpc_create(f->ctx, &f->view, o), TK_OK);
    assert_int_equal(tk_chain_rpc_iface(f->view, &f->chain), TK_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tk_chain_rpc_options o;
    const char *url;
    fake_sender *s;

    assert_non_null(f);
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    fake_node_init(&f->node);
    f->m = mock_rpc_start();
    fake_node_attach(&f->node, f->m);
    memset(f->alice.bytes, 0x0a, 20);
    memset(f->bob.bytes, 0x0b, 20);
    s = fake_node_add_sender(&f->node, &f->alice, 5000, 3000);
    s->claimed = 7;
    (void)tk_u256_from_u64(&s->funds.reserve_claimed_in_current_round, 11);
    fake_node_add_sender(&f->node, &f->bob, 100, 0);
    o = options(f, &url);
    create_with(f, &o);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_destroy(f->view);
    mock_rpc_stop(f->m);
    fake_node_free(&f->node);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

static uint64_t u64_of(const tk_u256 *x)
{
    uint64_t v = 0;
    assert_int_equal(tk_u256_to_u64(&v, x), TK_OK);
    return v;
}

/* Requests the server saw across a poll; the client's counter agrees. */
static size_t poll_counting(fixture *f, tk_status want, int want_refreshed)
{
    size_t before = mock_rpc_count(f->m);
    tk_rpc_stats s0, s1;
    int refreshed = -1;

    assert_int_equal(tk_chain_rpc_stats(f->view, &s0), TK_OK);
    assert_int_equal(tk_chain_rpc_poll(f->view, &refreshed), want);
    assert_int_equal(tk_chain_rpc_stats(f->view, &s1), TK_OK);
    if (want == TK_OK)
        assert_int_equal(refreshed, want_refreshed);
    else
        assert_int_equal(refreshed, 0);
    assert_true(s1.http_attempts - s0.http_attempts ==
                mock_rpc_count(f->m) - before);
    return mock_rpc_count(f->m) - before;
}

static void set_block(fixture *f, uint64_t b)
{
    pthread_mutex_lock(&f->node.mu);
    f->node.block = b;
    pthread_mutex_unlock(&f->node.mu);
}

/* The whole cache as the callbacks serve it, for before/after checks. */
typedef struct snapshot {
    uint64_t last_block, pool;
    tk_round_info rounds;
    tk_sender_funds alice;
    tk_u256 claimed, gas;
} snapshot;

static snapshot snap(fixture *f)
{
    snapshot s;
    memset(&s, 0, sizeof s);
    assert_int_equal(f->chain.last_block(f->chain.self, &s.last_block), TK_OK);
    assert_int_equal(f->chain.rounds(f->chain.self, &s.rounds), TK_OK);
    assert_int_equal(f->chain.pool_size(f->chain.self, &s.pool), TK_OK);
    assert_int_equal(f->chain.gas_price(f->chain.self, &s.gas), TK_OK);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->alice, &s.alice),
                     TK_OK);
    assert_int_equal(f->chain.claimed_reserve(f->chain.self, &f->alice,
                                              &f->node.recipient, &s.claimed),
                     TK_OK);
    return s;
}

static void test_poll_reads_everything(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_info info;
    snapshot s;
    tk_hash h;
    size_t n;

    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    /* 3 getContract + header + 5 rounds + pool + gas + 2 for alice. */
    n = poll_counting(f, TK_OK, 1);
    assert_int_equal(n, 3 + 1 + 5 + 1 + 1 + 2);
    assert_int_equal(f->node.wrong_calls, 0);
    s = snap(f);
    assert_true(s.last_block == 1000);
    assert_true(s.rounds.current_round == 10 && s.rounds.last_initialized_round == 10);
    assert_int_equal(s.rounds.current_round_initialized, 1);
    fake_round_hash(&h, 10);
    assert_memory_equal(s.rounds.last_initialized_block_hash.bytes, h.bytes, 32);
    assert_true(s.rounds.previous_round == 9);
    fake_round_hash(&h, 9);
    assert_memory_equal(s.rounds.previous_block_hash.bytes, h.bytes, 32);
    assert_true(s.pool == 1);
    assert_true(u64_of(&s.gas) == 1000000000u);
    assert_true(u64_of(&s.alice.deposit) == 5000);
    assert_true(u64_of(&s.alice.reserve_funds_remaining) == 3000);
    assert_true(u64_of(&s.alice.reserve_claimed_in_current_round) == 11);
    assert_true(tk_u256_is_zero(&s.alice.withdraw_round));
    assert_true(u64_of(&s.claimed) == 7);
    assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
    assert_int_equal(info.valid, 1);
    assert_memory_equal(info.ticket_broker.bytes, f->node.broker.bytes, 20);
    assert_memory_equal(info.rounds_manager.bytes, f->node.rounds.bytes, 20);
    assert_memory_equal(info.bonding_manager.bytes, f->node.bonding.bytes, 20);
    assert_true(info.senders == 1 && info.polls == 1 && info.refreshes == 1);
}

static void test_once_per_block(void **state)
{
    fixture *f = *state;
    snapshot a, b;

    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->bob), TK_OK);
    (void)poll_counting(f, TK_OK, 1);
    a = snap(f);
    /* The chain changes but not the block: a poll reads the header only. */
    pthread_mutex_lock(&f->node.mu);
    f->node.pool_size = 5;
    (void)tk_u256_from_u64(&f->node.senders[0].funds.deposit, 1);
    pthread_mutex_unlock(&f->node.mu);
    for (int i = 0; i < 3; i++)
        assert_int_equal(poll_counting(f, TK_OK, 0), 1);
    b = snap(f);
    assert_memory_equal(&a, &b, sizeof a);
    /* A new block: everything again, contracts not resolved again. */
    set_block(f, 1001);
    assert_int_equal(poll_counting(f, TK_OK, 1), 1 + 5 + 1 + 1 + 2 * 2);
    b = snap(f);
    assert_true(b.last_block == 1001 && b.pool == 5);
    assert_true(u64_of(&b.alice.deposit) == 1);
    assert_int_equal(f->node.wrong_calls, 0);
}

static void test_block_never_moves_back(void **state)
{
    fixture *f = *state;
    snapshot a, b;

    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    set_block(f, 2000);
    (void)poll_counting(f, TK_OK, 1);
    a = snap(f);
    /* The endpoint lies once: an older block with another state. */
    pthread_mutex_lock(&f->node.mu);
    f->node.block = 1990;
    f->node.last_round = 9;
    f->node.pool_size = 9;
    pthread_mutex_unlock(&f->node.mu);
    assert_int_equal(poll_counting(f, TK_OK, 0), 1);
    b = snap(f);
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(b.last_block == 2000);
    /* A sender registered meanwhile is not read from the lagging endpoint
     * (it may not have block 2000); the fake node counts a read at another
     * block than its header's as wrong. */
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->bob), TK_OK);
    assert_int_equal(poll_counting(f, TK_OK, 0), 1);
    assert_int_equal(f->node.wrong_calls, 0);
    /* Then it recovers past the old mark. */
    pthread_mutex_lock(&f->node.mu);
    f->node.block = 2001;
    f->node.last_round = 10;
    pthread_mutex_unlock(&f->node.mu);
    assert_int_equal(poll_counting(f, TK_OK, 1), 1 + 7 + 2 * 2);
    b = snap(f);
    assert_true(b.last_block == 2001 && b.pool == 9);
    assert_int_equal(f->node.wrong_calls, 0);
}

static void test_l1_block_number(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_info info;
    uint64_t b = 0;

    pthread_mutex_lock(&f->node.mu);
    f->node.has_l1 = 1;
    f->node.block = 500000;
    f->node.l1_block = 1234;
    pthread_mutex_unlock(&f->node.mu);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_OK);
    assert_true(b == 1234);
    assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
    assert_true(info.block == 500000 && info.l1_block == 1234);
    assert_int_equal(info.has_l1_block_number, 1);
    /* L2 moves on, the L1 number lies once lower: last_block holds. */
    pthread_mutex_lock(&f->node.mu);
    f->node.block = 500001;
    f->node.l1_block = 1200;
    pthread_mutex_unlock(&f->node.mu);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_OK);
    assert_true(b == 1234);
    pthread_mutex_lock(&f->node.mu);
    f->node.block = 500002;
    f->node.l1_block = 1235;
    pthread_mutex_unlock(&f->node.mu);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_OK);
    assert_true(b == 1235);
    /* Without the field (L1, anvil): the number itself. */
    pthread_mutex_lock(&f->node.mu);
    f->node.has_l1 = 0;
    f->node.block = 500003;
    pthread_mutex_unlock(&f->node.mu);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_OK);
    assert_true(b == 500003);
}

static void test_gas_clamps(void **state)
{
    fixture *f = *state;
    static const struct {
        uint64_t node, want;
    } cases[] = {{5, 100}, {100, 100}, {150, 150}, {200, 200}, {201, 200},
                 {1000000000000u, 200}};
    tk_chain_rpc_options o;
    const char *url;
    tk_chain_rpc_info info;
    tk_u256 g;

    o = options(f, &url);
    (void)tk_u256_from_u64(&o.min_gas_price, 100);
    (void)tk_u256_from_u64(&o.max_gas_price, 200);
    create_with(f, &o);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pthread_mutex_lock(&f->node.mu);
        f->node.gas_price = cases[i].node;
        f->node.block++;
        pthread_mutex_unlock(&f->node.mu);
        (void)poll_counting(f, TK_OK, 1);
        assert_int_equal(f->chain.gas_price(f->chain.self, &g), TK_OK);
        assert_true(u64_of(&g) == cases[i].want);
        assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
        assert_true(u64_of(&info.gas_price_node) == cases[i].node);
    }
    /* Only a floor (max 0): no upper clamp. */
    o = options(f, &url);
    (void)tk_u256_from_u64(&o.min_gas_price, 100);
    create_with(f, &o);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.gas_price(f->chain.self, &g), TK_OK);
    assert_true(u64_of(&g) == 1000000000000u);
}

static void test_malformed_keeps_cache(void **state)
{
    fixture *f = *state;
    static const char word2[] =
        "\"0x0000000000000000000000000000000000000000000000000000000000000002\"";
    static const char big[] =
        "\"0x8000000000000000000000000000000000000000000000000000000000000000\"";
    static const char short31[] =
        "\"0x00000000000000000000000000000000000000000000000000000000000001\"";
    static const char three_words[] =
        "\"0x" "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000001"
        "0000000000000000000000000000000000000000000000000000000000000001\"";
    static const struct {
        const char *call, *result;
        tk_status want;
    } faults[] = {
        {"eth_getBlockByNumber", "{\"number\":\"0x01\",\"hash\":\"0x00\"}",
         TK_ERR_RPC_BAD_RESPONSE},
        {"eth_getBlockByNumber", "null", TK_ERR_NOT_FOUND},
        {"eth_gasPrice", "\"0x\"", TK_ERR_RPC_BAD_RESPONSE},
        {"0x219bc76c", word2, TK_ERR_MALFORMED},   /* bool 2 */
        {"0x8807f36e", short31, TK_ERR_MALFORMED}, /* 31 bytes */
        {"0x8807f36e", big, TK_ERR_OUT_OF_RANGE},  /* round >= 2^63 */
        {"0x8a19c8bc", "\"0x\"", TK_ERR_NOT_FOUND}, /* no code there */
        {"0x3aa4add4", "\"0x12\"", TK_ERR_MALFORMED},
        {"0x2a4e0d55", "\"0xzz\"", TK_ERR_RPC_BAD_RESPONSE},
        {"0xe1a589da", three_words, TK_ERR_MALFORMED},
        {"0x4ac826da", "17", TK_ERR_RPC_BAD_RESPONSE},
    };
    snapshot a, b;
    uint64_t block = 1000;

    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    (void)poll_counting(f, TK_OK, 1);
    a = snap(f);
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        /* The chain moves: a good poll would change every field. */
        pthread_mutex_lock(&f->node.mu);
        f->node.block = ++block;
        f->node.pool_size++;
        f->node.gas_price++;
        f->node.current_round++;
        f->node.senders[0].claimed++;
        pthread_mutex_unlock(&f->node.mu);
        fake_node_fault(&f->node, faults[i].call, faults[i].result);
        (void)poll_counting(f, faults[i].want, 0);
        b = snap(f);
        if (memcmp(&a, &b, sizeof a) != 0)
            fail_msg("fault %zu (%s) changed the cache", i, faults[i].call);
        /* The next poll reads the new state whole. */
        (void)poll_counting(f, TK_OK, 1);
        a = snap(f);
        assert_true(a.last_block == block);
        assert_true(a.pool == f->node.pool_size);
        assert_true(u64_of(&a.claimed) == f->node.senders[0].claimed);
    }
    assert_int_equal(f->node.wrong_calls, 0);
}

static void test_unknown_sender(void **state)
{
    fixture *f = *state;
    tk_sender_funds funds;
    tk_u256 claimed;
    tk_chain_rpc_options o;
    const char *url;
    tk_address x;
    size_t before;

    (void)poll_counting(f, TK_OK, 1);
    before = mock_rpc_count(f->m);
    /* Unknown: refused without any request, and registered. */
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->alice, &funds),
                     TK_ERR_NOT_FOUND);
    assert_true(tk_u256_is_zero(&funds.deposit));
    assert_int_equal(f->chain.claimed_reserve(f->chain.self, &f->alice,
                                              &f->node.recipient, &claimed),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(mock_rpc_count(f->m), before);
    /* The next poll, same block: the header and the new sender only. */
    assert_int_equal(poll_counting(f, TK_OK, 0), 1 + 2);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->alice, &funds),
                     TK_OK);
    assert_true(u64_of(&funds.deposit) == 5000);
    /* Another claimant is not cached. */
    assert_int_equal(f->chain.claimed_reserve(f->chain.self, &f->alice,
                                              &f->bob, &claimed),
                     TK_ERR_NOT_FOUND);
    /* A sender the node has never seen, watched: zero funds once fetched,
     * and kept. */
    memset(x.bytes, 0x33, 20);
    assert_int_equal(tk_chain_rpc_watch(f->view, &x), TK_OK);
    assert_int_equal(poll_counting(f, TK_OK, 0), 1 + 2);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &x, &funds), TK_OK);
    assert_true(tk_u256_is_zero(&funds.deposit));
    assert_int_equal(poll_counting(f, TK_OK, 0), 1);
    set_block(f, 1001);
    assert_int_equal(poll_counting(f, TK_OK, 1), 1 + 7 + 2 * 2);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &x, &funds), TK_OK);

    /* The table is bounded: a third sender is not registered. */
    o = options(f, &url);
    o.max_senders = 2;
    create_with(f, &o);
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->bob), TK_OK);
    assert_int_equal(tk_chain_rpc_watch(f->view, &x), TK_ERR_STATE);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &x, &funds),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(poll_counting(f, TK_OK, 0), 1); /* x was not kept */
}

/* Without a recipient: getSenderInfo only; claimed_reserve refuses. */
static void test_no_recipient(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_options o;
    const char *url;
    tk_sender_funds funds;
    tk_u256 claimed;

    o = options(f, &url);
    memset(&o.recipient, 0, sizeof o.recipient);
    create_with(f, &o);
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    assert_int_equal(poll_counting(f, TK_OK, 1), 3 + 1 + 5 + 1 + 1 + 1);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->alice, &funds),
                     TK_OK);
    assert_true(u64_of(&funds.deposit) == 5000);
    assert_int_equal(f->chain.claimed_reserve(f->chain.self, &f->alice,
                                              &f->node.recipient, &claimed),
                     TK_ERR_NOT_FOUND);
    memset(&o.recipient, 0, sizeof o.recipient);
    assert_int_equal(f->chain.claimed_reserve(f->chain.self, &f->alice,
                                              &o.recipient, &claimed),
                     TK_ERR_NOT_FOUND);
}

/* Made-up senders named by payments: registered, fetched once, dropped
 * (no funds), so they neither fill the table nor cost requests at every
 * block; a legitimate sender can register afterwards. */
static void test_unfunded_strangers_dropped(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_options o;
    tk_chain_rpc_info info;
    tk_sender_funds funds;
    const char *url;
    tk_address junk;

    o = options(f, &url);
    o.max_senders = 4;
    create_with(f, &o);
    (void)poll_counting(f, TK_OK, 1);
    for (int i = 0; i < 6; i++) {
        memset(junk.bytes, 0x50 + i, 20);
        assert_int_equal(f->chain.sender_funds(f->chain.self, &junk, &funds),
                         TK_ERR_NOT_FOUND);
    }
    assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
    assert_true(info.senders == 4); /* full: the last two not kept */
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_ERR_STATE);
    /* One poll reads the four and drops them. */
    assert_int_equal(poll_counting(f, TK_OK, 0), 1 + 4 * 2);
    assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
    assert_true(info.senders == 0);
    assert_int_equal(poll_counting(f, TK_OK, 0), 1);
    /* A funded sender a payment named stays; alice can register. */
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->bob, &funds),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(tk_chain_rpc_watch(f->view, &f->alice), TK_OK);
    assert_int_equal(poll_counting(f, TK_OK, 0), 1 + 2 * 2);
    assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
    assert_true(info.senders == 2);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->bob, &funds),
                     TK_OK);
    assert_true(u64_of(&funds.deposit) == 100);
    /* A sender that is unlocking (no funds left, withdraw round set) is
     * not a stranger: the recipient must see it unlocking. */
    pthread_mutex_lock(&f->node.mu);
    (void)tk_u256_from_u64(&f->node.senders[1].funds.deposit, 0);
    (void)tk_u256_from_u64(&f->node.senders[1].funds.withdraw_round, 12);
    f->node.block++;
    pthread_mutex_unlock(&f->node.mu);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.sender_funds(f->chain.self, &f->bob, &funds),
                     TK_OK);
    assert_true(u64_of(&funds.withdraw_round) == 12);
}

static void test_not_polled_and_stale(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_options o;
    const char *url;
    uint64_t b = 7;
    tk_round_info ri;
    struct timespec ts = {0, 150 * 1000000L};

    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_ERR_CHAIN);
    assert_true(b == 0);
    assert_int_equal(f->chain.rounds(f->chain.self, &ri), TK_ERR_CHAIN);
    o = options(f, &url);
    o.max_age_ms = 50;
    create_with(f, &o);
    (void)poll_counting(f, TK_OK, 1);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_OK);
    nanosleep(&ts, NULL);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_ERR_CHAIN);
    /* A failed poll does not make it fresh; a good one does, even at the
     * same block. */
    fake_node_fault(&f->node, "eth_getBlockByNumber", "{}");
    (void)poll_counting(f, TK_ERR_RPC_BAD_RESPONSE, 0);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_ERR_CHAIN);
    (void)poll_counting(f, TK_OK, 0);
    assert_int_equal(f->chain.last_block(f->chain.self, &b), TK_OK);
    assert_true(b == 1000);
}

static void test_controller_and_explicit(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_options o;
    const char *url;
    tk_chain_rpc_info info;

    /* The Controller lacks a contract: nothing is cached. */
    f->node.register_bonding = 0;
    assert_int_equal(poll_counting(f, TK_ERR_NOT_FOUND, 0), 3);
    assert_int_equal(tk_chain_rpc_info_get(f->view, &info), TK_OK);
    assert_int_equal(info.valid, 0);
    assert_true(tk_address_is_zero(&info.ticket_broker));
    f->node.register_bonding = 1;
    (void)poll_counting(f, TK_OK, 1);
    /* Given addresses: no Controller call. */
    o = options(f, &url);
    o.has_controller = 0;
    o.ticket_broker = f->node.broker;
    o.rounds_manager = f->node.rounds;
    o.bonding_manager = f->node.bonding;
    create_with(f, &o);
    assert_int_equal(poll_counting(f, TK_OK, 1), 1 + 5 + 1 + 1);
    assert_int_equal(f->node.wrong_calls, 0);
}

static void test_ticket_used_on_demand(void **state)
{
    fixture *f = *state;
    tk_hash h;
    int used = -1;

    memset(h.bytes, 0xaa, 32);
    /* Contracts unknown before the first poll. */
    assert_int_equal(f->chain.ticket_used(f->chain.self, &h, &used),
                     TK_ERR_CHAIN);
    (void)poll_counting(f, TK_OK, 1);
    {
        size_t before = mock_rpc_count(f->m);
        assert_int_equal(f->chain.ticket_used(f->chain.self, &h, &used), TK_OK);
        assert_int_equal(used, 1);
        h.bytes[0] = 0x01;
        assert_int_equal(f->chain.ticket_used(f->chain.self, &h, &used), TK_OK);
        assert_int_equal(used, 0);
        assert_int_equal(mock_rpc_count(f->m) - before, 2);
    }
    fake_node_fault(&f->node, "0x59a515ba", "\"0x0000000000000000000000000000"
                                            "000000000000000000000000000000000003\"");
    assert_int_equal(f->chain.ticket_used(f->chain.self, &h, &used),
                     TK_ERR_MALFORMED);
    assert_int_equal(used, 0);
    assert_int_equal(f->node.wrong_calls, 0);
}

static void test_misuse(void **state)
{
    fixture *f = *state;
    tk_chain_rpc_options o;
    tk_chain_rpc *v = (tk_chain_rpc *)1;
    const char *url;
    tk_chain_rpc_info info;
    tk_rpc_stats s;
    tk_rpc_error e;
    tk_chain ch;

    assert_int_equal(tk_chain_rpc_options_default(NULL), TK_ERR_ILLEGAL_ARG);
    o = options(f, &url);
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, NULL, &o));
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, NULL));
    assert_null(v);
    o.controller = (tk_address){{0}};
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, &o));
    o = options(f, &url);
    o.has_controller = 0; /* and no contract addresses */
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, &o));
    o = options(f, &url);
    (void)tk_u256_from_u64(&o.min_gas_price, 10);
    (void)tk_u256_from_u64(&o.max_gas_price, 9);
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, &o));
    o = options(f, &url);
    o.max_senders = 0;
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, &o));
    o = options(f, &url);
    o.max_age_ms = -1;
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, &o));
    o = options(f, &url);
    o.rpc.n_endpoints = 0;
    assert_illegal(f->ctx, tk_chain_rpc_create(f->ctx, &v, &o));
    assert_null(v);
    assert_int_equal(tk_chain_rpc_poll(NULL, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_watch(NULL, &f->alice), TK_ERR_ILLEGAL_ARG);
    assert_illegal(f->ctx, tk_chain_rpc_watch(f->view, NULL));
    assert_int_equal(tk_chain_rpc_info_get(NULL, &info), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_info_get(f->view, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_stats(NULL, &s), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_stats(f->view, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_last_error(NULL, &e), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_iface(NULL, &ch), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_rpc_iface(f->view, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_rpc_stats_get(NULL, &s), TK_ERR_ILLEGAL_ARG);
    tk_chain_rpc_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_poll_reads_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_once_per_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_never_moves_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l1_block_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gas_clamps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_keeps_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_sender, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_recipient, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfunded_strangers_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_polled_and_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_controller_and_explicit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ticket_used_on_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

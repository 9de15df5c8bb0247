/* SPDX-License-Identifier: MIT */
/* Receive threads read the chain view while a poller refreshes it (label
 * threads: runs under TSan). The fake node moves one block per poll and
 * derives every value from the block, so a torn read shows: a sender's
 * reserve must be its deposit + 1, a reader must never see last_block or
 * the round go back, and claimedReserve must never run ahead of the block
 * the reader saw after it. Meanwhile a thread registers new senders and
 * another reads usedTickets (sharing the client with the poller); the
 * fake node counts any read at a block other than its header's (new
 * senders must not be read from an endpoint that lags). */
#include "test_support.h"

#include "fake_node.h"
#include "ticket/chain_rpc.h"
#include "ticket/u256.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define READERS 3

typedef struct shared {
    fake_node node;
    mock_rpc *m;
    tk_chain_rpc *view;
    tk_chain chain;
    tk_address sender;
    atomic_int done;
    atomic_ulong reads, bad;
    atomic_ulong failed_reads, failed_used; /* callbacks that failed */
} shared;

static uint64_t u64(const tk_u256 *x)
{
    uint64_t v;
    if (tk_u256_to_u64(&v, x) != TK_OK)
        v = UINT64_MAX;
    return v;
}

/* Node state at block b: deposit 1000 b, reserve 1000 b + 1, claimed b,
 * round b / 10 (initialized), pool b. */
static void node_at(shared *s, uint64_t b)
{
    fake_sender *fs = &s->node.senders[0];
    pthread_mutex_lock(&s->node.mu);
    s->node.block = b;
    s->node.current_round = s->node.last_round = b / 10;
    s->node.pool_size = b;
    (void)tk_u256_from_u64(&fs->funds.deposit, 1000 * b);
    (void)tk_u256_from_u64(&fs->funds.reserve_funds_remaining, 1000 * b + 1);
    fs->claimed = b;
    pthread_mutex_unlock(&s->node.mu);
}

static void *reader(void *arg)
{
    shared *s = arg;
    uint64_t last = 0, b = 0;
    int64_t round = 0;

    while (!atomic_load(&s->done)) {
        tk_sender_funds f;
        tk_round_info ri;
        tk_u256 claimed;
        int bad = 0;

        if (s->chain.sender_funds(s->chain.self, &s->sender, &f) != TK_OK ||
            s->chain.claimed_reserve(s->chain.self, &s->sender,
                                     &s->node.recipient, &claimed) != TK_OK ||
            s->chain.rounds(s->chain.self, &ri) != TK_OK ||
            s->chain.last_block(s->chain.self, &b) != TK_OK) {
            atomic_fetch_add(&s->failed_reads, 1);
            continue;
        }
        bad |= u64(&f.reserve_funds_remaining) != u64(&f.deposit) + 1;
        bad |= b < last || ri.current_round < round;
        /* Read before last_block: from that block or an earlier one. */
        bad |= u64(&claimed) > b || u64(&f.deposit) / 1000 > b;
        last = b;
        round = ri.current_round;
        if (bad)
            atomic_fetch_add(&s->bad, 1);
        atomic_fetch_add(&s->reads, 1);
    }
    return NULL;
}

static void *watcher(void *arg)
{
    shared *s = arg;
    uint32_t i = 0;
    while (!atomic_load(&s->done)) {
        tk_address a;
        tk_sender_funds f;
        memset(a.bytes, 0x44, 20);
        memcpy(a.bytes, &i, sizeof i);
        i = (i + 1) % 64; /* 64 senders: under max_senders */
        (void)tk_chain_rpc_watch(s->view, &a);
        (void)s->chain.sender_funds(s->chain.self, &a, &f);
    }
    return NULL;
}

static void *used_reader(void *arg)
{
    shared *s = arg;
    tk_hash h;
    memset(h.bytes, 0xaa, 32);
    while (!atomic_load(&s->done)) {
        int used = 0;
        tk_status st = s->chain.ticket_used(s->chain.self, &h, &used);
        if (st != TK_OK || !used)
            atomic_fetch_add(&s->failed_used, 1);
    }
    return NULL;
}

static void test_readers_and_poller(void **state)
{
    shared *s = calloc(1, sizeof *s);
    tk_ctx *ctx = *state;
    tk_chain_rpc_options o;
    const char *url;
    pthread_t t[READERS + 2];
    unsigned long polls = tk_test_iters(150);
    tk_chain_rpc_info info;

    assert_non_null(s);
    fake_node_init(&s->node);
    memset(s->sender.bytes, 0x5e, 20);
    fake_node_add_sender(&s->node, &s->sender, 0, 0);
    node_at(s, 10);
    s->m = mock_rpc_start();
    fake_node_attach(&s->node, s->m);
    assert_int_equal(tk_chain_rpc_options_default(&o), TK_OK);
    url = mock_rpc_url(s->m);
    o.rpc.endpoints = &url;
    o.rpc.n_endpoints = 1;
    o.has_controller = 1;
    o.controller = s->node.controller;
    o.recipient = s->node.recipient;
    assert_int_equal(tk_chain_rpc_create(ctx, &s->view, &o), TK_OK);
    assert_int_equal(tk_chain_rpc_iface(s->view, &s->chain), TK_OK);
    assert_int_equal(tk_chain_rpc_watch(s->view, &s->sender), TK_OK);
    assert_int_equal(tk_chain_rpc_poll(s->view, NULL), TK_OK);

    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, s), 0);
    assert_int_equal(pthread_create(&t[READERS], NULL, watcher, s), 0);
    assert_int_equal(pthread_create(&t[READERS + 1], NULL, used_reader, s), 0);
    for (unsigned long k = 0; k < polls; k++) {
        int refreshed = 0;
        /* Every third poll the endpoint lags by five blocks: ignored. */
        node_at(s, k % 3 == 2 ? 6 + k : 11 + k);
        assert_int_equal(tk_chain_rpc_poll(s->view, &refreshed), TK_OK);
        assert_int_equal(refreshed, k % 3 != 2);
    }
    atomic_store(&s->done, 1);
    for (int i = 0; i < READERS + 2; i++)
        pthread_join(t[i], NULL);

    assert_true(atomic_load(&s->reads) > 0);
    assert_int_equal(atomic_load(&s->bad), 0);
    assert_int_equal(atomic_load(&s->failed_reads), 0);
    assert_int_equal(atomic_load(&s->failed_used), 0);
    assert_int_equal(s->node.wrong_calls, 0);
    assert_int_equal(tk_chain_rpc_info_get(s->view, &info), TK_OK);
    /* The last poll that was not a lagging one set the block. */
    assert_true(info.block == 11 + ((polls - 1) % 3 == 2 ? polls - 2 : polls - 1));
    assert_true(info.senders >= 2 && info.senders <= 65);
    tk_chain_rpc_destroy(s->view);
    mock_rpc_stop(s->m);
    fake_node_free(&s->node);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_and_poller),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup, tk_test_ctx_teardown);
}

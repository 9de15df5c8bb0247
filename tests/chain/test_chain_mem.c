/* SPDX-License-Identifier: MIT */
/* The in-memory dev chain: defaults, blocks and rounds (with and without
 * auto-initialization), the fake block hashes, funds and claims per
 * address, used ticket hashes, and concurrent use through the tk_chain
 * view. */
#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/keccak.h"
#include "ticket/u256.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* keccak(u256(b)), recomputed here from the documented rule. */
static tk_hash fake_hash(uint64_t b)
{
    uint8_t be[32] = {0};
    tk_hash h;
    for (int i = 0; i < 8; i++)
        be[31 - i] = (uint8_t)(b >> (8 * i));
    assert_int_equal(tk_keccak256(&h, be, sizeof be), TK_OK);
    return h;
}

static void assert_hash(const tk_hash *got, uint64_t block)
{
    tk_hash want = fake_hash(block);
    assert_memory_equal(got->bytes, want.bytes, 32);
}

static tk_u256 u(uint64_t v)
{
    tk_u256 x;
    assert_int_equal(tk_u256_from_u64(&x, v), TK_OK);
    return x;
}

static void test_defaults(void **state)
{
    tk_chain_mem *m;
    tk_chain c;
    tk_round_info r;
    uint64_t b, pool;
    tk_u256 gas;
    (void)state;

    assert_int_equal(tk_chain_mem_create(&m, 5000), TK_OK);
    assert_int_equal(tk_chain_mem_iface(m, &c), TK_OK);
    assert_ptr_equal(c.self, m);
    assert_int_equal(c.last_block(c.self, &b), TK_OK);
    assert_int_equal(b, 5000);
    assert_int_equal(c.rounds(c.self, &r), TK_OK);
    assert_int_equal(r.current_round, 1);
    assert_true(r.current_round_initialized);
    assert_int_equal(r.last_initialized_round, 1);
    assert_hash(&r.last_initialized_block_hash, 5000);
    assert_int_equal(r.previous_round, 0);
    for (int i = 0; i < 32; i++)
        assert_int_equal(r.previous_block_hash.bytes[i], 0);
    assert_int_equal(c.pool_size(c.self, &pool), TK_OK);
    assert_int_equal(pool, 1);
    assert_int_equal(c.gas_price(c.self, &gas), TK_OK);
    {
        tk_u256 gwei = u(1000000000u);
        assert_memory_equal(&gas, &gwei, sizeof gas);
    }
    tk_chain_mem_destroy(m);
    tk_chain_mem_destroy(NULL);
}

static void test_rounds_auto_init(void **state)
{
    tk_chain_mem *m;
    tk_round_info r;
    uint64_t b;
    (void)state;

    assert_int_equal(tk_chain_mem_create(&m, 1000), TK_OK);
    /* Within round 1 (blocks 1000..1099). */
    assert_int_equal(tk_chain_mem_advance(m, 99), TK_OK);
    assert_int_equal(tk_chain_mem_state(m, &b, &r), TK_OK);
    assert_int_equal(b, 1099);
    assert_int_equal(r.current_round, 1);
    /* Block 1100 starts round 2, initialized at once at that block. */
    assert_int_equal(tk_chain_mem_advance(m, 1), TK_OK);
    assert_int_equal(tk_chain_mem_state(m, &b, &r), TK_OK);
    assert_int_equal(r.current_round, 2);
    assert_true(r.current_round_initialized);
    assert_int_equal(r.last_initialized_round, 2);
    assert_hash(&r.last_initialized_block_hash, 1100);
    assert_int_equal(r.previous_round, 1);
    assert_hash(&r.previous_block_hash, 1000);
    /* Three boundaries in one step: round 5 at 1400, round 4 at 1300. */
    assert_int_equal(tk_chain_mem_advance(m, 350), TK_OK);
    assert_int_equal(tk_chain_mem_state(m, &b, &r), TK_OK);
    assert_int_equal(b, 1450);
    assert_int_equal(r.current_round, 5);
    assert_int_equal(r.last_initialized_round, 5);
    assert_hash(&r.last_initialized_block_hash, 1400);
    assert_int_equal(r.previous_round, 4);
    assert_hash(&r.previous_block_hash, 1300);
    tk_chain_mem_destroy(m);
}

static void test_rounds_manual_init(void **state)
{
    tk_chain_mem *m;
    tk_round_info r;
    (void)state;

    assert_int_equal(tk_chain_mem_create(&m, 0), TK_OK);
    assert_int_equal(tk_chain_mem_set_auto_init(m, 0), TK_OK);
    assert_int_equal(tk_chain_mem_advance(m, 250), TK_OK); /* round 3 */
    assert_int_equal(tk_chain_mem_state(m, NULL, &r), TK_OK);
    assert_int_equal(r.current_round, 3);
    assert_false(r.current_round_initialized);
    assert_int_equal(r.last_initialized_round, 1); /* unchanged */
    assert_hash(&r.last_initialized_block_hash, 0);
    /* Initialized late, at the current block 250. */
    assert_int_equal(tk_chain_mem_init_round(m), TK_OK);
    assert_int_equal(tk_chain_mem_state(m, NULL, &r), TK_OK);
    assert_true(r.current_round_initialized);
    assert_int_equal(r.last_initialized_round, 3);
    assert_hash(&r.last_initialized_block_hash, 250);
    assert_int_equal(r.previous_round, 1);
    assert_hash(&r.previous_block_hash, 0);
    /* A second init is a no-op. */
    assert_int_equal(tk_chain_mem_advance(m, 10), TK_OK);
    assert_int_equal(tk_chain_mem_init_round(m), TK_OK);
    assert_int_equal(tk_chain_mem_state(m, NULL, &r), TK_OK);
    assert_int_equal(r.previous_round, 1);
    assert_hash(&r.last_initialized_block_hash, 250);
    tk_chain_mem_destroy(m);
}

static void test_round_length_and_overflow(void **state)
{
    tk_chain_mem *m;
    tk_round_info r;
    uint64_t b;
    (void)state;

    assert_int_equal(tk_chain_mem_create(&m, 100), TK_OK);
    assert_int_equal(tk_chain_mem_set_round_length(m, 10), TK_OK);
    assert_int_equal(tk_chain_mem_advance(m, 25), TK_OK); /* 110, 120 */
    assert_int_equal(tk_chain_mem_state(m, &b, &r), TK_OK);
    assert_int_equal(r.current_round, 3);
    assert_hash(&r.last_initialized_block_hash, 120);
    /* A huge step is computed, not looped, and overflow changes nothing. */
    assert_int_equal(tk_chain_mem_advance(m, UINT64_MAX - b), TK_OK);
    assert_int_equal(tk_chain_mem_advance(m, 1), TK_ERR_OVERFLOW);
    assert_int_equal(tk_chain_mem_state(m, &b, &r), TK_OK);
    assert_int_equal(b, UINT64_MAX);
    tk_chain_mem_destroy(m);
}

static void test_funds_and_claims(void **state)
{
    tk_chain_mem *m;
    tk_chain c;
    tk_address a, b, rcpt;
    tk_sender_funds f, got, zero;
    tk_u256 v;
    (void)state;

    memset(&zero, 0, sizeof zero);
    memset(&a, 0x0a, sizeof a);
    memset(&b, 0x0b, sizeof b);
    memset(&rcpt, 0xcc, sizeof rcpt);
    assert_int_equal(tk_chain_mem_create(&m, 1), TK_OK);
    assert_int_equal(tk_chain_mem_iface(m, &c), TK_OK);
    /* Unknown sender: all zero. */
    assert_int_equal(c.sender_funds(c.self, &a, &got), TK_OK);
    assert_memory_equal(&got, &zero, sizeof got);

    f.deposit = u(100);
    f.withdraw_round = u(7);
    f.reserve_funds_remaining = u(50);
    f.reserve_claimed_in_current_round = u(5);
    assert_int_equal(tk_chain_mem_set_sender_funds(m, &a, &f), TK_OK);
    assert_int_equal(c.sender_funds(c.self, &a, &got), TK_OK);
    assert_memory_equal(&got, &f, sizeof got);
    assert_int_equal(c.sender_funds(c.self, &b, &got), TK_OK);
    assert_memory_equal(&got, &zero, sizeof got);
    f.deposit = u(1); /* replaced, not added */
    assert_int_equal(tk_chain_mem_set_sender_funds(m, &a, &f), TK_OK);
    assert_int_equal(c.sender_funds(c.self, &a, &got), TK_OK);
    assert_memory_equal(&got, &f, sizeof got);

    /* Claims are per (sender, claimant). */
    v = u(33);
    assert_int_equal(tk_chain_mem_set_claimed(m, &a, &rcpt, &v), TK_OK);
    assert_int_equal(c.claimed_reserve(c.self, &a, &rcpt, &v), TK_OK);
    assert_int_equal(v.bytes[31], 33);
    assert_int_equal(c.claimed_reserve(c.self, &rcpt, &a, &v), TK_OK);
    assert_true(tk_u256_is_zero(&v));
    assert_int_equal(c.claimed_reserve(c.self, &b, &rcpt, &v), TK_OK);
    assert_true(tk_u256_is_zero(&v));

    /* Many senders. */
    for (int i = 0; i < 100; i++) {
        tk_address s;
        memset(&s, 0, sizeof s);
        s.bytes[0] = (uint8_t)i;
        s.bytes[19] = 0x99;
        f.deposit = u((uint64_t)i + 1000);
        assert_int_equal(tk_chain_mem_set_sender_funds(m, &s, &f), TK_OK);
    }
    for (int i = 0; i < 100; i++) {
        tk_address s;
        tk_u256 want = u((uint64_t)i + 1000);
        memset(&s, 0, sizeof s);
        s.bytes[0] = (uint8_t)i;
        s.bytes[19] = 0x99;
        assert_int_equal(c.sender_funds(c.self, &s, &got), TK_OK);
        assert_memory_equal(&got.deposit, &want, sizeof want);
    }
    tk_chain_mem_destroy(m);
}

static void test_pool_gas_used(void **state)
{
    tk_chain_mem *m;
    tk_chain c;
    uint64_t pool;
    tk_u256 gas, want = u(123456789);
    tk_hash h[200];
    int used;
    (void)state;

    assert_int_equal(tk_chain_mem_create(&m, 1), TK_OK);
    assert_int_equal(tk_chain_mem_iface(m, &c), TK_OK);
    assert_int_equal(tk_chain_mem_set_pool_size(m, 0), TK_OK);
    assert_int_equal(c.pool_size(c.self, &pool), TK_OK);
    assert_int_equal(pool, 0);
    assert_int_equal(tk_chain_mem_set_gas_price(m, &want), TK_OK);
    assert_int_equal(c.gas_price(c.self, &gas), TK_OK);
    assert_memory_equal(&gas, &want, sizeof gas);

    tk_test_seed();
    tk_test_rand_bytes((uint8_t *)h, sizeof h);
    for (int i = 0; i < 200; i += 2) {
        assert_int_equal(tk_chain_mem_mark_used(m, &h[i]), TK_OK);
        assert_int_equal(tk_chain_mem_mark_used(m, &h[i]), TK_OK); /* again */
    }
    for (int i = 0; i < 200; i++) {
        assert_int_equal(c.ticket_used(c.self, &h[i], &used), TK_OK);
        assert_int_equal(used, i % 2 == 0);
    }
    tk_chain_mem_destroy(m);
}

/* Threads advancing, marking and reading through the view at once. */
struct worker {
    pthread_t tid;
    tk_chain_mem *m;
    tk_chain c;
    int id;
    int errors;
};

#define MARKS 2000

static tk_hash mark_of(int id, int i)
{
    tk_hash h;
    memset(&h, 0, sizeof h);
    h.bytes[0] = (uint8_t)id;
    h.bytes[1] = (uint8_t)(i >> 8);
    h.bytes[2] = (uint8_t)i;
    h.bytes[31] = 0x5c;
    return h;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < MARKS; i++) {
        tk_hash h = mark_of(w->id, i);
        tk_round_info r;
        uint64_t b;
        int used;
        if (tk_chain_mem_mark_used(w->m, &h) != TK_OK ||
            w->c.ticket_used(w->c.self, &h, &used) != TK_OK || !used ||
            tk_chain_mem_advance(w->m, 1) != TK_OK ||
            w->c.last_block(w->c.self, &b) != TK_OK ||
            w->c.rounds(w->c.self, &r) != TK_OK ||
            r.last_initialized_round > r.current_round)
            w->errors++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct worker w[4];
    tk_chain_mem *m;
    tk_chain c;
    uint64_t b;
    tk_round_info r;
    (void)state;

    assert_int_equal(tk_chain_mem_create(&m, 0), TK_OK);
    assert_int_equal(tk_chain_mem_iface(m, &c), TK_OK);
    for (int i = 0; i < 4; i++) {
        w[i].m = m;
        w[i].c = c;
        w[i].id = i;
        w[i].errors = 0;
        assert_int_equal(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(w[i].tid, NULL), 0);
        assert_int_equal(w[i].errors, 0);
    }
    /* Every advance counted once; rounds of 100 blocks from block 0. */
    assert_int_equal(tk_chain_mem_state(m, &b, &r), TK_OK);
    assert_int_equal(b, 4 * MARKS);
    assert_int_equal(r.current_round, 1 + 4 * MARKS / 100);
    for (int id = 0; id < 4; id++)
        for (int i = 0; i < MARKS; i++) {
            tk_hash h = mark_of(id, i);
            int used = 0;
            assert_int_equal(c.ticket_used(c.self, &h, &used), TK_OK);
            assert_true(used);
        }
    tk_chain_mem_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_rounds_auto_init),
        cmocka_unit_test(test_rounds_manual_init),
        cmocka_unit_test(test_round_length_and_overflow),
        cmocka_unit_test(test_funds_and_claims),
        cmocka_unit_test(test_pool_gas_used),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

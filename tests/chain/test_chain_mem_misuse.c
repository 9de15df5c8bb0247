/* SPDX-License-Identifier: MIT */
/* The dev chain refuses NULL pointers and a zero round length with
 * TK_ERR_ILLEGAL_ARG (it has no context, so no callback runs), zeroes its
 * outputs, and its callbacks refuse NULL too. */
#include "test_support.h"

#include "ticket/chain.h"

#include <string.h>

static void test_illegal(void **state)
{
    tk_chain_mem *m = NULL;
    tk_chain c, zero;
    tk_address a;
    tk_sender_funds f;
    tk_u256 v;
    tk_hash h;
    uint64_t b;
    tk_round_info r;
    int used;
    (void)state;

    memset(&zero, 0, sizeof zero);
    memset(&a, 1, sizeof a);
    memset(&f, 0, sizeof f);
    memset(&v, 0, sizeof v);
    memset(&h, 0, sizeof h);
    assert_int_equal(tk_chain_mem_create(NULL, 0), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_create(&m, 0), TK_OK);

    memset(&c, 0xcc, sizeof c);
    assert_int_equal(tk_chain_mem_iface(NULL, &c), TK_ERR_ILLEGAL_ARG);
    assert_memory_equal(&c, &zero, sizeof c);
    assert_int_equal(tk_chain_mem_iface(m, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_advance(NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_auto_init(NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_init_round(NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_round_length(NULL, 5),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_round_length(m, 0), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_sender_funds(NULL, &a, &f),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_sender_funds(m, NULL, &f),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_sender_funds(m, &a, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_claimed(NULL, &a, &a, &v),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_claimed(m, NULL, &a, &v),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_claimed(m, &a, NULL, &v),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_claimed(m, &a, &a, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_pool_size(NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_gas_price(NULL, &v), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_set_gas_price(m, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_mark_used(NULL, &h), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_mark_used(m, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_chain_mem_state(NULL, &b, &r), TK_ERR_ILLEGAL_ARG);
    /* Both outputs of state are optional. */
    assert_int_equal(tk_chain_mem_state(m, NULL, NULL), TK_OK);

    /* The callbacks. */
    assert_int_equal(tk_chain_mem_iface(m, &c), TK_OK);
    assert_int_equal(c.last_block(NULL, &b), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.last_block(c.self, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.rounds(c.self, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.sender_funds(c.self, NULL, &f), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.sender_funds(c.self, &a, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.claimed_reserve(c.self, NULL, &a, &v),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.claimed_reserve(c.self, &a, NULL, &v),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.claimed_reserve(c.self, &a, &a, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.pool_size(c.self, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.gas_price(c.self, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.ticket_used(c.self, NULL, &used), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(c.ticket_used(c.self, &h, NULL), TK_ERR_ILLEGAL_ARG);
    tk_chain_mem_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_illegal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

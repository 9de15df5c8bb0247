/* SPDX-License-Identifier: MIT */
/* The sender monitor (docs/protocol-notes.md section 7) over the fake
 * chain; every
 * expected value is worked out by hand in the comments. */
#include "rcpt_fixture.h"

#include <string.h>

typedef struct mfix {
    tk_ctx *ctx;
    fake_chain chain;
    tk_monitor *m;
    tk_address a, b, me;
} mfix;

static void m_init(mfix *x)
{
    tk_chain ch;
    memset(x, 0, sizeof *x);
    assert_int_equal(tk_ctx_create(&x->ctx), TK_OK);
    memset(x->a.bytes, 0xaa, 20);
    memset(x->b.bytes, 0xbb, 20);
    memset(x->me.bytes, 0x01, 20);
    /* remaining 1000, claimed this round 200, pool 3, we claimed 50:
     * reserveAlloc = 1200 / 3 - 50 = 350. Deposit 300. */
    fx_u256(&x->chain.funds.reserve_funds_remaining, 1000);
    fx_u256(&x->chain.funds.reserve_claimed_in_current_round, 200);
    x->chain.pool_size = 3;
    fx_u256(&x->chain.claimed, 50);
    fx_u256(&x->chain.funds.deposit, 300);
    ch = fx_chain_iface(&x->chain);
    assert_int_equal(tk_monitor_create(x->ctx, &x->m, &ch, &x->me), TK_OK);
}

static void m_free(mfix *x)
{
    tk_monitor_destroy(x->m);
    tk_ctx_destroy(x->ctx);
}

static uint64_t u64(const tk_u256 *v)
{
    uint64_t out;
    assert_int_equal(tk_u256_to_u64(&out, v), TK_OK);
    return out;
}

static uint64_t reserve_alloc(mfix *x, const tk_address *s)
{
    tk_u256 v;
    assert_int_equal(tk_monitor_reserve_alloc(x->m, &v, s), TK_OK);
    return u64(&v);
}

static uint64_t max_float(mfix *x, const tk_address *s)
{
    tk_u256 v;
    assert_int_equal(tk_monitor_max_float(x->m, &v, s), TK_OK);
    return u64(&v);
}

static uint64_t available(mfix *x, const tk_address *s)
{
    tk_u256 v;
    assert_int_equal(tk_monitor_available_funds(x->m, &v, s), TK_OK);
    return u64(&v);
}

static uint64_t pending(mfix *x, const tk_address *s)
{
    tk_u256 v;
    assert_int_equal(tk_monitor_pending(x->m, &v, s), TK_OK);
    return u64(&v);
}

static void add(mfix *x, const tk_address *s, uint64_t amount, tk_status want)
{
    tk_u256 v;
    fx_u256(&v, amount);
    assert_int_equal(tk_monitor_add_pending(x->m, s, &v), want);
}

static void sub(mfix *x, const tk_address *s, uint64_t amount, tk_status want)
{
    tk_u256 v;
    fx_u256(&v, amount);
    assert_int_equal(tk_monitor_sub_pending(x->m, s, &v), want);
}

static void test_formulas(void **state)
{
    mfix x;
    (void)state;
    m_init(&x);
    assert_int_equal(reserve_alloc(&x, &x.a), 350);
    assert_int_equal(max_float(&x, &x.a), 350);       /* nothing pending */
    assert_int_equal(available(&x, &x.a), 650);       /* 350 + 300 - 0 */

    add(&x, &x.a, 100, TK_OK);
    assert_int_equal(pending(&x, &x.a), 100);
    assert_int_equal(pending(&x, &x.b), 0);           /* per sender */
    assert_int_equal(max_float(&x, &x.a), 350);       /* 300 / 100 = 3 >= 3 */
    assert_int_equal(available(&x, &x.a), 550);       /* 350 + 300 - 100 */
    assert_int_equal(max_float(&x, &x.b), 350);

    add(&x, &x.a, 1, TK_OK);                          /* 300 / 101 = 2 < 3 */
    assert_int_equal(max_float(&x, &x.a), 249);       /* 350 - 101 */
    assert_int_equal(available(&x, &x.a), 549);

    sub(&x, &x.a, 102, TK_ERR_STATE);                 /* more than pending */
    assert_int_equal(pending(&x, &x.a), 101);
    sub(&x, &x.b, 1, TK_ERR_STATE);                   /* nothing pending */
    sub(&x, &x.a, 101, TK_OK);
    assert_int_equal(pending(&x, &x.a), 0);
    assert_int_equal(max_float(&x, &x.a), 350);
    m_free(&x);
}

static void test_clamps_and_edges(void **state)
{
    mfix x;
    tk_u256 v;
    (void)state;
    m_init(&x);
    /* Claimed above the allocation: reserveAlloc = 400 - 500 < 0 -> 0. */
    fx_u256(&x.chain.claimed, 500);
    assert_int_equal(reserve_alloc(&x, &x.a), 0);
    assert_int_equal(max_float(&x, &x.a), 0);
    /* availableFunds = -100 + 300 - 0 = 200 (the negative allocation
     * counts, only the result is clamped). */
    assert_int_equal(available(&x, &x.a), 200);
    add(&x, &x.a, 250, TK_OK);
    assert_int_equal(available(&x, &x.a), 0);        /* -100 + 300 - 250 < 0 */

    /* Empty pool: no allocation. */
    fx_u256(&x.chain.claimed, 0);
    x.chain.pool_size = 0;
    assert_int_equal(reserve_alloc(&x, &x.b), 0);
    assert_int_equal(available(&x, &x.b), 300);

    /* Pending cannot overflow 2^256. */
    memset(v.bytes, 0xff, 32);
    assert_int_equal(tk_monitor_add_pending(x.m, &x.b, &v), TK_OK);
    add(&x, &x.b, 1, TK_ERR_OVERFLOW);
    assert_int_equal(tk_monitor_pending(x.m, &v, &x.b), TK_OK);
    for (int i = 0; i < 32; i++)
        assert_int_equal(v.bytes[i], 0xff);

    /* Chain failures. */
    x.chain.fail = 1;
    memset(v.bytes, 0x5a, 32);
    assert_int_equal(tk_monitor_max_float(x.m, &v, &x.a), TK_ERR_CHAIN);
    assert_true(tk_u256_is_zero(&v));
    assert_int_equal(tk_monitor_reserve_alloc(x.m, &v, &x.a), TK_ERR_CHAIN);
    assert_int_equal(tk_monitor_available_funds(x.m, &v, &x.a), TK_ERR_CHAIN);
    m_free(&x);
}

static void test_misuse(void **state)
{
    mfix x;
    tk_u256 v;
    tk_chain ch;
    tk_monitor *m2;
    (void)state;
    m_init(&x);
    ch = fx_chain_iface(&x.chain);
    assert_illegal(x.ctx, tk_monitor_create(x.ctx, NULL, &ch, &x.me));
    assert_illegal(x.ctx, tk_monitor_create(x.ctx, &m2, NULL, &x.me));
    assert_illegal(x.ctx, tk_monitor_create(x.ctx, &m2, &ch, NULL));
    ch.pool_size = NULL;
    assert_illegal(x.ctx, tk_monitor_create(x.ctx, &m2, &ch, &x.me));
    assert_int_equal(tk_monitor_create(NULL, &m2, &ch, &x.me), TK_ERR_ILLEGAL_ARG);
    assert_null(m2);
    assert_illegal(x.ctx, tk_monitor_max_float(x.m, NULL, &x.a));
    assert_illegal(x.ctx, tk_monitor_max_float(x.m, &v, NULL));
    assert_illegal(x.ctx, tk_monitor_reserve_alloc(x.m, &v, NULL));
    assert_illegal(x.ctx, tk_monitor_available_funds(x.m, NULL, &x.a));
    assert_illegal(x.ctx, tk_monitor_add_pending(x.m, &x.a, NULL));
    assert_illegal(x.ctx, tk_monitor_sub_pending(x.m, NULL, &v));
    assert_illegal(x.ctx, tk_monitor_pending(x.m, &v, NULL));
    assert_int_equal(tk_monitor_max_float(NULL, &v, &x.a), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_monitor_add_pending(NULL, &x.a, &v), TK_ERR_ILLEGAL_ARG);
    tk_monitor_destroy(NULL);
    m_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formulas),
        cmocka_unit_test(test_clamps_and_edges),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Fee cap min(max, 2 * base + tip) and replacement bumps (eth_tx.h): small
 * worked cases, the defining property of a 12.5% bump rounded up (the
 * least value v with 8v >= 9x, checked with 128-bit arithmetic on seeded
 * random 64-bit fees), fresh values, the ceiling, overflow and misuse. */
#include "test_support.h"

#include "ticket/eth_tx.h"
#include "ticket/u256.h"

#include <string.h>

static tk_u256 u(uint64_t v)
{
    tk_u256 x;
    assert_int_equal(tk_u256_from_u64(&x, v), TK_OK);
    return x;
}

static uint64_t v64(const tk_u256 *x)
{
    uint64_t v = 0;
    assert_int_equal(tk_u256_to_u64(&v, x), TK_OK);
    return v;
}

static void test_fee_cap(void **state)
{
    tk_u256 cap, base = u(10), tip = u(2), max = u(100), top;

    (void)state;
    assert_int_equal(tk_eth_fee_cap(&cap, &base, &tip, &max), TK_OK);
    assert_true(v64(&cap) == 22);
    max = u(15);
    assert_int_equal(tk_eth_fee_cap(&cap, &base, &tip, &max), TK_OK);
    assert_true(v64(&cap) == 15);
    tip = u(16); /* the tip alone is over the capped fee */
    assert_int_equal(tk_eth_fee_cap(&cap, &base, &tip, &max),
                     TK_ERR_OUT_OF_RANGE);
    assert_true(tk_u256_is_zero(&cap));
    /* 2 * 2^255 overflows: saturates, then the maximum applies. */
    memset(&base, 0, sizeof base);
    base.bytes[0] = 0x80;
    memset(top.bytes, 0xff, 32);
    tip = u(1);
    assert_int_equal(tk_eth_fee_cap(&cap, &base, &tip, &top), TK_OK);
    assert_memory_equal(cap.bytes, top.bytes, 32);
    assert_int_equal(tk_eth_fee_cap(&cap, &base, &tip, &max), TK_OK);
    assert_true(v64(&cap) == 15);
    assert_int_equal(tk_eth_fee_cap(NULL, &base, &tip, &max),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_fee_cap(&cap, &base, NULL, &max),
                     TK_ERR_ILLEGAL_ARG);
}

static void test_bump_small(void **state)
{
    static const uint64_t cases[][2] = {
        {0, 0}, {1, 2}, {7, 8}, {8, 9}, {9, 11}, {16, 18}, {100, 113},
        {1000000000, 1125000000}, {1000000001, 1125000002},
    };
    tk_u256 t, c, max = u(UINT64_MAX);

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tk_u256 old = u(cases[i][0]);
        assert_int_equal(tk_eth_fee_bump(&t, &c, &old, &old, NULL, NULL, &max),
                         TK_OK);
        assert_true(v64(&c) == cases[i][1]);
        assert_true(v64(&t) == cases[i][1]);
    }
}

static void test_bump_property(void **state)
{
    unsigned long iters = tk_test_iters(20000);
    tk_u256 max;

    (void)state;
    memset(max.bytes, 0xff, 32);
    tk_test_seed();
    for (unsigned long i = 0; i < iters; i++) {
        uint64_t a = tk_test_rand64() >> (tk_test_rand64() % 64);
        uint64_t b = tk_test_rand64() >> (tk_test_rand64() % 64);
        uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
        tk_u256 ot = u(lo), oc = u(hi), t, c, w;
        unsigned __int128 nt, nc;

        assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &oc, NULL, NULL, &max),
                         TK_OK);
        /* Results may pass 2^64: read the low 16 bytes. */
        nt = nc = 0;
        for (int k = 16; k < 32; k++) {
            nt = (nt << 8) | t.bytes[k];
            nc = (nc << 8) | c.bytes[k];
        }
        memset(&w, 0, sizeof w);
        assert_memory_equal(t.bytes, w.bytes, 16);
        assert_memory_equal(c.bytes, w.bytes, 16);
        /* The least value with 8v >= 9x. */
        assert_true(8 * nt >= 9 * (unsigned __int128)lo);
        assert_true(nt == 0 || 8 * (nt - 1) < 9 * (unsigned __int128)lo);
        assert_true(8 * nc >= 9 * (unsigned __int128)hi);
        assert_true(nc == 0 || 8 * (nc - 1) < 9 * (unsigned __int128)hi);
        assert_true(nt <= nc);
    }
}

static void test_bump_fresh_and_ceiling(void **state)
{
    tk_u256 t, c, ot = u(10), oc = u(100), ft = u(50), fc = u(200),
                  max = u(1000), top;

    (void)state;
    /* Fresh values above the bump win. */
    assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &oc, &ft, &fc, &max), TK_OK);
    assert_true(v64(&t) == 50 && v64(&c) == 200);
    /* Fresh values below the bump do not lower it. */
    ft = u(1);
    fc = u(1);
    assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &oc, &ft, &fc, &max), TK_OK);
    assert_true(v64(&t) == 12 && v64(&c) == 113);
    /* A fresh tip over the cap is cut to the cap. */
    ft = u(500);
    assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &oc, &ft, NULL, &max), TK_OK);
    assert_true(v64(&t) == 113 && v64(&c) == 113);
    /* The ceiling: 113 > 112 refused, outputs zeroed; 113 allowed. */
    max = u(112);
    assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &oc, NULL, NULL, &max),
                     TK_ERR_OUT_OF_RANGE);
    assert_true(tk_u256_is_zero(&t) && tk_u256_is_zero(&c));
    max = u(113);
    assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &oc, NULL, NULL, &max), TK_OK);
    /* Past 2^256 - 1. */
    memset(top.bytes, 0xff, 32);
    assert_int_equal(tk_eth_fee_bump(&t, &c, &ot, &top, NULL, NULL, &top),
                     TK_ERR_OVERFLOW);
    /* Misuse: tip over cap, NULLs. */
    assert_int_equal(tk_eth_fee_bump(&t, &c, &oc, &ot, NULL, NULL, &top),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_fee_bump(&t, &c, NULL, &ot, NULL, NULL, &top),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_fee_bump(NULL, &c, &ot, &oc, NULL, NULL, &top),
                     TK_ERR_ILLEGAL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fee_cap),
        cmocka_unit_test(test_bump_small),
        cmocka_unit_test(test_bump_property),
        cmocka_unit_test(test_bump_fresh_and_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

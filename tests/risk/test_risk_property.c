/* SPDX-License-Identifier: MIT */
/* Deposit risk properties: agreement with brute-force enumeration of every
 * outcome (small sets, any face values) and with a Monte Carlo estimate
 * within its confidence interval; monotone in the deposit and in the
 * outstanding set; 0 exactly when all winning fits; required_deposit is the
 * smallest deposit within eps; misuse. (TK_TEST_SEED, TK_TEST_ITERS.) */
#include "test_support.h"

#include "ticket/risk.h"
#include "ticket/u256.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXG 5

static void u256_u64(tk_u256 *x, uint64_t v)
{
    (void)tk_u256_from_u64(x, v);
}

/* win_prob = p * 2^256 for p = k / 2^32 (so p is exact in a double). */
static void win_prob_frac(tk_u256 *w, uint32_t k)
{
    memset(w, 0, sizeof *w);
    w->bytes[0] = (uint8_t)(k >> 24);
    w->bytes[1] = (uint8_t)(k >> 16);
    w->bytes[2] = (uint8_t)(k >> 8);
    w->bytes[3] = (uint8_t)k;
}

static double frac_p(const tk_risk_group *g)
{
    return ((double)g->win_prob.bytes[0] * 16777216.0 +
            (double)g->win_prob.bytes[1] * 65536.0 +
            (double)g->win_prob.bytes[2] * 256.0 + g->win_prob.bytes[3]) /
           4294967296.0;
}

/* Random groups: face values unit * [1, 9] (unit 1 or 10^15), p in
 * (0, 1/4], counts 1..cmax. */
static size_t random_groups(tk_risk_group *g, uint64_t cmax, uint64_t unit,
                            uint64_t *fv)
{
    size_t n = 1 + (size_t)(tk_test_rand64() % MAXG);
    for (size_t i = 0; i < n; i++) {
        memset(&g[i], 0, sizeof g[i]);
        fv[i] = unit * (1 + tk_test_rand64() % 9);
        u256_u64(&g[i].face_value, fv[i]);
        win_prob_frac(&g[i].win_prob, 1 + (uint32_t)(tk_test_rand64() % (1u << 30)));
        g[i].count = 1 + tk_test_rand64() % cmax;
    }
    return n;
}

/* Exact risk by enumerating the winner count of each group (long double
 * binomial terms): independent of the library's lattice and tail logic. */
static long double brute(const tk_risk_group *g, const uint64_t *fv, size_t n,
                         uint64_t d, size_t i, uint64_t sum, long double pr)
{
    long double total = 0.0L, p, term;
    uint64_t k;

    if (i == n)
        return sum > d ? pr : 0.0L;
    p = g[i].known_winner ? 1.0L : (long double)frac_p(&g[i]);
    for (k = 0; k <= g[i].count; k++) {
        /* C(n,k) p^k (1-p)^(n-k) */
        term = 1.0L;
        for (uint64_t j = 0; j < k; j++)
            term = term * (long double)(g[i].count - j) / (long double)(j + 1);
        term *= powl(p, (long double)k) *
                powl(1.0L - p, (long double)(g[i].count - k));
        total += brute(g, fv, n, d, i + 1, sum + k * fv[i], pr * term);
    }
    return total;
}

static void test_brute_force(void **state)
{
    unsigned long iters = tk_test_iters(200);
    (void)state;

    (void)tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        tk_risk_group g[MAXG];
        uint64_t fv[MAXG], maxsum = 0;
        size_t n = random_groups(g, 6, it % 2 ? 1000000000000000ull : 1, fv);
        tk_u256 d;
        double r;
        long double want;
        int exact;
        uint64_t dep;

        if (tk_test_rand64() % 4 == 0)
            g[0].known_winner = 1;
        for (size_t i = 0; i < n; i++)
            maxsum += fv[i] * g[i].count;
        dep = tk_test_rand64() % (maxsum + 2);
        u256_u64(&d, dep);
        assert_int_equal(tk_risk(&r, &exact, g, n, &d), TK_OK);
        assert_int_equal(exact, 1);
        want = brute(g, fv, n, dep, 0, 0, 1.0L);
        if (want >= 1e-15L) {
            if (fabsl((long double)r - want) > 1e-6L * want)
                fail_msg("risk %.17g, brute force %.17Lg", r, want);
        } else if (dep >= maxsum) {
            assert_true(r == 0.0);
        } else {
            assert_true(r > 0.0 && r <= 1e-15);
            assert_true((long double)r >= want * (1.0L - 1e-12L));
        }
    }
}

/* Face values with gcd 1 and a deposit far above TK_RISK_MAX_CELLS: the
 * coarse lattice must give an upper bound, flagged not exact. */
static void test_coarse_upper_bound(void **state)
{
    unsigned long iters = tk_test_iters(100);
    (void)state;

    (void)tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        tk_risk_group g[MAXG];
        uint64_t fv[MAXG], maxsum = 0;
        size_t n = random_groups(g, 5, 1, fv);
        tk_u256 d;
        double r;
        long double want;
        int exact;
        uint64_t dep;

        for (size_t i = 0; i < n; i++) {
            fv[i] = ((1ull << 40) + tk_test_rand64() % (1ull << 40)) | 1u;
            u256_u64(&g[i].face_value, fv[i]);
            maxsum += fv[i] * g[i].count;
        }
        dep = maxsum / 2 + tk_test_rand64() % (maxsum / 2);
        u256_u64(&d, dep);
        assert_int_equal(tk_risk(&r, &exact, g, n, &d), TK_OK);
        want = brute(g, fv, n, dep, 0, 0, 1.0L);
        if (!exact)
            assert_true((long double)r >= want * (1.0L - 1e-12L));
        else
            assert_true(fabsl((long double)r - want) <= 1e-6L * want + 1e-15L);
    }
}

static void test_monte_carlo(void **state)
{
    unsigned long iters = tk_test_iters(20), checked = 0;
    const unsigned long samples = 20000;
    (void)state;

    (void)tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        tk_risk_group g[MAXG];
        uint64_t fv[MAXG], maxsum = 0, dep, over = 0;
        size_t n = random_groups(g, 40, 1000000000000000ull, fv);
        tk_u256 d;
        double r, est, sd;
        int exact;

        for (size_t i = 0; i < n; i++)
            maxsum += fv[i] * g[i].count;
        dep = tk_test_rand64() % (maxsum / 4 + 1);
        u256_u64(&d, dep);
        assert_int_equal(tk_risk(&r, &exact, g, n, &d), TK_OK);
        for (unsigned long s = 0; s < samples; s++) {
            uint64_t sum = 0;
            for (size_t i = 0; i < n; i++) {
                /* win iff a uniform 32-bit value < p * 2^32 (p = k/2^32) */
                uint64_t k = (uint64_t)(frac_p(&g[i]) * 4294967296.0);
                for (uint64_t t = 0; t < g[i].count; t++)
                    if ((tk_test_rand64() >> 32) < k)
                        sum += fv[i];
            }
            over += sum > dep;
        }
        est = (double)over / (double)samples;
        /* 5 sigma of the binomial estimate, with a floor for r near 0/1. */
        sd = sqrt(fmax(r * (1.0 - r), 1.0 / (double)samples) / (double)samples);
        if (fabs(est - r) > 5.0 * sd)
            fail_msg("risk %.6g, Monte Carlo %.6g (%lu samples)", r, est, samples);
        checked++;
    }
    assert_int_equal(checked, iters);
}

static void test_monotone_and_zero(void **state)
{
    unsigned long iters = tk_test_iters(200);
    (void)state;

    (void)tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        tk_risk_group g[MAXG + 1];
        uint64_t fv[MAXG + 1], maxsum = 0, d1, d2;
        size_t n = random_groups(g, 300, 1000000000000000ull, fv);
        tk_u256 a, b;
        double r1, r2, r3;

        for (size_t i = 0; i < n; i++)
            maxsum += fv[i] * g[i].count;
        d1 = tk_test_rand64() % maxsum;
        d2 = d1 + tk_test_rand64() % (maxsum - d1 + 1);
        u256_u64(&a, d1);
        u256_u64(&b, d2);
        assert_int_equal(tk_risk(&r1, NULL, g, n, &a), TK_OK);
        assert_int_equal(tk_risk(&r2, NULL, g, n, &b), TK_OK);
        assert_true(r1 >= r2 * (1.0 - 1e-12));
        /* One more ticket (or one more group) never lowers the risk. */
        if (it % 2) {
            g[tk_test_rand64() % n].count++;
        } else {
            g[n] = g[0];
            fv[n] = fv[0];
            g[n].count = 1;
            n++;
        }
        assert_int_equal(tk_risk(&r3, NULL, g, n, &a), TK_OK);
        if (!(r3 >= r1 * (1.0 - 1e-12)))
            fail_msg("one more ticket: risk %.17g -> %.17g", r1, r3);
        /* 0 exactly at the full sum, positive one wei below. */
        maxsum = 0;
        for (size_t i = 0; i < n; i++)
            maxsum += fv[i] * g[i].count;
        u256_u64(&a, maxsum);
        assert_int_equal(tk_risk(&r1, NULL, g, n, &a), TK_OK);
        assert_true(r1 == 0.0);
        u256_u64(&a, maxsum - 1);
        assert_int_equal(tk_risk(&r1, NULL, g, n, &a), TK_OK);
        assert_true(r1 > 0.0);
    }
}

static void test_required_deposit(void **state)
{
    unsigned long iters = tk_test_iters(100);
    static const double eps_list[] = {1e-3, 1e-6, 1e-9, 1e-12, 1e-18};
    (void)state;

    (void)tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        tk_risk_group g[MAXG];
        uint64_t fv[MAXG], dep;
        size_t n = random_groups(g, 500, 1000000000000000ull, fv);
        double eps = eps_list[it % 5], r;
        tk_u256 d;
        int exact;

        assert_int_equal(tk_risk_required_deposit(&d, &exact, g, n, eps), TK_OK);
        assert_int_equal(exact, 1);
        assert_int_equal(tk_u256_to_u64(&dep, &d), TK_OK);
        assert_int_equal(tk_risk(&r, NULL, g, n, &d), TK_OK);
        assert_true(r <= eps * (1.0 + 1e-6));
        if (dep > 0) {
            u256_u64(&d, dep - 1);
            assert_int_equal(tk_risk(&r, NULL, g, n, &d), TK_OK);
            assert_true(r >= eps * (1.0 - 1e-6));
        }
    }
}

static void test_misuse(void **state)
{
    tk_risk_group g;
    tk_u256 d;
    double r = 5.0;
    int exact = 7;
    (void)state;

    memset(&g, 0, sizeof g);
    u256_u64(&g.face_value, 10);
    win_prob_frac(&g.win_prob, 1u << 20);
    g.count = 3;
    u256_u64(&d, 5);
    assert_int_equal(tk_risk(NULL, NULL, &g, 1, &d), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_risk(&r, &exact, NULL, 1, &d), TK_ERR_ILLEGAL_ARG);
    assert_true(r == 0.0 && exact == 0);
    assert_int_equal(tk_risk(&r, NULL, &g, 1, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_risk(&r, NULL, NULL, 0, &d), TK_OK);
    assert_true(r == 0.0);
    assert_int_equal(tk_risk_required_deposit(NULL, NULL, &g, 1, 1e-9),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_risk_required_deposit(&d, NULL, &g, 1, nan("")),
                     TK_ERR_OUT_OF_RANGE);
    assert_true(tk_u256_is_zero(&d));
    assert_int_equal(tk_risk_required_deposit(&d, NULL, &g, 1, -1e-9),
                     TK_ERR_OUT_OF_RANGE);
    /* Sums beyond 2^256: the required deposit does not fit. */
    memset(g.face_value.bytes, 0xff, 32);
    assert_int_equal(tk_risk_required_deposit(&d, NULL, &g, 1, 0.0),
                     TK_ERR_OVERFLOW);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_coarse_upper_bound),
        cmocka_unit_test(test_monte_carlo),
        cmocka_unit_test(test_monotone_and_zero),
        cmocka_unit_test(test_required_deposit),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

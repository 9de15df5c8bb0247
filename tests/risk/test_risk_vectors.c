/* SPDX-License-Identifier: MIT */
/* Deposit risk against tests/vectors/risk.json (exact rationals): risk
 * within the stated accuracy (relative 1e-6 at or above 1e-15; below it an
 * upper bound <= 1e-15, never 0), 0 exactly when the vector says 0, and the
 * required deposit exact. */
#include "test_support.h"

#include "risk_json.h"

#include "ticket/risk.h"
#include "ticket/u256.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_risk(const char *label, double got, const char *want)
{
    double mant;
    long e10;

    risk_json_split(want, &mant, &e10);
    if (mant == 0.0) {
        if (got != 0.0)
            fail_msg("%s: risk %.17g, want exactly 0", label, got);
        return;
    }
    if (e10 >= -15 && mant * pow(10.0, (double)e10) >= 1e-15) {
        double w = mant * pow(10.0, (double)e10);
        if (fabs(got - w) > 1e-6 * w)
            fail_msg("%s: risk %.17g, want %s", label, got, want);
        return;
    }
    /* Below 1e-15: an upper bound <= 1e-15, never 0. */
    if (!(got > 0.0 && got <= 1e-15))
        fail_msg("%s: risk %.17g not in (0, 1e-15] (want %s)", label, got, want);
    if (e10 > -300 && got < mant * pow(10.0, (double)e10) * (1.0 - 1e-12))
        fail_msg("%s: risk %.17g under-estimates %s", label, got, want);
}

static void test_cases(void **state)
{
    json_t *cases, *root = tk_test_load("risk.json", &cases);
    size_t n = json_array_size(cases), with_eps = 0;
    (void)state;

    assert_int_equal(n, 36);
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        const char *label = tk_test_str(c, "label");
        size_t ng;
        tk_risk_group *g = risk_json_groups(json_object_get(c, "groups"), &ng);
        tk_u256 d;
        double r;
        int exact = 0;

        tk_test_dec256(d.bytes, tk_test_str(c, "deposit"));
        assert_int_equal(tk_risk(&r, &exact, g, ng, &d), TK_OK);
        assert_int_equal(exact, 1);
        check_risk(label, r, tk_test_str(c, "risk"));
        if (json_object_get(c, "eps") != NULL) {
            double eps = strtod(tk_test_str(c, "eps"), NULL);
            tk_u256 want, got;
            char a[80], b[80];
            with_eps++;
            tk_test_dec256(want.bytes, tk_test_str(c, "required_deposit"));
            assert_int_equal(tk_risk_required_deposit(&got, &exact, g, ng, eps), TK_OK);
            assert_int_equal(exact, 1);
            (void)tk_u256_to_dec(a, sizeof a, &got);
            (void)tk_u256_to_dec(b, sizeof b, &want);
            if (strcmp(a, b) != 0)
                fail_msg("%s: required deposit %s, want %s", label, a, b);
            assert_int_equal(tk_risk(&r, &exact, g, ng, &got), TK_OK);
            check_risk(label, r, tk_test_str(c, "risk_at_required_deposit"));
        }
        free(g);
    }
    assert_int_equal(with_eps, 13);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

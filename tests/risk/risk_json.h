/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_RISK_JSON_H
#define TK_TEST_RISK_JSON_H

/* risk.json values as library values. */

#include "test_support.h"

#include "ticket/risk.h"

#include <stdlib.h>
#include <string.h>

/* groups: malloc'd (at least one element), *n set. */
static tk_risk_group *risk_json_groups(const json_t *arr, size_t *n)
{
    tk_risk_group *g;

    assert_true(json_is_array(arr));
    *n = json_array_size(arr);
    g = calloc(*n + 1, sizeof *g);
    assert_non_null(g);
    for (size_t i = 0; i < *n; i++) {
        const json_t *x = json_array_get(arr, i);
        tk_test_dec256(g[i].face_value.bytes, tk_test_str(x, "face_value"));
        tk_test_dec256(g[i].win_prob.bytes, tk_test_str(x, "win_prob"));
        g[i].count = tk_test_uint(x, "count");
        g[i].known_winner = json_is_true(json_object_get(x, "known_winner"));
    }
    return g;
}

/* A decimal "d.ddd...e-XX" as mantissa and base-10 exponent, so that risks
 * below the double range (1e-600) compare too. */
static void risk_json_split(const char *s, double *mant, long *exp10)
{
    const char *e = strchr(s, 'e');
    *mant = strtod(s, NULL);
    *exp10 = 0;
    if (e != NULL) {
        char buf[64];
        size_t len = (size_t)(e - s);
        assert_true(len < sizeof buf);
        memcpy(buf, s, len);
        buf[len] = '\0';
        *mant = strtod(buf, NULL);
        *exp10 = strtol(e + 1, NULL, 10);
    }
}

#endif

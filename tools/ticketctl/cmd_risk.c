/* SPDX-License-Identifier: MIT */
/* risk: deposit risk and required deposit (docs/receipts.md R2). */
#include "ticketctl.h"

#include "ticket/risk.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* eps: a JSON number or a decimal string ("1e-9"), finite and >= 0. */
static int in_eps(tc *c, const json_t *in, double *eps)
{
    const json_t *v = json_object_get(in, "eps");
    char *end = NULL;

    if (v == NULL)
        return 0;
    if (json_is_number(v)) {
        *eps = json_number_value(v);
    } else if (json_is_string(v) && json_string_length(v) > 0) {
        const char *s = json_string_value(v);
        errno = 0;
        *eps = strtod(s, &end);
        if (*end != '\0' || s[0] == ' ' || s[0] == '+')
            return tc_fail(c, "invalid_number", "'eps' must be a decimal number");
    } else {
        return tc_fail(c, "invalid_number", "'eps' must be a decimal number");
    }
    if (!isfinite(*eps) || *eps < 0.0)
        return tc_fail(c, "out_of_range", "'eps' must be finite and >= 0");
    return 1;
}

static int in_groups(tc *c, const json_t *in, tk_risk_group **out, size_t *n)
{
    const json_t *arr;

    *out = NULL;
    if (tc_in_array(c, in, "groups", &arr, TC_REQUIRED) < 0)
        return -1;
    *n = json_array_size(arr);
    if ((*out = calloc(*n + 1, sizeof **out)) == NULL)
        return tc_fail(c, "nomem", "out of memory");
    for (size_t i = 0; i < *n; i++) {
        const json_t *g = json_array_get(arr, i);
        tk_risk_group *x = &(*out)[i];
        snprintf(c->prefix, sizeof c->prefix, "groups[%zu].", i);
        if (!json_is_object(g))
            return tc_fail(c, "invalid_json", "'groups[%zu]' must be an object", i);
        if (tc_in_u256(c, g, "face_value", &x->face_value, TC_REQUIRED) < 0 ||
            tc_in_u256(c, g, "win_prob", &x->win_prob, TC_REQUIRED) < 0 ||
            tc_in_uint(c, g, "count", UINT64_MAX, &x->count, TC_REQUIRED) < 0 ||
            tc_in_bool(c, g, "known_winner", &x->known_winner, TC_OPTIONAL) < 0)
            return -1;
    }
    c->prefix[0] = '\0';
    return 0;
}

static int run_risk(tc *c, const json_t *in)
{
    tk_risk_group *g = NULL;
    size_t n = 0;
    tk_u256 deposit, req;
    double eps = 0.0, r;
    int has_eps, rc = -1;
    tk_status st;
    char buf[40];

    if (in_groups(c, in, &g, &n) < 0 ||
        tc_in_u256(c, in, "deposit", &deposit, TC_REQUIRED) < 0 ||
        (has_eps = in_eps(c, in, &eps)) < 0)
        goto out;
    if ((st = tk_risk(&r, NULL, g, n, &deposit)) != TK_OK) {
        tc_fail_status(c, st, "computing the risk");
        goto out;
    }
    /* 17 significant digits round-trip a double. */
    if (r == 0.0)
        snprintf(buf, sizeof buf, "0");
    else
        snprintf(buf, sizeof buf, "%.16e", r);
    json_object_set_new(c->out, "risk", json_string(buf));
    if (has_eps) {
        if ((st = tk_risk_required_deposit(&req, NULL, g, n, eps)) != TK_OK) {
            tc_fail_status(c, st, "computing the required deposit");
            goto out;
        }
        tc_set_u256(c->out, "required_deposit", &req);
    }
    rc = 0;
out:
    free(g);
    return rc;
}

const tc_command tc_cmd_risk = {
    "risk", "deposit risk of outstanding tickets, and the deposit for eps",
    "Input:  {groups, deposit}, optional eps\n"
    "        groups: [{face_value, win_prob, count, known_winner (optional)}]\n"
    "Output: {risk}, and required_deposit (wei) when eps is given\n"
    "risk = P(the winning face values add up to more than deposit), each\n"
    "ticket winning with p = win_prob / 2^256 (known winners: p = 1); a\n"
    "decimal with 17 significant digits, \"0\" only when it is exactly 0.\n"
    "Relative error <= 1e-6 at or above 1e-15; below that an upper bound.\n"
    "required_deposit: the smallest deposit whose risk is <= eps.\n\n"
    "Example:\n"
    "  echo '{\"groups\": [{\"face_value\": \"10000000000000000\", \"win_prob\": "
    "\"115792089237316195423570985008687907853269984665640564039457584007913129640\", "
    "\"count\": 1000}], \"deposit\": \"100000000000000000\", \"eps\": \"1e-9\"}' | "
    "ticketctl risk\n",
    run_risk};

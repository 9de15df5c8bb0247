/* SPDX-License-Identifier: MIT */
/* Reading request fields: the value formats of docs/ticketctl.md. */
#include "ticketctl.h"

#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAFE_INTEGER_MAX 9007199254740991LL /* 2^53 - 1 */

int tc_fail(tc *c, const char *code, const char *fmt, ...)
{
    va_list ap;
    snprintf(c->code, sizeof c->code, "%s", code);
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof c->message, fmt, ap);
    va_end(ap);
    return -1;
}

int tc_fail_status(tc *c, tk_status st, const char *what)
{
    return tc_fail(c, tk_status_name(st), "%s: %s", what, tk_status_str(st));
}

/* The member, or NULL: then 0 (optional) or a missing_field error. */
static int member(tc *c, const json_t *o, const char *key, const json_t **v,
                  int opt)
{
    *v = json_object_get(o, key);
    if (*v != NULL)
        return 1;
    if (opt)
        return 0;
    return tc_fail(c, "missing_field", "missing field '%s%s'", c->prefix, key);
}

int tc_in_u256(tc *c, const json_t *o, const char *key, tk_u256 *out, int opt)
{
    const json_t *v;
    tk_status st;
    int r = member(c, o, key, &v, opt);
    if (r <= 0)
        return r;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0 || n > SAFE_INTEGER_MAX)
            return tc_fail(c, "invalid_number",
                           "'%s%s': a JSON number must be a non-negative safe "
                           "integer (use a decimal string)", c->prefix, key);
        (void)tk_u256_from_u64(out, (uint64_t)n);
        return 1;
    }
    if (!json_is_string(v))
        return tc_fail(c, "invalid_number",
                       "'%s%s' must be a decimal string or an integer",
                       c->prefix, key);
    st = tk_u256_from_dec(out, json_string_value(v), json_string_length(v));
    if (st == TK_ERR_OUT_OF_RANGE)
        return tc_fail(c, "out_of_range", "'%s%s' is 2^256 or more", c->prefix,
                       key);
    if (st != TK_OK)
        return tc_fail(c, "invalid_number",
                       "'%s%s' is not a decimal number (digits only: no sign, "
                       "hex or spaces)", c->prefix, key);
    return 1;
}

int tc_in_uint(tc *c, const json_t *o, const char *key, uint64_t max,
               uint64_t *out, int opt)
{
    tk_u256 x;
    uint64_t v = 0;
    int r = tc_in_u256(c, o, key, &x, opt);
    if (r <= 0)
        return r;
    if (tk_u256_to_u64(&v, &x) != TK_OK || v > max)
        return tc_fail(c, "out_of_range", "'%s%s' is above %llu", c->prefix,
                       key, (unsigned long long)max);
    *out = v;
    return 1;
}

int tc_in_int64(tc *c, const json_t *o, const char *key, int64_t *out, int opt)
{
    uint64_t v = 0;
    int r = tc_in_uint(c, o, key, (uint64_t)INT64_MAX, &v, opt);
    if (r == 1)
        *out = (int64_t)v;
    return r;
}

int tc_in_hex_alloc(tc *c, const json_t *o, const char *key, uint8_t **out,
                    size_t *len, int opt)
{
    const json_t *v;
    const char *s;
    size_t n, cap;
    int r = member(c, o, key, &v, opt);
    if (r <= 0)
        return r;
    if (!json_is_string(v))
        return tc_fail(c, "invalid_hex", "'%s%s' must be a 0x-hex string",
                       c->prefix, key);
    s = json_string_value(v);
    n = json_string_length(v);
    cap = n / 2 + 1;
    *out = malloc(cap);
    if (*out == NULL)
        return tc_fail(c, "nomem", "out of memory");
    *len = cap;
    if (tk_hex_decode(*out, len, s, n) != TK_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
        return tc_fail(c, "invalid_hex",
                       "'%s%s' is not 0x-prefixed hex with an even number of "
                       "digits", c->prefix, key);
    }
    return 1;
}

int tc_in_bytes(tc *c, const json_t *o, const char *key, uint8_t *out,
                size_t len, int opt)
{
    uint8_t *b;
    size_t n;
    int r = tc_in_hex_alloc(c, o, key, &b, &n, opt);
    if (r <= 0)
        return r;
    if (n != len) {
        free(b);
        return tc_fail(c, "invalid_length", "'%s%s' must be %zu bytes, not %zu",
                       c->prefix, key, len, n);
    }
    memcpy(out, b, len);
    tk_memzero(b, n); /* may be a key */
    free(b);
    return 1;
}

int tc_in_address(tc *c, const json_t *o, const char *key, tk_address *out,
                  int opt)
{
    const json_t *v;
    tk_status st;
    int r = member(c, o, key, &v, opt);
    if (r <= 0)
        return r;
    if (!json_is_string(v))
        return tc_fail(c, "invalid_address", "'%s%s' must be a 0x address",
                       c->prefix, key);
    st = tk_address_from_hex(out, json_string_value(v), json_string_length(v));
    if (st == TK_ERR_BAD_CHECKSUM)
        return tc_fail(c, "bad_checksum",
                       "'%s%s' is mixed-case with a wrong EIP-55 checksum",
                       c->prefix, key);
    if (st != TK_OK)
        return tc_fail(c, "invalid_address",
                       "'%s%s' is not 0x followed by 40 hex digits", c->prefix,
                       key);
    return 1;
}

int tc_in_privkey(tc *c, const json_t *o, const char *key, uint8_t out32[32])
{
    if (tc_in_bytes(c, o, key, out32, 32, TC_REQUIRED) < 0)
        return -1;
    if (tk_key_verify(c->ctx, out32) != TK_OK) {
        tk_memzero(out32, 32);
        return tc_fail(c, "invalid_privkey",
                       "'%s%s' is zero or not below the group order",
                       c->prefix, key);
    }
    return 1;
}

int tc_in_bool(tc *c, const json_t *o, const char *key, int *out, int opt)
{
    const json_t *v;
    int r = member(c, o, key, &v, opt);
    if (r <= 0)
        return r;
    if (!json_is_boolean(v))
        return tc_fail(c, "invalid_json", "'%s%s' must be true or false",
                       c->prefix, key);
    *out = json_is_true(v);
    return 1;
}

int tc_in_string(tc *c, const json_t *o, const char *key, const char **out,
                 int opt)
{
    const json_t *v;
    int r = member(c, o, key, &v, opt);
    if (r <= 0)
        return r;
    if (!json_is_string(v))
        return tc_fail(c, "invalid_json", "'%s%s' must be a string", c->prefix,
                       key);
    *out = json_string_value(v);
    return 1;
}

int tc_in_object(tc *c, const json_t *o, const char *key, const json_t **out,
                 int opt)
{
    int r = member(c, o, key, out, opt);
    if (r == 1 && !json_is_object(*out))
        return tc_fail(c, "invalid_json", "'%s%s' must be an object",
                       c->prefix, key);
    return r;
}

int tc_in_array(tc *c, const json_t *o, const char *key, const json_t **out,
                int opt)
{
    int r = member(c, o, key, out, opt);
    if (r == 1 && !json_is_array(*out))
        return tc_fail(c, "invalid_json", "'%s%s' must be an array", c->prefix,
                       key);
    return r;
}

int tc_in_price(tc *c, const json_t *o, tk_price *out, int opt)
{
    tk_price raw;
    int rn = tc_in_u256(c, o, "price_num", &raw.num, opt);
    int rd;
    if (rn < 0)
        return -1;
    rd = tc_in_u256(c, o, "price_den", &raw.den, rn == 1 ? TC_REQUIRED : opt);
    if (rd < 0)
        return -1;
    if (rd == 0)
        return 0;
    if (rn == 0)
        return tc_in_u256(c, o, "price_num", &raw.num, TC_REQUIRED);
    if (tk_price_reduce(out, &raw) != TK_OK)
        return tc_fail(c, "invalid_price", "'%sprice_den' is 0", c->prefix);
    return 1;
}

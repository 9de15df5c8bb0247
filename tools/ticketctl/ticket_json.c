/* SPDX-License-Identifier: MIT */
/* Tickets, ticket params and payments as JSON (the field names of the
 * protocol vectors, tests/vectors). */
#include "ticketctl.h"

#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append `name.` to c->prefix for nested objects (kept as it is when it
 * would not fit); the old prefix goes to saved. */
static void push_prefix(tc *c, const char *name, char *saved)
{
    size_t n = strlen(c->prefix), m = strlen(name);
    memcpy(saved, c->prefix, sizeof c->prefix);
    if (n + m + 2 <= sizeof c->prefix) {
        memcpy(c->prefix + n, name, m);
        c->prefix[n + m] = '.';
        c->prefix[n + m + 1] = '\0';
    }
}

/* Run a reader with c->prefix extended by `name.`; its result in r_. */
#define WITH_PREFIX(c, name, expr)                                             \
    do {                                                                       \
        char saved_[sizeof(c)->prefix];                                        \
        push_prefix((c), (name), saved_);                                      \
        r_ = (expr);                                                           \
        memcpy((c)->prefix, saved_, sizeof saved_);                            \
    } while (0)

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* aux_data -> (round, hash): empty, or 64 bytes with a round < 2^63. */
static int aux_split(tc *c, const uint8_t *aux, size_t len, int64_t *round,
                     tk_hash *hash)
{
    tk_u256 r;
    uint64_t v;
    if (len == 0) {
        *round = 0;
        memset(hash, 0, sizeof *hash);
        return 0;
    }
    if (len != TK_AUX_DATA_LEN)
        return tc_fail(c, "invalid_length",
                       "'%saux_data' must be empty or 64 bytes", c->prefix);
    if (all_zero(aux, len))
        return tc_fail(c, "invalid_length",
                       "'%saux_data' of 64 zero bytes does not describe a "
                       "ticket (round 0 with a zero hash hashes with an empty "
                       "aux_data: give 0x)", c->prefix);
    memcpy(r.bytes, aux, 32);
    if (tk_u256_to_u64(&v, &r) != TK_OK || v > (uint64_t)INT64_MAX)
        return tc_fail(c, "out_of_range",
                       "'%saux_data' holds a creation round of 2^63 or more",
                       c->prefix);
    *round = (int64_t)v;
    memcpy(hash->bytes, aux + 32, 32);
    return 0;
}

static int ticket_fields(tc *c, const json_t *t, tk_ticket *out)
{
    uint64_t nonce;
    uint8_t *aux = NULL;
    size_t aux_len = 0;
    int has_aux, has_round, has_hash;
    int64_t round = 0;
    tk_hash hash;

    if (tc_in_address(c, t, "recipient", &out->recipient, TC_REQUIRED) < 0 ||
        tc_in_address(c, t, "sender", &out->sender, TC_REQUIRED) < 0 ||
        tc_in_u256(c, t, "face_value", &out->face_value, TC_REQUIRED) < 0 ||
        tc_in_u256(c, t, "win_prob", &out->win_prob, TC_REQUIRED) < 0 ||
        tc_in_uint(c, t, "sender_nonce", UINT32_MAX, &nonce, TC_REQUIRED) < 0 ||
        tc_in_bytes(c, t, "recipient_rand_hash", out->recipient_rand_hash.bytes,
                    32, TC_REQUIRED) < 0)
        return -1;
    out->sender_nonce = (uint32_t)nonce;

    if ((has_aux = tc_in_hex_alloc(c, t, "aux_data", &aux, &aux_len,
                                   TC_OPTIONAL)) < 0)
        return -1;
    if (has_aux) {
        int r = aux_split(c, aux, aux_len, &out->creation_round,
                          &out->creation_round_block_hash);
        free(aux);
        if (r < 0)
            return -1;
    }
    /* Without aux_data both are required; with it each must agree. */
    if ((has_round = tc_in_int64(c, t, "creation_round", &round,
                                 has_aux ? TC_OPTIONAL : TC_REQUIRED)) < 0 ||
        (has_hash = tc_in_bytes(c, t, "creation_round_block_hash", hash.bytes,
                                32, has_aux ? TC_OPTIONAL : TC_REQUIRED)) < 0)
        return -1;
    if (!has_aux) {
        out->creation_round = round;
        out->creation_round_block_hash = hash;
        return 0;
    }
    if ((has_round && round != out->creation_round) ||
        (has_hash && memcmp(hash.bytes, out->creation_round_block_hash.bytes,
                            32) != 0))
        return tc_fail(c, "aux_data_mismatch",
                       "'%saux_data' disagrees with creation_round / "
                       "creation_round_block_hash", c->prefix);
    return 0;
}

int tc_in_ticket(tc *c, const json_t *o, const char *key, tk_ticket *out)
{
    const json_t *t;
    int r_;
    memset(out, 0, sizeof *out);
    if (tc_in_object(c, o, key, &t, TC_REQUIRED) < 0)
        return -1;
    WITH_PREFIX(c, key, ticket_fields(c, t, out));
    return r_ < 0 ? -1 : 1;
}

static int params_fields(tc *c, const json_t *p, tk_ticket_params *out,
                         int *has_price)
{
    int r;
    if (tc_in_address(c, p, "recipient", &out->recipient, TC_REQUIRED) < 0 ||
        tc_in_u256(c, p, "face_value", &out->face_value, TC_REQUIRED) < 0 ||
        tc_in_u256(c, p, "win_prob", &out->win_prob, TC_REQUIRED) < 0 ||
        tc_in_bytes(c, p, "recipient_rand_hash", out->recipient_rand_hash.bytes,
                    32, TC_REQUIRED) < 0 ||
        tc_in_u256(c, p, "seed", &out->seed, TC_REQUIRED) < 0 ||
        tc_in_u256(c, p, "expiration_block", &out->expiration_block,
                   TC_REQUIRED) < 0 ||
        tc_in_int64(c, p, "creation_round", &out->creation_round,
                    TC_OPTIONAL) < 0 ||
        tc_in_bytes(c, p, "creation_round_block_hash",
                    out->creation_round_block_hash.bytes, 32, TC_OPTIONAL) < 0)
        return -1;
    if ((r = tc_in_price(c, p, &out->price, TC_OPTIONAL)) < 0)
        return -1;
    *has_price = r;
    return 0;
}

int tc_in_params(tc *c, const json_t *o, const char *key,
                 tk_ticket_params *out, int *has_price)
{
    const json_t *p;
    int r_;
    memset(out, 0, sizeof *out);
    *has_price = 0;
    if (tc_in_object(c, o, key, &p, TC_REQUIRED) < 0)
        return -1;
    WITH_PREFIX(c, key, params_fields(c, p, out, has_price));
    return r_ < 0 ? -1 : 1;
}

/* ---- The JSON form of a wire Payment (payment_proto.json) ------------ */

/* A bytes field: absent = empty; else exactly `exact` bytes (exact > 0)
 * or at most `max`. */
static int wire_bytes(tc *c, const json_t *o, const char *key, uint8_t *dst,
                      size_t *len, size_t exact, size_t max)
{
    uint8_t *b;
    size_t n;
    int r = tc_in_hex_alloc(c, o, key, &b, &n, TC_OPTIONAL);
    if (r <= 0) {
        *len = 0;
        return r;
    }
    if (n != 0 && ((exact && n != exact) || (!exact && n > max))) {
        free(b);
        if (exact)
            return tc_fail(c, "invalid_length",
                           "'%s%s' must be %zu bytes (or empty)", c->prefix,
                           key, exact);
        return tc_fail(c, "invalid_length", "'%s%s' is over %zu bytes",
                       c->prefix, key, max);
    }
    if (n)
        memcpy(dst, b, n);
    *len = n;
    free(b);
    return 1;
}

static int wire_expiration(tc *c, const json_t *o, const char *key,
                           tk_wire_expiration_params *e)
{
    const json_t *x;
    int r = tc_in_object(c, o, key, &x, TC_OPTIONAL), r_;
    memset(e, 0, sizeof *e);
    if (r <= 0)
        return r;
    e->present = 1;
    WITH_PREFIX(c, key,
                (tc_in_int64(c, x, "creation_round", &e->creation_round,
                             TC_OPTIONAL) < 0 ||
                 wire_bytes(c, x, "creation_round_block_hash",
                            e->creation_round_block_hash,
                            &e->creation_round_block_hash_len, 32, 0) < 0)
                    ? -1
                    : 0);
    return r_ < 0 ? -1 : 1;
}

static int wire_ticket_params(tc *c, const json_t *tp, tk_wire_ticket_params *p)
{
    p->present = 1;
    if (wire_bytes(c, tp, "recipient", p->recipient, &p->recipient_len,
                   TK_ADDRESS_LEN, 0) < 0 ||
        wire_bytes(c, tp, "face_value", p->face_value, &p->face_value_len, 0,
                   32) < 0 ||
        wire_bytes(c, tp, "win_prob", p->win_prob, &p->win_prob_len, 0, 32) < 0 ||
        wire_bytes(c, tp, "recipient_rand_hash", p->recipient_rand_hash,
                   &p->recipient_rand_hash_len, 32, 0) < 0 ||
        wire_bytes(c, tp, "seed", p->seed, &p->seed_len, 0, 32) < 0 ||
        wire_bytes(c, tp, "expiration_block", p->expiration_block,
                   &p->expiration_block_len, 0, 32) < 0 ||
        wire_expiration(c, tp, "expiration_params", &p->expiration_params) < 0)
        return -1;
    return 0;
}

static int wire_tickets(tc *c, const json_t *arr, tk_wire_payment *w)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    w->tickets = calloc(n, sizeof *w->tickets);
    if (w->tickets == NULL)
        return tc_fail(c, "nomem", "out of memory");
    w->count = n;
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(arr, i);
        char name[48];
        uint64_t nonce = 0;
        int r_;
        snprintf(name, sizeof name, "ticket_sender_params[%zu]", i);
        if (!json_is_object(t))
            return tc_fail(c, "invalid_json", "'%s%s' must be an object",
                           c->prefix, name);
        WITH_PREFIX(c, name,
                    (tc_in_uint(c, t, "sender_nonce", UINT32_MAX, &nonce,
                                TC_OPTIONAL) < 0 ||
                     wire_bytes(c, t, "sig", w->tickets[i].sig,
                                &w->tickets[i].sig_len, TK_SIG_LEN, 0) < 0)
                        ? -1
                        : 0);
        if (r_ < 0)
            return -1;
        w->tickets[i].sender_nonce = (uint32_t)nonce;
    }
    return 0;
}

static int wire_payment(tc *c, const json_t *p, tk_wire_payment *w)
{
    const json_t *tp, *tsp, *price;
    int r, r_;
    if ((r = tc_in_object(c, p, "ticket_params", &tp, TC_OPTIONAL)) < 0)
        return -1;
    if (r == 1) {
        WITH_PREFIX(c, "ticket_params", wire_ticket_params(c, tp, &w->ticket_params));
        if (r_ < 0)
            return -1;
    }
    if (wire_bytes(c, p, "sender", w->sender, &w->sender_len, TK_ADDRESS_LEN,
                   0) < 0 ||
        wire_expiration(c, p, "expiration_params", &w->expiration_params) < 0 ||
        tc_in_array(c, p, "ticket_sender_params", &tsp, TC_OPTIONAL) < 0 ||
        (tsp != NULL && wire_tickets(c, tsp, w) < 0))
        return -1;
    if ((r = tc_in_object(c, p, "expected_price", &price, TC_OPTIONAL)) < 0)
        return -1;
    if (r == 1) {
        w->expected_price.present = 1;
        WITH_PREFIX(c, "expected_price",
                    (tc_in_int64(c, price, "pricePerUnit",
                                 &w->expected_price.price_per_unit,
                                 TC_OPTIONAL) < 0 ||
                     tc_in_int64(c, price, "pixelsPerUnit",
                                 &w->expected_price.pixels_per_unit,
                                 TC_OPTIONAL) < 0)
                        ? -1
                        : 0);
        if (r_ < 0)
            return -1;
    }
    return 0;
}

int tc_in_wire_payment(tc *c, const json_t *o, const char *key,
                       tk_wire_payment *out)
{
    const json_t *p;
    int r_;
    memset(out, 0, sizeof *out);
    if (tc_in_object(c, o, key, &p, TC_REQUIRED) < 0)
        return -1;
    WITH_PREFIX(c, key, wire_payment(c, p, out));
    if (r_ < 0) {
        tk_wire_payment_clear(out);
        return -1;
    }
    return 1;
}

int tc_in_any_payment(tc *c, const json_t *o, tk_payment *out)
{
    int given = (json_object_get(o, "base64") != NULL) +
                (json_object_get(o, "hex") != NULL) +
                (json_object_get(o, "payment") != NULL);
    tk_status st;
    memset(out, 0, sizeof *out);
    if (given == 0)
        return tc_fail(c, "missing_field",
                       "give the payment as 'base64', 'hex' or 'payment'");
    if (given > 1)
        return tc_fail(c, "usage",
                       "give only one of 'base64', 'hex' and 'payment'");
    if (json_object_get(o, "base64") != NULL) {
        const char *s;
        if (tc_in_string(c, o, "base64", &s, TC_REQUIRED) < 0)
            return -1;
        st = tk_wire_decode_payment_header(out, s, strlen(s));
    } else if (json_object_get(o, "hex") != NULL) {
        uint8_t *b;
        size_t n;
        if (tc_in_hex_alloc(c, o, "hex", &b, &n, TC_REQUIRED) < 0)
            return -1;
        st = tk_wire_decode_payment(out, b, n);
        free(b);
    } else {
        tk_wire_payment w;
        if (tc_in_wire_payment(c, o, "payment", &w) < 0)
            return -1;
        st = tk_wire_payment_to_payment(out, &w);
        tk_wire_payment_clear(&w);
    }
    if (st != TK_OK)
        return tc_fail_status(c, st, "payment");
    return 1;
}

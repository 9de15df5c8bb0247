/* SPDX-License-Identifier: MIT */
#include "wire_test_util.h"

#include <stdlib.h>
#include <string.h>

static int read_varint(const uint8_t *buf, size_t len, size_t *pos,
                       uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return -1;
        uint8_t b = buf[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

int wt_scan(const uint8_t *buf, size_t len, wt_field *fields, int max)
{
    size_t pos = 0;
    int n = 0;
    while (pos < len) {
        uint64_t key, v;
        wt_field f;
        memset(&f, 0, sizeof f);
        f.start = pos;
        if (read_varint(buf, len, &pos, &key) != 0)
            return -1;
        f.number = (uint32_t)(key >> 3);
        f.wire_type = (unsigned)(key & 7);
        if (f.wire_type == 0) {
            if (read_varint(buf, len, &pos, &v) != 0)
                return -1;
        } else if (f.wire_type == 2) {
            if (read_varint(buf, len, &pos, &v) != 0 || v > len - pos)
                return -1;
            f.body = pos;
            f.body_len = (size_t)v;
            pos += (size_t)v;
        } else {
            return -1;
        }
        f.end = pos;
        if (n < max)
            fields[n] = f;
        n++;
    }
    return n;
}

void wt_hex_field(uint8_t *dst, size_t cap, size_t *len, const char *hex)
{
    size_t n;
    uint8_t *b = tk_test_hex_alloc(hex, &n);
    assert_true(n <= cap);
    if (n > 0)
        memcpy(dst, b, n);
    *len = n;
    free(b);
}

int64_t wt_dec64(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    assert_true(*s != '\0' && *end == '\0');
    return (int64_t)v;
}

void wt_each_case(wt_case_fn fn, void *arg)
{
    json_t *cases, *root = tk_test_load("payment_proto.json", &cases);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        size_t len;
        uint8_t *bytes = tk_test_hex_alloc(tk_test_str(c, "encoded_hex"), &len);
        fn(c, bytes, len, arg);
        free(bytes);
    }
    json_decref(root);
}

static const char *opt_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return v != NULL ? json_string_value(v) : NULL;
}

static void exp_from_json(tk_wire_expiration_params *e, const json_t *j)
{
    const char *s;
    memset(e, 0, sizeof *e);
    if (j == NULL)
        return;
    e->present = 1;
    if ((s = opt_str(j, "creation_round")) != NULL)
        e->creation_round = wt_dec64(s);
    if ((s = opt_str(j, "creation_round_block_hash")) != NULL)
        wt_hex_field(e->creation_round_block_hash, TK_HASH_LEN,
                     &e->creation_round_block_hash_len, s);
}

void wt_payment_from_json(tk_wire_payment *out, const json_t *payment)
{
    const json_t *tp = json_object_get(payment, "ticket_params");
    const json_t *tsp = json_object_get(payment, "ticket_sender_params");
    const json_t *price = json_object_get(payment, "expected_price");
    const char *s;

    memset(out, 0, sizeof *out);
    if (tp != NULL) {
        tk_wire_ticket_params *p = &out->ticket_params;
        p->present = 1;
#define HEXF(name, cap)                                                        \
    if ((s = opt_str(tp, #name)) != NULL)                                      \
        wt_hex_field(p->name, cap, &p->name##_len, s);
        HEXF(recipient, TK_ADDRESS_LEN)
        HEXF(face_value, TK_U256_LEN)
        HEXF(win_prob, TK_U256_LEN)
        HEXF(recipient_rand_hash, TK_HASH_LEN)
        HEXF(seed, TK_U256_LEN)
        HEXF(expiration_block, TK_U256_LEN)
#undef HEXF
        exp_from_json(&p->expiration_params,
                      json_object_get(tp, "expiration_params"));
    }
    if ((s = opt_str(payment, "sender")) != NULL)
        wt_hex_field(out->sender, TK_ADDRESS_LEN, &out->sender_len, s);
    exp_from_json(&out->expiration_params,
                  json_object_get(payment, "expiration_params"));
    if (tsp != NULL && json_array_size(tsp) > 0) {
        out->count = json_array_size(tsp);
        out->tickets = calloc(out->count, sizeof *out->tickets);
        assert_non_null(out->tickets);
        for (size_t i = 0; i < out->count; i++) {
            const json_t *t = json_array_get(tsp, i);
            const json_t *nonce = json_object_get(t, "sender_nonce");
            if (nonce != NULL)
                out->tickets[i].sender_nonce =
                    (uint32_t)json_integer_value(nonce);
            if ((s = opt_str(t, "sig")) != NULL)
                wt_hex_field(out->tickets[i].sig, TK_SIG_LEN,
                             &out->tickets[i].sig_len, s);
        }
    }
    if (price != NULL) {
        out->expected_price.present = 1;
        if ((s = opt_str(price, "pricePerUnit")) != NULL)
            out->expected_price.price_per_unit = wt_dec64(s);
        if ((s = opt_str(price, "pixelsPerUnit")) != NULL)
            out->expected_price.pixels_per_unit = wt_dec64(s);
    }
}

static void assert_exp_equal(const tk_wire_expiration_params *a,
                             const tk_wire_expiration_params *b)
{
    assert_int_equal(a->present, b->present);
    assert_true(a->creation_round == b->creation_round);
    assert_int_equal(a->creation_round_block_hash_len,
                     b->creation_round_block_hash_len);
    assert_memory_equal(a->creation_round_block_hash,
                        b->creation_round_block_hash,
                        a->creation_round_block_hash_len);
}

void wt_assert_payment_json(const tk_wire_payment *w, const json_t *payment)
{
    tk_wire_payment e;
    wt_payment_from_json(&e, payment);

    assert_int_equal(w->ticket_params.present, e.ticket_params.present);
#define SAMEF(name)                                                            \
    assert_int_equal(w->ticket_params.name##_len, e.ticket_params.name##_len); \
    assert_memory_equal(w->ticket_params.name, e.ticket_params.name,          \
                        e.ticket_params.name##_len);
    SAMEF(recipient)
    SAMEF(face_value)
    SAMEF(win_prob)
    SAMEF(recipient_rand_hash)
    SAMEF(seed)
    SAMEF(expiration_block)
#undef SAMEF
    assert_exp_equal(&w->ticket_params.expiration_params,
                     &e.ticket_params.expiration_params);
    assert_int_equal(w->sender_len, e.sender_len);
    assert_memory_equal(w->sender, e.sender, e.sender_len);
    assert_exp_equal(&w->expiration_params, &e.expiration_params);
    assert_int_equal(w->count, e.count);
    for (size_t i = 0; i < e.count; i++) {
        assert_int_equal(w->tickets[i].sender_nonce, e.tickets[i].sender_nonce);
        assert_int_equal(w->tickets[i].sig_len, e.tickets[i].sig_len);
        assert_memory_equal(w->tickets[i].sig, e.tickets[i].sig,
                            e.tickets[i].sig_len);
    }
    assert_int_equal(w->expected_price.present, e.expected_price.present);
    assert_true(w->expected_price.price_per_unit ==
                e.expected_price.price_per_unit);
    assert_true(w->expected_price.pixels_per_unit ==
                e.expected_price.pixels_per_unit);
    tk_wire_payment_clear(&e);
}

/* SPDX-License-Identifier: MIT */
/* Writing response fields: lowercase 0x-hex bytes and addresses, decimal
 * strings for uint256 and int64 values. */
#include "ticketctl.h"

#include "ticket/keys.h"
#include "ticket/u256.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tc_set_hex(json_t *o, const char *key, const uint8_t *b, size_t len)
{
    size_t cap = 2 * len + 3;
    char *s = malloc(cap);
    if (s == NULL)
        return;
    if (tk_hex_encode(s, cap, b, len) == TK_OK)
        json_object_set_new(o, key, json_string(s));
    free(s);
}

void tc_set_address(json_t *o, const char *key, const tk_address *a)
{
    char s[TK_ADDRESS_HEX_MAX];
    if (tk_address_to_hex(s, sizeof s, a, 0) == TK_OK)
        json_object_set_new(o, key, json_string(s));
}

void tc_set_u256(json_t *o, const char *key, const tk_u256 *x)
{
    char s[TK_U256_DEC_MAX];
    if (tk_u256_to_dec(s, sizeof s, x) == TK_OK)
        json_object_set_new(o, key, json_string(s));
}

void tc_set_mpz(json_t *o, const char *key, const mpz_t x)
{
    char *s = mpz_get_str(NULL, 10, x);
    if (s == NULL)
        return;
    json_object_set_new(o, key, json_string(s));
    free(s); /* GMP's default allocator is malloc */
}

void tc_set_int64(json_t *o, const char *key, int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    json_object_set_new(o, key, json_string(s));
}

json_t *tc_params_json(const tk_ticket_params *p)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    tc_set_address(o, "recipient", &p->recipient);
    tc_set_u256(o, "face_value", &p->face_value);
    tc_set_u256(o, "win_prob", &p->win_prob);
    tc_set_hex(o, "recipient_rand_hash", p->recipient_rand_hash.bytes, 32);
    tc_set_u256(o, "seed", &p->seed);
    tc_set_u256(o, "expiration_block", &p->expiration_block);
    tc_set_int64(o, "creation_round", p->creation_round);
    tc_set_hex(o, "creation_round_block_hash",
               p->creation_round_block_hash.bytes, 32);
    tc_set_u256(o, "price_num", &p->price.num);
    tc_set_u256(o, "price_den", &p->price.den);
    return o;
}

/* Proto3 defaults are left out, as in payment_proto.json. */
static void set_bytes_nz(json_t *o, const char *key, const uint8_t *b,
                         size_t len)
{
    if (len > 0)
        tc_set_hex(o, key, b, len);
}

static void set_int64_nz(json_t *o, const char *key, int64_t v)
{
    if (v != 0)
        tc_set_int64(o, key, v);
}

static json_t *expiration_json(const tk_wire_expiration_params *e)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    set_int64_nz(o, "creation_round", e->creation_round);
    set_bytes_nz(o, "creation_round_block_hash", e->creation_round_block_hash,
                 e->creation_round_block_hash_len);
    return o;
}

json_t *tc_wire_payment_json(const tk_wire_payment *w)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    if (w->ticket_params.present) {
        const tk_wire_ticket_params *p = &w->ticket_params;
        json_t *t = json_object();
        set_bytes_nz(t, "recipient", p->recipient, p->recipient_len);
        set_bytes_nz(t, "face_value", p->face_value, p->face_value_len);
        set_bytes_nz(t, "win_prob", p->win_prob, p->win_prob_len);
        set_bytes_nz(t, "recipient_rand_hash", p->recipient_rand_hash,
                     p->recipient_rand_hash_len);
        set_bytes_nz(t, "seed", p->seed, p->seed_len);
        set_bytes_nz(t, "expiration_block", p->expiration_block,
                     p->expiration_block_len);
        if (p->expiration_params.present)
            json_object_set_new(t, "expiration_params",
                                expiration_json(&p->expiration_params));
        json_object_set_new(o, "ticket_params", t);
    }
    set_bytes_nz(o, "sender", w->sender, w->sender_len);
    if (w->expiration_params.present)
        json_object_set_new(o, "expiration_params",
                            expiration_json(&w->expiration_params));
    if (w->count > 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < w->count; i++) {
            json_t *t = json_object();
            if (w->tickets[i].sender_nonce != 0)
                json_object_set_new(t, "sender_nonce",
                                    json_integer(w->tickets[i].sender_nonce));
            set_bytes_nz(t, "sig", w->tickets[i].sig, w->tickets[i].sig_len);
            json_array_append_new(arr, t);
        }
        json_object_set_new(o, "ticket_sender_params", arr);
    }
    if (w->expected_price.present) {
        json_t *p = json_object();
        set_int64_nz(p, "pricePerUnit", w->expected_price.price_per_unit);
        set_int64_nz(p, "pixelsPerUnit", w->expected_price.pixels_per_unit);
        json_object_set_new(o, "expected_price", p);
    }
    return o;
}

int tc_set_payment(tc *c, const tk_payment *p)
{
    tk_wire_payment w;
    uint8_t *bytes = NULL;
    char *b64 = NULL;
    size_t n = 0;
    tk_status st = tk_wire_payment_from_payment(&w, p);
    if (st == TK_OK) {
        st = tk_wire_payment_pack(NULL, &n, &w);
        if (st == TK_ERR_BUFFER_TOO_SMALL) {
            bytes = malloc(n);
            b64 = malloc(TK_BASE64_ENCODED_LEN(n) + 1);
            st = (bytes == NULL || b64 == NULL)
                     ? TK_ERR_NOMEM
                     : tk_wire_payment_pack(bytes, &n, &w);
        }
        if (st == TK_OK) {
            size_t cap = TK_BASE64_ENCODED_LEN(n) + 1;
            st = tk_base64_encode(b64, &cap, bytes, n);
        }
    }
    if (st == TK_OK) {
        json_object_set_new(c->out, "payment", tc_wire_payment_json(&w));
        json_object_set_new(c->out, "base64", json_string(b64));
    }
    tk_wire_payment_clear(&w);
    free(bytes);
    free(b64);
    return st == TK_OK ? 0 : tc_fail_status(c, st, "encoding the payment");
}

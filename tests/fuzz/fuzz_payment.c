/* SPDX-License-Identifier: MIT */
/* Fuzz the protobuf Payment decoder (wire.h): tk_wire_payment_unpack,
 * tk_wire_payment_to_payment and tk_wire_decode_payment. Input: the
 * message bytes, as they arrive after base64 decoding.
 *
 * Invariants: failures leave the outputs empty; the one-call decoder
 * agrees with the two steps; the encoder reaches a fixed point after one
 * decode (encode(decode(encode(decode(b)))) == encode(decode(b))); an
 * accepted tk_payment survives encode -> decode unchanged, and every one
 * of its tickets can be hashed. */
#include "fuzz.h"
#include "fuzz_model.h"

#include "ticket/wire.h"

#include <string.h>

static uint8_t *encode_wire(const tk_wire_payment *w, size_t *len)
{
    uint8_t *buf;
    tk_status st;

    *len = 0;
    st = tk_wire_payment_pack(NULL, len, w);
    FUZZ_CHECK(st == TK_ERR_BUFFER_TOO_SMALL || (st == TK_OK && *len == 0));
    buf = malloc(*len + 1);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(tk_wire_payment_pack(buf, len, w) == TK_OK);
    return buf;
}

static void check_wire_level(const uint8_t *data, size_t size)
{
    tk_wire_payment w, w2;
    uint8_t *e1, *e2;
    size_t n1, n2;

    if (tk_wire_payment_unpack(&w, data, size) != TK_OK) {
        static const tk_wire_payment zero;
        FUZZ_CHECK(memcmp(&w, &zero, sizeof w) == 0);
        return;
    }
    e1 = encode_wire(&w, &n1);
    FUZZ_CHECK(tk_wire_payment_unpack(&w2, e1, n1) == TK_OK);
    e2 = encode_wire(&w2, &n2);
    FUZZ_CHECK(n1 == n2 && memcmp(e1, e2, n1) == 0);
    /* The canonical form is never longer than what was decoded, except
     * for sub-messages/fields the decoder merged (never more bytes). */
    FUZZ_CHECK(n1 <= size);
    free(e1);
    free(e2);
    tk_wire_payment_clear(&w2);
    tk_wire_payment_clear(&w);
}

static void check_payment_level(const uint8_t *data, size_t size)
{
    tk_payment p, q;
    tk_wire_payment w;
    uint8_t *buf;
    size_t len = 0, i;
    tk_status st, st2;

    st = tk_wire_decode_payment(&p, data, size);
    /* Same verdict as the two steps. */
    st2 = tk_wire_payment_unpack(&w, data, size);
    if (st2 == TK_OK) {
        tk_payment r;
        st2 = tk_wire_payment_to_payment(&r, &w);
        if (st2 != TK_OK)
            FUZZ_CHECK(fuzz_payment_is_empty(&r));
        tk_payment_clear(&r);
        tk_wire_payment_clear(&w);
    }
    FUZZ_CHECK(st == st2);
    if (st != TK_OK) {
        FUZZ_CHECK(fuzz_payment_is_empty(&p));
        return;
    }
    for (i = 0; i < p.count; i++) {
        tk_ticket t;
        tk_hash h;
        FUZZ_CHECK(tk_payment_ticket(&t, &p, i) == TK_OK);
        FUZZ_CHECK(tk_ticket_hash(&h, &t) == TK_OK);
    }
    /* Re-encode as a broadcaster would, decode again: the same payment. */
    st = tk_wire_encode_payment(NULL, &len, &p);
    FUZZ_CHECK(st == TK_ERR_BUFFER_TOO_SMALL);
    buf = malloc(len);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(tk_wire_encode_payment(buf, &len, &p) == TK_OK);
    FUZZ_CHECK(tk_wire_decode_payment(&q, buf, len) == TK_OK);
    FUZZ_CHECK(fuzz_payment_equal(&p, &q));
    free(buf);
    tk_payment_clear(&q);
    tk_payment_clear(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_wire_level(data, size);
    check_payment_level(data, size);
    return 0;
}

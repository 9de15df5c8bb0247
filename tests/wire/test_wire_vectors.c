/* SPDX-License-Identifier: MIT */
/* payment_proto.json, every case, both ways: bytes -> wire struct ->
 * tk_payment, and JSON -> wire struct -> bytes, plus base64 and the
 * OrchestratorInfo params encoding. */
#include "wire_test_util.h"

#include "ticket/keys.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void decode_matches_json(const json_t *c, const uint8_t *bytes,
                                size_t len, void *arg)
{
    tk_wire_payment w;
    (void)arg;
    assert_int_equal(tk_wire_payment_unpack(&w, bytes, len), TK_OK);
    wt_assert_payment_json(&w, json_object_get(c, "payment"));
    tk_wire_payment_clear(&w);
}

static void test_decode_matches_json(void **state)
{
    (void)state;
    wt_each_case(decode_matches_json, NULL);
}

static void encode_matches_bytes(const json_t *c, const uint8_t *bytes,
                                 size_t len, void *arg)
{
    size_t outlen = 0;
    uint8_t *out;
    tk_wire_payment w;
    (void)arg;
    wt_payment_from_json(&w, json_object_get(c, "payment"));
    /* Size query first, then an exact buffer. */
    assert_int_equal(tk_wire_payment_pack(NULL, &outlen, &w),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(outlen, len);
    out = malloc(len + 1);
    assert_non_null(out);
    outlen = len;
    assert_int_equal(tk_wire_payment_pack(out, &outlen, &w), TK_OK);
    assert_int_equal(outlen, len);
    assert_memory_equal(out, bytes, len);
    /* One byte short is refused without writing a partial message. */
    outlen = len - 1;
    assert_int_equal(tk_wire_payment_pack(out, &outlen, &w),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(outlen, len);
    tk_wire_payment_clear(&w);
    free(out);
}

static void test_encode_matches_bytes(void **state)
{
    (void)state;
    wt_each_case(encode_matches_bytes, NULL);
}

static void base64_matches(const json_t *c, const uint8_t *bytes, size_t len,
                           void *arg)
{
    size_t n = len, enclen = TK_BASE64_ENCODED_LEN(len) + 1;
    const char *b64 = tk_test_str(c, "encoded_base64");
    char *enc = malloc(TK_BASE64_ENCODED_LEN(len) + 1);
    uint8_t *dec = malloc(len + 1);
    (void)arg;
    assert_non_null(enc);
    assert_non_null(dec);
    assert_int_equal(tk_base64_encode(enc, &enclen, bytes, len), TK_OK);
    assert_int_equal(enclen, strlen(b64));
    assert_string_equal(enc, b64);
    assert_int_equal(tk_base64_decode(dec, &n, b64, strlen(b64)), TK_OK);
    assert_int_equal(n, len);
    assert_memory_equal(dec, bytes, len);
    free(enc);
    free(dec);
}

static void test_base64_matches(void **state)
{
    (void)state;
    wt_each_case(base64_matches, NULL);
}

static void u256_dec(tk_u256 *out, const char *dec)
{
    tk_test_dec256(out->bytes, dec);
}

/* What tk_wire_payment_to_payment must give for case c: the statuses the
 * README's rules imply, and the fields of `values`. */
static void check_payment(const json_t *c, const tk_payment *p, tk_status st)
{
    const json_t *pay = json_object_get(c, "payment");
    const json_t *values = json_object_get(c, "values");
    const json_t *price = json_object_get(pay, "expected_price");
    const json_t *tickets = json_object_get(values, "tickets");
    int64_t ppu = 0, pxpu = 0;
    tk_address sender;
    size_t n;

    if (price != NULL) {
        const json_t *v;
        if ((v = json_object_get(price, "pricePerUnit")) != NULL)
            ppu = wt_dec64(json_string_value(v));
        if ((v = json_object_get(price, "pixelsPerUnit")) != NULL)
            pxpu = wt_dec64(json_string_value(v));
    }
    tk_test_hex(sender.bytes, TK_ADDRESS_LEN, tk_test_str(values, "sender"));

    if (json_object_get(pay, "ticket_params") == NULL) {
        /* No params: nothing paid, price zero. */
        assert_int_equal(st, TK_OK);
        assert_memory_equal(p->sender.bytes, sender.bytes, TK_ADDRESS_LEN);
        assert_int_equal(p->count, 0);
        tk_u256 zero, one;
        memset(&zero, 0, sizeof zero);
        u256_dec(&one, "1");
        assert_memory_equal(&p->params.price.num, &zero, 32);
        assert_memory_equal(&p->params.price.den, &one, 32);
        return;
    }
    if (price == NULL || pxpu == 0) {
        assert_int_equal(st, TK_ERR_INVALID_PRICE);
        tk_payment zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(p, &zero, sizeof zero);
        return;
    }
    assert_int_equal(st, TK_OK);
    assert_memory_equal(p->sender.bytes, sender.bytes, TK_ADDRESS_LEN);

    tk_address recipient;
    tk_hash h;
    tk_u256 x;
    tk_test_hex(recipient.bytes, 20, tk_test_str(values, "recipient"));
    assert_memory_equal(p->params.recipient.bytes, recipient.bytes, 20);
    u256_dec(&x, tk_test_str(values, "face_value"));
    assert_memory_equal(&p->params.face_value, &x, 32);
    u256_dec(&x, tk_test_str(values, "win_prob"));
    assert_memory_equal(&p->params.win_prob, &x, 32);
    u256_dec(&x, tk_test_str(values, "seed"));
    assert_memory_equal(&p->params.seed, &x, 32);
    u256_dec(&x, tk_test_str(values, "expiration_block"));
    assert_memory_equal(&p->params.expiration_block, &x, 32);
    tk_test_hex(h.bytes, 32, tk_test_str(values, "recipient_rand_hash"));
    assert_memory_equal(&p->params.recipient_rand_hash, &h, 32);
    assert_true(p->params.creation_round ==
                wt_dec64(tk_test_str(values, "creation_round")));
    tk_test_hex(h.bytes, 32, tk_test_str(values, "creation_round_block_hash"));
    assert_memory_equal(&p->params.creation_round_block_hash, &h, 32);

    /* The price, reduced (computed here with a plain gcd). */
    uint64_t g = gcd64((uint64_t)ppu, (uint64_t)pxpu);
    uint64_t num = (uint64_t)ppu / g, den = (uint64_t)pxpu / g;
    tk_u256 want;
    memset(&want, 0, sizeof want);
    for (int b = 0; b < 8; b++)
        want.bytes[31 - b] = (uint8_t)(num >> (8 * b));
    assert_memory_equal(&p->params.price.num, &want, 32);
    memset(&want, 0, sizeof want);
    for (int b = 0; b < 8; b++)
        want.bytes[31 - b] = (uint8_t)(den >> (8 * b));
    assert_memory_equal(&p->params.price.den, &want, 32);

    n = json_array_size(tickets);
    assert_int_equal(p->count, n);
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(tickets, i);
        tk_ticket ticket;
        tk_hash hash, want_hash;
        tk_sig sig;
        assert_int_equal(p->tickets[i].sender_nonce,
                         tk_test_uint(t, "sender_nonce"));
        tk_test_hex(sig.bytes, 65, tk_test_str(t, "signature"));
        assert_memory_equal(p->tickets[i].sig.bytes, sig.bytes, 65);
        /* The ticket the conversion describes hashes to the vector's. */
        assert_int_equal(tk_payment_ticket(&ticket, p, i), TK_OK);
        assert_int_equal(tk_ticket_hash(&hash, &ticket), TK_OK);
        tk_test_hex(want_hash.bytes, 32, tk_test_str(t, "ticket_hash"));
        assert_memory_equal(hash.bytes, want_hash.bytes, 32);
    }
}

static void to_payment(const json_t *c, const uint8_t *bytes, size_t len,
                       void *arg)
{
    const char *b64 = tk_test_str(c, "encoded_base64");
    tk_wire_payment w;
    tk_payment p;
    tk_status st;
    (void)arg;

    assert_int_equal(tk_wire_payment_unpack(&w, bytes, len), TK_OK);
    st = tk_wire_payment_to_payment(&p, &w);
    check_payment(c, &p, st);
    tk_payment_clear(&p);
    tk_wire_payment_clear(&w);

    st = tk_wire_decode_payment(&p, bytes, len);
    check_payment(c, &p, st);
    tk_payment_clear(&p);

    st = tk_wire_decode_payment_header(&p, b64, strlen(b64));
    check_payment(c, &p, st);
    tk_payment_clear(&p);
}

static void test_to_payment(void **state)
{
    (void)state;
    wt_each_case(to_payment, NULL);
}

/* Cases in go-livepeer broadcaster form (no TicketParams field 7, reduced
 * price, expiration params in field 3) survive tk_payment and back. */
static int broadcaster_form(const json_t *pay)
{
    const json_t *tp = json_object_get(pay, "ticket_params");
    const json_t *price = json_object_get(pay, "expected_price");
    const json_t *exp = json_object_get(pay, "expiration_params");
    const json_t *v;
    int64_t ppu = 0, pxpu = 0;
    if (tp == NULL || price == NULL || exp == NULL ||
        json_object_get(tp, "expiration_params") != NULL ||
        json_object_get(exp, "creation_round_block_hash") == NULL)
        return 0;
    if ((v = json_object_get(price, "pricePerUnit")) != NULL)
        ppu = wt_dec64(json_string_value(v));
    if ((v = json_object_get(price, "pixelsPerUnit")) != NULL)
        pxpu = wt_dec64(json_string_value(v));
    return pxpu > 0 && gcd64((uint64_t)ppu, (uint64_t)pxpu) == 1;
}

static void from_payment_round_trip(const json_t *c, const uint8_t *bytes,
                                    size_t len, void *arg)
{
    size_t *tried = arg, outlen = len;
    const char *b64 = tk_test_str(c, "encoded_base64");
    uint8_t *out;
    char *hdr;
    tk_payment p;
    if (!broadcaster_form(json_object_get(c, "payment")))
        return;
    (*tried)++;
    assert_int_equal(tk_wire_decode_payment(&p, bytes, len), TK_OK);
    out = malloc(len);
    assert_non_null(out);
    assert_int_equal(tk_wire_encode_payment(out, &outlen, &p), TK_OK);
    assert_int_equal(outlen, len);
    assert_memory_equal(out, bytes, len);

    outlen = 0;
    assert_int_equal(tk_wire_encode_payment_header(NULL, &outlen, &p),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(outlen, strlen(b64) + 1);
    hdr = malloc(outlen);
    assert_non_null(hdr);
    assert_int_equal(tk_wire_encode_payment_header(hdr, &outlen, &p), TK_OK);
    assert_int_equal(outlen, strlen(b64));
    assert_string_equal(hdr, b64);
    free(hdr);
    free(out);
    tk_payment_clear(&p);
}

static void test_from_payment_round_trip(void **state)
{
    size_t tried = 0;
    (void)state;
    wt_each_case(from_payment_round_trip, &tried);
    assert_int_equal(tried, 7); /* cases 2, 3, 5, 7, 9, 10, 13 */
}

static void assert_params_equal(const tk_ticket_params *a,
                                const tk_ticket_params *b)
{
    assert_memory_equal(&a->recipient, &b->recipient, sizeof a->recipient);
    assert_memory_equal(&a->face_value, &b->face_value, 32);
    assert_memory_equal(&a->win_prob, &b->win_prob, 32);
    assert_memory_equal(&a->recipient_rand_hash, &b->recipient_rand_hash, 32);
    assert_memory_equal(&a->seed, &b->seed, 32);
    assert_memory_equal(&a->expiration_block, &b->expiration_block, 32);
    assert_memory_equal(&a->price, &b->price, sizeof a->price);
    assert_true(a->creation_round == b->creation_round);
    assert_memory_equal(&a->creation_round_block_hash,
                        &b->creation_round_block_hash, 32);
}

static void params_encoding(const json_t *c, const uint8_t *bytes, size_t len,
                            void *arg)
{
    size_t *tried = arg, outlen, wl = 0, tpl;
    wt_field f[64];
    const wt_field *tp = NULL, *exp = NULL, *price = NULL;
    uint8_t want[1024], *out;
    tk_payment p;
    tk_ticket_params back;
    int n;

    if (!broadcaster_form(json_object_get(c, "payment")))
        return;
    (*tried)++;
    n = wt_scan(bytes, len, f, 64);
    assert_true(n > 0 && n <= 64);
    for (int k = 0; k < n; k++) {
        if (f[k].number == 1)
            tp = &f[k];
        if (f[k].number == 3)
            exp = &f[k];
        if (f[k].number == 5)
            price = &f[k];
    }
    assert_non_null(tp);
    assert_non_null(exp);
    assert_non_null(price);
    /* OrchestratorInfo field 2: the TicketParams bytes plus field 7, whose
     * length fits a 2-byte varint. */
    tpl = tp->body_len + (exp->end - exp->start);
    assert_true(tpl < 16384);
    want[wl++] = 0x12;
    if (tpl < 128) {
        want[wl++] = (uint8_t)tpl;
    } else {
        want[wl++] = (uint8_t)(0x80 | (tpl & 0x7f));
        want[wl++] = (uint8_t)(tpl >> 7);
    }
    memcpy(want + wl, bytes + tp->body, tp->body_len);
    wl += tp->body_len;
    memcpy(want + wl, bytes + exp->start, exp->end - exp->start);
    want[wl] = 0x3a; /* field 7, length-delimited */
    wl += exp->end - exp->start;
    memcpy(want + wl, bytes + price->start, price->end - price->start);
    want[wl] = 0x1a; /* field 3, length-delimited */
    wl += price->end - price->start;

    assert_int_equal(tk_wire_decode_payment(&p, bytes, len), TK_OK);
    outlen = 0;
    assert_int_equal(tk_wire_encode_params(NULL, &outlen, &p.params),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(outlen, wl);
    out = malloc(outlen);
    assert_non_null(out);
    assert_int_equal(tk_wire_encode_params(out, &outlen, &p.params), TK_OK);
    assert_memory_equal(out, want, wl);
    assert_int_equal(tk_wire_decode_params(&back, want, wl), TK_OK);
    assert_params_equal(&back, &p.params);
    free(out);
    tk_payment_clear(&p);
}

/* OrchestratorInfo { ticket_params = 2; price_info = 3; }: built here from
 * the vector's own sub-messages (TicketParams = Payment field 1 plus the
 * Payment field 3 bytes re-tagged as field 7). */
static void test_params_encoding(void **state)
{
    size_t tried = 0;
    (void)state;
    wt_each_case(params_encoding, &tried);
    assert_int_equal(tried, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_matches_json),
        cmocka_unit_test(test_encode_matches_bytes),
        cmocka_unit_test(test_base64_matches),
        cmocka_unit_test(test_to_payment),
        cmocka_unit_test(test_from_payment_round_trip),
        cmocka_unit_test(test_params_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

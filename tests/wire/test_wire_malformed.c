/* SPDX-License-Identifier: MIT */
/* Untrusted bytes: truncation at every length, wrong wire types, fields of
 * wrong lengths, oversize integers, random garbage, the conversion rules
 * of docs/protocol-notes.md section 9, and argument misuse. */
/* The misuse tests pass NULL on purpose: build without the headers' nonnull
 * hints, as the library itself is (else UBSan and the optimizer act on them). */
#define TICKET_BUILD 1

#include "wire_test_util.h"

#include <stdlib.h>
#include <string.h>

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* Decode; on failure assert the output is zeroed. */
static tk_status decode(tk_wire_payment *w, const uint8_t *buf, size_t len)
{
    tk_status st = tk_wire_payment_unpack(w, buf, len);
    if (st != TK_OK)
        assert_true(all_zero(w, sizeof *w));
    return st;
}

static tk_status to_payment(tk_payment *p, const uint8_t *buf, size_t len)
{
    tk_status st = tk_wire_decode_payment(p, buf, len);
    if (st != TK_OK)
        assert_true(all_zero(p, sizeof *p));
    return st;
}

/* A prefix of a valid message decodes iff it ends on a top-level field
 * boundary (then it is itself a canonical message and re-encodes to the
 * same bytes); any other cut is TK_ERR_MALFORMED. */
static void truncation(const json_t *c, const uint8_t *bytes, size_t len,
                       void *arg)
{
    wt_field f[64];
    int n = wt_scan(bytes, len, f, 64);
    (void)c;
    (void)arg;
    assert_true(n > 0 && n <= 64);
    for (size_t cut = 0; cut < len; cut++) {
        int boundary = (cut == 0);
        tk_wire_payment w;
        tk_status st;
        uint8_t *copy = malloc(cut + 1); /* exact size: ASan sees over-reads */
        assert_non_null(copy);
        memcpy(copy, bytes, cut);
        for (int k = 0; k < n; k++)
            if (f[k].end == cut)
                boundary = 1;
        st = decode(&w, copy, cut);
        if (boundary) {
            uint8_t out[4096];
            size_t outlen = sizeof out;
            assert_int_equal(st, TK_OK);
            assert_int_equal(tk_wire_payment_pack(out, &outlen, &w), TK_OK);
            assert_int_equal(outlen, cut);
            assert_memory_equal(out, bytes, cut);
        } else {
            assert_int_equal(st, TK_ERR_MALFORMED);
        }
        tk_wire_payment_clear(&w);
        free(copy);
    }
}

static void test_truncation_every_length(void **state)
{
    (void)state;
    wt_each_case(truncation, NULL);
}

static void expect_malformed(const uint8_t *b, size_t n)
{
    tk_wire_payment w;
    tk_payment p;
    assert_int_equal(decode(&w, b, n), TK_ERR_MALFORMED);
    assert_int_equal(to_payment(&p, b, n), TK_ERR_MALFORMED);
}

#define MALFORMED(...)                                                         \
    do {                                                                       \
        const uint8_t b_[] = {__VA_ARGS__};                                    \
        expect_malformed(b_, sizeof b_);                                       \
    } while (0)

static void test_wrong_wire_types(void **state)
{
    (void)state;
    MALFORMED(0x08, 0x01);                   /* ticket_params as varint */
    MALFORMED(0x10, 0x05);                   /* sender as varint */
    MALFORMED(0x18, 0x05);                   /* expiration_params as varint */
    MALFORMED(0x20, 0x05);                   /* ticket_sender_params varint */
    MALFORMED(0x28, 0x05);                   /* expected_price as varint */
    MALFORMED(0x15, 1, 2, 3, 4);             /* sender as fixed32 */
    MALFORMED(0x11, 1, 2, 3, 4, 5, 6, 7, 8); /* sender as fixed64 */
    MALFORMED(0x0a, 0x02, 0x08, 0x01);       /* TicketParams.recipient varint */
    MALFORMED(0x0a, 0x02, 0x38, 0x01);       /* TicketParams.expiration varint */
    MALFORMED(0x1a, 0x02, 0x0a, 0x00);       /* creation_round as bytes */
    MALFORMED(0x1a, 0x02, 0x10, 0x01);       /* block hash as varint */
    MALFORMED(0x22, 0x02, 0x0a, 0x00);       /* sender_nonce as bytes */
    MALFORMED(0x22, 0x02, 0x10, 0x01);       /* sig as varint */
    MALFORMED(0x2a, 0x02, 0x0a, 0x00);       /* pricePerUnit as bytes */
    MALFORMED(0x2a, 0x05, 0x15, 1, 2, 3, 4); /* pixelsPerUnit as fixed32 */
    MALFORMED(0x0b, 0x0c);                   /* group start/end */
    MALFORMED(0x0f);                         /* wire type 7 */
    MALFORMED(0x00, 0x00);                   /* field number 0 */
    MALFORMED(0x12, 0x14);                   /* length past the end */
    MALFORMED(0x12, 0xff, 0xff, 0xff, 0xff, 0x0f); /* huge length */
    MALFORMED(0x22, 0x02, 0x08, 0x80);       /* unterminated varint */
    MALFORMED(0x2a, 0x0c, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
              0xff, 0xff, 0xff, 0x01);       /* 11-byte varint */
}

/* A Payment whose only field is one bytes field of TicketParams (or of the
 * Payment itself) with n bytes. */
static size_t one_field(uint8_t *buf, int in_params, uint8_t tag, size_t n)
{
    size_t o = 0;
    if (in_params) {
        buf[o++] = 0x0a;
        buf[o++] = (uint8_t)(n + 2);
    }
    buf[o++] = tag;
    buf[o++] = (uint8_t)n;
    memset(buf + o, 0x5a, n);
    return o + n;
}

static void check_lengths(int in_params, uint8_t tag, size_t exact,
                          size_t max)
{
    for (size_t n = 1; n <= 70; n++) {
        uint8_t buf[128];
        size_t len = one_field(buf, in_params, tag, n);
        tk_wire_payment w;
        int ok = exact ? n == exact : n <= max;
        assert_int_equal(decode(&w, buf, len), ok ? TK_OK : TK_ERR_MALFORMED);
        tk_wire_payment_clear(&w);
    }
}

static void test_field_lengths(void **state)
{
    (void)state;
    check_lengths(0, 0x12, 20, 0);  /* sender */
    check_lengths(1, 0x0a, 20, 0);  /* recipient */
    check_lengths(1, 0x12, 0, 32);  /* face_value */
    check_lengths(1, 0x1a, 0, 32);  /* win_prob */
    check_lengths(1, 0x22, 32, 0);  /* recipient_rand_hash */
    check_lengths(1, 0x2a, 0, 32);  /* seed */
    check_lengths(1, 0x32, 0, 32);  /* expiration_block */
    for (size_t n = 1; n <= 70; n++) {
        uint8_t buf[128];
        size_t o = 0;
        tk_wire_payment w;
        /* expiration_params.creation_round_block_hash */
        buf[o++] = 0x1a;
        buf[o++] = (uint8_t)(n + 2);
        o += one_field(buf + o, 0, 0x12, n);
        assert_int_equal(decode(&w, buf, o), n == 32 ? TK_OK : TK_ERR_MALFORMED);
        tk_wire_payment_clear(&w);
        /* ticket_sender_params.sig: any length decodes (issue 11); only a
         * 65-byte one is kept, any other is the ticket's own fault and is
         * kept as an empty signature. */
        o = 0;
        buf[o++] = 0x22;
        buf[o++] = (uint8_t)(n + 2);
        o += one_field(buf + o, 0, 0x12, n);
        assert_int_equal(decode(&w, buf, o), TK_OK);
        assert_int_equal(w.count, 1);
        assert_int_equal(w.tickets[0].sig_len, n == 65 ? 65 : 0);
        tk_wire_payment_clear(&w);
    }
}

/* A valid broadcaster-form payment from the vectors, in wire form. */
static void base_case(tk_wire_payment *w, size_t case_index)
{
    json_t *cases, *root = tk_test_load("payment_proto.json", &cases);
    json_t *c = json_array_get(cases, case_index);
    assert_non_null(c);
    wt_payment_from_json(w, json_object_get(c, "payment"));
    json_decref(root);
}

static tk_status convert(tk_payment *p, const tk_wire_payment *w)
{
    tk_status st = tk_wire_payment_to_payment(p, w);
    if (st != TK_OK)
        assert_true(all_zero(p, sizeof *p));
    return st;
}

static void test_conversion_rules(void **state)
{
    tk_wire_payment w;
    tk_payment p;
    (void)state;

    base_case(&w, 5); /* 3 tickets, with expected_price */
    assert_true(w.count == 3 && w.expected_price.present);
    assert_int_equal(convert(&p, &w), TK_OK);
    tk_payment_clear(&p);

    /* Each required field missing, and each numeric rule. */
    {
        tk_wire_payment v = w;
        v.sender_len = 0;
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v = w;
        v.ticket_params.recipient_len = 0;
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v = w;
        v.ticket_params.recipient_rand_hash_len = 0;
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v = w;
        v.expected_price.present = 0;
        assert_int_equal(convert(&p, &v), TK_ERR_INVALID_PRICE);
        v = w;
        v.expected_price.pixels_per_unit = 0;
        assert_int_equal(convert(&p, &v), TK_ERR_INVALID_PRICE);
        v = w;
        v.expected_price.pixels_per_unit = -1;
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v = w;
        v.expected_price.price_per_unit = -5;
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v = w;
        v.expiration_params.creation_round = -1;
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v = w;
        v.ticket_params.present = 0; /* tickets without params */
        assert_int_equal(convert(&p, &v), TK_ERR_MALFORMED);
        v.count = 0; /* no params, no tickets: nothing paid */
        assert_int_equal(convert(&p, &v), TK_OK);
        assert_int_equal(p.count, 0);
        tk_payment_clear(&p);
    }
    /* A ticket with a missing (empty) or wrong-length signature is that
     * ticket's fault only (issue 11): the payment converts, the ticket is
     * flagged, the others are intact, and the flag survives a round trip. */
    {
        uint8_t saved = (uint8_t)w.tickets[1].sig_len;
        tk_wire_payment back;
        w.tickets[1].sig_len = 0;
        assert_int_equal(convert(&p, &w), TK_OK);
        assert_int_equal(p.tickets[1].sig_bad_length, 1);
        assert_true(all_zero(p.tickets[1].sig.bytes, TK_SIG_LEN));
        assert_int_equal(p.tickets[0].sig_bad_length, 0);
        assert_memory_equal(p.tickets[0].sig.bytes, w.tickets[0].sig, TK_SIG_LEN);
        assert_int_equal(tk_wire_payment_from_payment(&back, &p), TK_OK);
        assert_int_equal(back.tickets[1].sig_len, 0);
        assert_int_equal(back.tickets[0].sig_len, TK_SIG_LEN);
        tk_wire_payment_clear(&back);
        tk_payment_clear(&p);
        w.tickets[1].sig_len = saved;
    }
    /* Expiration params: field 3 first, then TicketParams field 7, else
     * round 0 with a zero hash. */
    {
        tk_wire_payment v = w;
        tk_wire_expiration_params e7 = w.expiration_params;
        e7.creation_round = 77;
        memset(e7.creation_round_block_hash, 0xee, 32);
        v.ticket_params.expiration_params = e7;
        assert_int_equal(convert(&p, &v), TK_OK);
        assert_true(p.params.creation_round == w.expiration_params.creation_round);
        tk_payment_clear(&p);
        v.expiration_params.present = 0;
        assert_int_equal(convert(&p, &v), TK_OK);
        assert_true(p.params.creation_round == 77);
        assert_int_equal(p.params.creation_round_block_hash.bytes[0], 0xee);
        tk_payment_clear(&p);
        v.ticket_params.expiration_params.present = 0;
        assert_int_equal(convert(&p, &v), TK_OK);
        assert_true(p.params.creation_round == 0);
        assert_true(all_zero(&p.params.creation_round_block_hash, 32));
        tk_payment_clear(&p);
    }
    tk_wire_payment_clear(&w);
}

static void test_from_payment_refusals(void **state)
{
    tk_wire_payment w;
    tk_payment p;
    uint8_t out[4096];
    size_t outlen;
    (void)state;

    base_case(&w, 5);
    assert_int_equal(tk_wire_payment_to_payment(&p, &w), TK_OK);
    tk_wire_payment_clear(&w);

    /* PriceInfo holds int64: a price of 2^63 does not fit. */
    memset(&p.params.price.num, 0, 32);
    p.params.price.num.bytes[24] = 0x80;
    outlen = sizeof out;
    assert_int_equal(tk_wire_encode_payment(out, &outlen, &p),
                     TK_ERR_OUT_OF_RANGE);
    assert_int_equal(outlen, 0);
    assert_int_equal(tk_wire_payment_from_payment(&w, &p), TK_ERR_OUT_OF_RANGE);
    assert_true(all_zero(&w, sizeof w));
    p.params.price.num.bytes[24] = 0x7f; /* 2^63 - 2^56: fits */
    outlen = sizeof out;
    assert_int_equal(tk_wire_encode_payment(out, &outlen, &p), TK_OK);
    memset(&p.params.price.den, 0, 32);
    outlen = sizeof out;
    assert_int_equal(tk_wire_encode_payment(out, &outlen, &p),
                     TK_ERR_INVALID_PRICE);
    assert_int_equal(tk_wire_encode_params(out, &outlen, &p.params),
                     TK_ERR_INVALID_PRICE);
    tk_payment_clear(&p);
}

static void test_random_garbage(void **state)
{
    unsigned long iters = tk_test_iters(20000);
    (void)state;
    tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        uint8_t buf[96];
        size_t len = (size_t)(tk_test_rand64() % sizeof buf);
        tk_wire_payment w;
        tk_payment p;
        tk_ticket_params params;
        tk_status st;
        tk_test_rand_bytes(buf, len);
        /* Bias towards plausible tags so that nested parsing is reached. */
        if (len > 0 && (it & 1))
            buf[0] = (uint8_t)(0x0a + 8 * (tk_test_rand64() % 5));
        st = decode(&w, buf, len);
        assert_true(st == TK_OK || st == TK_ERR_MALFORMED);
        if (st == TK_OK) {
            uint8_t out[256];
            size_t outlen = sizeof out;
            /* Whatever decodes re-encodes (canonically, within bounds). */
            assert_int_equal(tk_wire_payment_pack(out, &outlen, &w), TK_OK);
            st = convert(&p, &w);
            assert_true(st == TK_OK || st == TK_ERR_MALFORMED ||
                        st == TK_ERR_INVALID_PRICE);
            tk_payment_clear(&p);
        }
        tk_wire_payment_clear(&w);
        st = tk_wire_decode_params(&params, buf, len);
        assert_true(st == TK_OK || st == TK_ERR_MALFORMED ||
                    st == TK_ERR_INVALID_PRICE);
        if (st != TK_OK)
            assert_true(all_zero(&params, sizeof params));
    }
}

/* Allocation stays proportional to the input: a dense message of 100000
 * empty TicketSenderParams decodes (and is refused as a payment: tickets
 * without params),
 * and anything past TK_WIRE_MAX_MESSAGE_LEN is refused up front. */
static void test_size_bounds(void **state)
{
    size_t n = 100000, len = 2 * n;
    uint8_t *buf = malloc(TK_WIRE_MAX_MESSAGE_LEN + 2);
    tk_wire_payment w;
    tk_payment p;
    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = 0x22;
        buf[2 * i + 1] = 0x00;
    }
    assert_int_equal(decode(&w, buf, len), TK_OK);
    assert_int_equal(w.count, n);
    tk_wire_payment_clear(&w);
    assert_int_equal(to_payment(&p, buf, len), TK_ERR_MALFORMED);

    /* Unknown fields are skipped: a long unknown bytes field (number 15). */
    memset(buf, 0, TK_WIRE_MAX_MESSAGE_LEN + 2);
    buf[0] = 0x7a;
    buf[1] = 0x80;
    buf[2] = 0x80;
    buf[3] = 0x01; /* 16384 bytes follow */
    assert_int_equal(decode(&w, buf, 4 + 16384), TK_OK);
    assert_int_equal(w.sender_len, 0);
    tk_wire_payment_clear(&w);

    assert_int_equal(decode(&w, buf, TK_WIRE_MAX_MESSAGE_LEN + 1),
                     TK_ERR_MALFORMED);
    free(buf);
}

static void test_empty_and_lenient(void **state)
{
    tk_wire_payment w;
    tk_payment p;
    (void)state;
    /* The empty message is a valid Payment with nothing set, but not a
     * payment (no sender). */
    assert_int_equal(decode(&w, NULL, 0), TK_OK);
    assert_true(all_zero(&w, sizeof w));
    assert_int_equal(to_payment(&p, NULL, 0), TK_ERR_MALFORMED);
    /* A uint32 varint keeps its low 32 bits, as in go-livepeer: the nonce
     * 2^32 + 5 reads as 5. */
    {
        const uint8_t b[] = {0x22, 0x06, 0x08, 0x85, 0x80, 0x80, 0x80, 0x10};
        assert_int_equal(decode(&w, b, sizeof b), TK_OK);
        assert_int_equal(w.count, 1);
        assert_int_equal(w.tickets[0].sender_nonce, 5);
        tk_wire_payment_clear(&w);
    }
    /* A repeated singular field: the last value wins. */
    {
        uint8_t b[44];
        memset(b, 0, sizeof b);
        b[0] = 0x12;
        b[1] = 20;
        memset(b + 2, 0x11, 20);
        b[22] = 0x12;
        b[23] = 20;
        memset(b + 24, 0x22, 20);
        assert_int_equal(decode(&w, b, sizeof b), TK_OK);
        assert_int_equal(w.sender[0], 0x22);
        tk_wire_payment_clear(&w);
    }
}

/* OrchestratorInfo: ticket_params (field 2) and price_info (field 3) are
 * both required; lengths as in a Payment. */
static void test_params_rules(void **state)
{
    tk_wire_payment w;
    tk_payment p;
    tk_ticket_params params, back;
    uint8_t buf[512], bad[600];
    size_t len = sizeof buf;
    (void)state;

    base_case(&w, 5);
    assert_int_equal(tk_wire_payment_to_payment(&p, &w), TK_OK);
    tk_wire_payment_clear(&w);
    params = p.params;
    tk_payment_clear(&p);
    assert_int_equal(tk_wire_encode_params(buf, &len, &params), TK_OK);
    assert_int_equal(tk_wire_decode_params(&back, buf, len), TK_OK);

    /* Empty, and each part alone. buf is 12 <len> TicketParams 1a <len>
     * PriceInfo: cut at the boundary to drop the price. */
    assert_int_equal(tk_wire_decode_params(&back, buf, 0), TK_ERR_MALFORMED);
    {
        size_t tp_len = buf[1] < 0x80 ? (size_t)buf[1] + 2
                                      : (size_t)((buf[1] & 0x7f) | (buf[2] << 7)) + 3;
        assert_true(tp_len < len);
        assert_int_equal(tk_wire_decode_params(&back, buf, tp_len),
                         TK_ERR_INVALID_PRICE);
        assert_true(all_zero(&back, sizeof back));
        assert_int_equal(tk_wire_decode_params(&back, buf + tp_len,
                                               len - tp_len), TK_ERR_MALFORMED);
    }
    /* Every truncation fails cleanly. */
    for (size_t cut = 1; cut < len; cut++) {
        tk_status st = tk_wire_decode_params(&back, buf, cut);
        assert_true(st == TK_ERR_MALFORMED || st == TK_ERR_INVALID_PRICE);
        assert_true(all_zero(&back, sizeof back));
    }
    /* Unknown OrchestratorInfo fields (e.g. go-livepeer's transcoder URI,
     * field 1) are skipped. */
    bad[0] = 0x0a;
    bad[1] = 4;
    memcpy(bad + 2, "http", 4);
    memcpy(bad + 6, buf, len);
    assert_int_equal(tk_wire_decode_params(&back, bad, len + 6), TK_OK);
    assert_memory_equal(&back.recipient_rand_hash, &params.recipient_rand_hash,
                        32);
    /* A negative creation round cannot be encoded. */
    params.creation_round = -1;
    len = sizeof buf;
    assert_int_equal(tk_wire_encode_params(buf, &len, &params),
                     TK_ERR_ILLEGAL_ARG);
}

static void test_misuse(void **state)
{
    tk_wire_payment w;
    tk_payment p;
    tk_ticket_params params;
    uint8_t b[8] = {0};
    size_t n = sizeof b;
    (void)state;
    memset(&w, 0, sizeof w);
    memset(&p, 0, sizeof p);
    assert_int_equal(tk_wire_payment_unpack(NULL, b, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_payment_unpack(&w, NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_payment_pack(b, NULL, &w), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_payment_pack(b, &n, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_payment_to_payment(NULL, &w), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_payment_to_payment(&p, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_payment_from_payment(&w, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_decode_payment(NULL, b, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_decode_payment(&p, NULL, 3), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_encode_payment(b, &n, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_decode_payment_header(&p, NULL, 4),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_encode_payment_header(NULL, NULL, &p),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_decode_params(&params, NULL, 2),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_encode_params(b, &n, NULL), TK_ERR_ILLEGAL_ARG);
    /* Inconsistent structs are refused, not dereferenced. */
    w.count = 2;
    n = sizeof b;
    assert_int_equal(tk_wire_payment_pack(b, &n, &w), TK_ERR_INVALID_LENGTH);
    assert_int_equal(tk_wire_payment_to_payment(&p, &w), TK_ERR_ILLEGAL_ARG);
    w.count = 0;
    w.sender_len = 21;
    assert_int_equal(tk_wire_payment_pack(b, &n, &w), TK_ERR_INVALID_LENGTH);
    p.count = 1;
    assert_int_equal(tk_wire_payment_from_payment(&w, &p), TK_ERR_ILLEGAL_ARG);
    p.count = 0;
    p.params.creation_round = -1;
    assert_int_equal(tk_wire_payment_from_payment(&w, &p), TK_ERR_ILLEGAL_ARG);
    tk_wire_payment_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_wrong_wire_types),
        cmocka_unit_test(test_field_lengths),
        cmocka_unit_test(test_conversion_rules),
        cmocka_unit_test(test_from_payment_refusals),
        cmocka_unit_test(test_random_garbage),
        cmocka_unit_test(test_size_bounds),
        cmocka_unit_test(test_empty_and_lenient),
        cmocka_unit_test(test_params_rules),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Redeem calldata: encoding against tests/vectors/redeem_calldata.json
 * (every single and batch case, and the selectors), strict decoding of the
 * same bytes, decode(encode(x)) == x for seeded random batches, and
 * malformed input (every truncation, trailing bytes, every one-byte
 * mutation, targeted bad offsets / counts / lengths / padding). */
#include "test_support.h"

#include "ticket/keccak.h"
#include "ticket/redeem.h"

#include <stdlib.h>
#include <string.h>

/* ---- vector parsing (independent of the library) ---------------------- */

static void parse_ticket(const json_t *o, tk_ticket *t)
{
    size_t auxlen;
    uint8_t *aux = tk_test_hex_alloc(tk_test_str(o, "aux_data"), &auxlen);

    memset(t, 0, sizeof *t);
    tk_test_hex(t->recipient.bytes, 20, tk_test_str(o, "recipient"));
    tk_test_hex(t->sender.bytes, 20, tk_test_str(o, "sender"));
    tk_test_dec256(t->face_value.bytes, tk_test_str(o, "face_value"));
    tk_test_dec256(t->win_prob.bytes, tk_test_str(o, "win_prob"));
    t->sender_nonce = (uint32_t)tk_test_uint(o, "sender_nonce");
    tk_test_hex(t->recipient_rand_hash.bytes, 32,
                tk_test_str(o, "recipient_rand_hash"));
    /* auxData = u256(round) || block hash, or empty for round 0 / zero. */
    assert_true(auxlen == 0 || auxlen == 64);
    if (auxlen == 64) {
        for (int i = 0; i < 24; i++)
            assert_int_equal(aux[i], 0);
        for (int i = 24; i < 32; i++)
            t->creation_round = (int64_t)(((uint64_t)t->creation_round << 8) |
                                          aux[i]);
        memcpy(t->creation_round_block_hash.bytes, aux + 32, 32);
    }
    free(aux);
}

static void assert_ticket_equal(const tk_ticket *a, const tk_ticket *b)
{
    assert_memory_equal(a->recipient.bytes, b->recipient.bytes, 20);
    assert_memory_equal(a->sender.bytes, b->sender.bytes, 20);
    assert_memory_equal(a->face_value.bytes, b->face_value.bytes, 32);
    assert_memory_equal(a->win_prob.bytes, b->win_prob.bytes, 32);
    assert_int_equal(a->sender_nonce, b->sender_nonce);
    assert_memory_equal(a->recipient_rand_hash.bytes,
                        b->recipient_rand_hash.bytes, 32);
    assert_int_equal(a->creation_round, b->creation_round);
    assert_memory_equal(a->creation_round_block_hash.bytes,
                        b->creation_round_block_hash.bytes, 32);
}

/* ---- selectors ---------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void test_selectors(void **state)
{
    json_t *root = tk_test_load("redeem_calldata.json", NULL);
    json_t *sels = json_object_get(root, "selectors"), *e;
    size_t i;
    int seen = 0;

    (void)state;
    assert_true(json_is_array(sels));
    json_array_foreach(sels, i, e) {
        const char *fn = tk_test_str(e, "function");
        const char *sig = tk_test_str(e, "signature");
        uint8_t want[4];
        tk_hash h;

        tk_test_hex(want, 4, tk_test_str(e, "selector"));
        /* Every selector in the file is keccak(signature)[0:4]. */
        assert_int_equal(tk_keccak256(&h, sig, strlen(sig)), TK_OK);
        assert_memory_equal(h.bytes, want, 4);
        if (strcmp(fn, "redeemWinningTicket") == 0) {
            assert_string_equal(sig, TK_REDEEM_SINGLE_SIGNATURE);
            assert_int_equal(be32(want), TK_REDEEM_SINGLE_SELECTOR);
            seen |= 1;
        } else if (strcmp(fn, "batchRedeemWinningTickets") == 0) {
            assert_string_equal(sig, TK_REDEEM_BATCH_SIGNATURE);
            assert_int_equal(be32(want), TK_REDEEM_BATCH_SELECTOR);
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    json_decref(root);
}

/* ---- single calls -------------------------------------------------------- */

static void test_single_vectors(void **state)
{
    json_t *cases, *root = tk_test_load("redeem_calldata.json", &cases), *c;
    size_t i;

    (void)state;
    json_array_foreach(cases, i, c) {
        tk_ticket t, dt;
        tk_sig sig, dsig;
        tk_u256 rand, drand;
        size_t wantlen, len = 0, cap;
        uint8_t *want = tk_test_hex_alloc(tk_test_str(c, "calldata"),
                                          &wantlen);
        uint8_t *out;

        parse_ticket(json_object_get(c, "ticket"), &t);
        tk_test_hex(sig.bytes, 65, tk_test_str(c, "signature"));
        tk_test_dec256(rand.bytes, tk_test_str(c, "recipient_rand"));

        assert_int_equal(tk_redeem_single_len(&len, &t), TK_OK);
        assert_int_equal(len, wantlen);
        out = malloc(wantlen);
        assert_non_null(out);
        /* Too small: the size needed comes back, the buffer is zeroed. */
        cap = wantlen - 1;
        memset(out, 0xaa, wantlen);
        assert_int_equal(tk_redeem_encode_single(out, &cap, &t, &sig, &rand),
                         TK_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(cap, wantlen);
        assert_int_equal(out[0], 0);
        cap = wantlen;
        assert_int_equal(tk_redeem_encode_single(out, &cap, &t, &sig, &rand),
                         TK_OK);
        assert_int_equal(cap, wantlen);
        assert_memory_equal(out, want, wantlen);

        assert_int_equal(tk_redeem_decode_single(&dt, &dsig, &drand, want,
                                                 wantlen), TK_OK);
        assert_ticket_equal(&dt, &t);
        assert_memory_equal(dsig.bytes, sig.bytes, 65);
        assert_memory_equal(drand.bytes, rand.bytes, 32);
        /* Single calldata is not a batch and vice versa. */
        cap = 0;
        assert_int_equal(tk_redeem_decode_batch(NULL, NULL, NULL, &cap, want,
                                                wantlen), TK_ERR_MALFORMED);
        free(out);
        free(want);
    }
    json_decref(root);
}

/* ---- batches --------------------------------------------------------------*/

typedef struct batch {
    size_t n;
    tk_ticket *t;
    tk_sig *s;
    tk_u256 *r;
} batch;

static void batch_alloc(batch *b, size_t n)
{
    b->n = n;
    b->t = calloc(n + 1, sizeof *b->t);
    b->s = calloc(n + 1, sizeof *b->s);
    b->r = calloc(n + 1, sizeof *b->r);
    assert_true(b->t && b->s && b->r);
}

static void batch_free(batch *b)
{
    free(b->t);
    free(b->s);
    free(b->r);
}

static void assert_batch_roundtrip(const batch *b, const uint8_t *cd,
                                   size_t len)
{
    batch d;
    size_t cap = 0;

    /* Ask for the count first. */
    assert_int_equal(tk_redeem_decode_batch(NULL, NULL, NULL, &cap, cd, len),
                     b->n == 0 ? TK_OK : TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(cap, b->n);
    batch_alloc(&d, b->n);
    cap = b->n;
    assert_int_equal(tk_redeem_decode_batch(d.t, d.s, d.r, &cap, cd, len),
                     TK_OK);
    assert_int_equal(cap, b->n);
    for (size_t i = 0; i < b->n; i++) {
        assert_ticket_equal(&d.t[i], &b->t[i]);
        assert_memory_equal(d.s[i].bytes, b->s[i].bytes, 65);
        assert_memory_equal(d.r[i].bytes, b->r[i].bytes, 32);
    }
    batch_free(&d);
}

static void test_batch_vectors(void **state)
{
    json_t *root = tk_test_load("redeem_calldata.json", NULL);
    json_t *cases = json_object_get(root, "batch_cases"), *c;
    size_t i;

    (void)state;
    assert_true(json_is_array(cases) && json_array_size(cases) > 0);
    json_array_foreach(cases, i, c) {
        json_t *ts = json_object_get(c, "tickets");
        json_t *ss = json_object_get(c, "signatures");
        json_t *rs = json_object_get(c, "recipient_rands");
        size_t wantlen, len = 0, cap;
        uint8_t *want = tk_test_hex_alloc(tk_test_str(c, "calldata"),
                                          &wantlen);
        uint8_t *out;
        batch b;

        batch_alloc(&b, json_array_size(ts));
        assert_int_equal(b.n, tk_test_uint(c, "size"));
        for (size_t k = 0; k < b.n; k++) {
            parse_ticket(json_array_get(ts, k), &b.t[k]);
            tk_test_hex(b.s[k].bytes, 65,
                        json_string_value(json_array_get(ss, k)));
            tk_test_dec256(b.r[k].bytes,
                           json_string_value(json_array_get(rs, k)));
        }
        assert_int_equal(tk_redeem_batch_len(&len, b.t, b.n), TK_OK);
        assert_int_equal(len, wantlen);
        out = malloc(wantlen);
        assert_non_null(out);
        cap = wantlen - 1;
        assert_int_equal(tk_redeem_encode_batch(out, &cap, b.t, b.s, b.r, b.n),
                         TK_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(cap, wantlen);
        cap = wantlen;
        assert_int_equal(tk_redeem_encode_batch(out, &cap, b.t, b.s, b.r, b.n),
                         TK_OK);
        assert_int_equal(cap, wantlen);
        assert_memory_equal(out, want, wantlen);
        assert_batch_roundtrip(&b, want, wantlen);
        free(out);
        free(want);
        batch_free(&b);
    }
    json_decref(root);
}

/* ---- property: decode(encode(x)) == x ----------------------------------- */

static void random_ticket(tk_ticket *t, tk_sig *s, tk_u256 *r)
{
    uint64_t shape = tk_test_rand64();

    memset(t, 0, sizeof *t);
    tk_test_rand_bytes(t->recipient.bytes, 20);
    tk_test_rand_bytes(t->sender.bytes, 20);
    tk_test_rand_bytes(t->face_value.bytes, 32);
    tk_test_rand_bytes(t->win_prob.bytes, 32);
    t->sender_nonce = (uint32_t)tk_test_rand64();
    tk_test_rand_bytes(t->recipient_rand_hash.bytes, 32);
    switch (shape % 4) {
    case 0: /* empty auxData */
        break;
    case 1: /* round 0 with a block hash */
        tk_test_rand_bytes(t->creation_round_block_hash.bytes, 32);
        break;
    case 2: /* a round with a zero hash; the largest round */
        t->creation_round = (shape & 16) ? INT64_MAX : 1 + (int64_t)(shape >> 8);
        break;
    default:
        t->creation_round = (int64_t)(tk_test_rand64() >> 1);
        tk_test_rand_bytes(t->creation_round_block_hash.bytes, 32);
    }
    tk_test_rand_bytes(s->bytes, 65);
    tk_test_rand_bytes(r->bytes, 32);
}

static void test_roundtrip_random(void **state)
{
    unsigned long iters = tk_test_iters(200);

    (void)state;
    tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        batch b;
        size_t len = 0, cap;
        uint8_t *out;
        tk_ticket dt;
        tk_sig ds;
        tk_u256 dr;

        batch_alloc(&b, (size_t)(tk_test_rand64() % 21));
        for (size_t k = 0; k < b.n; k++)
            random_ticket(&b.t[k], &b.s[k], &b.r[k]);
        assert_int_equal(tk_redeem_batch_len(&len, b.t, b.n), TK_OK);
        out = malloc(len);
        assert_non_null(out);
        cap = len;
        assert_int_equal(tk_redeem_encode_batch(out, &cap, b.t, b.s, b.r, b.n),
                         TK_OK);
        assert_batch_roundtrip(&b, out, len);
        free(out);

        if (b.n > 0) {
            assert_int_equal(tk_redeem_single_len(&len, &b.t[0]), TK_OK);
            out = malloc(len);
            assert_non_null(out);
            cap = len;
            assert_int_equal(tk_redeem_encode_single(out, &cap, &b.t[0],
                                                     &b.s[0], &b.r[0]), TK_OK);
            assert_int_equal(tk_redeem_decode_single(&dt, &ds, &dr, out, len),
                             TK_OK);
            assert_ticket_equal(&dt, &b.t[0]);
            assert_memory_equal(ds.bytes, b.s[0].bytes, 65);
            assert_memory_equal(dr.bytes, b.r[0].bytes, 32);
            free(out);
        }
        batch_free(&b);
    }
}

/* ---- malformed input ------------------------------------------------------*/

/* Decode as single or batch; on success the result must re-encode to
 * exactly the input (the decoder accepts canonical encodings only). */
static tk_status decode_any(int is_batch, const uint8_t *in, size_t len)
{
    tk_status st;
    size_t cap = 64, outlen;
    batch b;
    uint8_t *re;

    batch_alloc(&b, cap);
    if (is_batch) {
        st = tk_redeem_decode_batch(b.t, b.s, b.r, &cap, in, len);
        b.n = cap;
    } else {
        st = tk_redeem_decode_single(b.t, b.s, b.r, in, len);
        b.n = 1;
    }
    if (st == TK_OK) {
        re = malloc(len + 1);
        assert_non_null(re);
        outlen = len + 1;
        if (is_batch)
            assert_int_equal(tk_redeem_encode_batch(re, &outlen, b.t, b.s, b.r,
                                                    b.n), TK_OK);
        else
            assert_int_equal(tk_redeem_encode_single(re, &outlen, b.t, b.s,
                                                     b.r), TK_OK);
        assert_int_equal(outlen, len);
        assert_memory_equal(re, in, len);
        free(re);
    } else {
        /* Outputs are zeroed on failure. */
        static const uint8_t zero[sizeof(tk_ticket)];
        assert_memory_equal(&b.t[0], zero, sizeof(tk_ticket));
    }
    batch_free(&b);
    return st;
}

static uint8_t *vector_calldata(const char *section, size_t index,
                                size_t *len)
{
    json_t *root = tk_test_load("redeem_calldata.json", NULL);
    json_t *c = json_array_get(json_object_get(root, section), index);
    uint8_t *cd;

    assert_non_null(c);
    cd = tk_test_hex_alloc(tk_test_str(c, "calldata"), len);
    json_decref(root);
    return cd;
}

static void check_truncations_and_trailing(int is_batch, uint8_t *cd,
                                           size_t len)
{
    uint8_t *longer = malloc(len + 32);

    for (size_t n = 0; n < len; n++)
        assert_int_equal(decode_any(is_batch, cd, n), TK_ERR_MALFORMED);
    assert_non_null(longer);
    memcpy(longer, cd, len);
    memset(longer + len, 0, 32);
    assert_int_equal(decode_any(is_batch, longer, len + 1), TK_ERR_MALFORMED);
    assert_int_equal(decode_any(is_batch, longer, len + 32), TK_ERR_MALFORMED);
    free(longer);
}

static void test_truncation_trailing(void **state)
{
    json_t *root = tk_test_load("redeem_calldata.json", NULL);
    size_t ns = json_array_size(json_object_get(root, "cases"));
    size_t nb = json_array_size(json_object_get(root, "batch_cases"));

    (void)state;
    json_decref(root);
    for (size_t i = 0; i < ns; i++) {
        size_t len;
        uint8_t *cd = vector_calldata("cases", i, &len);
        check_truncations_and_trailing(0, cd, len);
        free(cd);
    }
    for (size_t i = 0; i < nb; i++) {
        size_t len;
        uint8_t *cd = vector_calldata("batch_cases", i, &len);
        check_truncations_and_trailing(1, cd, len);
        free(cd);
    }
}

/* Every one-byte change either is rejected or decodes to values that
 * encode back to the changed bytes (a changed value, never a changed
 * layout). */
static void test_mutations(void **state)
{
    static const uint8_t deltas[] = {0x01, 0x80, 0xff};
    struct { const char *section; size_t index; int is_batch; } v[] = {
        {"cases", 1, 0}, {"cases", 0, 0}, {"batch_cases", 2, 1},
    };

    (void)state;
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        size_t len, rejected = 0;
        uint8_t *cd = vector_calldata(v[k].section, v[k].index, &len);
        for (size_t pos = 0; pos < len; pos++)
            for (size_t d = 0; d < sizeof deltas; d++) {
                cd[pos] ^= deltas[d];
                rejected += decode_any(v[k].is_batch, cd, len) != TK_OK;
                cd[pos] ^= deltas[d];
            }
        assert_true(rejected > 0);
        assert_int_equal(decode_any(v[k].is_batch, cd, len), TK_OK);
        free(cd);
    }
}

static void set_word(uint8_t *args, size_t off, uint64_t v)
{
    memset(args + off, 0, 24);
    for (int i = 0; i < 8; i++)
        args[off + 31 - i] = (uint8_t)(v >> (8 * i));
}

static void test_targeted_single(void **state)
{
    size_t len;
    uint8_t *cd = vector_calldata("cases", 1, &len); /* 64-byte auxData */
    uint8_t *a = cd + 4, save[32];

    (void)state;
    assert_int_equal(len, 548);
#define TRY(off, value, expect)                                               \
    do {                                                                      \
        memcpy(save, a + (off), 32);                                          \
        set_word(a, (off), (value));                                          \
        assert_int_equal(decode_any(0, cd, len), (expect));                   \
        memcpy(a + (off), save, 32);                                          \
    } while (0)
    TRY(0, 0x80, TK_ERR_MALFORMED);       /* ticket offset moved */
    TRY(32, 0x1a0, TK_OK);                /* the canonical sig offset */
    TRY(32, 0x1c0, TK_ERR_MALFORMED);     /* sig offset moved */
    TRY(96 + 192, 0x100, TK_ERR_MALFORMED); /* auxData offset */
    TRY(96 + 224, 32, TK_ERR_MALFORMED);  /* auxData length 32 */
    TRY(96 + 224, 0, TK_ERR_MALFORMED);   /* length 0, 64 bytes follow */
    TRY(96 + 128, 0x100000000ull, TK_ERR_MALFORMED); /* nonce >= 2^32 */
    TRY(96 + 256, 0x8000000000000000ull, TK_ERR_MALFORMED); /* round */
    TRY(96 + 320, 64, TK_ERR_MALFORMED);  /* sig length 64 */
    TRY(96 + 320, 66, TK_ERR_MALFORMED);  /* sig length 66 */
    TRY(96 + 128, 7, TK_OK);              /* a plain value change is fine */
#undef TRY
    /* Dirty high bytes of an address word; a non-zero sig padding byte. */
    a[96 + 0] = 1;
    assert_int_equal(decode_any(0, cd, len), TK_ERR_MALFORMED);
    a[96 + 0] = 0;
    a[96 + 32 + 11] = 1;
    assert_int_equal(decode_any(0, cd, len), TK_ERR_MALFORMED);
    a[96 + 32 + 11] = 0;
    cd[len - 1] = 1;
    assert_int_equal(decode_any(0, cd, len), TK_ERR_MALFORMED);
    cd[len - 1] = 0;
    /* auxData of 64 zero bytes: not what (round 0, zero hash) encodes to. */
    memset(a + 96 + 256, 0, 64);
    assert_int_equal(decode_any(0, cd, len), TK_ERR_MALFORMED);
    /* Wrong selector. */
    memcpy(save, cd, 4);
    cd[0] ^= 1;
    assert_int_equal(decode_any(0, cd, len), TK_ERR_MALFORMED);
    free(cd);
}

static void test_targeted_batch(void **state)
{
    size_t len;
    uint8_t *cd = vector_calldata("batch_cases", 2, &len); /* 2 tickets */
    uint8_t *a = cd + 4, save[32];
    size_t sigs, rands;

    (void)state;
    sigs = (size_t)a[62] << 8 | a[63];
    rands = (size_t)a[94] << 8 | a[95];
#define TRY(off, value)                                                       \
    do {                                                                      \
        memcpy(save, a + (off), 32);                                          \
        set_word(a, (off), (value));                                          \
        assert_int_equal(decode_any(1, cd, len), TK_ERR_MALFORMED);           \
        memcpy(a + (off), save, 32);                                          \
    } while (0)
    TRY(96, 3);                      /* ticket count too large */
    TRY(96, 1);                      /* ticket count too small */
    TRY(96, UINT64_MAX);             /* absurd count */
    TRY(96, (len / 32) - 1);         /* large count that passes len/32 */
    TRY(128, 0x60);                  /* first tuple offset */
    TRY(160, 0x40);                  /* second tuple points at the first */
    TRY(32, sigs + 32);              /* sigs array moved */
    TRY(64, rands - 32);             /* rands array moved */
    TRY(sigs, 1);                    /* sigs count differs */
    TRY(rands, 3);                   /* rands count differs */
    TRY(sigs + 32, 0x60);            /* first sig offset */
#undef TRY
    /* Absurd count in a word whose high bytes are set. */
    memcpy(save, a + 96, 32);
    memset(a + 96, 0xff, 32);
    assert_int_equal(decode_any(1, cd, len), TK_ERR_MALFORMED);
    memcpy(a + 96, save, 32);
    assert_int_equal(decode_any(1, cd, len), TK_OK);
    free(cd);
}

/* A NULL the compiler cannot see (the headers mark arguments nonnull). */
static void *volatile vnull = NULL;

static void test_misuse(void **state)
{
    tk_ticket t;
    tk_sig s;
    tk_u256 r;
    uint8_t buf[600];
    size_t len = sizeof buf;

    (void)state;
    memset(&t, 0, sizeof t);
    memset(&s, 0, sizeof s);
    memset(&r, 0, sizeof r);
    assert_int_equal(tk_redeem_single_len(vnull, &t), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_redeem_single_len(&len, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_redeem_encode_single(buf, vnull, &t, &s, &r),
                     TK_ERR_ILLEGAL_ARG);
    len = sizeof buf;
    assert_int_equal(tk_redeem_encode_single(vnull, &len, &t, &s, &r),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(len, 0);
    len = sizeof buf;
    assert_int_equal(tk_redeem_encode_single(buf, &len, &t, vnull, &r),
                     TK_ERR_ILLEGAL_ARG);
    t.creation_round = -1;
    len = sizeof buf;
    assert_int_equal(tk_redeem_encode_single(buf, &len, &t, &s, &r),
                     TK_ERR_ILLEGAL_ARG);
    t.creation_round = 0;
    len = 3;
    assert_int_equal(tk_redeem_encode_batch(buf, &len, vnull, NULL, vnull, 2),
                     TK_ERR_ILLEGAL_ARG);
    len = 0;
    assert_int_equal(tk_redeem_batch_len(&len, vnull, 0), TK_OK);
    assert_int_equal(len, 196);
    assert_int_equal(tk_redeem_decode_single(vnull, &s, &r, buf, 10),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_redeem_decode_single(&t, &s, &r, vnull, 10),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_redeem_decode_single(&t, &s, &r, vnull, 0),
                     TK_ERR_MALFORMED);
    assert_int_equal(tk_redeem_decode_batch(&t, &s, &r, vnull, buf, 10),
                     TK_ERR_ILLEGAL_ARG);
    len = 1;
    assert_int_equal(tk_redeem_decode_batch(vnull, vnull, NULL, &len, buf, 10),
                     TK_ERR_ILLEGAL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_single_vectors),
        cmocka_unit_test(test_batch_vectors),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_truncation_trailing),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_targeted_single),
        cmocka_unit_test(test_targeted_batch),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

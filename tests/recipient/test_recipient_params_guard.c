/* SPDX-License-Identifier: MIT */
/* Shifted params (src/recipient/params_guard.c, docs/SECURITY.md): the
 * HMAC message joins minimal fields with no lengths, so bytes moved across
 * a boundary between faceValue, winProb, expirationBlock, priceNum and
 * priceDen give params this recipient never issued with the same rand
 * hash. No such params may earn credit, leave a winner that waits for a
 * block that never comes, or leave a winner redeemable before the real
 * params have expired. Params it did issue, including ones a chain view
 * up to 216 blocks ahead issued, are still accepted. */
#include "receive_util.h"

#include <string.h>

#define K 2

/* B(x): the minimal big-endian bytes of x (empty for zero). */
static size_t minimal(uint8_t out[32], const tk_u256 *x)
{
    size_t i = 0;
    while (i < 32 && x->bytes[i] == 0)
        i++;
    memcpy(out, x->bytes + i, 32 - i);
    return 32 - i;
}

/* The u256 of len bytes at b; 0 when not minimal (a leading zero byte
 * would not re-encode to the same message) or longer than 32 bytes. */
static int field(tk_u256 *out, const uint8_t *b, size_t len)
{
    if (len > 32 || (len > 0 && b[0] == 0))
        return 0;
    memset(out, 0, sizeof *out);
    memcpy(out->bytes + 32 - len, b, len);
    return 1;
}

/* The five variable fields of the HMAC message, in order. */
typedef struct msg {
    uint8_t b[5 * 32];
    size_t len, cut[6]; /* field j is b[cut[j] .. cut[j+1]) */
} msg;

static void msg_of(msg *m, const tk_ticket_params *pp)
{
    const tk_u256 *f[5] = {&pp->face_value, &pp->win_prob, &pp->expiration_block,
                           &pp->price.num, &pp->price.den};
    m->len = 0;
    for (int j = 0; j < 5; j++) {
        m->cut[j] = m->len;
        m->len += minimal(m->b + m->len, f[j]);
    }
    m->cut[5] = m->len;
}

/* params with the message re-split at cuts c[1..4]; 0 if not a valid split. */
static int resplit(tk_ticket_params *out, const tk_ticket_params *in, const msg *m,
                   const size_t c[6])
{
    tk_u256 *f[5] = {&out->face_value, &out->win_prob, &out->expiration_block,
                     &out->price.num, &out->price.den};
    *out = *in;
    for (int j = 0; j < 5; j++)
        if (c[j + 1] < c[j] || !field(f[j], m->b + c[j], c[j + 1] - c[j]))
            return 0;
    return 1;
}

static int same_money(const tk_ticket_params *a, const tk_ticket_params *b)
{
    return memcmp(&a->face_value, &b->face_value, sizeof a->face_value) == 0 &&
           memcmp(&a->win_prob, &b->win_prob, sizeof a->win_prob) == 0 &&
           memcmp(&a->expiration_block, &b->expiration_block, sizeof a->expiration_block) == 0;
}

/* A fatal refusal of p on a recipient that already took other payments:
 * outputs zeroed, nothing of p credited or stored. */
static void expect_fatal_after(fixture *f, const tk_payment *p, tk_status want)
{
    rx x;
    assert_int_equal(rx_run(f, &x, p, NULL), want);
    assert_int_equal(x.sum.accepted, 0);
    assert_int_equal(mpq_sgn(x.credited), 0);
    for (size_t i = 0; i < p->count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_false(winner_stored(f, p, i, NULL));
    }
    rx_free(&x);
}

typedef struct scan {
    size_t tried, fatal, expired, price_only;
} scan;

/* Every re-split moving each boundary by up to 4 bytes either way: the rand
 * hash is the original's (the attack is real), and the outcome is a fatal
 * refusal, or every ticket expired with each winner waiting for the mark +
 * TK_PARAMS_MAX_LEAD_BLOCKS, or - when only the price moved, which earns
 * nothing by itself - the original EV. */
static void scan_shifts(fixture *f, const tk_ticket_params *params, scan *sc)
{
    msg m;
    size_t c[6];
    uint32_t nonce = 1;
    uint64_t mark = f->chain.last_block;

    msg_of(&m, params);
    c[0] = m.cut[0];
    c[5] = m.cut[5];
    for (int d1 = -4; d1 <= 4; d1++)
        for (int d2 = -4; d2 <= 4; d2++)
            for (int d3 = -4; d3 <= 4; d3++)
                for (int d4 = -4; d4 <= 4; d4++) {
                    int d[4] = {d1, d2, d3, d4};
                    tk_ticket_params alt;
                    tk_hash h;
                    tk_payment p;
                    rx x;
                    tk_status st;
                    int bad = 0;

                    for (int j = 0; j < 4; j++) {
                        long at = (long)m.cut[j + 1] + d[j];
                        bad |= at < 0 || at > (long)m.len;
                        c[j + 1] = bad ? 0 : (size_t)at;
                    }
                    if (bad || !resplit(&alt, params, &m, c) ||
                        (d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0))
                        continue;
                    /* A zero denominator, or a price not in lowest terms
                     * (the HMAC takes the reduced one), is no attack. */
                    if (tk_recipient_rand_hash(f->r, &h, &f->sender, &alt) != TK_OK ||
                        memcmp(h.bytes, params->recipient_rand_hash.bytes, 32) != 0)
                        continue;
                    sc->tried++;
                    fx_pay(f, &p, &alt, nonce, K);
                    nonce += K;
                    st = rx_run(f, &x, &p, NULL);
                    if (st != TK_OK) {
                        assert_true(st == TK_ERR_PARAMS_TOO_FAR || st == TK_ERR_PARAMS_NOT_ISSUED);
                        assert_int_equal(x.sum.accepted, 0);
                        assert_int_equal(mpq_sgn(x.credited), 0);
                        for (size_t i = 0; i < K; i++)
                            assert_false(winner_stored(f, &p, i, NULL));
                        sc->fatal++;
                    } else if (same_money(&alt, params)) {
                        mpq_t want;
                        mpq_init(want);
                        fx_expected_credit(want, params, K);
                        assert_true(mpq_equal(x.credited, want));
                        mpq_clear(want);
                        sc->price_only++;
                    } else {
                        assert_int_equal(x.sum.accepted, 0);
                        assert_int_equal(mpq_sgn(x.credited), 0);
                        for (size_t i = 0; i < K; i++) {
                            tk_winner w;
                            uint64_t e;
                            assert_int_equal(x.res[i].status, TK_ERR_PARAMS_EXPIRED);
                            if (!winner_stored(f, &p, i, &w))
                                continue;
                            assert_int_equal(tk_u256_to_u64(&e, &w.expiration_block), TK_OK);
                            assert_true(e >= mark + TK_PARAMS_MAX_LEAD_BLOCKS);
                        }
                        sc->expired++;
                    }
                    rx_free(&x);
                    tk_payment_clear(&p);
                }
}

/* The scan on a recipient set up by init; returns the winners stored. */
static size_t scan_from(void (*init)(fixture *))
{
    fixture f;
    tk_ticket_params params;
    scan sc = {0};
    size_t winners;
    init(&f);
    fx_params(&f, &params);
    scan_shifts(&f, &params, &sc);
    print_message("# %zu shifted params: %zu refused, %zu expired, %zu price only\n", sc.tried,
                  sc.fatal, sc.expired, sc.price_only);
    assert_true(sc.fatal > 0 && sc.expired > 0);
    winners = stored_winners(&f);
    fx_free(&f);
    return winners;
}

/* Usual params (winProb about 1e-4): nothing shifted earns credit. */
static void test_shifts_refused(void **state)
{
    (void)state;
    (void)scan_from(fx_init);
}

/* Every ticket wins (winProb MAX): the expired winners are stored and wait. */
static void test_shifted_winners_wait(void **state)
{
    (void)state;
    assert_true(scan_from(fx_init_always_win) > 0);
}

/* The audit's case: after the params expire and a winner has revealed
 * rand, the same rand hash comes back with the price's byte moved to the
 * end of expirationBlock (E * 256 + 1, price 0/1). */
static void test_reuse_after_expiry(void **state)
{
    fixture f;
    tk_ticket_params params, alt;
    tk_payment p, q;
    tk_hash h;
    uint64_t e;
    (void)state;
    fx_init(&f);
    fx_params(&f, &params); /* price 1/1 */
    fx_pay(&f, &p, &params, 1, K);
    assert_int_equal(tk_recipient_receive(f.r, (tk_ticket_result[K]){0}, K, NULL, NULL, &p, NULL),
                     TK_OK);
    f.chain.last_block += TK_PARAMS_EXPIRATION_BLOCKS + 5;
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    alt = params;
    assert_int_equal(tk_u256_to_u64(&e, &params.expiration_block), TK_OK);
    fx_u256(&alt.expiration_block, e * 256 + 1);
    fx_u256(&alt.price.num, 0);
    assert_int_equal(tk_recipient_rand_hash(f.r, &h, &f.sender, &alt), TK_OK);
    assert_memory_equal(h.bytes, params.recipient_rand_hash.bytes, 32);
    fx_pay(&f, &q, &alt, 100, K);
    expect_fatal_after(&f, &q, TK_ERR_PARAMS_TOO_FAR);
    tk_payment_clear(&p);
    tk_payment_clear(&q);
    fx_free(&f);
}

/* Params at price 1/1 issued by a view at block `at` (another node's). */
static void params_at(fixture *f, tk_ticket_params *out, uint64_t at)
{
    tk_params_inputs in;
    tk_price one;
    memset(&in, 0, sizeof in);
    in.gas_price = f->chain.gas_price;
    fx_u256_dec(&in.max_float, "10000000000000000000");
    in.last_block = at;
    in.creation_round = f->chain.rounds.last_initialized_round;
    in.creation_round_block_hash = f->chain.rounds.last_initialized_block_hash;
    fx_u256(&one.num, 1);
    fx_u256(&one.den, 1);
    assert_int_equal(tk_recipient_params_with(f->r, out, &f->sender, &one, &in), TK_OK);
}

/* Params issued by a view ahead of this recipient's: accepted up to
 * TK_PARAMS_MAX_LEAD_BLOCKS past its mark, refused one block beyond. */
static void test_lead_boundary(void **state)
{
    fixture f;
    tk_ticket_params ok, far;
    tk_payment p, q;
    rx x;
    uint64_t ahead;
    (void)state;
    fx_init(&f);
    ahead = f.chain.last_block + TK_PARAMS_MAX_LEAD_BLOCKS - TK_PARAMS_EXPIRATION_BLOCKS;
    params_at(&f, &ok, ahead);
    params_at(&f, &far, ahead + 1);
    fx_pay(&f, &p, &ok, 1, K);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, K);
    rx_free(&x);
    fx_pay(&f, &q, &far, 1, K);
    expect_fatal_after(&f, &q, TK_ERR_PARAMS_TOO_FAR);
    tk_payment_clear(&p);
    tk_payment_clear(&q);
    fx_free(&f);
}

/* Independent data: every (faceValue, winProb) of win_prob.json that the
 * issuing rule produces within MAX passes the winProb check; one more than
 * it (a remainder the rule never leaves) does not. */
static void test_win_prob_vectors(void **state)
{
    json_t *cases, *root = tk_test_load("win_prob.json", &cases);
    size_t i, checked = 0;
    json_t *c;
    (void)state;
    json_array_foreach(cases, i, c) {
        fixture f;
        tk_ticket_params params;
        tk_payment p;
        rx x;
        if (json_is_true(json_object_get(c, "exceeds_max")))
            continue;
        fx_init(&f);
        fx_params(&f, &params);
        fx_u256_dec(&params.face_value, tk_test_str(c, "face_value"));
        fx_u256_dec(&params.win_prob, tk_test_str(c, "win_prob"));
        assert_int_equal(tk_recipient_rand_hash(f.r, &params.recipient_rand_hash, &f.sender,
                                                &params), TK_OK);
        fx_pay(&f, &p, &params, 1, 1);
        assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
        rx_free(&x);
        tk_payment_clear(&p);
        if (params.win_prob.bytes[31] != 0xff && !tk_u256_is_zero(&params.face_value) &&
            tk_u256_cmp(&params.face_value, &params.win_prob) < 0) {
            /* winProb + 1: not a multiple of the divisor (which is > 1 here,
             * the face value being below winProb <= MAX). */
            params.win_prob.bytes[31]++;
            assert_int_equal(tk_recipient_rand_hash(f.r, &params.recipient_rand_hash,
                                                    &f.sender, &params), TK_OK);
            fx_pay(&f, &p, &params, 2, 1);
            assert_int_equal(rx_run(&f, &x, &p, NULL), TK_ERR_PARAMS_NOT_ISSUED);
            rx_free(&x);
            tk_payment_clear(&p);
        }
        checked++;
        fx_free(&f);
    }
    assert_true(checked > 10);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shifts_refused),     cmocka_unit_test(test_shifted_winners_wait),
        cmocka_unit_test(test_reuse_after_expiry), cmocka_unit_test(test_lead_boundary),
        cmocka_unit_test(test_win_prob_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* A sender's books (exposure.h), trying to break the money rules: a bad
 * receipt of any kind changes nothing; a ticket leaves the outstanding set
 * only through a valid receipt of its own recipient; a redemption the
 * receipts contradict is reported with a receipt that proves it; a hold
 * that would push the risk over eps is refused with nothing held, and the
 * holds that pass never make the set's exact risk exceed eps. */
#include "test_support.h"

#include "ticket/eip712.h"
#include "ticket/exposure.h"
#include "ticket/keys.h"
#include "ticket/receipt.h"
#include "ticket/risk.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FACE 10000000000000000ull /* 0.01 ETH */

struct fx {
    tk_ctx *ctx;
    uint8_t sender_key[32], rcpt_key[32];
    tk_address sender, recipient;
    tk_receipt_domain dom;
    tk_exposure *x;
    tk_payment pay;
    tk_hash h[10];
};

static void win_prob_1000(tk_u256 *w)
{
    /* floor((2^256 - 1) / 1000) */
    static const char v[] =
        "115792089237316195423570985008687907853269984665640564039457584007913129639";
    assert_int_equal(tk_u256_from_dec(w, v, sizeof v - 1), TK_OK);
}

static void make_payment(struct fx *f, tk_payment *p, size_t n, uint8_t rand_tag,
                         int64_t round)
{
    assert_int_equal(tk_payment_alloc(p, n), TK_OK);
    p->sender = f->sender;
    p->params.recipient = f->recipient;
    (void)tk_u256_from_u64(&p->params.face_value, FACE);
    win_prob_1000(&p->params.win_prob);
    memset(p->params.recipient_rand_hash.bytes, rand_tag, 32);
    (void)tk_u256_from_u64(&p->params.expiration_block, 1000);
    p->params.creation_round = round;
    p->params.creation_round_block_hash.bytes[0] = 1;
    for (size_t i = 0; i < n; i++)
        p->tickets[i].sender_nonce = (uint32_t)(i + 1);
}

static void payment_hashes(const tk_payment *p, tk_hash *out)
{
    for (size_t i = 0; i < p->count; i++) {
        tk_ticket t;
        assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
        assert_int_equal(tk_ticket_hash(&out[i], &t), TK_OK);
    }
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL || tk_ctx_create(&f->ctx) != TK_OK)
        return -1;
    memset(f->sender_key, 0x11, 32);
    memset(f->rcpt_key, 0x22, 32);
    if (tk_key_address(f->ctx, &f->sender, f->sender_key) != TK_OK ||
        tk_key_address(f->ctx, &f->recipient, f->rcpt_key) != TK_OK)
        return -1;
    (void)tk_u256_from_u64(&f->dom.chain_id, 42161);
    memset(f->dom.verifying_contract.bytes, 0xab, 20);
    if (tk_exposure_create(f->ctx, &f->x, &f->sender, &f->dom) != TK_OK)
        return -1;
    make_payment(f, &f->pay, 10, 0x5a, 100);
    payment_hashes(&f->pay, f->h);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tk_exposure_destroy(f->x);
    tk_payment_clear(&f->pay);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* A receipt over tickets[0..n) with the given winners, credited right. */
static void receipt_of(struct fx *f, tk_receipt *r, const tk_hash *tickets,
                       size_t n, const tk_hash *winners, size_t nw)
{
    mpz_t a, b;
    memset(r, 0, sizeof *r);
    r->sender = f->sender;
    r->recipient = f->recipient;
    r->recipient_rand_hash = f->pay.params.recipient_rand_hash;
    r->tickets = tickets;
    r->n_tickets = n;
    r->winners = winners;
    r->n_winners = nw;
    (void)tk_u256_from_u64(&r->block_number, 77);
    mpz_inits(a, b, NULL);
    mpz_set_ui(a, FACE);
    (void)tk_u256_to_mpz(b, &f->pay.params.win_prob);
    mpz_mul(a, a, b);
    mpz_mul_ui(a, a, n);
    mpz_set_ui(b, 0);
    mpz_setbit(b, 256);
    mpz_sub_ui(b, b, 1);
    mpz_fdiv_q(a, a, b);
    assert_int_equal(tk_u256_from_mpz(&r->credited_wei, a), TK_OK);
    mpz_clears(a, b, NULL);
}

static void sign(struct fx *f, tk_sig *sig, const tk_receipt *r)
{
    assert_int_equal(tk_receipt_sign(f->ctx, sig, f->rcpt_key, &f->dom, r), TK_OK);
}

static void assert_same_stats(tk_exposure *x, const tk_exposure_stats *want)
{
    tk_exposure_stats s;
    assert_int_equal(tk_exposure_stats_get(x, &s), TK_OK);
    assert_int_equal(s.outstanding, want->outstanding);
    assert_int_equal(s.known_winners, want->known_winners);
    assert_int_equal(s.held, want->held);
    assert_int_equal(s.receipts, want->receipts);
    assert_memory_equal(s.credited_wei.bytes, want->credited_wei.bytes, 32);
}

static void test_receipts_books(void **state)
{
    struct fx *f = *state;
    tk_exposure_stats before, s;
    tk_hash winners[2] = {f->h[2], f->h[5]}, twice[2] = {f->h[0], f->h[0]};
    tk_hash backwards[2] = {f->h[5], f->h[2]}, foreign[1];
    tk_receipt r, bad;
    tk_sig sig, bsig;
    tk_u256 d;
    double r0, r1;
    size_t idx = 99;

    assert_int_equal(tk_exposure_add_payment(f->x, &f->pay, 0), TK_OK);
    assert_int_equal(tk_exposure_add_payment(f->x, &f->pay, 0), TK_ERR_STATE);
    (void)tk_u256_from_u64(&d, FACE);
    assert_int_equal(tk_exposure_risk(f->x, &r0, &d), TK_OK);
    assert_int_equal(tk_exposure_stats_get(f->x, &before), TK_OK);
    assert_int_equal(before.outstanding, 10);

    receipt_of(f, &r, f->h, 8, winners, 2);
    sign(f, &sig, &r);

    /* Every bad receipt: rejected with its status, books unchanged. */
    bad = r;
    (void)tk_u256_from_u64(&bad.block_number, 78); /* changed after signing */
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, sig.bytes, 65),
                     TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &r, sig.bytes, 64),
                     TK_ERR_SIG_BAD_LENGTH);
    bad = r; /* signed by someone else: the sender itself */
    assert_int_equal(tk_eip712_sign(f->ctx, &bsig, f->sender_key, &f->pay.params.recipient_rand_hash), TK_OK);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &r, bsig.bytes, 65),
                     TK_ERR_SIG_WRONG_SIGNER);
    bad = r;
    memset(bad.sender.bytes, 0x33, 20);
    sign(f, &bsig, &bad);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, bsig.bytes, 65),
                     TK_ERR_RECEIPT_WRONG_SENDER);
    memset(foreign[0].bytes, 0x44, 32);
    bad = r;
    bad.tickets = foreign;
    bad.n_tickets = 1;
    bad.n_winners = 0;
    receipt_of(f, &bad, foreign, 1, NULL, 0);
    sign(f, &bsig, &bad);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, bsig.bytes, 65),
                     TK_ERR_RECEIPT_UNKNOWN_TICKET);
    receipt_of(f, &bad, f->h, 8, winners, 2);
    memset(bad.recipient_rand_hash.bytes, 0x5b, 32); /* another session */
    sign(f, &bsig, &bad);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, bsig.bytes, 65),
                     TK_ERR_RECEIPT_UNKNOWN_TICKET);
    receipt_of(f, &bad, twice, 2, NULL, 0);
    sign(f, &bsig, &bad);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, bsig.bytes, 65),
                     TK_ERR_RECEIPT_MALFORMED);
    receipt_of(f, &bad, f->h, 8, backwards, 2);
    sign(f, &bsig, &bad);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, bsig.bytes, 65),
                     TK_ERR_RECEIPT_MALFORMED);
    receipt_of(f, &bad, f->h, 8, winners, 2);
    bad.credited_wei.bytes[31] ^= 1;
    sign(f, &bsig, &bad);
    assert_int_equal(tk_exposure_apply_receipt(f->x, &bad, bsig.bytes, 65),
                     TK_ERR_RECEIPT_CREDIT_MISMATCH);
    assert_same_stats(f->x, &before);

    /* The good one: 6 losers leave, 2 winners are known, 2 unlisted stay. */
    assert_int_equal(tk_exposure_apply_receipt(f->x, &r, sig.bytes, 65), TK_OK);
    assert_int_equal(tk_exposure_stats_get(f->x, &s), TK_OK);
    assert_int_equal(s.outstanding, 2);
    assert_int_equal(s.known_winners, 2);
    assert_int_equal(s.receipts, 1);
    assert_memory_equal(s.credited_wei.bytes, r.credited_wei.bytes, 32);
    /* Two known winners of FACE against a deposit of FACE: risk 1. */
    assert_int_equal(tk_exposure_risk(f->x, &r1, &d), TK_OK);
    assert_true(r1 == 1.0 && r0 < 0.01);
    /* Applying it twice: duplicate, nothing changes. */
    assert_int_equal(tk_exposure_apply_receipt(f->x, &r, sig.bytes, 65),
                     TK_ERR_RECEIPT_DUPLICATE);
    assert_same_stats(f->x, &s);

    /* Redemptions: a receipted winner is consistent... */
    assert_int_equal(tk_exposure_redeemed(f->x, &f->h[2], &idx), TK_OK);
    assert_int_equal(tk_exposure_redeemed(f->x, &f->h[2], &idx), TK_ERR_NOT_FOUND);
    /* ...a receipted loser is contradicted, with the proof... */
    assert_int_equal(tk_exposure_redeemed(f->x, &f->h[3], &idx),
                     TK_ERR_RECEIPT_CONTRADICTED);
    assert_int_equal(idx, 0);
    {
        tk_hash dg;
        tk_sig ps;
        tk_receipt_hashes hh;
        assert_int_equal(tk_exposure_receipt(f->x, idx, &dg, &ps), TK_OK);
        assert_int_equal(tk_receipt_hash(&hh, &f->dom, &r), TK_OK);
        assert_memory_equal(dg.bytes, hh.digest.bytes, 32);
        assert_int_equal(tk_eip712_verify(f->ctx, &f->recipient, &dg, ps.bytes, 65), TK_OK);
        assert_int_equal(tk_exposure_receipt(f->x, 1, &dg, &ps), TK_ERR_NOT_FOUND);
    }
    /* ...and so is a ticket its batch's receipt left out. */
    idx = 99;
    assert_int_equal(tk_exposure_redeemed(f->x, &f->h[9], &idx),
                     TK_ERR_RECEIPT_CONTRADICTED);
    assert_int_equal(idx, 0);
    assert_int_equal(tk_exposure_redeemed(f->x, &foreign[0], NULL), TK_ERR_NOT_FOUND);
    assert_int_equal(tk_exposure_stats_get(f->x, &s), TK_OK);
    assert_int_equal(s.outstanding, 1);
    assert_int_equal(s.known_winners, 1);
}

static void test_hold_limit(void **state)
{
    struct fx *f = *state;
    tk_exposure_stats s0, s1;
    tk_u256 face, wp, dep;
    uint64_t held = 0;
    int refused = 0;

    (void)tk_u256_from_u64(&face, FACE);
    win_prob_1000(&wp);
    (void)tk_u256_from_u64(&dep, 5 * FACE);
    /* 10 tickets at a time until the risk rule refuses. */
    while (!refused) {
        tk_status st;
        assert_int_equal(tk_exposure_stats_get(f->x, &s0), TK_OK);
        st = tk_exposure_hold(f->x, &face, &wp, 10, &dep, 1e-9);
        if (st == TK_ERR_RISK_OVER_LIMIT) {
            tk_risk_group g;
            double r;
            refused = 1;
            assert_int_equal(tk_exposure_stats_get(f->x, &s1), TK_OK);
            assert_int_equal(s1.held, s0.held); /* nothing held */
            /* The refusal was right: with the batch the exact risk > eps. */
            memset(&g, 0, sizeof g);
            g.face_value = face;
            g.win_prob = wp;
            g.count = held + 10;
            assert_int_equal(tk_risk(&r, NULL, &g, 1, &dep), TK_OK);
            assert_true(r > 1e-9);
        } else {
            tk_exposure_stats s;
            double r;
            assert_int_equal(st, TK_OK);
            held += 10;
            assert_int_equal(tk_exposure_stats_get(f->x, &s), TK_OK);
            assert_int_equal(s.held, held);
            /* What passed is within eps, exactly. */
            assert_int_equal(tk_exposure_risk(f->x, &r, &dep), TK_OK);
            assert_true(r <= 1e-9);
        }
        assert_true(held < 100000);
    }
    assert_true(held > 0);
    /* Release returns what was held, and not more. */
    assert_int_equal(tk_exposure_release(f->x, &face, &wp, held), TK_OK);
    assert_int_equal(tk_exposure_release(f->x, &face, &wp, 1), TK_ERR_NOT_FOUND);
    assert_int_equal(tk_exposure_hold(f->x, &face, &wp, 1, &dep, nan("")),
                     TK_ERR_OUT_OF_RANGE);
    /* A huge deposit: everything fits, risk 0 exactly. */
    memset(dep.bytes, 0xff, 32);
    assert_int_equal(tk_exposure_hold(f->x, &face, &wp, 1000000, &dep, 0.0), TK_OK);
}

/* Concurrent holds against one limit: whatever interleaving, the exact
 * risk of what was held stays within eps. */
struct hold_arg {
    tk_exposure *x;
    int ok;
};

static void *holder(void *p)
{
    struct hold_arg *a = p;
    tk_u256 face, wp, dep;
    (void)tk_u256_from_u64(&face, FACE);
    win_prob_1000(&wp);
    (void)tk_u256_from_u64(&dep, 5 * FACE);
    for (int i = 0; i < 40; i++)
        a->ok += tk_exposure_hold(a->x, &face, &wp, 5, &dep, 1e-9) == TK_OK;
    return NULL;
}

static void test_hold_threads(void **state)
{
    struct fx *f = *state;
    tk_exposure *x;
    pthread_t th[4];
    struct hold_arg a[4];
    tk_u256 dep;
    double r;

    assert_int_equal(tk_exposure_create(f->ctx, &x, &f->sender, &f->dom), TK_OK);
    for (int i = 0; i < 4; i++) {
        a[i].x = x;
        a[i].ok = 0;
        assert_int_equal(pthread_create(&th[i], NULL, holder, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    (void)tk_u256_from_u64(&dep, 5 * FACE);
    assert_int_equal(tk_exposure_risk(x, &r, &dep), TK_OK);
    assert_true(r <= 1e-9);
    assert_true(a[0].ok + a[1].ok + a[2].ok + a[3].ok > 0);
    tk_exposure_destroy(x);
}

static void test_expire_and_misuse(void **state)
{
    struct fx *f = *state;
    tk_exposure *x;
    tk_payment old;
    uint64_t n = 0;
    tk_exposure_stats s;

    assert_int_equal(tk_exposure_create(f->ctx, &x, &f->sender, &f->dom), TK_OK);
    make_payment(f, &old, 4, 0x61, 7);
    assert_int_equal(tk_exposure_add_payment(x, &old, 0), TK_OK);
    assert_int_equal(tk_exposure_add_payment(x, &f->pay, 1), TK_ERR_NOT_FOUND);
    assert_int_equal(tk_exposure_add_payment(x, &f->pay, 0), TK_OK);
    assert_int_equal(tk_exposure_expire(x, 8, &n), TK_OK);
    assert_int_equal(n, 4);
    assert_int_equal(tk_exposure_stats_get(x, &s), TK_OK);
    assert_int_equal(s.outstanding, 10);
    assert_int_equal(tk_exposure_create(f->ctx, NULL, &f->sender, &f->dom),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_exposure_apply_receipt(x, NULL, NULL, 0), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_exposure_redeemed(x, NULL, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_exposure_stats_get(NULL, &s), TK_ERR_ILLEGAL_ARG);
    tk_payment_clear(&old);
    tk_exposure_destroy(x);
    tk_exposure_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_receipts_books, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire_and_misuse, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

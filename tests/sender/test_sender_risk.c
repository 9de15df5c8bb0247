/* SPDX-License-Identifier: MIT */
/* The sender's deposit-risk rule (tk_sender_set_risk_limit): batches are
 * signed until the next one would push risk(deposit) over eps; that one is
 * refused with nothing signed, no nonce used and nothing held; a receipt
 * that reports losers makes room again, exactly as the exact risk says. */
#include "sender_fixture.h"

#include "ticket/exposure.h"
#include "ticket/keys.h"
#include "ticket/receipt.h"
#include "ticket/risk.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#define FACE "10000000000000000"
#define WP_1000 \
    "115792089237316195423570985008687907853269984665640564039457584007913129639"
#define EPS 1e-9

static double exact(uint64_t n, const tk_u256 *dep)
{
    tk_risk_group g;
    double r;
    memset(&g, 0, sizeof g);
    g.face_value = fx_u256(FACE);
    g.win_prob = fx_u256(WP_1000);
    g.count = n;
    assert_int_equal(tk_risk(&r, NULL, &g, 1, dep), TK_OK);
    return r;
}

static void test_refuse_and_receipt(void **state)
{
    struct fx f;
    tk_exposure *books;
    tk_receipt_domain dom;
    tk_ticket_params p;
    tk_payment pay, first;
    uint8_t rkey[32];
    tk_u256 dep = fx_u256("50000000000000000"); /* 5 face values */
    uint64_t issued = 0;
    uint32_t nonce;
    tk_exposure_stats s0, s1;
    (void)state;

    fx_init(&f, NULL, FX_MAX, FX_MAX, 1, "50000000000000000", "1");
    memset(&dom, 0, sizeof dom);
    (void)tk_u256_from_u64(&dom.chain_id, 1);
    assert_int_equal(tk_exposure_create(f.ctx, &books, &f.addr, &dom), TK_OK);
    assert_int_equal(tk_sender_set_risk_limit(f.sender, books, EPS), TK_OK);
    assert_int_equal(tk_sender_set_risk_limit(f.sender, books, -1.0),
                     TK_ERR_OUT_OF_RANGE);
    fx_params(&f, &p, FACE, WP_1000, 7);
    memset(rkey, 0x42, sizeof rkey);
    assert_int_equal(tk_key_address(f.ctx, &p.recipient, rkey), TK_OK);
    assert_int_equal(tk_sender_session_start(f.sender, &p, 0), TK_OK);
    memset(&first, 0, sizeof first);

    for (;;) {
        tk_status st;
        assert_int_equal(tk_exposure_stats_get(books, &s0), TK_OK);
        st = tk_sender_create_batch(f.sender, &pay, &p.recipient_rand_hash, 10);
        assert_int_equal(tk_sender_session_nonce(f.sender, &nonce,
                                                 &p.recipient_rand_hash), TK_OK);
        if (st == TK_ERR_RISK_OVER_LIMIT) {
            tk_payment zero;
            memset(&zero, 0, sizeof zero);
            assert_memory_equal(&pay, &zero, sizeof pay); /* nothing signed */
            assert_int_equal(nonce, issued);             /* no nonce used */
            assert_int_equal(tk_exposure_stats_get(books, &s1), TK_OK);
            assert_int_equal(s1.held, 0);
            assert_int_equal(s1.outstanding, s0.outstanding);
            assert_true(exact(issued + 10, &dep) > EPS); /* rightly refused */
            break;
        }
        assert_int_equal(st, TK_OK);
        issued += 10;
        assert_int_equal(nonce, issued);
        assert_true(exact(issued, &dep) <= EPS);
        assert_int_equal(tk_exposure_stats_get(books, &s1), TK_OK);
        assert_int_equal(s1.outstanding, issued);
        assert_int_equal(s1.held, 0);
        if (first.count == 0)
            first = pay; /* kept for the receipt below */
        else
            tk_payment_clear(&pay);
        assert_true(issued < 10000);
    }
    assert_true(issued >= 10);

    /* The recipient reports the first batch as 10 losers: room for 10. */
    {
        tk_hash h[10];
        tk_receipt r;
        tk_sig sig;
        mpz_t a, b;
        for (size_t i = 0; i < 10; i++) {
            tk_ticket t;
            assert_int_equal(tk_payment_ticket(&t, &first, i), TK_OK);
            assert_int_equal(tk_ticket_hash(&h[i], &t), TK_OK);
        }
        memset(&r, 0, sizeof r);
        r.sender = f.addr;
        r.recipient = p.recipient;
        r.recipient_rand_hash = p.recipient_rand_hash;
        r.tickets = h;
        r.n_tickets = 10;
        mpz_inits(a, b, NULL);
        mpz_set_str(a, FACE, 10);
        mpz_mul_ui(a, a, 10);
        mpz_set_str(b, WP_1000, 10);
        mpz_mul(a, a, b);
        mpz_set_ui(b, 0);
        mpz_setbit(b, 256);
        mpz_sub_ui(b, b, 1);
        mpz_fdiv_q(a, a, b);
        assert_int_equal(tk_u256_from_mpz(&r.credited_wei, a), TK_OK);
        mpz_clears(a, b, NULL);
        assert_int_equal(tk_receipt_sign(f.ctx, &sig, rkey, &dom, &r), TK_OK);
        assert_int_equal(tk_exposure_apply_receipt(books, &r, sig.bytes, 65), TK_OK);
    }
    assert_int_equal(tk_sender_create_batch(f.sender, &pay, &p.recipient_rand_hash, 10),
                     TK_OK);
    assert_int_equal(tk_exposure_stats_get(books, &s1), TK_OK);
    assert_int_equal(s1.outstanding, issued);
    tk_payment_clear(&pay);
    tk_payment_clear(&first);
    /* The rule off: the same batch is signed whatever the risk. */
    assert_int_equal(tk_sender_set_risk_limit(f.sender, NULL, EPS), TK_OK);
    assert_int_equal(tk_sender_create_batch(f.sender, &pay, &p.recipient_rand_hash, 100),
                     TK_OK);
    tk_payment_clear(&pay);
    fx_free(&f);
    tk_exposure_destroy(books);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuse_and_receipt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

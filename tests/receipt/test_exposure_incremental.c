/* SPDX-License-Identifier: MIT */
/* The incremental risk check of the sender's books (exposure.c keeps the
 * risk distribution of a superset of its tickets) against tk_risk of the
 * exact set, kept here independently, over random histories: holds of
 * every size in four face-value groups (one off the others' lattice, so
 * the gcd changes midway), batches signed or released, receipts with
 * winners (known winners shrink the span) and losers, expiry.
 *
 * Every hold that passes must leave the exact risk within eps; every
 * refusal must be right (the exact risk with the batch is over eps). Both
 * must happen often, or the history tested nothing. */
#include "test_support.h"

#include "ticket/exposure.h"
#include "ticket/keys.h"
#include "ticket/receipt.h"
#include "ticket/risk.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#define F 1000000000000000ull /* 1e15 wei */
#define GROUPS 4
#define EPS 1e-6
#define MAX_BATCHES 400

struct batch {
    tk_payment pay;
    int group, receipted, expired;
    size_t winners;
};

struct world {
    tk_ctx *ctx;
    uint8_t rkey[32];
    tk_address sender, recipient;
    tk_receipt_domain dom;
    tk_exposure *x;
    tk_u256 face[GROUPS], wp[GROUPS], deposit;
    uint64_t held[GROUPS];
    struct batch b[MAX_BATCHES];
    size_t nb;
    uint32_t nonce;
    int64_t round;
};

/* The exact risk of the live set (held included) plus extra in group eg. */
static double oracle(const struct world *w, int eg, uint64_t extra)
{
    tk_risk_group g[2 * GROUPS];
    uint64_t out[GROUPS] = {0}, won[GROUPS] = {0};
    size_t n = 0;
    double r;

    for (size_t i = 0; i < w->nb; i++) {
        const struct batch *b = &w->b[i];
        if (b->expired)
            continue;
        if (b->receipted)
            won[b->group] += b->winners;
        else
            out[b->group] += b->pay.count;
    }
    for (int i = 0; i < GROUPS; i++) {
        uint64_t o = out[i] + w->held[i] + (i == eg ? extra : 0);
        if (o > 0)
            g[n++] = (tk_risk_group){w->face[i], w->wp[i], o, 0};
        if (won[i] > 0)
            g[n++] = (tk_risk_group){w->face[i], w->wp[i], won[i], 1};
    }
    assert_int_equal(tk_risk(&r, NULL, g, n, &w->deposit), TK_OK);
    return r;
}

static void sign_batch(struct world *w, int g, uint64_t k)
{
    struct batch *b = &w->b[w->nb];
    assert_true(w->nb < MAX_BATCHES);
    memset(b, 0, sizeof *b);
    assert_int_equal(tk_payment_alloc(&b->pay, k), TK_OK);
    b->pay.sender = w->sender;
    b->pay.params.recipient = w->recipient;
    b->pay.params.face_value = w->face[g];
    b->pay.params.win_prob = w->wp[g];
    b->pay.params.recipient_rand_hash.bytes[0] = (uint8_t)g;
    b->pay.params.creation_round = w->round;
    for (size_t i = 0; i < k; i++)
        b->pay.tickets[i].sender_nonce = ++w->nonce;
    b->group = g;
    assert_int_equal(tk_exposure_add_payment(w->x, &b->pay, 1), TK_OK);
    w->held[g] -= k;
    w->nb++;
}

/* A receipt for batch i: every ticket accepted, the first nw won. */
static void receipt_for(struct world *w, size_t i, size_t nw)
{
    struct batch *b = &w->b[i];
    tk_hash *h = calloc(b->pay.count, sizeof *h);
    tk_receipt r;
    tk_sig sig;
    mpq_t ev;
    mpz_t c;

    assert_non_null(h);
    for (size_t j = 0; j < b->pay.count; j++) {
        tk_ticket t;
        assert_int_equal(tk_payment_ticket(&t, &b->pay, j), TK_OK);
        assert_int_equal(tk_ticket_hash(&h[j], &t), TK_OK);
    }
    memset(&r, 0, sizeof r);
    r.sender = w->sender;
    r.recipient = w->recipient;
    r.recipient_rand_hash = b->pay.params.recipient_rand_hash;
    r.tickets = h;
    r.n_tickets = b->pay.count;
    r.winners = h;
    r.n_winners = nw;
    mpq_init(ev);
    mpz_init(c);
    assert_int_equal(tk_ticket_ev(ev, &w->face[b->group], &w->wp[b->group]), TK_OK);
    mpz_mul_ui(c, mpq_numref(ev), (unsigned long)b->pay.count);
    mpz_fdiv_q(c, c, mpq_denref(ev));
    assert_int_equal(tk_u256_from_mpz(&r.credited_wei, c), TK_OK);
    assert_int_equal(tk_receipt_sign(w->ctx, &sig, w->rkey, &w->dom, &r), TK_OK);
    assert_int_equal(tk_exposure_apply_receipt(w->x, &r, sig.bytes, 65), TK_OK);
    b->receipted = 1;
    b->winners = nw;
    mpz_clear(c);
    mpq_clear(ev);
    free(h);
}

static void test_incremental_vs_exact(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    unsigned long iters = tk_test_iters(600);
    size_t passed = 0, refused = 0, near = 0, receipts = 0;
    uint8_t skey[32];
    (void)state;

    assert_non_null(w);
    assert_int_equal(tk_ctx_create(&w->ctx), TK_OK);
    memset(skey, 0x61, 32);
    memset(w->rkey, 0x62, 32);
    assert_int_equal(tk_key_address(w->ctx, &w->sender, skey), TK_OK);
    assert_int_equal(tk_key_address(w->ctx, &w->recipient, w->rkey), TK_OK);
    (void)tk_u256_from_u64(&w->dom.chain_id, 5);
    assert_int_equal(tk_exposure_create(w->ctx, &w->x, &w->sender, &w->dom), TK_OK);
    /* Face values F, 2F, 3F and 2.5F (off the lattice of the first three
     * until a group-3 batch comes: the gcd halves); winProb ~1/100..1/400. */
    static const uint64_t mult2[GROUPS] = {2, 4, 6, 5};
    for (int i = 0; i < GROUPS; i++) {
        (void)tk_u256_from_u64(&w->face[i], mult2[i] * F / 2);
        memset(w->wp[i].bytes, 0, 32);
        w->wp[i].bytes[1] = (uint8_t)(0xa0 >> i); /* 2^248 * 0xa0 >> i ~ p = 0.6% .. */
    }
    (void)tk_u256_from_u64(&w->deposit, 12 * F);

    /* The history is random: run on past `iters` (up to 8x) until it has
     * exercised enough passes and refusals for the checks below. */
    for (unsigned long it = 0;
         it < iters || ((passed <= 50 || refused <= 20) && it < 8 * iters); it++) {
        uint64_t r = tk_test_rand64();
        int g = (int)(r % (it < iters / 3 ? GROUPS - 1 : GROUPS));
        uint64_t k = 1 + (r >> 8) % 20;
        unsigned op = (unsigned)((r >> 16) % 100);

        if (op < 60) {
            double exact = oracle(w, g, k);
            tk_status st = tk_exposure_hold(w->x, &w->face[g], &w->wp[g], k, &w->deposit, EPS);
            int borderline = exact > EPS * (1 - 1e-6) && exact < EPS * (1 + 1e-6);
            near += borderline;
            if (st == TK_OK) {
                passed++;
                assert_true(borderline || exact <= EPS);
                w->held[g] += k;
                if ((r >> 24) % 10 < 7 && w->nb < MAX_BATCHES)
                    sign_batch(w, g, k);
                else {
                    assert_int_equal(tk_exposure_release(w->x, &w->face[g], &w->wp[g], k),
                                     TK_OK);
                    w->held[g] -= k;
                }
            } else {
                assert_int_equal(st, TK_ERR_RISK_OVER_LIMIT);
                refused++;
                assert_true(borderline || exact > EPS);
            }
        } else if (op < 90 && w->nb > 0) {
            size_t i = (size_t)((r >> 24) % w->nb);
            struct batch *b = &w->b[i];
            if (!b->receipted && !b->expired) {
                receipt_for(w, i, (size_t)((r >> 40) % 3) > b->pay.count
                                      ? b->pay.count
                                      : (size_t)((r >> 40) % 3));
                receipts++;
            }
        } else {
            uint64_t dropped = 0, want = 0;
            w->round++;
            for (size_t i = 0; i < w->nb; i++) {
                struct batch *b = &w->b[i];
                if (!b->expired && b->pay.params.creation_round < w->round - 2) {
                    b->expired = 1;
                    want += b->receipted ? b->winners : b->pay.count;
                }
            }
            assert_int_equal(tk_exposure_expire(w->x, w->round - 2, &dropped), TK_OK);
            assert_int_equal(dropped, want);
        }
    }
    print_message("holds passed %zu, refused %zu (borderline %zu), receipts %zu\n", passed,
                  refused, near, receipts);
    assert_true(passed > 50);
    assert_true(refused > 20);
    for (size_t i = 0; i < w->nb; i++)
        tk_payment_clear(&w->b[i].pay);
    tk_exposure_destroy(w->x);
    tk_ctx_destroy(w->ctx);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incremental_vs_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

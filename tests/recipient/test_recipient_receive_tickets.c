/* SPDX-License-Identifier: MIT */
/* Receiving payments, the per-ticket checks (src/recipient/receive.c
 * phases A and B): bad signatures among good ones, replayed nonces, the
 * nonce limit, expired params, pruning of the replay set. */
#include "receive_util.h"

#include "ticket/keccak.h"

#include <stdlib.h>
#include <string.h>

/* ---- per-ticket errors ------------------------------------------------- */

/* A batch with bad signatures among winners: the bad ones are rejected with
 * their own code, the batch goes on and every good winner is stored. */
static void test_bad_signatures_do_not_stop_batch(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    uint8_t other[32];
    rx x;
    mpq_t want;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 8);
    fx_random_key(&f, other);
    fx_sign(&f, &p.tickets[0].sig, other, &p, 1);       /* another key */
    fx_high_s(&p.tickets[1].sig);                       /* high s */
    p.tickets[2].sig.bytes[64] = p.tickets[2].sig.bytes[64] == 27 ? 28 : 27; /* wrong v */
    p.tickets[3].sig.bytes[64] = 29;                    /* v out of range */
    memset(p.tickets[4].sig.bytes, 0, 32);              /* r = 0 */
    p.tickets[5].sig.bytes[40] ^= 0x10;                 /* s altered */
    /* tickets 6 and 7 stay valid */

    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(x.res[1].status, TK_ERR_SIG_HIGH_S);
    assert_int_equal(x.res[2].status, TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(x.res[3].status, TK_ERR_SIG_BAD_V);
    assert_int_equal(x.res[4].status, TK_ERR_SIG_BAD_R);
    assert_true(x.res[5].status == TK_ERR_SIG_WRONG_SIGNER ||
                x.res[5].status == TK_ERR_SIG_HIGH_S ||
                x.res[5].status == TK_ERR_SIG_RECOVERY_FAILED);
    for (size_t i = 0; i < 6; i++) {
        tk_winner w;
        assert_int_equal(x.res[i].wins, 0);
        assert_int_equal(x.res[i].sender_nonce, (uint32_t)(i + 1));
        assert_false(winner_stored(&f, &p, i, &w)); /* nothing stored for them */
    }
    assert_int_equal(x.res[6].status, TK_OK);
    assert_int_equal(x.res[7].status, TK_OK);
    assert_int_equal(x.res[6].wins, 1);
    assert_int_equal(x.res[7].wins, 1);
    assert_int_equal(x.sum.accepted, 2);
    assert_int_equal(x.sum.rejected, 6);
    assert_int_equal(stored_winners(&f), 2);
    mpq_init(want);
    fx_expected_credit(want, &params, 2);
    assert_true(mpq_equal(x.credited, want));
    mpq_clear(want);
    rx_free(&x);

    /* A bad signature does not burn the nonce: the correctly signed ticket
     * with the same nonce is accepted afterwards. */
    fx_sign(&f, &p.tickets[1].sig, f.sender_key, &p, 2);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[1].status, TK_OK);
    assert_int_equal(x.res[6].status, TK_ERR_REPLAYED_NONCE);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A signature that was not 65 bytes on the wire (sig_bad_length, set by
 * the decoder) is that ticket's TK_ERR_SIG_BAD_LENGTH only: the other
 * tickets of the payment, and their winners, go through (issue 11; on
 * 0.1.0 the decoder refused the whole payment). The flag wins even over a
 * valid signature left in sig. */
static void test_bad_sig_length_per_ticket(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    mpq_t want;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 4);
    p.tickets[1].sig_bad_length = 1;
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_OK);
    assert_int_equal(x.res[1].status, TK_ERR_SIG_BAD_LENGTH);
    assert_int_equal(x.res[1].wins, 0);
    assert_int_equal(x.res[2].status, TK_OK);
    assert_int_equal(x.res[3].status, TK_OK);
    assert_int_equal(x.sum.accepted, 3);
    assert_int_equal(x.sum.winners, 3);
    mpq_init(want);
    fx_expected_credit(want, &params, 3);
    assert_true(mpq_equal(x.credited, want));
    mpq_clear(want);
    rx_free(&x);
    assert_int_equal(stored_winners(&f), 3);
    /* The bad ticket consumed no nonce: sent again whole, it is accepted. */
    p.tickets[1].sig_bad_length = 0;
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[1].status, TK_OK);
    assert_int_equal(x.sum.accepted, 1);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* The recipient compares later tickets' recovered keys with the first
 * key that matched the sender: bad signatures after good ones must still
 * be rejected, each with its own status, and good ones after them
 * accepted. */
static void test_bad_signatures_after_good(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    uint8_t other[32];
    rx x;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 8);
    fx_random_key(&f, other);
    fx_sign(&f, &p.tickets[2].sig, other, &p, 3);       /* another key */
    p.tickets[3].sig.bytes[64] = p.tickets[3].sig.bytes[64] == 27 ? 28 : 27; /* wrong v */
    fx_high_s(&p.tickets[4].sig);                       /* high s */
    p.tickets[5].sig = p.tickets[0].sig;                /* ticket 1's signature */
    p.tickets[6].sig.bytes[64] = 26;                    /* v out of range */

    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_OK);
    assert_int_equal(x.res[1].status, TK_OK);
    assert_int_equal(x.res[2].status, TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(x.res[3].status, TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(x.res[4].status, TK_ERR_SIG_HIGH_S);
    assert_int_equal(x.res[5].status, TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(x.res[6].status, TK_ERR_SIG_BAD_V);
    assert_int_equal(x.res[7].status, TK_OK);
    assert_int_equal(x.sum.accepted, 3);
    assert_int_equal(stored_winners(&f), 3);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_replayed_nonce(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    mpq_t want;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 4);
    p.tickets[3] = p.tickets[1]; /* duplicate inside one batch */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[1].status, TK_OK);
    assert_int_equal(x.res[3].status, TK_ERR_REPLAYED_NONCE);
    assert_int_equal(x.res[3].wins, 0);
    assert_int_equal(x.sum.accepted, 3);
    rx_free(&x);

    /* The whole batch again: every ticket replayed, no credit. */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(x.res[i].status, TK_ERR_REPLAYED_NONCE);
    assert_int_equal(x.sum.accepted, 0);
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);
    mpq_init(want);
    fx_expected_credit(want, &params, 3);
    assert_balance(&f, &params.recipient_rand_hash, want);
    mpq_clear(want);

    /* Single-ticket API: the same nonce again is a replay. */
    {
        int wins = 7;
        assert_int_equal(receive_one(&f, &p, 0, &wins), TK_ERR_REPLAYED_NONCE);
        assert_int_equal(wins, 0);
    }
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_nonce_limit(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 601);
    /* Out of order, to exercise the sorted insert. */
    {
        tk_ticket_sig t = p.tickets[0];
        p.tickets[0] = p.tickets[599];
        p.tickets[599] = t;
    }
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < 600; i++)
        assert_int_equal(x.res[i].status, TK_OK);
    assert_int_equal(x.res[600].status, TK_ERR_NONCE_LIMIT);
    assert_int_equal(x.sum.accepted, 600);
    rx_free(&x);

    /* Seen nonces stay replays, new ones hit the limit. */
    tk_payment_clear(&p);
    fx_pay(&f, &p, &params, 600, 3); /* 600 seen, 601 and 602 new */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_ERR_REPLAYED_NONCE);
    assert_int_equal(x.res[1].status, TK_ERR_NONCE_LIMIT);
    assert_int_equal(x.res[2].status, TK_ERR_NONCE_LIMIT);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* Expired params: each ticket is reported expired, recorded as seen (a
 * second copy is a replay), its winner is stored, and nothing is credited.
 * Once the chain passes the expiration block the record is dropped. */
static void test_expired_params(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_recipient_stats stats;
    uint64_t exp;
    rx x;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    assert_int_equal(tk_u256_to_u64(&exp, &params.expiration_block), TK_OK);
    assert_int_equal(exp, f.chain.last_block + 40);
    fx_pay(&f, &p, &params, 1, 3);

    f.chain.last_block = exp - 1; /* still valid */
    {
        tk_payment one = p;
        one.count = 1;
        assert_int_equal(rx_run(&f, &x, &one, NULL), TK_OK);
        assert_int_equal(x.res[0].status, TK_OK);
        rx_free(&x);
    }
    f.chain.last_block = exp; /* expirationBlock <= lastSeenBlock */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_ERR_REPLAYED_NONCE);
    assert_int_equal(x.res[1].status, TK_ERR_PARAMS_EXPIRED);
    assert_int_equal(x.res[2].status, TK_ERR_PARAMS_EXPIRED);
    assert_int_equal(x.res[1].wins, 1);
    assert_int_equal(x.res[2].wins, 1);
    assert_int_equal(x.sum.accepted, 0);
    assert_int_equal(x.sum.winners, 2);
    assert_int_equal(mpq_sgn(x.credited), 0);
    assert_int_equal(stored_winners(&f), 3);
    rx_free(&x);

    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK); /* recorded as seen */
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(x.res[i].status, TK_ERR_REPLAYED_NONCE);
    rx_free(&x);

    /* The balance holds exactly the one ticket credited before expiry. */
    {
        mpq_t want;
        mpq_init(want);
        fx_expected_credit(want, &params, 1);
        assert_balance(&f, &params.recipient_rand_hash, want);
        mpq_clear(want);
    }

    /* Block passes the expiration: the seen nonces are dropped. */
    f.chain.last_block = exp + 1;
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_int_equal(stats.tracked_rands, 0);
    /* ... and a late copy is still only "expired", never credited. */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(x.res[i].status, TK_ERR_PARAMS_EXPIRED);
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);

    /* Single-ticket API: expired winner reports wins = 1. */
    {
        int wins = 0;
        f.chain.last_block = exp + 2;
        assert_int_equal(receive_one(&f, &p, 0, &wins), TK_ERR_PARAMS_EXPIRED);
        assert_int_equal(wins, 1);
    }
    tk_payment_clear(&p);
    fx_free(&f);
}

/* Pruning many rands at once: only the live one stays. */
static void test_prune_many(void **state)
{
    fixture f;
    tk_ticket_params a[20];
    tk_payment p;
    tk_recipient_stats stats;
    rx x;
    (void)state;

    fx_init(&f);
    for (int i = 0; i < 20; i++) {
        fx_params(&f, &a[i]);
        fx_pay(&f, &p, &a[i], 1, 2);
        assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
        rx_free(&x);
        tk_payment_clear(&p);
    }
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_rands, 20);
    assert_int_equal(stats.tracked_nonces, 40);
    f.chain.last_block += 41; /* all 20 expired */
    fx_params(&f, &a[0]);
    fx_pay(&f, &p, &a[0], 1, 1);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    rx_free(&x);
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_rands, 1);
    assert_int_equal(stats.tracked_nonces, 1);
    tk_payment_clear(&p);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_signatures_do_not_stop_batch),
        cmocka_unit_test(test_bad_sig_length_per_ticket),
        cmocka_unit_test(test_bad_signatures_after_good),
        cmocka_unit_test(test_replayed_nonce),
        cmocka_unit_test(test_nonce_limit),
        cmocka_unit_test(test_expired_params),
        cmocka_unit_test(test_prune_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

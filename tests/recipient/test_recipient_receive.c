/* SPDX-License-Identifier: MIT */
/* Receiving payments: every rejection path of PROTOCOL.md section 6, the
 * win decision, replay protection, expiry, winners in the store, credits
 * and balances, store failures and restarts. */
#include "rcpt_fixture.h"

#include "ticket/keccak.h"

#include <stdlib.h>
#include <string.h>

typedef struct rx {
    tk_ticket_result *res;
    tk_receive_summary sum;
    mpq_t credited;
} rx;

/* Receive p; results land in a fresh array (freed by rx_free). */
static tk_status rx_run(fixture *f, rx *x, const tk_payment *p, const tk_hash *session)
{
    x->res = calloc(p->count + 1, sizeof *x->res);
    assert_non_null(x->res);
    mpq_init(x->credited);
    return tk_recipient_receive(f->r, x->res, p->count, &x->sum, x->credited, p, session);
}

static void rx_free(rx *x)
{
    free(x->res);
    mpq_clear(x->credited);
}

static int count_visit(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

static size_t stored_winners(fixture *f)
{
    size_t n = 0;
    assert_int_equal(f->store.inner.list(f->store.inner.self, NULL, TK_WINNER_ALL_STATES,
                                         count_visit, &n),
                     TK_OK);
    return n;
}

static int winner_stored(fixture *f, const tk_payment *p, size_t i, tk_winner *out)
{
    tk_ticket t;
    tk_hash h;
    assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
    assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
    return f->store.inner.get_winner(f->store.inner.self, &h, out) == TK_OK;
}

/* Ticket i of p through the single-ticket API. */
static tk_status receive_one(fixture *f, const tk_payment *p, size_t i, int *wins)
{
    tk_ticket t;
    assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
    return tk_recipient_receive_ticket(f->r, wins, &t, &p->tickets[i].sig, &p->params.seed,
                                       &p->params.expiration_block, &p->params.price, NULL);
}

static void assert_balance(fixture *f, const tk_hash *session, mpq_t expect)
{
    mpq_t b;
    mpq_init(b);
    assert_int_equal(tk_recipient_balance(f->r, b, &f->sender, session), TK_OK);
    assert_true(mpq_equal(b, expect));
    mpq_clear(b);
}

static void assert_no_balance(fixture *f, const tk_hash *session)
{
    mpq_t b;
    mpq_init(b);
    assert_int_equal(tk_recipient_balance(f->r, b, &f->sender, session), TK_ERR_NOT_FOUND);
    assert_int_equal(mpq_sgn(b), 0);
    mpq_clear(b);
}

/* A fatal error: the status, outputs zeroed, nothing recorded/credited. */
static void expect_fatal(fixture *f, const tk_payment *p, tk_status want)
{
    rx x;
    tk_recipient_stats stats;
    assert_int_equal(rx_run(f, &x, p, NULL), want);
    for (size_t i = 0; i < p->count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].wins, 0);
        assert_int_equal(x.res[i].sender_nonce, 0);
    }
    assert_int_equal(x.sum.accepted, 0);
    assert_int_equal(mpq_sgn(x.credited), 0);
    assert_int_equal(tk_recipient_get_stats(f->r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_int_equal(stats.balances, 0);
    assert_int_equal(stored_winners(f), 0);
    rx_free(&x);
}

/* ---- the good path ----------------------------------------------------- */

static void test_accepts_and_credits(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    mpq_t want;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 20);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < p.count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].sender_nonce, (uint32_t)(i + 1));
    }
    assert_int_equal(x.sum.accepted, 20);
    assert_int_equal(x.sum.rejected, 0);
    /* The default session is the params' recipientRandHash. */
    assert_memory_equal(x.sum.session.bytes, params.recipient_rand_hash.bytes, 32);
    mpq_init(want);
    fx_expected_credit(want, &params, 20);
    assert_true(mpq_equal(x.credited, want));
    assert_balance(&f, &params.recipient_rand_hash, want);
    mpq_clear(want);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* winProb MAX: every ticket wins, is stored with everything needed to
 * redeem it, and the stored rand hashes to the params' rand hash. */
static void test_winners_stored_before_return(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_winner w;
    tk_hash h;
    rx x;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    for (int i = 0; i < 32; i++)
        assert_int_equal(params.win_prob.bytes[i], 0xff); /* MAX */
    fx_pay(&f, &p, &params, 1, 5);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.winners, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].wins, 1);
        assert_true(winner_stored(&f, &p, i, &w));
        assert_int_equal(w.state, TK_WINNER_NEW);
        assert_memory_equal(w.sig.bytes, p.tickets[i].sig.bytes, 65);
        assert_int_equal(w.ticket.sender_nonce, p.tickets[i].sender_nonce);
        assert_memory_equal(w.expiration_block.bytes, params.expiration_block.bytes, 32);
        assert_int_equal(tk_rand_hash(&h, &w.recipient_rand), TK_OK);
        assert_memory_equal(h.bytes, params.recipient_rand_hash.bytes, 32);
    }
    assert_int_equal(stored_winners(&f), 5);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* The win decision is keccak(sig || rand) < winProb: check it against an
 * independent recomputation for tickets that win and lose. */
static void test_win_decision(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_winner w;
    rx x;
    size_t wins = 0;
    (void)state;

    fx_init(&f);
    fx_u256(&f.cfg.ev, 1000000000000000u); /* 1e15 */
    fx_create_recipient(&f);
    {
        /* max float 2 * EV caps the face value at 2 * EV: winProb ~ MAX/2. */
        tk_params_inputs in;
        tk_price one;
        memset(&in, 0, sizeof in);
        in.gas_price = f.chain.gas_price;
        fx_u256_dec(&in.max_float, "2000000000000000");
        in.last_block = f.chain.last_block;
        in.creation_round = 10;
        memset(in.creation_round_block_hash.bytes, 0x11, 32);
        fx_u256(&one.num, 1);
        fx_u256(&one.den, 1);
        assert_int_equal(tk_recipient_params_with(f.r, &params, &f.sender, &one, &in), TK_OK);
        assert_true(params.win_prob.bytes[0] == 0x7f || params.win_prob.bytes[0] == 0x80);
    }
    fx_pay(&f, &p, &params, 1, 40);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < p.count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        wins += (size_t)x.res[i].wins;
        assert_int_equal(winner_stored(&f, &p, i, &w), x.res[i].wins);
    }
    assert_true(wins > 0 && wins < p.count);
    /* Independent check of each decision with a winner's rand. */
    {
        tk_u256 rand;
        size_t i;
        for (i = 0; !x.res[i].wins; i++)
            ;
        assert_true(winner_stored(&f, &p, i, &w));
        rand = w.recipient_rand;
        for (i = 0; i < p.count; i++) {
            uint8_t buf[97];
            tk_hash v;
            memcpy(buf, p.tickets[i].sig.bytes, 65);
            memcpy(buf + 65, rand.bytes, 32);
            assert_int_equal(tk_keccak256(&v, buf, sizeof buf), TK_OK);
            assert_int_equal(memcmp(v.bytes, params.win_prob.bytes, 32) < 0, x.res[i].wins);
        }
    }
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_explicit_session(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_hash session;
    rx x;
    mpq_t want;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 3);
    memset(session.bytes, 0x5a, 32);
    assert_int_equal(rx_run(&f, &x, &p, &session), TK_OK);
    assert_memory_equal(x.sum.session.bytes, session.bytes, 32);
    mpq_init(want);
    fx_expected_credit(want, &params, 3);
    assert_balance(&f, &session, want);
    assert_no_balance(&f, &params.recipient_rand_hash);
    mpq_clear(want);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* The single-ticket API: accepted tickets credit EV each; a fatal error
 * comes back as the return value. */
static void test_receive_ticket(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    mpq_t want;
    int wins = 5;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(receive_one(&f, &p, i, &wins), TK_OK);
        assert_int_equal(wins, 1);
    }
    assert_int_equal(stored_winners(&f), 3);
    mpq_init(want);
    fx_expected_credit(want, &params, 3);
    assert_balance(&f, &params.recipient_rand_hash, want);
    mpq_clear(want);
    p.tickets[0].sig.bytes[64] = 26;
    p.tickets[0].sender_nonce = 9;
    assert_int_equal(receive_one(&f, &p, 0, &wins), TK_ERR_SIG_BAD_V);
    assert_int_equal(wins, 0);
    fx_u256(&f.chain.funds.withdraw_round, 3);
    assert_int_equal(receive_one(&f, &p, 1, &wins), TK_ERR_SENDER_UNLOCKING);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* ---- fatal errors ------------------------------------------------------ */

static void test_fatal_wrong_recipient(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    (void)state;
    fx_init(&f);
    fx_params(&f, &params);
    params.recipient.bytes[0] ^= 1; /* not in the HMAC: only this check sees it */
    fx_pay(&f, &p, &params, 1, 3);
    expect_fatal(&f, &p, TK_ERR_WRONG_RECIPIENT);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_fatal_zero_sender(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_address zero;
    (void)state;
    fx_init(&f);
    memset(&zero, 0, sizeof zero);
    f.sender = zero; /* params for the zero sender, so the rand matches */
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 2);
    expect_fatal(&f, &p, TK_ERR_ZERO_SENDER);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_fatal_rand_mismatch(void **state)
{
    fixture f;
    tk_ticket_params params, orig;
    tk_payment p;
    (void)state;
    fx_init(&f);
    fx_params(&f, &orig);

    params = orig; /* altered rand hash */
    params.recipient_rand_hash.bytes[5] ^= 0x80;
    fx_pay(&f, &p, &params, 1, 2);
    expect_fatal(&f, &p, TK_ERR_RAND_HASH_MISMATCH);
    tk_payment_clear(&p);

    params = orig; /* altered face value: the HMAC no longer matches */
    params.face_value.bytes[31] ^= 1;
    fx_pay(&f, &p, &params, 1, 2);
    expect_fatal(&f, &p, TK_ERR_RAND_HASH_MISMATCH);
    tk_payment_clear(&p);

    params = orig; /* altered expiration block */
    params.expiration_block.bytes[31] ^= 1;
    fx_pay(&f, &p, &params, 1, 2);
    expect_fatal(&f, &p, TK_ERR_RAND_HASH_MISMATCH);
    tk_payment_clear(&p);

    params = orig; /* another sender presenting these params */
    fx_pay(&f, &p, &params, 1, 2);
    {
        uint8_t key[32];
        fx_random_key(&f, key);
        assert_int_equal(tk_key_address(f.ctx, &p.sender, key), TK_OK);
        for (size_t i = 0; i < p.count; i++)
            fx_sign(&f, &p.tickets[i].sig, key, &p, p.tickets[i].sender_nonce);
    }
    expect_fatal(&f, &p, TK_ERR_RAND_HASH_MISMATCH);
    tk_payment_clear(&p);

    /* Params issued by a recipient with another secret. */
    params = orig;
    fx_pay(&f, &p, &params, 1, 2);
    f.secret[0] ^= 1;
    fx_create_recipient(&f);
    expect_fatal(&f, &p, TK_ERR_RAND_HASH_MISMATCH);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_fatal_sender_unlocking(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    (void)state;
    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 2);
    /* withdrawRound <= lastInitializedRound + 1 (= 11): fatal. */
    fx_u256(&f.chain.funds.withdraw_round, 11);
    expect_fatal(&f, &p, TK_ERR_SENDER_UNLOCKING);
    fx_u256(&f.chain.funds.withdraw_round, 5);
    expect_fatal(&f, &p, TK_ERR_SENDER_UNLOCKING);
    /* Round 12 is far enough away. */
    fx_u256(&f.chain.funds.withdraw_round, 12);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 2);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_fatal_invalid_price_and_round(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    (void)state;
    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 2);
    memset(p.params.price.den.bytes, 0, 32);
    expect_fatal(&f, &p, TK_ERR_INVALID_PRICE);
    p.params = params;
    p.params.creation_round = -1;
    expect_fatal(&f, &p, TK_ERR_OUT_OF_RANGE);
    p.params = params;
    f.chain.fail = 1;
    expect_fatal(&f, &p, TK_ERR_CHAIN);
    tk_payment_clear(&p);
    fx_free(&f);
}

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

/* ---- store failures, persistence -------------------------------------- */

static void test_store_failure_rolls_back(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_recipient_stats stats;
    rx x;
    (void)state;

    fx_init_always_win(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 4);

    f.store.fail_put = 1;
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_ERR_STORE);
    for (size_t i = 0; i < 4; i++)
    {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].wins, 0);
    }
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_no_balance(&f, &params.recipient_rand_hash);
    f.store.fail_put = 0;

    f.store.fail_nonce = 1;
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_ERR_STORE);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_no_balance(&f, &params.recipient_rand_hash);
    f.store.fail_nonce = 0;

    /* The retry goes through. */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 4);
    assert_int_equal(x.sum.winners, 4);
    rx_free(&x);
    assert_int_equal(stored_winners(&f), 4);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A payment's recorded nonces (accepted or expired, not rejected) go to
 * the store in ONE nonce_claim call (or nonce_add_many, when the store has
 * no claim), after its winners; a payment that records none makes no
 * call. */
static void nonces_one_batch_per_payment(int claim)
{
    const char *first = claim ? "wwwwwc" : "wwwwwm", *late_log = claim ? "wwwc" : "wwwm";
    fixture f;
    tk_ticket_params params;
    tk_payment p, late;
    uint64_t exp;
    rx x;

    fx_init_always_win(&f);
    f.store.no_claim = !claim;
    fx_create_recipient(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 7);
    p.tickets[2] = p.tickets[1];  /* replay inside the batch */
    fx_high_s(&p.tickets[4].sig); /* rejected */
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 5);
    rx_free(&x);
    assert_int_equal(claim ? f.store.nonce_claim_calls : f.store.nonce_many_calls, 1);
    assert_int_equal(claim ? f.store.nonce_many_calls : f.store.nonce_claim_calls, 0);
    assert_int_equal(f.store.nonce_many_total, 5);
    assert_int_equal(f.store.nonce_add_calls, 0);
    assert_string_equal(f.store.log, first); /* winners first */

    /* The stored nonces are exactly the recorded ones: after a restart the
     * accepted tickets are replays, the high-s one is still just bad. */
    fx_create_recipient(&f);
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < p.count; i++)
        assert_int_equal(x.res[i].status, i == 4 ? TK_ERR_SIG_HIGH_S : TK_ERR_REPLAYED_NONCE);
    rx_free(&x);
    assert_int_equal(f.store.nonce_many_calls + f.store.nonce_claim_calls, 0); /* none */
    assert_string_equal(f.store.log, "");

    /* Expired params: the nonces are recorded (and persisted) too. */
    assert_int_equal(tk_u256_to_u64(&exp, &params.expiration_block), TK_OK);
    f.chain.last_block = exp;
    fx_pay(&f, &late, &params, 100, 3);
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &late, NULL), TK_OK);
    assert_int_equal(x.res[0].status, TK_ERR_PARAMS_EXPIRED);
    rx_free(&x);
    assert_int_equal(f.store.nonce_many_calls + f.store.nonce_claim_calls, 1);
    assert_int_equal(f.store.nonce_many_total, 3);
    assert_string_equal(f.store.log, late_log);
    tk_payment_clear(&late);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_nonces_one_batch_per_payment(void **state)
{
    (void)state;
    nonces_one_batch_per_payment(1);
    nonces_one_batch_per_payment(0);
}

/* A store without nonce_add_many: one nonce_add per recorded nonce, with
 * the same persistence and rollback. */
static void test_nonces_fallback_per_ticket(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p, q;
    tk_recipient_stats stats;
    rx x;
    (void)state;

    fx_init(&f);
    f.store.no_many = 1;
    f.store.no_claim = 1;
    fx_create_recipient(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 6);
    fx_store_trace(&f.store);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 6);
    rx_free(&x);
    assert_int_equal(f.store.nonce_add_calls, 6);
    assert_int_equal(f.store.nonce_many_calls, 0);

    fx_create_recipient(&f); /* restart: the nonces were persisted */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 0);
    rx_free(&x);

    fx_pay(&f, &q, &params, 7, 3);
    f.store.fail_nonce = 1;
    assert_int_equal(rx_run(&f, &x, &q, NULL), TK_ERR_STORE);
    rx_free(&x);
    assert_int_equal(tk_recipient_get_stats(f.r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 6); /* q's were forgotten */
    f.store.fail_nonce = 0;
    assert_int_equal(rx_run(&f, &x, &q, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 3);
    rx_free(&x);
    tk_payment_clear(&q);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A recipient restarted with the same secret and store still rejects
 * replays; without nonce persistence it cannot (documented). */
static void test_restart_keeps_replay_protection(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, 5);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 5);
    rx_free(&x);

    fx_create_recipient(&f); /* restart */
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(x.res[i].status, TK_ERR_REPLAYED_NONCE);
    rx_free(&x);

    /* Loading fails -> create fails with TK_ERR_STORE. */
    {
        tk_chain ch = fx_chain_iface(&f.chain);
        tk_store st = fx_store_iface(&f.store);
        tk_recipient *r2 = (tk_recipient *)&f; /* must be overwritten */
        f.store.fail_nonce = 1;
        assert_int_equal(tk_recipient_create(f.ctx, &r2, &f.cfg, f.secret, &ch, &st),
                         TK_ERR_STORE);
        assert_null(r2);
        f.store.fail_nonce = 0;
    }

    /* A store without nonce callbacks: a restart forgets (and nothing
     * fails). */
    f.store.no_nonces = 1;
    fx_create_recipient(&f);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 5);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* ---- balances ---------------------------------------------------------- */

static void test_balances_debit(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    rx x;
    mpq_t credit, amt, b;
    const tk_hash *s;
    (void)state;

    fx_init(&f);
    fx_params(&f, &params);
    s = &params.recipient_rand_hash;
    fx_pay(&f, &p, &params, 1, 10);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    rx_free(&x);
    mpq_inits(credit, amt, b, NULL);
    fx_expected_credit(credit, &params, 10);

    /* Debit a third of it twice (exact rationals), then too much. */
    mpq_set_ui(amt, 1, 3);
    mpq_mul(amt, amt, credit);
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, 0, 1), TK_OK);
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, 0, 2), TK_OK);
    mpq_set(b, credit);
    mpq_sub(b, b, amt);
    mpq_sub(b, b, amt);
    assert_balance(&f, s, b);
    mpq_mul_2exp(amt, amt, 1);
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, 0, 3), TK_ERR_INSUFFICIENT_BALANCE);
    assert_balance(&f, s, b); /* unchanged */
    assert_int_equal(fx_debit(&f, f.sender_key, s, amt, TK_DEBIT_ALLOW_NEGATIVE, 3), TK_OK);
    mpq_sub(b, b, amt);
    assert_true(mpq_sgn(b) < 0);
    assert_balance(&f, s, b);

    /* Unknown balances. */
    {
        tk_hash other;
        memset(other.bytes, 0x77, 32);
        assert_int_equal(fx_debit(&f, f.sender_key, &other, amt, 0, 4), TK_ERR_NOT_FOUND);
        assert_no_balance(&f, &other);
        assert_int_equal(fx_debit(&f, f.sender_key, &other, amt, TK_DEBIT_ALLOW_NEGATIVE, 4),
                         TK_OK);
        mpq_neg(b, amt);
        assert_balance(&f, &other, b);
        assert_int_equal(tk_recipient_balance_clear(f.r, &f.sender, &other), TK_OK);
        assert_int_equal(tk_recipient_balance_clear(f.r, &f.sender, &other), TK_ERR_NOT_FOUND);
        assert_no_balance(&f, &other);
    }
    mpq_clears(credit, amt, b, NULL);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* Zero-priced params: face 0, winProb 0: accepted, EV 0, never a winner. */
static void test_free_params(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_price zero;
    rx x;
    (void)state;

    fx_init(&f);
    fx_u256(&zero.num, 0);
    fx_u256(&zero.den, 7);
    assert_int_equal(tk_recipient_params(f.r, &params, &f.sender, &zero), TK_OK);
    fx_pay(&f, &p, &params, 1, 3);
    assert_int_equal(rx_run(&f, &x, &p, NULL), TK_OK);
    assert_int_equal(x.sum.accepted, 3);
    assert_int_equal(x.sum.winners, 0);
    assert_int_equal(mpq_sgn(x.credited), 0);
    rx_free(&x);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_empty_payment(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    tk_receive_summary sum;
    (void)state;
    fx_init(&f);
    fx_params(&f, &params);
    memset(&p, 0, sizeof p);
    p.sender = f.sender;
    p.params = params;
    assert_int_equal(tk_recipient_receive(f.r, NULL, 0, &sum, NULL, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);
    /* Fatal checks still apply to an empty payment. */
    p.params.recipient.bytes[3] ^= 1;
    assert_int_equal(tk_recipient_receive(f.r, NULL, 0, &sum, NULL, &p, NULL),
                     TK_ERR_WRONG_RECIPIENT);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_and_credits),
        cmocka_unit_test(test_winners_stored_before_return),
        cmocka_unit_test(test_win_decision),
        cmocka_unit_test(test_explicit_session),
        cmocka_unit_test(test_receive_ticket),
        cmocka_unit_test(test_fatal_wrong_recipient),
        cmocka_unit_test(test_fatal_zero_sender),
        cmocka_unit_test(test_fatal_rand_mismatch),
        cmocka_unit_test(test_fatal_sender_unlocking),
        cmocka_unit_test(test_fatal_invalid_price_and_round),
        cmocka_unit_test(test_bad_signatures_do_not_stop_batch),
        cmocka_unit_test(test_bad_sig_length_per_ticket),
        cmocka_unit_test(test_bad_signatures_after_good),
        cmocka_unit_test(test_replayed_nonce),
        cmocka_unit_test(test_nonce_limit),
        cmocka_unit_test(test_expired_params),
        cmocka_unit_test(test_prune_many),
        cmocka_unit_test(test_store_failure_rolls_back),
        cmocka_unit_test(test_nonces_one_batch_per_payment),
        cmocka_unit_test(test_nonces_fallback_per_ticket),
        cmocka_unit_test(test_restart_keeps_replay_protection),
        cmocka_unit_test(test_balances_debit),
        cmocka_unit_test(test_free_params),
        cmocka_unit_test(test_empty_payment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

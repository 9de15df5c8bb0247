/* SPDX-License-Identifier: MIT */
/* Sessions and nonces: keyed by recipientRandHash, counters that start at
 * 0 or a given value, contiguous nonces across batches, exhaustion at
 * 2^32 - 1 without partial use, session EV, and the chain interface
 * failing. */
#include "sender_fixture.h"

#include "ticket/u256.h"

#include <string.h>


static void batch(const tk_hash *key, size_t count, uint32_t first)
{
    tk_payment pay;
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay, key, count),
                     TK_OK);
    assert_int_equal(pay.count, count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(pay.tickets[i].sender_nonce, first + (uint32_t)i);
    fx_assert_payment_verifies(&FX, &pay);
    tk_payment_clear(&pay);
}

static uint32_t nonce_of(const tk_hash *key)
{
    uint32_t n;
    assert_int_equal(tk_sender_session_nonce(FX.sender, &n, key), TK_OK);
    return n;
}

static void test_nonces_contiguous(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&FX, &p, "3000", FX_THIRD, 1);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 0);
    batch(&p.recipient_rand_hash, 1, 1); /* the first ticket has nonce 1 */
    batch(&p.recipient_rand_hash, 5, 2);
    batch(&p.recipient_rand_hash, 3, 7);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 9);
}

/* A batch of 0: checked params, expiration params filled, sender set, no
 * ticket and no nonce used. */
static void test_empty_batch(void **state)
{
    tk_ticket_params p;
    tk_round_info r;
    tk_payment pay;
    (void)state;
    fx_params(&FX, &p, "3000", FX_THIRD, 12);
    p.creation_round = 0;
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 5), TK_OK);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash, 0),
                     TK_OK);
    assert_int_equal(pay.count, 0);
    assert_null(pay.tickets);
    assert_memory_equal(&pay.sender, &FX.addr, sizeof FX.addr);
    assert_int_equal(tk_chain_mem_state(FX.mem, NULL, &r), TK_OK);
    assert_int_equal(pay.params.creation_round, r.last_initialized_round);
    assert_memory_equal(&pay.params.creation_round_block_hash,
                        &r.last_initialized_block_hash, 32);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 5);
    tk_payment_clear(&pay);
    /* Refusals still apply. */
    assert_int_equal(tk_u256_from_u64(&p.expiration_block, 1), TK_OK);
    p.recipient_rand_hash.bytes[5] ^= 1;
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash, 0),
                     TK_ERR_PARAMS_EXPIRED);
}

static void test_start_nonce(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&FX, &p, "3000", FX_THIRD, 2);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 41), TK_OK);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 41);
    batch(&p.recipient_rand_hash, 2, 42);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 43);
}

static void test_sessions_are_independent(void **state)
{
    tk_ticket_params a, b;
    (void)state;
    fx_params(&FX, &a, "3000", FX_THIRD, 3);
    fx_params(&FX, &b, "6000", FX_THIRD, 4);
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 0), TK_OK);
    assert_int_equal(tk_sender_session_start(FX.sender, &b, 100), TK_OK);
    batch(&a.recipient_rand_hash, 2, 1);
    batch(&b.recipient_rand_hash, 2, 101);
    batch(&a.recipient_rand_hash, 1, 3);
    assert_int_equal(nonce_of(&a.recipient_rand_hash), 3);
    assert_int_equal(nonce_of(&b.recipient_rand_hash), 102);
}

static void test_nonce_exhaustion(void **state)
{
    tk_ticket_params p;
    tk_payment pay;
    (void)state;
    fx_params(&FX, &p, "3000", FX_THIRD, 5);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, UINT32_MAX - 2),
                     TK_OK);
    /* Three would pass 2^32 - 1: refused whole, nothing used. */
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash, 3),
                     TK_ERR_NONCE_EXHAUSTED);
    assert_null(pay.tickets);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), UINT32_MAX - 2);
    batch(&p.recipient_rand_hash, 2, UINT32_MAX - 1); /* the last two */
    assert_int_equal(nonce_of(&p.recipient_rand_hash), UINT32_MAX);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash, 1),
                     TK_ERR_NONCE_EXHAUSTED);
    /* A session started at the top is exhausted at once. */
    fx_params(&FX, &p, "3000", FX_THIRD, 6);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, UINT32_MAX),
                     TK_OK);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash, 1),
                     TK_ERR_NONCE_EXHAUSTED);
    /* More than 2^32 tickets in one batch cannot fit any session. */
    fx_params(&FX, &p, "3000", FX_THIRD, 7);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash,
                                            (size_t)UINT32_MAX + 1),
                     TK_ERR_NONCE_EXHAUSTED);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 0);
}

static void test_start_twice_and_end(void **state)
{
    tk_ticket_params p, q;
    tk_payment pay;
    uint32_t n;
    (void)state;
    fx_params(&FX, &p, "3000", FX_THIRD, 8);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    batch(&p.recipient_rand_hash, 3, 1);
    /* Restarting would reissue nonces 1..3: refused, counter kept. */
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_ERR_STATE);
    q = p;
    q.face_value = fx_u256("6000"); /* same key, other params */
    assert_int_equal(tk_sender_session_start(FX.sender, &q, 0), TK_ERR_STATE);
    assert_int_equal(nonce_of(&p.recipient_rand_hash), 3);

    assert_int_equal(tk_sender_session_end(FX.sender, &p.recipient_rand_hash),
                     TK_OK);
    assert_int_equal(tk_sender_session_end(FX.sender, &p.recipient_rand_hash),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay,
                                            &p.recipient_rand_hash, 1),
                     TK_ERR_NOT_FOUND);
    assert_null(pay.tickets);
    n = 7;
    assert_int_equal(tk_sender_session_nonce(FX.sender, &n,
                                             &p.recipient_rand_hash),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(n, 0);
    /* Started again (the caller's choice of counter). */
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 3), TK_OK);
    batch(&p.recipient_rand_hash, 1, 4);
}

static void test_many_sessions(void **state)
{
    tk_ticket_params p[40];
    (void)state;
    /* Keys that sort in every order relative to one another. */
    for (unsigned i = 0; i < 40; i++) {
        fx_params(&FX, &p[i], "3000", FX_THIRD, (uint8_t)(i * 37 % 40 + 10));
        assert_int_equal(tk_sender_session_start(FX.sender, &p[i], i), TK_OK);
    }
    for (unsigned i = 0; i < 40; i += 3)
        assert_int_equal(tk_sender_session_end(FX.sender,
                                               &p[i].recipient_rand_hash),
                         TK_OK);
    for (unsigned i = 0; i < 40; i++) {
        uint32_t n;
        tk_status st = tk_sender_session_nonce(FX.sender, &n,
                                               &p[i].recipient_rand_hash);
        if (i % 3 == 0) {
            assert_int_equal(st, TK_ERR_NOT_FOUND);
        } else {
            assert_int_equal(st, TK_OK);
            assert_int_equal(n, i);
            batch(&p[i].recipient_rand_hash, 1, i + 1);
        }
    }
}

static void test_session_ev(void **state)
{
    tk_ticket_params p;
    mpq_t ev, want;
    (void)state;
    mpq_inits(ev, want, NULL);
    /* faceValue 3001 and winProb MAX/3: EV = 3001/3, not an integer. */
    fx_params(&FX, &p, "3001", FX_THIRD, 9);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    assert_int_equal(tk_sender_session_ev(FX.sender, ev,
                                          &p.recipient_rand_hash), TK_OK);
    mpq_set_ui(want, 3001, 3);
    assert_true(mpq_equal(ev, want));
    assert_int_equal(tk_ticket_ev(want, &p.face_value, &p.win_prob), TK_OK);
    assert_true(mpq_equal(ev, want));
    /* Unknown session: NOT_FOUND and ev 0. */
    p.recipient_rand_hash.bytes[31] ^= 1;
    assert_int_equal(tk_sender_session_ev(FX.sender, ev,
                                          &p.recipient_rand_hash),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(mpq_sgn(ev), 0);
    mpq_clears(ev, want, NULL);
}

static void test_negative_creation_round(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&FX, &p, "3000", FX_THIRD, 10);
    p.creation_round = -1;
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0),
                     TK_ERR_OUT_OF_RANGE);
}

/* A chain whose callbacks fail: every check that needs it says so. */
static tk_status fail_block(void *self, uint64_t *b)
{
    (void)self;
    *b = 0;
    return TK_ERR_STORE;
}
static tk_status fail_rounds(void *self, tk_round_info *r)
{
    (void)self;
    memset(r, 0, sizeof *r);
    return TK_ERR_STORE;
}
static tk_status fail_funds(void *self, const tk_address *a,
                            tk_sender_funds *f)
{
    (void)self;
    (void)a;
    memset(f, 0, sizeof *f);
    return TK_ERR_STORE;
}

static void test_chain_failure(void **state)
{
    tk_chain chain = FX.chain;
    tk_ticket_params p;
    tk_sender *s;
    tk_payment pay;
    uint8_t key[32];
    (void)state;

    memset(key, 0x11, sizeof key);
    fx_params(&FX, &p, "3000", FX_THIRD, 11);
    for (int which = 0; which < 3; which++) {
        uint32_t n;
        chain = FX.chain;
        if (which == 0)
            chain.last_block = fail_block;
        else if (which == 1)
            chain.rounds = fail_rounds;
        else
            chain.sender_funds = fail_funds;
        assert_int_equal(tk_sender_create(FX.ctx, &s, &chain, &FX.cfg, key),
                         TK_OK);
        assert_int_equal(tk_sender_session_start(s, &p, 0), TK_OK);
        assert_int_equal(tk_sender_validate_params(s, &p, 1), TK_ERR_CHAIN);
        assert_int_equal(tk_sender_create_batch(s, &pay,
                                                &p.recipient_rand_hash, 1),
                         TK_ERR_CHAIN);
        assert_int_equal(tk_sender_session_nonce(s, &n,
                                                 &p.recipient_rand_hash),
                         TK_OK);
        assert_int_equal(n, 0);
        tk_sender_destroy(s);
    }
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup_open, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_nonces_contiguous),
        TEST(test_start_nonce),
        TEST(test_empty_batch),
        TEST(test_sessions_are_independent),
        TEST(test_nonce_exhaustion),
        TEST(test_start_twice_and_end),
        TEST(test_many_sessions),
        TEST(test_session_ev),
        TEST(test_negative_creation_round),
        TEST(test_chain_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

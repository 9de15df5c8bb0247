/* SPDX-License-Identifier: MIT */
/* Caller bugs: NULL pointers, impossible arguments and bad keys. Each
 * illegal argument returns TK_ERR_ILLEGAL_ARG, reaches the context's
 * callback exactly once where there is a context, and leaves outputs
 * zeroed. */
#include "sender_fixture.h"

#include "ticket/keys.h"

#include <string.h>


static const uint8_t group_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
    0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

static void test_bad_keys(void **state)
{
    uint8_t key[32];
    tk_sender *s = (tk_sender *)&FX;
    (void)state;

    memset(key, 0, sizeof key);
    assert_int_equal(tk_sender_create(FX.ctx, &s, &FX.chain, &FX.cfg, key),
                     TK_ERR_INVALID_PRIVKEY);
    assert_null(s);
    memcpy(key, group_order, 32); /* n */
    assert_int_equal(tk_sender_create(FX.ctx, &s, &FX.chain, &FX.cfg, key),
                     TK_ERR_INVALID_PRIVKEY);
    memset(key, 0xff, sizeof key); /* above n */
    assert_int_equal(tk_sender_create(FX.ctx, &s, &FX.chain, &FX.cfg, key),
                     TK_ERR_INVALID_PRIVKEY);
    assert_null(s);
    memcpy(key, group_order, 32);
    key[31] -= 1; /* n - 1: the largest valid key */
    assert_int_equal(tk_sender_create(FX.ctx, &s, &FX.chain, &FX.cfg, key),
                     TK_OK);
    tk_sender_destroy(s);
    memset(key, 0, sizeof key);
    key[31] = 1; /* 1: the smallest */
    assert_int_equal(tk_sender_create(FX.ctx, &s, &FX.chain, &FX.cfg, key),
                     TK_OK);
    tk_sender_destroy(s);
}

static void test_create_illegal(void **state)
{
    tk_sender *s = NULL;
    tk_sender_config cfg = FX.cfg;
    tk_chain chain = FX.chain;
    uint8_t key[32];
    (void)state;

    memset(key, 0x42, sizeof key);
    assert_int_equal(tk_sender_create(NULL, &s, &FX.chain, &FX.cfg, key),
                     TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx,
                   tk_sender_create(FX.ctx, NULL, &FX.chain, &FX.cfg, key));
    assert_illegal(FX.ctx, tk_sender_create(FX.ctx, &s, NULL, &FX.cfg, key));
    assert_null(s);
    assert_illegal(FX.ctx, tk_sender_create(FX.ctx, &s, &FX.chain, NULL, key));
    assert_illegal(FX.ctx,
                   tk_sender_create(FX.ctx, &s, &FX.chain, &FX.cfg, NULL));
    cfg.deposit_multiplier = 0;
    assert_illegal(FX.ctx, tk_sender_create(FX.ctx, &s, &FX.chain, &cfg, key));
    chain.last_block = NULL;
    assert_illegal(FX.ctx, tk_sender_create(FX.ctx, &s, &chain, &FX.cfg, key));
    chain = FX.chain;
    chain.rounds = NULL;
    assert_illegal(FX.ctx, tk_sender_create(FX.ctx, &s, &chain, &FX.cfg, key));
    chain = FX.chain;
    chain.sender_funds = NULL;
    assert_illegal(FX.ctx, tk_sender_create(FX.ctx, &s, &chain, &FX.cfg, key));
    assert_null(s);

    /* ks(): tk_sender_create_from_keystore with the JSON "{}". */
#define ks(ctx, out, chain, cfg, json, pass, len)                            \
    tk_sender_create_from_keystore(ctx, out, chain, cfg, json, 2, pass, len)
    assert_int_equal(ks(NULL, &s, &FX.chain, &FX.cfg, "{}", "", 0),
                     TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, ks(FX.ctx, NULL, &FX.chain, &FX.cfg, "{}", "", 0));
    assert_illegal(FX.ctx, ks(FX.ctx, &s, NULL, &FX.cfg, "{}", "", 0));
    assert_illegal(FX.ctx, ks(FX.ctx, &s, &FX.chain, NULL, "{}", "", 0));
    assert_illegal(FX.ctx, ks(FX.ctx, &s, &FX.chain, &FX.cfg, NULL, "", 0));
    assert_illegal(FX.ctx, ks(FX.ctx, &s, &FX.chain, &FX.cfg, "{}", NULL, 3));
    /* A NULL passphrase of length 0 is the empty passphrase. */
    assert_int_equal(ks(FX.ctx, &s, &FX.chain, &FX.cfg, "{}", NULL, 0),
                     TK_ERR_KEYSTORE_FORMAT);
#undef ks
    assert_null(s);
    tk_sender_destroy(NULL); /* no-op */
}

static void test_session_illegal(void **state)
{
    tk_ticket_params p;
    tk_hash key;
    uint32_t n = 5;
    mpq_t ev;
    (void)state;

    fx_params(&FX, &p, "3000", FX_THIRD, 1);
    key = p.recipient_rand_hash;
    assert_int_equal(tk_sender_session_start(NULL, &p, 0), TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_session_start(FX.sender, NULL, 0));
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);

    assert_int_equal(tk_sender_session_end(NULL, &key), TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_session_end(FX.sender, NULL));

    assert_int_equal(tk_sender_session_nonce(NULL, &n, &key),
                     TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_session_nonce(FX.sender, NULL, &key));
    assert_illegal(FX.ctx, tk_sender_session_nonce(FX.sender, &n, NULL));
    assert_int_equal(n, 0); /* zeroed */

    mpq_init(ev);
    mpq_set_ui(ev, 7, 1);
    assert_int_equal(tk_sender_session_ev(NULL, ev, &key), TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_session_ev(FX.sender, NULL, &key));
    assert_illegal(FX.ctx, tk_sender_session_ev(FX.sender, ev, NULL));
    assert_int_equal(mpq_sgn(ev), 0); /* zeroed */
    mpq_clear(ev);

    assert_int_equal(tk_sender_validate_params(NULL, &p, 1),
                     TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_validate_params(FX.sender, NULL, 1));
}

static void test_batch_illegal(void **state)
{
    tk_ticket_params p;
    tk_payment pay, zero;
    uint32_t n;
    (void)state;

    memset(&zero, 0, sizeof zero);
    fx_params(&FX, &p, "3000", FX_THIRD, 2);
    assert_int_equal(tk_sender_session_start(FX.sender, &p, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(NULL, &pay,
                                            &p.recipient_rand_hash, 1),
                     TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_create_batch(FX.sender, NULL,
                                                 &p.recipient_rand_hash, 1));
    memset(&pay, 0xcc, sizeof pay);
    assert_illegal(FX.ctx, tk_sender_create_batch(FX.sender, &pay, NULL, 1));
    assert_memory_equal(&pay, &zero, sizeof pay);
    /* No nonce was used by any of these. */
    assert_int_equal(tk_sender_session_nonce(FX.sender, &n,
                                             &p.recipient_rand_hash), TK_OK);
    assert_int_equal(n, 0);
}

static void test_sign_and_address_illegal(void **state)
{
    tk_ticket t;
    tk_sig sig;
    tk_address a;
    (void)state;

    memset(&t, 0x21, sizeof t);
    t.sender = FX.addr;
    t.creation_round = 1;
    assert_int_equal(tk_sender_sign_ticket(NULL, &sig, &t),
                     TK_ERR_ILLEGAL_ARG);
    assert_illegal(FX.ctx, tk_sender_sign_ticket(FX.sender, NULL, &t));
    memset(&sig, 0xcc, sizeof sig);
    assert_illegal(FX.ctx, tk_sender_sign_ticket(FX.sender, &sig, NULL));
    /* Another sender's ticket. */
    t.sender.bytes[0] ^= 1;
    memset(&sig, 0xcc, sizeof sig);
    assert_illegal(FX.ctx, tk_sender_sign_ticket(FX.sender, &sig, &t));
    for (size_t i = 0; i < sizeof sig; i++)
        assert_int_equal(sig.bytes[i], 0);
    t.sender.bytes[0] ^= 1;
    t.creation_round = -1;
    assert_illegal(FX.ctx, tk_sender_sign_ticket(FX.sender, &sig, &t));
    t.creation_round = 0;
    assert_int_equal(tk_sender_sign_ticket(FX.sender, &sig, &t), TK_OK);

    memset(&a, 0xcc, sizeof a);
    assert_int_equal(tk_sender_address(NULL, &a), TK_ERR_ILLEGAL_ARG);
    assert_true(tk_address_is_zero(&a));
    assert_int_equal(tk_sender_address(FX.sender, NULL), TK_ERR_ILLEGAL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_create_illegal),
        cmocka_unit_test(test_session_illegal),
        cmocka_unit_test(test_batch_illegal),
        cmocka_unit_test(test_sign_and_address_illegal),
    };
    return cmocka_run_group_tests(tests, fx_setup_open, fx_teardown);
}

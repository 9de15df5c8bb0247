/* SPDX-License-Identifier: MIT */
/* Receiving payments, the fatal checks that come before any ticket
 * (src/recipient/receive.c): wrong recipient, zero sender, rand hash
 * mismatch, sender unlocking, invalid price and round. Each leaves nothing
 * recorded, stored or credited. */
#include "receive_util.h"

#include "ticket/keccak.h"

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fatal_wrong_recipient),
        cmocka_unit_test(test_fatal_zero_sender),
        cmocka_unit_test(test_fatal_rand_mismatch),
        cmocka_unit_test(test_fatal_sender_unlocking),
        cmocka_unit_test(test_fatal_invalid_price_and_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

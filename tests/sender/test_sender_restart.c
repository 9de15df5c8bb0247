/* SPDX-License-Identifier: MIT */
/* Issue 11, "also fix": the sender reissued nonces after session_end +
 * session_start on the same params (and in the broadcaster guide's A -> B
 * -> A pattern): on 0.1.0 the restarted session signed nonces 1, 2, ...
 * again, which the transcoder rejects as replays (unpaid work) and which
 * SECURITY.md said could not happen. Now the last nonce of an ended
 * session is remembered until its params expire. Also the sender's price
 * cap (TK_ERR_PRICE_TOO_HIGH). */
#include "sender_fixture.h"

#include "ticket/payment.h"
#include "ticket/u256.h"

#include <string.h>

static uint32_t first_nonce(const tk_hash *key, size_t n)
{
    tk_payment pay;
    uint32_t first;

    assert_int_equal(tk_sender_create_batch(FX.sender, &pay, key, n), TK_OK);
    assert_int_equal(pay.count, n);
    first = pay.tickets[0].sender_nonce;
    for (size_t i = 1; i < n; i++)
        assert_int_equal(pay.tickets[i].sender_nonce, first + i);
    tk_payment_clear(&pay);
    return first;
}

static void test_end_and_restart_continues(void **state)
{
    tk_ticket_params a, b;
    (void)state;

    fx_params(&FX, &a, "3000", FX_THIRD, 1);
    fx_params(&FX, &b, "3000", FX_THIRD, 2);
    /* A: nonces 1-3; then B; then A again, started at 0 as the guide does. */
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 0), TK_OK);
    assert_int_equal(first_nonce(&a.recipient_rand_hash, 3), 1);
    assert_int_equal(tk_sender_session_end(FX.sender, &a.recipient_rand_hash), TK_OK);
    assert_int_equal(tk_sender_session_start(FX.sender, &b, 0), TK_OK);
    assert_int_equal(first_nonce(&b.recipient_rand_hash, 2), 1);
    assert_int_equal(tk_sender_session_end(FX.sender, &b.recipient_rand_hash), TK_OK);
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 0), TK_OK);
    assert_int_equal(first_nonce(&a.recipient_rand_hash, 2), 4); /* not 1 */
    /* Ended again and restarted: still above, whatever start_nonce says;
     * a higher start_nonce is honoured. */
    assert_int_equal(tk_sender_session_end(FX.sender, &a.recipient_rand_hash), TK_OK);
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 2), TK_OK);
    assert_int_equal(first_nonce(&a.recipient_rand_hash, 1), 6);
    assert_int_equal(tk_sender_session_end(FX.sender, &a.recipient_rand_hash), TK_OK);
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 100), TK_OK);
    assert_int_equal(first_nonce(&a.recipient_rand_hash, 1), 101);
    assert_int_equal(tk_sender_session_end(FX.sender, &a.recipient_rand_hash), TK_OK);
    /* B too. */
    assert_int_equal(tk_sender_session_start(FX.sender, &b, 0), TK_OK);
    assert_int_equal(first_nonce(&b.recipient_rand_hash, 1), 3);
}

/* Once the params expired the memory is dropped (the sender refuses such
 * params anyway); fresh params with the same key start from the caller's
 * counter again. */
static void test_memory_ends_with_the_params(void **state)
{
    tk_ticket_params a;
    tk_payment pay;
    (void)state;

    fx_params(&FX, &a, "3000", FX_THIRD, 3);
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 0), TK_OK);
    assert_int_equal(first_nonce(&a.recipient_rand_hash, 5), 1);
    assert_int_equal(tk_sender_session_end(FX.sender, &a.recipient_rand_hash), TK_OK);
    assert_int_equal(tk_chain_mem_advance(FX.mem, 40), TK_OK); /* expired */
    assert_int_equal(tk_sender_session_start(FX.sender, &a, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(FX.sender, &pay, &a.recipient_rand_hash, 1),
                     TK_ERR_PARAMS_EXPIRED);
    {
        uint32_t n = 99;
        assert_int_equal(tk_sender_session_nonce(FX.sender, &n, &a.recipient_rand_hash),
                         TK_OK);
        assert_int_equal(n, 0);
    }
}

static void test_price_cap(void **state)
{
    tk_ticket_params p;
    tk_payment pay;
    struct fx f;
    (void)state;

    fx_init(&f, NULL, FX_MAX, FX_MAX, 1, FX_MAX, "1");
    tk_sender_destroy(f.sender);
    /* At most 3/2 wei per pixel. */
    assert_int_equal(tk_u256_from_u64(&f.cfg.max_price_per_pixel.num, 3), TK_OK);
    assert_int_equal(tk_u256_from_u64(&f.cfg.max_price_per_pixel.den, 2), TK_OK);
    {
        static const uint8_t key[32] = {1};
        assert_int_equal(tk_sender_create(f.ctx, &f.sender, &f.chain, &f.cfg, key), TK_OK);
        assert_int_equal(tk_sender_address(f.sender, &f.addr), TK_OK);
    }
    fx_funds(&f, FX_MAX, "1", 0);
    fx_params(&f, &p, "3000", FX_THIRD, 4);
    assert_int_equal(tk_u256_from_u64(&p.price.num, 3), TK_OK); /* 3/2: the cap */
    assert_int_equal(tk_u256_from_u64(&p.price.den, 2), TK_OK);
    assert_int_equal(tk_sender_validate_params(f.sender, &p, 1), TK_OK);
    assert_int_equal(tk_u256_from_u64(&p.price.num, 1000001), TK_OK); /* just above */
    assert_int_equal(tk_u256_from_u64(&p.price.den, 666667), TK_OK);
    assert_int_equal(tk_sender_validate_params(f.sender, &p, 1), TK_ERR_PRICE_TOO_HIGH);
    assert_int_equal(tk_sender_session_start(f.sender, &p, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(f.sender, &pay, &p.recipient_rand_hash, 1),
                     TK_ERR_PRICE_TOO_HIGH);
    assert_null(pay.tickets);
    {
        uint32_t n = 9;
        assert_int_equal(tk_sender_session_nonce(f.sender, &n, &p.recipient_rand_hash), TK_OK);
        assert_int_equal(n, 0); /* no nonce used */
    }
    /* Free params are never above a cap; a zero den means no cap. */
    assert_int_equal(tk_u256_from_u64(&p.price.num, 0), TK_OK);
    assert_int_equal(tk_sender_validate_params(f.sender, &p, 1), TK_OK);
    assert_string_equal(tk_status_name(TK_ERR_PRICE_TOO_HIGH), "price_too_high");
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_end_and_restart_continues, fx_setup_open,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_memory_ends_with_the_params, fx_setup_open,
                                        fx_teardown),
        cmocka_unit_test(test_price_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

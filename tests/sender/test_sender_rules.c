/* SPDX-License-Identifier: MIT */
/* Every refusal of docs/protocol-notes.md section 5, tripped and at its passing
 * boundary, plus the expiration-params fill and their check order.
 *
 * The base params have faceValue 3000 and winProb MAX/3 (MAX is divisible
 * by 3), so EV = 1000 wei exactly; the base config is maxEV 1000,
 * maxTotalEV 10000, depositMultiplier 3, with deposit 9000 (so the face
 * value limit is exactly 3000) and reserve 1. Every base check passes at
 * its boundary. */
#include "sender_fixture.h"

#include "ticket/keccak.h"
#include "ticket/u256.h"

#include <string.h>

#define FACE "3000"

static struct fx F;

static int setup(void **state)
{
    (void)state;
    fx_init(&F, NULL, "1000", "10000", 3, "9000", "1");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_free(&F);
    return 0;
}

/* Check params both ways: tk_sender_validate_params() and a batch of
 * count on a fresh session, which must consume exactly count nonces on
 * success and none on a refusal. */
static void expect(const tk_ticket_params *p, size_t count, tk_status want)
{
    tk_payment pay;
    uint32_t nonce, before;

    assert_int_equal(tk_sender_validate_params(F.sender, p, count), want);
    assert_int_equal(tk_sender_session_start(F.sender, p, 0), TK_OK);
    /* The same params key may have run before in this test: a restart
     * continues above its last nonce (issue 11). */
    assert_int_equal(tk_sender_session_nonce(F.sender, &before,
                                             &p->recipient_rand_hash), TK_OK);
    memset(&pay, 0xee, sizeof pay);
    assert_int_equal(tk_sender_create_batch(F.sender, &pay,
                                            &p->recipient_rand_hash, count),
                     want);
    assert_int_equal(tk_sender_session_nonce(F.sender, &nonce,
                                             &p->recipient_rand_hash), TK_OK);
    if (want == TK_OK) {
        assert_int_equal(pay.count, count);
        assert_int_equal(nonce, before + count);
        fx_assert_payment_verifies(&F, &pay);
        tk_payment_clear(&pay);
    } else {
        tk_payment zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&pay, &zero, sizeof pay); /* zeroed */
        assert_int_equal(nonce, before);
    }
    assert_int_equal(tk_sender_session_end(F.sender, &p->recipient_rand_hash),
                     TK_OK);
}

static void set_expiration(tk_ticket_params *p, uint64_t block)
{
    assert_int_equal(tk_u256_from_u64(&p->expiration_block, block), TK_OK);
}

static void test_base_params_pass(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&F, &p, FACE, FX_THIRD, 1);
    expect(&p, 1, TK_OK);
    expect(&p, 10, TK_OK);
}

static void test_no_expiration(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&F, &p, FACE, FX_THIRD, 2);
    set_expiration(&p, 0);
    expect(&p, 1, TK_ERR_PARAMS_NO_EXPIRATION);
    /* Also when the ticket is free (the EV checks are skipped). */
    fx_params(&F, &p, "0", "0", 2);
    set_expiration(&p, 0);
    expect(&p, 1, TK_ERR_PARAMS_NO_EXPIRATION);
}

static void test_expired_boundary(void **state)
{
    uint64_t last = fx_block(&F);
    tk_ticket_params p;
    (void)state;

    fx_params(&F, &p, FACE, FX_THIRD, 3);
    set_expiration(&p, last + 2); /* difference 2: accepted */
    expect(&p, 1, TK_OK);
    set_expiration(&p, last + 1); /* difference 1: refused */
    expect(&p, 1, TK_ERR_PARAMS_EXPIRED);
    set_expiration(&p, last);
    expect(&p, 1, TK_ERR_PARAMS_EXPIRED);
    set_expiration(&p, 1); /* long past: negative difference */
    expect(&p, 1, TK_ERR_PARAMS_EXPIRED);
    p.expiration_block = fx_u256(FX_MAX); /* beyond any uint64 block */
    expect(&p, 1, TK_OK);

    /* The chain moving on expires params that were fine. */
    set_expiration(&p, last + 2);
    expect(&p, 1, TK_OK);
    assert_int_equal(tk_chain_mem_advance(F.mem, 1), TK_OK);
    expect(&p, 1, TK_ERR_PARAMS_EXPIRED);
    /* Free tickets expire too. */
    fx_params(&F, &p, "0", "0", 3);
    set_expiration(&p, fx_block(&F) + 1);
    expect(&p, 1, TK_ERR_PARAMS_EXPIRED);
}

static void test_face_value_too_low(void **state)
{
    tk_ticket_params p;
    (void)state;
    /* winProb MAX: EV == faceValue, refused. */
    fx_params(&F, &p, "900", FX_MAX, 4);
    expect(&p, 1, TK_ERR_FACE_VALUE_TOO_LOW);
    /* One less: EV = 900 * (MAX-1) / MAX < 900, accepted. */
    p.win_prob.bytes[31] = 0xfe;
    expect(&p, 1, TK_OK);
}

static void test_ev_too_high(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&F, &p, FACE, FX_THIRD, 5);
    expect(&p, 1, TK_OK); /* EV == maxEV */
    /* faceValue 3001: EV = 1000 + 1/3, above maxEV by a fraction of a
     * wei (a larger deposit keeps the face value within its limit). */
    fx_funds(&F, "1000000", "1", 0);
    fx_params(&F, &p, "3001", FX_THIRD, 5);
    expect(&p, 1, TK_ERR_EV_TOO_HIGH);
    fx_params(&F, &p, "2999", FX_THIRD, 5);
    expect(&p, 1, TK_OK);
}

static void test_total_ev_too_high(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&F, &p, FACE, FX_THIRD, 6);
    expect(&p, 10, TK_OK); /* 10 * 1000 == maxTotalEV */
    expect(&p, 11, TK_ERR_TOTAL_EV_TOO_HIGH);
    /* A huge count is refused by the EV rule before anything is
     * allocated. */
    expect(&p, (size_t)1 << 40, TK_ERR_TOTAL_EV_TOO_HIGH);
}

static void test_no_deposit_or_reserve(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&F, &p, FACE, FX_THIRD, 7);
    fx_funds(&F, "0", "1", 0);
    expect(&p, 1, TK_ERR_NO_DEPOSIT_OR_RESERVE);
    fx_funds(&F, "9000", "0", 0);
    expect(&p, 1, TK_ERR_NO_DEPOSIT_OR_RESERVE);
    fx_funds(&F, "9000", "1", 0); /* one wei of reserve is enough */
    expect(&p, 1, TK_OK);
    /* Free tickets need no funds. */
    fx_funds(&F, "0", "0", 0);
    fx_params(&F, &p, "3000", "0", 7);
    expect(&p, 1, TK_OK);
    fx_params(&F, &p, "0", FX_THIRD, 7);
    expect(&p, 1, TK_OK);
}

static void test_sender_unlocking(void **state)
{
    tk_round_info r;
    tk_ticket_params p;
    uint64_t last;
    (void)state;

    assert_int_equal(tk_chain_mem_state(F.mem, NULL, &r), TK_OK);
    last = (uint64_t)r.last_initialized_round;
    fx_params(&F, &p, FACE, FX_THIRD, 8);
    fx_funds(&F, "9000", "1", last + 1); /* ends in the next round */
    expect(&p, 1, TK_ERR_SENDER_UNLOCKING);
    fx_funds(&F, "9000", "1", last);
    expect(&p, 1, TK_ERR_SENDER_UNLOCKING);
    fx_funds(&F, "9000", "1", last + 2); /* later: still accepted */
    expect(&p, 1, TK_OK);

    /* A round later the same withdraw round is too close. */
    assert_int_equal(tk_chain_mem_advance(F.mem, 100), TK_OK);
    fx_params(&F, &p, FACE, FX_THIRD, 8);
    expect(&p, 1, TK_ERR_SENDER_UNLOCKING);
    /* An uninitialized current round does not count: the rule uses the
     * last initialized one. */
    assert_int_equal(tk_chain_mem_set_auto_init(F.mem, 0), TK_OK);
    assert_int_equal(tk_chain_mem_advance(F.mem, 100), TK_OK);
    fx_funds(&F, "9000", "1", last + 3);
    fx_params(&F, &p, FACE, FX_THIRD, 8);
    expect(&p, 1, TK_OK);
}

static void test_face_value_over_deposit(void **state)
{
    tk_ticket_params p;
    (void)state;
    fx_params(&F, &p, FACE, FX_THIRD, 9);
    fx_funds(&F, "9000", "1", 0); /* 9000 / 3 == 3000 == faceValue */
    expect(&p, 1, TK_OK);
    fx_funds(&F, "9002", "1", 0); /* floor(9002 / 3) == 3000 */
    expect(&p, 1, TK_OK);
    fx_funds(&F, "8999", "1", 0); /* floor(8999 / 3) == 2999 */
    expect(&p, 1, TK_ERR_FACE_VALUE_OVER_DEPOSIT);
    /* Deposit 8997: limit 2999; faceValue 2999 passes, 3000 (one wei
     * more) is refused. */
    fx_funds(&F, "8997", "1", 0);
    expect(&p, 1, TK_ERR_FACE_VALUE_OVER_DEPOSIT);
    fx_params(&F, &p, "2999", FX_THIRD, 9);
    expect(&p, 1, TK_OK);
}

/* When several rules fail, the first in section 5's order is reported. */
static void test_check_order(void **state)
{
    tk_round_info r;
    tk_ticket_params p;
    (void)state;

    assert_int_equal(tk_chain_mem_state(F.mem, NULL, &r), TK_OK);
    /* Everything wrong at once. */
    fx_funds(&F, "0", "0", (uint64_t)r.last_initialized_round);
    fx_params(&F, &p, "100", FX_MAX, 10); /* EV == faceValue */
    set_expiration(&p, 0);
    expect(&p, 100, TK_ERR_PARAMS_NO_EXPIRATION);
    set_expiration(&p, fx_block(&F) + 1);
    expect(&p, 100, TK_ERR_PARAMS_EXPIRED);
    set_expiration(&p, fx_block(&F) + 2);
    expect(&p, 100, TK_ERR_FACE_VALUE_TOO_LOW);
    fx_params(&F, &p, "6000", FX_THIRD, 10); /* EV 2000 > maxEV */
    expect(&p, 100, TK_ERR_EV_TOO_HIGH);
    fx_params(&F, &p, "1500", FX_THIRD, 10); /* EV 500, total 50000 */
    expect(&p, 100, TK_ERR_TOTAL_EV_TOO_HIGH);
    expect(&p, 20, TK_ERR_NO_DEPOSIT_OR_RESERVE);
    fx_funds(&F, "10", "1", (uint64_t)r.last_initialized_round);
    expect(&p, 20, TK_ERR_SENDER_UNLOCKING);
    fx_funds(&F, "10", "1", 0);
    expect(&p, 20, TK_ERR_FACE_VALUE_OVER_DEPOSIT);
    fx_funds(&F, "9000", "1", 0);
    expect(&p, 20, TK_OK);
}

/* The fake block hash of the dev chain, recomputed here. */
static tk_hash block_hash(uint64_t b)
{
    uint8_t be[32] = {0};
    tk_hash h;
    for (int i = 0; i < 8; i++)
        be[31 - i] = (uint8_t)(b >> (8 * i));
    assert_int_equal(tk_keccak256(&h, be, sizeof be), TK_OK);
    return h;
}

static void batch_of_one(const tk_ticket_params *p, tk_payment *pay)
{
    assert_int_equal(tk_sender_session_start(F.sender, p, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(F.sender, pay,
                                            &p->recipient_rand_hash, 1),
                     TK_OK);
    fx_assert_payment_verifies(&F, pay);
    assert_int_equal(tk_sender_session_end(F.sender, &p->recipient_rand_hash),
                     TK_OK);
}

static void test_fill_expiration_params(void **state)
{
    tk_round_info r;
    tk_ticket_params p;
    tk_payment pay;
    tk_hash h, zero;
    (void)state;

    memset(&zero, 0, sizeof zero);
    /* Move to round 3 (rounds of 100 blocks from FX_START_BLOCK), which
     * the dev chain initialized at its first block. */
    assert_int_equal(tk_chain_mem_advance(F.mem, 250), TK_OK);
    assert_int_equal(tk_chain_mem_state(F.mem, NULL, &r), TK_OK);
    assert_int_equal(r.last_initialized_round, 3);
    h = block_hash(FX_START_BLOCK + 200);

    fx_params(&F, &p, FACE, FX_THIRD, 11);
    /* Round 0 and zero hash: filled. */
    p.creation_round = 0;
    p.creation_round_block_hash = zero;
    batch_of_one(&p, &pay);
    assert_int_equal(pay.params.creation_round, r.last_initialized_round);
    assert_memory_equal(&pay.params.creation_round_block_hash, &h, 32);
    tk_payment_clear(&pay);

    /* Round set, hash zero: filled as well. */
    p.creation_round = 7;
    batch_of_one(&p, &pay);
    assert_int_equal(pay.params.creation_round, r.last_initialized_round);
    assert_memory_equal(&pay.params.creation_round_block_hash, &h, 32);
    tk_payment_clear(&pay);

    /* Round 0, hash set: filled. */
    p.creation_round = 0;
    memset(p.creation_round_block_hash.bytes, 0x77, 32);
    batch_of_one(&p, &pay);
    assert_int_equal(pay.params.creation_round, r.last_initialized_round);
    assert_memory_equal(&pay.params.creation_round_block_hash, &h, 32);
    tk_payment_clear(&pay);

    /* Both set: kept as the recipient sent them. */
    p.creation_round = 7;
    batch_of_one(&p, &pay);
    assert_int_equal(pay.params.creation_round, 7);
    assert_memory_equal(&pay.params.creation_round_block_hash,
                        &p.creation_round_block_hash, 32);
    /* Everything else is the session's params. */
    assert_memory_equal(&pay.params, &p, sizeof p);
    assert_memory_equal(&pay.sender, &F.addr, sizeof F.addr);
    tk_payment_clear(&pay);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_base_params_pass),
        TEST(test_no_expiration),
        TEST(test_expired_boundary),
        TEST(test_face_value_too_low),
        TEST(test_ev_too_high),
        TEST(test_total_ev_too_high),
        TEST(test_no_deposit_or_reserve),
        TEST(test_sender_unlocking),
        TEST(test_face_value_over_deposit),
        TEST(test_check_order),
        TEST(test_fill_expiration_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

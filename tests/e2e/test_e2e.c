/* SPDX-License-Identifier: MIT */
/* End to end, in process: a tk_sender pays a tk_recipient over the
 * in-memory dev chain, >= 10,000 tickets in many batches of varying size
 * under 20 sets of params. Everything is deterministic (fixed keys, secret
 * and params seeds), so the run is the same every time.
 *
 * Checked: every ticket validates; each payment credits exactly k * EV and
 * each session's balance is exactly its tickets * EV (EV computed here from
 * the params with GMP); the number of winners lies within 5 sigma of the
 * binomial mean for the winProb used; every winner is in the store, its
 * stored rand commits to the params, and every win decision of a params
 * set with a winner matches keccak(sig || rand) < winProb recomputed here.
 * TK_TEST_ITERS scales the number of params sets (default 20 x 500). */
#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"
#include "ticket/store.h"
#include "ticket/u256.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TICKETS_PER_PARAMS 500

typedef struct world {
    tk_ctx *ctx;
    tk_chain_mem *chain_mem;
    tk_chain chain;
    tk_store_mem *store_mem;
    tk_store store;
    tk_recipient *r;
    tk_sender *s;
    tk_address sender;
    tk_recipient_config cfg;
} world;

/* A fixed 32-byte value from a label (keccak of it). */
static void fixed32(uint8_t out[32], const char *label, unsigned i)
{
    char buf[64];
    tk_hash h;
    int n = snprintf(buf, sizeof buf, "%s-%u", label, i);
    assert_int_equal(tk_keccak256(&h, buf, (size_t)n), TK_OK);
    memcpy(out, h.bytes, 32);
}

static void u256_dec(tk_u256 *out, const char *dec)
{
    tk_test_dec256(out->bytes, dec);
}

static void world_init(world *w)
{
    uint8_t key[32], secret[32];
    tk_sender_config scfg;
    tk_sender_funds funds;

    memset(w, 0, sizeof *w);
    assert_int_equal(tk_ctx_create(&w->ctx), TK_OK);
    assert_int_equal(tk_chain_mem_create(&w->chain_mem, 5000), TK_OK);
    assert_int_equal(tk_chain_mem_iface(w->chain_mem, &w->chain), TK_OK);
    assert_int_equal(tk_store_mem_create(&w->store_mem), TK_OK);
    assert_int_equal(tk_store_mem_iface(w->store_mem, &w->store), TK_OK);

    fixed32(key, "e2e-sender-key", 0);
    assert_int_equal(tk_key_verify(w->ctx, key), TK_OK);
    memset(&scfg, 0xff, sizeof scfg); /* max_ev, max_total_ev: no limit */
    memset(&scfg.max_price_per_pixel, 0, sizeof scfg.max_price_per_pixel); /* no cap */
    scfg.deposit_multiplier = 1;
    assert_int_equal(tk_sender_create(w->ctx, &w->s, &w->chain, &scfg, key), TK_OK);
    tk_memzero(key, sizeof key);
    assert_int_equal(tk_sender_address(w->s, &w->sender), TK_OK);

    memset(&funds, 0, sizeof funds);
    u256_dec(&funds.deposit, "1000000000000000000");
    u256_dec(&funds.reserve_funds_remaining, "1000000000000000000");
    assert_int_equal(tk_chain_mem_set_sender_funds(w->chain_mem, &w->sender, &funds), TK_OK);

    /* Gas 1 gwei (dev chain default), redeem gas 1e5: txCost 1e14;
     * face = txCost * 20 = 2e15 = 200 * EV: winProb ~ 1/200. */
    {
        uint8_t a[32];
        fixed32(a, "e2e-recipient", 0);
        memcpy(w->cfg.address.bytes, a, 20);
    }
    u256_dec(&w->cfg.ev, "10000000000000");
    w->cfg.redeem_gas = 100000;
    w->cfg.tx_cost_multiplier = 20;
    fixed32(secret, "e2e-secret", 0);
    assert_int_equal(tk_recipient_create(w->ctx, &w->r, &w->cfg, secret, &w->chain, &w->store),
                     TK_OK);
    tk_memzero(secret, sizeof secret);
}

static void world_free(world *w)
{
    tk_sender_destroy(w->s);
    tk_recipient_destroy(w->r);
    tk_store_mem_destroy(w->store_mem);
    tk_chain_mem_destroy(w->chain_mem);
    tk_ctx_destroy(w->ctx);
}

/* Params as tk_recipient_params() makes them, but with a fixed seed so the
 * whole run is reproducible. */
static void issue_params(world *w, tk_ticket_params *out, unsigned i)
{
    tk_params_inputs in;
    tk_round_info ri;
    tk_price price;

    memset(&in, 0, sizeof in);
    assert_int_equal(tk_chain_mem_state(w->chain_mem, &in.last_block, &ri), TK_OK);
    assert_int_equal(w->chain.gas_price(w->chain.self, &in.gas_price), TK_OK);
    assert_int_equal(tk_monitor_max_float(tk_recipient_monitor(w->r), &in.max_float, &w->sender),
                     TK_OK);
    in.creation_round = ri.last_initialized_round;
    in.creation_round_block_hash = ri.last_initialized_block_hash;
    in.has_seed = 1;
    fixed32(in.seed.bytes, "e2e-seed", i);
    assert_int_equal(tk_u256_from_u64(&price.num, 3 + i), TK_OK);
    assert_int_equal(tk_u256_from_u64(&price.den, 7), TK_OK);
    assert_int_equal(tk_recipient_params_with(w->r, out, &w->sender, &price, &in), TK_OK);
}

/* EV * k = face * winProb * k / MAX, computed here. */
static void expected_ev(mpq_t out, const tk_ticket_params *p, unsigned long k)
{
    mpz_t a, b;
    mpz_inits(a, b, NULL);
    mpz_import(a, 32, 1, 1, 1, 0, p->face_value.bytes);
    mpz_import(b, 32, 1, 1, 1, 0, p->win_prob.bytes);
    mpz_mul(a, a, b);
    mpz_mul_ui(a, a, k);
    mpz_ui_pow_ui(b, 2, 256);
    mpz_sub_ui(b, b, 1);
    mpq_set_num(out, a);
    mpq_set_den(out, b);
    mpq_canonicalize(out);
    mpz_clears(a, b, NULL);
}

static int wins_by_hand(const tk_sig *sig, const tk_u256 *rand, const tk_u256 *win_prob)
{
    uint8_t buf[97];
    tk_hash v;
    memcpy(buf, sig->bytes, 65);
    memcpy(buf + 65, rand->bytes, 32);
    assert_int_equal(tk_keccak256(&v, buf, sizeof buf), TK_OK);
    return memcmp(v.bytes, win_prob->bytes, 32) < 0;
}

static int count_visit(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

static void test_sender_to_recipient(void **state)
{
    world w;
    unsigned long n_params = tk_test_iters(20);
    size_t total = 0, winners = 0, batches = 0, stored = 0, checked_decisions = 0;
    double p_win = 0;
    mpq_t want, got;
    (void)state;

    world_init(&w);
    mpq_inits(want, got, NULL);
    for (unsigned i = 0; i < n_params; i++) {
        tk_ticket_params params;
        tk_payment all; /* every ticket of these params, for the recheck */
        size_t sent = 0, param_winners = 0;
        tk_u256 rand;
        int have_rand = 0;

        assert_int_equal(tk_chain_mem_advance(w.chain_mem, 1 + i % 3), TK_OK);
        issue_params(&w, &params, i);
        assert_int_equal(tk_sender_validate_params(w.s, &params, 1), TK_OK);
        assert_int_equal(tk_sender_session_start(w.s, &params, 0), TK_OK);
        assert_int_equal(tk_payment_alloc(&all, TICKETS_PER_PARAMS), TK_OK);
        if (i == 0) {
            mpz_t wp;
            mpz_init(wp);
            mpz_import(wp, 32, 1, 1, 1, 0, params.win_prob.bytes);
            p_win = mpz_get_d(wp) / ldexp(1.0, 256);
            mpz_clear(wp);
        }

        while (sent < TICKETS_PER_PARAMS) {
            size_t k = 1 + (batches * 7 + i) % 41; /* 1..41 */
            tk_payment pay;
            tk_ticket_result res[41];
            tk_receive_summary sum;

            if (k > TICKETS_PER_PARAMS - sent)
                k = TICKETS_PER_PARAMS - sent;
            assert_int_equal(tk_sender_create_batch(w.s, &pay, &params.recipient_rand_hash, k),
                             TK_OK);
            assert_int_equal(pay.count, k);
            assert_int_equal(tk_recipient_receive(w.r, res, k, &sum, got, &pay, NULL), TK_OK);
            for (size_t j = 0; j < k; j++) {
                assert_int_equal(res[j].status, TK_OK);
                assert_int_equal(res[j].sender_nonce, pay.tickets[j].sender_nonce);
                all.tickets[sent + j] = pay.tickets[j];
                if (res[j].wins) {
                    tk_winner win;
                    tk_ticket t;
                    tk_hash h, rh;
                    assert_int_equal(tk_payment_ticket(&t, &pay, j), TK_OK);
                    assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
                    assert_int_equal(w.store.get_winner(w.store.self, &h, &win), TK_OK);
                    assert_memory_equal(win.sig.bytes, pay.tickets[j].sig.bytes, 65);
                    assert_int_equal(tk_rand_hash(&rh, &win.recipient_rand), TK_OK);
                    assert_memory_equal(rh.bytes, params.recipient_rand_hash.bytes, 32);
                    rand = win.recipient_rand;
                    have_rand = 1;
                    param_winners++;
                }
            }
            assert_int_equal(sum.accepted, k);
            assert_int_equal(sum.rejected, 0);
            expected_ev(want, &params, k);
            assert_true(mpq_equal(got, want));
            sent += k;
            batches++;
            tk_payment_clear(&pay);
        }
        all.count = TICKETS_PER_PARAMS;
        all.params = params;
        all.sender = w.sender;

        /* The session's balance: exactly its tickets * EV. */
        expected_ev(want, &params, TICKETS_PER_PARAMS);
        assert_int_equal(tk_recipient_balance(w.r, got, &w.sender, &params.recipient_rand_hash),
                         TK_OK);
        assert_true(mpq_equal(got, want));

        /* Every decision of these params, recomputed with the revealed rand. */
        if (have_rand) {
            size_t n = 0;
            for (size_t j = 0; j < TICKETS_PER_PARAMS; j++)
                n += (size_t)wins_by_hand(&all.tickets[j].sig, &rand, &params.win_prob);
            assert_int_equal(n, param_winners);
            checked_decisions += TICKETS_PER_PARAMS;
        }
        tk_memzero(&rand, sizeof rand);
        total += TICKETS_PER_PARAMS;
        winners += param_winners;
        assert_int_equal(tk_sender_session_end(w.s, &params.recipient_rand_hash), TK_OK);
        tk_payment_clear(&all);
    }

    assert_int_equal(w.store.list(w.store.self, &w.sender, TK_WINNER_ALL_STATES, count_visit,
                                  &stored),
                     TK_OK);
    assert_int_equal(stored, winners);
    {
        double mean = (double)total * p_win;
        double sd = sqrt(mean * (1.0 - p_win));
        print_message("%zu tickets in %zu batches, %zu winners (mean %.1f, sd %.1f), "
                      "%zu decisions rechecked\n",
                      total, batches, winners, mean, sd, checked_decisions);
        assert_true(total >= 10000 || n_params < 20);
        assert_true(fabs((double)winners - mean) <= 5.0 * sd);
    }
    mpq_clears(want, got, NULL);
    world_free(&w);
}

/* The params tk_recipient_params() issues from the dev chain are accepted
 * by the sender and pay end to end (random seed: the only non-fixed part,
 * so it is kept out of the counts above). */
static void test_live_params(void **state)
{
    world w;
    tk_ticket_params params;
    tk_price price;
    tk_payment pay;
    tk_ticket_result res[10];
    tk_receive_summary sum;
    (void)state;

    world_init(&w);
    assert_int_equal(tk_u256_from_u64(&price.num, 1), TK_OK);
    assert_int_equal(tk_u256_from_u64(&price.den, 3), TK_OK);
    assert_int_equal(tk_recipient_params(w.r, &params, &w.sender, &price), TK_OK);
    assert_int_equal(tk_sender_session_start(w.s, &params, 0), TK_OK);
    assert_int_equal(tk_sender_create_batch(w.s, &pay, &params.recipient_rand_hash, 10), TK_OK);
    assert_int_equal(tk_recipient_receive(w.r, res, 10, &sum, NULL, &pay, NULL), TK_OK);
    assert_int_equal(sum.accepted, 10);
    /* The same payment again: all replays. */
    assert_int_equal(tk_recipient_receive(w.r, res, 10, &sum, NULL, &pay, NULL), TK_OK);
    assert_int_equal(sum.rejected, 10);
    for (size_t j = 0; j < 10; j++)
        assert_int_equal(res[j].status, TK_ERR_REPLAYED_NONCE);
    tk_payment_clear(&pay);

    /* Past the expiration block the sender itself refuses the params. */
    assert_int_equal(tk_chain_mem_advance(w.chain_mem, 40), TK_OK);
    assert_int_equal(tk_sender_validate_params(w.s, &params, 1), TK_ERR_PARAMS_EXPIRED);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sender_to_recipient),
        cmocka_unit_test(test_live_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

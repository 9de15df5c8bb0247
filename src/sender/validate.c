/* SPDX-License-Identifier: MIT */
/* The sender's refusals (docs/protocol-notes.md section 5), once per batch.
 * All the
 * arithmetic is exact (GMP); none of it runs per ticket. */
#include "sender_internal.h"

#include "core/internal.h"
#include "model/mpz_u64.h"
#include "ticket/u256.h"

#include <string.h>

static tk_status fetch_rounds(tk_sender *s, tk_round_info *rounds)
{
    if (s->chain.rounds(s->chain.self, rounds) != TK_OK ||
        rounds->last_initialized_round < 0) {
        memset(rounds, 0, sizeof *rounds);
        return TK_ERR_CHAIN;
    }
    return TK_OK;
}

/* The checks that need GMP temporaries; a, b, c are initialized. */
static tk_status check_value(tk_sender *s, const tk_ticket_params *p,
                             const mpq_t ev, size_t count,
                             const tk_round_info *rounds, mpz_t a, mpz_t b,
                             mpz_t c)
{
    tk_sender_funds funds;

    /* EV >= faceValue: the ticket would be worth its whole face value. */
    (void)tk_u256_to_mpz(a, &p->face_value);
    if (mpq_cmp_z(ev, a) >= 0)
        return TK_ERR_FACE_VALUE_TOO_LOW;

    (void)tk_u256_to_mpz(a, &s->config.max_ev);
    if (mpq_cmp_z(ev, a) > 0)
        return TK_ERR_EV_TOO_HIGH;

    /* count * num / den > maxTotal  <=>  count * num > maxTotal * den
     * (den > 0), without canonicalizing a product. */
    tk__mpz_set_u64(a, (uint64_t)count);
    mpz_mul(a, a, mpq_numref(ev));
    (void)tk_u256_to_mpz(b, &s->config.max_total_ev);
    mpz_mul(b, b, mpq_denref(ev));
    if (mpz_cmp(a, b) > 0)
        return TK_ERR_TOTAL_EV_TOO_HIGH;

    if (s->chain.sender_funds(s->chain.self, &s->address, &funds) != TK_OK)
        return TK_ERR_CHAIN;
    if (tk_u256_is_zero(&funds.deposit) ||
        tk_u256_is_zero(&funds.reserve_funds_remaining))
        return TK_ERR_NO_DEPOSIT_OR_RESERVE;

    /* Unlocking ends no later than the round after the last initialized
     * one: the recipient could not redeem in time. */
    if (!tk_u256_is_zero(&funds.withdraw_round)) {
        (void)tk_u256_to_mpz(a, &funds.withdraw_round);
        tk__mpz_set_u64(b, (uint64_t)rounds->last_initialized_round);
        mpz_add_ui(b, b, 1);
        if (mpz_cmp(a, b) <= 0)
            return TK_ERR_SENDER_UNLOCKING;
    }

    /* faceValue > floor(deposit / depositMultiplier). */
    (void)tk_u256_to_mpz(a, &funds.deposit);
    tk__mpz_set_u64(b, s->config.deposit_multiplier);
    mpz_fdiv_q(c, a, b);
    (void)tk_u256_to_mpz(a, &p->face_value);
    if (mpz_cmp(a, c) > 0)
        return TK_ERR_FACE_VALUE_OVER_DEPOSIT;
    return TK_OK;
}

tk_status tk__sender_check(tk_sender *s, const tk_ticket_params *p,
                           const mpq_t ev, size_t count, int want_rounds,
                           tk_round_info *rounds)
{
    uint64_t last_block;
    int positive = mpq_sgn(ev) > 0;
    mpz_t a, b, c;
    tk_status st;

    memset(rounds, 0, sizeof *rounds);
    if (tk_u256_is_zero(&p->expiration_block))
        return TK_ERR_PARAMS_NO_EXPIRATION;
    if (s->chain.last_block(s->chain.self, &last_block) != TK_OK)
        return TK_ERR_CHAIN;

    mpz_inits(a, b, c, NULL);
    /* expirationBlock - lastBlock <= 1  <=>  expirationBlock <= last + 1
     * (also when the difference would be negative). */
    (void)tk_u256_to_mpz(a, &p->expiration_block);
    tk__mpz_set_u64(b, last_block);
    mpz_add_ui(b, b, 1);
    st = mpz_cmp(a, b) <= 0 ? TK_ERR_PARAMS_EXPIRED : TK_OK;

    /* price > cap  <=>  num * cap.den > cap.num * den (dens > 0). */
    if (st == TK_OK && !tk_u256_is_zero(&s->config.max_price_per_pixel.den)) {
        (void)tk_u256_to_mpz(a, &p->price.num);
        (void)tk_u256_to_mpz(c, &s->config.max_price_per_pixel.den);
        mpz_mul(a, a, c);
        (void)tk_u256_to_mpz(b, &s->config.max_price_per_pixel.num);
        (void)tk_u256_to_mpz(c, &p->price.den);
        mpz_mul(b, b, c);
        if (mpz_cmp(a, b) > 0)
            st = TK_ERR_PRICE_TOO_HIGH;
    }
    if (st == TK_OK && (want_rounds || positive))
        st = fetch_rounds(s, rounds);
    if (st == TK_OK && positive)
        st = check_value(s, p, ev, count, rounds, a, b, c);
    mpz_clears(a, b, c, NULL);
    return st;
}

tk_status tk_sender_validate_params(tk_sender *sender,
                                    const tk_ticket_params *params,
                                    size_t count)
{
    tk_round_info rounds;
    tk_status st;
    mpq_t ev;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, params != NULL);
    mpq_init(ev);
    st = tk_ticket_ev(ev, &params->face_value, &params->win_prob);
    if (st == TK_OK)
        st = tk__sender_check(sender, params, ev, count, 0, &rounds);
    mpq_clear(ev);
    return st;
}

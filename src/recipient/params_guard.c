/* SPDX-License-Identifier: MIT */
/* Shifted params (docs/SECURITY.md, "Shifted params").
 *
 * recipientRand is an HMAC over B(seed) || sender || B(faceValue) ||
 * B(winProb) || B(expirationBlock) || B(priceNum) || B(priceDen) ||
 * auxData (PROTOCOL.md section 3): minimal big-endian fields with no
 * lengths, as go-livepeer derives it. A sender can therefore move bytes
 * across a field boundary and present params this recipient never issued
 * that derive the same rand, so the rand hash check passes. The sender
 * does not know rand, but it chooses the new values:
 *   - expirationBlock grown by bytes taken from winProb or the price: the
 *     winners wait for a block that never comes (the ticket expires on
 *     chain first) while every ticket is credited; or, once a redeemed
 *     winner has revealed rand, old params come back "unexpired" and the
 *     sender sends only losing tickets;
 *   - faceValue grown by bytes taken from winProb: up to ~128x the EV per
 *     ticket, with a face value above the float the sender can pay;
 *   - expirationBlock shrunk: its tickets are expired on arrival, and a
 *     winner among them would be redeemed at once, revealing rand while
 *     the real params are still live.
 * The derivation itself cannot change (it is the reference node's, and
 * the vectors pin it), so the recipient refuses what it could not have
 * issued: an expiration further ahead than TK_PARAMS_MAX_LEAD_BLOCKS, and
 * a winProb that is not the issuing rule's function of faceValue (4.3).
 * The third case is handled where expired winners are stored (receive.c).
 */
#include "recipient_internal.h"

#include "ticket/u256.h"

#include "core/internal.h"
#include "crypto/u256.h"

#include <gmp.h>

/* Whether winProb is what tk_win_prob() gives for faceValue and SOME ev:
 * 0 for a zero face value (price zero); MAX when faceValue == ev; else
 * ev * d with d = floor(MAX / faceValue), plus one when that leaves a
 * remainder. A shifted pair meets it with probability about 1/d (d is
 * 2^190 or so for face values near 1 ETH): moving a winProb byte into
 * the expiration adds a non-zero remainder below 256 < d; moving bytes
 * between faceValue and winProb changes d itself. */
static int win_prob_fits(const tk_ticket_params *pp)
{
    static const tk_u256 max = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    mpz_t face, d, r, wp;
    int fits;

    if (tk_u256_is_zero(&pp->face_value))
        return tk_u256_is_zero(&pp->win_prob);
    if (tk_u256_cmp(&pp->win_prob, &max) == 0)
        return 1;
    mpz_inits(face, d, r, wp, NULL);
    (void)tk_u256_to_mpz(face, &pp->face_value);
    (void)tk_u256_to_mpz(d, &max);
    (void)tk_u256_to_mpz(wp, &pp->win_prob);
    mpz_tdiv_qr(d, r, d, face);
    if (mpz_sgn(r) != 0)
        mpz_add_ui(d, d, 1);
    fits = mpz_divisible_p(wp, d);
    mpz_clears(face, d, r, wp, NULL);
    return fits;
}

tk_status tk__recipient_params_guard(const tk_ticket_params *pp, uint64_t high_water)
{
    uint64_t expiration = tk__block_u64(&pp->expiration_block); /* saturates */

    /* A mark within 256 blocks of 2^64 has no bound left: no chain gets there. */
    if (high_water <= UINT64_MAX - TK_PARAMS_MAX_LEAD_BLOCKS &&
        expiration > high_water + TK_PARAMS_MAX_LEAD_BLOCKS)
        return TK_ERR_PARAMS_TOO_FAR;
    return win_prob_fits(pp) ? TK_OK : TK_ERR_PARAMS_NOT_ISSUED;
}

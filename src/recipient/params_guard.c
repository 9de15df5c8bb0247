/* SPDX-License-Identifier: MIT */
/* Shifted params (docs/SECURITY.md, "Shifted params").
 *
 * recipientRand is an HMAC over B(seed) || sender || B(faceValue) ||
 * B(winProb) || B(expirationBlock) || B(priceNum) || B(priceDen) ||
 * auxData (PROTOCOL.md section 3): minimal big-endian fields with no
 * lengths, the reference node's derivation as the spec gives it. A
 * sender can therefore move bytes
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

/* A u256 as GMP limbs, least significant first; returns the size without
 * high zero limbs. The check runs on every payment, so it uses the mpn
 * layer on the stack: mpz would allocate five times per payment (about
 * 2 % of a 1-ticket receive, measured). */
#define LIMB_BYTES (GMP_NUMB_BITS / 8)
#define U256_LIMBS (32 / LIMB_BYTES)
_Static_assert(GMP_NAIL_BITS == 0 && 32 % LIMB_BYTES == 0, "whole-byte GMP limbs");

static mp_size_t limbs(mp_limb_t out[U256_LIMBS], const tk_u256 *x)
{
    mp_size_t n = U256_LIMBS;

    for (size_t i = 0; i < U256_LIMBS; i++) {
        mp_limb_t v = 0;
        for (size_t k = 0; k < LIMB_BYTES; k++)
            v = (v << 8) | x->bytes[32 - (i + 1) * LIMB_BYTES + k];
        out[i] = v;
    }
    while (n > 0 && out[n - 1] == 0)
        n--;
    return n;
}

static int all_zero(const mp_limb_t *x, mp_size_t n)
{
    for (mp_size_t i = 0; i < n; i++)
        if (x[i] != 0)
            return 0;
    return 1;
}

/* Whether winProb is what tk_win_prob() gives for faceValue and SOME ev:
 * 0 for a zero face value (price zero); MAX when faceValue == ev; else
 * ev * d with d = floor(MAX / faceValue), plus one when that leaves a
 * remainder. A shifted pair meets it with probability about 1/d (d is
 * 2^190 or so for face values near 1 ETH): moving a winProb byte into
 * the expiration adds a non-zero remainder below 256 < d; moving bytes
 * between faceValue and winProb changes d itself. */
static int win_prob_fits(const tk_ticket_params *pp)
{
    mp_limb_t max[U256_LIMBS], face[U256_LIMBS], wp[U256_LIMBS];
    mp_limb_t d[U256_LIMBS + 1], q[U256_LIMBS + 1], r[U256_LIMBS];
    mp_size_t fn = limbs(face, &pp->face_value), wn = limbs(wp, &pp->win_prob), dn;

    if (fn == 0)
        return wn == 0;
    for (size_t i = 0; i < U256_LIMBS; i++)
        max[i] = GMP_NUMB_MAX;
    if (wn == U256_LIMBS && mpn_cmp(wp, max, U256_LIMBS) == 0)
        return 1;
    if (wn == 0)
        return 1; /* 0 = 0 * d */
    mpn_tdiv_qr(d, r, 0, max, U256_LIMBS, face, fn);
    dn = U256_LIMBS - fn + 1;
    if (!all_zero(r, fn))
        (void)mpn_add_1(d, d, dn, 1); /* no carry: d <= MAX */
    while (dn > 0 && d[dn - 1] == 0)
        dn--;
    if (wn < dn)
        return 0; /* 0 < winProb < d */
    mpn_tdiv_qr(q, r, 0, wp, wn, d, dn);
    return all_zero(r, dn);
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

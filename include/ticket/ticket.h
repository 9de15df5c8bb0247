/* SPDX-License-Identifier: MIT */
#ifndef TICKET_TICKET_H
#define TICKET_TICKET_H

/** The ticket model (docs/protocol-notes.md sections 2-4): the ticket and
 *  its params, the ticket hash, expected value, the commit-reveal
 *  recipientRand and the win check, and the recipient's winProb rule.
 *
 *  All functions here are pure and thread-safe. EV values are exact GMP
 *  rationals (mpq_t, initialized by the caller); nothing here uses floating
 *  point. */

#include "ticket/common.h"

#include <gmp.h>

#ifdef __cplusplus
extern "C" {
#endif

/** auxData is 64 bytes, or empty (see tk_ticket_aux_data). */
#define TK_AUX_DATA_LEN 64

/** A ticket: exactly the fields that are hashed and signed. */
typedef struct tk_ticket {
    tk_address recipient;
    tk_address sender;
    tk_u256 face_value;              /* wei */
    tk_u256 win_prob;                /* wins with probability win_prob / MAX */
    uint32_t sender_nonce;
    tk_hash recipient_rand_hash;     /* keccak(u256(recipientRand)) */
    int64_t creation_round;          /* >= 0 */
    tk_hash creation_round_block_hash;
} tk_ticket;

/** Ticket params, as the recipient issues them (section 4). The price is
 *  the price per pixel the params were issued for; together with the seed
 *  and the expiration block it feeds the recipientRand derivation. */
typedef struct tk_ticket_params {
    tk_address recipient;
    tk_u256 face_value;
    tk_u256 win_prob;
    tk_hash recipient_rand_hash;
    tk_u256 seed;
    tk_u256 expiration_block;        /* params expire at this L1 block */
    tk_price price;                  /* reduced; 0/1 when free */
    int64_t creation_round;          /* expiration params */
    tk_hash creation_round_block_hash;
} tk_ticket_params;

/** auxData = u256(creation_round) || block_hash (64 bytes), or empty when
 *  creation_round == 0 and block_hash is all zero.
 *  Out: out64 (64 bytes); *outlen = 64 or 0.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, or creation_round < 0). */
TK_API tk_status tk_aux_data(uint8_t out64[64], size_t *outlen,
    int64_t creation_round, const tk_hash *block_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(4);

/** ticketHash = keccak(recipient || sender || u256(faceValue) ||
 *  u256(winProb) || u256(senderNonce) || recipientRandHash || auxData).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, or creation_round < 0). */
TK_API tk_status tk_ticket_hash(tk_hash *out, const tk_ticket *ticket)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Build the ticket that params + sender + nonce describe. */
TK_API tk_status tk_ticket_from_params(tk_ticket *out,
    const tk_ticket_params *params, const tk_address *sender,
    uint32_t sender_nonce)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** EV = face_value * win_prob / MAX, exact and canonical.
 *  Args: ev: an initialized mpq_t, overwritten. */
TK_API tk_status tk_ticket_ev(mpq_t ev, const tk_u256 *face_value,
    const tk_u256 *win_prob) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** recipientRandHash = keccak(u256(rand)). Constant time in rand. */
TK_API tk_status tk_rand_hash(tk_hash *out, const tk_u256 *rand)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** recipientRand = HMAC-SHA256(secret, B(seed) || sender || B(faceValue) ||
 *  B(winProb) || B(expirationBlock) || B(priceNum) || B(priceDen) ||
 *  auxData), with the price reduced first.
 *  Returns: TK_OK; TK_ERR_INVALID_PRICE (den 0); TK_ERR_ILLEGAL_ARG;
 *           TK_ERR_CRYPTO_BACKEND.
 *  Secrets: secret32 and the result are secret; no copy of either is left
 *           behind (the caller wipes *rand when done). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rand_derive(tk_u256 *rand,
    const uint8_t secret32[32], const tk_address *sender,
    const tk_ticket_params *params)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** The win check: win_value = uint256(keccak(sig (65 bytes) ||
 *  u256(rand))); *wins = win_value < win_prob (strict).
 *  Out: wins; win_value (may be NULL).
 *  Secrets: the hashing is constant time (rand is secret); the comparison
 *           of its public result is not. */
TK_API tk_status tk_ticket_wins(int *wins, tk_u256 *win_value,
    const tk_sig *sig, const tk_u256 *rand, const tk_u256 *win_prob)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4) TK_ARG_NONNULL(5);

/** The recipient's winProb rule (section 4.3), exact, even above MAX:
 *  face 0 -> 0; face == ev -> MAX; else q = MAX / face, r = MAX % face,
 *  ev * (q + 1) if r != 0 else ev * q.
 *  Args: out: an initialized mpz_t, overwritten. */
TK_API tk_status tk_win_prob_exact(mpz_t out, const tk_u256 *face_value,
    const tk_u256 *ev) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** The same rule as a uint256.
 *  Returns: TK_OK; TK_ERR_OVERFLOW (result > MAX, *out zeroed). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_win_prob(tk_u256 *out,
    const tk_u256 *face_value, const tk_u256 *ev)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Reduce num/den to lowest terms (0/x becomes 0/1).
 *  Returns: TK_OK; TK_ERR_INVALID_PRICE (den == 0). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_price_reduce(tk_price *out,
    const tk_price *in) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** GMP <-> uint256 helpers. mpz values must be initialized. */
TK_API tk_status tk_u256_to_mpz(mpz_t out, const tk_u256 *x)
    TK_ARG_NONNULL(2);
/** Returns TK_ERR_OVERFLOW (out zeroed) if x < 0 or x >= 2^256. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_u256_from_mpz(tk_u256 *out,
    const mpz_t x) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_TICKET_H */

/* SPDX-License-Identifier: MIT */
#ifndef TK_MODEL_RAND_MESSAGE_H
#define TK_MODEL_RAND_MESSAGE_H

#include "ticket/ticket.h"

#include "crypto/hmac.h"

/* Longest HMAC message of the recipientRand derivation: six minimal
 * integers of at most 32 bytes, the sender and 64 bytes of auxData. */
#define TK_RAND_MESSAGE_MAX (6 * TK_U256_LEN + TK_ADDRESS_LEN + TK_AUX_DATA_LEN)

/* The HMAC message of docs/protocol-notes.md section 3 (public data):
 *   B(seed) || sender || B(faceValue) || B(winProb) || B(expirationBlock) ||
 *   B(priceNum) || B(priceDen) || auxData
 * with the price reduced first. *len receives its length.
 * Returns TK_OK or TK_ERR_INVALID_PRICE (den 0); arguments are trusted
 * (checked by the public caller), creation_round must be >= 0. */
tk_status tk__rand_message(uint8_t out[TK_RAND_MESSAGE_MAX], size_t *len,
                           const tk_address *sender,
                           const tk_ticket_params *params);

/* tk_rand_derive with the secret already keyed (tk__hmac_key_create over
 * the 32-byte secret): the same rand, without OpenSSL's per-call digest
 * fetch and key setup. For a holder deriving many rands under one secret
 * (the recipient). Thread safe as tk__hmac_key_mac; the caller wipes *rand.
 * Pointers are trusted (checked by the public caller); a negative
 * creation_round is refused as by tk_rand_derive.
 * Returns as tk_rand_derive (*rand zeroed on failure). */
tk_status tk__rand_derive_keyed(tk_u256 *rand, const tk__hmac_key *key,
                                const tk_address *sender,
                                const tk_ticket_params *params);

#endif

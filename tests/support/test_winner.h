/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_WINNER_H
#define TK_TEST_WINNER_H

/* A made-up NEW winner for redemption tests (test_winner.c; needs the
 * model and store layers): `sender` pays `recipient` `face` wei with
 * winProb at its maximum, a random recipientRand (committed to in the
 * ticket) and a random signature, creation round 1, params expiring at
 * `expiration_block`; ticket_hash filled in. */

#include "ticket/store.h"

#include <stdint.h>

void tk_test_winner(tk_winner *w, const tk_address *recipient,
                    const tk_address *sender, uint64_t face, uint32_t nonce,
                    uint64_t expiration_block);

#endif

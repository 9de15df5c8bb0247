/* SPDX-License-Identifier: MIT */
#include "test_winner.h"
#include "test_support.h"

#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <string.h>

void tk_test_winner(tk_winner *w, const tk_address *recipient,
                    const tk_address *sender, uint64_t face, uint32_t nonce,
                    uint64_t expiration_block)
{
    memset(w, 0, sizeof *w);
    w->ticket.recipient = *recipient;
    w->ticket.sender = *sender;
    assert_int_equal(tk_u256_from_u64(&w->ticket.face_value, face), TK_OK);
    memset(w->ticket.win_prob.bytes, 0xff, 32);
    w->ticket.sender_nonce = nonce;
    tk_test_rand_bytes(w->recipient_rand.bytes, 32);
    assert_int_equal(tk_rand_hash(&w->ticket.recipient_rand_hash, &w->recipient_rand),
                     TK_OK);
    w->ticket.creation_round = 1;
    tk_test_rand_bytes(w->sig.bytes, 65);
    assert_int_equal(tk_u256_from_u64(&w->expiration_block, expiration_block), TK_OK);
    assert_int_equal(tk_ticket_hash(&w->ticket_hash, &w->ticket), TK_OK);
}

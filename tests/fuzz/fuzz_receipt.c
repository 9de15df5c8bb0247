/* SPDX-License-Identifier: MIT */
/* Fuzz the receipt decoder (wire.h, tk_wire_receipt_unpack): libticket's
 * LibticketReceipt message, mapped back to a fixed sent payment of 16
 * tickets with nonces 0..15 (nonce 7 twice, as a careless sender might).
 * Input: the message bytes.
 *
 * Invariants: a failure leaves the receipt zeroed; a decoded receipt names
 * the payment's sender, recipient and recipientRandHash, lists only hashes
 * of the payment's tickets in payment order, winners a subsequence of them,
 * each hash the one of its nonce; and pack -> unpack gives it back. */
#include "fuzz.h"

#include "ticket/payment.h"
#include "ticket/wire.h"

#include <string.h>

#define SENT 16

static void sent_payment(tk_payment *p, tk_ticket_sig *t)
{
    memset(p, 0, sizeof *p);
    memset(p->sender.bytes, 0x11, sizeof p->sender.bytes);
    memset(p->params.recipient.bytes, 0x22, sizeof p->params.recipient.bytes);
    memset(p->params.recipient_rand_hash.bytes, 0x33, 32);
    p->params.face_value.bytes[31] = 100;
    p->params.win_prob.bytes[0] = 0x80;
    for (size_t i = 0; i < SENT; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].sender_nonce = (uint32_t)(i == 8 ? 7 : i);
    }
    p->count = SENT;
    p->tickets = t;
}

static int same(const tk_signed_receipt *a, const tk_signed_receipt *b)
{
    const tk_receipt *x = &a->receipt, *y = &b->receipt;
    size_t n = x->n_tickets + x->n_winners;
    return x->n_tickets == y->n_tickets && x->n_winners == y->n_winners &&
           memcmp(&x->credited_wei, &y->credited_wei, 32) == 0 &&
           memcmp(&x->block_number, &y->block_number, 32) == 0 &&
           memcmp(&a->sig, &b->sig, sizeof a->sig) == 0 &&
           (n == 0 || (memcmp(a->hashes, b->hashes, n * sizeof *a->hashes) == 0 &&
                       memcmp(a->ticket_nonces, b->ticket_nonces, n * 4) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tk_signed_receipt zero;
    tk_ticket_sig tickets[SENT];
    tk_payment sent;
    tk_signed_receipt r, again;
    tk_ticket t;
    tk_hash h;
    uint8_t *buf;
    size_t len = 0, j = 0, k = 0;

    sent_payment(&sent, tickets);
    if (tk_wire_receipt_unpack(&r, data, size, &sent) != TK_OK) {
        FUZZ_CHECK(memcmp(&r, &zero, sizeof r) == 0);
        return 0;
    }
    FUZZ_CHECK(memcmp(&r.receipt.sender, &sent.sender, 20) == 0);
    FUZZ_CHECK(memcmp(&r.receipt.recipient, &sent.params.recipient, 20) == 0);
    FUZZ_CHECK(memcmp(&r.receipt.recipient_rand_hash,
                      &sent.params.recipient_rand_hash, 32) == 0);
    FUZZ_CHECK(r.receipt.n_winners <= r.receipt.n_tickets);
    for (size_t i = 0; i < r.receipt.n_tickets; i++, j++) {
        while (j < SENT && tickets[j].sender_nonce != r.ticket_nonces[i])
            j++;
        FUZZ_CHECK(j < SENT);
        FUZZ_CHECK(tk_payment_ticket(&t, &sent, j) == TK_OK);
        FUZZ_CHECK(tk_ticket_hash(&h, &t) == TK_OK);
        FUZZ_CHECK(memcmp(&h, &r.receipt.tickets[i], 32) == 0);
    }
    for (size_t w = 0; w < r.receipt.n_winners; w++, k++) {
        while (k < r.receipt.n_tickets &&
               memcmp(&r.receipt.tickets[k], &r.receipt.winners[w], 32) != 0)
            k++;
        FUZZ_CHECK(k < r.receipt.n_tickets);
        FUZZ_CHECK(r.ticket_nonces[k] == r.winner_nonces[w]);
    }

    FUZZ_CHECK(tk_wire_receipt_pack(NULL, &len, &r) == TK_ERR_BUFFER_TOO_SMALL);
    buf = malloc(len);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(tk_wire_receipt_pack(buf, &len, &r) == TK_OK);
    FUZZ_CHECK(tk_wire_receipt_unpack(&again, buf, len, &sent) == TK_OK);
    FUZZ_CHECK(same(&r, &again));
    free(buf);
    tk_signed_receipt_clear(&again);
    tk_signed_receipt_clear(&r);
    return 0;
}

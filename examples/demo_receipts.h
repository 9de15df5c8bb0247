/* SPDX-License-Identifier: MIT */
#ifndef TICKET_DEMO_RECEIPTS_H
#define TICKET_DEMO_RECEIPTS_H

/* Payment receipts in the demo (docs/receipts.md). The transcoder answers
 * every paid segment with a Libticket-Receipt header: the tickets it
 * accepted and the ones that won, the EV it credited, signed with its key
 * (EIP-712). The broadcaster decodes it against the payment it sent and
 * keeps its books (tk_exposure): credited total, winners known at once,
 * tickets still outstanding, and the deposit risk those carry. Both sides
 * agree on the EIP-712 domain below, as two nodes agree on a chain. */

#include "demo_common.h"

#include "ticket/exposure.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"

/* The receipts' EIP-712 domain: the dev chain's id and a TicketBroker
 * address (the dev chain has no contract; any fixed address will do). */
#define DEMO_CHAIN_ID 1337u
#define DEMO_TICKET_BROKER "0x5b1869d9a4c187f2eaa108f3062412ecf0526b24"

/* The deposit risk the broadcaster accepts per batch (docs/receipts.md R2). */
#define DEMO_RISK_LIMIT 1e-9

void demo_receipt_domain(tk_receipt_domain *d);

/* Transcoder: the Libticket-Receipt header value for a payment it just
 * received (malloc'd; NULL on failure, *st says why). key: the recipient's
 * Ethereum key. *listed / *won: the receipt's counts. */
char *demo_receipt_header(tk_recipient *r, const uint8_t key[32],
                          const tk_payment *pay, const tk_ticket_result *res,
                          size_t *listed, size_t *won, tk_status *st);

/* Broadcaster: its books. */
typedef struct demo_books {
    tk_exposure *x;
    unsigned applied;   /* receipts verified and applied */
    unsigned refused;   /* receipts that failed to decode or verify */
    unsigned missing;   /* paid responses without a receipt */
} demo_books;

/* Create the books and make the sender keep them under the risk rule. */
int demo_books_init(demo_books *b, const tk_ctx *ctx, tk_sender *s,
                    const tk_address *sender);
void demo_books_free(demo_books *b);

/* A response to the payment pay arrived with receipt header hdr (NULL:
 * none). Apply it and print one line. Returns 1 when it was applied. */
int demo_books_receipt(demo_books *b, const char *hdr, const tk_payment *pay);

/* Print the books, with one machine-readable line (BOOKS ...). */
void demo_books_summary(demo_books *b, const tk_u256 *deposit);

#endif

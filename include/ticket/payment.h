/* SPDX-License-Identifier: MIT */
#ifndef TICKET_PAYMENT_H
#define TICKET_PAYMENT_H

/** A payment (a "ticket batch"): k tickets sharing one set of params, one
 *  sender and one price, each with its own nonce and signature. It is what
 *  the sender creates, what the wire format carries (go-livepeer's
 *  Payment), and what the recipient receives.
 *
 *  Ownership: a tk_payment filled by the library (tk_payment_alloc, the
 *  sender, the wire decoder) owns its tickets array; release it with
 *  tk_payment_clear(). A tk_payment is plain data: not thread-safe to
 *  modify, safe to read from many threads. */

#include "ticket/common.h"
#include "ticket/ticket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One ticket of a batch: what differs between tickets. */
typedef struct tk_ticket_sig {
    uint32_t sender_nonce;
    tk_sig sig;
    /* 1 when the signature on the wire was not 65 bytes (then sig is
     * zero): the recipient reports TK_ERR_SIG_BAD_LENGTH for this ticket
     * alone, like any other signature fault. 0 for payments built in
     * memory (tk_payment_alloc zeroes it). */
    int sig_bad_length;
} tk_ticket_sig;

typedef struct tk_payment {
    tk_address sender;
    /* Shared params, including the reduced price (the payment's expected
     * price) and the expiration params the tickets were signed with. */
    tk_ticket_params params;
    size_t count;
    tk_ticket_sig *tickets; /* count entries, owned */
} tk_payment;

/** Zero *p and allocate count zeroed tickets (count 0 allocates nothing).
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_payment_alloc(tk_payment *p,
    size_t count) TK_ARG_NONNULL(1);

/** Free the tickets and zero *p. NULL is a no-op. */
TK_API void tk_payment_clear(tk_payment *p);

/** The full ticket i of the payment (params + sender + nonce i).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL or i >= count). */
TK_API tk_status tk_payment_ticket(tk_ticket *out, const tk_payment *p,
    size_t i) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_PAYMENT_H */

/* SPDX-License-Identifier: MIT */
/* Storage of a tk_signed_receipt: one block of hashes, one of nonces. */
#include "core/internal.h"

#include "ticket/receipt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

tk_status tk_signed_receipt_alloc(tk_signed_receipt *out, size_t n_tickets,
                                  size_t n_winners)
{
    size_t n;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    if (n_winners > n_tickets || n_tickets > SIZE_MAX / 2 / sizeof(tk_hash))
        return TK_ERR_INVALID_LENGTH;
    n = n_tickets + n_winners;
    if (n == 0)
        return TK_OK;
    out->hashes = calloc(n, sizeof *out->hashes);
    out->ticket_nonces = calloc(n, sizeof *out->ticket_nonces);
    if (out->hashes == NULL || out->ticket_nonces == NULL) {
        free(out->hashes);
        free(out->ticket_nonces);
        memset(out, 0, sizeof *out);
        return TK_ERR_NOMEM;
    }
    /* One block each: the winners' part follows the tickets'. */
    out->winner_nonces = n_winners ? out->ticket_nonces + n_tickets : NULL;
    out->receipt.tickets = out->hashes;
    out->receipt.n_tickets = n_tickets;
    out->receipt.winners = n_winners ? out->hashes + n_tickets : NULL;
    out->receipt.n_winners = n_winners;
    return TK_OK;
}

void tk_signed_receipt_clear(tk_signed_receipt *r)
{
    if (r == NULL)
        return;
    free(r->hashes);
    free(r->ticket_nonces);
    memset(r, 0, sizeof *r);
}

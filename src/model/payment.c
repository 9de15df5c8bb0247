/* SPDX-License-Identifier: MIT */
#include "core/internal.h"

#include "ticket/payment.h"

#include <stdlib.h>
#include <string.h>

tk_status tk_payment_alloc(tk_payment *p, size_t count)
{
    TK_ARG_CHECK_NOCTX(p != NULL);
    memset(p, 0, sizeof *p);
    TK_ARG_CHECK_NOCTX(count <= SIZE_MAX / sizeof(tk_ticket_sig));
    if (count == 0)
        return TK_OK;
    p->tickets = calloc(count, sizeof *p->tickets);
    if (p->tickets == NULL)
        return TK_ERR_NOMEM;
    p->count = count;
    return TK_OK;
}

void tk_payment_clear(tk_payment *p)
{
    if (p == NULL)
        return;
    free(p->tickets);
    memset(p, 0, sizeof *p);
}

tk_status tk_payment_ticket(tk_ticket *out, const tk_payment *p, size_t i)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(p != NULL);
    TK_ARG_CHECK_NOCTX(i < p->count && p->tickets != NULL);
    return tk_ticket_from_params(out, &p->params, &p->sender,
                                 p->tickets[i].sender_nonce);
}

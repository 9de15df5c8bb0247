/* SPDX-License-Identifier: MIT */
/* Payment bytes <-> tk_wire_payment, through protobuf-c. */
#include "wire_internal.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

void tk_wire_payment_clear(tk_wire_payment *p)
{
    if (p == NULL)
        return;
    free(p->tickets);
    memset(p, 0, sizeof *p);
}

/* The generated message -> *out; out->tickets is allocated here. */
static tk_status take_payment(tk_wire_payment *out, const Tk__Wire__Payment *m)
{
    tk_status st;
    if ((st = tk__wire_take_ticket_params(&out->ticket_params,
                                          m->ticket_params)) != TK_OK ||
        (st = tk__wire_take_bytes(out->sender, &out->sender_len, &m->sender,
                                  TK_ADDRESS_LEN, 0)) != TK_OK ||
        (st = tk__wire_take_expiration(&out->expiration_params,
                                       m->expiration_params)) != TK_OK)
        return st;
    tk__wire_take_price(&out->expected_price, m->expected_price);

    /* n_ticket_sender_params is bounded by the message length (each entry
     * takes at least 2 bytes), so this allocation is too. */
    if (m->n_ticket_sender_params > 0) {
        out->tickets = calloc(m->n_ticket_sender_params, sizeof *out->tickets);
        if (out->tickets == NULL)
            return TK_ERR_NOMEM;
        out->count = m->n_ticket_sender_params;
    }
    for (size_t i = 0; i < out->count; i++) {
        const Tk__Wire__TicketSenderParams *t = m->ticket_sender_params[i];
        out->tickets[i].sender_nonce = t->sender_nonce;
        /* A 64- or 66-byte signature spoils its ticket only (the
         * recipient's TK_ERR_SIG_BAD_LENGTH), never the whole payment and
         * its winners: it is kept as an empty one. */
        if (t->sig.len == TK_SIG_LEN)
            memcpy(out->tickets[i].sig, t->sig.data, TK_SIG_LEN);
        out->tickets[i].sig_len = t->sig.len == TK_SIG_LEN ? TK_SIG_LEN : 0;
    }
    return TK_OK;
}

tk_status tk_wire_payment_unpack(tk_wire_payment *out, const uint8_t *buf,
                                 size_t len)
{
    tk__wire_alloc alloc;
    Tk__Wire__Payment *m;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(buf != NULL || len == 0);

    m = (Tk__Wire__Payment *)tk__wire_unpack(
        &alloc, &tk__wire__payment__descriptor, buf, len);
    if (m == NULL)
        return TK_ERR_MALFORMED;
    st = take_payment(out, m);
    protobuf_c_message_free_unpacked(&m->base, &alloc.pb);
    if (st != TK_OK)
        tk_wire_payment_clear(out);
    return st;
}

tk_status tk_wire_payment_pack(uint8_t *out, size_t *outlen,
                                 const tk_wire_payment *p)
{
    Tk__Wire__Payment m;
    Tk__Wire__TicketParams tp;
    Tk__Wire__TicketExpirationParams tp_exp, exp;
    Tk__Wire__PriceInfo price;
    Tk__Wire__TicketSenderParams *senders = NULL;
    Tk__Wire__TicketSenderParams **sender_ptrs = NULL;
    tk_status st = TK_OK;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(p != NULL);
    tk__wire__payment__init(&m);
    if ((p->count > 0 && p->tickets == NULL) || p->sender_len > TK_ADDRESS_LEN) {
        st = TK_ERR_INVALID_LENGTH;
        goto done;
    }
    if (p->ticket_params.present) {
        if ((st = tk__wire_put_ticket_params(&tp, &tp_exp,
                                             &p->ticket_params)) != TK_OK)
            goto done;
        m.ticket_params = &tp;
    }
    m.sender.len = p->sender_len;
    m.sender.data = (uint8_t *)(uintptr_t)p->sender;
    if (p->expiration_params.present) {
        if ((st = tk__wire_put_expiration(&exp, &p->expiration_params)) != TK_OK)
            goto done;
        m.expiration_params = &exp;
    }
    if (p->expected_price.present) {
        tk__wire_put_price(&price, &p->expected_price);
        m.expected_price = &price;
    }
    if (p->count > 0) {
        senders = calloc(p->count, sizeof *senders);
        sender_ptrs = calloc(p->count, sizeof *sender_ptrs);
        if (senders == NULL || sender_ptrs == NULL) {
            st = TK_ERR_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < p->count; i++) {
            const tk_wire_sender_params *t = &p->tickets[i];
            if (t->sig_len > TK_SIG_LEN) {
                st = TK_ERR_INVALID_LENGTH;
                goto done;
            }
            tk__wire__ticket_sender_params__init(&senders[i]);
            senders[i].sender_nonce = t->sender_nonce;
            senders[i].sig.len = t->sig_len;
            senders[i].sig.data = (uint8_t *)(uintptr_t)t->sig;
            sender_ptrs[i] = &senders[i];
        }
        m.n_ticket_sender_params = p->count;
        m.ticket_sender_params = sender_ptrs;
    }
    st = tk__wire_pack(out, outlen, &m.base);
done:
    free(senders);
    free(sender_ptrs);
    if (st != TK_OK && st != TK_ERR_BUFFER_TOO_SMALL)
        *outlen = 0;
    return st;
}

/* SPDX-License-Identifier: MIT */
/* Ticket params as go-livepeer's OrchestratorInfo carries them: fields 2
 * (TicketParams, expiration params in its field 7) and 3 (PriceInfo). */
#include "wire_internal.h"

#include "core/internal.h"

#include <string.h>

tk_status tk_wire_encode_params(uint8_t *out, size_t *outlen,
                                const tk_ticket_params *params)
{
    Tk__Wire__OrchestratorInfo m;
    Tk__Wire__TicketParams tp;
    Tk__Wire__TicketExpirationParams exp;
    Tk__Wire__PriceInfo price;
    tk_wire_ticket_params wtp;
    tk_wire_price_info wprice;
    tk_status st;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(params != NULL);
    TK_ARG_CHECK_NOCTX(params->creation_round >= 0);

    st = tk__wire_params_to_wire(&wtp, &wtp.expiration_params, &wprice, params);
    if (st == TK_OK)
        st = tk__wire_put_ticket_params(&tp, &exp, &wtp);
    if (st != TK_OK) {
        *outlen = 0;
        return st;
    }
    tk__wire_put_price(&price, &wprice);
    tk__wire__orchestrator_info__init(&m);
    m.ticket_params = &tp;
    m.price_info = &price;
    st = tk__wire_pack(out, outlen, &m.base);
    if (st != TK_OK && st != TK_ERR_BUFFER_TOO_SMALL)
        *outlen = 0;
    return st;
}

tk_status tk_wire_decode_params(tk_ticket_params *out, const uint8_t *buf,
                                size_t len)
{
    tk__wire_alloc alloc;
    Tk__Wire__OrchestratorInfo *m;
    tk_wire_ticket_params tp;
    tk_wire_price_info price;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(buf != NULL || len == 0);

    m = (Tk__Wire__OrchestratorInfo *)tk__wire_unpack(
        &alloc, &tk__wire__orchestrator_info__descriptor, buf, len);
    if (m == NULL)
        return TK_ERR_MALFORMED;
    if (m->ticket_params == NULL)
        st = TK_ERR_MALFORMED;
    else
        st = tk__wire_take_ticket_params(&tp, m->ticket_params);
    tk__wire_take_price(&price, m->price_info);
    protobuf_c_message_free_unpacked(&m->base, &alloc.pb);
    if (st == TK_OK)
        st = tk__wire_params_from_wire(out, &tp, &tp.expiration_params, &price);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* tk_wire_payment <-> tk_payment (docs/protocol-notes.md section 9), and
 * the one-call
 * helpers over bytes and the Livepeer-Payment header. */
#include "wire_internal.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

tk_status tk_wire_payment_to_payment(tk_payment *out, const tk_wire_payment *in)
{
    const tk_wire_expiration_params *exp = NULL;
    tk_ticket_params params;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(in != NULL);
    TK_ARG_CHECK_NOCTX(in->count == 0 || in->tickets != NULL);

    if (in->sender_len != TK_ADDRESS_LEN)
        return TK_ERR_MALFORMED;
    if (in->expected_price.present && (in->expected_price.price_per_unit < 0 ||
                                       in->expected_price.pixels_per_unit < 0))
        return TK_ERR_MALFORMED;

    if (!in->ticket_params.present) {
        /* Nothing is paid: go-livepeer skips such a payment. Tickets
         * without the params they were signed over make no sense. */
        if (in->count > 0)
            return TK_ERR_MALFORMED;
        memcpy(out->sender.bytes, in->sender, TK_ADDRESS_LEN);
        out->params.price.den.bytes[TK_U256_LEN - 1] = 1;
        return TK_OK;
    }

    /* go-livepeer's broadcaster puts the expiration params in Payment
     * field 3; a recipient's advertised TicketParams carries them in its
     * field 7, which some senders echo back. */
    if (in->expiration_params.present)
        exp = &in->expiration_params;
    else if (in->ticket_params.expiration_params.present)
        exp = &in->ticket_params.expiration_params;
    st = tk__wire_params_from_wire(&params, &in->ticket_params, exp,
                                   &in->expected_price);
    if (st != TK_OK)
        return st;

    if ((st = tk_payment_alloc(out, in->count)) != TK_OK)
        return st;
    memcpy(out->sender.bytes, in->sender, TK_ADDRESS_LEN);
    out->params = params;
    for (size_t i = 0; i < in->count; i++) {
        out->tickets[i].sender_nonce = in->tickets[i].sender_nonce;
        /* Not 65 bytes: this ticket's fault alone (see wire.h). */
        if (in->tickets[i].sig_len == TK_SIG_LEN)
            memcpy(out->tickets[i].sig.bytes, in->tickets[i].sig, TK_SIG_LEN);
        else
            out->tickets[i].sig_bad_length = 1;
    }
    return TK_OK;
}

tk_status tk_wire_payment_from_payment(tk_wire_payment *out,
                                       const tk_payment *in)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(in != NULL);
    TK_ARG_CHECK_NOCTX(in->count == 0 || in->tickets != NULL);
    TK_ARG_CHECK_NOCTX(in->params.creation_round >= 0);

    st = tk__wire_params_to_wire(&out->ticket_params, &out->expiration_params,
                                 &out->expected_price, &in->params);
    if (st != TK_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    memcpy(out->sender, in->sender.bytes, TK_ADDRESS_LEN);
    out->sender_len = TK_ADDRESS_LEN;
    if (in->count > 0) {
        out->tickets = calloc(in->count, sizeof *out->tickets);
        if (out->tickets == NULL) {
            memset(out, 0, sizeof *out);
            return TK_ERR_NOMEM;
        }
        out->count = in->count;
    }
    for (size_t i = 0; i < in->count; i++) {
        out->tickets[i].sender_nonce = in->tickets[i].sender_nonce;
        if (in->tickets[i].sig_bad_length)
            continue; /* sent as the empty signature it was decoded to */
        memcpy(out->tickets[i].sig, in->tickets[i].sig.bytes, TK_SIG_LEN);
        out->tickets[i].sig_len = TK_SIG_LEN;
    }
    return TK_OK;
}

tk_status tk_wire_decode_payment(tk_payment *out, const uint8_t *buf,
                                 size_t len)
{
    tk_wire_payment w;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(buf != NULL || len == 0);
    if ((st = tk_wire_payment_unpack(&w, buf, len)) != TK_OK)
        return st;
    st = tk_wire_payment_to_payment(out, &w);
    tk_wire_payment_clear(&w);
    return st;
}

tk_status tk_wire_encode_payment(uint8_t *out, size_t *outlen,
                                 const tk_payment *p)
{
    tk_wire_payment w;
    tk_status st;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(p != NULL);
    if ((st = tk_wire_payment_from_payment(&w, p)) == TK_OK)
        st = tk_wire_payment_pack(out, outlen, &w);
    else
        *outlen = 0;
    tk_wire_payment_clear(&w);
    return st;
}

static tk_status decode_payment_bytes(void *out, const uint8_t *buf,
                                     size_t len, const void *arg)
{
    (void)arg;
    return tk_wire_decode_payment(out, buf, len);
}

static tk_status encode_payment_bytes(uint8_t *out, size_t *outlen,
                                      const void *msg)
{
    return tk_wire_encode_payment(out, outlen, msg);
}

tk_status tk_wire_decode_payment_header(tk_payment *out, const char *b64,
                                        size_t len)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(b64 != NULL || len == 0);
    return tk__wire_header_decode(out, b64, len, decode_payment_bytes, NULL);
}

tk_status tk_wire_encode_payment_header(char *out, size_t *outlen,
                                        const tk_payment *p)
{
    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(p != NULL);
    return tk__wire_header_encode(out, outlen, encode_payment_bytes, p);
}

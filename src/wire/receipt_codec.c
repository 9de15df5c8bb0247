/* SPDX-License-Identifier: MIT */
/* LibticketReceipt <-> tk_signed_receipt, and the Libticket-Receipt header
 * (docs/receipts.md R1): tickets travel as nonces, the sender maps them back to
 * the hashes of its own batch. */
#include "wire_internal.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

/* A uint256 as a minimal big-endian bytes field (points into v). */
static void put_uint(ProtobufCBinaryData *f, const tk_u256 *v)
{
    size_t i = 0;
    while (i < TK_U256_LEN && v->bytes[i] == 0)
        i++;
    f->len = TK_U256_LEN - i;
    f->data = (uint8_t *)(uintptr_t)(v->bytes + i);
}

/* Strict: at most 32 bytes, no leading zero byte. */
static tk_status take_uint(tk_u256 *v, const ProtobufCBinaryData *f)
{
    memset(v, 0, sizeof *v);
    if (f->len > TK_U256_LEN || (f->len > 0 && f->data[0] == 0))
        return TK_ERR_MALFORMED;
    if (f->len > 0)
        memcpy(v->bytes + TK_U256_LEN - f->len, f->data, f->len);
    return TK_OK;
}

tk_status tk_wire_receipt_pack(uint8_t *out, size_t *outlen,
                               const tk_signed_receipt *r)
{
    Tk__Wire__LibticketReceipt m;
    tk_status st;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK_NOCTX(r->ticket_nonces != NULL || r->receipt.n_tickets == 0);
    TK_ARG_CHECK_NOCTX(r->winner_nonces != NULL || r->receipt.n_winners == 0);
    if (r->receipt.n_winners > r->receipt.n_tickets) {
        *outlen = 0;
        return TK_ERR_INVALID_LENGTH;
    }
    tk__wire__libticket_receipt__init(&m);
    m.n_tickets = r->receipt.n_tickets;
    m.tickets = r->ticket_nonces;
    m.n_winners = r->receipt.n_winners;
    m.winners = r->winner_nonces;
    put_uint(&m.credited_wei, &r->receipt.credited_wei);
    put_uint(&m.block_number, &r->receipt.block_number);
    m.sig.len = TK_SIG_LEN;
    m.sig.data = (uint8_t *)(uintptr_t)r->sig.bytes;
    st = tk__wire_pack(out, outlen, &m.base);
    if (st != TK_OK && st != TK_ERR_BUFFER_TOO_SMALL)
        *outlen = 0;
    return st;
}

static int has_nonce(const tk_payment *p, uint32_t nonce)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->tickets[i].sender_nonce == nonce)
            return 1;
    return 0;
}

/* Tickets: each nonce is the next ticket of `sent` with that nonce. */
static tk_status map_tickets(tk_signed_receipt *s,
                             const Tk__Wire__LibticketReceipt *m,
                             const tk_payment *sent)
{
    size_t j = 0;
    tk_ticket t;

    for (size_t i = 0; i < m->n_tickets; i++, j++) {
        uint32_t nonce = m->tickets[i];
        while (j < sent->count && sent->tickets[j].sender_nonce != nonce)
            j++;
        if (j == sent->count)
            return has_nonce(sent, nonce) ? TK_ERR_RECEIPT_MALFORMED
                                          : TK_ERR_RECEIPT_UNKNOWN_TICKET;
        s->ticket_nonces[i] = nonce;
        (void)tk_payment_ticket(&t, sent, j);
        (void)tk_ticket_hash(&s->hashes[i], &t);
    }
    return TK_OK;
}

/* Winners: a subsequence of the tickets. */
static tk_status map_winners(tk_signed_receipt *s,
                             const Tk__Wire__LibticketReceipt *m)
{
    size_t k = 0;

    for (size_t w = 0; w < m->n_winners; w++, k++) {
        while (k < m->n_tickets && m->tickets[k] != m->winners[w])
            k++;
        if (k == m->n_tickets)
            return TK_ERR_RECEIPT_MALFORMED;
        s->winner_nonces[w] = m->winners[w];
        s->hashes[m->n_tickets + w] = s->hashes[k];
    }
    return TK_OK;
}

static tk_status take_receipt(tk_signed_receipt *out,
                              const Tk__Wire__LibticketReceipt *m,
                              const tk_payment *sent)
{
    tk_status st;

    if (m->base.n_unknown_fields != 0 || m->sig.len != TK_SIG_LEN ||
        m->n_winners > m->n_tickets)
        return TK_ERR_MALFORMED;
    st = tk_signed_receipt_alloc(out, m->n_tickets, m->n_winners);
    if (st != TK_OK)
        return st == TK_ERR_INVALID_LENGTH ? TK_ERR_MALFORMED : st;
    if ((st = take_uint(&out->receipt.credited_wei, &m->credited_wei)) != TK_OK ||
        (st = take_uint(&out->receipt.block_number, &m->block_number)) != TK_OK)
        return st;
    memcpy(out->sig.bytes, m->sig.data, TK_SIG_LEN);
    out->receipt.sender = sent->sender;
    out->receipt.recipient = sent->params.recipient;
    out->receipt.recipient_rand_hash = sent->params.recipient_rand_hash;
    if ((st = map_tickets(out, m, sent)) != TK_OK)
        return st;
    return map_winners(out, m);
}

static tk_status unpack_receipt(void *out, const uint8_t *buf, size_t len,
                                const void *sent)
{
    tk__wire_alloc alloc;
    Tk__Wire__LibticketReceipt *m;
    tk_status st;

    m = (Tk__Wire__LibticketReceipt *)tk__wire_unpack(
        &alloc, &tk__wire__libticket_receipt__descriptor, buf, len);
    if (m == NULL)
        return TK_ERR_MALFORMED;
    st = take_receipt(out, m, sent);
    protobuf_c_message_free_unpacked(&m->base, &alloc.pb);
    if (st != TK_OK)
        tk_signed_receipt_clear(out);
    return st;
}

tk_status tk_wire_receipt_unpack(tk_signed_receipt *out, const uint8_t *buf,
                                 size_t len, const tk_payment *sent)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(buf != NULL || len == 0);
    TK_ARG_CHECK_NOCTX(sent != NULL);
    TK_ARG_CHECK_NOCTX(sent->tickets != NULL || sent->count == 0);
    return unpack_receipt(out, buf, len, sent);
}

static tk_status pack_receipt(uint8_t *out, size_t *outlen, const void *r)
{
    return tk_wire_receipt_pack(out, outlen, r);
}

tk_status tk_wire_encode_receipt_header(char *out, size_t *outlen,
                                        const tk_signed_receipt *r)
{
    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(r != NULL);
    return tk__wire_header_encode(out, outlen, pack_receipt, r);
}

tk_status tk_wire_decode_receipt_header(tk_signed_receipt *out,
                                        const char *b64, size_t len,
                                        const tk_payment *sent)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(b64 != NULL || len == 0);
    TK_ARG_CHECK_NOCTX(sent != NULL);
    TK_ARG_CHECK_NOCTX(sent->tickets != NULL || sent->count == 0);
    return tk__wire_header_decode(out, b64, len, unpack_receipt, sent);
}

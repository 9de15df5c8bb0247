/* SPDX-License-Identifier: MIT */
/* Solidity ABI encoding of the TicketBroker's redeem calls.
 *
 * Layout (offsets are relative to the start of the enclosing head, i.e.
 * the byte after the selector for the top level, the byte after an
 * array's length word for array elements):
 *
 *   redeemWinningTicket(Ticket t, bytes sig, uint256 rand)
 *     head:  0x60 | off(sig) | rand
 *     Ticket (tuple with one dynamic member, so itself dynamic):
 *            recipient | sender | faceValue | winProb | senderNonce |
 *            recipientRandHash | 0xe0 | len(auxData) | auxData (0 or 64)
 *     sig:   65 | 65 bytes | 31 zero bytes
 *
 *   batchRedeemWinningTickets(Ticket[] ts, bytes[] sigs, uint256[] rands)
 *     head:  0x60 | off(sigs) | off(rands)
 *     ts:    n | n offsets | n tuples       sigs: n | n offsets | n sigs
 *     rands: n | n words
 */
#include "redeem/abi.h"

#include "core/internal.h"
#include "core/outbuf.h"
#include "ticket/redeem.h"

#include <string.h>

void tk__abi_put_u64(uint8_t w[32], uint64_t v)
{
    memset(w, 0, 24);
    for (int i = 0; i < 8; i++)
        w[31 - i] = (uint8_t)(v >> (8 * i));
}

void tk__abi_put_selector(uint8_t out[4], uint32_t sel)
{
    out[0] = (uint8_t)(sel >> 24);
    out[1] = (uint8_t)(sel >> 16);
    out[2] = (uint8_t)(sel >> 8);
    out[3] = (uint8_t)sel;
}

static void put_address(uint8_t w[32], const tk_address *a)
{
    memset(w, 0, 12);
    memcpy(w + 12, a->bytes, TK_ADDRESS_LEN);
}

tk_status tk__abi_tuple_len(size_t *len, const tk_ticket *t)
{
    uint8_t aux[TK_AUX_DATA_LEN];
    size_t auxlen = 0;
    tk_status st = tk_aux_data(aux, &auxlen, t->creation_round,
                               &t->creation_round_block_hash);
    *len = st == TK_OK ? TK_ABI_TUPLE_FIXED + auxlen : 0;
    return st;
}

/* Write the ticket tuple at p (which has tk__abi_tuple_len bytes). */
static size_t put_tuple(uint8_t *p, const tk_ticket *t)
{
    uint8_t aux[TK_AUX_DATA_LEN];
    size_t auxlen = 0;

    /* Validated by the length pass; cannot fail here. */
    (void)tk_aux_data(aux, &auxlen, t->creation_round,
                      &t->creation_round_block_hash);
    put_address(p, &t->recipient);
    put_address(p + 32, &t->sender);
    memcpy(p + 64, t->face_value.bytes, 32);
    memcpy(p + 96, t->win_prob.bytes, 32);
    tk__abi_put_u64(p + 128, t->sender_nonce);
    memcpy(p + 160, t->recipient_rand_hash.bytes, 32);
    tk__abi_put_u64(p + 192, TK_ABI_TUPLE_HEAD);
    tk__abi_put_u64(p + 224, auxlen);
    memcpy(p + 256, aux, auxlen); /* 0 or 64: already a multiple of 32 */
    return TK_ABI_TUPLE_FIXED + auxlen;
}

static void put_sig(uint8_t *p, const tk_sig *sig)
{
    tk__abi_put_u64(p, TK_SIG_LEN);
    memcpy(p + 32, sig->bytes, TK_SIG_LEN);
    memset(p + 32 + TK_SIG_LEN, 0, TK_ABI_SIG_LEN - 32 - TK_SIG_LEN);
}

tk_status tk_redeem_single_len(size_t *outlen, const tk_ticket *ticket)
{
    size_t tl = 0;
    tk_status st;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    *outlen = 0;
    TK_ARG_CHECK_NOCTX(ticket != NULL);
    st = tk__abi_tuple_len(&tl, ticket);
    if (st != TK_OK)
        return st;
    *outlen = TK_REDEEM_SELECTOR_LEN + 3 * 32 + tl + TK_ABI_SIG_LEN;
    return TK_OK;
}

tk_status tk_redeem_encode_single(uint8_t *out, size_t *outlen,
                                  const tk_ticket *ticket, const tk_sig *sig,
                                  const tk_u256 *rand)
{
    size_t cap = 0, need = 0, tl;
    uint8_t *a;
    tk_status st = tk__out_take(out, outlen, &cap);

    if (st != TK_OK)
        return st;
    TK_ARG_CHECK_NOCTX(ticket != NULL && sig != NULL && rand != NULL);
    if ((st = tk_redeem_single_len(&need, ticket)) != TK_OK ||
        (st = tk__out_room(cap, need, outlen)) != TK_OK)
        return st;
    tk__abi_put_selector(out, TK_REDEEM_SINGLE_SELECTOR);
    a = out + TK_REDEEM_SELECTOR_LEN;
    tl = put_tuple(a + 96, ticket);
    tk__abi_put_u64(a, 96);
    tk__abi_put_u64(a + 32, 96 + tl);
    memcpy(a + 64, rand->bytes, 32);
    put_sig(a + 96 + tl, sig);
    *outlen = need;
    return TK_OK;
}

/* Everything but the selector: 3 head words, 3 length words, 3n element
 * words (2n offsets and n rands), n sigs, and the tuples. */
static tk_status batch_len(size_t *outlen, const tk_ticket *tickets,
                           size_t count)
{
    size_t total;

    *outlen = 0;
    if (count > (SIZE_MAX - 1024) / (TK_ABI_SIG_LEN + 3 * 32 +
                                     TK_ABI_TUPLE_FIXED + TK_AUX_DATA_LEN))
        return TK_ERR_OVERFLOW;
    total = TK_REDEEM_SELECTOR_LEN + 6 * 32 + count * (3 * 32 + TK_ABI_SIG_LEN);
    for (size_t i = 0; i < count; i++) {
        size_t tl = 0;
        tk_status st = tk__abi_tuple_len(&tl, &tickets[i]);
        if (st != TK_OK)
            return st;
        total += tl;
    }
    *outlen = total;
    return TK_OK;
}

tk_status tk_redeem_batch_len(size_t *outlen, const tk_ticket *tickets,
                              size_t count)
{
    TK_ARG_CHECK_NOCTX(outlen != NULL);
    *outlen = 0;
    TK_ARG_CHECK_NOCTX(tickets != NULL || count == 0);
    return batch_len(outlen, tickets, count);
}

tk_status tk_redeem_encode_batch(uint8_t *out, size_t *outlen,
                                 const tk_ticket *tickets, const tk_sig *sigs,
                                 const tk_u256 *rands, size_t count)
{
    size_t cap = 0, need = 0, pos, off;
    uint8_t *a;
    tk_status st = tk__out_take(out, outlen, &cap);

    if (st != TK_OK)
        return st;
    TK_ARG_CHECK_NOCTX(count == 0 ||
                       (tickets != NULL && sigs != NULL && rands != NULL));
    if ((st = batch_len(&need, tickets, count)) != TK_OK ||
        (st = tk__out_room(cap, need, outlen)) != TK_OK)
        return st;
    tk__abi_put_selector(out, TK_REDEEM_BATCH_SELECTOR);
    a = out + TK_REDEEM_SELECTOR_LEN;

    /* Ticket[]: length, offsets, tuples. */
    pos = 96;
    tk__abi_put_u64(a, pos);
    tk__abi_put_u64(a + pos, count);
    pos += 32;
    off = 32 * count;
    for (size_t i = 0; i < count; i++) {
        tk__abi_put_u64(a + pos + 32 * i, off);
        off += put_tuple(a + pos + off, &tickets[i]);
    }
    pos += off;

    /* bytes[]: length, offsets, 65-byte sigs padded to 96. */
    tk__abi_put_u64(a + 32, pos);
    tk__abi_put_u64(a + pos, count);
    pos += 32;
    for (size_t i = 0; i < count; i++) {
        tk__abi_put_u64(a + pos + 32 * i, 32 * count + TK_ABI_SIG_LEN * i);
        put_sig(a + pos + 32 * count + TK_ABI_SIG_LEN * i, &sigs[i]);
    }
    pos += count * (32 + TK_ABI_SIG_LEN);

    /* uint256[]: length, words. */
    tk__abi_put_u64(a + 64, pos);
    tk__abi_put_u64(a + pos, count);
    pos += 32;
    for (size_t i = 0; i < count; i++)
        memcpy(a + pos + 32 * i, rands[i].bytes, 32);
    *outlen = need;
    return TK_OK;
}

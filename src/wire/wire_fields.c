/* SPDX-License-Identifier: MIT */
/* Field-level copies between protobuf-c's generated messages and the
 * wire-level structs of ticket/wire.h, with the length rules of
 * docs/protocol-notes.md section 9. */
#include "wire_internal.h"

#include <string.h>

tk_status tk__wire_take_bytes(uint8_t *dst, size_t *dst_len,
                              const ProtobufCBinaryData *src, size_t exact,
                              size_t max)
{
    size_t n = src->len;
    if (n != 0 && ((exact != 0 && n != exact) || (exact == 0 && n > max)))
        return TK_ERR_MALFORMED;
    if (n != 0)
        memcpy(dst, src->data, n);
    *dst_len = n;
    return TK_OK;
}

tk_status tk__wire_take_expiration(tk_wire_expiration_params *out,
                                   const Tk__Wire__TicketExpirationParams *m)
{
    memset(out, 0, sizeof *out);
    if (m == NULL)
        return TK_OK;
    out->present = 1;
    out->creation_round = m->creation_round;
    return tk__wire_take_bytes(out->creation_round_block_hash,
                               &out->creation_round_block_hash_len,
                               &m->creation_round_block_hash, TK_HASH_LEN, 0);
}

tk_status tk__wire_take_ticket_params(tk_wire_ticket_params *out,
                                      const Tk__Wire__TicketParams *m)
{
    tk_status st;
    memset(out, 0, sizeof *out);
    if (m == NULL)
        return TK_OK;
    out->present = 1;
    if ((st = tk__wire_take_bytes(out->recipient, &out->recipient_len,
                                  &m->recipient, TK_ADDRESS_LEN, 0)) != TK_OK ||
        (st = tk__wire_take_bytes(out->face_value, &out->face_value_len,
                                  &m->face_value, 0, TK_U256_LEN)) != TK_OK ||
        (st = tk__wire_take_bytes(out->win_prob, &out->win_prob_len,
                                  &m->win_prob, 0, TK_U256_LEN)) != TK_OK ||
        (st = tk__wire_take_bytes(out->recipient_rand_hash,
                                  &out->recipient_rand_hash_len,
                                  &m->recipient_rand_hash, TK_HASH_LEN,
                                  0)) != TK_OK ||
        (st = tk__wire_take_bytes(out->seed, &out->seed_len, &m->seed, 0,
                                  TK_U256_LEN)) != TK_OK ||
        (st = tk__wire_take_bytes(out->expiration_block,
                                  &out->expiration_block_len,
                                  &m->expiration_block, 0,
                                  TK_U256_LEN)) != TK_OK ||
        (st = tk__wire_take_expiration(&out->expiration_params,
                                       m->expiration_params)) != TK_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    return TK_OK;
}

void tk__wire_take_price(tk_wire_price_info *out, const Tk__Wire__PriceInfo *m)
{
    memset(out, 0, sizeof *out);
    if (m == NULL)
        return;
    out->present = 1;
    out->price_per_unit = m->priceperunit;
    out->pixels_per_unit = m->pixelsperunit;
}

/* protobuf-c's packer only reads through these pointers. */
static ProtobufCBinaryData bin(const uint8_t *p, size_t len)
{
    ProtobufCBinaryData b;
    b.len = len;
    b.data = (uint8_t *)(uintptr_t)p;
    return b;
}

tk_status tk__wire_put_expiration(Tk__Wire__TicketExpirationParams *m,
                                  const tk_wire_expiration_params *in)
{
    tk__wire__ticket_expiration_params__init(m);
    if (in->creation_round_block_hash_len > TK_HASH_LEN)
        return TK_ERR_INVALID_LENGTH;
    m->creation_round = in->creation_round;
    m->creation_round_block_hash = bin(in->creation_round_block_hash,
                                       in->creation_round_block_hash_len);
    return TK_OK;
}

tk_status tk__wire_put_ticket_params(Tk__Wire__TicketParams *m,
                                     Tk__Wire__TicketExpirationParams *exp,
                                     const tk_wire_ticket_params *in)
{
    tk__wire__ticket_params__init(m);
    if (in->recipient_len > TK_ADDRESS_LEN || in->face_value_len > TK_U256_LEN ||
        in->win_prob_len > TK_U256_LEN ||
        in->recipient_rand_hash_len > TK_HASH_LEN ||
        in->seed_len > TK_U256_LEN || in->expiration_block_len > TK_U256_LEN)
        return TK_ERR_INVALID_LENGTH;
    m->recipient = bin(in->recipient, in->recipient_len);
    m->face_value = bin(in->face_value, in->face_value_len);
    m->win_prob = bin(in->win_prob, in->win_prob_len);
    m->recipient_rand_hash = bin(in->recipient_rand_hash,
                                 in->recipient_rand_hash_len);
    m->seed = bin(in->seed, in->seed_len);
    m->expiration_block = bin(in->expiration_block, in->expiration_block_len);
    if (in->expiration_params.present) {
        tk_status st = tk__wire_put_expiration(exp, &in->expiration_params);
        if (st != TK_OK)
            return st;
        m->expiration_params = exp;
    }
    return TK_OK;
}

void tk__wire_put_price(Tk__Wire__PriceInfo *m, const tk_wire_price_info *in)
{
    tk__wire__price_info__init(m);
    m->priceperunit = in->price_per_unit;
    m->pixelsperunit = in->pixels_per_unit;
}

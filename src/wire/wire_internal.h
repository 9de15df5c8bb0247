/* SPDX-License-Identifier: MIT */
#ifndef TK_WIRE_INTERNAL_H
#define TK_WIRE_INTERNAL_H

/* Internal to the wire layer: the bounded protobuf-c allocator and the
 * conversions shared by the Payment and OrchestratorInfo codecs. */

#include "ticket/wire.h"

#include <protobuf-c/protobuf-c.h>

#include "libticket_receipt.pb-c.h"
#include "livepeer.pb-c.h"

/* A protobuf-c allocator that refuses to hand out more than `budget` bytes
 * in total, so that decoding untrusted bytes allocates at most a constant
 * times their length. */
typedef struct tk__wire_alloc {
    ProtobufCAllocator pb; /* pass &a.pb to the unpack functions */
    size_t budget;         /* bytes still available */
} tk__wire_alloc;

/* Unpack untrusted bytes as a message of type d through a bounded
 * allocator set up in *a (free the result with
 * protobuf_c_message_free_unpacked(m, &a->pb)). NULL when the bytes are
 * malformed, longer than TK_WIRE_MAX_MESSAGE_LEN, or would need more
 * memory than the budget. */
ProtobufCMessage *tk__wire_unpack(tk__wire_alloc *a,
                                  const ProtobufCMessageDescriptor *d,
                                  const uint8_t *buf, size_t len);

/* Copy a protobuf-c bytes field into dst: its length must be 0 or exactly
 * `exact` (exact > 0), or at most `max` when exact == 0. TK_ERR_MALFORMED
 * otherwise. */
tk_status tk__wire_take_bytes(uint8_t *dst, size_t *dst_len,
                              const ProtobufCBinaryData *src, size_t exact,
                              size_t max);

/* Generated message -> wire-level struct (lengths checked). A NULL message
 * gives a zeroed struct with present = 0. */
tk_status tk__wire_take_expiration(tk_wire_expiration_params *out,
                                   const Tk__Wire__TicketExpirationParams *m);
tk_status tk__wire_take_ticket_params(tk_wire_ticket_params *out,
                                      const Tk__Wire__TicketParams *m);
void tk__wire_take_price(tk_wire_price_info *out, const Tk__Wire__PriceInfo *m);

/* Wire-level struct -> generated message for packing. The generated
 * messages point into `in`, which must outlive them. TK_ERR_INVALID_LENGTH
 * when a length exceeds its field's capacity. `exp` is the storage for
 * field 7 (used only when in->expiration_params.present). */
tk_status tk__wire_put_expiration(Tk__Wire__TicketExpirationParams *m,
                                  const tk_wire_expiration_params *in);
tk_status tk__wire_put_ticket_params(Tk__Wire__TicketParams *m,
                                     Tk__Wire__TicketExpirationParams *exp,
                                     const tk_wire_ticket_params *in);
void tk__wire_put_price(Tk__Wire__PriceInfo *m, const tk_wire_price_info *in);

/* Section 9 semantics: wire-level params (+ the expiration params to use,
 * already chosen, may be NULL for none, + the price) -> tk_ticket_params.
 * TK_ERR_MALFORMED / TK_ERR_INVALID_PRICE as tk_wire_payment_to_payment. */
tk_status tk__wire_params_from_wire(tk_ticket_params *out,
                                    const tk_wire_ticket_params *tp,
                                    const tk_wire_expiration_params *exp,
                                    const tk_wire_price_info *price);

/* tk_ticket_params -> wire-level TicketParams (integers minimal), its
 * expiration params and its price. TK_ERR_INVALID_PRICE (den 0),
 * TK_ERR_OUT_OF_RANGE (num or den >= 2^63), TK_ERR_ILLEGAL_ARG (round < 0). */
tk_status tk__wire_params_to_wire(tk_wire_ticket_params *tp,
                                  tk_wire_expiration_params *exp,
                                  tk_wire_price_info *price,
                                  const tk_ticket_params *in);

/* Pack a generated message into out with the *outlen size protocol. */
tk_status tk__wire_pack(uint8_t *out, size_t *outlen,
                        const ProtobufCMessage *m);

/* The base64 header form of a message, shared by the Livepeer-Payment and
 * Libticket-Receipt headers. `encode` has the size protocol of
 * tk_wire_payment_pack; tk__wire_header_encode has that of
 * tk_wire_encode_payment_header. `decode` gets the decoded bytes (and arg);
 * a bad base64 string or one longer than a maximal message is
 * TK_ERR_MALFORMED. */
typedef tk_status (*tk__wire_encode_fn)(uint8_t *out, size_t *outlen,
                                        const void *msg);
typedef tk_status (*tk__wire_decode_fn)(void *out, const uint8_t *buf,
                                        size_t len, const void *arg);
tk_status tk__wire_header_encode(char *out, size_t *outlen,
                                 tk__wire_encode_fn encode, const void *msg);
tk_status tk__wire_header_decode(void *out, const char *b64, size_t len,
                                 tk__wire_decode_fn decode, const void *arg);

#endif

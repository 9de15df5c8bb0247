/* SPDX-License-Identifier: MIT */
#ifndef TICKET_WIRE_H
#define TICKET_WIRE_H

/** The wire format go-livepeer uses for ticket payments (docs/protocol-notes.md
 *  section 9): the protobuf (proto3) messages Payment and TicketParams, and
 *  the standard, padded base64 of the Livepeer-Payment HTTP header.
 *
 *  Two levels, named apart:
 *  - tk_wire_payment mirrors the Payment message field by field (raw byte
 *    strings, which optional sub-messages are present, both locations of
 *    the expiration params). tk_wire_payment_unpack / _pack turn bytes
 *    into that mirror and back, so that unpack(pack(m)) and
 *    pack(unpack(b)) reproduce canonical bytes exactly;
 *  - tk_wire_payment_to_payment / _from_payment convert it to and from the
 *    library's tk_payment, checking every rule of section 9.
 *  tk_wire_decode_payment / tk_wire_encode_payment (and the _header forms)
 *  chain both levels: bytes <-> tk_payment in one call.
 *
 *  Everything decoded here is untrusted: truncated messages, wrong wire
 *  types, byte strings of the wrong length (addresses 20 bytes, hashes 32,
 *  signatures 65, integers at most 32) and garbage give TK_ERR_MALFORMED
 *  with every output zeroed, never a crash or a partial result. Allocation
 *  is bounded by a constant times the input length, and inputs longer than
 *  TK_WIRE_MAX_MESSAGE_LEN are refused.
 *
 *  Decoding follows protobuf's rules where they are lenient: unknown fields
 *  are skipped, a repeated singular field keeps its last value (messages
 *  are merged), and a uint32 varint keeps its low 32 bits, as go-livepeer's
 *  decoder does. Such inputs decode to the message a canonical encoding
 *  would give.
 *
 *  All functions are thread-safe (no shared state); none takes a context,
 *  so argument errors return TK_ERR_ILLEGAL_ARG without a callback. */

#include "ticket/common.h"
#include "ticket/payment.h"
#include "ticket/receipt.h"
#include "ticket/ticket.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest message the decoders accept (about 14,000 tickets). */
#define TK_WIRE_MAX_MESSAGE_LEN (1u << 20)

/** Characters of the base64 of n bytes, without the NUL. */
#define TK_BASE64_ENCODED_LEN(n) ((((size_t)(n) + 2u) / 3u) * 4u)

/** The name of the HTTP header that carries a base64 Payment. */
#define TK_WIRE_PAYMENT_HEADER "Livepeer-Payment"

/* ---- The wire-level messages ----------------------------------------
 * Every bytes field is held with its length; proto3 does not distinguish
 * an absent bytes field from an empty one, so length 0 means both. The
 * decoder accepts for each field either length 0 or its one valid length
 * (integers: 0..32); the conversion to tk_payment then requires the fields
 * a payment needs to be present. */

/** TicketExpirationParams { int64 creation_round = 1;
 *  bytes creation_round_block_hash = 2; } */
typedef struct tk_wire_expiration_params {
    int present;                  /* the sub-message is on the wire */
    int64_t creation_round;       /* may be negative on the wire */
    uint8_t creation_round_block_hash[TK_HASH_LEN];
    size_t creation_round_block_hash_len; /* 0 or 32 */
} tk_wire_expiration_params;

/** TicketParams, fields 1-7. */
typedef struct tk_wire_ticket_params {
    int present;
    uint8_t recipient[TK_ADDRESS_LEN];
    size_t recipient_len;                 /* 0 or 20 */
    uint8_t face_value[TK_U256_LEN];      /* big-endian, normally minimal */
    size_t face_value_len;                /* 0..32 */
    uint8_t win_prob[TK_U256_LEN];
    size_t win_prob_len;                  /* 0..32 */
    uint8_t recipient_rand_hash[TK_HASH_LEN];
    size_t recipient_rand_hash_len;       /* 0 or 32 */
    uint8_t seed[TK_U256_LEN];
    size_t seed_len;                      /* 0..32 */
    uint8_t expiration_block[TK_U256_LEN];
    size_t expiration_block_len;          /* 0..32 */
    tk_wire_expiration_params expiration_params; /* field 7 */
} tk_wire_ticket_params;

/** TicketSenderParams { uint32 sender_nonce = 1; bytes sig = 2; } */
typedef struct tk_wire_sender_params {
    uint32_t sender_nonce;
    uint8_t sig[TK_SIG_LEN];
    size_t sig_len;                       /* 0 or 65: a signature of any
                                           * other length is kept as empty
                                           * (a per-ticket fault, not a
                                           * malformed message) */
} tk_wire_sender_params;

/** PriceInfo { int64 pricePerUnit = 1; int64 pixelsPerUnit = 2; } */
typedef struct tk_wire_price_info {
    int present;
    int64_t price_per_unit;
    int64_t pixels_per_unit;
} tk_wire_price_info;

/** Payment, fields 1-5. Owns its tickets array (tk_wire_payment_clear). */
typedef struct tk_wire_payment {
    tk_wire_ticket_params ticket_params;          /* field 1 */
    uint8_t sender[TK_ADDRESS_LEN];               /* field 2 */
    size_t sender_len;                            /* 0 or 20 */
    tk_wire_expiration_params expiration_params;  /* field 3 */
    size_t count;                                 /* field 4 */
    tk_wire_sender_params *tickets;               /* count entries, owned */
    tk_wire_price_info expected_price;            /* field 5 */
} tk_wire_payment;

/** Free the tickets and zero *p. NULL is a no-op. */
TK_API void tk_wire_payment_clear(tk_wire_payment *p);

/** Unpack a Payment message into its wire-level mirror (no section 9
 *  checks: see tk_wire_payment_to_payment, or tk_wire_decode_payment for
 *  both steps).
 *  Returns: TK_OK; TK_ERR_MALFORMED (truncated, wrong wire type, a field
 *           of a wrong length, longer than TK_WIRE_MAX_MESSAGE_LEN,
 *           garbage); TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (out NULL, or buf
 *           NULL with len > 0).
 *  Out:     out: the message (owns its tickets); zeroed on failure.
 *  In:      buf, len: the message bytes (len 0 is the empty message). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_payment_unpack(
    tk_wire_payment *out, const uint8_t *buf, size_t len) TK_ARG_NONNULL(1);

/** Pack a wire-level Payment into bytes (proto3 canonical form: fields in number
 *  order, default scalars omitted, present sub-messages written even when
 *  empty).
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL (*outlen = size needed);
 *           TK_ERR_INVALID_LENGTH (a field longer than its maximum, or
 *           count > 0 with tickets NULL); TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG.
 *  Out:     out: the bytes (may be NULL to ask for the size).
 *  In/Out:  outlen: in, the capacity of out; out, the bytes written (or
 *           needed). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_payment_pack(uint8_t *out,
    size_t *outlen, const tk_wire_payment *p)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Convert a decoded Payment to a tk_payment, applying section 9:
 *  sender must be 20 bytes. Without ticket_params the payment has no
 *  tickets (any ticket is then TK_ERR_MALFORMED) and price zero (0/1).
 *  With ticket_params: recipient 20 bytes, recipient_rand_hash 32, each
 *  ticket's sig 65; the price is expected_price pricePerUnit /
 *  pixelsPerUnit, reduced; the expiration params come from Payment field 3,
 *  else from TicketParams field 7, else round 0 with a zero hash (an empty
 *  block hash also reads as zero).
 *  Returns: TK_OK; TK_ERR_MALFORMED (a missing or wrong-length field, a
 *           negative price field or creation round, tickets without
 *           params); TK_ERR_INVALID_PRICE (ticket_params without
 *           expected_price, or pixelsPerUnit 0); TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG.
 *  Out:     out: owns its tickets (tk_payment_clear); zeroed on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_payment_to_payment(
    tk_payment *out, const tk_wire_payment *in)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The wire form of a tk_payment, as go-livepeer's broadcaster builds it:
 *  ticket_params (fields 1-6, integers minimal, no field 7), sender, the
 *  expiration params in Payment field 3 (block hash always 32 bytes), one
 *  TicketSenderParams per ticket and expected_price = the price as given.
 *  Returns: TK_OK; TK_ERR_INVALID_PRICE (price den 0); TK_ERR_OUT_OF_RANGE
 *           (price num or den >= 2^63: PriceInfo holds int64);
 *           TK_ERR_ILLEGAL_ARG (NULL, negative creation round, count > 0
 *           with tickets NULL); TK_ERR_NOMEM.
 *  Out:     out: owns its tickets (tk_wire_payment_clear); zeroed on
 *           failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_payment_from_payment(
    tk_wire_payment *out, const tk_payment *in)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/* ---- tk_payment <-> bytes and header ----------------------------------*/

/** Decode Payment bytes straight to a tk_payment (tk_wire_payment_unpack,
 *  then tk_wire_payment_to_payment). Returns the statuses of both. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_decode_payment(
    tk_payment *out, const uint8_t *buf, size_t len) TK_ARG_NONNULL(1);

/** Encode a tk_payment (tk_wire_payment_from_payment, then pack), with
 *  the size protocol of tk_wire_payment_pack. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_encode_payment(uint8_t *out,
    size_t *outlen, const tk_payment *p) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Decode the value of a Livepeer-Payment header (strict base64, then
 *  tk_wire_decode_payment). A bad base64 string is TK_ERR_MALFORMED. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_decode_payment_header(
    tk_payment *out, const char *b64, size_t len) TK_ARG_NONNULL(1);

/** Encode a tk_payment as a Livepeer-Payment header value, NUL-terminated.
 *  Returns: as tk_wire_encode_payment; TK_ERR_BUFFER_TOO_SMALL with
 *           *outlen = the characters needed including the NUL.
 *  In/Out:  outlen: in, the capacity of out; out, the string length
 *           without the NUL (or the capacity needed). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_encode_payment_header(
    char *out, size_t *outlen, const tk_payment *p)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/* ---- Ticket params as a recipient advertises them ---------------------
 * go-livepeer sends params in its OrchestratorInfo message: ticket_params
 * (field 2, with the expiration params in TicketParams field 7) and
 * price_info (field 3). These two functions encode and decode that subset;
 * the other OrchestratorInfo fields are skipped when decoding. */

/** Encode params as OrchestratorInfo { ticket_params, price_info }.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL (*outlen = size needed);
 *           TK_ERR_INVALID_PRICE (den 0); TK_ERR_OUT_OF_RANGE (price num
 *           or den >= 2^63); TK_ERR_ILLEGAL_ARG (NULL, negative round). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_encode_params(uint8_t *out,
    size_t *outlen, const tk_ticket_params *params)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Decode OrchestratorInfo { ticket_params, price_info } to params (price
 *  reduced). ticket_params and price_info must be present, with the same
 *  rules as tk_wire_payment_to_payment.
 *  Returns: TK_OK; TK_ERR_MALFORMED; TK_ERR_INVALID_PRICE; TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG. out is zeroed on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_decode_params(
    tk_ticket_params *out, const uint8_t *buf, size_t len) TK_ARG_NONNULL(1);

/* ---- Payment receipts (docs/receipts.md R1; libticket's own message) ------
 * LibticketReceipt { repeated uint32 tickets = 1; repeated uint32
 * winners = 2; bytes credited_wei = 3; bytes block_number = 4; bytes
 * sig = 5; } (src/wire/libticket_receipt.proto), sent back base64 in the
 * Libticket-Receipt response header. Not part of go-livepeer's schema: a
 * sender that gets no such header works as before. Tickets travel as
 * their nonces within the payment the response answers; the receiving
 * sender maps them back to the hashes the recipient signed.
 *
 * We are the only producer, so decoding is strict: unknown fields, a
 * signature that is not 65 bytes, an integer longer than 32 bytes or not
 * minimal (a leading zero byte) are TK_ERR_MALFORMED. */

/** The name of the HTTP response header that carries a base64 receipt. */
#define TK_WIRE_RECEIPT_HEADER "Libticket-Receipt"

/** Pack a signed receipt: its ticket and winner nonces, creditedWei and
 *  blockNumber (minimal big-endian) and signature. The hashes are not
 *  sent (the sender recomputes them).
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL (*outlen = size needed);
 *           TK_ERR_INVALID_LENGTH (more winners than tickets);
 *           TK_ERR_ILLEGAL_ARG (NULL, or a nonce array NULL with a
 *           nonzero count).
 *  In/Out:  outlen: as tk_wire_payment_pack. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_receipt_pack(uint8_t *out,
    size_t *outlen, const tk_signed_receipt *r)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Unpack a LibticketReceipt sent in answer to the payment `sent`, and
 *  map it back to the receipt the recipient signed: sender, recipient and
 *  recipientRandHash from `sent`, each nonce to the hash of the ticket of
 *  `sent` with that nonce. The listed tickets must appear in `sent` in
 *  payment order and the winners must be a subsequence of them. The
 *  signature is NOT checked here: pass out->receipt and out->sig to
 *  tk_exposure_apply_receipt (or tk_receipt_verify).
 *  Returns: TK_OK; TK_ERR_MALFORMED (bad bytes, see above);
 *           TK_ERR_RECEIPT_UNKNOWN_TICKET (a nonce not in `sent`);
 *           TK_ERR_RECEIPT_MALFORMED (a ticket listed twice or out of
 *           payment order, winners not a subsequence of the tickets);
 *           TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL, buf NULL with len > 0).
 *  Out:     out: owns its storage (tk_signed_receipt_clear); zeroed on
 *           failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_receipt_unpack(
    tk_signed_receipt *out, const uint8_t *buf, size_t len,
    const tk_payment *sent) TK_ARG_NONNULL(1) TK_ARG_NONNULL(4);

/** tk_wire_receipt_pack as a Libticket-Receipt header value, with the size
 *  protocol of tk_wire_encode_payment_header. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_encode_receipt_header(
    char *out, size_t *outlen, const tk_signed_receipt *r)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Strict base64, then tk_wire_receipt_unpack. A bad base64 string is
 *  TK_ERR_MALFORMED. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_wire_decode_receipt_header(
    tk_signed_receipt *out, const char *b64, size_t len,
    const tk_payment *sent) TK_ARG_NONNULL(1) TK_ARG_NONNULL(4);

/* ---- Base64 (RFC 4648 section 4: standard alphabet, '=' padding) ------*/

/** Encode len bytes as base64 + NUL, with the size protocol of
 *  tk_wire_encode_payment_header: the capacity needed is
 *  TK_BASE64_ENCODED_LEN(len) + 1.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL (*outlen = the capacity needed,
 *           out[0] = NUL when out has room for it); TK_ERR_ILLEGAL_ARG
 *           (outlen NULL, or in NULL with len > 0).
 *  Out:     out: the string (may be NULL to ask for the size).
 *  In/Out:  outlen: in, the capacity of out; out, the string length
 *           without the NUL (or the capacity needed).
 *  In:      in, len: the bytes. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_base64_encode(char *out,
    size_t *outlen, const uint8_t *in, size_t len) TK_ARG_NONNULL(2);

/** Strict decode: length a multiple of 4, only the standard alphabet,
 *  '=' only as one or two final pad characters, unused bits zero (so each
 *  byte string has exactly one accepted encoding). No whitespace.
 *  Returns: TK_OK; TK_ERR_MALFORMED (not strict base64);
 *           TK_ERR_BUFFER_TOO_SMALL (*outlen = bytes needed);
 *           TK_ERR_ILLEGAL_ARG.
 *  In/Out:  outlen: in, the capacity of out; out, the bytes written. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_base64_decode(uint8_t *out,
    size_t *outlen, const char *in, size_t inlen) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_WIRE_H */

/* SPDX-License-Identifier: MIT */
#ifndef TK_WIRE_TEST_UTIL_H
#define TK_WIRE_TEST_UTIL_H

/* Test-side protobuf helpers, written independently of src/wire: a
 * top-level field scanner and a JSON -> tk_wire_payment builder that
 * follows the README of payment_proto.json. */

#include "test_support.h"

#include "ticket/wire.h"

/* One top-level field of a protobuf message. */
typedef struct wt_field {
    uint32_t number;
    unsigned wire_type;
    size_t start;      /* offset of the tag */
    size_t end;        /* offset just past the field */
    size_t body;       /* offset of the payload (after the length prefix) */
    size_t body_len;   /* payload length for wire type 2 */
} wt_field;

/* Scan the top-level fields of buf (varint and length-delimited only, as
 * our messages use). Returns the number of fields, or -1 if buf is not a
 * sequence of whole fields. */
int wt_scan(const uint8_t *buf, size_t len, wt_field *fields, int max);

/* Build the wire-level Payment the vector's `payment` JSON describes. */
void wt_payment_from_json(tk_wire_payment *out, const json_t *payment);

/* Assert that a decoded wire payment equals the vector's `payment` JSON. */
void wt_assert_payment_json(const tk_wire_payment *w, const json_t *payment);

/* A byte string given as "0x.." into dst (capacity cap), length in *len. */
void wt_hex_field(uint8_t *dst, size_t cap, size_t *len, const char *hex);

/* Call fn for every case of payment_proto.json with its encoded bytes
 * (an exactly sized heap copy, so that ASan catches over-reads). */
typedef void (*wt_case_fn)(const json_t *c, const uint8_t *bytes, size_t len,
                           void *arg);
void wt_each_case(wt_case_fn fn, void *arg);

/* int64 from a decimal string. */
int64_t wt_dec64(const char *s);

#endif

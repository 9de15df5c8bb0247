/* SPDX-License-Identifier: MIT */
/* Fuzz the Livepeer-Payment header path (wire.h): strict base64 decoding
 * (tk_base64_decode) and tk_wire_decode_payment_header. Input: the header
 * value, any bytes.
 *
 * Invariants: base64 is strict, so an accepted string is exactly the
 * encoding of what it decodes to; a too-small buffer gets the exact size
 * needed; the header decoder agrees with base64 + tk_wire_decode_payment;
 * and encoding the input as bytes decodes back to it. */
#include "fuzz.h"
#include "fuzz_model.h"

#include "ticket/wire.h"

#include <string.h>

static void check_strict_decode(const char *text, size_t size)
{
    size_t cap = size / 4 * 3 + 1, n = cap, small;
    uint8_t *out = malloc(cap);
    char *back;
    tk_status st;

    FUZZ_CHECK(out != NULL);
    st = tk_base64_decode(out, &n, text, size);
    if (st != TK_OK) {
        FUZZ_CHECK(st == TK_ERR_MALFORMED);
        free(out);
        return;
    }
    FUZZ_CHECK(size % 4 == 0 && n <= size / 4 * 3);
    back = malloc(size + 1);
    FUZZ_CHECK(back != NULL);
    small = size + 1;
    FUZZ_CHECK(tk_base64_encode(back, &small, out, n) == TK_OK);
    FUZZ_CHECK(small == size);
    FUZZ_CHECK(strlen(back) == size && memcmp(back, text, size) == 0);
    free(back);
    if (n > 0) {
        small = n - 1;
        FUZZ_CHECK(tk_base64_decode(out, &small, text, size) ==
                   TK_ERR_BUFFER_TOO_SMALL);
        FUZZ_CHECK(small == n);
    }
    /* The header decoder: same verdict as base64 + payment decode. */
    {
        tk_payment a, b;
        tk_status sa = tk_wire_decode_payment_header(&a, text, size);
        tk_status sb = tk_wire_decode_payment(&b, out, n);
        FUZZ_CHECK(sa == sb);
        FUZZ_CHECK(sa != TK_OK || fuzz_payment_equal(&a, &b));
        tk_payment_clear(&a);
        tk_payment_clear(&b);
    }
    free(out);
}

static void check_encode(const uint8_t *data, size_t size)
{
    size_t cap = TK_BASE64_ENCODED_LEN(size) + 1, n = size + 1, len;
    char *text = malloc(cap);
    uint8_t *back = malloc(size + 1);

    FUZZ_CHECK(text != NULL && back != NULL);
    len = cap - 1;
    FUZZ_CHECK(tk_base64_encode(text, &len, data, size) ==
               TK_ERR_BUFFER_TOO_SMALL);
    FUZZ_CHECK(len == cap);
    FUZZ_CHECK(tk_base64_encode(text, &len, data, size) == TK_OK);
    FUZZ_CHECK(len == cap - 1 && strlen(text) == cap - 1);
    FUZZ_CHECK(tk_base64_decode(back, &n, text, cap - 1) == TK_OK);
    FUZZ_CHECK(n == size && memcmp(back, data, size) == 0);
    free(text);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_payment p;
    tk_status st = tk_wire_decode_payment_header(&p, (const char *)data, size);

    if (st != TK_OK)
        FUZZ_CHECK(fuzz_payment_is_empty(&p));
    tk_payment_clear(&p);
    check_strict_decode((const char *)data, size);
    check_encode(data, size);
    return 0;
}

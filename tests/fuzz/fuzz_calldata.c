/* SPDX-License-Identifier: MIT */
/* Fuzz the TicketBroker calldata decoders (redeem.h):
 * tk_redeem_decode_single and tk_redeem_decode_batch. Input: calldata
 * bytes, selector included.
 *
 * Invariants: the decoders are documented as strict (they accept exactly
 * what the encoders produce), so every accepted input re-encodes to the
 * same bytes; failures leave the outputs zeroed; a batch that does not fit
 * reports the count it needs, and decodes with that capacity. */
#include "fuzz.h"

#include "ticket/redeem.h"

#include <string.h>

#define SMALL_CAP 4

static void check_single(const uint8_t *data, size_t size)
{
    tk_ticket t;
    tk_sig sig;
    tk_u256 rand;
    uint8_t *buf;
    size_t len = 0;

    if (tk_redeem_decode_single(&t, &sig, &rand, data, size) != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&t, sizeof t));
        FUZZ_CHECK(fuzz_all_zero(&sig, sizeof sig));
        FUZZ_CHECK(fuzz_all_zero(&rand, sizeof rand));
        return;
    }
    FUZZ_CHECK(tk_redeem_single_len(&len, &t) == TK_OK && len == size);
    buf = malloc(len);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(tk_redeem_encode_single(buf, &len, &t, &sig, &rand) == TK_OK);
    FUZZ_CHECK(len == size && memcmp(buf, data, size) == 0);
    free(buf);
}

/* Decode with capacity cap; on success re-encode and compare. Returns the
 * status, *need the count reported. */
static tk_status batch_with_cap(const uint8_t *data, size_t size, size_t cap,
                                size_t *need)
{
    tk_ticket *t = cap ? calloc(cap, sizeof *t) : NULL;
    tk_sig *s = cap ? calloc(cap, sizeof *s) : NULL;
    tk_u256 *r = cap ? calloc(cap, sizeof *r) : NULL;
    size_t count = cap, len = 0;
    tk_status st;

    FUZZ_CHECK(cap == 0 || (t != NULL && s != NULL && r != NULL));
    st = tk_redeem_decode_batch(t, s, r, &count, data, size);
    *need = count;
    if (st == TK_OK) {
        uint8_t *buf;
        FUZZ_CHECK(count <= cap);
        FUZZ_CHECK(tk_redeem_batch_len(&len, t, count) == TK_OK);
        FUZZ_CHECK(len == size);
        buf = malloc(len);
        FUZZ_CHECK(buf != NULL);
        FUZZ_CHECK(tk_redeem_encode_batch(buf, &len, t, s, r, count) == TK_OK);
        FUZZ_CHECK(len == size && memcmp(buf, data, size) == 0);
        free(buf);
    } else if (cap > 0) {
        FUZZ_CHECK(fuzz_all_zero(t, cap * sizeof *t));
        FUZZ_CHECK(fuzz_all_zero(s, cap * sizeof *s));
        FUZZ_CHECK(fuzz_all_zero(r, cap * sizeof *r));
    }
    free(t);
    free(s);
    free(r);
    return st;
}

static void check_batch(const uint8_t *data, size_t size)
{
    size_t need = 0, need2 = 0;
    tk_status st = batch_with_cap(data, size, SMALL_CAP, &need);

    if (st != TK_ERR_BUFFER_TOO_SMALL)
        return;
    /* Each ticket takes at least 480 bytes of calldata. */
    FUZZ_CHECK(need > SMALL_CAP && need <= size / 480);
    FUZZ_CHECK(batch_with_cap(data, size, need, &need2) == TK_OK);
    FUZZ_CHECK(need2 == need);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_single(data, size);
    check_batch(data, size);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Fuzz the decoder of advertised ticket params (wire.h,
 * tk_wire_decode_params): go-livepeer's OrchestratorInfo { ticket_params =
 * 2; price_info = 3; } with every other field skipped. Input: the message
 * bytes.
 *
 * Invariants: a failure leaves the params zeroed; accepted params have a
 * reduced price with a non-zero denominator and a non-negative creation
 * round, and survive encode -> decode unchanged. */
#include "fuzz.h"
#include "fuzz_model.h"

#include "ticket/u256.h"
#include "ticket/wire.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tk_ticket_params zero;
    tk_ticket_params p, q;
    tk_price reduced;
    uint8_t *buf;
    size_t len = 0;
    tk_status st;

    if (tk_wire_decode_params(&p, data, size) != TK_OK) {
        FUZZ_CHECK(fuzz_params_equal(&p, &zero));
        return 0;
    }
    FUZZ_CHECK(p.creation_round >= 0);
    FUZZ_CHECK(!tk_u256_is_zero(&p.price.den));
    FUZZ_CHECK(tk_price_reduce(&reduced, &p.price) == TK_OK);
    FUZZ_CHECK(memcmp(&reduced, &p.price, sizeof reduced) == 0);

    st = tk_wire_encode_params(NULL, &len, &p);
    FUZZ_CHECK(st == TK_ERR_BUFFER_TOO_SMALL);
    buf = malloc(len);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(tk_wire_encode_params(buf, &len, &p) == TK_OK);
    FUZZ_CHECK(tk_wire_decode_params(&q, buf, len) == TK_OK);
    FUZZ_CHECK(fuzz_params_equal(&p, &q));
    free(buf);
    return 0;
}

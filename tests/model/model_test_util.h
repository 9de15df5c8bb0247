/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_MODEL_UTIL_H
#define TK_TEST_MODEL_UTIL_H

/* Reading tickets from the vector JSON (fields as in ticket_hash.json),
 * with the test-support parsers only (independent of the code under
 * test). */

#include "test_support.h"

#include "ticket/ticket.h"

#include <stdlib.h>
#include <string.h>

static inline void u256_field(tk_u256 *out, const json_t *c, const char *key)
{
    tk_test_dec256(out->bytes, tk_test_str(c, key));
}

static inline int64_t round_field(const json_t *c, const char *key)
{
    uint64_t v = tk_test_uint(c, key);
    assert_true(v <= (uint64_t)INT64_MAX);
    return (int64_t)v;
}

static inline void ticket_from_json(tk_ticket *t, const json_t *c)
{
    uint64_t nonce = tk_test_uint(c, "sender_nonce");

    memset(t, 0, sizeof *t);
    tk_test_hex(t->recipient.bytes, 20, tk_test_str(c, "recipient"));
    tk_test_hex(t->sender.bytes, 20, tk_test_str(c, "sender"));
    u256_field(&t->face_value, c, "face_value");
    u256_field(&t->win_prob, c, "win_prob");
    assert_true(nonce <= UINT32_MAX);
    t->sender_nonce = (uint32_t)nonce;
    tk_test_hex(t->recipient_rand_hash.bytes, 32,
                tk_test_str(c, "recipient_rand_hash"));
    t->creation_round = round_field(c, "creation_round");
    tk_test_hex(t->creation_round_block_hash.bytes, 32,
                tk_test_str(c, "creation_round_block_hash"));
}

/* Compare out (len bytes) with the hex field key of c. */
static inline void assert_hex_field(const json_t *c, const char *key,
                                    const uint8_t *got, size_t len)
{
    size_t n;
    uint8_t *want = tk_test_hex_alloc(tk_test_str(c, key), &n);
    assert_int_equal(n, len);
    assert_memory_equal(got, want, len);
    free(want);
}

#endif

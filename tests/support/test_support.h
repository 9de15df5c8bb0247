/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_SUPPORT_H
#define TK_TEST_SUPPORT_H

/* Shared helpers for the cmocka tests: loading tests/vectors (jansson),
 * an independent hex decoder for test data, a seeded PRNG whose seed is
 * printed, and the illegal-callback counter. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "ticket/common.h"
#include "ticket/context.h"

/* Load $TK_VECTORS_DIR/<file> and return its "cases" array (borrowed from
 * the returned root, which the caller json_decref()s). Fails the test when
 * the file is missing or malformed. */
json_t *tk_test_load(const char *file, json_t **cases);

/* Field accessors that fail the test when the field is missing or wrong. */
const char *tk_test_str(const json_t *obj, const char *key);
uint64_t tk_test_uint(const json_t *obj, const char *key);

/* Decode "0x..." hex into out; asserts the decoded length is exactly len. */
void tk_test_hex(uint8_t *out, size_t len, const char *hex);
/* Decode "0x..." hex of any length into a malloc'd buffer. */
uint8_t *tk_test_hex_alloc(const char *hex, size_t *len);
/* Parse a decimal string < 2^256 into 32 big-endian bytes. */
void tk_test_dec256(uint8_t out32[32], const char *dec);
/* Lowercase "0x" hex of bytes into a static-per-call malloc'd string. */
char *tk_test_hexstr(const uint8_t *in, size_t len);

/* Seeded PRNG (xoshiro256**). tk_test_seed() reads TK_TEST_SEED or takes
 * the clock, prints "random seed = N" once, and seeds the generator. */
uint64_t tk_test_seed(void);
uint64_t tk_test_rand64(void);
void tk_test_rand_bytes(uint8_t *out, size_t len);
/* TK_TEST_ITERS or the default. */
unsigned long tk_test_iters(unsigned long dflt);

/* A fresh directory $TMPDIR/<tag>_XXXXXX (default /tmp) written to dir;
 * 0 on success, -1 on failure (cmocka setup convention). */
int tk_test_tmpdir_make(char *dir, size_t dir_size, const char *tag);
/* rm -rf of a directory made by tk_test_tmpdir_make; 0 or -1. */
int tk_test_tmpdir_remove(const char *dir);

/* cmocka group/test fixtures: *state becomes a fresh tk_ctx (destroyed by
 * the teardown). Use as cmocka_run_group_tests(t, tk_test_ctx_setup,
 * tk_test_ctx_teardown) and read the context with (tk_ctx *)*state. */
int tk_test_ctx_setup(void **state);
int tk_test_ctx_teardown(void **state);

/* Illegal-argument callback counter. */
void tk_test_count_illegal(const char *msg, void *data);
#define assert_illegal(ctx, expr)                                              \
    do {                                                                       \
        int n_illegal_ = 0;                                                    \
        assert_int_equal(tk_ctx_set_illegal_callback((ctx),                    \
                             tk_test_count_illegal, &n_illegal_), TK_OK);      \
        assert_int_equal((expr), TK_ERR_ILLEGAL_ARG);                          \
        assert_int_equal(n_illegal_, 1);                                       \
        assert_int_equal(tk_ctx_set_illegal_callback((ctx), NULL, NULL),       \
                         TK_OK);                                               \
    } while (0)

#endif

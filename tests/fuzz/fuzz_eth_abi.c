/* SPDX-License-Identifier: MIT */
/* Fuzz the ABI return-data and revert decoders (abi.h). Input: every
 * decoder runs on the whole input.
 *
 * Invariants: a failure zeroes the output; a bool is 0 or 1; an accepted
 * value has exactly the type's length; a decoded `bytes` value, encoded
 * again (offset 0x20, length, padding), gives back the input; a revert
 * reason is NUL-terminated, without control bytes, and truncated only when
 * longer than TK_ABI_REASON_MAX. Seeds: hand-* files (return words, the
 * Solidity documentation's Error(string) example, a Panic, dynamic
 * bytes). */
#include "fuzz.h"

#include "ticket/abi.h"

#include <string.h>

static void check_static(const uint8_t *data, size_t size)
{
    tk_u256 u;
    uint64_t v;
    int b;
    tk_address a;
    tk_hash h;
    tk_abi_sender_info si;

    if (tk_abi_decode_uint256(&u, data, size) == TK_OK)
        FUZZ_CHECK(size == 32 && memcmp(u.bytes, data, 32) == 0);
    else
        FUZZ_CHECK(size != 32 && fuzz_all_zero(&u, sizeof u));
    if (tk_abi_decode_u64(&v, data, size) != TK_OK)
        FUZZ_CHECK(v == 0);
    if (tk_abi_decode_bool(&b, data, size) == TK_OK)
        FUZZ_CHECK(size == 32 && (b == 0 || b == 1) && data[31] == b);
    else
        FUZZ_CHECK(b == 0);
    if (tk_abi_decode_address(&a, data, size) == TK_OK)
        FUZZ_CHECK(size == 32 && fuzz_all_zero(data, 12));
    else
        FUZZ_CHECK(fuzz_all_zero(&a, sizeof a));
    if (tk_abi_decode_bytes32(&h, data, size) != TK_OK)
        FUZZ_CHECK(fuzz_all_zero(&h, sizeof h));
    if (tk_abi_decode_sender_info(&si, data, size) == TK_OK)
        FUZZ_CHECK(size == 128);
    else
        FUZZ_CHECK(fuzz_all_zero(&si, sizeof si));
}

static void check_bytes(const uint8_t *data, size_t size)
{
    uint8_t *out = malloc(size + 1), *again;
    size_t len = size + 1, padded;

    FUZZ_CHECK(out != NULL);
    if (tk_abi_decode_bytes(out, &len, data, size) != TK_OK) {
        FUZZ_CHECK(len == 0); /* cap > size: never TOO_SMALL */
        free(out);
        return;
    }
    padded = (len + 31) / 32 * 32;
    FUZZ_CHECK(size == 64 + padded);
    again = calloc(1, size);
    FUZZ_CHECK(again != NULL);
    again[31] = 32;
    for (int i = 0; i < 8; i++)
        again[63 - i] = (uint8_t)((uint64_t)len >> (8 * i));
    memcpy(again + 64, out, len);
    FUZZ_CHECK(memcmp(again, data, size) == 0);
    free(again);
    free(out);
}

static void check_revert(const uint8_t *data, size_t size)
{
    tk_abi_revert r;
    size_t n;

    if (tk_abi_decode_revert(&r, data, size) != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&r, sizeof r));
        return;
    }
    n = strlen(r.reason);
    FUZZ_CHECK(n <= TK_ABI_REASON_MAX);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)r.reason[i] >= 0x20 && r.reason[i] != 0x7f);
    if (r.kind == TK_ABI_REVERT_ERROR) {
        FUZZ_CHECK(r.truncated == (r.reason_len > TK_ABI_REASON_MAX));
        FUZZ_CHECK(n == (r.truncated ? TK_ABI_REASON_MAX : r.reason_len));
    } else {
        FUZZ_CHECK(n == 0 && r.reason_len == 0);
    }
    FUZZ_CHECK((r.kind == TK_ABI_REVERT_NONE) == (size == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_static(data, size);
    check_bytes(data, size);
    check_revert(data, size);
    return 0;
}

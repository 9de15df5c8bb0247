/* SPDX-License-Identifier: MIT */
/* Fuzz the text parsers of u256.h and keys.h: tk_hex_decode,
 * tk_u256_from_hex, tk_u256_from_dec, tk_address_from_hex and
 * tk_u256_from_bytes, all fed the same bytes.
 *
 * Invariants: a failed parse leaves its output zeroed; an accepted value
 * prints back to the canonical form of the input (lowercase hex, no
 * leading zero digits, EIP-55 for addresses) and parses again to itself. */
#include "fuzz.h"

#include "ticket/keys.h"
#include "ticket/u256.h"

#include <string.h>

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static void check_hex_decode(const char *text, size_t len)
{
    uint8_t out[64];
    char back[2 * sizeof out + 3];
    size_t outlen = sizeof out, i;
    tk_status st = tk_hex_decode(out, &outlen, text, len);

    if (st == TK_ERR_BUFFER_TOO_SMALL) {
        FUZZ_CHECK(outlen == (len - 2) / 2 && outlen > sizeof out);
        FUZZ_CHECK(fuzz_all_zero(out, sizeof out));
        return;
    }
    if (st != TK_OK) {
        FUZZ_CHECK(outlen == 0 && fuzz_all_zero(out, sizeof out));
        return;
    }
    FUZZ_CHECK(len >= 2 && outlen == (len - 2) / 2);
    FUZZ_CHECK(tk_hex_encode(back, sizeof back, out, outlen) == TK_OK);
    FUZZ_CHECK(strlen(back) == len);
    for (i = 0; i < len; i++)
        FUZZ_CHECK(back[i] == lower(text[i]));
    /* Size query: capacity 0 with a NULL buffer. */
    outlen = 0;
    st = tk_hex_decode(NULL, &outlen, text, len);
    FUZZ_CHECK(len == 2 ? st == TK_OK : st == TK_ERR_BUFFER_TOO_SMALL);
    FUZZ_CHECK(outlen == (len - 2) / 2);
}

static void check_u256_hex(const char *text, size_t len)
{
    tk_u256 x, y;
    char back[TK_U256_HEX_MAX];
    const char *digits;
    size_t ndig, blen;

    if (tk_u256_from_hex(&x, text, len) != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&x, sizeof x));
        return;
    }
    /* Canonical digits of the input: after "0x", leading zeros stripped. */
    digits = text + 2;
    ndig = len - 2;
    while (ndig > 1 && digits[0] == '0') {
        digits++;
        ndig--;
    }
    FUZZ_CHECK(ndig <= 64);
    FUZZ_CHECK(tk_hex_encode(back, sizeof back, x.bytes, sizeof x.bytes) ==
               TK_OK);
    /* back is 64 digits; its tail must be the canonical input digits. */
    blen = strlen(back);
    FUZZ_CHECK(blen == 66);
    {
        size_t i;
        for (i = 0; i < ndig; i++)
            FUZZ_CHECK(back[blen - ndig + i] == lower(digits[i]));
        for (i = 2; i < blen - ndig; i++)
            FUZZ_CHECK(back[i] == '0');
    }
    FUZZ_CHECK(tk_u256_from_hex(&y, back, blen) == TK_OK);
    FUZZ_CHECK(memcmp(&x, &y, sizeof x) == 0);
}

static void check_u256_dec(const char *text, size_t len)
{
    tk_u256 x, y;
    char back[TK_U256_DEC_MAX];
    size_t skip = 0;

    if (tk_u256_from_dec(&x, text, len) != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&x, sizeof x));
        return;
    }
    FUZZ_CHECK(tk_u256_to_dec(back, sizeof back, &x) == TK_OK);
    while (skip + 1 < len && text[skip] == '0')
        skip++;
    FUZZ_CHECK(strlen(back) == len - skip);
    FUZZ_CHECK(memcmp(back, text + skip, len - skip) == 0);
    FUZZ_CHECK(tk_u256_from_dec(&y, back, strlen(back)) == TK_OK);
    FUZZ_CHECK(memcmp(&x, &y, sizeof x) == 0);
    /* A too-small buffer is refused, never overrun. */
    FUZZ_CHECK(tk_u256_to_dec(back, strlen(back), &x) ==
               TK_ERR_BUFFER_TOO_SMALL);
}

static void check_address(const char *text, size_t len)
{
    tk_address a, b;
    char lc[TK_ADDRESS_HEX_MAX], cs[TK_ADDRESS_HEX_MAX];
    size_t i;
    tk_status st = tk_address_from_hex(&a, text, len);

    if (st != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&a, sizeof a));
        return;
    }
    FUZZ_CHECK(len == 42);
    FUZZ_CHECK(tk_address_to_hex(lc, sizeof lc, &a, 0) == TK_OK);
    FUZZ_CHECK(tk_address_to_hex(cs, sizeof cs, &a, 1) == TK_OK);
    for (i = 0; i < len; i++)
        FUZZ_CHECK(lc[i] == lower(text[i]));
    /* The checksummed form always parses back to the same address. */
    FUZZ_CHECK(tk_address_from_hex(&b, cs, strlen(cs)) == TK_OK);
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    /* A mixed-case input was accepted only if it is the EIP-55 form. */
    {
        int upper = 0, low = 0;
        for (i = 2; i < len; i++) {
            upper |= text[i] >= 'A' && text[i] <= 'F';
            low |= text[i] >= 'a' && text[i] <= 'f';
        }
        if (upper && low)
            FUZZ_CHECK(memcmp(cs, text, len) == 0);
    }
}

static void check_from_bytes(const uint8_t *data, size_t size)
{
    tk_u256 x;
    const uint8_t *m;
    size_t mlen, lead = 0;

    while (lead < size && data[lead] == 0)
        lead++;
    if (tk_u256_from_bytes(&x, data, size) != TK_OK) {
        FUZZ_CHECK(size - lead > 32);
        FUZZ_CHECK(fuzz_all_zero(&x, sizeof x));
        return;
    }
    FUZZ_CHECK(size - lead <= 32);
    /* The minimal encoding is the input without its leading zeros. */
    FUZZ_CHECK(tk_u256_minimal(&m, &mlen, &x) == TK_OK);
    FUZZ_CHECK(mlen == size - lead);
    FUZZ_CHECK(mlen == 0 || memcmp(m, data + lead, mlen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    check_hex_decode(text, size);
    check_u256_hex(text, size);
    check_u256_dec(text, size);
    check_address(text, size);
    check_from_bytes(data, size);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Base64 for the Livepeer-Payment header: RFC 4648 test vectors, strict
 * rejection of everything that is not standard padded base64, and a
 * randomized round trip. */
/* The misuse tests pass NULL on purpose: build without the headers' nonnull
 * hints, as the library itself is (else UBSan and the optimizer act on them). */
#define TICKET_BUILD 1

#include "test_support.h"

#include "ticket/wire.h"

#include <string.h>

static void test_rfc4648_vectors(void **state)
{
    /* RFC 4648 section 10. */
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba",
                                  "foobar"};
    static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
                                "Zm9vYmE=", "Zm9vYmFy"};
    (void)state;
    for (size_t i = 0; i < 7; i++) {
        char out[16];
        uint8_t dec[16];
        size_t n = sizeof dec, len = strlen(plain[i]), outlen = sizeof out;
        assert_int_equal(tk_base64_encode(out, &outlen,
                                          (const uint8_t *)plain[i], len),
                         TK_OK);
        assert_string_equal(out, enc[i]);
        assert_int_equal(outlen, strlen(enc[i]));
        assert_int_equal(strlen(enc[i]), TK_BASE64_ENCODED_LEN(len));
        assert_int_equal(tk_base64_decode(dec, &n, enc[i], strlen(enc[i])),
                         TK_OK);
        assert_int_equal(n, len);
        assert_memory_equal(dec, plain[i], len);
    }
}

static void expect_bad(const char *s)
{
    uint8_t out[64];
    size_t n = sizeof out;
    memset(out, 0xaa, sizeof out);
    assert_int_equal(tk_base64_decode(out, &n, s, strlen(s)), TK_ERR_MALFORMED);
    assert_int_equal(n, 0);
    /* A size query does not hide the error either. */
    n = 0;
    assert_int_equal(tk_base64_decode(NULL, &n, s, strlen(s)),
                     TK_ERR_MALFORMED);
    /* ... nor does a payment header. */
    {
        tk_payment p;
        assert_int_equal(tk_wire_decode_payment_header(&p, s, strlen(s)),
                         TK_ERR_MALFORMED);
    }
}

static void test_strictness(void **state)
{
    (void)state;
    expect_bad("Zg");          /* unpadded */
    expect_bad("Zg=");         /* short padding */
    expect_bad("Zg===");       /* excess padding */
    expect_bad("Zm9vY");       /* length not a multiple of 4 */
    expect_bad("Zh==");        /* non-zero unused bits */
    expect_bad("Zm9=");        /* non-zero unused bits */
    expect_bad("Z===");        /* one character of data */
    expect_bad("====");
    expect_bad("Zg==Zg==");    /* padding in the middle */
    expect_bad("Zm=v");
    expect_bad("Zm9v-_8=");    /* URL-safe alphabet */
    expect_bad("Zm9v\nZm9v");  /* whitespace */
    expect_bad("Zm9 ");
    expect_bad("Zm9v\x80\x80\x80\x80"); /* non-ASCII */
    {
        const char nul[] = {'Z', 'm', '\0', 'v'};
        uint8_t out[8];
        size_t n = sizeof out;
        assert_int_equal(tk_base64_decode(out, &n, nul, 4), TK_ERR_MALFORMED);
    }
}

static void test_buffers(void **state)
{
    char out[9];
    uint8_t dec[6];
    size_t n;
    (void)state;
    /* "foobar" needs 8 characters and the NUL: a short buffer, or none,
     * reports the capacity needed and writes at most the NUL. */
    n = 8;
    memset(out, 'x', sizeof out);
    assert_int_equal(tk_base64_encode(out, &n, (const uint8_t *)"foobar", 6),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 9);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], 'x');
    n = 0;
    assert_int_equal(tk_base64_encode(NULL, &n, (const uint8_t *)"foobar", 6),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 9);
    assert_int_equal(tk_base64_encode(out, &n, (const uint8_t *)"foobar", 6),
                     TK_OK);
    assert_int_equal(n, 8);
    assert_string_equal(out, "Zm9vYmFy");
    n = 5;
    assert_int_equal(tk_base64_decode(dec, &n, "Zm9vYmFy", 8),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 6);
    n = 0;
    assert_int_equal(tk_base64_decode(NULL, &n, "", 0), TK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tk_base64_encode(out, NULL, dec, 1), TK_ERR_ILLEGAL_ARG);
    n = sizeof out;
    assert_int_equal(tk_base64_encode(out, &n, NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_base64_decode(dec, NULL, "Zg==", 4), TK_ERR_ILLEGAL_ARG);
    n = sizeof dec;
    assert_int_equal(tk_base64_decode(dec, &n, NULL, 4), TK_ERR_ILLEGAL_ARG);
}

static void test_round_trip_random(void **state)
{
    unsigned long iters = tk_test_iters(2000);
    (void)state;
    tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        uint8_t in[64], dec[64];
        char enc[TK_BASE64_ENCODED_LEN(64) + 1];
        size_t len = (size_t)(tk_test_rand64() % sizeof in), n = sizeof dec;
        tk_test_rand_bytes(in, len);
        size_t enclen = sizeof enc;
        assert_int_equal(tk_base64_encode(enc, &enclen, in, len), TK_OK);
        assert_int_equal(strlen(enc), TK_BASE64_ENCODED_LEN(len));
        assert_int_equal(enclen, strlen(enc));
        assert_int_equal(tk_base64_decode(dec, &n, enc, strlen(enc)), TK_OK);
        assert_int_equal(n, len);
        assert_memory_equal(dec, in, len);
        /* Flipping one character to another alphabet character changes
         * the bytes or is refused (unused bits); it never decodes to the
         * same bytes. */
        if (len > 0) {
            size_t pos = (size_t)(tk_test_rand64() % strlen(enc));
            if (enc[pos] != '=') {
                enc[pos] = enc[pos] == 'A' ? 'B' : 'A';
                n = sizeof dec;
                tk_status st = tk_base64_decode(dec, &n, enc, strlen(enc));
                assert_true(st == TK_ERR_MALFORMED ||
                            (st == TK_OK && memcmp(dec, in, len) != 0));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_strictness),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_round_trip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

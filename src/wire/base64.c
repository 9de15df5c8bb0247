/* SPDX-License-Identifier: MIT */
/* Base64 with the standard alphabet and '=' padding (RFC 4648 section 4),
 * decoded strictly: the Livepeer-Payment header value has exactly one
 * accepted spelling per byte string. Not constant time (public data). */
#include "ticket/wire.h"

#include "core/internal.h"

#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

tk_status tk_base64_encode(char *out, size_t *outlen, const uint8_t *in,
                           size_t len)
{
    size_t o = 0;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(in != NULL || len == 0);
    if (len > (SIZE_MAX - 1) / 4 * 3) {
        *outlen = 0;
        return TK_ERR_BUFFER_TOO_SMALL; /* no capacity can hold it */
    }
    if (out == NULL || *outlen < TK_BASE64_ENCODED_LEN(len) + 1) {
        if (out != NULL && *outlen > 0)
            out[0] = '\0';
        *outlen = TK_BASE64_ENCODED_LEN(len) + 1;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = len - i;
        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = left > 2 ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    *outlen = o;
    return TK_OK;
}

/* The 6-bit value of c, or -1. */
static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Validate in (whose length is a multiple of 4 with pad final '='
 * characters) and, when out is not NULL, write its bytes there.
 * Returns 0, or -1 when in is not strict base64. */
static int decode_into(uint8_t *out, const char *in, size_t inlen, size_t pad)
{
    size_t o = 0;
    for (size_t i = 0; i < inlen; i += 4) {
        size_t chars = (i + 4 == inlen) ? 4 - pad : 4;
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            int s = j < chars ? sextet(in[i + j]) : 0;
            if (s < 0)
                return -1;
            v = (v << 6) | (uint32_t)s;
        }
        /* Strict: the bits beyond the last whole byte must be zero. */
        if ((chars == 3 && (v & 0xff) != 0) ||
            (chars == 2 && (v & 0xffff) != 0))
            return -1;
        if (out != NULL) {
            out[o++] = (uint8_t)(v >> 16);
            if (chars > 2)
                out[o++] = (uint8_t)(v >> 8);
            if (chars > 3)
                out[o++] = (uint8_t)v;
        }
    }
    return 0;
}

tk_status tk_base64_decode(uint8_t *out, size_t *outlen, const char *in,
                           size_t inlen)
{
    size_t pad = 0, need;

    TK_ARG_CHECK_NOCTX(outlen != NULL);
    TK_ARG_CHECK_NOCTX(in != NULL || inlen == 0);
    if (inlen % 4 != 0) {
        *outlen = 0;
        return TK_ERR_MALFORMED;
    }
    if (inlen > 0 && in[inlen - 1] == '=')
        pad = (in[inlen - 2] == '=') ? 2 : 1;
    need = inlen / 4 * 3 - pad;
    if (*outlen < need || (out == NULL && need > 0)) {
        /* A malformed string is malformed whatever the buffer size. */
        if (decode_into(NULL, in, inlen, pad) != 0) {
            *outlen = 0;
            return TK_ERR_MALFORMED;
        }
        *outlen = need;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    if (decode_into(out, in, inlen, pad) != 0) {
        if (out != NULL)
            memset(out, 0, need);
        *outlen = 0;
        return TK_ERR_MALFORMED;
    }
    *outlen = need;
    return TK_OK;
}

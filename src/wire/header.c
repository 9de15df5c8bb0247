/* SPDX-License-Identifier: MIT */
/* A message as the base64 value of an HTTP header (Livepeer-Payment,
 * Libticket-Receipt). */
#include "wire_internal.h"

#include <stdlib.h>

tk_status tk__wire_header_decode(void *out, const char *b64, size_t len,
                                 tk__wire_decode_fn decode, const void *arg)
{
    uint8_t *bytes;
    size_t n;
    tk_status st;

    if (len > TK_BASE64_ENCODED_LEN(TK_WIRE_MAX_MESSAGE_LEN))
        return TK_ERR_MALFORMED;
    n = len / 4 * 3;
    bytes = malloc(n + 1); /* + 1: never malloc(0) */
    if (bytes == NULL)
        return TK_ERR_NOMEM;
    st = tk_base64_decode(bytes, &n, b64, len);
    if (st == TK_OK)
        st = decode(out, bytes, n, arg);
    free(bytes);
    return st;
}

tk_status tk__wire_header_encode(char *out, size_t *outlen,
                                 tk__wire_encode_fn encode, const void *msg)
{
    uint8_t *bytes = NULL;
    size_t n = 0, need;
    tk_status st;

    st = encode(NULL, &n, msg);
    if (st != TK_ERR_BUFFER_TOO_SMALL) {
        *outlen = 0;
        return st == TK_OK ? TK_ERR_INTERNAL : st;
    }
    need = TK_BASE64_ENCODED_LEN(n) + 1;
    if (out == NULL || *outlen < need) {
        *outlen = need;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    bytes = malloc(n + 1);
    if (bytes == NULL) {
        *outlen = 0;
        return TK_ERR_NOMEM;
    }
    st = encode(bytes, &n, msg);
    if (st == TK_OK) {
        size_t cap = *outlen;
        st = tk_base64_encode(out, &cap, bytes, n);
    }
    free(bytes);
    if (st != TK_OK) {
        out[0] = '\0';
        *outlen = 0;
        return st;
    }
    *outlen = need - 1;
    return TK_OK;
}

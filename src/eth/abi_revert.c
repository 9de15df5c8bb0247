/* SPDX-License-Identifier: MIT */
/* Revert data (abi.h): Error(string), Panic(uint256), custom errors. */
#include "eth/abi_internal.h"

#include "core/internal.h"

#include <string.h>

static void copy_reason(tk_abi_revert *out, const uint8_t *s, size_t n)
{
    size_t keep = n < TK_ABI_REASON_MAX ? n : TK_ABI_REASON_MAX;

    /* The reason ends up in logs: no control bytes (nor NUL) in it. */
    for (size_t i = 0; i < keep; i++)
        out->reason[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
    out->reason[keep] = '\0';
    out->reason_len = n;
    out->truncated = keep < n;
}

tk_status tk_abi_decode_revert(tk_abi_revert *out, const uint8_t *data,
                               size_t len)
{
    const uint8_t *args, *body = NULL;
    size_t alen, n = 0;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(data != NULL || len == 0);
    if (len == 0)
        return TK_OK; /* TK_ABI_REVERT_NONE */
    if (len < TK_ABI_SELECTOR_LEN)
        return TK_ERR_MALFORMED;
    out->selector = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                    (uint32_t)data[2] << 8 | data[3];
    args = data + TK_ABI_SELECTOR_LEN;
    alen = len - TK_ABI_SELECTOR_LEN;
    switch (out->selector) {
    case TK_ABI_SEL_ERROR:
        if (tk__abi_dynamic(&body, &n, args, alen) != TK_OK)
            break;
        out->kind = TK_ABI_REVERT_ERROR;
        copy_reason(out, body, n);
        return TK_OK;
    case TK_ABI_SEL_PANIC:
        if (alen != TK_ABI_WORD_LEN)
            break;
        out->kind = TK_ABI_REVERT_PANIC;
        memcpy(out->panic_code.bytes, args, TK_ABI_WORD_LEN);
        return TK_OK;
    default:
        out->kind = TK_ABI_REVERT_CUSTOM;
        return TK_OK;
    }
    memset(out, 0, sizeof *out);
    return TK_ERR_MALFORMED;
}

/* SPDX-License-Identifier: MIT */
#include "core/outbuf.h"

#include "core/internal.h"

#include <string.h>

tk_status tk__out_take(uint8_t *out, size_t *outlen, size_t *cap)
{
    TK_ARG_CHECK_NOCTX(outlen != NULL);
    *cap = *outlen;
    if (out != NULL)
        memset(out, 0, *cap);
    *outlen = 0;
    TK_ARG_CHECK_NOCTX(out != NULL || *cap == 0);
    return TK_OK;
}

tk_status tk__out_room(size_t cap, size_t need, size_t *outlen)
{
    if (cap >= need)
        return TK_OK;
    *outlen = need;
    return TK_ERR_BUFFER_TOO_SMALL;
}

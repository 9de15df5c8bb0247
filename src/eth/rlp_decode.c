/* SPDX-License-Identifier: MIT */
#include "eth/rlp.h"

#include <string.h>

tk_status tk__rlp_next(tk__rlp_item *item, size_t *used, const uint8_t *in,
                       size_t len)
{
    size_t hdr = 1, plen = 0;
    uint8_t b;

    memset(item, 0, sizeof *item);
    *used = 0;
    if (len == 0)
        return TK_ERR_MALFORMED;
    b = in[0];
    if (b < 0x80) { /* the byte itself */
        item->p = in;
        item->len = 1;
        *used = 1;
        return TK_OK;
    }
    item->is_list = b >= 0xc0;
    {
        uint8_t base = item->is_list ? 0xc0 : 0x80;
        size_t code = (size_t)(b - base);
        if (code <= 55) {
            plen = code;
        } else {
            size_t lenlen = code - 55;
            if (lenlen > sizeof(size_t) || len - 1 < lenlen || in[1] == 0)
                return TK_ERR_MALFORMED; /* truncated or leading zero */
            for (size_t i = 0; i < lenlen; i++)
                plen = (plen << 8) | in[1 + i];
            if (plen <= 55)
                return TK_ERR_MALFORMED; /* the short form fits */
            hdr += lenlen;
        }
    }
    if (plen > len - hdr)
        return TK_ERR_MALFORMED;
    /* A one-byte string below 0x80 is written as the byte itself. */
    if (!item->is_list && plen == 1 && in[hdr] < 0x80)
        return TK_ERR_MALFORMED;
    item->p = in + hdr;
    item->len = plen;
    *used = hdr + plen;
    return TK_OK;
}

tk_status tk__rlp_take(tk__rlp_item *item, const uint8_t **p, size_t *left)
{
    size_t used = 0;
    tk_status st = tk__rlp_next(item, &used, *p, *left);

    if (st != TK_OK)
        return st;
    *p += used;
    *left -= used;
    return TK_OK;
}

tk_status tk__rlp_uint(uint8_t out32[32], const tk__rlp_item *item)
{
    memset(out32, 0, 32);
    if (item->is_list || item->len > 32 || (item->len > 0 && item->p[0] == 0))
        return TK_ERR_MALFORMED;
    if (item->len > 0)
        memcpy(out32 + 32 - item->len, item->p, item->len);
    return TK_OK;
}

tk_status tk__rlp_u64(uint64_t *out, const tk__rlp_item *item)
{
    uint8_t w[32];
    tk_status st = tk__rlp_uint(w, item);

    *out = 0;
    if (st != TK_OK || item->len > 8)
        return TK_ERR_MALFORMED;
    for (int i = 24; i < 32; i++)
        *out = (*out << 8) | w[i];
    return TK_OK;
}

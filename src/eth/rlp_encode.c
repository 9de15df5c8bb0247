/* SPDX-License-Identifier: MIT */
#include "eth/rlp.h"

#include <string.h>

static void put(tk__rlp_writer *w, const uint8_t *b, size_t n)
{
    if (n == 0)
        return;
    if (w->p != NULL)
        memcpy(w->p + w->len, b, n);
    else if (w->ks != NULL)
        (void)tk_keccak256_update(w->ks, b, n);
    w->len += n;
}

void tk__rlp_put_raw(tk__rlp_writer *w, const uint8_t *b, size_t n)
{
    put(w, b, n);
}

static void put_byte(tk__rlp_writer *w, uint8_t b)
{
    put(w, &b, 1);
}

/* Short form base + len for len <= 55, else (base + 55 + lenlen) and the
 * length in lenlen big-endian bytes. */
static void put_header(tk__rlp_writer *w, uint8_t base, size_t len)
{
    uint8_t be[sizeof(size_t)];
    size_t n = 0;

    if (len <= 55) {
        put_byte(w, (uint8_t)(base + len));
        return;
    }
    for (size_t v = len; v > 0; v >>= 8)
        n++;
    for (size_t i = 0; i < n; i++)
        be[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    put_byte(w, (uint8_t)(base + 55 + n));
    put(w, be, n);
}

void tk__rlp_put_bytes(tk__rlp_writer *w, const uint8_t *b, size_t n)
{
    if (n == 1 && b[0] < 0x80) {
        put_byte(w, b[0]);
        return;
    }
    put_header(w, 0x80, n);
    put(w, b, n);
}

void tk__rlp_put_uint(tk__rlp_writer *w, const uint8_t *be, size_t n)
{
    while (n > 0 && be[0] == 0) {
        be++;
        n--;
    }
    tk__rlp_put_bytes(w, be, n);
}

void tk__rlp_put_u64(tk__rlp_writer *w, uint64_t v)
{
    uint8_t be[8];

    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(v >> (8 * (7 - i)));
    tk__rlp_put_uint(w, be, sizeof be);
}

void tk__rlp_put_list_header(tk__rlp_writer *w, size_t payload_len)
{
    put_header(w, 0xc0, payload_len);
}

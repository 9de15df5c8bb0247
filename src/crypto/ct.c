/* SPDX-License-Identifier: MIT */
#include "ct.h"

#include <stdint.h>

int tk__memeq_ct(const void *a, const void *b, size_t len)
{
    /* volatile: keep the compiler from turning the loop into an early-exit
     * memcmp. */
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    unsigned diff = 0;
    size_t i;

    for (i = 0; i < len; i++)
        diff |= (unsigned)(x[i] ^ y[i]);
    /* diff in [0, 255]: diff - 1 has bit 8 set iff diff == 0. */
    return (int)(((diff - 1u) >> 8) & 1u);
}

/* SPDX-License-Identifier: MIT */
/* jansson's allocator for ticketctl. jansson copies what it parses into its
 * own heap blocks (the lexer's token buffer, every string value: private
 * keys and recipient secrets of the request, keys of keygen's response) and
 * frees them without wiping. With these functions installed every block is
 * wiped before it goes back to the heap; free() does not say how long a
 * block is, so its size is kept in a header in front of it. */
#include "ticketctl.h"

#include <stdint.h>
#include <stdlib.h>

void *tc_wiping_malloc(size_t n)
{
    tc_alloc_header *h;
    if (n > SIZE_MAX - sizeof *h)
        return NULL;
    h = malloc(sizeof *h + n);
    if (h == NULL)
        return NULL;
    h->size = n;
    return h + 1;
}

void tc_wiping_free(void *p)
{
    tc_alloc_header *h;
    if (p == NULL)
        return;
    h = (tc_alloc_header *)p - 1;
    tk_memzero(h, sizeof *h + h->size);
    free(h);
}

void tc_wiping_alloc_install(void)
{
    json_set_alloc_funcs(tc_wiping_malloc, tc_wiping_free);
}

/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_ABI_INTERNAL_H
#define TK_ETH_ABI_INTERNAL_H

#include "ticket/abi.h"

/* The canonical encoding of one dynamic bytes/string value in p[0, len),
 * its offset word first: offset 0x20, length n, n bytes, zero padding to a
 * multiple of 32, nothing more. *body, *blen locate the n bytes.
 * TK_ERR_MALFORMED otherwise (then *body NULL, *blen 0). */
tk_status tk__abi_dynamic(const uint8_t **body, size_t *blen,
                          const uint8_t *p, size_t len);

#endif /* TK_ETH_ABI_INTERNAL_H */

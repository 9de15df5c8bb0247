/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_CT_H
#define TK_CRYPTO_CT_H

#include <stddef.h>

/* 1 if the len bytes at a and b are equal, else 0, in time that depends
 * only on len (for secret-derived values: rand hashes, MACs). Not an
 * ordering compare. */
int tk__memeq_ct(const void *a, const void *b, size_t len);

#endif

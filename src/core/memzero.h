/* SPDX-License-Identifier: MIT */
#ifndef TK_CORE_MEMZERO_H
#define TK_CORE_MEMZERO_H

#include <stddef.h>

/* Wipe memory in a way the compiler cannot elide (secrets, before free or
 * on return). p may be NULL when len is 0. */
void tk__memzero(void *p, size_t len);

#endif

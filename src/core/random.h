/* SPDX-License-Identifier: MIT */
#ifndef TK_CORE_RANDOM_H
#define TK_CORE_RANDOM_H

#include "ticket/common.h"

/* Fill buf with bytes from the OS CSPRNG (getrandom(2), via OpenSSL's
 * RAND_priv_bytes which is seeded from it). TK_ERR_RNG on failure. */
tk_status tk__random_bytes(uint8_t *buf, size_t len);

#endif

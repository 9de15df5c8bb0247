/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_U256_H
#define TK_CRYPTO_U256_H

/* Internal uint256 helpers beside the public ones of ticket/u256.h. */

#include "ticket/common.h"

/* A u256 as a block number; values >= 2^64 saturate (no block reaches
 * them, so params with such an expiration simply never expire). */
uint64_t tk__block_u64(const tk_u256 *x);

#endif

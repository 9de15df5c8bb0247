/* SPDX-License-Identifier: MIT */
#ifndef TK_MODEL_MPZ_U64_H
#define TK_MODEL_MPZ_U64_H

/* z = v for a 64-bit v (GMP's unsigned long may be 32 bits, so this goes
 * through mpz_import). The uint256 twin is tk_u256_to_mpz (ticket.h). */

#include <gmp.h>
#include <stdint.h>

void tk__mpz_set_u64(mpz_t z, uint64_t v);

#endif

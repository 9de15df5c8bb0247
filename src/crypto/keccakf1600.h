/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_KECCAKF1600_H
#define TK_CRYPTO_KECCAKF1600_H

/* The Keccak-f[1600] permutation (24 rounds) on 25 64-bit lanes, lane
 * (x, y) at index x + 5y, each lane holding its 8 state bytes in
 * little-endian order. This is the "state and permutation" layer; the
 * Keccak-256 sponge (keccak.c) is built on top of it.
 *
 * Constant time: no branches or memory indices depend on the state. */

#include <stdint.h>

void tk__keccakf1600(uint64_t lanes[25]);

/* The same permutation compiled for the baseline target only (what
 * tk__keccakf1600 runs on CPUs without BMI1/BMI2); for tests. */
void tk__keccakf1600_generic(uint64_t lanes[25]);

/* Name of the variant tk__keccakf1600 runs on this CPU, for benchmark
 * headers: "portable64" or "portable64+bmi2". */
const char *tk__keccakf1600_impl(void);

#endif

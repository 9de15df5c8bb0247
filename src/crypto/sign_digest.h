/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_SIGN_DIGEST_H
#define TK_CRYPTO_SIGN_DIGEST_H

/* Signing a 32-byte digest as it is, without the EIP-191 prefix that
 * tk_eth_sign adds: what an Ethereum transaction needs (its signing hash is
 * keccak256(type || rlp(fields)), and the signature carries the recovery id
 * as yParity). */

#include "ticket/common.h"
#include "ticket/context.h"

/* rs64 = r || s with s in the lower half (libsecp256k1 normalizes it) and
 * *recid in {0, 1}. Nonce by RFC 6979 inside libsecp256k1.
 * Returns: TK_OK; TK_ERR_INVALID_PRIVKEY for a key outside [1, n-1];
 *          TK_ERR_CRYPTO_BACKEND if libsecp256k1 fails. rs64 and *recid
 *          are zeroed on failure. Arguments are not NULL (internal). */
tk_status tk__sign_digest(const tk_ctx *ctx, uint8_t rs64[64], int *recid,
                          const uint8_t seckey32[32], const tk_hash *digest);

#endif /* TK_CRYPTO_SIGN_DIGEST_H */

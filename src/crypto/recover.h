/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_RECOVER_H
#define TK_CRYPTO_RECOVER_H

/* Signature recovery to the public key, for callers that check many
 * signatures of one signer (the recipient): comparing the recovered key
 * with one already known to belong to the signer saves hashing it to an
 * address every time. Recovering with v and comparing the recovered key is
 * equivalent to comparing addresses; ecdsa_verify against a cached key is
 * NOT (it ignores v, docs/protocol-notes.md section 1). */

#include "ticket/common.h"
#include "ticket/context.h"

/* The secp256k1 group order n and floor(n / 2), big-endian: the bounds of
 * r (0 < r < n) and s (0 < s <= n / 2) in the checks below. */
extern const uint8_t tk__secp256k1_order[32];
extern const uint8_t tk__secp256k1_half_order[32];

/* The acceptance checks of docs/protocol-notes.md section 1 (length, v, r,
 * s, high s, in that order), then recovery over the EIP-191 hash of msg.
 * Returns: TK_OK, pub65 = 0x04 || x || y (uncompressed SEC1, the input of
 *          tk_pubkey_address); the statuses of tk_eth_recover otherwise,
 *          with pub65 zeroed. Public data only; thread-safe. */
tk_status tk__eth_recover_pubkey(uint8_t pub65[65], const tk_hash *msg,
                                 const uint8_t *sig, size_t siglen);

/* The same checks and recovery over a digest that is already final (no
 * EIP-191 prefix is added): EIP-712 typed data (eip712.c). */
tk_status tk__ecdsa_recover_digest(uint8_t pub65[65], const tk_hash *d,
                                   const uint8_t *sig, size_t siglen);

/* RFC 6979 signature over a final digest d (no prefix added); ctx, sig,
 * seckey32 and d are non-NULL (checked by the public caller).
 * Returns: TK_OK; TK_ERR_INVALID_PRIVKEY; TK_ERR_CRYPTO_BACKEND (sig zeroed).
 * Secrets: seckey32 is only read. */
tk_status tk__ecdsa_sign_digest(const tk_ctx *ctx, tk_sig *sig,
                                const uint8_t seckey32[32], const tk_hash *d);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_CRYPTO_KEYSTORE_H
#define TK_CRYPTO_KEYSTORE_H

/* Web3 Secret Storage V3 keystores (keystore.c), shared by the ticket
 * sender (sender.h) and the transaction sender (eth_sender.h). The limits
 * are sender.h's TK_KEYSTORE_SCRYPT_MAX_MEM and TK_KEYSTORE_PBKDF2_MAX_ITER. */

#include "ticket/common.h"
#include "ticket/context.h"

#include <stddef.h>
#include <stdint.h>

/* Decrypt a keystore into key32 (wiped on failure). *has_address is 1 when
 * the JSON names an address (then in *address). */
tk_status tk__keystore_decrypt(uint8_t key32[32], tk_address *address,
                               int *has_address, const char *json,
                               size_t json_len, const char *pass,
                               size_t pass_len);

/* tk__keystore_decrypt, then the key checked (tk_key_verify) and, when the
 * file names an address, that the key owns it (else
 * TK_ERR_KEYSTORE_FORMAT: the MAC matched, so the file itself lies).
 * key32 is wiped on failure. */
tk_status tk__keystore_load(const tk_ctx *ctx, uint8_t key32[32],
                            const char *json, size_t json_len,
                            const char *pass, size_t pass_len);

#endif /* TK_CRYPTO_KEYSTORE_H */

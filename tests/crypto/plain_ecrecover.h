/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_PLAIN_ECRECOVER_H
#define TK_TEST_PLAIN_ECRECOVER_H

/* What a plain ecrecover (no low-s rule) returns for an EIP-191 signature
 * over msg: libsecp256k1 directly, bypassing our acceptance checks. Used
 * to show that high-s twins do recover the signer and are rejected only
 * by the s <= n/2 rule. */

#include "test_support.h"

#include "ticket/keys.h"
#include "ticket/signature.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

static inline void plain_ecrecover(tk_address *out, const tk_hash *msg,
                                   const uint8_t sig[65])
{
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pk;
    uint8_t pub[65];
    size_t len = 65;
    tk_hash d;

    assert_int_equal(tk_eth_signed_hash(&d, msg), TK_OK);
    assert_true(secp256k1_ecdsa_recoverable_signature_parse_compact(
        secp256k1_context_static, &rs, sig, sig[64] - 27));
    assert_true(secp256k1_ecdsa_recover(secp256k1_context_static, &pk, &rs,
                                        d.bytes));
    assert_true(secp256k1_ec_pubkey_serialize(
        secp256k1_context_static, pub, &len, &pk, SECP256K1_EC_UNCOMPRESSED));
    assert_int_equal(tk_pubkey_address(out, pub), TK_OK);
}

#endif

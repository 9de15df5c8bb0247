/* SPDX-License-Identifier: MIT */
#ifndef TICKET_ETH_TX_H
#define TICKET_ETH_TX_H

/** EIP-1559 (type 2) Ethereum transactions: RLP encoding, signing, and a
 *  strict decoder (library ticket_eth, ticket::eth).
 *
 *    fields       = [chainId, nonce, maxPriorityFeePerGas, maxFeePerGas,
 *                    gasLimit, to, value, data, accessList]
 *    signing hash = keccak256(0x02 || rlp(fields))
 *    raw          = 0x02 || rlp(fields || [yParity, r, s])
 *    tx hash      = keccak256(raw)
 *
 *  Integers are RLP's minimal big-endian strings; `to` is 20 bytes or empty
 *  (contract creation); the access list is always empty. The signature is
 *  libsecp256k1's RFC 6979 recoverable ECDSA over the signing hash, s in
 *  the lower half, yParity = the recovery id (0 or 1).
 *
 *  Every function here is pure and thread-safe (tk_eth_tx_sign reads the
 *  context, which is immutable after creation). Pinned byte for byte by
 *  tests/vectors/eth_tx.json (transactions signed by ethers). */

#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The transaction type byte of EIP-1559. */
#define TK_ETH_TX_TYPE_1559 0x02
/** The longest data field accepted (1 MiB; Ethereum clients reject
 *  transactions over 128 KiB). Bounds every size computation. */
#define TK_ETH_TX_DATA_MAX (1024u * 1024u)
/** Bytes of a signed transaction's encoding beyond its data field, at most
 *  (list and field headers, 32-byte integers, r and s). */
#define TK_ETH_TX_OVERHEAD_MAX 300u

/** An unsigned EIP-1559 transaction. data is borrowed (not copied). */
typedef struct tk_eth_tx {
    uint64_t chain_id;
    uint64_t nonce;
    tk_u256 max_priority_fee_per_gas; /* wei per gas (the tip) */
    tk_u256 max_fee_per_gas;          /* wei per gas (the cap) */
    uint64_t gas_limit;
    int has_to;                       /* 0: contract creation */
    tk_address to;                    /* ignored when has_to is 0 */
    tk_u256 value;                    /* wei */
    const uint8_t *data;              /* calldata; NULL when data_len is 0 */
    size_t data_len;                  /* <= TK_ETH_TX_DATA_MAX */
} tk_eth_tx;

/** The signature fields of a signed transaction. */
typedef struct tk_eth_tx_sig {
    uint8_t y_parity; /* 0 or 1 */
    tk_u256 r;
    tk_u256 s;
} tk_eth_tx_sig;

/** Encode the unsigned form 0x02 || rlp(fields) (the signing hash's
 *  preimage).
 *  Args:  *outlen: in, the capacity of out; out, the bytes written, or the
 *                  bytes needed with TK_ERR_BUFFER_TOO_SMALL.
 *  Out:   out: the encoding; zeroed on failure (up to the capacity).
 *  In:    tx:  the transaction.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_INVALID_LENGTH (data
 *           over TK_ETH_TX_DATA_MAX); TK_ERR_ILLEGAL_ARG (NULL, or data
 *           NULL with data_len > 0, or has_to not 0/1). */
TK_API tk_status tk_eth_tx_encode_unsigned(uint8_t *out, size_t *outlen,
    const tk_eth_tx *tx) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** keccak256(0x02 || rlp(fields)).
 *  Out:   hash: the signing hash; zeroed on failure.
 *  Returns: as tk_eth_tx_encode_unsigned (never BUFFER_TOO_SMALL). */
TK_API tk_status tk_eth_tx_signing_hash(tk_hash *hash, const tk_eth_tx *tx)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** An upper bound of the signed encoding's size: data_len +
 *  TK_ETH_TX_OVERHEAD_MAX. tk_eth_tx_sign never needs more.
 *  Returns: TK_OK; TK_ERR_INVALID_LENGTH; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eth_tx_signed_len_max(size_t *len, const tk_eth_tx *tx)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Sign tx with seckey32 and encode it for eth_sendRawTransaction.
 *  Args:  ctx:     context (its randomized libsecp256k1 context signs).
 *         *rawlen: in, the capacity of raw; out, the bytes written, or
 *                  tk_eth_tx_signed_len_max with TK_ERR_BUFFER_TOO_SMALL.
 *  Out:   raw:     0x02 || rlp(fields || [yParity, r, s]); zeroed on
 *                  failure (up to the capacity).
 *         tx_hash: keccak256(raw), the transaction's hash; may be NULL;
 *                  zeroed on failure.
 *  In:    tx, seckey32: the transaction and the sender's private key.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_INVALID_LENGTH;
 *           TK_ERR_INVALID_PRIVKEY (zero or >= n); TK_ERR_CRYPTO_BACKEND;
 *           TK_ERR_ILLEGAL_ARG.
 *  Secrets: the key is used only by libsecp256k1 (constant time); no copy
 *           of it is kept. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_tx_sign(const tk_ctx *ctx,
    uint8_t *raw, size_t *rawlen, tk_hash *tx_hash, const tk_eth_tx *tx,
    const uint8_t seckey32[32])
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3) TK_ARG_NONNULL(5) TK_ARG_NONNULL(6);

/** Decode a signed EIP-1559 transaction strictly: the type byte, one
 *  canonical RLP list of exactly 12 items, integers without leading zeros
 *  (chainId, nonce and gasLimit below 2^64, the others below 2^256), `to`
 *  of 20 or 0 bytes, an empty access list, yParity 0 or 1, and no byte
 *  after the list. The signature is not checked.
 *  Out:   tx:  the fields; tx->data points into raw (so raw must outlive
 *              it). Zeroed on failure.
 *         sig: yParity, r, s; zeroed on failure.
 *  In:    raw, rawlen: the bytes (raw may be NULL when rawlen is 0).
 *  Returns: TK_OK; TK_ERR_MALFORMED; TK_ERR_INVALID_LENGTH (data over
 *           TK_ETH_TX_DATA_MAX); TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_tx_decode(tk_eth_tx *tx,
    tk_eth_tx_sig *sig, const uint8_t *raw, size_t rawlen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/* ---- Fees ----------------------------------------------------------------*/

/** The fee cap of a new transaction: min(max_gas_price, 2 * base_fee + tip)
 *  (two full base-fee doublings of headroom, never above the node's
 *  configured maximum). The sum saturates at 2^256 - 1 before the min.
 *  Out:   cap: the fee cap (zeroed on failure).
 *  Returns: TK_OK; TK_ERR_OUT_OF_RANGE when tip > the resulting cap (the
 *           transaction could not pay its own tip: wait, or raise the
 *           maximum); TK_ERR_ILLEGAL_ARG. Pure, thread-safe. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_fee_cap(tk_u256 *cap,
    const tk_u256 *base_fee, const tk_u256 *tip, const tk_u256 *max_gas_price)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** The fees of a replacement (same nonce) for a stuck transaction: each
 *  fee at least old + ceil(old / 8) (12.5% rounded up; nodes refuse a
 *  replacement below +10%), or the fresh value when higher; the tip never
 *  above the cap.
 *  Out:   tip, cap: the replacement's fees (zeroed on failure).
 *  In:    old_tip, old_cap: the stuck transaction's fees.
 *         fresh_tip, fresh_cap: today's values (e.g. from tk_eth_fee_cap);
 *         either may be NULL.
 *         max_gas_price: the ceiling.
 *  Returns: TK_OK; TK_ERR_OUT_OF_RANGE when the bumped cap would exceed
 *           max_gas_price (do not replace: it would be refused or cost more
 *           than allowed); TK_ERR_OVERFLOW past 2^256 - 1;
 *           TK_ERR_ILLEGAL_ARG (NULL, or old_tip > old_cap). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_fee_bump(tk_u256 *tip,
    tk_u256 *cap, const tk_u256 *old_tip, const tk_u256 *old_cap,
    const tk_u256 *fresh_tip, const tk_u256 *fresh_cap,
    const tk_u256 *max_gas_price)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(7);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_ETH_TX_H */

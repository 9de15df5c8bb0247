/* SPDX-License-Identifier: MIT */
#ifndef TICKET_ETH_SENDER_H
#define TICKET_ETH_SENDER_H

/** The transaction sender (library ticket_eth, ticket::eth): EIP-1559
 *  transactions from the node's key over a tk_rpc, with a nonce authority,
 *  gas estimation, fee caps, receipt tracking, replacement of stuck
 *  transactions and revert replay. docs/chain.md has the lifecycle as a
 *  state diagram, the failure classification and every option.
 *
 *  Send: eth_estimateGas first (a revert is TK_ERR_RPC_REVERTED with the
 *  reason in tk_rpc_last_error; nothing is sent and no nonce is used);
 *  gas limit = the caller's explicit limit (batches) or estimate + margin;
 *  tip = eth_maxPriorityFeePerGas (fallback_tip if the node has none); fee
 *  cap = min(max_gas_price, 2 x baseFee + tip); nonce = max(local next,
 *  eth_getTransactionCount(pending)); sign; eth_sendRawTransaction.
 *
 *  Track: tk_eth_sender_poll is one non-blocking step (a few RPC calls per
 *  pending transaction) for a node's loop; tk_eth_sender_wait loops it.
 *  A transaction not mined after replace_after_blocks blocks or
 *  replace_after_ms is replaced (same nonce, both fees bumped by at least
 *  12.5% rounded up, never above max_gas_price, at most max_replacements
 *  times). Every hash sent for a nonce is remembered: any one of them may
 *  be mined. A mined transaction with status 0 is replayed with eth_call at
 *  its block to learn the revert reason.
 *
 *  One nonce authority per address: exactly one tk_eth_sender (in one
 *  process) may send from an address at a time. Two would pick the same
 *  nonces and replace each other's transactions. A new sender for the
 *  same address (after a restart) starts from the node's pending count.
 *
 *  Thread safety: not locked; one thread at a time per sender, and the
 *  borrowed tk_rpc must not be used by another thread meanwhile.
 *  Secrets: the private key is copied into the sender and wiped on
 *  destroy (and on every failed create). */

#include "ticket/abi.h"
#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/rpc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hashes kept per nonce: the first version and its replacements. */
#define TK_ETH_TX_VERSIONS_MAX 16

typedef struct tk_eth_sender tk_eth_sender;

/** Options. Start from tk_eth_sender_options_default() and set chain_id
 *  and max_gas_price. */
typedef struct tk_eth_sender_options {
    uint64_t chain_id;             /* required: must equal eth_chainId */
    tk_u256 max_gas_price;         /* required, > 0: ceiling of every fee
                                      cap (wei per gas) */
    tk_u256 fallback_tip;          /* tip when eth_maxPriorityFeePerGas
                                      fails; default 1 gwei */
    unsigned gas_margin_percent;   /* estimated limit = estimate x
                                      (100 + margin) / 100; default 20,
                                      max 1000 */
    uint64_t replace_after_blocks; /* replace when not mined this many
                                      blocks after sending; default 5;
                                      0: never by blocks */
    uint64_t replace_after_ms;     /* ... or after this long; default
                                      60000; 0: never by time */
    unsigned max_replacements;     /* default 3; at most
                                      TK_ETH_TX_VERSIONS_MAX - 1 */
    size_t max_tracked;            /* transactions tracked at once (pending
                                      or final and not forgotten); 64 */
} tk_eth_sender_options;

/** A transaction to send. */
typedef struct tk_eth_send_request {
    const tk_address *to;   /* NULL: contract creation */
    tk_u256 value;          /* wei */
    const uint8_t *data;    /* calldata (copied); NULL when data_len is 0 */
    size_t data_len;        /* <= TK_ETH_TX_DATA_MAX */
    uint64_t gas_limit;     /* 0: the estimate plus the margin; otherwise
                               used as given (a batch's limit from its
                               per-ticket cost), but never below the
                               estimate */
} tk_eth_send_request;

/** Where a transaction is. SUCCEEDED, REVERTED and FAILED are final. */
typedef enum tk_eth_tx_state {
    TK_ETH_TX_PENDING = 0,   /* sent (maybe replaced), not mined yet */
    TK_ETH_TX_SUCCEEDED = 1, /* mined, status 1 */
    TK_ETH_TX_REVERTED = 2,  /* mined, status 0: fees paid, no effect */
    TK_ETH_TX_FAILED = 3     /* never mined: its nonce went to another
                                transaction (TK_ERR_TX_NONCE_TAKEN; see
                                tk_eth_sender_poll) */
} tk_eth_tx_state;

/** A tracked transaction's outcome (docs/chain.md: the classification). */
typedef struct tk_eth_tx_outcome {
    tk_eth_tx_state state;
    uint64_t nonce;
    uint64_t gas_limit;
    tk_u256 tip, fee_cap;        /* of the latest version */
    tk_hash tx_hash;             /* the mined version; else the latest */
    size_t n_hashes;             /* versions sent (1 + replacements) */
    tk_hash hashes[TK_ETH_TX_VERSIONS_MAX]; /* in sending order */
    int replacements_exhausted;  /* PENDING: no further replacement (the
                                    limit, or the next bump would exceed
                                    max_gas_price); it may still be mined */
    tk_rpc_receipt receipt;      /* SUCCEEDED / REVERTED */
    int out_of_gas;              /* REVERTED: gas used == gas limit */
    int has_revert;              /* REVERTED: the replay reverted too, and
                                    revert says why; 0: it did not (e.g.
                                    out of gas, or the state moved on) */
    tk_abi_revert revert;
    tk_status failure;           /* FAILED: why; PENDING: the last error
                                    met sending or replacing this
                                    transaction (TK_OK if none) */
} tk_eth_tx_outcome;

/** Fill *opts with the defaults (chain_id 0 and max_gas_price 0, which
 *  create refuses: the caller must set both). */
TK_API tk_status tk_eth_sender_options_default(tk_eth_sender_options *opts)
    TK_ARG_NONNULL(1);

/** Create a sender over rpc (borrowed: it must outlive the sender) with
 *  the node's private key. Reads eth_chainId.
 *  Returns: TK_OK; TK_ERR_RPC_CHAIN_ID (the node serves another chain than
 *           opts->chain_id); the tk_rpc_chain_id errors;
 *           TK_ERR_INVALID_PRIVKEY; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL,
 *           chain_id 0, max_gas_price 0, fallback_tip over max_gas_price,
 *           margin over 1000, max_replacements over 15, max_tracked 0).
 *  Out:     *out: the sender (NULL on failure); free with
 *           tk_eth_sender_destroy. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_sender_create(const tk_ctx *ctx,
    tk_eth_sender **out, tk_rpc *rpc, const tk_eth_sender_options *opts,
    const uint8_t seckey32[32])
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** As tk_eth_sender_create with the key from a V3 keystore (the formats,
 *  limits and TK_ERR_KEYSTORE_* errors of tk_sender_create_from_keystore;
 *  the derived key and the decrypted private key are wiped on every
 *  path; deliberately slow: the KDF). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_sender_create_from_keystore(
    const tk_ctx *ctx, tk_eth_sender **out, tk_rpc *rpc,
    const tk_eth_sender_options *opts, const char *json, size_t json_len,
    const char *passphrase, size_t passphrase_len)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** Free the sender and wipe its key. Pending transactions stay in the
 *  node's pool; a new sender continues after them (pending nonce). NULL is
 *  a no-op. */
TK_API void tk_eth_sender_destroy(tk_eth_sender *s);

/** The sender's address. */
TK_API tk_status tk_eth_sender_address(const tk_eth_sender *s,
    tk_address *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Estimate, price, sign and send a transaction; track it. With
 *  req->gas_limit given, the estimate comes first (a limit below it is
 *  refused before the fees are read); with gas_limit 0 the fee ceiling
 *  comes first (a base fee above max_gas_price is refused without an
 *  eth_estimateGas, so before a revert could be seen).
 *  Out:   *id: the handle for poll / outcome / wait / forget (0 on
 *         failure).
 *  Returns: TK_OK (sent and tracked; also when the node could not be
 *           reached at eth_sendRawTransaction itself: the transaction may
 *           have arrived, so it is tracked, its nonce used, the error is
 *           in the outcome's `failure`, and replacement re-sends it);
 *           TK_ERR_RPC_REVERTED (the estimate reverted: the reason is in
 *           tk_rpc_last_error; nothing sent, no nonce used);
 *           TK_ERR_OUT_OF_RANGE (gas_limit below the estimate, the
 *           estimate plus margin over 2^64 - 1, the tip over
 *           max_gas_price, or the base fee above max_gas_price: nothing
 *           sent); TK_ERR_RPC_ERROR (the node refused the transaction,
 *           e.g. insufficient funds: nothing sent, no nonce used);
 *           TK_ERR_STATE (max_tracked transactions tracked: forget some);
 *           the tk_rpc errors of the reads before sending (nothing sent);
 *           TK_ERR_INVALID_LENGTH (data over TK_ETH_TX_DATA_MAX);
 *           TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_sender_send(tk_eth_sender *s,
    uint64_t *id, const tk_eth_send_request *req)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** One tracking step, never sleeping: for each pending transaction, look
 *  for a receipt of each of its hashes; classify a mined one (replaying a
 *  revert); replace a stuck one. Call it once per new block or so.
 *  FAILED (TK_ERR_TX_NONCE_TAKEN) is decided by two polls in a row that
 *  see the account's mined count past the nonce and no receipt of any
 *  version, the second at a later head block: a node may serve the count
 *  before the receipt, and the receipts are read again at that later
 *  block (no replacement is sent meanwhile). On a chain that mines no
 *  further block such a transaction stays PENDING.
 *  Out:   *n_final: transactions that became final in this step (may be
 *         NULL).
 *  Returns: TK_OK; the first tk_rpc error met (the other transactions are
 *           still processed; nothing is lost: the next poll retries);
 *           TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_sender_poll(tk_eth_sender *s,
    size_t *n_final) TK_ARG_NONNULL(1);

/** The outcome of transaction id so far.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (unknown or forgotten id);
 *           TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eth_sender_outcome(const tk_eth_sender *s, uint64_t id,
    tk_eth_tx_outcome *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** Poll every interval_ms until transaction id is final or timeout_ms
 *  has passed (poll errors are retried until then; the last one is in
 *  the outcome's `failure`).
 *  Returns: TK_OK (final: see out->state); TK_ERR_TIMEOUT (still
 *           pending; out holds what is known); TK_ERR_NOT_FOUND;
 *           TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_eth_sender_wait(tk_eth_sender *s,
    uint64_t id, long timeout_ms, long interval_ms, tk_eth_tx_outcome *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(5);

/** Stop tracking a final transaction (frees its slot).
 *  Returns: TK_OK; TK_ERR_STATE (still pending); TK_ERR_NOT_FOUND;
 *           TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_eth_sender_forget(tk_eth_sender *s, uint64_t id)
    TK_ARG_NONNULL(1);

/** Transactions tracked and still pending. */
TK_API tk_status tk_eth_sender_pending(const tk_eth_sender *s, size_t *n)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_ETH_SENDER_H */

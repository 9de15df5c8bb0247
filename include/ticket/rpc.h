/* SPDX-License-Identifier: MIT */
#ifndef TICKET_RPC_H
#define TICKET_RPC_H

/** A JSON-RPC 2.0 client of an Ethereum node over HTTP(S) (library
 *  ticket_eth, ticket::eth; libcurl + jansson). docs/chain.md describes
 *  the calls, the parsing rules and the failure classification.
 *
 *  Endpoints and health: the client knows up to TK_RPC_ENDPOINTS_MAX URLs.
 *  A request goes to the first healthy endpoint in the configured order;
 *  an endpoint that fails (connect error, timeout, HTTP status other than
 *  200, a body over the size limit, a body that is not a JSON-RPC 2.0
 *  response to this request) is demoted for demote_ms - tried only after
 *  the healthy ones - and the request moves on to the next endpoint. After
 *  a round over every endpoint has failed, the client sleeps (back-off
 *  doubling from backoff_ms up to backoff_max_ms) and starts another
 *  round, at most `retries` more times. At most
 *  (retries + 1) * endpoints HTTP requests are made per call.
 *
 *  An answer from the node is never retried: a JSON-RPC error object is
 *  returned at once as TK_ERR_RPC_ERROR, or TK_ERR_RPC_REVERTED when it is
 *  a revert (code 3, or a message starting "execution reverted"), with the
 *  code, message and revert data in tk_rpc_last_error.
 *
 *  Results are parsed strictly: a quantity is "0x" followed by 1 to 64
 *  lowercase or uppercase hex digits without leading zeros ("0x0" for
 *  zero) and must fit its type; data is "0x" and an even number of digits;
 *  anything else is TK_ERR_RPC_BAD_RESPONSE.
 *
 *  Thread safety: a tk_rpc is not locked; it needs exclusive access (one
 *  client per thread). The context must outlive it.
 *  Secrets: endpoint URLs may carry API keys; they are never copied into
 *  error details and are wiped on destroy. */

#include "ticket/abi.h"
#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TK_RPC_ENDPOINTS_MAX 8
#define TK_RPC_MESSAGE_MAX 256     /* bytes of an error message kept */
#define TK_RPC_ERROR_DATA_MAX 4096 /* bytes of revert data kept */

typedef struct tk_rpc tk_rpc;

/** Options. Start from tk_rpc_options_default() and change what you
 *  need; the endpoint strings are copied by tk_rpc_create. */
typedef struct tk_rpc_options {
    const char *const *endpoints; /* http:// or https:// URLs */
    size_t n_endpoints;           /* 1 .. TK_RPC_ENDPOINTS_MAX */
    long connect_timeout_ms;      /* default 3000 */
    long timeout_ms;              /* whole request, per attempt; 10000 */
    unsigned retries;             /* extra rounds; default 2, max 10 */
    long backoff_ms;              /* first back-off; default 200 */
    long backoff_max_ms;          /* back-off cap; default 2000 */
    long demote_ms;               /* a failed endpoint goes last; 30000 */
    size_t max_response_bytes;    /* body limit; default 4 MiB */
} tk_rpc_options;

/** Details of the last failed call. */
typedef struct tk_rpc_error {
    tk_status status;        /* what the call returned */
    int endpoint;            /* index of the endpoint that answered or
                                failed last; -1 if none was tried */
    long http_status;        /* last HTTP status (0: no response) */
    int64_t code;            /* JSON-RPC error code (RPC_ERROR/REVERTED) */
    char message[TK_RPC_MESSAGE_MAX + 1]; /* the node's message, or the
                                             transport's; control bytes
                                             replaced by '?' */
    uint8_t data[TK_RPC_ERROR_DATA_MAX]; /* the error's hex data, if any */
    size_t data_len;
    tk_abi_revert revert;    /* data decoded (REVERTED) */
} tk_rpc_error;

/** An eth_call / eth_estimateGas request. from, to and value may be NULL
 *  (to NULL: contract creation); data may be NULL when data_len is 0. */
typedef struct tk_rpc_call_args {
    const tk_address *from;
    const tk_address *to;
    const tk_u256 *value;
    const uint8_t *data;
    size_t data_len;
} tk_rpc_call_args;

/** The header fields libticket reads. */
typedef struct tk_rpc_block {
    uint64_t number;
    /* Arbitrum's L1 block number (the header's l1BlockNumber); number
     * itself on chains without the field (has_l1_block_number = 0). */
    uint64_t l1_block_number;
    int has_l1_block_number;
    tk_u256 base_fee;        /* baseFeePerGas; 0 before London */
    int has_base_fee;
    tk_hash hash;
    uint64_t timestamp;
} tk_rpc_block;

typedef struct tk_rpc_receipt {
    tk_hash tx_hash;
    tk_hash block_hash;
    uint64_t block_number;
    int status;              /* 1 success, 0 reverted */
    uint64_t gas_used;
    tk_u256 effective_gas_price; /* 0 when the node omits it */
} tk_rpc_receipt;

/** Counters of a client's work since it was created. */
typedef struct tk_rpc_stats {
    uint64_t requests;      /* calls made (each eth_* function call) */
    uint64_t failed;        /* of those, the ones that returned an error */
    uint64_t http_attempts; /* HTTP POSTs (retries and failover included) */
} tk_rpc_stats;

/** Fill *opts with the defaults (no endpoints). */
TK_API tk_status tk_rpc_options_default(tk_rpc_options *opts)
    TK_ARG_NONNULL(1);

/** Create a client.
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL; no endpoint or
 *           too many; a URL that is not http:// or https:// or over 2048
 *           bytes; a negative timeout; retries over 10; a zero size limit).
 *  Out:     *out: the client (NULL on failure); free with tk_rpc_destroy. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_create(const tk_ctx *ctx,
    tk_rpc **out, const tk_rpc_options *opts)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Free the client, wiping its URLs. NULL is a no-op. */
TK_API void tk_rpc_destroy(tk_rpc *rpc);

/** The details of the last call that failed (status TK_OK if none).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_rpc_last_error(const tk_rpc *rpc, tk_rpc_error *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The client's counters. Returns: TK_OK; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_rpc_stats_get(const tk_rpc *rpc, tk_rpc_stats *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Every call below returns TK_OK or: TK_ERR_RPC_TRANSPORT,
 *  TK_ERR_RPC_TOO_LARGE, TK_ERR_RPC_BAD_RESPONSE (after the retries);
 *  TK_ERR_RPC_ERROR, TK_ERR_RPC_REVERTED (at once); TK_ERR_NOMEM;
 *  TK_ERR_ILLEGAL_ARG. Outputs are zeroed on failure. */

/** eth_chainId. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_chain_id(tk_rpc *rpc,
    uint64_t *chain_id) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** eth_blockNumber. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_block_number(tk_rpc *rpc,
    uint64_t *number) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** eth_getBlockByNumber(tag or number, false).
 *  In:    tag: "latest", "safe", "finalized" or "earliest"; NULL to ask
 *              for block `number`.
 *  Returns: also TK_ERR_NOT_FOUND (the node has no such block). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_get_block(tk_rpc *rpc,
    tk_rpc_block *block, const char *tag, uint64_t number)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** eth_call at a block (tag as tk_rpc_get_block; NULL: `number`).
 *  Args:  *outlen: in, the capacity of out; out, the bytes returned, or
 *                  needed with TK_ERR_BUFFER_TOO_SMALL.
 *  Returns: also TK_ERR_RPC_REVERTED with the reason in
 *           tk_rpc_last_error; TK_ERR_BUFFER_TOO_SMALL. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_call(tk_rpc *rpc, uint8_t *out,
    size_t *outlen, const tk_rpc_call_args *args, const char *tag,
    uint64_t number) TK_ARG_NONNULL(1) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** eth_estimateGas (against the pending state). A revert is
 *  TK_ERR_RPC_REVERTED with its reason in tk_rpc_last_error. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_estimate_gas(tk_rpc *rpc,
    uint64_t *gas, const tk_rpc_call_args *args)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** eth_gasPrice. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_gas_price(tk_rpc *rpc,
    tk_u256 *wei) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** eth_maxPriorityFeePerGas (not every node has it: TK_ERR_RPC_ERROR). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_max_priority_fee(tk_rpc *rpc,
    tk_u256 *wei) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** eth_getTransactionCount(address, "pending" or "latest"). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_transaction_count(tk_rpc *rpc,
    uint64_t *nonce, const tk_address *addr, int pending)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** eth_sendRawTransaction. The hash the node returns must be
 *  keccak256(raw): a node that names another transaction is
 *  TK_ERR_RPC_BAD_RESPONSE. A refusal (TK_ERR_RPC_ERROR / _REVERTED) that
 *  answers a retry, after an attempt whose answer was lost (timeout, HTTP
 *  error, garbled reply), is reported as TK_ERR_RPC_TRANSPORT - the
 *  transaction may be in a pool - with the node's message kept in the
 *  last error. Only TK_ERR_RPC_ERROR / _REVERTED mean "not sent".
 *  Out:   tx_hash: keccak256(raw). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_send_raw_transaction(
    tk_rpc *rpc, tk_hash *tx_hash, const uint8_t *raw, size_t rawlen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** eth_getTransactionReceipt. *found = 0 (and TK_OK) while the
 *  transaction is not mined. A receipt for another hash, or a status other
 *  than 0x0 / 0x1, is TK_ERR_RPC_BAD_RESPONSE. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_rpc_get_receipt(tk_rpc *rpc,
    tk_rpc_receipt *receipt, int *found, const tk_hash *tx_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_RPC_H */

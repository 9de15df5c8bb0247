/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_REDEEM_INTERNAL_H
#define TK_ETH_REDEEM_INTERNAL_H

/* The redeemer's pieces:
 *   redeem_account.c  the account that pays the gas: estimate, fees,
 *                     nonce, sign, send, receipt and revert reason
 *   redeem_broker.c   the broadcaster's calls (fund, unlock, ...)
 *   redeemer.c        create / destroy, the queue's submit callback and
 *                     the chain wrapper
 *   redeemer_poll.c   transactions in flight -> queue outcomes */

#include "ticket/abi.h"
#include "ticket/eth_redeem.h"
#include "ticket/rpc.h"

#include <pthread.h>

/* The sending account. Not locked: its owner serializes the calls. */
typedef struct tk__account {
    const tk_ctx *ctx;
    tk_rpc *rpc;
    uint64_t chain_id;
    uint8_t key[32];           /* wiped by tk__account_wipe */
    tk_address from;
    tk_u256 max_gas_price;
    tk_u256 fallback_tip;
    uint64_t next_nonce;       /* local nonce authority; 0 = ask the node */
    uint32_t gas_margin_pct;
} tk__account;

/* Copy the key, derive the address, check eth_chainId. */
tk_status tk__account_init(tk__account *a, const tk_ctx *ctx, tk_rpc *rpc,
                           const tk_eth_redeemer_options *o);
void tk__account_wipe(tk__account *a);

/* eth_estimateGas of a call from the account. */
tk_status tk__account_estimate(tk__account *a, uint64_t *gas,
                               const tk_address *to, const tk_u256 *value,
                               const uint8_t *data, size_t len);

/* Sign and send (nonce = max(local, pending), fee cap from the latest base
 * fee); the nonce advances only when the node took the transaction. */
tk_status tk__account_send(tk__account *a, tk_hash *tx_hash,
                           const tk_address *to, const tk_u256 *value,
                           const uint8_t *data, size_t len,
                           uint64_t gas_limit);

/* gas * (100 + margin) / 100, saturating. */
uint64_t tk__gas_with_margin(uint64_t gas, uint32_t margin_pct);

/* The revert reason of a mined, reverted call, replayed with eth_call at
 * its block: writes reason (NUL-terminated, "" when none). */
void tk__account_revert_reason(tk__account *a, char *reason, size_t cap,
                               const tk_address *to, const uint8_t *data,
                               size_t len, uint64_t block);

/* usedTickets(hash) at a block (tag NULL) or "latest". */
tk_status tk__broker_used(tk_rpc *rpc, const tk_address *broker,
                          const tk_hash *ticket_hash, const char *tag,
                          uint64_t block, int *used);

/* A transaction the redeemer waits for. */
typedef struct tk__inflight {
    tk_hash tx_hash;
    uint64_t since_block;   /* sent (or found after a restart) at */
    tk_hash *tickets;       /* the ticket hashes it carries */
    size_t n;
    uint8_t *calldata;      /* for the revert replay; NULL after a
                               restart; wiped (it holds recipientRands) */
    size_t len;
} tk__inflight;

struct tk_eth_redeemer {
    const tk_ctx *ctx;
    pthread_mutex_t mu;
    tk__account acct;
    tk_address broker;
    uint64_t lost_after;
    tk_chain inner;         /* the node's chain view */
    tk_chain wrapped;       /* what the queue sees (fresh ticket_used) */
    tk_redeem_config qcfg;
    tk_redeem_queue *q;
    uint64_t block;         /* the last block seen */
    tk__inflight *fl;
    size_t n_fl, cap_fl;
    /* While an outcome is applied: the reads at its receipt's block. */
    const tk__inflight *answering;
    const int *answers;
    tk_eth_redeemer_stats stats;
    tk_eth_redeem_tx_fn tx_fn;
    void *tx_data;
};

/* Track a transaction (copies tickets and calldata). */
tk_status tk__redeemer_track(tk_eth_redeemer *r, const tk_hash *tx,
                             const tk_hash *tickets, size_t n,
                             const uint8_t *calldata, size_t len);
void tk__inflight_free(tk__inflight *f);

#endif /* TK_ETH_REDEEM_INTERNAL_H */

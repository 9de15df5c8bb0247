/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_TXSENDER_INTERNAL_H
#define TK_ETH_TXSENDER_INTERNAL_H

/* The transaction sender (eth_sender.h):
 *   txsender.c        create / destroy, options, outcome, forget, wait
 *   txsender_send.c   estimate, fees, nonce, sign, send; signing a version
 *   txsender_track.c  poll: receipts, revert replay, replacement */

#include "ticket/eth_sender.h"
#include "ticket/eth_tx.h"

/* One tracked transaction: everything needed to re-sign it. */
typedef struct tk__tracked {
    uint64_t id;              /* 0: free slot */
    tk_eth_tx tx;             /* tx.data points at data */
    uint8_t *data;            /* owned copy of the calldata */
    uint64_t sent_block;      /* head when the latest version was sent */
    uint64_t sent_ms;         /* monotonic ms of the latest version */
    unsigned replacements;
    int taken_seen;           /* the nonce was seen mined with no receipt */
    uint64_t taken_head;      /* ... by the poll that read this head */
    tk_eth_tx_outcome out;
} tk__tracked;

struct tk_eth_sender {
    const tk_ctx *ctx;
    tk_rpc *rpc;              /* borrowed */
    tk_eth_sender_options opts;
    uint8_t seckey[32];       /* wiped on destroy */
    tk_address address;
    uint64_t next_nonce;      /* local: one past the last nonce we used */
    int has_next_nonce;
    uint64_t next_id;
    tk__tracked *slots;       /* opts.max_tracked of them */
};

uint64_t tk__txs_now_ms(void);

/* Called with a signed version's hash before it is broadcast: TK_OK lets
 * it go out; any other status keeps it from the node (the send fails with
 * that status, nothing sent). */
typedef tk_status (*tk__txs_before_fn)(void *data, const tk_hash *hash);

/* Sign t->tx with the sender's key, hand the hash to `before` (if not
 * NULL) and send it. *hash is the version's hash whenever it was sent or
 * its sending failed at the node (zero when `before` refused it). Returns
 * the tk_rpc status of eth_sendRawTransaction ("already known", the node
 * has this very transaction, counts as TK_OK), or `before`'s refusal
 * (a transport-like status from it becomes TK_ERR_STORE: it must not read
 * as "may have arrived", tk__txs_may_have_arrived). */
tk_status tk__txs_sign_send(tk_eth_sender *s, tk__tracked *t, tk_hash *hash,
                            tk__txs_before_fn before, void *before_data);

/* tk_eth_sender_send with `before` called on the first version between its
 * signing and its broadcast (replacements are not): a caller records the
 * hash durably first, so that no transaction is ever out that its record
 * does not name. A refusal sends nothing and uses no nonce. */
tk_status tk__eth_sender_send_hooked(tk_eth_sender *s, uint64_t *id,
                                     const tk_eth_send_request *req,
                                     tk__txs_before_fn before, void *before_data);

/* A send status after which the transaction may be in the node's pool:
 * TK_OK, or an error that is not the node's answer. */
int tk__txs_may_have_arrived(tk_status st);

/* Current fees: tip (eth_maxPriorityFeePerGas or the fallback) and the
 * latest block's base fee and number. */
tk_status tk__txs_fees(tk_eth_sender *s, tk_u256 *tip, tk_u256 *base_fee,
                       uint64_t *head);

/* Stop tracking transaction id whatever its state (tk_eth_sender_forget
 * refuses a pending one): it is never polled or replaced again. */
void tk__eth_sender_drop(tk_eth_sender *s, uint64_t id);

/* Forget the local nonce count: the next send takes the node's pending
 * count. For when a nonce we used may never be mined (a tenure ended or
 * began, a transaction was given up as lost): a local count past it
 * would leave a gap that every later transaction waits behind. */
void tk__eth_sender_forget_nonce(tk_eth_sender *s);

/* Record a new version hash of t (sent at head now). */
void tk__txs_add_version(tk__tracked *t, const tk_hash *hash, uint64_t head);

#endif /* TK_ETH_TXSENDER_INTERNAL_H */

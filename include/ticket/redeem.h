/* SPDX-License-Identifier: MIT */
#ifndef TICKET_REDEEM_H
#define TICKET_REDEEM_H

/** Redemption of winning tickets (docs/protocol-notes.md section 8).
 *
 *  1. ABI calldata for the TicketBroker's
 *       redeemWinningTicket((address,address,uint256,uint256,uint256,
 *                            bytes32,bytes),bytes,uint256)
 *       batchRedeemWinningTickets((address,address,uint256,uint256,uint256,
 *                                  bytes32,bytes)[],bytes[],uint256[])
 *     and the strict decoding of both (for tooling and tests).
 *  2. The redemption queue: the node calls it on every new L1 block; it
 *     picks the stored winners that may be redeemed now, groups them into
 *     transactions under a gas cap, hands the calldata to the node's submit
 *     callback and applies the outcome the node reports back. A winning
 *     ticket is never dropped because a transaction failed: it leaves the
 *     queue only when the chain reports its hash used (CONFIRMED / USED) or
 *     when it expired on-chain (EXPIRED, kept and reported with its face
 *     value). See docs/redemption.md for the lifecycle.
 *
 *  The ABI functions are pure and thread-safe. Calldata contains the
 *  recipientRand in clear: it is secret until the transaction is mined, so
 *  callers should wipe calldata buffers they no longer need. */

#include "ticket/common.h"
#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/monitor.h"
#include "ticket/store.h"
#include "ticket/ticket.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ABI -----------------------------------------------------------------*/

#define TK_REDEEM_SELECTOR_LEN 4
/** Canonical signatures; the selectors are keccak(signature)[0:4]. */
#define TK_REDEEM_SINGLE_SIGNATURE                                           \
    "redeemWinningTicket((address,address,uint256,uint256,uint256,bytes32,"  \
    "bytes),bytes,uint256)"
#define TK_REDEEM_BATCH_SIGNATURE                                            \
    "batchRedeemWinningTickets((address,address,uint256,uint256,uint256,"    \
    "bytes32,bytes)[],bytes[],uint256[])"
/** The selectors as big-endian 32-bit numbers (pinned by a test against
 *  the vectors and against keccak of the signatures). */
#define TK_REDEEM_SINGLE_SELECTOR 0xec8b3cb6u
#define TK_REDEEM_BATCH_SELECTOR 0xd01b808eu

/** Bytes of redeemWinningTicket calldata for this ticket: 548 with a
 *  64-byte auxData (every redeemable ticket), 484 with an empty one.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, creation_round < 0). */
TK_API tk_status tk_redeem_single_len(size_t *outlen, const tk_ticket *ticket)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Encode redeemWinningTicket(ticket, sig, rand).
 *  Args:  *outlen: in, the capacity of out; out, the bytes written, or
 *                  the bytes needed with TK_ERR_BUFFER_TOO_SMALL.
 *  Out:   out: selector || ABI-encoded arguments; zeroed on failure (up to
 *              the capacity).
 *  In:    ticket, sig, rand: the winner; rand is its recipientRand.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_ILLEGAL_ARG.
 *  Secrets: rand is copied into out in clear (that is what the contract
 *           needs); nothing else keeps a copy. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_encode_single(uint8_t *out,
    size_t *outlen, const tk_ticket *ticket, const tk_sig *sig,
    const tk_u256 *rand)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4) TK_ARG_NONNULL(5);

/** Bytes of batchRedeemWinningTickets calldata for these tickets
 *  (196 + 544 per ticket with auxData, 480 without). count may be 0 (then
 *  tickets may be NULL).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG; TK_ERR_OVERFLOW (size_t). */
TK_API tk_status tk_redeem_batch_len(size_t *outlen, const tk_ticket *tickets,
    size_t count) TK_ARG_NONNULL(1);

/** Encode batchRedeemWinningTickets(tickets, sigs, rands); the three
 *  arrays have count entries each (may be NULL when count is 0).
 *  Args/Out/Returns: as tk_redeem_encode_single, plus TK_ERR_OVERFLOW. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_encode_batch(uint8_t *out,
    size_t *outlen, const tk_ticket *tickets, const tk_sig *sigs,
    const tk_u256 *rands, size_t count) TK_ARG_NONNULL(2);

/** Decode redeemWinningTicket calldata (selector included).
 *
 *  The decoder is strict: it accepts exactly what tk_redeem_encode_single
 *  produces. It rejects a wrong selector, truncation, trailing bytes,
 *  offsets other than the canonical ones, dirty high bytes in address or
 *  small-integer words, a senderNonce >= 2^32, an auxData that is neither
 *  empty nor 64 bytes, a 64-byte all-zero auxData (it would hash unlike
 *  the ticket it decodes to), a creation round >= 2^63, a signature length
 *  other than 65 and non-zero padding. It never reads outside in[0..len).
 *  Out: ticket, sig, rand; zeroed on failure.
 *  Returns: TK_OK; TK_ERR_MALFORMED; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_decode_single(
    tk_ticket *ticket, tk_sig *sig, tk_u256 *rand, const uint8_t *in,
    size_t len) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Decode batchRedeemWinningTickets calldata with the same strictness
 *  (plus: the three arrays must have the same length). No memory is
 *  allocated: the caller provides the arrays.
 *  Args: *count: in, the capacity of each array (the arrays may be NULL
 *                when it is 0); out, the number of tickets decoded, or
 *                the number needed with TK_ERR_BUFFER_TOO_SMALL (given
 *                only for well-formed input).
 *  Out:  tickets, sigs, rands; zeroed on failure (up to the capacity).
 *  Returns: TK_OK; TK_ERR_MALFORMED; TK_ERR_BUFFER_TOO_SMALL;
 *           TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_decode_batch(
    tk_ticket *tickets, tk_sig *sigs, tk_u256 *rands, size_t *count,
    const uint8_t *in, size_t len) TK_ARG_NONNULL(4);

/* ---- The redemption queue ----------------------------------------------*/

/** The node's answer about a submitted transaction. */
typedef enum tk_redeem_outcome {
    TK_REDEEM_CONFIRMED = 0,          /* mined, status 1 */
    TK_REDEEM_REVERTED_REASON = 1,    /* mined, reverted with a reason */
    TK_REDEEM_REVERTED_NO_REASON = 2, /* mined, reverted without one */
    TK_REDEEM_RPC_ERROR = 3           /* unknown: dropped, timed out, ... */
} tk_redeem_outcome;

/** What happened to a winner (for the event callback). */
typedef enum tk_redeem_event_kind {
    TK_REDEEM_EV_SUBMITTED = 0, /* in a transaction handed to submit */
    TK_REDEEM_EV_CONFIRMED = 1, /* redeemed by our transaction */
    TK_REDEEM_EV_FAILED = 2,    /* our transaction did not redeem it; kept
                                   and retried (status tells why) */
    TK_REDEEM_EV_USED = 3,      /* the chain reports the hash used */
    TK_REDEEM_EV_EXPIRED = 4,   /* past the validity window; kept */
    TK_REDEEM_EV_DEFERRED = 5   /* redeemable later; see defer */
} tk_redeem_event_kind;

/** Why a ready winner was not submitted on this block. */
typedef enum tk_redeem_defer {
    TK_REDEEM_DEFER_NONE = 0,
    TK_REDEEM_DEFER_ROUND = 1,      /* current round not initialized */
    TK_REDEEM_DEFER_FACE_VALUE = 2, /* faceValue <= redeemGas * gasPrice */
    TK_REDEEM_DEFER_FUNDS = 3,      /* sender's available funds too low */
    TK_REDEEM_DEFER_BACKOFF = 4,    /* a recent transaction failed */
    TK_REDEEM_DEFER_SUBMIT = 5,     /* the submit callback failed */
    TK_REDEEM_DEFER_CHAIN = 6,      /* a chain query failed */
    TK_REDEEM_DEFER_CONFIRMING = 7  /* the chain says used or expired: final
                                       only once later blocks agree */
} tk_redeem_defer;

typedef struct tk_redeem_event {
    tk_redeem_event_kind kind;
    tk_redeem_defer defer;  /* for TK_REDEEM_EV_DEFERRED */
    tk_hash ticket_hash;
    tk_address sender;
    tk_u256 face_value;
    tk_hash tx_hash;        /* zero when there is none */
    tk_redeem_outcome outcome; /* for CONFIRMED / FAILED / USED / EXPIRED
                                  reported from an outcome */
    const char *reason;     /* revert reason or NULL; valid during the call */
} tk_redeem_event;

typedef void (*tk_redeem_event_fn)(const tk_redeem_event *ev, void *data);

/** Hand a transaction to the node. Return TK_OK and the transaction hash
 *  once it is sent, or any error (the winners stay queued and are retried
 *  on a later block). gas_limit is the queue's estimate for the call.
 *  Must not call back into the queue. */
typedef tk_status (*tk_redeem_submit_fn)(void *data, tk_hash *tx_hash,
    const uint8_t *calldata, size_t len, uint64_t gas_limit,
    size_t ticket_count);

/** The call a recording submit callback is handed: valid only while that
 *  callback runs, on its thread. Between callbacks of a live queue
 *  tk_redeem_call_record refuses it (TK_ERR_STATE); kept past the queue's
 *  destroy (a fleet makes a new queue every tenure), inside a later call's
 *  callback, or used from another thread, it is undefined behaviour. */
typedef struct tk_redeem_call tk_redeem_call;

/** A submit callback that records the call before it broadcasts it
 *  (tk_redeem_queue_create_recorded): as tk_redeem_submit_fn, and once it
 *  knows the transaction's hash (a signed transaction's) and before it
 *  hands the transaction to any node, it calls
 *  tk_redeem_call_record(call, hash) - the one queue function it may call
 *  - and broadcasts only if that returned TK_OK (otherwise it returns
 *  that status). Then a process killed, or a fleet holder stalled, between
 *  the broadcast and the queue's own write leaves no transaction out that
 *  the store does not name: the next queue tracks it instead of sending
 *  the winners again. After a TK_OK record, return an error only when the
 *  transaction surely reached no node (the node refused it); when it may
 *  have arrived (a timeout, a lost connection), return TK_OK: the queue
 *  then follows it by its hash, and a transaction that never shows up is
 *  reported lost by the node (TK_REDEEM_RPC_ERROR) and retried. The
 *  record fills *tx_hash; leave it, or set another hash (recorded then
 *  too, one more attempt). A callback that never records is handled as a
 *  plain one (the queue writes after it, with the old window). */
typedef tk_status (*tk_redeem_submit_recorded_fn)(void *data,
    tk_redeem_call *call, tk_hash *tx_hash, const uint8_t *calldata,
    size_t len, uint64_t gas_limit, size_t ticket_count);

/** From inside a recording submit callback: mark the call's winners
 *  SUBMITTED with tx_hash (each move counts an attempt; through the fenced
 *  write in a fleet tenure) and set the callback's *tx_hash to it. On
 *  TK_OK, broadcast; if the transaction then surely reached no node,
 *  return an error from the callback and the queue puts the winners back
 *  as they were (state, hash; one the store cannot put back stays
 *  SUBMITTED, keeps its claim, and is settled when its hash is reported
 *  lost: report TK_REDEEM_RPC_ERROR for it). Returning TK_OK with another
 *  hash than the recorded one records that one too (one more attempt).
 *  Returns: TK_OK; the store's status (nothing recorded, do not
 *           broadcast: a store with set_state_many wrote none of the
 *           winners; one without it had the winners marked before the
 *           failure put back; after TK_ERR_STORE_UNAVAILABLE, whose write
 *           may have landed, those it covered are put back too, and one
 *           the store cannot put back stays SUBMITTED with a hash never
 *           sent, keeps its claim and is given up as lost later);
 *           TK_ERR_LEASE_LOST (a fleet tenure that is over: do not
 *           broadcast); TK_ERR_STATE (a second record for one call, also
 *           after a failed one: that call is not sent; or a handle used
 *           between callbacks); TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_call_record(
    tk_redeem_call *call, const tk_hash *tx_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Gas figures and policy. tk_redeem_config_default() fills in estimates
 *  for Ethereum L1 (docs/redemption.md explains them); a node on another
 *  chain sets its own. */
typedef struct tk_redeem_config {
    uint64_t redeem_gas;       /* gas of one single redemption; also the
                                  profitability bar redeemGas * gasPrice */
    uint64_t batch_base_gas;   /* batch call: fixed part ... */
    uint64_t batch_ticket_gas; /* ... plus this per ticket */
    uint64_t gas_cap;          /* no call is estimated above this */
    size_t max_batch;          /* tickets per call; 0 = only the gas cap */
    uint64_t retry_backoff_blocks; /* wait after a failed transaction */
    tk_redeem_event_fn on_event;   /* optional; must not call the queue */
    void *event_data;
    /* A winner becomes USED, EXPIRED or CONFIRMED (final) only when the
     * chain reads at this many distinct, increasing blocks agree (one
     * wrong read is routine with real RPC providers, and a reorg may drop
     * a mined redemption); a read that disagrees starts the count over.
     * Default 3; 0 is taken as 1 (final on one read: not recommended). */
    uint32_t final_confirmations;
} tk_redeem_config;

/** Longest decimal total the stats report (sums may exceed 2^256). */
#define TK_REDEEM_TOTAL_DEC_MAX 100

typedef struct tk_redeem_stats {
    uint64_t blocks;            /* on_block calls that ran */
    uint64_t txs_submitted;
    uint64_t tickets_submitted;
    uint64_t submit_errors;     /* submit callback failures */
    uint64_t confirmed;
    uint64_t failed;            /* ticket-level failures (kept, retried) */
    uint64_t used;
    uint64_t expired;
    uint64_t deferred_round;
    uint64_t deferred_face_value;
    uint64_t deferred_funds;
    char expired_face_value[TK_REDEEM_TOTAL_DEC_MAX]; /* decimal, exact */
    uint64_t deferred_confirming; /* a final verdict awaiting agreement */
} tk_redeem_stats;

typedef struct tk_redeem_queue tk_redeem_queue;

/** redeem_gas 350000 (go-livepeer's L1 budget), batch 150000 + 90000 per
 *  ticket (about twice the estimates of docs/redemption.md: they are also
 *  the gas limits handed to submit), gas cap 3,000,000 (31 tickets per
 *  batch), max_batch 0, backoff 10 blocks, no events, final verdicts
 *  confirmed over 3 blocks. */
TK_API tk_status tk_redeem_config_default(tk_redeem_config *cfg)
    TK_ARG_NONNULL(1);

/** Create a queue over a store, a chain view and the sender monitor.
 *  chain and store are copied (their self pointers must stay valid);
 *  monitor is borrowed. At creation the queue claims the pending amount of
 *  every winner the store holds as SUBMITTED (tk_monitor_claim_pending; a
 *  restarted node thereby restores its in-flight accounting). In memory
 *  the queue must be the only one adding pending amounts for these
 *  winners. On a shared monitor the claims are idempotent, and the claims
 *  of NEW / FAILED winners (left by a queue that crashed between its claim
 *  and its submit) are released: in a fleet only the holder of the
 *  redeemer lease may run a queue (fleet.h does this).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL; redeem_gas 0; gas_cap below
 *           redeem_gas; batch_ticket_gas 0); TK_ERR_NOMEM; TK_ERR_STORE;
 *           errors of the monitor. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_queue_create(
    const tk_ctx *ctx, tk_redeem_queue **out, const tk_redeem_config *cfg,
    const tk_store *store, const tk_chain *chain, tk_monitor *monitor,
    tk_redeem_submit_fn submit, void *submit_data)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5) TK_ARG_NONNULL(6) TK_ARG_NONNULL(7);

/** As tk_redeem_queue_create, with a callback that records each call
 *  before its broadcast (tk_redeem_submit_recorded_fn). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_queue_create_recorded(
    const tk_ctx *ctx, tk_redeem_queue **out, const tk_redeem_config *cfg,
    const tk_store *store, const tk_chain *chain, tk_monitor *monitor,
    tk_redeem_submit_recorded_fn submit, void *submit_data)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5) TK_ARG_NONNULL(6) TK_ARG_NONNULL(7);

/** NULL is a no-op. The store keeps every winner. */
TK_API void tk_redeem_queue_destroy(tk_redeem_queue *q);

/** Run the queue for L1 block `block`. For every winner in state NEW or
 *  FAILED (oldest creation round first):
 *  - expired on-chain (creationRound + 2 <= currentRound): marked USED if
 *    the chain reports its hash used, else EXPIRED (event with face value);
 *  - not yet: its params expiration block is above `block`;
 *  - used on-chain: marked USED;
 *  - USED and EXPIRED are final, so they are set only once reads at
 *    cfg.final_confirmations distinct blocks agree (until then the winner
 *    is deferred, TK_REDEEM_DEFER_CONFIRMING, and not submitted); a read
 *    that disagrees starts over, and a winner not used is submitted;
 *  - a SUBMITTED winner whose transaction an outcome found redeeming it
 *    (see tk_redeem_queue_outcome) is read again: used, it becomes
 *    CONFIRMED once reads at cfg.final_confirmations distinct blocks agree
 *    (its pending amount released then; until then DEFER_CONFIRMING); not
 *    used, the transaction is gone (a reorg) or the read was wrong: FAILED
 *    (pending released, retried after the backoff);
 *  - deferred (kept as it is): the current round is not initialized; a
 *    failed transaction is younger than the backoff; faceValue <=
 *    redeemGas * gasPrice; the sender's available funds (monitor) <=
 *    redeemGas * gasPrice, or below the face value of the winners chosen
 *    before it (the contract reverts when it cannot pay in full);
 *  - otherwise grouped per sender into calls whose estimated gas fits the
 *    cap (the single call for one ticket, the batch call for several),
 *    whose pending amounts are claimed first (tk_monitor_claim_pending
 *    with the funds check; a refused winner is deferred, DEFER_FUNDS),
 *    submitted (on failure the claims are released) and marked SUBMITTED
 *    with the transaction hash.
 *  Returns: TK_OK; TK_ERR_CHAIN (rounds or gas price unavailable: nothing
 *           done); TK_ERR_STORE; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG.
 *  Thread safety: calls are serialized by the queue's mutex. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_queue_on_block(
    tk_redeem_queue *q, uint64_t block) TK_ARG_NONNULL(1);

/** Apply what happened to transaction tx_hash. For each winner of that
 *  transaction: if the chain reports the hash used it becomes CONFIRMED
 *  (outcome CONFIRMED) or USED; otherwise EXPIRED when past the validity
 *  window, else FAILED (kept, retried after the backoff); the pending
 *  amount is subtracted as it leaves SUBMITTED. With final_confirmations
 *  > 1 no final state is decided here from one read: USED / EXPIRED
 *  become FAILED and the following blocks confirm the verdict, and
 *  CONFIRMED stays SUBMITTED (amount still pending; this read, counted at
 *  the chain's head, is the first) until on_block's reads at later blocks
 *  agree. A confirmed batch may still have skipped some tickets; those
 *  become FAILED too. When the used-query fails, a confirmed single call
 *  counts as a "used" read and anything else as FAILED. The counts are in
 *  memory: after a restart the outcome of a SUBMITTED winner must be
 *  reported again.
 *  Args: reason: the revert reason or NULL (only reported in events).
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (no SUBMITTED winner has tx_hash);
 *           TK_ERR_STORE; TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_queue_outcome(
    tk_redeem_queue *q, const tk_hash *tx_hash, tk_redeem_outcome outcome,
    const char *reason) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Operator re-queue through the running queue: FAILED or SUBMITTED -> NEW
 *  (a SUBMITTED winner's pending amount is subtracted; if its transaction
 *  is mined later the next block finds the hash used). NEW stays NEW.
 *  USED or EXPIRED -> NEW when the chain now shows the winner redeemable
 *  (hash not used, inside the validity window): a verdict once taken from
 *  bad reads can be undone.
 *  Returns: TK_OK; TK_ERR_STATE (CONFIRMED; or USED / EXPIRED that the
 *           chain still shows used or expired); TK_ERR_CHAIN (the chain
 *           could not be read); TK_ERR_NOT_FOUND; TK_ERR_STORE. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_redeem_queue_requeue(
    tk_redeem_queue *q, const tk_hash *ticket_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Counters since creation, and the exact face value of the winners this
 *  queue found expired. */
TK_API tk_status tk_redeem_queue_stats(tk_redeem_queue *q,
    tk_redeem_stats *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_REDEEM_H */

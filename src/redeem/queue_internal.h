/* SPDX-License-Identifier: MIT */
#ifndef TK_REDEEM_QUEUE_INTERNAL_H
#define TK_REDEEM_QUEUE_INTERNAL_H

/* Internal to the redemption queue: the object and helpers shared by the
 * block handler (queue_block.c) and the outcome handler (queue_outcome.c).
 * Every helper expects the caller to hold q->mu. */

#include "core/internal.h"
#include "store/winner_vec.h"
#include "ticket/redeem.h"
#include "ticket/store.h"

#include <gmp.h>
#include <pthread.h>

/* A winner whose last transaction failed waits until not_before. */
typedef struct tk__backoff {
    tk_hash ticket_hash;
    uint64_t not_before;
} tk__backoff;

/* A final verdict (USED or EXPIRED of a NEW / FAILED winner, CONFIRMED of
 * a SUBMITTED one whose transaction was mined) being confirmed: reads at
 * `reads` distinct blocks agreed, the last at last_block (queue_verdict.c). */
typedef struct tk__verdict {
    tk_hash ticket_hash;
    tk_winner_state state;
    uint64_t last_block;
    uint32_t reads;
} tk__verdict;

/* The handle a recording submit callback gets (redeem.h): the queue it
 * belongs to, valid while q->call_ws is set. */
struct tk_redeem_call {
    struct tk_redeem_queue *q;
};

struct tk_redeem_queue {
    const tk_ctx *ctx;
    tk_redeem_config cfg;
    tk_store store;
    tk_chain chain;
    tk_monitor *monitor;
    tk_redeem_submit_fn submit;                /* one of these two */
    tk_redeem_submit_recorded_fn submit_rec;
    void *submit_data;
    struct tk_redeem_call call_handle;         /* .q = this queue */
    size_t max_per_call; /* from the gas cap and max_batch */
    uint64_t last_block;
    pthread_mutex_t mu;
    tk__backoff *backoff;
    size_t n_backoff, cap_backoff;
    tk__verdict *verdicts;
    size_t n_verdicts, cap_verdicts;
    tk_redeem_stats stats;
    mpz_t expired_total;
    /* A fleet tenure's queue writes through the store's fenced functions
     * (fence.holder points at fence_holder); fence.holder NULL: plain. */
    tk_lease_fence fence;
    char fence_holder[TK_LEASE_HOLDER_MAX + 1];
    /* The call being submitted (submit_call), for a submit callback that
     * records it before its broadcast (tk_redeem_call_record): its winners,
     * whether they were recorded and with which hash, and after a record
     * that failed, the winners it could not put back (call_stuck)
     * and the put-back's status. */
    tk_winner **call_ws;
    const tk_hash *call_hashes; /* their ticket hashes, in order */
    size_t call_k;
    unsigned char *call_stuck;
    tk_hash *call_tx_out;      /* the callback's tx_hash: the record fills it */
    int call_recorded;         /* 0 not yet, 1 recorded, -1 the record failed */
    tk_hash call_tx;
    tk_status call_put_back;
};

/* The queue's writes: set_state, and the monitor's pending claim and
 * release, fenced when the queue has a fence. */
tk_status tk__redeem_set_state(tk_redeem_queue *q, const tk_hash *ticket_hash,
                               tk_winner_state state, const tk_hash *tx_hash);
tk_status tk__redeem_claim(tk_redeem_queue *q, const tk_winner *w,
                           int check_funds);
/* A failed release leaves the amount counted (the conservative side): a
 * mismatch is not fatal, the next tenure's queue restores the rows. */
void tk__redeem_release(tk_redeem_queue *q, const tk_winner *w);

/* Copy the winners in the states of mask (all senders) into *out. */
tk_status tk__redeem_collect(tk_redeem_queue *q, unsigned mask,
                             tk__winner_vec *out);

/* Report an event to the configured callback (if any). */
void tk__redeem_emit(tk_redeem_queue *q, tk_redeem_event_kind kind,
                     tk_redeem_defer defer, const tk_winner *w,
                     const tk_hash *tx_hash, tk_redeem_outcome outcome,
                     const char *reason);

/* Move w to `state` in the store and account for it (stats, expired
 * total, event). */
tk_status tk__redeem_settle(tk_redeem_queue *q, const tk_winner *w,
                            tk_winner_state state, tk_redeem_outcome outcome,
                            const char *reason);

/* tk__redeem_settle for a SUBMITTED winner: its pending amount is
 * released first (a crash after the release leaves it SUBMITTED, and the
 * next queue claims it again). When the state write fails the winner
 * stays SUBMITTED and its outcome will be reported again, so the amount
 * is claimed back: released twice, an in-memory monitor's per-sender sum
 * would fall below what is in flight. */
tk_status tk__redeem_settle_inflight(tk_redeem_queue *q, const tk_winner *w,
                                     tk_winner_state state, tk_redeem_outcome outcome,
                                     const char *reason);

/* 1 if w is past the on-chain validity window (creationRound + 2 <=
 * currentRound; ticketValidityPeriod = 2). */
int tk__redeem_expired_onchain(const tk_winner *w, const tk_round_info *r);

/* 1 when reads at cfg.final_confirmations distinct increasing blocks
 * (this one included) agree that w is in `state` (USED, EXPIRED or
 * CONFIRMED); a different state starts the count over. */
int tk__verdict_observe(tk_redeem_queue *q, const tk_hash *h,
                        tk_winner_state state, uint64_t block);
/* 1 when a verdict for `state` is being confirmed for h. */
int tk__verdict_is(tk_redeem_queue *q, const tk_hash *h, tk_winner_state state);
/* A read disagreed (or the winner was settled): forget the count. */
void tk__verdict_clear(tk_redeem_queue *q, const tk_hash *h);

/* Backoff bookkeeping. */
uint64_t tk__backoff_get(const tk_redeem_queue *q, const tk_hash *h);
tk_status tk__backoff_set(tk_redeem_queue *q, const tk_hash *h,
                          uint64_t not_before);
void tk__backoff_clear(tk_redeem_queue *q, const tk_hash *h);

#endif /* TK_REDEEM_QUEUE_INTERNAL_H */

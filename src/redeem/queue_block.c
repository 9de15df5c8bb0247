/* SPDX-License-Identifier: MIT */
/* The redemption queue's block handler: decide for every NEW / FAILED
 * winner whether it waits, expired, was used, is deferred or goes into a
 * transaction now; then group per sender under the gas cap and submit.
 * The order of the checks is the order of the header's description. */
#include "redeem/queue_internal.h"

#include "core/memzero.h"
#include "model/mpz_u64.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

/* Per-block facts every decision needs. */
typedef struct block_ctx {
    uint64_t block;
    tk_round_info rounds;
    mpz_t tx_cost; /* redeemGas * gasPrice */
} block_ctx;

static void defer(tk_redeem_queue *q, const tk_winner *w, tk_redeem_defer why)
{
    if (why == TK_REDEEM_DEFER_ROUND)
        q->stats.deferred_round++;
    else if (why == TK_REDEEM_DEFER_FACE_VALUE)
        q->stats.deferred_face_value++;
    else if (why == TK_REDEEM_DEFER_FUNDS)
        q->stats.deferred_funds++;
    else if (why == TK_REDEEM_DEFER_CONFIRMING)
        q->stats.deferred_confirming++;
    tk__redeem_emit(q, TK_REDEEM_EV_DEFERRED, why, w, NULL,
                    TK_REDEEM_CONFIRMED, NULL);
}

/* a (uint256) <= b (mpz). */
static int u256_le(const tk_u256 *a, const mpz_t b)
{
    mpz_t v;
    int r;
    mpz_init(v);
    (void)tk_u256_to_mpz(v, a);
    r = mpz_cmp(v, b) <= 0;
    mpz_clear(v);
    return r;
}

/* Params expired: the block has reached the params' expiration block, so
 * no more tickets are accepted with them and revealing the rand is safe. */
static int params_expired(const tk_winner *w, uint64_t block)
{
    uint64_t exp = 0;
    return tk_u256_to_u64(&exp, &w->expiration_block) == TK_OK &&
           exp <= block;
}

/* Classify one winner. Returns 1 when it should be submitted now. */
static int ready_now(tk_redeem_queue *q, const block_ctx *b,
                     const tk_winner *w, tk_status *st)
{
    int used = 0;

    /* Expiry first: it needs no reveal, and a ticket whose params never
     * expire (a bogus expiration block) must still leave the queue. */
    if (tk__redeem_expired_onchain(w, &b->rounds)) {
        /* Used beats expired: an earlier transaction may have redeemed it. */
        if (q->chain.ticket_used(q->chain.self, &w->ticket_hash, &used) !=
            TK_OK) {
            defer(q, w, TK_REDEEM_DEFER_CHAIN);
            return 0;
        }
        if (tk__verdict_observe(q, &w->ticket_hash,
                                used ? TK_WINNER_USED : TK_WINNER_EXPIRED, b->block))
            *st = tk__redeem_settle(q, w, used ? TK_WINNER_USED
                                               : TK_WINNER_EXPIRED,
                                    TK_REDEEM_CONFIRMED, NULL);
        else
            defer(q, w, TK_REDEEM_DEFER_CONFIRMING);
        return 0;
    }
    if (!params_expired(w, b->block))
        return 0;
    if (!b->rounds.current_round_initialized) {
        defer(q, w, TK_REDEEM_DEFER_ROUND);
        return 0;
    }
    if (tk__backoff_get(q, &w->ticket_hash) > b->block) {
        defer(q, w, TK_REDEEM_DEFER_BACKOFF);
        return 0;
    }
    if (u256_le(&w->ticket.face_value, b->tx_cost)) {
        defer(q, w, TK_REDEEM_DEFER_FACE_VALUE);
        return 0;
    }
    if (q->chain.ticket_used(q->chain.self, &w->ticket_hash, &used) !=
        TK_OK) {
        defer(q, w, TK_REDEEM_DEFER_CHAIN);
        return 0;
    }
    if (used) {
        if (tk__verdict_observe(q, &w->ticket_hash, TK_WINNER_USED, b->block))
            *st = tk__redeem_settle(q, w, TK_WINNER_USED, TK_REDEEM_CONFIRMED,
                                    NULL);
        else
            defer(q, w, TK_REDEEM_DEFER_CONFIRMING);
        return 0;
    }
    /* Not used and inside the window: any verdict in progress was wrong. */
    tk__verdict_clear(q, &w->ticket_hash);
    return 1;
}

/* A SUBMITTED winner whose transaction was reported mined and redeeming
 * it (queue_outcome.c): CONFIRMED, and its pending amount released, once
 * reads at final_confirmations blocks agree the hash is used. A read that
 * says unused (the transaction reorged away, or one read was wrong) sends
 * it back to be retried: FAILED, and the used check before any resubmit
 * turns a lying read into USED, never into a lost winner. Other SUBMITTED
 * winners are in flight: nothing to do. */
static void confirm_submitted(tk_redeem_queue *q, const block_ctx *b,
                              const tk_winner *w, tk_status *st)
{
    tk_winner_state next = TK_WINNER_FAILED;
    int used = 0;

    if (!tk__verdict_is(q, &w->ticket_hash, TK_WINNER_CONFIRMED))
        return;
    if (q->chain.ticket_used(q->chain.self, &w->ticket_hash, &used) != TK_OK) {
        defer(q, w, TK_REDEEM_DEFER_CHAIN);
        return;
    }
    if (used) {
        if (!tk__verdict_observe(q, &w->ticket_hash, TK_WINNER_CONFIRMED, b->block)) {
            defer(q, w, TK_REDEEM_DEFER_CONFIRMING);
            return;
        }
        next = TK_WINNER_CONFIRMED;
    }
    *st = tk__redeem_settle_inflight(q, w, next, TK_REDEEM_CONFIRMED, NULL);
}

/* Claim the pending amount of each of the k winners (funds checked: on a
 * shared monitor this is the fleet-wide atomic decision); a refused one is
 * deferred and dropped from ws. Returns how many are left. A lost lease
 * (*lost = TK_ERR_LEASE_LOST) ends the call: nothing is left to send. */
static size_t claim_call(tk_redeem_queue *q, tk_winner **ws, size_t k, tk_status *lost)
{
    size_t kept = 0;

    for (size_t i = 0; i < k; i++) {
        tk_status st = tk__redeem_claim(q, ws[i], 1);
        if (st == TK_OK) {
            ws[kept++] = ws[i];
        } else if (st == TK_ERR_LEASE_LOST) {
            *lost = st;
            for (size_t j = 0; j < kept; j++) /* fails too: the next tenure's */
                tk__redeem_release(q, ws[j]); /* queue restores the rows */
            return 0;
        } else {
            defer(q, ws[i], st == TK_ERR_PENDING_LIMIT ? TK_REDEEM_DEFER_FUNDS
                                                       : TK_REDEEM_DEFER_CHAIN);
        }
    }
    return kept;
}

/* Release the claims of a call that was not sent, except those of
 * winners left SUBMITTED (stuck[i]): as for any SUBMITTED winner, their
 * claim goes when their transaction is settled (here: reported lost). */
static void release_call(tk_redeem_queue *q, tk_winner **ws, size_t k,
                         const unsigned char *stuck)
{
    for (size_t i = 0; i < k; i++)
        if (!stuck[i])
            tk__redeem_release(q, ws[i]);
}

/* Recorded SUBMITTED, then not sent after all: back to the state and hash
 * each had (ws holds the copies read before the call). The first failure
 * is returned; a winner that could not be put back is flagged in stuck:
 * it stays SUBMITTED with a hash that never went out, is given up as lost
 * after lost_after_blocks and retried. */
static tk_status put_back(tk_redeem_queue *q, tk_winner **ws, size_t k,
                          unsigned char *stuck)
{
    tk_status st = TK_OK;

    for (size_t i = 0; i < k; i++) {
        tk_status s2 = tk__redeem_set_state(q, &ws[i]->ticket_hash, ws[i]->state,
                                            &ws[i]->tx_hash);
        stuck[i] = s2 != TK_OK;
        if (s2 != TK_OK && st == TK_OK)
            st = s2;
    }
    return st;
}

/* Mark the call's k winners SUBMITTED with tx (hashes: their ticket
 * hashes). With the store's set_state_many, in one write: all or none.
 * Without it, one write each: stop_early stops at the first failure (a
 * record before the broadcast, which is then not sent), else every one is
 * tried (after the broadcast, record what can be: a failed batch is
 * tried again one winner at a time, unless the tenure is over). Returns
 * the first failure; *maybe = how many of the first winners the store
 * may hold SUBMITTED after a failure (a lost COMMIT answer,
 * TK_ERR_STORE_UNAVAILABLE, counts the write it hid), which a put-back
 * must undo. */
static tk_status mark_submitted(tk_redeem_queue *q, const tk_hash *hashes, size_t k,
                                const tk_hash *tx, int stop_early, size_t *maybe)
{
    tk_status st = TK_OK, s2;
    size_t i;

    if (q->store.set_state_many != NULL) {
        st = q->store.set_state_many(q->store.self,
                                     q->fence.holder != NULL ? &q->fence : NULL, hashes,
                                     k, TK_WINNER_SUBMITTED, tx);
        *maybe = st == TK_OK || st == TK_ERR_STORE_UNAVAILABLE ? k : 0;
        if (st == TK_OK || stop_early || st == TK_ERR_LEASE_LOST)
            return st;
        st = TK_OK; /* sent already: record each winner that can be */
    }
    for (i = 0; i < k; i++) {
        s2 = tk__redeem_set_state(q, &hashes[i], TK_WINNER_SUBMITTED, tx);
        if (s2 != TK_OK && st == TK_OK)
            st = s2;
        if (s2 != TK_OK && stop_early)
            break;
    }
    *maybe = i < k ? i + (st == TK_ERR_STORE_UNAVAILABLE) : k;
    return st;
}

tk_status tk_redeem_call_record(tk_redeem_call *call, const tk_hash *tx_hash)
{
    tk_redeem_queue *q;
    tk_status st;
    size_t maybe = 0;

    TK_ARG_CHECK_NOCTX(call != NULL && call->q != NULL);
    q = call->q;
    TK_ARG_CHECK(q->ctx, tx_hash != NULL);
    if (q->call_ws == NULL || q->call_recorded != 0)
        return TK_ERR_STATE; /* outside a callback, or recorded / failed once */
    st = mark_submitted(q, q->call_hashes, q->call_k, tx_hash, 1, &maybe);
    if (st != TK_OK) {
        q->call_put_back = put_back(q, q->call_ws, maybe, q->call_stuck);
        q->call_recorded = -1; /* no second try: this call is not sent */
        return st;
    }
    q->call_recorded = 1;
    q->call_tx = *tx_hash;
    *q->call_tx_out = *tx_hash; /* what the callback returns unless it says otherwise */
    return TK_OK;
}

/* Claim the winners' pending amounts, encode and submit one call, and on
 * success mark them SUBMITTED (unless the callback recorded them before
 * its broadcast: tk_redeem_call_record); on failure release the claims. The
 * claim comes first so that a crash after the submit never leaves an
 * in-flight redemption uncounted (a claim left by a crash before the
 * submit is released when the next queue starts: restore_pending). */
static tk_status submit_call(tk_redeem_queue *q, tk_winner **ws, size_t k)
{
    tk_ticket *ts = calloc(k, sizeof *ts);
    tk_sig *sigs = calloc(k, sizeof *sigs);
    tk_u256 *rands = calloc(k, sizeof *rands);
    tk_hash *hashes = calloc(k, sizeof *hashes);
    unsigned char *stuck = calloc(k, 1);
    uint8_t *cd = NULL;
    size_t len = 0;
    uint64_t gas;
    tk_hash tx;
    tk_status st = TK_ERR_NOMEM, sub = TK_ERR_STATE, put_back_st;
    size_t claimed = 0, maybe = 0;
    int recorded = 0;

    memset(&tx, 0, sizeof tx);
    if (ts == NULL || sigs == NULL || rands == NULL || hashes == NULL || stuck == NULL)
        goto out;
    st = TK_OK;
    if ((k = claimed = claim_call(q, ws, k, &st)) == 0)
        goto out; /* TK_OK, or the lease lost */
    for (size_t i = 0; i < k; i++) {
        ts[i] = ws[i]->ticket;
        sigs[i] = ws[i]->sig;
        rands[i] = ws[i]->recipient_rand;
        hashes[i] = ws[i]->ticket_hash;
    }
    st = k == 1 ? tk_redeem_single_len(&len, ts)
                : tk_redeem_batch_len(&len, ts, k);
    if (st != TK_OK)
        goto out;
    if ((cd = malloc(len)) == NULL) {
        st = TK_ERR_NOMEM;
        goto out;
    }
    st = k == 1 ? tk_redeem_encode_single(cd, &len, ts, sigs, rands)
                : tk_redeem_encode_batch(cd, &len, ts, sigs, rands, k);
    if (st != TK_OK)
        goto out;
    gas = k == 1 ? q->cfg.redeem_gas
                 : q->cfg.batch_base_gas + (uint64_t)k * q->cfg.batch_ticket_gas;

    q->call_ws = ws;
    q->call_hashes = hashes;
    q->call_k = k;
    q->call_stuck = stuck;
    q->call_tx_out = &tx;
    q->call_recorded = 0;
    q->call_put_back = TK_OK;
    sub = q->submit != NULL
              ? q->submit(q->submit_data, &tx, cd, len, gas, k)
              : q->submit_rec(q->submit_data, &q->call_handle, &tx, cd, len, gas, k);
    recorded = q->call_recorded == 1;
    put_back_st = q->call_put_back;
    q->call_ws = NULL;
    q->call_hashes = NULL;
    q->call_k = 0;
    q->call_stuck = NULL;
    q->call_tx_out = NULL;
    q->call_recorded = 0;
    if (sub != TK_OK) {
        /* Not sent: the winners go back to what they were (any the store
         * could not put back stay SUBMITTED, and keep their claim) and
         * are retried. A failed put-back is the call's status. */
        if (recorded)
            put_back_st = put_back(q, ws, k, stuck);
        if (put_back_st != TK_OK)
            st = put_back_st;
        else if (sub == TK_ERR_LEASE_LOST)
            st = sub; /* the tenure is over */
        q->stats.submit_errors++;
        for (size_t i = 0; i < k; i++)
            tk__redeem_emit(q, TK_REDEEM_EV_DEFERRED, TK_REDEEM_DEFER_SUBMIT,
                            ws[i], NULL, TK_REDEEM_CONFIRMED, NULL);
        goto out;
    }
    q->stats.txs_submitted++;
    q->stats.tickets_submitted += k;
    if (recorded && memcmp(tx.bytes, q->call_tx.bytes, TK_HASH_LEN) != 0)
        recorded = 0; /* sent with another hash than recorded: record it */
    if (!recorded)
        st = mark_submitted(q, hashes, k, &tx, 0, &maybe);
    for (size_t i = 0; i < k; i++) {
        tk__backoff_clear(q, &ws[i]->ticket_hash);
        tk__redeem_emit(q, TK_REDEEM_EV_SUBMITTED, TK_REDEEM_DEFER_NONE,
                        ws[i], &tx, TK_REDEEM_CONFIRMED, NULL);
    }
out:
    if (sub != TK_OK) /* not sent: nothing is in flight */
        release_call(q, ws, claimed, stuck);
    if (cd != NULL)
        tk__memzero(cd, len); /* holds the rands in clear */
    free(cd);
    if (rands != NULL)
        tk__memzero(rands, k * sizeof *rands);
    free(stuck);
    free(hashes);
    free(ts);
    free(sigs);
    free(rands);
    return st;
}

/* One sender's ready winners (oldest first): keep within the available
 * funds, then cut into calls of at most max_per_call. */
static tk_status redeem_sender(tk_redeem_queue *q, const block_ctx *b,
                               tk_winner **grp, size_t n)
{
    tk_u256 avail;
    mpz_t budget, face;
    size_t chosen = 0;
    tk_status st = TK_OK;

    if (tk_monitor_available_funds(q->monitor, &avail, &grp[0]->ticket.sender)
        != TK_OK) {
        for (size_t i = 0; i < n; i++)
            defer(q, grp[i], TK_REDEEM_DEFER_CHAIN);
        return TK_OK;
    }
    mpz_inits(budget, face, NULL);
    (void)tk_u256_to_mpz(budget, &avail);
    if (mpz_cmp(budget, b->tx_cost) <= 0) {
        for (size_t i = 0; i < n; i++)
            defer(q, grp[i], TK_REDEEM_DEFER_FUNDS);
    } else {
        /* The contract reverts unless it can pay a ticket in full. */
        for (size_t i = 0; i < n; i++) {
            (void)tk_u256_to_mpz(face, &grp[i]->ticket.face_value);
            if (mpz_cmp(face, budget) <= 0) {
                mpz_sub(budget, budget, face);
                grp[chosen++] = grp[i];
            } else {
                defer(q, grp[i], TK_REDEEM_DEFER_FUNDS);
            }
        }
        for (size_t i = 0; i < chosen; i += q->max_per_call) {
            size_t k = chosen - i < q->max_per_call ? chosen - i
                                                    : q->max_per_call;
            tk_status s2 = submit_call(q, grp + i, k);
            if (s2 != TK_OK && st == TK_OK)
                st = s2;
        }
    }
    mpz_clears(budget, face, NULL);
    return st;
}

static tk_status run_block(tk_redeem_queue *q, block_ctx *b)
{
    tk__winner_vec all = {NULL, 0, 0};
    tk_winner **ready = NULL;
    size_t n_ready = 0;
    tk_status st = tk__redeem_collect(
        q, TK_WINNER_STATE_BIT(TK_WINNER_NEW) |
               TK_WINNER_STATE_BIT(TK_WINNER_FAILED) |
               (q->n_verdicts > 0 ? TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED) : 0u),
        &all);

    if (st == TK_OK && all.n > 0 &&
        (ready = malloc(all.n * sizeof *ready)) == NULL)
        st = TK_ERR_NOMEM;
    for (size_t i = 0; st == TK_OK && i < all.n; i++)
        if (all.v[i].state == TK_WINNER_SUBMITTED)
            confirm_submitted(q, b, &all.v[i], &st);
        else if (ready_now(q, b, &all.v[i], &st))
            ready[n_ready++] = &all.v[i];

    /* Group per sender, keeping the store's order (creation round first):
     * move each sender's winners to the front of what is left. */
    for (size_t i = 0; st == TK_OK && i < n_ready;) {
        size_t end = i + 1;
        for (size_t j = i + 1; j < n_ready; j++)
            if (memcmp(ready[j]->ticket.sender.bytes,
                       ready[i]->ticket.sender.bytes, TK_ADDRESS_LEN) == 0) {
                tk_winner *w = ready[j];
                memmove(ready + end + 1, ready + end,
                        (j - end) * sizeof *ready);
                ready[end++] = w;
            }
        st = redeem_sender(q, b, ready + i, end - i);
        i = end;
    }
    free(ready);
    tk__winner_vec_free(&all);
    return st;
}

tk_status tk_redeem_queue_on_block(tk_redeem_queue *q, uint64_t block)
{
    block_ctx b;
    tk_u256 gas_price;
    mpz_t gas;
    tk_status st;

    TK_ARG_CHECK_NOCTX(q != NULL);
    memset(&b, 0, sizeof b);
    b.block = block;
    pthread_mutex_lock(&q->mu);
    q->last_block = block;
    if (q->chain.rounds(q->chain.self, &b.rounds) != TK_OK ||
        q->chain.gas_price(q->chain.self, &gas_price) != TK_OK) {
        pthread_mutex_unlock(&q->mu);
        return TK_ERR_CHAIN;
    }
    q->stats.blocks++;
    mpz_inits(b.tx_cost, gas, NULL);
    (void)tk_u256_to_mpz(b.tx_cost, &gas_price);
    tk__mpz_set_u64(gas, q->cfg.redeem_gas);
    mpz_mul(b.tx_cost, b.tx_cost, gas);
    st = run_block(q, &b);
    mpz_clears(b.tx_cost, gas, NULL);
    pthread_mutex_unlock(&q->mu);
    return st;
}

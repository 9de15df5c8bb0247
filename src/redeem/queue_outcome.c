/* SPDX-License-Identifier: MIT */
/* The redemption queue's outcome handler. What the node reports about a
 * transaction is only a hint: the ticket's fate is decided by the chain
 * (is the hash used? is the ticket past its validity window?), so that a
 * failed, reverted or lost transaction never drops a ticket that can
 * still be redeemed, and a confirmed batch that skipped a ticket does not
 * mark it redeemed. */
#include "redeem/queue_internal.h"

#include <string.h>

/* The winner's new state after its transaction's outcome. SUBMITTED: our
 * transaction redeemed it by this read, which is not final yet (a reorg
 * may drop the transaction, a read may be wrong): it stays SUBMITTED, its
 * amount pending, until later blocks agree (confirm_submitted in
 * queue_block.c). */
static tk_winner_state decide(tk_redeem_queue *q, const tk_winner *w,
                              tk_redeem_outcome outcome, size_t n_in_tx,
                              const tk_round_info *rounds, int have_rounds)
{
    tk_winner_state redeemed = q->cfg.final_confirmations > 1
                                   ? TK_WINNER_SUBMITTED : TK_WINNER_CONFIRMED;
    int used = 0;

    if (q->chain.ticket_used(q->chain.self, &w->ticket_hash, &used) != TK_OK)
        /* Unknown: only a mined single call proves the redemption (the
         * single call reverts unless it redeems): it counts as the first
         * read. Anything else is retried; the next block's used check
         * settles it. */
        return outcome == TK_REDEEM_CONFIRMED && n_in_tx == 1
                   ? redeemed : TK_WINNER_FAILED;
    if (used && outcome == TK_REDEEM_CONFIRMED)
        return redeemed; /* our transaction, mined: two sources */
    /* USED and EXPIRED are final: from one read only when so configured;
     * otherwise FAILED, and the next blocks confirm the verdict. */
    if (q->cfg.final_confirmations > 1)
        return TK_WINNER_FAILED;
    if (used)
        return TK_WINNER_USED;
    if (have_rounds && tk__redeem_expired_onchain(w, rounds))
        return TK_WINNER_EXPIRED;
    return TK_WINNER_FAILED;
}

/* The chain's head now, or the queue's last block when it is unknown. */
static uint64_t head_block(tk_redeem_queue *q)
{
    uint64_t b = 0;

    if (q->chain.last_block != NULL &&
        q->chain.last_block(q->chain.self, &b) == TK_OK && b > q->last_block)
        return b;
    return q->last_block;
}

static int same_tx(const tk_winner *w, const tk_hash *tx)
{
    return memcmp(w->tx_hash.bytes, tx->bytes, TK_HASH_LEN) == 0;
}

tk_status tk_redeem_queue_outcome(tk_redeem_queue *q, const tk_hash *tx_hash,
                                  tk_redeem_outcome outcome,
                                  const char *reason)
{
    tk__winner_vec sub = {NULL, 0, 0};
    tk_round_info rounds;
    size_t n_in_tx = 0;
    int have_rounds;
    tk_status st, err = TK_OK;

    TK_ARG_CHECK_NOCTX(q != NULL);
    TK_ARG_CHECK(q->ctx, tx_hash != NULL);
    TK_ARG_CHECK(q->ctx, (unsigned)outcome <= (unsigned)TK_REDEEM_RPC_ERROR);
    pthread_mutex_lock(&q->mu);
    st = tk__redeem_collect(q, TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED),
                            &sub);
    for (size_t i = 0; st == TK_OK && i < sub.n; i++)
        n_in_tx += same_tx(&sub.v[i], tx_hash);
    if (st == TK_OK && n_in_tx == 0)
        st = TK_ERR_NOT_FOUND;
    memset(&rounds, 0, sizeof rounds);
    have_rounds = st == TK_OK &&
                  q->chain.rounds(q->chain.self, &rounds) == TK_OK;
    for (size_t i = 0; st == TK_OK && i < sub.n; i++) {
        const tk_winner *w = &sub.v[i];
        tk_winner_state next;
        tk_status s2;

        if (!same_tx(w, tx_hash))
            continue;
        next = decide(q, w, outcome, n_in_tx, &rounds, have_rounds);
        if (next == TK_WINNER_SUBMITTED) {
            /* The first agreeing read, counted at the chain's head (a
             * block read later counts only if it is above). Out of
             * memory: FAILED instead - the next blocks find it used. */
            (void)tk__verdict_observe(q, &w->ticket_hash, TK_WINNER_CONFIRMED,
                                      head_block(q));
            if (tk__verdict_is(q, &w->ticket_hash, TK_WINNER_CONFIRMED))
                continue;
            next = TK_WINNER_FAILED;
        }
        /* Out of flight and settled: the pending amount goes now. A
         * mismatch (pending lost by a restart) is not fatal. */
        s2 = tk__redeem_settle_inflight(q, w, next, outcome, reason);
        if (s2 != TK_OK && err == TK_OK)
            err = s2; /* keep going: settle the others */
    }
    if (st == TK_OK)
        st = err;
    pthread_mutex_unlock(&q->mu);
    tk__winner_vec_free(&sub);
    return st;
}

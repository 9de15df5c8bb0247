/* SPDX-License-Identifier: MIT */
/* The redeemer's transactions in flight: receipt, usedTickets of every
 * ticket carried at the receipt's block, then the outcome for the queue.
 * A transaction is settled only when all of that could be read. */
#include "eth/redeem_internal.h"
#include "eth/txsender_internal.h"

#include "core/internal.h"
#include "core/memzero.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tk__inflight_free(tk__inflight *f)
{
    free(f->tickets);
    memset(f, 0, sizeof *f);
}

tk_status tk__redeemer_track(tk_eth_redeemer *r, const tk_hash *tx,
                             uint64_t id, const tk_hash *tickets, size_t n)
{
    tk__inflight f;

    if (r->n_fl == r->cap_fl) {
        size_t cap = r->cap_fl ? 2 * r->cap_fl : 8;
        tk__inflight *nf = realloc(r->fl, cap * sizeof *nf);
        if (nf == NULL)
            return TK_ERR_NOMEM;
        r->fl = nf;
        r->cap_fl = cap;
    }
    memset(&f, 0, sizeof f);
    f.tx_hash = *tx;
    f.id = id;
    f.since_block = r->block;
    f.n = n;
    if ((f.tickets = malloc(n * sizeof *f.tickets)) == NULL)
        return TK_ERR_NOMEM;
    memcpy(f.tickets, tickets, n * sizeof *f.tickets);
    r->fl[r->n_fl++] = f;
    return TK_OK;
}

static void emit(tk_eth_redeemer *r, const tk__inflight *f,
                 tk_redeem_outcome oc, const tk_rpc_receipt *rc,
                 size_t used, const char *reason)
{
    tk_eth_redeem_tx_event ev;

    if (r->tx_fn == NULL)
        return;
    memset(&ev, 0, sizeof ev);
    ev.tx_hash = f->tx_hash;
    ev.outcome = oc;
    ev.block = rc != NULL ? rc->block_number : 0;
    ev.gas_used = rc != NULL ? rc->gas_used : 0;
    ev.tickets = f->n;
    ev.tickets_used = used;
    ev.reason = reason;
    r->tx_fn(&ev, r->tx_data);
}

/* Hand the outcome to the queue, answering its used-queries from `used`
 * (NULL: it reads the chain itself). NOT_FOUND: an operator re-queued the
 * winners meanwhile; nothing left to settle. */
static tk_status report(tk_eth_redeemer *r, const tk__inflight *f,
                        tk_redeem_outcome oc, const int *used,
                        const char *reason)
{
    tk_status st;

    r->answering = used != NULL ? f : NULL;
    r->answers = used;
    st = tk_redeem_queue_outcome(r->q, &f->tx_hash, oc,
                                 reason != NULL && reason[0] ? reason : NULL);
    r->answering = NULL;
    r->answers = NULL;
    if (st == TK_ERR_LEASE_LOST)
        r->lease_lost = 1;
    return st == TK_ERR_NOT_FOUND ? TK_OK : st;
}

/* Where a transaction is: PENDING, or final with its receipt (SUCCEEDED /
 * REVERTED, reason filled when the replay gave one) or FAILED. 0 when it
 * could not be read. */
static int fetch(tk_eth_redeemer *r, const tk__inflight *f,
                 tk_eth_tx_state *state, tk_rpc_receipt *rc, char *reason,
                 size_t cap)
{
    tk_eth_tx_outcome oc;
    int found = 0;

    reason[0] = '\0';
    if (f->id == 0) {
        /* Found in the store after a restart: by hash (a replacement the
         * earlier sender sent is not known; the queue asks the chain). */
        if (tk_rpc_get_receipt(r->rpc, rc, &found, &f->tx_hash) != TK_OK)
            return 0;
        *state = !found ? TK_ETH_TX_PENDING
                 : rc->status == 1 ? TK_ETH_TX_SUCCEEDED : TK_ETH_TX_REVERTED;
        return 1;
    }
    if (tk_eth_sender_outcome(r->sender, f->id, &oc) != TK_OK)
        return 0;
    *state = oc.state;
    *rc = oc.receipt;
    if (oc.state == TK_ETH_TX_REVERTED && oc.has_revert &&
        oc.revert.kind == TK_ABI_REVERT_ERROR)
        snprintf(reason, cap, "%s", oc.revert.reason);
    return 1;
}

/* The caller's last word before an outcome reaches the queue (a fleet
 * renews its lease here): 0 keeps the transaction in flight. */
static int may_settle(tk_eth_redeemer *r)
{
    if (r->settle_guard == NULL ||
        r->settle_guard(r->settle_guard_data) == TK_OK)
        return 1;
    r->stats.guard_refusals++;
    return 0;
}

/* 1 while a winner of f is still SUBMITTED with f's transaction (the
 * queue is confirming it), or the store could not say. */
static int still_submitted(tk_eth_redeemer *r, const tk__inflight *f)
{
    int found = 0;

    for (size_t i = 0; !found && i < f->n; i++) {
        tk_winner w;
        tk_status st = r->store.get_winner(r->store.self, &f->tickets[i], &w);
        found = st != TK_OK ? st != TK_ERR_NOT_FOUND
                            : w.state == TK_WINNER_SUBMITTED &&
                                  memcmp(w.tx_hash.bytes, f->tx_hash.bytes,
                                         TK_HASH_LEN) == 0;
        tk__memzero(&w, sizeof w);
    }
    return found;
}

/* usedTickets of every ticket f carried, at the receipt's block; after
 * TK__USED_AT_BLOCK_TRIES blocks that failed, at "latest" (the node has
 * pruned that state; what the chain says now is what the queue acts on,
 * and a "used" it reads is confirmed over later blocks). 0: not read. */
static int read_used(tk_eth_redeemer *r, tk__inflight *f,
                     const tk_rpc_receipt *rc, int *used, size_t *n_used)
{
    int latest = f->block_read_errors >= TK__USED_AT_BLOCK_TRIES;

    if (latest)
        r->stats.latest_reads++;
    *n_used = 0;
    for (size_t i = 0; i < f->n; i++) {
        r->stats.used_reads++;
        if (tk__broker_used(r->rpc, &r->broker, &f->tickets[i],
                            latest ? "latest" : NULL, rc->block_number,
                            &used[i]) != TK_OK) {
            if (!latest)
                f->block_read_errors++;
            return 0;
        }
        *n_used += used[i] != 0;
    }
    return 1;
}

/* Settle one transaction if its fate is known: 1 settled, 0 not yet. */
static int settle(tk_eth_redeemer *r, tk__inflight *f, uint64_t block)
{
    tk_rpc_receipt rc;
    tk_eth_tx_state state;
    tk_redeem_outcome oc;
    char reason[TK_ABI_REASON_MAX + 1];
    int done, *used;
    size_t n_used = 0;

    if (f->confirming)
        return !still_submitted(r, f);
    memset(&rc, 0, sizeof rc);
    if (!fetch(r, f, &state, &rc, reason, sizeof reason))
        return 0; /* the node did not answer: next time */
    if (f->reported_lost)
        return state != TK_ETH_TX_PENDING; /* only forget it now */
    if (f->since_block == 0)
        f->since_block = block; /* found in the store: count from now */
    if (state == TK_ETH_TX_PENDING &&
        (block < f->since_block || block - f->since_block < r->lost_after))
        return 0;
    if (state == TK_ETH_TX_PENDING || state == TK_ETH_TX_FAILED) {
        /* Never mined (its nonce went elsewhere), or given up on: the
         * queue asks the chain about each ticket before it retries. */
        if (!may_settle(r))
            return 0;
        r->stats.lost++;
        /* Its nonce may be free again (dropped from the pool): the retry
         * takes the node's count, not one past it (a gap nothing fills). */
        tk__eth_sender_forget_nonce(r->sender);
        emit(r, f, TK_REDEEM_RPC_ERROR, NULL, 0, NULL);
        if (report(r, f, TK_REDEEM_RPC_ERROR, NULL, NULL) != TK_OK)
            return 0;
        /* Ours: the sender keeps it until it is final, then we forget
         * it. Found in the store: nothing to forget, drop it now. */
        f->reported_lost = state == TK_ETH_TX_PENDING && f->id != 0;
        return !f->reported_lost;
    }
    /* Mined: nothing is marked redeemed before every ticket it carried
     * was read at its block (a batch skips failing tickets and succeeds),
     * or, once that state proved unreadable, at the latest block. */
    if ((used = calloc(f->n, sizeof *used)) == NULL)
        return 0;
    if (!read_used(r, f, &rc, used, &n_used)) {
        free(used);
        return 0;
    }
    if (!may_settle(r)) {
        free(used);
        return 0;
    }
    if (state == TK_ETH_TX_SUCCEEDED) {
        oc = TK_REDEEM_CONFIRMED;
        r->stats.mined_ok++;
        r->stats.tickets_skipped += f->n - n_used;
    } else {
        oc = reason[0] ? TK_REDEEM_REVERTED_REASON
                       : TK_REDEEM_REVERTED_NO_REASON;
        r->stats.mined_reverted++;
    }
    emit(r, f, oc, &rc, n_used, reason[0] ? reason : NULL);
    done = report(r, f, oc, used, reason) == TK_OK;
    free(used);
    if (done && still_submitted(r, f)) {
        /* Final for the sender, not yet for the queue: keep watching (an
         * adopted copy would report it again on every block). */
        if (f->id != 0)
            (void)tk_eth_sender_forget(r->sender, f->id);
        f->id = 0;
        f->confirming = 1;
        return 0;
    }
    return done;
}

static size_t poll_locked(tk_eth_redeemer *r, uint64_t block)
{
    size_t settled = 0, i = 0, pending = 0;

    if (block > r->block)
        r->block = block;
    /* One tracking step of the sender (receipts, replacements); an error
     * leaves the transactions as they were for the next block. A
     * replacement is a send too: with transactions pending, the guard
     * first; a refusal skips the step (no receipts read this block
     * either: the outcomes wait, nothing is lost). */
    if (r->guard != NULL && tk_eth_sender_pending(r->sender, &pending) ==
                                TK_OK && pending > 0 &&
        r->guard(r->guard_data) != TK_OK)
        r->stats.guard_refusals++;
    else if (tk_eth_sender_poll(r->sender, NULL) != TK_OK)
        r->stats.poll_errors++;
    while (i < r->n_fl) {
        if (settle(r, &r->fl[i], r->block)) {
            if (r->fl[i].id != 0)
                (void)tk_eth_sender_forget(r->sender, r->fl[i].id);
            tk__inflight_free(&r->fl[i]);
            r->fl[i] = r->fl[--r->n_fl];
            settled++;
        } else {
            i++;
        }
    }
    return settled;
}

tk_status tk_eth_redeemer_poll(tk_eth_redeemer *r, uint64_t block,
                               size_t *settled)
{
    size_t n;

    if (settled != NULL)
        *settled = 0;
    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    n = poll_locked(r, block);
    pthread_mutex_unlock(&r->mu);
    if (settled != NULL)
        *settled = n;
    return TK_OK;
}

tk_status tk_eth_redeemer_on_block(tk_eth_redeemer *r, uint64_t block)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(r != NULL);
    pthread_mutex_lock(&r->mu);
    /* Failing (store, memory): the next block adopts them. */
    (void)tk__redeemer_adopt(r);
    (void)poll_locked(r, block);
    st = r->lease_lost ? TK_ERR_LEASE_LOST : tk_redeem_queue_on_block(r->q, r->block);
    pthread_mutex_unlock(&r->mu);
    return st;
}

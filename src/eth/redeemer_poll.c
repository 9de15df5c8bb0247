/* SPDX-License-Identifier: MIT */
/* The redeemer's transactions in flight: receipt, usedTickets of every
 * ticket carried at the receipt's block, then the outcome for the queue.
 * A transaction is settled only when all of that could be read. */
#include "eth/redeem_internal.h"

#include "core/internal.h"
#include "core/memzero.h"

#include <stdlib.h>
#include <string.h>

void tk__inflight_free(tk__inflight *f)
{
    if (f->calldata != NULL)
        tk_memzero(f->calldata, f->len);
    free(f->calldata);
    free(f->tickets);
    memset(f, 0, sizeof *f);
}

tk_status tk__redeemer_track(tk_eth_redeemer *r, const tk_hash *tx,
                             const tk_hash *tickets, size_t n,
                             const uint8_t *calldata, size_t len)
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
    f.since_block = r->block;
    f.n = n;
    f.len = len;
    f.tickets = malloc(n * sizeof *f.tickets);
    f.calldata = len > 0 ? malloc(len) : NULL;
    if (f.tickets == NULL || (len > 0 && f.calldata == NULL)) {
        tk__inflight_free(&f);
        return TK_ERR_NOMEM;
    }
    memcpy(f.tickets, tickets, n * sizeof *f.tickets);
    if (len > 0)
        memcpy(f.calldata, calldata, len);
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
    return st == TK_ERR_NOT_FOUND ? TK_OK : st;
}

/* Settle one transaction if its fate is known: 1 settled, 0 not yet. */
static int settle(tk_eth_redeemer *r, tk__inflight *f, uint64_t block)
{
    tk_rpc_receipt rc;
    tk_redeem_outcome oc;
    char reason[TK_ABI_REASON_MAX + 1] = "";
    int found = 0, *used;
    size_t n_used = 0;

    if (tk_rpc_get_receipt(r->acct.rpc, &rc, &found, &f->tx_hash) != TK_OK)
        return 0; /* the node did not answer: next time */
    if (!found) {
        if (block < f->since_block || block - f->since_block < r->lost_after)
            return 0;
        /* Dropped, or replaced by someone else's use of the nonce: the
         * queue asks the chain about each ticket before it retries. */
        r->stats.lost++;
        emit(r, f, TK_REDEEM_RPC_ERROR, NULL, 0, NULL);
        return report(r, f, TK_REDEEM_RPC_ERROR, NULL, NULL) == TK_OK;
    }
    /* Mined: nothing is marked redeemed before every ticket it carried
     * was read at its block (a batch skips failing tickets and succeeds). */
    if ((used = calloc(f->n, sizeof *used)) == NULL)
        return 0;
    for (size_t i = 0; i < f->n; i++) {
        r->stats.used_reads++;
        if (tk__broker_used(r->acct.rpc, &r->broker, &f->tickets[i], NULL,
                            rc.block_number, &used[i]) != TK_OK) {
            free(used);
            return 0;
        }
        n_used += used[i] != 0;
    }
    if (rc.status == 1) {
        oc = TK_REDEEM_CONFIRMED;
        r->stats.mined_ok++;
        r->stats.tickets_skipped += f->n - n_used;
    } else {
        tk__account_revert_reason(&r->acct, reason, sizeof reason,
                                  &r->broker, f->calldata, f->len,
                                  rc.block_number);
        oc = reason[0] ? TK_REDEEM_REVERTED_REASON
                       : TK_REDEEM_REVERTED_NO_REASON;
        r->stats.mined_reverted++;
    }
    emit(r, f, oc, &rc, n_used, reason[0] ? reason : NULL);
    found = report(r, f, oc, used, reason) == TK_OK;
    free(used);
    return found;
}

static size_t poll_locked(tk_eth_redeemer *r, uint64_t block)
{
    size_t settled = 0, i = 0;

    if (block > r->block)
        r->block = block;
    while (i < r->n_fl) {
        if (settle(r, &r->fl[i], r->block)) {
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
    (void)poll_locked(r, block);
    st = tk_redeem_queue_on_block(r->q, r->block);
    pthread_mutex_unlock(&r->mu);
    return st;
}

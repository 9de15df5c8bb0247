/* SPDX-License-Identifier: MIT */
/* Final verdicts need agreement (issue 11, defect 5). One chain read that
 * says "used" or "expired" may be wrong (an RPC node behind, a failover, a
 * zero block hash as go-livepeer #2358 saw on Arbitrum); a winner marked
 * USED or EXPIRED on it would never be redeemed, and one marked CONFIRMED
 * on a "used" read at a block later reorged away (or a lying read) would
 * never be resubmitted. So the queue settles a winner in a final state only
 * once reads at final_confirmations distinct, increasing blocks agree; any
 * read that disagrees starts over. Kept in memory: a restart only means
 * more reads, never fewer (a CONFIRMED in progress stays SUBMITTED in the
 * store, and its outcome is reported again). */
#include "redeem/queue_internal.h"

#include <stdlib.h>
#include <string.h>

static tk__verdict *find(tk_redeem_queue *q, const tk_hash *h)
{
    for (size_t i = 0; i < q->n_verdicts; i++)
        if (memcmp(q->verdicts[i].ticket_hash.bytes, h->bytes, TK_HASH_LEN) == 0)
            return &q->verdicts[i];
    return NULL;
}

/* The entry for h, added (state, no reads yet) when there is none; NULL
 * when out of memory. */
static tk__verdict *find_or_add(tk_redeem_queue *q, const tk_hash *h,
                                tk_winner_state state)
{
    tk__verdict *v = find(q, h);

    if (v != NULL)
        return v;
    if (q->n_verdicts == q->cap_verdicts) {
        size_t cap = q->cap_verdicts == 0 ? 16 : q->cap_verdicts * 2;
        tk__verdict *grown = realloc(q->verdicts, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        q->verdicts = grown;
        q->cap_verdicts = cap;
    }
    v = &q->verdicts[q->n_verdicts++];
    v->ticket_hash = *h;
    v->state = state;
    v->last_block = 0;
    v->reads = 0;
    return v;
}

int tk__verdict_observe(tk_redeem_queue *q, const tk_hash *h, tk_winner_state state,
                        uint64_t block)
{
    uint32_t need = q->cfg.final_confirmations > 1 ? q->cfg.final_confirmations : 1;
    tk__verdict *v;

    if (need == 1)
        return 1;
    if ((v = find_or_add(q, h, state)) == NULL)
        return 0; /* not final yet: ask again on a later block */
    /* Start over on the first read, on a disagreeing one, and on one at a
     * block below the last counted (that read came from a view ahead of
     * the chain, or the chain went back): otherwise one far-ahead head
     * would keep every later read from counting. */
    if (v->state != state || v->reads == 0 || block < v->last_block) {
        v->state = state;
        v->last_block = block;
        v->reads = 1;
    } else if (block > v->last_block) {
        v->last_block = block; /* a read at another block agrees */
        v->reads++;
    }
    return v->reads >= need;
}

int tk__verdict_is(tk_redeem_queue *q, const tk_hash *h, tk_winner_state state)
{
    const tk__verdict *v = find(q, h);
    return v != NULL && v->state == state;
}

void tk__verdict_clear(tk_redeem_queue *q, const tk_hash *h)
{
    tk__verdict *v = find(q, h);
    if (v != NULL)
        *v = q->verdicts[--q->n_verdicts];
}

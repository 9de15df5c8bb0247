/* SPDX-License-Identifier: MIT */
/* Tracking: receipts of every version of a nonce, revert replay, the
 * nonce taken by another transaction, replacement of a stuck one. */
#include "eth/txsender_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <string.h>
#include <strings.h>

/* Learn why a mined transaction reverted: eth_call of the same call at
 * the end of its block. TK_OK with the outcome filled, or the tk_rpc
 * error (then nothing changes and the next poll tries again). */
static tk_status replay(tk_eth_sender *s, tk__tracked *t,
                        const tk_rpc_receipt *r)
{
    tk_rpc_call_args a = {&s->address, t->tx.has_to ? &t->tx.to : NULL,
                          &t->tx.value, t->tx.data, t->tx.data_len};
    uint8_t ret[64];
    size_t len = sizeof ret;
    tk_rpc_error e;
    tk_status st = tk_rpc_call(s->rpc, ret, &len, &a, NULL, r->block_number);

    if (st == TK_ERR_RPC_REVERTED) {
        if (tk_rpc_last_error(s->rpc, &e) != TK_OK)
            return TK_ERR_INTERNAL;
        t->out.has_revert = 1;
        t->out.revert = e.revert;
    } else if (st == TK_OK || st == TK_ERR_BUFFER_TOO_SMALL) {
        /* The call succeeds there: it reverted only where it stood in
         * the block, or ran out of gas (out_of_gas says which). */
        t->out.has_revert = 0;
    } else {
        return st;
    }
    return TK_OK;
}

/* A receipt of any version? Newest first: after a replacement the
 * latest is the likeliest. TK_OK with *found; the outcome is final when
 * found. */
static tk_status find_mined(tk_eth_sender *s, tk__tracked *t, int *found)
{
    tk_rpc_receipt r;
    tk_status st;

    *found = 0;
    for (size_t i = t->out.n_hashes; i-- > 0;) {
        st = tk_rpc_get_receipt(s->rpc, &r, found, &t->out.hashes[i]);
        if (st != TK_OK)
            return st;
        if (!*found)
            continue;
        if (r.status == 0) {
            t->out.out_of_gas = r.gas_used >= t->tx.gas_limit;
            if ((st = replay(s, t, &r)) != TK_OK) {
                *found = 0;
                return st;
            }
        }
        t->out.receipt = r;
        t->out.tx_hash = r.tx_hash;
        t->out.state = r.status ? TK_ETH_TX_SUCCEEDED : TK_ETH_TX_REVERTED;
        t->out.failure = TK_OK;
        t->out.replacements_exhausted = 0;
        return TK_OK;
    }
    return TK_OK;
}

static int nonce_too_low(tk_rpc *rpc)
{
    tk_rpc_error e;
    if (tk_rpc_last_error(rpc, &e) != TK_OK || e.status != TK_ERR_RPC_ERROR)
        return 0;
    for (const char *p = e.message; *p; p++)
        if (strncasecmp(p, "nonce too low", 13) == 0)
            return 1;
    return 0;
}

/* Same nonce, both fees bumped >= 12.5% (or today's when higher), never
 * above max_gas_price. */
static tk_status replace(tk_eth_sender *s, tk__tracked *t)
{
    tk_u256 tip, base, cap, new_tip, new_cap;
    const tk_u256 *fresh_tip = NULL, *fresh_cap = NULL;
    tk_u256 old_tip = t->tx.max_priority_fee_per_gas;
    tk_u256 old_cap = t->tx.max_fee_per_gas;
    uint64_t head = 0;
    tk_hash hash;
    int found;
    tk_status st;

    if (t->replacements >= s->opts.max_replacements) {
        t->out.replacements_exhausted = 1;
        return TK_OK;
    }
    if ((st = tk__txs_fees(s, &tip, &base, &head)) != TK_OK)
        return st;
    if (tk_eth_fee_cap(&cap, &base, &tip, &s->opts.max_gas_price) == TK_OK) {
        fresh_tip = &tip;
        fresh_cap = &cap;
    }
    if (tk_eth_fee_bump(&new_tip, &new_cap, &old_tip, &old_cap, fresh_tip,
                        fresh_cap, &s->opts.max_gas_price) != TK_OK) {
        t->out.replacements_exhausted = 1; /* over the ceiling */
        return TK_OK;
    }
    t->tx.max_priority_fee_per_gas = new_tip;
    t->tx.max_fee_per_gas = new_cap;
    st = tk__txs_sign_send(s, t, &hash, NULL, NULL);
    if (tk__txs_may_have_arrived(st)) {
        t->replacements++;
        tk__txs_add_version(t, &hash, head);
        t->out.failure = st;
        return st;
    }
    /* Refused: keep the version that is out there, try again later. */
    t->tx.max_priority_fee_per_gas = old_tip;
    t->tx.max_fee_per_gas = old_cap;
    t->sent_block = head;
    t->sent_ms = tk__txs_now_ms();
    t->out.failure = st;
    if (st == TK_ERR_RPC_ERROR && nonce_too_low(s->rpc)) {
        /* An earlier version was mined meanwhile: find which. */
        tk_status st2 = find_mined(s, t, &found);
        if (st2 != TK_OK || found)
            return st2;
    }
    return st;
}

static int stuck(const tk_eth_sender *s, const tk__tracked *t, uint64_t head)
{
    const tk_eth_sender_options *o = &s->opts;
    return (o->replace_after_blocks > 0 &&
            head >= t->sent_block + o->replace_after_blocks) ||
           (o->replace_after_ms > 0 &&
            tk__txs_now_ms() - t->sent_ms >= o->replace_after_ms);
}

/* One pending transaction. `latest` is the account's mined count and
 * `head` the head block, both read before the receipts. Past our nonce
 * with no receipt of any version: another transaction took the nonce, or
 * the node serves the count before our receipt (anvil does, a few times in
 * a hundred sends). So the verdict waits for a poll at a later head, which
 * has read every version's receipt again; meanwhile no replacement (the
 * nonce is used). Both sightings must be in a row. */
static tk_status track(tk_eth_sender *s, tk__tracked *t, uint64_t latest,
                       uint64_t head)
{
    int found = 0;
    tk_status st = find_mined(s, t, &found);

    if (st != TK_OK || found)
        return st;
    if (latest > t->tx.nonce) {
        if (!t->taken_seen) {
            t->taken_seen = 1;
            t->taken_head = head;
        } else if (head > t->taken_head) {
            t->out.state = TK_ETH_TX_FAILED;
            t->out.failure = TK_ERR_TX_NONCE_TAKEN;
            t->out.replacements_exhausted = 0;
        }
        return TK_OK;
    }
    t->taken_seen = 0; /* a count that went back (a reorg, another node) */
    if (!t->out.replacements_exhausted && stuck(s, t, head))
        return replace(s, t);
    return TK_OK;
}

tk_status tk_eth_sender_poll(tk_eth_sender *s, size_t *n_final)
{
    uint64_t latest = 0, head = 0;
    size_t pending = 0, finals = 0;
    tk_status first = TK_OK, st;

    if (n_final != NULL)
        *n_final = 0;
    TK_ARG_CHECK_NOCTX(s != NULL);
    if (tk_eth_sender_pending(s, &pending) != TK_OK || pending == 0)
        return TK_OK; /* nothing to do: no RPC call */
    if ((st = tk_rpc_transaction_count(s->rpc, &latest, &s->address, 0)) !=
            TK_OK ||
        (st = tk_rpc_block_number(s->rpc, &head)) != TK_OK)
        return st;
    for (size_t i = 0; i < s->opts.max_tracked; i++) {
        tk__tracked *t = &s->slots[i];
        if (t->id == 0 || t->out.state != TK_ETH_TX_PENDING)
            continue;
        st = track(s, t, latest, head);
        if (t->out.state != TK_ETH_TX_PENDING)
            finals++;
        else if (st != TK_OK)
            t->out.failure = st;
        if (st != TK_OK && first == TK_OK)
            first = st;
    }
    if (n_final != NULL)
        *n_final = finals;
    return first;
}

/* SPDX-License-Identifier: MIT */
/* Sending: estimate (a revert stops here), gas limit, fees, the nonce
 * authority, signing, eth_sendRawTransaction. */
#include "eth/txsender_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tk__txs_may_have_arrived(tk_status st)
{
    return st == TK_OK || st == TK_ERR_RPC_TRANSPORT ||
           st == TK_ERR_RPC_TOO_LARGE || st == TK_ERR_RPC_BAD_RESPONSE;
}

/* The node already has this exact transaction (geth "already known",
 * others "already imported" / "known transaction"). */
static int already_known(tk_rpc *rpc)
{
    static const char *const texts[] = {"already known", "already imported",
                                        "known transaction", "alreadyknown"};
    tk_rpc_error e;

    if (tk_rpc_last_error(rpc, &e) != TK_OK || e.status != TK_ERR_RPC_ERROR)
        return 0;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (const char *p = e.message; *p; p++)
            if (strncasecmp(p, texts[i], strlen(texts[i])) == 0)
                return 1;
    return 0;
}

tk_status tk__txs_sign_send(tk_eth_sender *s, tk__tracked *t, tk_hash *hash,
                            tk__txs_before_fn before, void *before_data)
{
    size_t cap = 0, len;
    uint8_t *raw;
    tk_status st;

    memset(hash, 0, sizeof *hash);
    st = tk_eth_tx_signed_len_max(&cap, &t->tx);
    if (st != TK_OK)
        return st;
    if ((raw = malloc(cap)) == NULL)
        return TK_ERR_NOMEM;
    len = cap;
    st = tk_eth_tx_sign(s->ctx, raw, &len, hash, &t->tx, s->seckey);
    if (st == TK_OK && before != NULL && (st = before(before_data, hash)) != TK_OK &&
        tk__txs_may_have_arrived(st))
        st = TK_ERR_STORE; /* refused: must not read as maybe sent */
    if (st == TK_OK) {
        tk_hash echoed;
        st = tk_rpc_send_raw_transaction(s->rpc, &echoed, raw, len);
        if (st == TK_ERR_RPC_ERROR && already_known(s->rpc))
            st = TK_OK;
    } else {
        memset(hash, 0, sizeof *hash); /* nothing went out */
    }
    free(raw);
    return st;
}

tk_status tk__txs_fees(tk_eth_sender *s, tk_u256 *tip, tk_u256 *base_fee,
                       uint64_t *head)
{
    tk_rpc_block b;
    tk_status st;

    /* Not every node has eth_maxPriorityFeePerGas; only a node that
     * cannot be reached at all stops us (the block read would fail too). */
    st = tk_rpc_max_priority_fee(s->rpc, tip);
    if (st == TK_ERR_RPC_TRANSPORT || st == TK_ERR_NOMEM)
        return st;
    if (st != TK_OK || tk_u256_cmp(tip, &s->opts.max_gas_price) > 0)
        *tip = st != TK_OK ? s->opts.fallback_tip : s->opts.max_gas_price;
    st = tk_rpc_get_block(s->rpc, &b, "latest", 0);
    if (st != TK_OK)
        return st;
    *base_fee = b.base_fee; /* 0 before London */
    *head = b.number;
    return TK_OK;
}

void tk__txs_add_version(tk__tracked *t, const tk_hash *hash, uint64_t head)
{
    if (t->out.n_hashes < TK_ETH_TX_VERSIONS_MAX)
        t->out.hashes[t->out.n_hashes++] = *hash;
    t->out.tx_hash = *hash;
    t->out.tip = t->tx.max_priority_fee_per_gas;
    t->out.fee_cap = t->tx.max_fee_per_gas;
    t->sent_block = head;
    t->sent_ms = tk__txs_now_ms();
}

static tk__tracked *free_slot(tk_eth_sender *s)
{
    for (size_t i = 0; i < s->opts.max_tracked; i++)
        if (s->slots[i].id == 0)
            return &s->slots[i];
    return NULL;
}

/* The gas limit: the caller's (never below the estimate) or the estimate
 * plus the margin. */
static tk_status gas_limit(tk_eth_sender *s, uint64_t *limit,
                           const tk_eth_send_request *req)
{
    tk_rpc_call_args a = {&s->address, req->to, &req->value, req->data,
                          req->data_len};
    uint64_t est = 0, extra;
    tk_status st = tk_rpc_estimate_gas(s->rpc, &est, &a);

    if (st != TK_OK)
        return st;
    if (req->gas_limit != 0) {
        *limit = req->gas_limit;
        return req->gas_limit < est ? TK_ERR_OUT_OF_RANGE : TK_OK;
    }
    if (s->opts.gas_margin_percent > 0 &&
        est / 100 > UINT64_MAX / s->opts.gas_margin_percent)
        return TK_ERR_OUT_OF_RANGE;
    extra = est / 100 * s->opts.gas_margin_percent +
            (est % 100) * s->opts.gas_margin_percent / 100;
    if (est > UINT64_MAX - extra)
        return TK_ERR_OUT_OF_RANGE;
    *limit = est + extra;
    return TK_OK;
}

/* The fees of today's head: the tip, and a cap within max_gas_price that
 * covers the base fee (else refused: it could not be mined today). */
static tk_status price(tk_eth_sender *s, tk_eth_tx *tx, uint64_t *head)
{
    tk_u256 tip, base;
    tk_status st;

    if ((st = tk__txs_fees(s, &tip, &base, head)) != TK_OK)
        return st;
    st = tk_eth_fee_cap(&tx->max_fee_per_gas, &base, &tip,
                        &s->opts.max_gas_price);
    if (st != TK_OK)
        return st;
    if (tk_u256_cmp(&tx->max_fee_per_gas, &base) < 0)
        return TK_ERR_OUT_OF_RANGE;
    tx->max_priority_fee_per_gas = tip;
    return TK_OK;
}

tk_status tk__eth_sender_send_hooked(tk_eth_sender *s, uint64_t *id,
                                     const tk_eth_send_request *req,
                                     tk__txs_before_fn before, void *before_data)
{
    tk__tracked *t, nt;
    uint64_t head = 0, pending = 0;
    tk_hash hash;
    tk_status st;

    TK_ARG_CHECK_NOCTX(id != NULL);
    *id = 0;
    TK_ARG_CHECK_NOCTX(s != NULL && req != NULL);
    TK_ARG_CHECK_NOCTX(req->data != NULL || req->data_len == 0);
    if (req->data_len > TK_ETH_TX_DATA_MAX)
        return TK_ERR_INVALID_LENGTH;
    if ((t = free_slot(s)) == NULL)
        return TK_ERR_STATE;

    memset(&nt, 0, sizeof nt);
    nt.tx.chain_id = s->opts.chain_id;
    nt.tx.has_to = req->to != NULL;
    if (req->to != NULL)
        nt.tx.to = *req->to;
    nt.tx.value = req->value;
    /* A given limit is checked against the estimate (one read) before
     * the fees (two). With no limit the estimate can only revert, and a
     * base fee above max_gas_price refuses the send anyway: the fee
     * ceiling first, no estimate for a send that cannot go out (the
     * redeemer's resend after a limit below the estimate is such a send). */
    if (req->gas_limit == 0 && (st = price(s, &nt.tx, &head)) != TK_OK)
        return st;
    if ((st = gas_limit(s, &nt.tx.gas_limit, req)) != TK_OK)
        return st;
    if (req->gas_limit != 0 && (st = price(s, &nt.tx, &head)) != TK_OK)
        return st;

    /* The nonce authority: our own count, unless the node knows more (a
     * restart, or a transaction sent from elsewhere). */
    if ((st = tk_rpc_transaction_count(s->rpc, &pending, &s->address, 1)) !=
        TK_OK)
        return st;
    nt.tx.nonce = s->has_next_nonce && s->next_nonce > pending
                      ? s->next_nonce : pending;
    if (nt.tx.nonce == UINT64_MAX)
        return TK_ERR_OUT_OF_RANGE;

    if (req->data_len > 0) {
        if ((nt.data = malloc(req->data_len)) == NULL)
            return TK_ERR_NOMEM;
        memcpy(nt.data, req->data, req->data_len);
    }
    nt.tx.data = nt.data;
    nt.tx.data_len = req->data_len;
    st = tk__txs_sign_send(s, &nt, &hash, before, before_data);
    if (!tk__txs_may_have_arrived(st)) {
        free(nt.data); /* refused (by the node or `before`): nonce not used */
        return st;
    }
    /* Sent, or maybe sent: track it and consider the nonce used. */
    nt.id = s->next_id++;
    nt.out.state = TK_ETH_TX_PENDING;
    nt.out.nonce = nt.tx.nonce;
    nt.out.gas_limit = nt.tx.gas_limit;
    nt.out.failure = st;
    tk__txs_add_version(&nt, &hash, head);
    s->next_nonce = nt.tx.nonce + 1;
    s->has_next_nonce = 1;
    *t = nt;
    *id = nt.id;
    return TK_OK;
}

tk_status tk_eth_sender_send(tk_eth_sender *s, uint64_t *id,
                             const tk_eth_send_request *req)
{
    return tk__eth_sender_send_hooked(s, id, req, NULL, NULL);
}

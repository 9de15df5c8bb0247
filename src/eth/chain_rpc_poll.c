/* SPDX-License-Identifier: MIT */
/* The poll: read the chain into a snapshot (no cache lock held during
 * network I/O), then install the snapshot at once. A failed read leaves
 * the cache as it was. */
#include "eth/chain_rpc_internal.h"

#include "core/internal.h"
#include "ticket/abi.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <string.h>

#define RET_MAX (4 * TK_ABI_WORD_LEN) /* getSenderInfo: the longest */

/* eth_call of sel(words) on `to` at block `at`; the return data. */
static tk_status call_at(tk_chain_rpc *v, uint8_t ret[RET_MAX], size_t *retlen,
                         const tk_address *to, uint32_t sel,
                         const tk_u256 *words, size_t n, const uint64_t *at)
{
    uint8_t cd[4 + 2 * TK_ABI_WORD_LEN];
    size_t cdlen = sizeof cd;
    tk_rpc_call_args a;
    tk_status st;

    (void)tk_abi_encode_call(cd, &cdlen, sel, words, n);
    memset(&a, 0, sizeof a);
    a.to = to;
    a.data = cd;
    a.data_len = cdlen;
    *retlen = RET_MAX;
    st = tk_rpc_call(v->rpc, ret, retlen, &a, at == NULL ? "latest" : NULL,
                     at == NULL ? 0 : *at);
    /* More bytes than any of our types: not what the contract returns.
     * No bytes at all: no contract at that address. */
    if (st == TK_ERR_BUFFER_TOO_SMALL)
        return TK_ERR_MALFORMED;
    return st == TK_OK && *retlen == 0 ? TK_ERR_NOT_FOUND : st;
}

static tk_status call_u64(tk_chain_rpc *v, uint64_t *out, const tk_address *to,
                          uint32_t sel, const tk_u256 *words, size_t n,
                          const uint64_t *at)
{
    uint8_t ret[RET_MAX];
    size_t len;
    tk_status st = call_at(v, ret, &len, to, sel, words, n, at);

    *out = 0;
    if (st == TK_OK)
        st = tk_abi_decode_u64(out, ret, len);
    return st;
}

/* A round: a u64 that must also fit int64_t. */
static tk_status call_round(tk_chain_rpc *v, int64_t *out, uint32_t sel,
                            const uint64_t *at)
{
    uint64_t r;
    tk_status st = call_u64(v, &r, &v->rounds_mgr, sel, NULL, 0, at);

    *out = 0;
    if (st == TK_OK && r > (uint64_t)INT64_MAX)
        st = TK_ERR_OUT_OF_RANGE;
    if (st == TK_OK)
        *out = (int64_t)r;
    return st;
}

static tk_status block_hash_for_round(tk_chain_rpc *v, tk_hash *out,
                                      int64_t round, const uint64_t *at)
{
    uint8_t ret[RET_MAX];
    size_t len;
    tk_u256 w;
    tk_status st;

    (void)tk_u256_from_u64(&w, (uint64_t)round);
    st = call_at(v, ret, &len, &v->rounds_mgr, TK_ABI_SEL_BLOCK_HASH_FOR_ROUND,
                 &w, 1, at);
    memset(out, 0, sizeof *out);
    if (st == TK_OK)
        st = tk_abi_decode_bytes32(out, ret, len);
    return st;
}

static tk_status read_rounds(tk_chain_rpc *v, tk_round_info *ri,
                             const uint64_t *at)
{
    uint8_t ret[RET_MAX];
    size_t len;
    tk_status st;

    memset(ri, 0, sizeof *ri);
    if ((st = call_round(v, &ri->current_round, TK_ABI_SEL_CURRENT_ROUND,
                         at)) != TK_OK ||
        (st = call_round(v, &ri->last_initialized_round,
                         TK_ABI_SEL_LAST_INITIALIZED_ROUND, at)) != TK_OK ||
        (st = call_at(v, ret, &len, &v->rounds_mgr,
                      TK_ABI_SEL_CURRENT_ROUND_INITIALIZED, NULL, 0, at)) !=
            TK_OK ||
        (st = tk_abi_decode_bool(&ri->current_round_initialized, ret, len)) !=
            TK_OK ||
        (st = block_hash_for_round(v, &ri->last_initialized_block_hash,
                                   ri->last_initialized_round, at)) != TK_OK)
        return st;
    /* The round before the last initialized one: the recipient falls back
     * to it while the last one's hash is still zero. */
    if (ri->last_initialized_round > 0) {
        ri->previous_round = ri->last_initialized_round - 1;
        st = block_hash_for_round(v, &ri->previous_block_hash,
                                  ri->previous_round, at);
    }
    return st;
}

/* max(min, min(max, price)); max 0 is no upper clamp. */
static void clamp_gas(const tk_chain_rpc_options *o, tk_u256 *g)
{
    if (!tk_u256_is_zero(&o->max_gas_price) &&
        tk_u256_cmp(g, &o->max_gas_price) > 0)
        *g = o->max_gas_price;
    if (tk_u256_cmp(g, &o->min_gas_price) < 0)
        *g = o->min_gas_price;
}

/* Everything but the senders, at block hdr->number. */
static tk_status read_state(tk_chain_rpc *v, tk__crpc_state *s,
                            const tk_rpc_block *hdr)
{
    tk_status st;

    memset(s, 0, sizeof *s);
    s->block = hdr->number;
    s->l1_block = hdr->l1_block_number;
    s->has_l1_block_number = hdr->has_l1_block_number;
    if ((st = read_rounds(v, &s->rounds, &hdr->number)) != TK_OK ||
        (st = call_u64(v, &s->pool_size, &v->bonding,
                       TK_ABI_SEL_GET_TRANSCODER_POOL_SIZE, NULL, 0,
                       &hdr->number)) != TK_OK ||
        (st = tk_rpc_gas_price(v->rpc, &s->gas_price_node)) != TK_OK)
        return st;
    s->gas_price = s->gas_price_node;
    clamp_gas(&v->opts, &s->gas_price);
    return TK_OK;
}

/* getSenderInfo(addr) and claimedReserve(addr, recipient) at `at` (the
 * latter only with a recipient). */
static tk_status read_sender(tk_chain_rpc *v, tk__crpc_sender *e,
                             const uint64_t *at)
{
    uint8_t ret[RET_MAX];
    size_t len;
    tk_u256 w[2];
    tk_abi_sender_info si;
    tk_status st;

    (void)tk_abi_address_word(&w[0], &e->addr);
    (void)tk_abi_address_word(&w[1], &v->opts.recipient);
    if ((st = call_at(v, ret, &len, &v->broker, TK_ABI_SEL_GET_SENDER_INFO, w,
                      1, at)) != TK_OK ||
        (st = tk_abi_decode_sender_info(&si, ret, len)) != TK_OK)
        return st;
    if (!tk_address_is_zero(&v->opts.recipient) &&
        ((st = call_at(v, ret, &len, &v->broker, TK_ABI_SEL_CLAIMED_RESERVE, w,
                      2, at)) != TK_OK ||
         (st = tk_abi_decode_uint256(&e->claimed, ret, len)) != TK_OK))
        return st;
    e->funds.deposit = si.deposit;
    e->funds.withdraw_round = si.withdraw_round;
    e->funds.reserve_funds_remaining = si.funds_remaining;
    e->funds.reserve_claimed_in_current_round = si.claimed_in_current_round;
    e->fetched = 1;
    return TK_OK;
}

/* The three contracts from the Controller, set only if all resolve. */
static tk_status resolve_contracts(tk_chain_rpc *v)
{
    static const char *const names[3] = {"TicketBroker", "RoundsManager",
                                         "BondingManager"};
    tk_address got[3];
    uint8_t ret[RET_MAX];
    size_t len;
    tk_hash h;
    tk_u256 id;
    tk_status st;

    for (int i = 0; i < 3; i++) {
        (void)tk_keccak256(&h, names[i], strlen(names[i]));
        memcpy(id.bytes, h.bytes, TK_HASH_LEN);
        if ((st = call_at(v, ret, &len, &v->opts.controller,
                          TK_ABI_SEL_GET_CONTRACT, &id, 1, NULL)) != TK_OK ||
            (st = tk_abi_decode_address(&got[i], ret, len)) != TK_OK)
            return st;
        if (tk_address_is_zero(&got[i]))
            return TK_ERR_NOT_FOUND; /* not registered */
    }
    v->broker = got[0];
    v->rounds_mgr = got[1];
    v->bonding = got[2];
    v->have_contracts = 1;
    return TK_OK;
}

/* Copy into staging the senders this poll reads: all of them at a new
 * block, else those not fetched yet. Caller holds mu. */
static size_t stage_senders(tk_chain_rpc *v, int all)
{
    size_t k = 0;

    for (size_t i = 0; i < v->n_senders; i++) {
        if (all || !v->senders[i].fetched) {
            memset(&v->staging[k], 0, sizeof v->staging[k]);
            v->staging[k++].addr = v->senders[i].addr;
        }
    }
    return k;
}

/* A sender a callback registered whose funds are all zero: most likely an
 * address someone made up (a payment naming it registers it before its
 * signatures are checked). Dropped, so that such addresses neither fill
 * the table nor cost requests at every block. */
static int unfunded_stranger(const tk__crpc_sender *e)
{
    return e->fetched && !e->watched && tk_u256_is_zero(&e->funds.deposit) &&
           tk_u256_is_zero(&e->funds.reserve_funds_remaining) &&
           tk_u256_is_zero(&e->funds.withdraw_round);
}

static void drop_strangers(tk_chain_rpc *v)
{
    size_t k = 0;

    for (size_t i = 0; i < v->n_senders; i++)
        if (!unfunded_stranger(&v->senders[i]))
            v->senders[k++] = v->senders[i];
    v->n_senders = k; /* the order (sorted) is kept */
}

/* Install what the poll read. Caller holds mu. */
static void install(tk_chain_rpc *v, const tk__crpc_state *s, size_t k)
{
    if (s != NULL) {
        uint64_t l1_prev = v->valid ? v->st.l1_block : 0;
        v->st = *s;
        /* l1BlockNumber may repeat (many L2 blocks per L1 block); it never
         * goes back. */
        if (v->st.l1_block < l1_prev)
            v->st.l1_block = l1_prev;
        v->valid = 1;
        v->refreshes++;
    }
    for (size_t j = 0; j < k; j++) {
        int found;
        size_t i = tk__crpc_find(v, &v->staging[j].addr, &found);
        if (found) { /* always: only install removes senders */
            int watched = v->senders[i].watched;
            v->senders[i] = v->staging[j];
            v->senders[i].watched = watched;
        }
    }
    drop_strangers(v);
    v->polls++;
    v->last_ok_ms = tk__crpc_now_ms();
}

tk_status tk_chain_rpc_poll(tk_chain_rpc *v, int *refreshed)
{
    tk_rpc_block hdr;
    tk__crpc_state s;
    uint64_t at;
    size_t k;
    int is_new;
    tk_status st = TK_OK;

    if (refreshed != NULL)
        *refreshed = 0;
    TK_ARG_CHECK_NOCTX(v != NULL);
    pthread_mutex_lock(&v->rpc_mu);
    if (!v->have_contracts)
        st = resolve_contracts(v);
    if (st == TK_OK)
        st = tk_rpc_get_block(v->rpc, &hdr, "latest", 0);
    if (st != TK_OK)
        goto out;

    pthread_mutex_lock(&v->mu);
    is_new = !v->valid || hdr.number > v->st.block;
    at = is_new ? hdr.number : v->st.block;
    /* A header below the cached block: this endpoint lags, and may not
     * have the cached block to read new senders at. Nothing is read. */
    k = hdr.number < at ? 0 : stage_senders(v, is_new);
    pthread_mutex_unlock(&v->mu);

    if (is_new)
        st = read_state(v, &s, &hdr);
    for (size_t j = 0; j < k && st == TK_OK; j++)
        st = read_sender(v, &v->staging[j], &at);
    if (st != TK_OK)
        goto out;

    pthread_mutex_lock(&v->mu);
    install(v, is_new ? &s : NULL, k);
    pthread_mutex_unlock(&v->mu);
    if (refreshed != NULL)
        *refreshed = is_new;
out:
    pthread_mutex_unlock(&v->rpc_mu);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* The fleet's redeemer on a chain (eth_fleet.h) against a fake node: two
 * nodes share one store and one gas account, each with its own rpc
 * client and transaction sender on a fake JSON-RPC node (mock_rpc.c with
 * a handler) that keeps a TicketBroker's usedTickets per block, a pool,
 * nonces and receipts; the test mines by hand. What each test tries to
 * break:
 *   guard          a may_submit that refuses: nothing estimated or sent,
 *                  the winners stay NEW, their claims are released; then
 *                  allowed, sent once.
 *   stall          the holder stalls inside its block past its lease and
 *                  the other node takes over: the stalled node's fenced
 *                  claim fails and its tenure ends (nothing reaches the
 *                  node), the new holder sends each winner once.
 *   takeover       the holder dies with its transaction in the pool; it
 *                  is mined; the new holder settles it from its receipt
 *                  (usedTickets at the receipt's block) without sending
 *                  anything, and its pending amounts go to zero.
 *   lost_unused    the dead holder's transaction is dropped from the
 *                  pool: the new holder waits lost_after_blocks of its
 *                  tenure (never 0: the count starts at its first block),
 *                  then retries the winners once, and they are redeemed.
 *   lost_used      the dead holder's transaction was replaced and the
 *                  replacement mined (a hash the new holder never sees):
 *                  after lost_after_blocks the chain says used, nothing is
 *                  sent again.
 *   stall_settle   the holder stalls past its lease while it reads a
 *                  receipt's usedTickets: it writes no outcome (the
 *                  winners stay SUBMITTED); the new holder settles them.
 *   stall_after_send the holder stalls past its lease right after its
 *                  broadcast: the store named the transaction before it
 *                  went out, so the new holder settles it from its
 *                  receipt and sends nothing.
 *   stall_before_record the holder stalls between its renewal and its
 *                  record: the fenced record fails, nothing is broadcast,
 *                  no nonce used; the new holder sends once.
 *   refused_put_back the node refuses the broadcast: the recorded winners
 *                  go back to NEW (claims released, nonce unused) and are
 *                  sent on the next block.
 *   refused_after_takeover the same refusal after the lease moved: the
 *                  winner stays SUBMITTED with a hash that never went
 *                  out; the new holder gives it up as lost after
 *                  lost_after_blocks and sends it once.
 * Every block of every test checks that each transaction the node got
 * was named (SUBMITTED with its hash, or its first version's) in the
 * store before it arrived.
 *   tenure_end     a holder that loses the lease stops tracking its
 *                  transactions in its sender (it is no longer the nonce
 *                  authority; the new holder tracks them from the store).
 *   nonce_tenure   a holder's transaction is dropped from the pool after
 *                  its tenure ended: its next tenure's first send takes
 *                  the node's count (the dropped nonce), not one past its
 *                  own last nonce (a gap every later send waits behind).
 *   nonce_lost     the same within one tenure: the retry of a transaction
 *                  given up as lost takes the freed nonce.
 *   replace_guard  a replacement is a send: the guard refusing in a block
 *                  sends no replacement; allowed again, it is sent.
 *   gas_resend     the node's estimate above the queue's gas figure: the
 *                  sender refuses the send (TK_ERR_OUT_OF_RANGE) and the
 *                  redeemer resends with the estimate, after the guard
 *                  again: sent once; the guard refusing the resend sends
 *                  nothing; a base fee above max_gas_price fails both
 *                  sends with one eth_estimateGas (the resend checks the
 *                  fee ceiling first). Every transaction the node gets carries the
 *                  next nonce (none reused or skipped), each winner once.
 *   late_submitted a stale holder's SUBMITTED (with its claim) lands after
 *                  the new tenure's reconciliation: the holder adopts it
 *                  on its next block and settles it from the receipt.
 * The lease is a minute long and ends only when a test says so (released
 * in the store: expiry on demand), so no step depends on how fast this
 * machine runs.
 *   misuse         NULLs, a store without the lease or the fenced writes,
 *                  a monitor that is not
 *                  shared, a zero broker, lease 0, bad holder ids. */
#include "test_support.h"
#include "test_winner.h"

#include "mock_rpc.h"
#include "ticket/abi.h"
#include "ticket/chain.h"
#include "ticket/eth_fleet.h"
#include "ticket/eth_tx.h"
#include "ticket/keccak.h"
#include "ticket/u256.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GWEI 1000000000ull
#define START 1000
#define FACE 1000000000000000ull /* 1e15 wei, above the 1e14 tx cost */
#define MAX_TX 16
#define MAX_W 8
#define LEASE_MS 60000 /* never expires by itself: expire() */
#define LOST_AFTER 4

/* ---- the fake node ----------------------------------------------------*/

typedef struct ftx {
    tk_hash hash;
    uint64_t nonce, gas_limit;
    tk_hash tickets[MAX_W];
    size_t n;
    int mined, dropped;
    uint64_t block;
} ftx;

typedef struct used_at {
    tk_hash ticket;
    uint64_t block;
} used_at;

typedef struct fake {
    uint64_t head, latest;  /* latest: the account's mined nonce count */
    tk_address broker;
    ftx txs[MAX_TX];
    size_t n_tx;
    used_at used[MAX_TX * MAX_W];
    size_t n_used;
    unsigned estimates, sends;
    uint64_t estimate; /* eth_estimateGas's answer; 0: 100000 */
    uint64_t base_fee; /* the head's base fee; 0: 1 gwei */
    int pruned; /* a non-archive node: no state older than 128 blocks */
    void (*on_call)(void *); /* once, at the next eth_call (a stall) */
    void *on_call_data;
    void (*on_sent)(void *); /* once, after the next send was taken */
    void *on_sent_data;
    void (*on_count)(void *); /* once, at the next pending-count read */
    void *on_count_data;
    unsigned refuse_sends; /* refuse this many sends (funds short) */
    unsigned refused;      /* sends refused so far */
    const tk_store *store; /* the fleet's: every send must be in it */
    unsigned unrecorded;   /* sends whose winners it did not name */
} fake;

static uint64_t pending_nonce(const fake *fk)
{
    uint64_t p = fk->latest;
    for (size_t i = 0; i < fk->n_tx; i++)
        if (!fk->txs[i].dropped && fk->txs[i].nonce + 1 > p)
            p = fk->txs[i].nonce + 1;
    return p;
}

static int is_used(const fake *fk, const tk_hash *h, uint64_t at)
{
    for (size_t i = 0; i < fk->n_used; i++)
        if (memcmp(&fk->used[i].ticket, h, sizeof *h) == 0 &&
            fk->used[i].block <= at)
            return 1;
    return 0;
}

/* The broker's effect of a mined redemption: every ticket used. */
static void redeem_tickets(fake *fk, const ftx *t)
{
    for (size_t k = 0; k < t->n; k++)
        if (!is_used(fk, &t->tickets[k], UINT64_MAX))
            fk->used[fk->n_used++] = (used_at){t->tickets[k], fk->head};
}

/* 1 if h is x's hash or that of an earlier version of it (a replacement
 * carries the nonce of the version the store names). */
static int names(const fake *fk, const ftx *x, const tk_hash *h)
{
    if (memcmp(h->bytes, x->hash.bytes, 32) == 0)
        return 1;
    for (size_t t = 0; t < fk->n_tx; t++)
        if (fk->txs[t].nonce == x->nonce &&
            memcmp(h->bytes, fk->txs[t].hash.bytes, 32) == 0)
            return 1;
    return 0;
}

/* Every ticket of a transaction the node gets must already be SUBMITTED
 * in the store with that transaction's hash (or, for a replacement, the
 * first version's): no broadcast the store does not name (checked by
 * block() and run() after every block). */
static void check_recorded(fake *fk, const ftx *x)
{
    for (size_t i = 0; fk->store != NULL && i < x->n; i++) {
        tk_winner w;
        if (fk->store->get_winner(fk->store->self, &x->tickets[i], &w) != TK_OK ||
            w.state != TK_WINNER_SUBMITTED || !names(fk, x, &w.tx_hash)) {
            fk->unrecorded++;
            return;
        }
    }
}

static char *on_send(fake *fk, const char *rawhex)
{
    size_t len = 0, n = MAX_W;
    uint8_t *raw = tk_test_hex_alloc(rawhex, &len);
    tk_eth_tx tx;
    tk_eth_tx_sig sig;
    tk_ticket t[MAX_W];
    tk_sig s[MAX_W];
    tk_u256 r[MAX_W];
    ftx *x = &fk->txs[fk->n_tx];
    char h[70], res[80];

    assert_true(fk->n_tx < MAX_TX);
    memset(x, 0, sizeof *x);
    assert_int_equal(tk_eth_tx_decode(&tx, &sig, raw, len), TK_OK);
    assert_int_equal(tk_keccak256(&x->hash, raw, len), TK_OK);
    assert_memory_equal(tx.to.bytes, fk->broker.bytes, 20);
    if (tk_redeem_decode_single(t, s, r, tx.data, tx.data_len) == TK_OK)
        n = 1;
    else
        assert_int_equal(tk_redeem_decode_batch(t, s, r, &n, tx.data,
                                                tx.data_len), TK_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tk_ticket_hash(&x->tickets[i], &t[i]), TK_OK);
    x->n = n;
    x->nonce = tx.nonce;
    x->gas_limit = tx.gas_limit;
    free(raw);
    check_recorded(fk, x);
    if (fk->refuse_sends > 0) { /* not taken into the pool */
        fk->refuse_sends--;
        fk->refused++;
        return mock_rpc_error_result(-32000, "insufficient funds for gas * price + value",
                                     NULL);
    }
    fk->n_tx++;
    fk->sends++;
    mock_rpc_hex32(h, x->hash.bytes);
    snprintf(res, sizeof res, "\"%s\"", h);
    return mock_rpc_text(res);
}

static char *receipt(const fake *fk, const char *hash_hex)
{
    tk_hash h;
    char hs[70], out[512];

    tk_test_hex(h.bytes, 32, hash_hex);
    for (size_t i = 0; i < fk->n_tx; i++) {
        const ftx *x = &fk->txs[i];
        if (!x->mined || memcmp(&x->hash, &h, sizeof h) != 0)
            continue;
        mock_rpc_hex32(hs, x->hash.bytes);
        snprintf(out, sizeof out,
                 "{\"transactionHash\":\"%s\",\"blockHash\":\"0x%064x\","
                 "\"blockNumber\":\"0x%llx\",\"status\":\"0x1\","
                 "\"gasUsed\":\"0x186a0\",\"effectiveGasPrice\":\"0x1\"}",
                 hs, 7, (unsigned long long)x->block);
        return mock_rpc_text(out);
    }
    return mock_rpc_text("null");
}

/* usedTickets(bytes32) at the block asked (or latest). */
static char *on_call(const fake *fk, json_t *params)
{
    const char *data = json_string_value(
        json_object_get(json_array_get(params, 0), "data"));
    const char *tag = json_string_value(json_array_get(params, 1));
    uint64_t at = fk->head;
    uint8_t cd[36];
    tk_hash h;
    char out[80];

    assert_non_null(data);
    tk_test_hex(cd, sizeof cd, data);
    assert_int_equal(((uint32_t)cd[0] << 24 | (uint32_t)cd[1] << 16 |
                      (uint32_t)cd[2] << 8 | cd[3]),
                     TK_ABI_SEL_USED_TICKETS);
    memcpy(h.bytes, cd + 4, 32);
    if (tag != NULL && strcmp(tag, "latest") != 0)
        at = strtoull(tag, NULL, 16);
    if (fk->pruned && at + 128 < fk->head)
        return mock_rpc_error_result(-32000, "missing trie node", NULL);
    snprintf(out, sizeof out, "\"0x%064x\"", is_used(fk, &h, at));
    return mock_rpc_text(out);
}

static char *handle(void *user, const char *m, const char *params_json)
{
    fake *fk = user;
    json_t *params = json_loads(params_json, 0, NULL);
    char *out = NULL, buf[256];

    if (strcmp(m, "eth_chainId") == 0) {
        out = mock_rpc_qty(31337);
    } else if (strcmp(m, "eth_blockNumber") == 0) {
        out = mock_rpc_qty(fk->head);
    } else if (strcmp(m, "eth_maxPriorityFeePerGas") == 0) {
        out = mock_rpc_qty(GWEI);
    } else if (strcmp(m, "eth_getBlockByNumber") == 0) {
        snprintf(buf, sizeof buf,
                 "{\"number\":\"0x%llx\",\"hash\":\"0x%064x\","
                 "\"timestamp\":\"0x1\",\"baseFeePerGas\":\"0x%llx\"}",
                 (unsigned long long)fk->head, 5,
                 (unsigned long long)(fk->base_fee ? fk->base_fee : GWEI));
        out = mock_rpc_text(buf);
    } else if (strcmp(m, "eth_estimateGas") == 0) {
        fk->estimates++;
        out = mock_rpc_qty(fk->estimate ? fk->estimate : 100000);
    } else if (strcmp(m, "eth_getTransactionCount") == 0) {
        const char *tag = json_string_value(json_array_get(params, 1));
        if (fk->on_count != NULL) {
            void (*hook)(void *) = fk->on_count;
            fk->on_count = NULL;
            hook(fk->on_count_data);
        }
        out = mock_rpc_qty(strcmp(tag, "pending") == 0 ? pending_nonce(fk)
                                              : fk->latest);
    } else if (strcmp(m, "eth_sendRawTransaction") == 0) {
        out = on_send(fk, json_string_value(json_array_get(params, 0)));
        if (fk->on_sent != NULL) {
            void (*hook)(void *) = fk->on_sent;
            fk->on_sent = NULL;
            hook(fk->on_sent_data);
        }
    } else if (strcmp(m, "eth_getTransactionReceipt") == 0) {
        out = receipt(fk, json_string_value(json_array_get(params, 0)));
    } else if (strcmp(m, "eth_call") == 0) {
        if (fk->on_call != NULL) {
            void (*hook)(void *) = fk->on_call;
            fk->on_call = NULL;
            hook(fk->on_call_data);
        }
        out = on_call(fk, params);
    }
    json_decref(params);
    return out;
}

/* ---- fixture ----------------------------------------------------------*/

static tk_status nd_rounds(void *self, tk_round_info *out);

typedef struct node {
    tk_rpc *rpc;
    tk_eth_sender *sender;
    tk_monitor *mon;
    tk_eth_fleet_redeemer *r;
    char name[8];
    struct fx *f;
    tk_chain chain;     /* the dev chain behind the hook */
} node;

typedef struct fx {
    tk_ctx *ctx;
    mock_rpc *m;
    fake fk;
    tk_chain_mem *cm;
    tk_chain chain;
    tk_store_mem *sm;
    tk_store store;
    node n[2];
    tk_address recipient, sender;
    tk_hash w[MAX_W];
    size_t n_w;
    int refuse;         /* the user guard's answer: 1 refuses */
    int refuse_resend;  /* 1: refuses once an estimate was made since */
    unsigned armed_at;  /* ... fk.estimates when refuse_resend was set */
    unsigned replace_blocks; /* the senders' replace_after_blocks */
    uint32_t confirmations; /* final_confirmations; 0: 1 */
    unsigned guard_calls;
} fx;

static tk_chain dev_iface;

static tk_status nd_rounds(void *self, tk_round_info *out)
{
    return dev_iface.rounds(self, out);
}

/* The node's lease ends now, as if it had expired (a stall, a death). */
static void expire(const node *nd)
{
    assert_int_equal(nd->f->store.lease_release(nd->f->store.self, nd->name),
                     TK_OK);
}

/* The node that stalls next (test_stall): inside the rounds read the
 * queue makes before it submits, past its lease, while the other node
 * takes the lease. The hook sees the dev chain's self only. */
static node *stalling;

static tk_status hook_rounds(void *self, tk_round_info *out)
{
    if (stalling != NULL) {
        node *nd = stalling;
        node *other = &nd->f->n[nd == &nd->f->n[0] ? 1 : 0];
        uint64_t token = 0;
        stalling = NULL;
        expire(nd); /* stalled past its lease */
        assert_int_equal(nd->f->store.lease_acquire(nd->f->store.self,
                                                    other->name, LEASE_MS,
                                                    &token), TK_OK);
    }
    return nd_rounds(self, out);
}

static tk_status user_guard(void *data)
{
    fx *f = data;
    f->guard_calls++;
    if (f->refuse_resend && f->fk.estimates > f->armed_at)
        return TK_ERR_STATE;
    return f->refuse ? TK_ERR_STATE : TK_OK;
}

static void make_redeemer(fx *f, node *nd)
{
    tk_eth_fleet_config fc;
    tk_eth_redeemer_options o;
    tk_redeem_config rc;

    memset(&fc, 0, sizeof fc);
    fc.holder = nd->name;
    fc.lease_ms = LEASE_MS;
    assert_int_equal(tk_eth_redeemer_options_default(&o), TK_OK);
    o.broker = f->fk.broker;
    o.lost_after_blocks = LOST_AFTER;
    o.may_submit = user_guard;
    o.may_submit_data = f;
    assert_int_equal(tk_redeem_config_default(&rc), TK_OK);
    rc.redeem_gas = 100000;
    rc.batch_base_gas = 50000;
    rc.batch_ticket_gas = 60000;
    rc.gas_cap = 1000000;
    rc.retry_backoff_blocks = 2;
    rc.final_confirmations = f->confirmations ? f->confirmations : 1;
    assert_int_equal(tk_eth_fleet_redeemer_create(f->ctx, &nd->r, &fc, &o,
                                                  &rc, &f->store, &nd->chain,
                                                  nd->mon, nd->sender,
                                                  nd->rpc), TK_OK);
}

static void make_node(fx *f, node *nd)
{
    tk_rpc_options ro;
    tk_eth_sender_options so;
    const char *url = mock_rpc_url(f->m);
    uint8_t key[32];

    assert_int_equal(tk_rpc_options_default(&ro), TK_OK);
    ro.endpoints = &url;
    ro.n_endpoints = 1;
    ro.retries = 0;
    ro.timeout_ms = 2000;
    assert_int_equal(tk_rpc_create(f->ctx, &nd->rpc, &ro), TK_OK);
    assert_int_equal(tk_eth_sender_options_default(&so), TK_OK);
    so.chain_id = 31337;
    assert_int_equal(tk_u256_from_u64(&so.max_gas_price, 100 * GWEI), TK_OK);
    so.replace_after_ms = 0;
    /* No replacements (the test's pool) unless the test asks. */
    so.replace_after_blocks = f->replace_blocks;
    memset(key, 0x42, sizeof key); /* the fleet's one gas account */
    assert_int_equal(tk_eth_sender_create(f->ctx, &nd->sender, nd->rpc, &so,
                                          key), TK_OK);
    make_redeemer(f, nd);
}

/* A node dies: everything of it goes, the lease stays in the store. */
static void kill_node(node *nd)
{
    tk_eth_fleet_redeemer_destroy(nd->r);
    tk_eth_sender_destroy(nd->sender);
    tk_rpc_destroy(nd->rpc);
    nd->r = NULL;
    nd->sender = NULL;
    nd->rpc = NULL;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    tk_sender_funds funds;

    assert_non_null(f);
    tk_test_seed();
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    f->m = mock_rpc_start();
    f->fk.head = START;
    memset(f->fk.broker.bytes, 0xb0, 20);
    f->fk.store = &f->store;
    mock_rpc_set_handler(f->m, handle, &f->fk);
    assert_int_equal(tk_chain_mem_create(&f->cm, START), TK_OK);
    assert_int_equal(tk_chain_mem_iface(f->cm, &f->chain), TK_OK);
    dev_iface = f->chain;
    tk_test_rand_bytes(f->recipient.bytes, 20);
    tk_test_rand_bytes(f->sender.bytes, 20);
    memset(&funds, 0, sizeof funds);
    assert_int_equal(tk_u256_from_u64(&funds.deposit, 100 * FACE), TK_OK);
    assert_int_equal(tk_u256_from_u64(&funds.reserve_funds_remaining, 100 * FACE), TK_OK);
    assert_int_equal(tk_chain_mem_set_sender_funds(f->cm, &f->sender, &funds), TK_OK);
    assert_int_equal(tk_store_mem_create(&f->sm), TK_OK);
    assert_int_equal(tk_store_mem_iface(f->sm, &f->store), TK_OK);
    for (int i = 0; i < 2; i++) {
        node *nd = &f->n[i];
        nd->f = f;
        snprintf(nd->name, sizeof nd->name, "node-%c", 'a' + i);
        nd->chain = f->chain;
        nd->chain.rounds = hook_rounds;
        assert_int_equal(tk_monitor_create_shared(f->ctx, &nd->mon, &f->chain,
                                                  &f->recipient, &f->store), TK_OK);
        make_node(f, nd);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 2; i++) {
        kill_node(&f->n[i]);
        tk_monitor_destroy(f->n[i].mon);
    }
    tk_store_mem_destroy(f->sm);
    tk_chain_mem_destroy(f->cm);
    mock_rpc_stop(f->m);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------*/

/* A NEW winner whose params expire at START + 1 (redeemable from there). */
static void add_winner(fx *f)
{
    tk_winner w;
    tk_test_winner(&w, &f->recipient, &f->sender, FACE, (uint32_t)f->n_w, START + 1);
    assert_int_equal(f->store.put_winner(f->store.self, &w), TK_OK);
    f->w[f->n_w++] = w.ticket_hash;
}

/* Mine one block (the dev chain and the fake node move together); node
 * i runs it; returns whether it led. */
static int block(fx *f, int i)
{
    int leading = -1;
    assert_int_equal(tk_chain_mem_advance(f->cm, 1), TK_OK);
    f->fk.head++;
    assert_int_equal(tk_eth_fleet_redeemer_on_block(f->n[i].r, f->fk.head,
                                                    &leading), TK_OK);
    assert_int_equal(f->fk.unrecorded, 0);
    return leading;
}

static int run(fx *f, int i)
{
    int leading = -1;
    assert_int_equal(tk_eth_fleet_redeemer_on_block(f->n[i].r, f->fk.head,
                                                    &leading), TK_OK);
    assert_int_equal(f->fk.unrecorded, 0);
    return leading;
}

/* The pool's transaction i is mined in the current head block. */
static void mine(fx *f, size_t i)
{
    ftx *x = &f->fk.txs[i];
    x->mined = 1;
    x->block = f->fk.head;
    if (x->nonce + 1 > f->fk.latest)
        f->fk.latest = x->nonce + 1;
    redeem_tickets(&f->fk, x);
}

static tk_winner_state state_of(fx *f, size_t i)
{
    tk_winner w;
    assert_int_equal(f->store.get_winner(f->store.self, &f->w[i], &w), TK_OK);
    return w.state;
}

/* The pool's transaction tx is mined; node nd's blocks settle it until
 * winner i is CONFIRMED (a few blocks at most). */
static void mine_settled(fx *f, size_t tx, size_t i, int nd)
{
    mine(f, tx);
    for (int k = 0; k < 4 && state_of(f, i) != TK_WINNER_CONFIRMED; k++)
        assert_int_equal(block(f, nd), 1);
    assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
}

/* How many transactions sent to the node carried winner i. */
static unsigned sent_count(const fx *f, size_t i)
{
    unsigned c = 0;
    for (size_t t = 0; t < f->fk.n_tx; t++)
        for (size_t k = 0; k < f->fk.txs[t].n; k++)
            c += memcmp(&f->fk.txs[t].tickets[k], &f->w[i], 32) == 0;
    return c;
}

static uint64_t pending(fx *f, int i)
{
    tk_u256 p;
    uint64_t v = 0;
    assert_int_equal(tk_monitor_pending(f->n[i].mon, &p, &f->sender), TK_OK);
    assert_int_equal(tk_u256_to_u64(&v, &p), TK_OK);
    assert_int_equal(v % FACE, 0);
    return v / FACE;
}

static tk_eth_fleet_state fstate(fx *f, int i, tk_eth_redeemer_stats *s)
{
    tk_eth_fleet_state st;
    assert_int_equal(tk_eth_fleet_redeemer_state(f->n[i].r, &st, s), TK_OK);
    return st;
}

/* ---- scenarios --------------------------------------------------------*/

static void test_guard(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;

    for (int i = 0; i < 3; i++)
        add_winner(f);
    f->refuse = 1;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->guard_calls, 1);
    assert_int_equal(f->fk.estimates, 0); /* refused before the estimate */
    assert_int_equal(f->fk.sends, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(state_of(f, i), TK_WINNER_NEW);
    assert_int_equal(pending(f, 1), 0); /* the claims were released */
    (void)fstate(f, 0, &s);
    assert_int_equal(s.guard_refusals, 1);
    assert_int_equal(s.txs_sent, 0);
    assert_int_equal(s.queue.submit_errors, 1);
    /* Allowed: one transaction, each winner once. */
    f->refuse = 0;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(pending(f, 1), 3);
    mine(f, 0);
    assert_int_equal(block(f, 0), 1);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
        assert_int_equal(sent_count(f, i), 1);
    }
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(block(f, 1), 0); /* B never leads meanwhile */
}

static void test_stall(void **state)
{
    fx *f = *state;

    add_winner(f);
    add_winner(f);
    stalling = &f->n[0];
    /* Its first fenced write (the pending claim) finds the tenure over:
     * the tenure ends before the guard is even asked. */
    assert_int_equal(block(f, 0), 0); /* led when it began, not at its end */
    assert_int_equal(fstate(f, 0, NULL).refused, 0);
    assert_int_equal(fstate(f, 0, NULL).leading, 0);
    assert_int_equal(fstate(f, 0, NULL).fenced, 1);
    assert_int_equal(f->fk.estimates, 0);
    assert_int_equal(f->fk.sends, 0);
    assert_int_equal(state_of(f, 0), TK_WINNER_NEW);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(run(f, 0), 0); /* the lease is B's now */
    assert_int_equal(run(f, 1), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(sent_count(f, 0), 1);
    assert_int_equal(sent_count(f, 1), 1);
    assert_int_equal(fstate(f, 1, NULL).refused, 0);
}

static void test_takeover(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;

    for (int i = 0; i < 4; i++)
        add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(state_of(f, 0), TK_WINNER_SUBMITTED);
    kill_node(&f->n[0]); /* no release: the lease must expire */
    assert_int_equal(block(f, 1), 0);
    mine(f, 0);
    expire(&f->n[0]);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->fk.sends, 1); /* settled, not sent again */
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
        assert_int_equal(sent_count(f, i), 1);
    }
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(fstate(f, 1, &s).tenures, 1);
    assert_int_equal(s.mined_ok, 1);
    assert_int_equal(s.used_reads, 4); /* at the receipt's block */
    assert_int_equal(s.txs_sent, 0);
    assert_int_equal(s.in_flight, 0);
}

/* The dead holder's transaction never gets a receipt of its own. */
static void lost_common(fx *f, int replaced_and_mined)
{
    tk_eth_redeemer_stats s;
    int k;

    add_winner(f);
    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    kill_node(&f->n[0]);
    if (replaced_and_mined) {
        /* A replacement (same nonce, another hash) was mined: stand it in
         * as a transaction of the account the new holder never sees. */
        f->fk.txs[0].dropped = 1;
        f->fk.latest = f->fk.txs[0].nonce + 1;
        redeem_tickets(&f->fk, &f->fk.txs[0]);
    } else {
        f->fk.txs[0].dropped = 1; /* gone from the pool */
    }
    expire(&f->n[0]);
    /* Many blocks went by before the takeover: the wait still counts
     * from the new tenure's first block. */
    f->fk.head += 100;
    assert_int_equal(tk_chain_mem_advance(f->cm, 100), TK_OK);
    for (k = 0; k < LOST_AFTER; k++) {
        assert_int_equal(block(f, 1), 1);
        assert_int_equal(f->fk.sends, 1);
        assert_int_equal(state_of(f, 0), TK_WINNER_SUBMITTED);
        assert_int_equal(pending(f, 1), 2);
    }
    assert_int_equal(block(f, 1), 1); /* LOST_AFTER blocks: lost */
    (void)fstate(f, 1, &s);
    assert_int_equal(s.lost, 1);
    assert_int_equal(pending(f, 1), 0);
    for (k = 0; k < 4; k++)
        block(f, 1);
    if (replaced_and_mined) {
        assert_int_equal(f->fk.sends, 1); /* the chain said used */
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal(state_of(f, i), TK_WINNER_USED);
            assert_int_equal(sent_count(f, i), 1);
        }
        return;
    }
    /* Unused: retried after the backoff, once. */
    assert_int_equal(f->fk.sends, 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(sent_count(f, i), 2);
    mine(f, 1);
    assert_int_equal(block(f, 1), 1);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
}

static void test_lost_unused(void **state)
{
    lost_common(*state, 0);
}

static void test_lost_used(void **state)
{
    lost_common(*state, 1);
}

/* The holder stalls inside the usedTickets read of a receipt it settles,
 * past its lease; node B takes the lease meanwhile. */
static void steal_for_b(void *data)
{
    fx *f = data;
    uint64_t token = 0;
    expire(&f->n[0]); /* stalled past its lease */
    assert_int_equal(f->store.lease_acquire(f->store.self, f->n[1].name, LEASE_MS,
                                            &token), TK_OK);
}

static void test_stall_settle(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;

    add_winner(f);
    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    mine(f, 0);
    f->fk.on_call = steal_for_b;
    f->fk.on_call_data = f;
    assert_int_equal(block(f, 0), 1); /* it led when the block began */
    /* The reads were made, but the outcome was not written: B's now. */
    assert_int_equal(fstate(f, 0, &s).refused, 1);
    assert_int_equal(s.guard_refusals, 1);
    assert_int_equal(s.mined_ok, 0);
    assert_int_equal(state_of(f, 0), TK_WINNER_SUBMITTED);
    assert_int_equal(state_of(f, 1), TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 1), 2);
    assert_int_equal(run(f, 0), 0);
    assert_int_equal(run(f, 1), 1); /* settled by the new holder */
    assert_int_equal(state_of(f, 0), TK_WINNER_CONFIRMED);
    assert_int_equal(state_of(f, 1), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(f->fk.sends, 1);
}

/* A stalls right after its broadcast, past its lease; B takes the lease
 * meanwhile. A recorded the transaction (fenced, in its tenure) before
 * broadcasting it, so B finds the winner SUBMITTED with A's hash, tracks
 * that transaction and settles it from its receipt: nothing is sent
 * twice. (Before the record came first, B found the winner NEW and sent
 * it again: one reverted transaction's gas.) */
static void test_stall_after_send(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;
    tk_winner w;

    add_winner(f);
    f->fk.on_sent = steal_for_b;
    f->fk.on_sent_data = f;
    (void)block(f, 0); /* no write of A follows its broadcast in this block */
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(f->store.get_winner(f->store.self, &f->w[0], &w), TK_OK);
    assert_int_equal(w.state, TK_WINNER_SUBMITTED);
    assert_memory_equal(w.tx_hash.bytes, f->fk.txs[0].hash.bytes, 32);
    assert_int_equal(w.attempts, 1);
    assert_int_equal(pending(f, 0), 1);
    assert_int_equal(block(f, 0), 0); /* the lease is B's */
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->fk.sends, 1); /* B waits for A's transaction */
    mine_settled(f, 0, 0, 1);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(sent_count(f, 0), 1);
    (void)fstate(f, 1, &s);
    assert_int_equal(s.txs_sent, 0);
    assert_int_equal(s.mined_ok, 1);
}

/* A stalls after its guard's renewal and before it records (inside the
 * pending-count read), past its lease; B takes the lease. A's record is
 * fenced: A broadcasts nothing, uses no nonce, and its tenure ends. B
 * sends the winner once, with the nonce A would have used. */
static void test_stall_before_record(void **state)
{
    fx *f = *state;
    tk_winner w;

    add_winner(f);
    f->fk.on_count = steal_for_b;
    f->fk.on_count_data = f;
    assert_int_equal(block(f, 0), 0);
    assert_int_equal(f->fk.estimates, 1); /* it got as far as signing */
    assert_int_equal(f->fk.sends, 0);
    assert_int_equal(fstate(f, 0, NULL).leading, 0);
    assert_int_equal(fstate(f, 0, NULL).fenced, 1);
    assert_int_equal(f->store.get_winner(f->store.self, &f->w[0], &w), TK_OK);
    assert_int_equal(w.state, TK_WINNER_NEW);
    assert_int_equal(w.attempts, 0);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(f->fk.txs[0].nonce, 0); /* A's nonce was never used */
    mine_settled(f, 0, 0, 1);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(sent_count(f, 0), 1);
}

/* The node refuses the broadcast (funds short for the gas): the winners
 * were recorded first and are put back as they were (NEW, no hash, claims
 * released), the nonce is not used, and the next block sends them. */
static void test_refused_put_back(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;
    tk_winner w;

    add_winner(f);
    add_winner(f);
    f->fk.refuse_sends = 1;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.refused, 1);
    assert_int_equal(f->fk.sends, 0);
    for (size_t i = 0; i < 2; i++) {
        static const uint8_t zero[32];
        assert_int_equal(f->store.get_winner(f->store.self, &f->w[i], &w), TK_OK);
        assert_int_equal(w.state, TK_WINNER_NEW);
        assert_memory_equal(w.tx_hash.bytes, zero, 32);
        assert_int_equal(w.attempts, 1); /* the recorded attempt counts */
    }
    assert_int_equal(pending(f, 0), 0);
    (void)fstate(f, 0, &s);
    assert_int_equal(s.send_errors, 1);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.queue.submit_errors, 1);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(f->fk.txs[0].nonce, 0);
    assert_int_equal(pending(f, 0), 2);
    mine_settled(f, 0, 1, 0);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
        assert_int_equal(sent_count(f, i), 1);
    }
    assert_int_equal(pending(f, 0), 0);
}

/* The same refusal while A stalls past its lease: A cannot put the winner
 * back (fenced), so it stays SUBMITTED with a hash that never went out. B
 * waits lost_after_blocks for it, then retries it once: nothing dropped,
 * nothing sent twice. */
static void test_refused_after_takeover(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;

    add_winner(f);
    f->fk.refuse_sends = 1;
    f->fk.on_sent = steal_for_b;
    f->fk.on_sent_data = f;
    assert_int_equal(block(f, 0), 0);
    assert_int_equal(f->fk.refused, 1);
    assert_int_equal(f->fk.sends, 0);
    assert_int_equal(fstate(f, 0, NULL).fenced, 1);
    assert_int_equal(state_of(f, 0), TK_WINNER_SUBMITTED);
    for (int k = 0; k < LOST_AFTER; k++) {
        assert_int_equal(block(f, 1), 1);
        assert_int_equal(f->fk.sends, 0);
    }
    assert_int_equal(block(f, 1), 1); /* lost: retried after the backoff */
    (void)fstate(f, 1, &s);
    assert_int_equal(s.lost, 1);
    for (int k = 0; k < 4 && f->fk.sends == 0; k++)
        assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->fk.sends, 1);
    mine_settled(f, 0, 0, 1);
    assert_int_equal(sent_count(f, 0), 1);
    assert_int_equal(pending(f, 1), 0);
}

static void test_tenure_end(void **state)
{
    fx *f = *state;
    size_t n = 9;

    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(tk_eth_sender_pending(f->n[0].sender, &n), TK_OK);
    assert_int_equal(n, 1);
    /* A stops calling for a while; B takes over. */
    expire(&f->n[0]);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(block(f, 0), 0);
    assert_int_equal(fstate(f, 0, NULL).leading, 0);
    assert_int_equal(tk_eth_sender_pending(f->n[0].sender, &n), TK_OK);
    assert_int_equal(n, 0); /* A no longer tracks (or replaces) it */
    /* B tracks it from the store and settles it once mined. */
    mine(f, 0);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, 0), TK_WINNER_CONFIRMED);
    assert_int_equal(f->fk.sends, 1);
    /* B hands over cleanly; A leads with a newer token. */
    {
        uint64_t tb = fstate(f, 1, NULL).token;
        assert_int_equal(tk_eth_fleet_redeemer_release(f->n[1].r), TK_OK);
        assert_int_equal(block(f, 0), 1);
        assert_true(fstate(f, 0, NULL).token > tb);
        assert_int_equal(fstate(f, 0, NULL).tenures, 2);
    }
}

static void test_nonce_tenure(void **state)
{
    fx *f = *state;

    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(f->fk.txs[0].nonce, 0);
    expire(&f->n[0]);
    assert_int_equal(block(f, 1), 1); /* B tracks A's transaction */
    f->fk.txs[0].dropped = 1;         /* the pool drops it */
    assert_int_equal(tk_eth_fleet_redeemer_release(f->n[1].r), TK_OK);
    add_winner(f);
    assert_int_equal(block(f, 0), 1); /* A's second tenure sends w1 */
    assert_int_equal(fstate(f, 0, NULL).tenures, 2);
    assert_int_equal(f->fk.sends, 2);
    assert_int_equal(sent_count(f, 1), 1);
    assert_int_equal(f->fk.txs[1].nonce, 0); /* the node's count */
    mine(f, 1);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(state_of(f, 1), TK_WINNER_CONFIRMED);
}

static void test_nonce_lost(void **state)
{
    fx *f = *state;
    int k;

    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    f->fk.txs[0].dropped = 1;
    for (k = 0; k < 3 * LOST_AFTER && f->fk.sends == 1; k++)
        assert_int_equal(block(f, 0), 1);
    assert_int_equal(fstate(f, 0, NULL).tenures, 1);
    assert_int_equal(f->fk.sends, 2); /* lost, then retried */
    assert_int_equal(sent_count(f, 0), 2);
    assert_int_equal(f->fk.txs[1].nonce, 0); /* the freed nonce */
    mine(f, 1);
    for (k = 0; k < 4 && state_of(f, 0) != TK_WINNER_CONFIRMED; k++)
        assert_int_equal(block(f, 0), 1);
    assert_int_equal(state_of(f, 0), TK_WINNER_CONFIRMED);
    assert_int_equal(f->fk.sends, 2);
}

static void test_replace_guard(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;

    /* Node A again, with a sender that replaces after one block. */
    kill_node(&f->n[0]);
    f->replace_blocks = 1;
    make_node(f, &f->n[0]);
    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    f->refuse = 1;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1); /* no replacement while refused */
    (void)fstate(f, 0, &s);
    assert_int_equal(s.guard_refusals, 2);
    f->refuse = 0;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 2); /* the replacement, same nonce */
    assert_int_equal(f->fk.txs[1].nonce, f->fk.txs[0].nonce);
    assert_int_equal(sent_count(f, 0), 2);
}

/* Every transaction the node got carried the next nonce, in order: none
 * reused, none skipped by a send that was refused. */
static void assert_nonces_in_order(const fx *f)
{
    for (size_t t = 0; t < f->fk.n_tx; t++)
        assert_int_equal(f->fk.txs[t].nonce, t);
}

/* Node A runs blocks (after a failed submit the winners wait out the
 * retry backoff) until the node got `sends` transactions. */
static void blocks_until_sent(fx *f, unsigned sends)
{
    for (int k = 0; k < 6 && f->fk.sends < sends; k++)
        assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, sends);
}

/* Winner i's transaction (the node's tx) is mined and settled. */
static void test_gas_resend(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;
    unsigned est;

    /* The estimate (400000) is above the queue's figure plus the
     * redeemer's margin (100000 + 25%): the sender refuses that limit,
     * nothing sent; the resend takes the estimate + the sender's 20%. */
    f->fk.estimate = 400000;
    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(f->fk.estimates, 2);
    assert_int_equal(f->guard_calls, 2); /* asked again before the resend */
    assert_int_equal(f->fk.txs[0].gas_limit, 480000);
    mine_settled(f, 0, 0, 0);

    /* The guard refuses the resend (the lease lost meanwhile, say):
     * nothing sent, the winner NEW again, its claim released. */
    add_winner(f);
    f->refuse_resend = 1;
    f->armed_at = est = f->fk.estimates;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.estimates, est + 1);
    assert_int_equal(f->fk.sends, 1);
    assert_int_equal(state_of(f, 1), TK_WINNER_NEW);
    assert_int_equal(pending(f, 1), 0);
    (void)fstate(f, 0, &s);
    assert_int_equal(s.guard_refusals, 1);
    /* Allowed: sent once, with the next nonce. */
    f->refuse_resend = 0;
    blocks_until_sent(f, 2);
    assert_int_equal(f->fk.txs[1].gas_limit, 480000);
    mine_settled(f, 1, 1, 0);

    /* A base fee above max_gas_price (100 gwei): the resend cannot help,
     * both sends refused, nothing sent; the resend (no limit given) is
     * refused on the fee ceiling before it would estimate again: one
     * eth_estimateGas, the first send's. Sent once the fee is back. */
    f->fk.estimate = 0;
    f->fk.base_fee = 200 * GWEI;
    add_winner(f);
    est = f->fk.estimates;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.estimates, est + 1);
    assert_int_equal(f->fk.sends, 2);
    assert_int_equal(state_of(f, 2), TK_WINNER_NEW);
    f->fk.base_fee = 0;
    blocks_until_sent(f, 3);
    assert_int_equal(f->fk.txs[2].gas_limit, 125000); /* the queue's */
    mine_settled(f, 2, 2, 0);

    assert_nonces_in_order(f);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(sent_count(f, i), 1);
    assert_int_equal(pending(f, 1), 0);
    (void)fstate(f, 0, &s);
    assert_int_equal(s.txs_sent, 3);
}

/* The holder dies with a batch in the pool; the batch is mined (used: its
 * tickets redeemed, or not: skipped); the new holder starts 200 blocks
 * later against a node that keeps 128 blocks of state: usedTickets at the
 * receipt's block fails for good. Before the fix the winners stayed
 * SUBMITTED (never retried, pending never released) until they expired. */
static void pruned_common(fx *f, int used, tk_eth_redeemer_stats *s)
{
    /* Rounds of 1000 blocks: the winners stay inside their window. */
    assert_int_equal(tk_chain_mem_set_round_length(f->cm, 1000), TK_OK);
    for (int i = 0; i < 2; i++)
        add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->fk.sends, 1);
    kill_node(&f->n[0]);
    f->fk.txs[0].mined = 1; /* status 1 */
    f->fk.txs[0].block = f->fk.head;
    f->fk.latest = f->fk.txs[0].nonce + 1;
    if (used)
        redeem_tickets(&f->fk, &f->fk.txs[0]);
    expire(&f->n[0]);
    f->fk.pruned = 1;
    f->fk.head += 200;
    assert_int_equal(tk_chain_mem_advance(f->cm, 200), TK_OK);
    /* The reads at the receipt's block fail on the first blocks: kept. */
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(block(f, 1), 1);
    (void)fstate(f, 1, s);
    assert_int_equal(s->latest_reads, 0);
    assert_true(s->used_reads >= 2);
    assert_int_equal(state_of(f, 0), TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 1), 2);
}

/* Skipped: read at latest, retried once, redeemed by the retry. */
static void test_pruned_unused(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;
    int k;

    pruned_common(f, 0, &s);
    for (k = 0; k < 10 && f->fk.sends == 1; k++)
        assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->fk.sends, 2); /* retried: 3 tries + backoff 2 */
    assert_true(k <= 4);
    (void)fstate(f, 1, &s);
    assert_int_equal(s.latest_reads, 1);
    assert_int_equal(s.queue.failed, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(state_of(f, i), TK_WINNER_SUBMITTED);
        assert_int_equal(sent_count(f, i), 2);
    }
    assert_int_equal(pending(f, 1), 2);
    mine(f, 1); /* recent: its own block's state is there */
    assert_int_equal(block(f, 1), 1);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    (void)fstate(f, 1, &s);
    assert_int_equal(s.latest_reads, 1);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(f->fk.sends, 2);
}

/* Redeemed, with the default 3 confirmations: the latest read says used;
 * CONFIRMED only when two more blocks agree, the pending amount released
 * exactly then, nothing sent again. */
static void test_pruned_used(void **state)
{
    fx *f = *state;
    tk_eth_redeemer_stats s;
    int k;

    kill_node(&f->n[1]);
    f->confirmations = 3;
    make_node(f, &f->n[1]);
    pruned_common(f, 1, &s);
    for (k = 0; k < 10 && s.latest_reads == 0; k++) {
        assert_int_equal(block(f, 1), 1);
        (void)fstate(f, 1, &s);
    }
    assert_int_equal(s.latest_reads, 1);
    assert_int_equal(s.queue.confirmed, 0); /* one read: not final */
    assert_int_equal(state_of(f, 0), TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 1), 2);
    assert_int_equal(s.in_flight, 1); /* watched, not adopted again */
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, 1), TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 1), 2);
    assert_int_equal(block(f, 1), 1);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(state_of(f, i), TK_WINNER_CONFIRMED);
        assert_int_equal(sent_count(f, i), 1);
    }
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(block(f, 1), 1);
    (void)fstate(f, 1, &s);
    assert_int_equal(s.in_flight, 0);
    assert_int_equal(s.latest_reads, 1);
    assert_int_equal(s.mined_ok, 1);
    assert_int_equal(s.queue.confirmed, 2);
    assert_int_equal(f->fk.sends, 1);
}

static void test_late_submitted(void **state)
{
    fx *f = *state;
    tk_u256 face;
    ftx *x;
    int added = 0;

    assert_int_equal(block(f, 1), 1); /* B's tenure: nothing to reconcile */
    /* A, which lost the lease mid-send, writes its claim and SUBMITTED
     * now; its transaction is mined. */
    add_winner(f);
    assert_int_equal(tk_u256_from_u64(&face, FACE), TK_OK);
    assert_int_equal(f->store.pending_add(f->store.self, &f->w[0], &f->sender,
                                          &face, NULL, &added), TK_OK);
    assert_int_equal(added, 1);
    x = &f->fk.txs[f->fk.n_tx++];
    memset(x, 0, sizeof *x);
    tk_test_rand_bytes(x->hash.bytes, 32);
    x->tickets[0] = f->w[0];
    x->n = 1;
    assert_int_equal(f->store.set_state(f->store.self, &f->w[0],
                                        TK_WINNER_SUBMITTED, &x->hash), TK_OK);
    mine_settled(f, 0, 0, 1);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(f->fk.sends, 0); /* settled, never sent again */
    assert_int_equal(fstate(f, 1, NULL).tenures, 1);
}

static void test_misuse(void **state)
{
    fx *f = *state;
    tk_eth_fleet_redeemer *r = NULL;
    tk_eth_fleet_config fc;
    tk_eth_redeemer_options o;
    tk_redeem_config rc;
    tk_monitor *plain = NULL;
    tk_store no_lease = f->store;
    tk_eth_fleet_state st;
    node *nd = &f->n[0];
    int leading = 7;
    char long_id[TK_LEASE_HOLDER_MAX + 2];

    memset(&fc, 0, sizeof fc);
    fc.holder = "x";
    fc.lease_ms = 100;
    assert_int_equal(tk_eth_redeemer_options_default(&o), TK_OK);
    o.broker = f->fk.broker;
    assert_int_equal(tk_redeem_config_default(&rc), TK_OK);
#define CREATE(store_, mon_)                                                  \
    tk_eth_fleet_redeemer_create(f->ctx, &r, &fc, &o, &rc, store_, &f->chain, \
                                 mon_, nd->sender, nd->rpc)
    assert_int_equal(tk_monitor_create(f->ctx, &plain, &f->chain, &f->recipient), TK_OK);
    assert_illegal(f->ctx, CREATE(&f->store, plain));
    assert_null(r);
    no_lease.lease_acquire = NULL;
    assert_illegal(f->ctx, CREATE(&no_lease, nd->mon));
    {
        tk_store unfenced = f->store; /* every write of a tenure is fenced */
        unfenced.pending_remove_fenced = NULL;
        assert_illegal(f->ctx, CREATE(&unfenced, nd->mon));
    }
    fc.holder = "";
    assert_illegal(f->ctx, CREATE(&f->store, nd->mon));
    memset(long_id, 'h', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    fc.holder = long_id;
    assert_illegal(f->ctx, CREATE(&f->store, nd->mon));
    fc.holder = "x";
    fc.lease_ms = 0;
    assert_illegal(f->ctx, CREATE(&f->store, nd->mon));
    fc.lease_ms = 100;
    memset(&o.broker, 0, sizeof o.broker);
    assert_illegal(f->ctx, CREATE(&f->store, nd->mon));
    o.broker = f->fk.broker;
    rc.redeem_gas = 0;
    assert_illegal(f->ctx, CREATE(&f->store, nd->mon));
    assert_null(r);
    assert_illegal(f->ctx, tk_eth_fleet_redeemer_create(f->ctx, &r, &fc, &o, &rc,
                                                        &f->store, &f->chain, nd->mon,
                                                        NULL, nd->rpc));
#undef CREATE
    assert_illegal(f->ctx, tk_eth_fleet_redeemer_on_block(nd->r, 1, NULL));
    assert_int_equal(tk_eth_fleet_redeemer_on_block(NULL, 1, &leading),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(leading, 0);
    assert_int_equal(tk_eth_fleet_redeemer_state(NULL, &st, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_fleet_redeemer_release(NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_fleet_redeemer_set_tx_callback(NULL, NULL, NULL),
                     TK_ERR_ILLEGAL_ARG);
    tk_eth_fleet_redeemer_destroy(NULL);
    tk_monitor_destroy(plain);
}

/* A chain view without last_block (optional for the queue, chain.h) and
 * 3 confirmations: the winner is sent once and CONFIRMED (found by an
 * audit: the redeemer's wrapped view called the absent member, SIGSEGV on
 * the first mined redemption). */
static void test_no_last_block(void **state)
{
    fx *f = *state;

    f->confirmations = 3;
    tk_eth_fleet_redeemer_destroy(f->n[0].r);
    f->n[0].chain.last_block = NULL;
    make_redeemer(f, &f->n[0]);
    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(sent_count(f, 0), 1);
    mine(f, 0);
    for (int k = 0; k < 6 && state_of(f, 0) != TK_WINNER_CONFIRMED; k++)
        assert_int_equal(block(f, 0), 1);
    assert_int_equal(state_of(f, 0), TK_WINNER_CONFIRMED);
    assert_int_equal(sent_count(f, 0), 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_guard),  T(test_stall),      T(test_takeover),
        T(test_lost_unused), T(test_lost_used), T(test_stall_settle),
        T(test_stall_after_send), T(test_stall_before_record),
        T(test_refused_put_back), T(test_refused_after_takeover), T(test_tenure_end),
        T(test_nonce_tenure), T(test_nonce_lost), T(test_replace_guard),
        T(test_gas_resend),
        T(test_late_submitted), T(test_pruned_unused), T(test_pruned_used),
        T(test_misuse),
        T(test_no_last_block),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

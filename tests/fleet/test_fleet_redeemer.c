/* SPDX-License-Identifier: MIT */
/* The fleet redeemer (fleet.h) over one store shared by two nodes, the
 * in-memory dev chain and a fake transaction pool the test mines by hand:
 * one leader at a time; a takeover after the holder died reconciles the
 * dead holder's transactions by receipt and submits nothing twice; a
 * transaction that never gets a receipt is given up after
 * receipt_wait_blocks and its winners are sent again (one submission per
 * attempt); a holder that stalled past its lease sends nothing, and one
 * that stalled in a receipt lookup settles nothing (the next holder does,
 * from the same receipt), and one that stalled between its send and its
 * store writes writes nothing over the next holder's, and with a
 * recording callback (tk_fleet_redeemer_create_recorded) such a stall
 * sends nothing twice, and one before the record sends nothing; a claim
 * left by a crash between claim and submit is released; misuse. Every
 * scenario runs over the in-memory store and over a SQLite file (two
 * connections: one per node). */
#include "test_support.h"
#include "test_winner.h"

#include "ticket/chain.h"
#include "ticket/fleet.h"
#include "ticket/keccak.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START 1000
#define FACE 1000000000000000ull /* 1e15 wei, above the 1e14 tx cost */
#define MAX_TX 32
#define MAX_W 16
#define LEASE_MS 60000 /* never expires by itself: expire() */

typedef struct tx {
    tk_hash hash;
    tk_hash tickets[MAX_W];
    size_t n;
    int mined; /* receipt available */
} tx;

typedef struct node {
    struct fx *f;
    tk_store_sqlite *sq; /* own connection (SQLite runs) */
    tk_store store;
    tk_monitor *mon;
    tk_fleet_redeemer *r;
    char name[8];
    int steal_in_chain; /* hook: another node takes the lease mid-block */
    int other_runs_in_submit; /* hook: after this node's send, the other
                               * takes the lease and runs a block */
    int expires_in_submit;    /* hook: this node's lease ends after its
                               * send, and no one else takes it */
    int other_runs_in_used;   /* hook: at the next usedTickets read, the
                               * other takes the lease and runs a block */
    int recording;            /* made with tk_fleet_redeemer_create_recorded:
                               * records each call before "sending" it */
    int steal_before_record;  /* hook: the other takes the lease between
                               * the renewal and the record */
    tk_chain chain;     /* the dev chain, behind the hook */
} node;

typedef struct fx {
    tk_ctx *ctx;
    tk_chain_mem *cm;
    tk_chain chain;
    tk_store_mem *sm;
    char dir[256];
    node n[2];
    tx txs[MAX_TX];
    size_t n_tx;
    tk_address recipient, sender;
    tk_hash w[MAX_W];
    size_t n_w;
    unsigned receipt_calls;
    node *steal_in_receipt; /* hook: this node takes the lease mid-lookup */
} fx;

/* The node's lease ends now, as if it had expired (a stall, a death):
 * no step of a test depends on how fast the machine runs. */
static void expire(node *nd)
{
    assert_int_equal(nd->store.lease_release(nd->store.self, nd->name), TK_OK);
}

/* ---- the network: a transaction pool mined by the test ----------------*/

static void steal_lease(node *thief);

/* The node stalls here past its lease: the other node takes the lease
 * and runs a whole block meanwhile (at the chain's head). */
static void other_takes_over(node *nd)
{
    fx *f = nd->f;
    node *o = &f->n[nd == &f->n[0] ? 1 : 0];
    int leading = -1;
    uint64_t b = 0;

    steal_lease(o);
    assert_int_equal(tk_chain_mem_state(f->cm, &b, NULL), TK_OK);
    assert_int_equal(tk_fleet_redeemer_on_block(o->r, b, &leading), TK_OK);
    assert_int_equal(leading, 1);
}

/* The node's send: the transaction goes into the pool; with a call, it is
 * recorded first and sent only if the record succeeded. */
static tk_status send_tx(node *nd, tk_redeem_call *call, tk_hash *out, const uint8_t *cd,
                         size_t len, size_t count)
{
    fx *f = nd->f;
    tk_ticket t[MAX_W];
    tk_sig s[MAX_W];
    tk_u256 r[MAX_W];
    size_t n = MAX_W;
    tx *x;

    assert_true(f->n_tx < MAX_TX);
    x = &f->txs[f->n_tx];
    if (count == 1) {
        assert_int_equal(tk_redeem_decode_single(t, s, r, cd, len), TK_OK);
        n = 1;
    } else {
        assert_int_equal(tk_redeem_decode_batch(t, s, r, &n, cd, len), TK_OK);
    }
    assert_int_equal(n, count);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(tk_ticket_hash(&x->tickets[i], &t[i]), TK_OK);
    x->n = n;
    assert_int_equal(tk_keccak256(&x->hash, &f->n_tx, sizeof f->n_tx), TK_OK);
    if (call != NULL) {
        tk_status st;
        if (nd->steal_before_record) {
            nd->steal_before_record = 0;
            steal_lease(&f->n[nd == &f->n[0] ? 1 : 0]);
        }
        if ((st = tk_redeem_call_record(call, &x->hash)) != TK_OK)
            return st; /* not sent */
    }
    *out = x->hash;
    f->n_tx++;
    if (nd->other_runs_in_submit) {
        /* This node stalls right after its broadcast, before it writes
         * SUBMITTED; the other takes over and runs a block meanwhile. */
        nd->other_runs_in_submit = 0;
        other_takes_over(nd);
    }
    if (nd->expires_in_submit) {
        nd->expires_in_submit = 0;
        expire(nd); /* a slow send outlasted the lease; no one else came */
    }
    return TK_OK;
}

static tk_status submit_cb(void *data, tk_hash *out, const uint8_t *cd, size_t len,
                           uint64_t gas, size_t count)
{
    (void)gas;
    return send_tx(data, NULL, out, cd, len, count);
}

static tk_status submit_rec_cb(void *data, tk_redeem_call *call, tk_hash *out,
                               const uint8_t *cd, size_t len, uint64_t gas, size_t count)
{
    (void)gas;
    return send_tx(data, call, out, cd, len, count);
}

static void steal_lease(node *thief)
{
    uint64_t token = 0;
    expire(&thief->f->n[thief == &thief->f->n[0] ? 1 : 0]); /* it stalled */
    assert_int_equal(thief->store.lease_acquire(thief->store.self, thief->name, LEASE_MS,
                                                &token), TK_OK);
}

static tk_status receipt_cb(void *data, const tk_hash *h, int *mined, tk_redeem_outcome *out)
{
    fx *f = data;
    f->receipt_calls++;
    if (f->steal_in_receipt != NULL) {
        node *thief = f->steal_in_receipt;
        f->steal_in_receipt = NULL;
        steal_lease(thief);
    }
    *mined = 0;
    for (size_t i = 0; i < f->n_tx; i++)
        if (memcmp(f->txs[i].hash.bytes, h->bytes, 32) == 0 && f->txs[i].mined) {
            *mined = 1;
            *out = TK_REDEEM_CONFIRMED;
        }
    return TK_OK;
}

/* Mine transaction i: its tickets become used on-chain. */
static void mine(fx *f, size_t i)
{
    f->txs[i].mined = 1;
    for (size_t k = 0; k < f->txs[i].n; k++)
        assert_int_equal(tk_chain_mem_mark_used(f->cm, &f->txs[i].tickets[k]), TK_OK);
}

/* How many transactions carried winner h. */
static unsigned sent_count(const fx *f, const tk_hash *h)
{
    unsigned c = 0;
    for (size_t i = 0; i < f->n_tx; i++)
        for (size_t k = 0; k < f->txs[i].n; k++)
            c += memcmp(f->txs[i].tickets[k].bytes, h->bytes, 32) == 0;
    return c;
}

/* ---- a chain view with a hook: node B steals the lease mid-block --------*/

static tk_status hook_used(void *self, const tk_hash *h, int *used)
{
    node *nd = self;
    if (nd->steal_in_chain) {
        nd->steal_in_chain = 0;
        steal_lease(&nd->f->n[nd == &nd->f->n[0] ? 1 : 0]);
    }
    if (nd->other_runs_in_used) {
        nd->other_runs_in_used = 0;
        other_takes_over(nd);
    }
    return nd->f->chain.ticket_used(nd->f->chain.self, h, used);
}

/* The rest of the view forwards to the dev chain. */
static tk_status hook_last_block(void *self, uint64_t *b)
{
    node *nd = self;
    return nd->f->chain.last_block(nd->f->chain.self, b);
}

static tk_status hook_rounds(void *self, tk_round_info *out)
{
    node *nd = self;
    return nd->f->chain.rounds(nd->f->chain.self, out);
}

static tk_status hook_funds(void *self, const tk_address *s, tk_sender_funds *out)
{
    node *nd = self;
    return nd->f->chain.sender_funds(nd->f->chain.self, s, out);
}

static tk_status hook_claimed(void *self, const tk_address *s, const tk_address *c, tk_u256 *out)
{
    node *nd = self;
    return nd->f->chain.claimed_reserve(nd->f->chain.self, s, c, out);
}

static tk_status hook_pool(void *self, uint64_t *out)
{
    node *nd = self;
    return nd->f->chain.pool_size(nd->f->chain.self, out);
}

static tk_status hook_gas(void *self, tk_u256 *out)
{
    node *nd = self;
    return nd->f->chain.gas_price(nd->f->chain.self, out);
}

static void hook_chain(node *nd)
{
    nd->chain.self = nd;
    nd->chain.last_block = hook_last_block;
    nd->chain.rounds = hook_rounds;
    nd->chain.sender_funds = hook_funds;
    nd->chain.claimed_reserve = hook_claimed;
    nd->chain.pool_size = hook_pool;
    nd->chain.gas_price = hook_gas;
    nd->chain.ticket_used = hook_used;
}

/* ---- fixture ----------------------------------------------------------------*/

static void make_redeemer(fx *f, node *nd)
{
    tk_fleet_config fc;
    tk_redeem_config rc;

    memset(&fc, 0, sizeof fc);
    fc.holder = nd->name;
    fc.lease_ms = LEASE_MS;
    fc.receipt_wait_blocks = 5;
    fc.receipt = receipt_cb;
    fc.receipt_data = f;
    assert_int_equal(tk_redeem_config_default(&rc), TK_OK);
    rc.redeem_gas = 100000;
    rc.batch_base_gas = 50000;
    rc.batch_ticket_gas = 60000;
    rc.gas_cap = 1000000;
    rc.retry_backoff_blocks = 2;
    rc.final_confirmations = 1;
    if (nd->recording)
        assert_int_equal(tk_fleet_redeemer_create_recorded(f->ctx, &nd->r, &fc, &rc,
                                                           &nd->store, &nd->chain, nd->mon,
                                                           submit_rec_cb, nd),
                         TK_OK);
    else
        assert_int_equal(tk_fleet_redeemer_create(f->ctx, &nd->r, &fc, &rc, &nd->store,
                                                  &nd->chain, nd->mon, submit_cb, nd),
                         TK_OK);
}

/* Both nodes' redeemers again, with a recording submit callback. */
static void make_recording(fx *f)
{
    for (int i = 0; i < 2; i++) {
        tk_fleet_redeemer_destroy(f->n[i].r);
        f->n[i].recording = 1;
        make_redeemer(f, &f->n[i]);
    }
}

static int setup_with(void **state, int sqlite)
{
    fx *f = calloc(1, sizeof *f);
    tk_sender_funds funds;

    assert_non_null(f);
    tk_test_seed();
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    assert_int_equal(tk_chain_mem_create(&f->cm, START), TK_OK);
    assert_int_equal(tk_chain_mem_iface(f->cm, &f->chain), TK_OK);
    tk_test_rand_bytes(f->recipient.bytes, 20);
    tk_test_rand_bytes(f->sender.bytes, 20);
    memset(&funds, 0, sizeof funds);
    assert_int_equal(tk_u256_from_u64(&funds.deposit, 100 * FACE), TK_OK);
    assert_int_equal(tk_u256_from_u64(&funds.reserve_funds_remaining, 100 * FACE), TK_OK);
    assert_int_equal(tk_chain_mem_set_sender_funds(f->cm, &f->sender, &funds), TK_OK);
    if (sqlite)
        assert_int_equal(tk_test_tmpdir_make(f->dir, sizeof f->dir, "tk_fleet_red"), 0);
    else
        assert_int_equal(tk_store_mem_create(&f->sm), TK_OK);
    for (int i = 0; i < 2; i++) {
        node *nd = &f->n[i];
        nd->f = f;
        snprintf(nd->name, sizeof nd->name, "node-%c", 'a' + i);
        if (sqlite) {
            char path[300];
            snprintf(path, sizeof path, "%s/fleet.db", f->dir);
            assert_int_equal(tk_store_sqlite_create(&nd->sq, path, NULL), TK_OK);
            assert_int_equal(tk_store_sqlite_iface(nd->sq, &nd->store), TK_OK);
        } else {
            assert_int_equal(tk_store_mem_iface(f->sm, &nd->store), TK_OK);
        }
        hook_chain(nd);
        assert_int_equal(tk_monitor_create_shared(f->ctx, &nd->mon, &f->chain,
                                                  &f->recipient, &nd->store), TK_OK);
        make_redeemer(f, nd);
    }
    *state = f;
    return 0;
}

static int setup_mem(void **state)
{
    return setup_with(state, 0);
}

static int setup_sqlite(void **state)
{
    return setup_with(state, 1);
}

static int teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 2; i++) {
        tk_fleet_redeemer_destroy(f->n[i].r);
        tk_monitor_destroy(f->n[i].mon);
        tk_store_sqlite_destroy(f->n[i].sq);
    }
    tk_store_mem_destroy(f->sm);
    if (f->dir[0] != '\0')
        assert_int_equal(tk_test_tmpdir_remove(f->dir), 0);
    tk_chain_mem_destroy(f->cm);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* A NEW winner whose params expire at START + 1 (redeemable from there). */
static tk_hash add_winner(fx *f)
{
    tk_winner w;
    tk_test_winner(&w, &f->recipient, &f->sender, FACE, (uint32_t)f->n_w, START + 1);
    assert_int_equal(f->n[0].store.put_winner(f->n[0].store.self, &w), TK_OK);
    f->w[f->n_w++] = w.ticket_hash;
    return w.ticket_hash;
}

static uint64_t head(fx *f)
{
    uint64_t b = 0;
    assert_int_equal(tk_chain_mem_state(f->cm, &b, NULL), TK_OK);
    return b;
}

/* Mine one block; node i runs it; returns whether it led. */
static int block(fx *f, int i)
{
    int leading = -1;
    assert_int_equal(tk_chain_mem_advance(f->cm, 1), TK_OK);
    assert_int_equal(tk_fleet_redeemer_on_block(f->n[i].r, head(f), &leading), TK_OK);
    return leading;
}

static int run(fx *f, int i)
{
    int leading = -1;
    assert_int_equal(tk_fleet_redeemer_on_block(f->n[i].r, head(f), &leading), TK_OK);
    return leading;
}

static tk_winner_state state_of(fx *f, const tk_hash *h)
{
    tk_winner w;
    assert_int_equal(f->n[0].store.get_winner(f->n[0].store.self, h, &w), TK_OK);
    return w.state;
}

static uint32_t attempts_of(fx *f, const tk_hash *h)
{
    tk_winner w;
    assert_int_equal(f->n[1].store.get_winner(f->n[1].store.self, h, &w), TK_OK);
    return w.attempts;
}

/* The fleet's pending amount as node i sees it, in units of FACE. */
static uint64_t pending(fx *f, int i)
{
    tk_u256 p;
    uint64_t v = 0;
    assert_int_equal(tk_monitor_pending(f->n[i].mon, &p, &f->sender), TK_OK);
    assert_int_equal(tk_u256_to_u64(&v, &p), TK_OK);
    assert_int_equal(v % FACE, 0);
    return v / FACE;
}

/* ---- scenarios -----------------------------------------------------------*/

static void test_one_leader(void **state)
{
    fx *f = *state;
    tk_fleet_state a, b;

    for (int i = 0; i < 3; i++)
        add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(run(f, 1), 0); /* node B waits */
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(f->txs[0].n, 3);
    assert_int_equal(pending(f, 0), 3);
    assert_int_equal(pending(f, 1), 3); /* B sees A's redemptions */
    for (int k = 0; k < 3; k++) { /* fewer than receipt_wait_blocks */
        assert_int_equal(block(f, 1), 0);
        assert_int_equal(run(f, 0), 1);
    }
    assert_int_equal(f->n_tx, 1); /* in flight: never sent again */
    mine(f, 0);
    assert_int_equal(block(f, 0), 1);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(state_of(f, &f->w[i]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(tk_fleet_redeemer_state(f->n[0].r, &a, NULL), TK_OK);
    assert_int_equal(tk_fleet_redeemer_state(f->n[1].r, &b, NULL), TK_OK);
    assert_int_equal(a.leading, 1);
    assert_int_equal(a.tenures, 1);
    assert_int_equal(a.reconciled, 1);
    assert_int_equal(b.leading, 0);
    assert_int_equal(b.tenures, 0);
    /* A hands over; B leads on its next block with a newer token. */
    assert_int_equal(tk_fleet_redeemer_release(f->n[0].r), TK_OK);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(tk_fleet_redeemer_state(f->n[1].r, &b, NULL), TK_OK);
    assert_true(b.token > a.token);
    assert_int_equal(block(f, 0), 0);
}

static void test_takeover_reconciles(void **state)
{
    fx *f = *state;
    tk_fleet_state b;

    for (int i = 0; i < 4; i++)
        add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->n_tx, 1);
    /* A dies (no release); its transaction is mined meanwhile. */
    tk_fleet_redeemer_destroy(f->n[0].r);
    f->n[0].r = NULL;
    mine(f, 0);
    assert_int_equal(block(f, 1), 0); /* the lease has not expired yet */
    expire(&f->n[0]);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->n_tx, 1); /* reconciled, not sent again */
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(state_of(f, &f->w[i]), TK_WINNER_CONFIRMED);
        assert_int_equal(sent_count(f, &f->w[i]), 1);
    }
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(tk_fleet_redeemer_state(f->n[1].r, &b, NULL), TK_OK);
    assert_int_equal(b.reconciled, 1);
    assert_int_equal(b.lost, 0);
}

static void test_lost_transaction_resent_once(void **state)
{
    fx *f = *state;
    tk_fleet_state b;
    int k;

    for (int i = 0; i < 2; i++)
        add_winner(f);
    assert_int_equal(block(f, 0), 1);
    tk_fleet_redeemer_destroy(f->n[0].r); /* dies; its tx is never mined */
    f->n[0].r = NULL;
    expire(&f->n[0]);
    /* receipt_wait_blocks = 5: B waits (its first block and 4 more),
     * sending nothing, then gives up. */
    for (k = 0; k < 5; k++) {
        assert_int_equal(block(f, 1), 1);
        assert_int_equal(f->n_tx, 1);
        assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_SUBMITTED);
        assert_int_equal(pending(f, 1), 2);
    }
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_FAILED);
    assert_int_equal(pending(f, 1), 0);
    /* After the backoff (2 blocks) the winners go out again, once. */
    for (k = 0; k < 3 && f->n_tx == 1; k++)
        block(f, 1);
    assert_int_equal(f->n_tx, 2);
    assert_int_equal(pending(f, 1), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sent_count(f, &f->w[i]), 2);
        assert_int_equal(attempts_of(f, &f->w[i]), 2); /* one per attempt */
    }
    mine(f, 1);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[1]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(tk_fleet_redeemer_state(f->n[1].r, &b, NULL), TK_OK);
    assert_int_equal(b.lost, 1);
    assert_int_equal(b.reconciled, 1);
}

static void test_stalled_holder_sends_nothing(void **state)
{
    fx *f = *state;

    add_winner(f);
    /* A stalls inside its block (in the chain read before the claim and
     * the submit), past its lease; B takes over meanwhile. A's fenced
     * claim is refused, which ends its tenure: nothing is claimed or sent
     * (before the claims were fenced, the renewal before the submit
     * refused it and the claim was released). */
    f->n[0].steal_in_chain = 1;
    assert_int_equal(block(f, 0), 0); /* led when it began, not at its end */
    assert_int_equal(f->n_tx, 0);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_NEW);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(run(f, 0), 0);
    assert_int_equal(run(f, 1), 1);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(sent_count(f, &f->w[0]), 1);
}

/* The window the renewal before a send cannot close: A stalls after its
 * broadcast, before it writes SUBMITTED; B takes over, finds the winner
 * NEW and unused, and sends it too (the documented double send: one
 * reverted transaction's gas). When A resumes, its writes are fenced by
 * its tenure's token: the store keeps B's record (B's transaction, one
 * attempt, one pending row) instead of A's landing over it, and A's tenure
 * ends there. */
static void test_stalled_writes_are_fenced(void **state)
{
    fx *f = *state;
    tk_winner w;
    tk_fleet_state a;

    add_winner(f);
    f->n[0].other_runs_in_submit = 1;
    assert_int_equal(block(f, 0), 0); /* led when it began, not at its end */
    assert_int_equal(f->n_tx, 2);
    assert_int_equal(sent_count(f, &f->w[0]), 2);
    assert_int_equal(f->n[1].store.get_winner(f->n[1].store.self, &f->w[0], &w), TK_OK);
    assert_int_equal(w.state, TK_WINNER_SUBMITTED);
    assert_memory_equal(w.tx_hash.bytes, f->txs[1].hash.bytes, 32); /* B's */
    assert_int_equal(w.attempts, 1);
    assert_int_equal(pending(f, 0), 1);
    assert_int_equal(tk_fleet_redeemer_state(f->n[0].r, &a, NULL), TK_OK);
    assert_int_equal(a.leading, 0);
    assert_int_equal(a.fenced, 1);
    assert_int_equal(run(f, 0), 0); /* B holds it */
    /* B's transaction is mined (A's would revert): B settles it. */
    mine(f, 1);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(f->n_tx, 2);
}

/* The same stall with a callback that records its call before sending it
 * (tk_fleet_redeemer_create_recorded): the record was A's, in its tenure,
 * so B finds the winner SUBMITTED with A's transaction, sends nothing and
 * settles A's transaction from its receipt. */
static void test_recorded_stall_after_send(void **state)
{
    fx *f = *state;
    tk_winner w;

    make_recording(f);
    add_winner(f);
    f->n[0].other_runs_in_submit = 1;
    (void)block(f, 0);
    assert_int_equal(f->n_tx, 1); /* B sent nothing */
    assert_int_equal(f->n[1].store.get_winner(f->n[1].store.self, &f->w[0], &w), TK_OK);
    assert_int_equal(w.state, TK_WINNER_SUBMITTED);
    assert_memory_equal(w.tx_hash.bytes, f->txs[0].hash.bytes, 32); /* A's */
    assert_int_equal(w.attempts, 1);
    assert_int_equal(pending(f, 1), 1);
    assert_int_equal(run(f, 0), 0); /* B holds it */
    mine(f, 0);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(sent_count(f, &f->w[0]), 1);
}

/* A recording holder loses its lease between its renewal and its record:
 * the fenced record fails, nothing is sent, A's tenure ends; B sends the
 * winner once. */
static void test_recorded_stall_before_record(void **state)
{
    fx *f = *state;
    tk_fleet_state a;

    make_recording(f);
    add_winner(f);
    f->n[0].steal_before_record = 1;
    assert_int_equal(block(f, 0), 0);
    assert_int_equal(f->n_tx, 0);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_NEW);
    assert_int_equal(tk_fleet_redeemer_state(f->n[0].r, &a, NULL), TK_OK);
    assert_int_equal(a.fenced, 1);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(sent_count(f, &f->w[0]), 1);
    mine(f, 0);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
}

/* The lease only expires (a slow send), and no other node takes it: no
 * other tenure began, so the holder's SUBMITTED write still lands, and
 * its own renewal at the next block starts a new tenure that finds the
 * winner SUBMITTED (nothing sent twice, its pending row kept). With the
 * expiry checked by the fence, the write was refused, the new tenure
 * released the claim and sent the winner again. */
static void test_expired_holder_records_send(void **state)
{
    fx *f = *state;
    tk_fleet_state a;

    add_winner(f);
    f->n[0].expires_in_submit = 1;
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_SUBMITTED);
    assert_int_equal(attempts_of(f, &f->w[0]), 1);
    assert_int_equal(pending(f, 0), 1);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(tk_fleet_redeemer_state(f->n[0].r, &a, NULL), TK_OK);
    assert_int_equal(a.tenures, 2); /* the renewal after expiry */
    assert_int_equal(a.fenced, 0);  /* nothing was refused */
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(pending(f, 0), 1);
    mine(f, 0);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(f->n_tx, 1);
}

/* A gives a transaction up as lost (no receipt for receipt_wait_blocks)
 * and, inside that settlement, stalls at its usedTickets read past its
 * lease; B takes over and runs a block: its new queue restores the
 * winner's pending row and starts its own wait for the transaction. A,
 * resuming, must neither release that row (pending would be under-counted
 * while the winner is in flight: a higher max float than the reserve
 * covers) nor mark the winner FAILED: both writes are fenced. */
static void test_stale_release_fenced(void **state)
{
    fx *f = *state;

    add_winner(f);
    assert_int_equal(block(f, 0), 1); /* sent */
    assert_int_equal(f->n_tx, 1);
    for (int k = 0; k < 5; k++) /* waiting for the receipt */
        assert_int_equal(block(f, 0), 1);
    f->n[0].other_runs_in_used = 1;
    assert_int_equal(block(f, 0), 0); /* gives up, stalls, loses it */
    assert_int_equal(f->n[0].other_runs_in_used, 0); /* the stall happened */
    {
        tk_fleet_state a;
        assert_int_equal(tk_fleet_redeemer_state(f->n[0].r, &a, NULL), TK_OK);
        assert_int_equal(a.fenced, 1);
    }
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 1), 1);
    /* B settles it when it is mined; nothing was sent twice. */
    mine(f, 0);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(f->n_tx, 1);
}

static void test_stalled_holder_settles_nothing(void **state)
{
    fx *f = *state;
    tk_fleet_state a, b;

    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->n_tx, 1);
    mine(f, 0);
    /* A stalls in the receipt lookup of its next block, past its lease; B
     * takes over meanwhile. A, resuming with the receipt in hand, must not
     * settle: the winner stays SUBMITTED with its pending row, for B. */
    f->steal_in_receipt = &f->n[1];
    assert_int_equal(block(f, 0), 0); /* it led when the block began, not at its end */
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), 1);
    assert_int_equal(tk_fleet_redeemer_state(f->n[0].r, &a, NULL), TK_OK);
    assert_int_equal(a.reconciled, 0);
    assert_int_equal(a.leading, 0);
    /* B's tenure settles it from the receipt; nothing is sent again. */
    assert_int_equal(run(f, 1), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(tk_fleet_redeemer_state(f->n[1].r, &b, NULL), TK_OK);
    assert_int_equal(b.reconciled, 1);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(sent_count(f, &f->w[0]), 1);
}

static void test_orphan_claim_released(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f);
    tk_address s = f->sender;
    tk_u256 face;

    /* A node crashed between its claim and its submit: a claim on a NEW
     * winner. The next tenure's queue releases it before anything else. */
    assert_int_equal(tk_u256_from_u64(&face, FACE), TK_OK);
    assert_int_equal(tk_monitor_claim_pending(f->n[0].mon, &h, &s, &face, 1), TK_OK);
    assert_int_equal(tk_monitor_claim_pending(f->n[1].mon, &h, &s, &face, 1), TK_OK);
    assert_int_equal(pending(f, 1), 1); /* once, from both nodes */
    assert_int_equal(run(f, 1), 1); /* block START: params not expired yet */
    assert_int_equal(f->n_tx, 0);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(block(f, 1), 1);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(pending(f, 0), 1);
}

static void test_misuse(void **state)
{
    fx *f = *state;
    tk_fleet_redeemer *r = NULL;
    tk_fleet_config fc;
    tk_redeem_config rc;
    tk_monitor *plain = NULL;
    tk_store no_lease = f->n[0].store;
    tk_fleet_state st;
    int leading = 7;

    memset(&fc, 0, sizeof fc);
    fc.holder = "x";
    fc.lease_ms = 100;
    fc.receipt_wait_blocks = 1;
    fc.receipt = receipt_cb;
    assert_int_equal(tk_redeem_config_default(&rc), TK_OK);
    assert_int_equal(tk_monitor_create(f->ctx, &plain, &f->chain, &f->recipient), TK_OK);
    /* A monitor that does not share pending cannot run a fleet. */
    assert_illegal(f->ctx, tk_fleet_redeemer_create(f->ctx, &r, &fc, &rc, &f->n[0].store,
                                                    &f->chain, plain, submit_cb, NULL));
    assert_null(r);
    assert_illegal(f->ctx, tk_fleet_redeemer_create_recorded(f->ctx, &r, &fc, &rc,
                                                             &f->n[0].store, &f->chain,
                                                             plain, submit_rec_cb, NULL));
    assert_illegal(f->ctx, tk_fleet_redeemer_create_recorded(f->ctx, &r, &fc, &rc,
                                                             &f->n[0].store, &f->chain,
                                                             f->n[0].mon, NULL, NULL));
    assert_null(r);
    no_lease.lease_acquire = NULL;
    assert_illegal(f->ctx, tk_fleet_redeemer_create(f->ctx, &r, &fc, &rc, &no_lease,
                                                    &f->chain, f->n[0].mon, submit_cb, NULL));
    /* Every write of a tenure is fenced: a store without fenced writes
     * cannot serve a fleet redeemer. */
    {
        tk_store unfenced = f->n[0].store;
        unfenced.set_state_fenced = NULL;
        assert_illegal(f->ctx, tk_fleet_redeemer_create(f->ctx, &r, &fc, &rc, &unfenced,
                                                        &f->chain, f->n[0].mon, submit_cb,
                                                        NULL));
    }
    fc.holder = "";
    assert_illegal(f->ctx, tk_fleet_redeemer_create(f->ctx, &r, &fc, &rc, &f->n[0].store,
                                                    &f->chain, f->n[0].mon, submit_cb, NULL));
    fc.holder = "x";
    fc.lease_ms = 0;
    assert_illegal(f->ctx, tk_fleet_redeemer_create(f->ctx, &r, &fc, &rc, &f->n[0].store,
                                                    &f->chain, f->n[0].mon, submit_cb, NULL));
    fc.lease_ms = 100;
    fc.receipt = NULL;
    assert_illegal(f->ctx, tk_fleet_redeemer_create(f->ctx, &r, &fc, &rc, &f->n[0].store,
                                                    &f->chain, f->n[0].mon, submit_cb, NULL));
    assert_illegal(f->ctx, tk_fleet_redeemer_on_block(f->n[0].r, 1, NULL));
    assert_int_equal(tk_fleet_redeemer_on_block(NULL, 1, &leading), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(leading, 0);
    assert_int_equal(tk_fleet_redeemer_state(NULL, &st, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_fleet_redeemer_release(NULL), TK_ERR_ILLEGAL_ARG);
    /* Per-sender pending calls make no sense on a shared monitor. */
    {
        tk_u256 one;
        assert_int_equal(tk_u256_from_u64(&one, 1), TK_OK);
        assert_int_equal(tk_monitor_add_pending(f->n[0].mon, &f->sender, &one), TK_ERR_STATE);
        tk_monitor *m2 = NULL;
        no_lease.pending_total = NULL;
        assert_illegal(f->ctx, tk_monitor_create_shared(f->ctx, &m2, &f->chain,
                                                        &f->recipient, &no_lease));
        assert_null(m2);
    }
    tk_fleet_redeemer_destroy(NULL);
    tk_monitor_destroy(plain);
}

/* The block feed goes back one block (a lagging endpoint; chain.h allows
 * it): an unmined transaction is still given receipt_wait_blocks, not
 * taken for lost at once (found by an audit: block - first_block wrapped,
 * the winner went FAILED and was sent again while its transaction was
 * still in flight). */
static void test_block_goes_back(void **state)
{
    fx *f = *state;
    int leading = -1;
    uint64_t b;

    add_winner(f);
    assert_int_equal(block(f, 0), 1);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(block(f, 0), 1); /* the hash is first seen here */
    b = head(f);
    assert_int_equal(tk_fleet_redeemer_on_block(f->n[0].r, b - 1, &leading), TK_OK);
    assert_int_equal(leading, 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_SUBMITTED);
    for (int k = 0; k < 3; k++) /* b + 3: fewer than receipt_wait_blocks (5) */
        assert_int_equal(block(f, 0), 1);
    assert_int_equal(state_of(f, &f->w[0]), TK_WINNER_SUBMITTED);
    assert_int_equal(f->n_tx, 1);
    assert_int_equal(sent_count(f, &f->w[0]), 1);
}

int main(void)
{
#define T(name)                                                               \
    cmocka_unit_test_setup_teardown(name, setup_mem, teardown),               \
        cmocka_unit_test_setup_teardown(name, setup_sqlite, teardown)
    const struct CMUnitTest tests[] = {
        T(test_one_leader),
        T(test_takeover_reconciles),
        T(test_lost_transaction_resent_once),
        T(test_stalled_holder_sends_nothing),
        T(test_stalled_holder_settles_nothing),
        T(test_stalled_writes_are_fenced),
        T(test_recorded_stall_after_send),
        T(test_recorded_stall_before_record),
        T(test_expired_holder_records_send),
        T(test_stale_release_fenced),
        T(test_orphan_claim_released),
        T(test_misuse),
        T(test_block_goes_back),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

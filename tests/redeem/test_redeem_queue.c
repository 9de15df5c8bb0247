/* SPDX-License-Identifier: MIT */
/* The redemption queue over a scripted in-memory dev chain (tk_chain_mem),
 * the in-memory store and the sender monitor: redemption only after params
 * expiry, expiry on-chain, used on-chain, round not initialized, faceValue
 * below the transaction cost, an underfunded sender retried until it tops
 * up, reverted / RPC-error transactions that keep the ticket, a confirmed
 * batch that skipped a ticket, gas-cap splitting, restart, requeue, misuse.
 * Every scenario runs over the in-memory store and over the SQLite store.
 * The submit callback decodes the calldata it is given, so every test also
 * checks what would be sent; on a queue made with
 * tk_redeem_queue_create_recorded it may record the call before "sending"
 * it (f->record), as the chain redeemer does. */
#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/keccak.h"
#include "ticket/monitor.h"
#include "ticket/redeem.h"
#include "ticket/store.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define START 1000
#define MAX_CALLS 64
#define MAX_PER 32

typedef struct call {
    int single;
    size_t count;
    uint64_t gas;
    tk_hash tx;
    tk_hash hashes[MAX_PER];
} call;

typedef struct fx {
    tk_ctx *ctx;
    tk_chain_mem *cm;
    tk_chain chain;
    tk_store_mem *sm;
    tk_store_sqlite *sq; /* the durable store instead, when set */
    char dir[256];
    tk_store store;
    tk_monitor *mon;
    tk_redeem_queue *q;
    tk_redeem_config cfg;
    tk_address recipient, sender[3];
    call calls[MAX_CALLS];
    size_t n_calls;
    int fail_submit;
    int recording; /* the queue was made with tk_redeem_queue_create_recorded */
    tk_redeem_call *call; /* the recording callback's call (stale after it) */
    int record;  /* submit_cb records first (tk_redeem_call_record): RECORD_* */
    const tk_hash *fail_record_of; /* faulty store: its SUBMITTED write fails */
    int fail_put_back;             /* faulty store: other state writes fail */
    int fail_unknown; /* ... after it landed: TK_ERR_STORE_UNAVAILABLE */
    int shared; /* the monitor keeps pending in the store (fleet.h) */
    size_t events[6];
    uint64_t expired_face_sum; /* face values reported by EXPIRED events */
} fx;

/* ---- the node's side: submit and events ---------------------------------*/

enum {
    RECORD_NONE = 0,
    RECORD_SEND,      /* record, then send with the recorded hash */
    RECORD_FAIL,      /* record, then fail to send */
    RECORD_OTHER_TX,  /* record, then send with another hash */
    RECORD_LEAVE_TX,  /* record, then send without setting *tx itself */
    RECORD_RETRY      /* record; after a failure, try once more */
};

/* The call's winners in the store: SUBMITTED with its hash, or not yet. */
static void assert_recorded(fx *f, const call *c, int recorded)
{
    for (size_t i = 0; i < c->count; i++) {
        tk_winner w;
        assert_int_equal(f->store.get_winner(f->store.self, &c->hashes[i], &w),
                         TK_OK);
        assert_int_equal(w.state == TK_WINNER_SUBMITTED, recorded);
        if (recorded)
            assert_memory_equal(w.tx_hash.bytes, c->tx.bytes, 32);
    }
}

/* Record before "sending", as eth/redeemer.c does, and check that the
 * store names the call's winners right then and that a second record is
 * refused. A failed record (faulty store) is returned: nothing is sent. */
static tk_status record_first(fx *f, const call *c)
{
    tk_status st;

    assert_recorded(f, c, 0);
    if ((st = tk_redeem_call_record(f->call, &c->tx)) != TK_OK) {
        if (f->record == RECORD_RETRY) /* the call is over: not sent */
            assert_int_equal(tk_redeem_call_record(f->call, &c->tx), TK_ERR_STATE);
        return st;
    }
    assert_recorded(f, c, 1);
    assert_int_equal(tk_redeem_call_record(f->call, &c->tx), TK_ERR_STATE);
    return TK_OK;
}

/* A store whose state writes fail on demand (fx.fail_record_of,
 * fx.fail_put_back); the queue is made again over it. */
static fx *faulty;
static tk_status (*real_set_state)(void *, const tk_hash *, tk_winner_state,
                                   const tk_hash *);
static tk_status (*real_set_state_many)(void *, const tk_lease_fence *, const tk_hash *,
                                        size_t, tk_winner_state, const tk_hash *);
static size_t faulty_many_calls;

static int faulty_fails(const tk_hash *h, tk_winner_state state)
{
    return state == TK_WINNER_SUBMITTED
               ? faulty->fail_record_of != NULL &&
                     memcmp(h->bytes, faulty->fail_record_of->bytes, 32) == 0
               : faulty->fail_put_back;
}

/* A failing write fails before it is applied (TK_ERR_STORE), or with
 * fx.fail_unknown after (a lost COMMIT answer). */
static tk_status faulty_set_state(void *self, const tk_hash *h,
                                  tk_winner_state state, const tk_hash *tx)
{
    tk_status st;

    if (!faulty_fails(h, state))
        return real_set_state(self, h, state, tx);
    if (!faulty->fail_unknown)
        return TK_ERR_STORE;
    st = real_set_state(self, h, state, tx);
    return st == TK_OK ? TK_ERR_STORE_UNAVAILABLE : st;
}

/* All or nothing, as the store contract says: one failing hash fails the
 * write before anything is written (or, fx.fail_unknown, after all of it
 * was). */
static tk_status faulty_set_state_many(void *self, const tk_lease_fence *fence,
                                       const tk_hash *hs, size_t n,
                                       tk_winner_state state, const tk_hash *tx)
{
    tk_status st;

    faulty_many_calls++;
    for (size_t i = 0; i < n; i++)
        if (faulty_fails(&hs[i], state)) {
            if (!faulty->fail_unknown)
                return TK_ERR_STORE;
            st = real_set_state_many(self, fence, hs, n, state, tx);
            return st == TK_OK ? TK_ERR_STORE_UNAVAILABLE : st;
        }
    return real_set_state_many(self, fence, hs, n, state, tx);
}

static tk_status submit_cb(void *data, tk_hash *tx, const uint8_t *cd,
                           size_t len, uint64_t gas, size_t count)
{
    fx *f = data;
    call *c;
    tk_ticket t[MAX_PER];
    tk_sig s[MAX_PER];
    tk_u256 r[MAX_PER];
    size_t n = MAX_PER;

    if (f->fail_submit)
        return TK_ERR_CHAIN;
    assert_true(f->n_calls < MAX_CALLS);
    c = &f->calls[f->n_calls];
    memset(c, 0, sizeof *c);
    c->single = len >= 4 && cd[0] == 0xec && cd[1] == 0x8b;
    if (c->single) {
        assert_int_equal(tk_redeem_decode_single(t, s, r, cd, len), TK_OK);
        n = 1;
    } else {
        assert_int_equal(tk_redeem_decode_batch(t, s, r, &n, cd, len), TK_OK);
        assert_true(n >= 2);
    }
    assert_int_equal(n, count);
    for (size_t i = 0; i < n; i++) {
        tk_hash rh;
        assert_int_equal(tk_ticket_hash(&c->hashes[i], &t[i]), TK_OK);
        /* The revealed rand matches the ticket's commitment. */
        assert_int_equal(tk_rand_hash(&rh, &r[i]), TK_OK);
        assert_memory_equal(rh.bytes, t[i].recipient_rand_hash.bytes, 32);
    }
    c->count = n;
    c->gas = gas;
    assert_int_equal(tk_keccak256(&c->tx, &f->n_calls, sizeof f->n_calls),
                     TK_OK);
    if (f->record != RECORD_NONE) {
        tk_status st = record_first(f, c);
        if (st != TK_OK)
            return st;
    }
    if (f->record == RECORD_FAIL)
        return TK_ERR_CHAIN; /* not counted in n_calls: nothing went out */
    if (f->record == RECORD_OTHER_TX)
        c->tx.bytes[0] ^= 1;
    if (f->record == RECORD_LEAVE_TX)
        assert_memory_equal(tx->bytes, c->tx.bytes, 32); /* the record's */
    else
        *tx = c->tx;
    f->n_calls++;
    return TK_OK;
}

/* The recording form: the same, with the call to record. */
static tk_status submit_rec_cb(void *data, tk_redeem_call *rc, tk_hash *tx,
                               const uint8_t *cd, size_t len, uint64_t gas,
                               size_t count)
{
    fx *f = data;
    f->call = rc;
    return submit_cb(data, tx, cd, len, gas, count);
}

static void event_cb(const tk_redeem_event *ev, void *data)
{
    fx *f = data;
    f->events[ev->kind]++;
    if (ev->kind == TK_REDEEM_EV_EXPIRED) {
        uint64_t face = 0;
        assert_int_equal(tk_u256_to_u64(&face, &ev->face_value), TK_OK);
        f->expired_face_sum += face;
    }
}

/* ---- fixture ----------------------------------------------------------------*/

static void fund(fx *f, int s, uint64_t deposit, uint64_t reserve)
{
    tk_sender_funds funds;
    memset(&funds, 0, sizeof funds);
    assert_int_equal(tk_u256_from_u64(&funds.deposit, deposit), TK_OK);
    assert_int_equal(tk_u256_from_u64(&funds.reserve_funds_remaining, reserve),
                     TK_OK);
    assert_int_equal(tk_chain_mem_set_sender_funds(f->cm, &f->sender[s],
                                                   &funds), TK_OK);
}

/* The monitor: in memory, or shared over the store's pending_* rows. */
static void make_monitor(fx *f)
{
    if (f->shared)
        assert_int_equal(tk_monitor_create_shared(f->ctx, &f->mon, &f->chain,
                                                  &f->recipient, &f->store),
                         TK_OK);
    else
        assert_int_equal(tk_monitor_create(f->ctx, &f->mon, &f->chain,
                                           &f->recipient), TK_OK);
}

static void make_queue(fx *f)
{
    if (f->recording)
        assert_int_equal(tk_redeem_queue_create_recorded(f->ctx, &f->q, &f->cfg,
                                                         &f->store, &f->chain, f->mon,
                                                         submit_rec_cb, f),
                         TK_OK);
    else
        assert_int_equal(tk_redeem_queue_create(f->ctx, &f->q, &f->cfg, &f->store,
                                                &f->chain, f->mon, submit_cb, f),
                         TK_OK);
}

/* The queue again, made with tk_redeem_queue_create_recorded. */
static void make_recording_queue(fx *f)
{
    tk_redeem_queue_destroy(f->q);
    f->recording = 1;
    make_queue(f);
}

/* batch: the store keeps its set_state_many (one write per call); else
 * it has none, and the queue writes one winner at a time. */
static void use_faulty_store(fx *f, int batch)
{
    faulty = f;
    faulty_many_calls = 0;
    real_set_state = f->store.set_state;
    real_set_state_many = f->store.set_state_many;
    assert_non_null(real_set_state_many);
    f->store.set_state = faulty_set_state;
    f->store.set_state_many = batch ? faulty_set_state_many : NULL;
    make_recording_queue(f);
}

static int setup_with(void **state, int sqlite, int shared)
{
    fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->shared = shared;
    tk_test_seed();
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    assert_int_equal(tk_chain_mem_create(&f->cm, START), TK_OK);
    assert_int_equal(tk_chain_mem_iface(f->cm, &f->chain), TK_OK);
    if (sqlite) {
        char path[300];
        const char *tmp = getenv("TMPDIR");
        snprintf(f->dir, sizeof f->dir, "%s/tk_queue_XXXXXX",
                 tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->dir));
        snprintf(path, sizeof path, "%s/winners.db", f->dir);
        assert_int_equal(tk_store_sqlite_create(&f->sq, path, NULL), TK_OK);
        assert_int_equal(tk_store_sqlite_iface(f->sq, &f->store), TK_OK);
    } else {
        assert_int_equal(tk_store_mem_create(&f->sm), TK_OK);
        assert_int_equal(tk_store_mem_iface(f->sm, &f->store), TK_OK);
    }
    tk_test_rand_bytes(f->recipient.bytes, 20);
    for (int i = 0; i < 3; i++) {
        tk_test_rand_bytes(f->sender[i].bytes, 20);
        fund(f, i, 1000000000000000000ull, 1000000000000000000ull); /* 1 ETH */
    }
    make_monitor(f);
    assert_int_equal(tk_redeem_config_default(&f->cfg), TK_OK);
    /* 100k gas * 1 gwei = 1e14 wei per redemption. */
    f->cfg.redeem_gas = 100000;
    f->cfg.batch_base_gas = 50000;
    f->cfg.batch_ticket_gas = 60000;
    f->cfg.gas_cap = 1000000;
    f->cfg.retry_backoff_blocks = 5;
    /* The scenarios above the lying-chain ones take each chain read as
     * true; those set the default confirmation count themselves. */
    f->cfg.final_confirmations = 1;
    f->cfg.on_event = event_cb;
    f->cfg.event_data = f;
    make_queue(f);
    *state = f;
    return 0;
}

static int setup_mem(void **state)
{
    return setup_with(state, 0, 0);
}

static int setup_sqlite(void **state)
{
    return setup_with(state, 1, 0);
}

static int setup_mem_shared(void **state)
{
    return setup_with(state, 0, 1);
}

static int setup_sqlite_shared(void **state)
{
    return setup_with(state, 1, 1);
}

static int teardown(void **state)
{
    fx *f = *state;
    tk_redeem_queue_destroy(f->q);
    tk_monitor_destroy(f->mon);
    tk_store_mem_destroy(f->sm);
    tk_store_sqlite_destroy(f->sq);
    if (f->sq != NULL) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
    }
    tk_chain_mem_destroy(f->cm);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* A NEW winner of sender s with face value `face` wei, created in
 * `round`, whose params expire at block `exp`. */
static tk_hash add_winner(fx *f, int s, uint64_t face, int64_t round,
                          uint64_t exp)
{
    tk_winner w;

    memset(&w, 0, sizeof w);
    w.ticket.recipient = f->recipient;
    w.ticket.sender = f->sender[s];
    assert_int_equal(tk_u256_from_u64(&w.ticket.face_value, face), TK_OK);
    memset(w.ticket.win_prob.bytes, 0xff, 32);
    w.ticket.sender_nonce = (uint32_t)tk_test_rand64();
    tk_test_rand_bytes(w.recipient_rand.bytes, 32);
    assert_int_equal(tk_rand_hash(&w.ticket.recipient_rand_hash,
                                  &w.recipient_rand), TK_OK);
    w.ticket.creation_round = round;
    tk_test_rand_bytes(w.ticket.creation_round_block_hash.bytes, 32);
    tk_test_rand_bytes(w.sig.bytes, 65);
    assert_int_equal(tk_u256_from_u64(&w.expiration_block, exp), TK_OK);
    assert_int_equal(tk_ticket_hash(&w.ticket_hash, &w.ticket), TK_OK);
    assert_int_equal(f->store.put_winner(f->store.self, &w), TK_OK);
    return w.ticket_hash;
}

static tk_winner get(fx *f, const tk_hash *h)
{
    tk_winner w;
    assert_int_equal(f->store.get_winner(f->store.self, h, &w), TK_OK);
    return w;
}

static uint64_t block_now(fx *f)
{
    uint64_t b = 0;
    assert_int_equal(tk_chain_mem_state(f->cm, &b, NULL), TK_OK);
    return b;
}

/* Mine n blocks and run the queue on the new head. */
static void advance(fx *f, uint64_t n)
{
    assert_int_equal(tk_chain_mem_advance(f->cm, n), TK_OK);
    assert_int_equal(tk_redeem_queue_on_block(f->q, block_now(f)), TK_OK);
}

static uint64_t pending(fx *f, int s)
{
    tk_u256 p;
    uint64_t v = 0;
    assert_int_equal(tk_monitor_pending(f->mon, &p, &f->sender[s]), TK_OK);
    assert_int_equal(tk_u256_to_u64(&v, &p), TK_OK);
    return v;
}

static void mark_used(fx *f, const tk_hash *h)
{
    assert_int_equal(tk_chain_mem_mark_used(f->cm, h), TK_OK);
}

static tk_redeem_stats stats(fx *f)
{
    tk_redeem_stats s;
    assert_int_equal(tk_redeem_queue_stats(f->q, &s), TK_OK);
    return s;
}

#define FACE 1000000000000000ull /* 1e15 wei, 10x the tx cost */

/* ---- scenarios -------------------------------------------------------------*/

static void test_waits_for_params_expiry(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    advance(f, 39); /* block START+39: params still valid */
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    advance(f, 1); /* block START+40: expired, redeem */
    assert_int_equal(f->n_calls, 1);
    assert_true(f->calls[0].single);
    assert_int_equal(f->calls[0].gas, f->cfg.redeem_gas);
    assert_memory_equal(f->calls[0].hashes[0].bytes, h.bytes, 32);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_memory_equal(get(f, &h).tx_hash.bytes, f->calls[0].tx.bytes, 32);
    assert_int_equal(pending(f, 0), FACE);

    /* In flight: not submitted again. */
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);

    mark_used(f, &h); /* the transaction is mined */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(stats(f).confirmed, 1);
    /* Unknown transaction now. */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_CONFIRMED, NULL),
                     TK_ERR_NOT_FOUND);
}

static void test_expired_onchain(void **state)
{
    fx *f = *state;
    tk_hash a = add_winner(f, 0, FACE + 7, 1, START + 40);
    tk_hash b = add_winner(f, 1, FACE, 1, START + 40);
    /* Params that never expire: it still leaves the queue as EXPIRED. */
    tk_hash c = add_winner(f, 2, FACE, 1, UINT64_MAX);
    tk_redeem_stats s;
    char want[40];

    f->fail_submit = 1; /* never gets through before expiry */
    advance(f, 150); /* round 2: 1 + 2 > 2, still valid */
    assert_int_equal(get(f, &a).state, TK_WINNER_NEW);
    mark_used(f, &b); /* redeemed by someone, then the window closes */
    advance(f, 50); /* round 3: 1 + 2 <= 3 */
    assert_int_equal(get(f, &a).state, TK_WINNER_EXPIRED);
    assert_int_equal(get(f, &b).state, TK_WINNER_USED);
    assert_int_equal(get(f, &c).state, TK_WINNER_EXPIRED);
    s = stats(f);
    assert_int_equal(s.expired, 2);
    assert_int_equal(s.used, 1);
    snprintf(want, sizeof want, "%llu", 2 * FACE + 7);
    assert_string_equal(s.expired_face_value, want);
    assert_int_equal(f->events[TK_REDEEM_EV_EXPIRED], 2);
    assert_int_equal(f->expired_face_sum, 2 * FACE + 7);
    /* Kept in the store, and final: later blocks leave it alone. */
    f->fail_submit = 0;
    advance(f, 1);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(get(f, &a).state, TK_WINNER_EXPIRED);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &a), TK_ERR_STATE);
}

static void test_used_onchain(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    mark_used(f, &h);
    advance(f, 40);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(get(f, &h).state, TK_WINNER_USED);
    assert_int_equal(stats(f).used, 1);
}

static void test_round_not_initialized(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    assert_int_equal(tk_chain_mem_set_auto_init(f->cm, 0), TK_OK);
    advance(f, 100); /* round 2 begins, not initialized */
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_true(stats(f).deferred_round >= 1);
    advance(f, 1);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(tk_chain_mem_init_round(f->cm), TK_OK);
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
}

static void test_face_value_below_tx_cost(void **state)
{
    fx *f = *state;
    /* 1e14 wei = redeemGas * gasPrice exactly: not worth redeeming. */
    tk_hash h = add_winner(f, 0, 100000000000000ull, 1, START + 40);
    tk_u256 gp;

    advance(f, 40);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(stats(f).deferred_face_value, 1);
    /* Gas gets cheaper: now it is. */
    assert_int_equal(tk_u256_from_u64(&gp, 999999999), TK_OK);
    assert_int_equal(tk_chain_mem_set_gas_price(f->cm, &gp), TK_OK);
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
}

static void test_underfunded_until_topup(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    fund(f, 0, 0, 0);
    advance(f, 40);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(stats(f).deferred_funds, 1);
    /* Enough for the gas, not for the face value: the contract would
     * revert, so still deferred. */
    fund(f, 0, FACE / 2, 0);
    advance(f, 1);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(stats(f).deferred_funds, 2);
    /* Deposit + reserve allocation cover it. */
    fund(f, 0, FACE / 2, FACE / 2);
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
}

static void test_funds_split_between_winners(void **state)
{
    fx *f = *state;
    tk_hash a = add_winner(f, 0, FACE, 1, START + 40);
    tk_hash b = add_winner(f, 0, FACE, 2, START + 40);

    fund(f, 0, FACE + FACE / 2, 0); /* covers one of the two */
    advance(f, 40);
    assert_int_equal(f->n_calls, 1);
    assert_true(f->calls[0].single);
    /* Oldest creation round first. */
    assert_memory_equal(f->calls[0].hashes[0].bytes, a.bytes, 32);
    assert_int_equal(get(f, &b).state, TK_WINNER_NEW);
    /* Pending counts against the available funds until the outcome. */
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
}

static void test_revert_without_reason_keeps(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);
    tk_winner w;

    advance(f, 40);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_REVERTED_NO_REASON,
                                             NULL), TK_OK);
    w = get(f, &h);
    assert_int_equal(w.state, TK_WINNER_FAILED);
    assert_int_equal(w.attempts, 1);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(f->events[TK_REDEEM_EV_FAILED], 1);
    /* Backoff of 5 blocks, then retried. */
    advance(f, 4);
    assert_int_equal(f->n_calls, 1);
    advance(f, 1);
    assert_int_equal(f->n_calls, 2);
    assert_int_equal(get(f, &h).attempts, 2);
    /* An RPC error is unknown, hence retryable too. */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[1].tx,
                                             TK_REDEEM_RPC_ERROR, NULL),
                     TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_FAILED);
    advance(f, 5);
    assert_int_equal(f->n_calls, 3);
    /* A revert whose reason says "used": the chain is asked, not the
     * string; here the hash is used, so the ticket is final. */
    mark_used(f, &h);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[2].tx,
                                             TK_REDEEM_REVERTED_REASON,
                                             "ticketHash already used"),
                     TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_USED);
    assert_int_equal(pending(f, 0), 0);
}

static void test_submit_error_retries(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    f->fail_submit = 1;
    advance(f, 40);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(stats(f).submit_errors, 1);
    assert_int_equal(pending(f, 0), 0);
    f->fail_submit = 0;
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
}

/* A callback that records its call before the broadcast (the chain
 * redeemer's way): the queue does not write SUBMITTED again (one attempt),
 * puts the winners back when the callback then fails, and writes the hash
 * it got when that differs from the recorded one. Outside a callback the
 * record is refused. */
static void test_record_first(void **state)
{
    fx *f = *state;
    tk_hash a = add_winner(f, 0, FACE, 1, START + 40);
    tk_hash b = add_winner(f, 0, FACE, 1, START + 40);
    static const uint8_t zero[32];
    tk_winner w;

    make_recording_queue(f);
    assert_int_equal(tk_redeem_call_record(NULL, &a), TK_ERR_ILLEGAL_ARG);
    f->record = RECORD_FAIL;
    advance(f, 40);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(stats(f).submit_errors, 1);
    assert_int_equal(stats(f).txs_submitted, 0);
    assert_int_equal(pending(f, 0), 0);
    for (int i = 0; i < 2; i++) {
        w = get(f, i ? &b : &a);
        assert_int_equal(w.state, TK_WINNER_NEW);
        assert_memory_equal(w.tx_hash.bytes, zero, 32);
        assert_int_equal(w.attempts, 1); /* the recorded one */
    }
    f->record = RECORD_SEND;
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(pending(f, 0), 2 * FACE);
    for (int i = 0; i < 2; i++) {
        w = get(f, i ? &b : &a);
        assert_int_equal(w.state, TK_WINNER_SUBMITTED);
        assert_memory_equal(w.tx_hash.bytes, f->calls[0].tx.bytes, 32);
        assert_int_equal(w.attempts, 2); /* not written a second time */
    }
    assert_int_equal(f->events[TK_REDEEM_EV_SUBMITTED], 2);
    /* The handle after its callback returned; a NULL hash. */
    assert_int_equal(tk_redeem_call_record(f->call, &a), TK_ERR_STATE);
    assert_int_equal(tk_redeem_call_record(f->call, NULL), TK_ERR_ILLEGAL_ARG);
    /* Reverted without a reason: retried after the backoff, and sent with
     * a hash other than the recorded one. */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_REVERTED_NO_REASON, NULL),
                     TK_OK);
    /* Not sent again: put back as FAILED, with the old hash. */
    f->record = RECORD_FAIL;
    advance(f, f->cfg.retry_backoff_blocks + 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(stats(f).submit_errors, 2);
    for (int i = 0; i < 2; i++) {
        w = get(f, i ? &b : &a);
        assert_int_equal(w.state, TK_WINNER_FAILED);
        assert_memory_equal(w.tx_hash.bytes, f->calls[0].tx.bytes, 32);
        assert_int_equal(w.attempts, 3);
    }
    assert_int_equal(pending(f, 0), 0);
    f->record = RECORD_OTHER_TX;
    advance(f, 1);
    assert_int_equal(f->n_calls, 2);
    for (int i = 0; i < 2; i++) {
        w = get(f, i ? &b : &a);
        assert_int_equal(w.state, TK_WINNER_SUBMITTED);
        assert_memory_equal(w.tx_hash.bytes, f->calls[1].tx.bytes, 32);
        assert_int_equal(w.attempts, 5); /* recorded, then written again */
    }
    assert_int_equal(pending(f, 0), 2 * FACE);
}

/* One winner sent by a recording queue whose callback works in `mode`:
 * SUBMITTED with the call's hash, one attempt. */
static void one_recorded_send(fx *f, int mode)
{
    tk_hash a = add_winner(f, 0, FACE, 1, START + 40);
    tk_winner w;

    make_recording_queue(f);
    f->record = mode;
    advance(f, 40);
    assert_int_equal(f->n_calls, 1);
    w = get(f, &a);
    assert_int_equal(w.state, TK_WINNER_SUBMITTED);
    assert_memory_equal(w.tx_hash.bytes, f->calls[0].tx.bytes, 32);
    assert_int_equal(w.attempts, 1);
    assert_int_equal(pending(f, 0), FACE);
}

/* A recording callback that does not record: the queue writes SUBMITTED
 * after it, as for a plain one. */
static void test_recording_without_record(void **state)
{
    one_recorded_send(*state, RECORD_NONE);
}

/* A callback that records and returns without setting *tx_hash itself:
 * the record's hash stands (not a zero hash written over the record). */
static void test_record_leaves_tx(void **state)
{
    one_recorded_send(*state, RECORD_LEAVE_TX);
}

/* The store fails while a call is recorded first: during the record
 * (nothing is sent; with set_state_many nothing was written, one winner
 * at a time the winners already marked go back), and while a refused call
 * is put back (the winner stays SUBMITTED with a hash that never went
 * out, its claim kept; the queue's call fails with the store's status).
 * Settling that hash as lost later releases its claim once: the pending
 * amount of another winner in flight stays whole. */
static void record_store_fails(fx *f, int batch)
{
    tk_hash a, b, c;
    const tk_hash *later;
    static const uint8_t zero[32];
    tk_hash recorded;

    use_faulty_store(f, batch);
    f->record = RECORD_SEND;
    a = add_winner(f, 0, FACE, 1, START + 40);
    advance(f, 40);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(faulty_many_calls, (size_t)batch); /* the record: one write */
    assert_int_equal(pending(f, 0), FACE);
    b = add_winner(f, 0, FACE, 1, START + 40);
    c = add_winner(f, 0, FACE, 1, START + 40);
    /* One call of b and c, in hash order: the second one's write fails. */
    later = memcmp(b.bytes, c.bytes, 32) > 0 ? &b : &c;
    f->fail_record_of = later;
    f->record = RECORD_RETRY; /* a second record is refused */
    advance(f, 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(stats(f).submit_errors, 1);
    for (int i = 0; i < 2; i++) {
        const tk_hash *h = i ? &c : &b;
        tk_winner w = get(f, h);
        assert_int_equal(w.state, TK_WINNER_NEW);
        assert_memory_equal(w.tx_hash.bytes, zero, 32);
        /* Written and put back (an attempt counted), or never written. */
        assert_int_equal(w.attempts, !batch && h != later);
    }
    assert_int_equal(pending(f, 0), FACE);
    f->fail_record_of = NULL;
    /* Recorded, refused, and the put-back fails. */
    f->record = RECORD_FAIL;
    f->fail_put_back = 1;
    assert_int_equal(tk_chain_mem_advance(f->cm, 1), TK_OK);
    assert_int_equal(tk_redeem_queue_on_block(f->q, block_now(f)), TK_ERR_STORE);
    f->fail_put_back = 0;
    recorded = get(f, &b).tx_hash;
    for (int i = 0; i < 2; i++) {
        tk_winner w = get(f, i ? &c : &b);
        assert_int_equal(w.state, TK_WINNER_SUBMITTED);
        assert_memory_equal(w.tx_hash.bytes, recorded.bytes, 32);
    }
    assert_int_equal(pending(f, 0), 3 * FACE); /* claims kept */
    assert_int_equal(f->n_calls, 1);
    /* The hash is given up as lost: released once each. */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &recorded, TK_REDEEM_RPC_ERROR,
                                             NULL), TK_OK);
    assert_int_equal(get(f, &b).state, TK_WINNER_FAILED);
    assert_int_equal(pending(f, 0), FACE); /* a's, still in flight */
    assert_int_equal(get(f, &a).state, TK_WINNER_SUBMITTED);
    f->record = RECORD_SEND;
    advance(f, f->cfg.retry_backoff_blocks + 1);
    assert_int_equal(f->n_calls, 2);
    assert_int_equal(pending(f, 0), 3 * FACE);
}

static void test_record_store_fails(void **state)
{
    record_store_fails(*state, 1);
}

static void test_record_store_fails_one_by_one(void **state)
{
    record_store_fails(*state, 0);
}

/* Two winners in one call, in hash order; *later is the second. */
static void two_in_one_call(fx *f, tk_hash *b, tk_hash *c, const tk_hash **later)
{
    *b = add_winner(f, 0, FACE, 1, START + 40);
    *c = add_winner(f, 0, FACE, 1, START + 40);
    *later = memcmp(b->bytes, c->bytes, 32) > 0 ? b : c;
}

/* The record's write may have landed though the store reports a failure
 * (TK_ERR_STORE_UNAVAILABLE: the COMMIT's answer lost): nothing is sent,
 * and every winner it may have covered - the failing one included - goes
 * back to NEW with its claim released, so none is left SUBMITTED with a
 * hash that never went out. */
static void record_outcome_unknown(fx *f, int batch)
{
    tk_hash b, c;
    const tk_hash *later;
    static const uint8_t zero[32];

    use_faulty_store(f, batch);
    two_in_one_call(f, &b, &c, &later);
    f->fail_record_of = later;
    f->fail_unknown = 1;
    f->record = RECORD_SEND;
    advance(f, 40);
    assert_int_equal(f->n_calls, 0);
    for (int i = 0; i < 2; i++) {
        tk_winner w = get(f, i ? &c : &b);
        assert_int_equal(w.state, TK_WINNER_NEW);
        assert_memory_equal(w.tx_hash.bytes, zero, 32);
    }
    assert_int_equal(pending(f, 0), 0);
    f->fail_record_of = NULL;
    advance(f, f->cfg.retry_backoff_blocks + 1);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(f->calls[0].count, 2);
}

static void test_record_outcome_unknown(void **state)
{
    record_outcome_unknown(*state, 1);
}

static void test_record_outcome_unknown_one_by_one(void **state)
{
    record_outcome_unknown(*state, 0);
}

/* After the broadcast (a callback that does not record first) a failed
 * batch write is tried again one winner at a time: the transaction went
 * out, so every winner the store can take is named by it. */
static void test_sent_record_falls_back(void **state)
{
    fx *f = *state;
    tk_hash b, c;
    const tk_hash *later, *first;

    use_faulty_store(f, 1);
    two_in_one_call(f, &b, &c, &later);
    first = later == &b ? &c : &b;
    f->fail_record_of = later;
    f->record = RECORD_NONE;
    assert_int_equal(tk_chain_mem_advance(f->cm, 40), TK_OK);
    assert_int_equal(tk_redeem_queue_on_block(f->q, block_now(f)), TK_ERR_STORE);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(faulty_many_calls, 1);
    assert_int_equal(get(f, first).state, TK_WINNER_SUBMITTED);
    assert_memory_equal(get(f, first).tx_hash.bytes, f->calls[0].tx.bytes, 32);
    assert_int_equal(get(f, later).state, TK_WINNER_NEW);
}

static void test_gas_cap_splits_batches(void **state)
{
    fx *f = *state;
    tk_hash h[9];

    /* Cap 230k: 50k + 3 * 60k fits, 4 does not. */
    tk_redeem_queue_destroy(f->q);
    f->cfg.gas_cap = 230000;
    make_queue(f);
    for (int i = 0; i < 7; i++)
        h[i] = add_winner(f, 0, FACE, 1, START + 40);
    h[7] = add_winner(f, 1, FACE, 1, START + 40);
    h[8] = add_winner(f, 1, FACE, 1, START + 40);
    advance(f, 40);
    /* Sender 0: 3 + 3 + 1 (single); sender 1: one batch of 2. */
    assert_int_equal(f->n_calls, 4);
    {
        size_t n_single = 0, sizes = 0;
        for (size_t c = 0; c < f->n_calls; c++) {
            assert_true(f->calls[c].gas <= f->cfg.gas_cap);
            assert_true(f->calls[c].count <= 3);
            n_single += f->calls[c].single;
            assert_int_equal(f->calls[c].single, f->calls[c].count == 1);
            assert_int_equal(f->calls[c].gas,
                             f->calls[c].count == 1
                                 ? f->cfg.redeem_gas
                                 : 50000 + 60000 * f->calls[c].count);
            sizes += f->calls[c].count;
        }
        assert_int_equal(n_single, 1);
        assert_int_equal(sizes, 9);
    }
    for (int i = 0; i < 9; i++)
        assert_int_equal(get(f, &h[i]).state, TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), 7 * FACE);
    assert_int_equal(pending(f, 1), 2 * FACE);

    /* A cap that fits no batch: single calls only. */
    tk_redeem_queue_destroy(f->q);
    tk_monitor_destroy(f->mon); /* a new queue restores pending amounts */
    make_monitor(f);
    f->cfg.gas_cap = 150000;
    f->n_calls = 0;
    make_queue(f);
    for (int i = 0; i < 3; i++)
        add_winner(f, 2, FACE, 1, START + 40);
    advance(f, 1);
    assert_int_equal(f->n_calls, 3);
    for (size_t c = 0; c < 3; c++)
        assert_true(f->calls[c].single);
}

static void test_confirmed_batch_with_skipped_ticket(void **state)
{
    fx *f = *state;
    tk_hash h[3];

    for (int i = 0; i < 3; i++)
        h[i] = add_winner(f, 0, FACE, 1, START + 40);
    advance(f, 40);
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(f->calls[0].count, 3);
    /* The contract skipped the second ticket. */
    mark_used(f, &h[0]);
    mark_used(f, &h[2]);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    assert_int_equal(get(f, &h[0]).state, TK_WINNER_CONFIRMED);
    assert_int_equal(get(f, &h[1]).state, TK_WINNER_FAILED);
    assert_int_equal(get(f, &h[2]).state, TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 0);
}

static void test_restart_restores_pending(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    advance(f, 40);
    assert_int_equal(f->n_calls, 1);
    /* The node restarts: new monitor (pending 0), new queue, and the
     * SQLite file reopened. */
    tk_redeem_queue_destroy(f->q);
    tk_monitor_destroy(f->mon);
    if (f->sq != NULL) {
        char path[300];
        tk_store_sqlite_destroy(f->sq);
        snprintf(path, sizeof path, "%s/winners.db", f->dir);
        assert_int_equal(tk_store_sqlite_create(&f->sq, path, NULL), TK_OK);
        assert_int_equal(tk_store_sqlite_iface(f->sq, &f->store), TK_OK);
    }
    make_monitor(f);
    make_queue(f);
    assert_int_equal(pending(f, 0), FACE);
    mark_used(f, &h);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 0);
}

static void test_requeue(void **state)
{
    fx *f = *state;
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40), missing;

    advance(f, 40);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &h), TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &h), TK_OK); /* NEW */
    advance(f, 1);
    assert_int_equal(f->n_calls, 2);
    mark_used(f, &h);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[1].tx,
                                             TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &h), TK_ERR_STATE);
    tk_test_rand_bytes(missing.bytes, 32);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &missing),
                     TK_ERR_NOT_FOUND);
}


/* ---- threads: blocks, outcomes and new winners at the same time ---------- */

#define RACE_WINNERS 60

typedef struct race_txs {
    tk_winner w[RACE_WINNERS];
    size_t n;
} race_txs;

typedef struct race {
    fx *f;
    _Atomic int stop;
} race;

static int collect_submitted(const tk_winner *w, void *data)
{
    race_txs *t = data;
    if (t->n < RACE_WINNERS)
        t->w[t->n++] = *w;
    return 0;
}

/* The node's receipt watcher: every SUBMITTED winner's transaction is
 * mined (its hash marked used) and reported confirmed. Another winner of
 * the same transaction may have settled it already (TK_ERR_NOT_FOUND). */
static void *outcome_thread(void *arg)
{
    race *r = arg;
    fx *f = r->f;
    while (!r->stop) {
        race_txs t;
        t.n = 0;
        if (f->store.list(f->store.self, NULL,
                          TK_WINNER_STATE_BIT(TK_WINNER_SUBMITTED),
                          collect_submitted, &t) != TK_OK)
            return (void *)1;
        for (size_t i = 0; i < t.n; i++) {
            tk_status st;
            if (tk_chain_mem_mark_used(f->cm, &t.w[i].ticket_hash) != TK_OK)
                return (void *)2;
            st = tk_redeem_queue_outcome(f->q, &t.w[i].tx_hash,
                                         TK_REDEEM_CONFIRMED, NULL);
            if (st != TK_OK && st != TK_ERR_NOT_FOUND)
                return (void *)3;
        }
        usleep(200); /* a watcher polls; and no lock is hogged */
    }
    return NULL;
}

static void *winner_thread(void *arg)
{
    race *r = arg;
    for (int i = 0; i < RACE_WINNERS; i++)
        add_winner(r->f, i % 3, FACE, 1, START + 1 + (uint64_t)i % 20);
    return NULL;
}

static void test_threads(void **state)
{
    fx *f = *state;
    race r = {f, 0};
    pthread_t to, tw;
    void *ret = NULL;
    tk_redeem_stats s;

    assert_int_equal(pthread_create(&to, NULL, outcome_thread, &r), 0);
    assert_int_equal(pthread_create(&tw, NULL, winner_thread, &r), 0);
    for (int i = 0; i < 40; i++) {
        advance(f, 1);
        usleep(500);
    }
    assert_int_equal(pthread_join(tw, NULL), 0);
    /* Keep running blocks until every winner is settled (a winner whose
     * transaction was reported before the watcher marked it used is
     * FAILED and retried after the 5-block backoff). The chain stays
     * below the end of the validity window. */
    for (int i = 0; i < 2000; i++) {
        if (i % 20 == 0)
            advance(f, 1);
        else
            assert_int_equal(tk_redeem_queue_on_block(f->q, block_now(f)),
                             TK_OK);
        s = stats(f);
        if (s.confirmed + s.used == RACE_WINNERS)
            break;
        usleep(500);
    }
    r.stop = 1;
    assert_int_equal(pthread_join(to, &ret), 0);
    assert_null(ret);
    /* Every winner is final: CONFIRMED, or USED when the watcher marked a
     * stale copy used while the winner was waiting for a retry (the queue
     * then finds it used before submitting again). None lost, none twice. */
    s = stats(f);
    assert_int_equal(s.confirmed + s.used, RACE_WINNERS);
    assert_int_equal(s.expired, 0);
    {
        race_txs t;
        t.n = 0;
        assert_int_equal(f->store.list(f->store.self, NULL,
                                       TK_WINNER_STATE_BIT(TK_WINNER_CONFIRMED) |
                                           TK_WINNER_STATE_BIT(TK_WINNER_USED),
                                       collect_submitted, &t), TK_OK);
        assert_int_equal(t.n, RACE_WINNERS);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pending(f, i), 0);
}

static void *volatile vnull = NULL;

static void test_misuse(void **state)
{
    fx *f = *state;
    tk_redeem_queue *q = NULL;
    tk_redeem_config bad = f->cfg;
    tk_hash h;

    memset(&h, 0, sizeof h);
    bad.gas_cap = bad.redeem_gas - 1;
    assert_illegal(f->ctx, tk_redeem_queue_create(f->ctx, &q, &bad, &f->store,
                                                  &f->chain, f->mon,
                                                  submit_cb, f));
    assert_null(q);
    bad = f->cfg;
    bad.batch_ticket_gas = 0;
    assert_illegal(f->ctx, tk_redeem_queue_create(f->ctx, &q, &bad, &f->store,
                                                  &f->chain, f->mon,
                                                  submit_cb, f));
    assert_illegal(f->ctx, tk_redeem_queue_create(f->ctx, &q, &f->cfg,
                                                  &f->store, &f->chain,
                                                  f->mon, vnull, f));
    assert_illegal(f->ctx, tk_redeem_queue_create_recorded(f->ctx, &q, &f->cfg,
                                                           &f->store, &f->chain,
                                                           f->mon, vnull, f));
    assert_illegal(f->ctx, tk_redeem_queue_create_recorded(f->ctx, &q, &bad,
                                                           &f->store, &f->chain,
                                                           f->mon, submit_rec_cb, f));
    assert_null(q);
    assert_illegal(f->ctx, tk_redeem_queue_outcome(f->q, vnull,
                                                   TK_REDEEM_CONFIRMED,
                                                   NULL));
    assert_illegal(f->ctx, tk_redeem_queue_outcome(f->q, &h,
                                                   (tk_redeem_outcome)9,
                                                   NULL));
    assert_int_equal(tk_redeem_queue_on_block(vnull, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &h, TK_REDEEM_CONFIRMED,
                                             NULL), TK_ERR_NOT_FOUND);
    assert_int_equal(tk_redeem_config_default(vnull), TK_ERR_ILLEGAL_ARG);
    tk_redeem_queue_destroy(NULL);
}

/* ---- a chain view that lies (issue 11, defect 5) ------------------------- */

/* The dev chain, except that the next `used_lies` ticket_used answers say
 * "used", the next `used_errors` fail, every one says "not used" while
 * `reorged` (the redeeming transaction was dropped by a reorg) and the next
 * `round_lies` rounds answers are 10 rounds ahead. */
typedef struct liar {
    tk_chain inner;
    int used_lies, used_errors, reorged, round_lies;
    int block_lies; /* last_block answers a million blocks ahead */
} liar;

static tk_status liar_used(void *self, const tk_hash *h, int *used)
{
    liar *l = self;
    tk_status st = l->inner.ticket_used(l->inner.self, h, used);
    if (st == TK_OK && l->used_errors > 0) {
        l->used_errors--;
        return TK_ERR_CHAIN;
    }
    if (st == TK_OK && l->reorged)
        *used = 0;
    if (st == TK_OK && l->used_lies > 0) {
        l->used_lies--;
        *used = 1;
    }
    return st;
}

static tk_status liar_rounds(void *self, tk_round_info *out)
{
    liar *l = self;
    tk_status st = l->inner.rounds(l->inner.self, out);
    if (st == TK_OK && l->round_lies > 0) {
        l->round_lies--;
        out->current_round += 10;
        out->last_initialized_round += 10;
    }
    return st;
}

static tk_status liar_fwd_block(void *self, uint64_t *b)
{
    liar *l = self;
    tk_status st = l->inner.last_block(l->inner.self, b);
    if (st == TK_OK && l->block_lies > 0) {
        l->block_lies--;
        *b += 1000000;
    }
    return st;
}

static tk_status liar_fwd_funds(void *self, const tk_address *s, tk_sender_funds *out)
{
    liar *l = self;
    return l->inner.sender_funds(l->inner.self, s, out);
}

static tk_status liar_fwd_claimed(void *self, const tk_address *s, const tk_address *c,
                                  tk_u256 *out)
{
    liar *l = self;
    return l->inner.claimed_reserve(l->inner.self, s, c, out);
}

static tk_status liar_fwd_pool(void *self, uint64_t *out)
{
    liar *l = self;
    return l->inner.pool_size(l->inner.self, out);
}

static tk_status liar_fwd_gas(void *self, tk_u256 *out)
{
    liar *l = self;
    return l->inner.gas_price(l->inner.self, out);
}

/* Recreate f's queue over a lying view with the default confirmations. */
static liar *use_liar(fx *f)
{
    static liar l;
    tk_chain ch;

    memset(&l, 0, sizeof l);
    l.inner = f->chain;
    memset(&ch, 0, sizeof ch);
    ch.self = &l;
    ch.last_block = liar_fwd_block;
    ch.rounds = liar_rounds;
    ch.sender_funds = liar_fwd_funds;
    ch.claimed_reserve = liar_fwd_claimed;
    ch.pool_size = liar_fwd_pool;
    ch.gas_price = liar_fwd_gas;
    ch.ticket_used = liar_used;
    tk_redeem_queue_destroy(f->q);
    f->cfg.final_confirmations = 0;
    {
        tk_redeem_config d;
        assert_int_equal(tk_redeem_config_default(&d), TK_OK);
        f->cfg.final_confirmations = d.final_confirmations;
        assert_int_equal(d.final_confirmations, 3);
    }
    assert_int_equal(tk_redeem_queue_create(f->ctx, &f->q, &f->cfg, &f->store, &ch, f->mon,
                                            submit_cb, f), TK_OK);
    return &l;
}

/* One lying "used" answer: on 0.1.0 the winner became USED for good. */
static void test_liar_used_once(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    l->used_lies = 1;
    advance(f, 40); /* the lie: "used" */
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(f->n_calls, 0);
    assert_int_equal(stats(f).deferred_confirming, 1);
    advance(f, 1); /* the truth: not used -> redeemed */
    assert_int_equal(f->n_calls, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(stats(f).used, 0);
}

/* One lying rounds answer (10 rounds ahead): on 0.1.0, EXPIRED for good. */
static void test_liar_rounds_once(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    l->round_lies = 1;
    advance(f, 40);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(stats(f).expired, 0);
    advance(f, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(stats(f).expired, 0);
}

/* The truth is final after 3 distinct blocks agree (repeating a block does
 * not count), and the outcome of a reverted transaction plus one lying
 * "used" read does not make a winner USED. */
static void test_truth_needs_three_blocks(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash u = add_winner(f, 0, FACE, 1, START + 40);
    tk_hash r = add_winner(f, 1, FACE, 1, START + 40);
    uint64_t b;

    mark_used(f, &u);
    advance(f, 40); /* u: used (1 of 3); r: submitted */
    assert_int_equal(get(f, &u).state, TK_WINNER_NEW);
    assert_int_equal(get(f, &r).state, TK_WINNER_SUBMITTED);
    b = block_now(f);
    assert_int_equal(tk_redeem_queue_on_block(f->q, b), TK_OK); /* same block */
    assert_int_equal(tk_redeem_queue_on_block(f->q, b), TK_OK);
    assert_int_equal(get(f, &u).state, TK_WINNER_NEW);
    advance(f, 1); /* 2 of 3 */
    assert_int_equal(get(f, &u).state, TK_WINNER_NEW);
    /* r's transaction reverted and the used read lies: not final. */
    l->used_lies = 1;
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_REVERTED_REASON, "x"), TK_OK);
    assert_int_equal(get(f, &r).state, TK_WINNER_FAILED);
    advance(f, 1); /* u: 3 of 3 -> USED */
    assert_int_equal(get(f, &u).state, TK_WINNER_USED);
    assert_int_equal(stats(f).used, 1);
    advance(f, 10); /* r: backoff over, not used: submitted again */
    assert_int_equal(get(f, &r).state, TK_WINNER_SUBMITTED);
    assert_int_equal(f->n_calls, 2);
}

/* Operators can requeue an EXPIRED or USED winner that the chain shows
 * redeemable again; not one it still shows used or expired. */
static void test_requeue_final_when_redeemable(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);
    tk_hash u = add_winner(f, 1, FACE, 1, START + 40);

    /* A view that lies three blocks running still settles it (the count is
     * a bound, not a proof): EXPIRED. */
    f->fail_submit = 1;
    l->round_lies = 3;
    advance(f, 40);
    advance(f, 1);
    advance(f, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_EXPIRED);
    assert_int_equal(get(f, &u).state, TK_WINNER_EXPIRED);
    mark_used(f, &u);
    /* The chain, read again, shows h redeemable: back to NEW, redeemed. */
    assert_int_equal(tk_redeem_queue_requeue(f->q, &h), TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_NEW);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &u), TK_ERR_STATE); /* used */
    assert_int_equal(get(f, &u).state, TK_WINNER_EXPIRED);
    f->fail_submit = 0;
    advance(f, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    /* Really expired: stays final. */
    advance(f, 200);
    mark_used(f, &h);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx, TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    advance(f, 1);
    advance(f, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_CONFIRMED);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &h), TK_ERR_STATE);
}

/* Our transaction's outcome plus one lying "used" read (review of e9d369b:
 * CONFIRMED for good, never resubmitted, requeue refused): the winner stays
 * SUBMITTED with its amount pending until later blocks agree; the next read
 * says unused, so it is retried - and a real redemption then becomes
 * CONFIRMED only on the third agreeing block, releasing the pending amount
 * exactly then. */
static void test_confirmed_needs_agreement(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    advance(f, 40);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    l->used_lies = 1; /* the read at the receipt's block */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx,
                                             TK_REDEEM_CONFIRMED, NULL), TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), FACE);
    assert_int_equal(stats(f).confirmed, 0);
    advance(f, 1); /* the truth: not used -> back to be retried */
    assert_int_equal(get(f, &h).state, TK_WINNER_FAILED);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(f->n_calls, 1);
    advance(f, f->cfg.retry_backoff_blocks);
    assert_int_equal(f->n_calls, 2); /* resubmitted: the face value is not lost */
    assert_memory_equal(f->calls[1].hashes[0].bytes, h.bytes, 32);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), FACE);

    mark_used(f, &h); /* mined for real */
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[1].tx,
                                             TK_REDEEM_CONFIRMED, NULL), TK_OK);
    assert_int_equal(tk_redeem_queue_on_block(f->q, block_now(f)), TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED); /* same block: 1 */
    advance(f, 1); /* 2 of 3 */
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), FACE);
    assert_int_equal(stats(f).deferred_confirming, 2);
    advance(f, 1); /* 3 of 3 */
    assert_int_equal(get(f, &h).state, TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(stats(f).confirmed, 1);
    assert_int_equal(f->events[TK_REDEEM_EV_CONFIRMED], 1);
    advance(f, 10);
    assert_int_equal(f->n_calls, 2);
}

/* The head read when the receipt is counted lies a million blocks ahead
 * once: the later reads, at real blocks below it, must still count (they
 * start the count over), so the winner is CONFIRMED and its pending amount
 * released - not held SUBMITTED until the chain reaches the lie (found by
 * an audit). */
static void test_confirmed_after_head_lie(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);

    advance(f, 40);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    mark_used(f, &h);
    l->block_lies = 1;
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[0].tx, TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    for (int k = 0; k < 6 && get(f, &h).state == TK_WINNER_SUBMITTED; k++)
        advance(f, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 0);
    assert_int_equal(f->n_calls, 1);
}

/* A reorg drops the redeeming transaction after its receipt was read; and a
 * single call whose used read failed (the receipt alone used to confirm it)
 * was never mined on the canonical chain. Both go back to be retried; an
 * operator requeue of one being confirmed releases its amount once. */
static void test_confirmed_reorged_away(void **state)
{
    fx *f = *state;
    liar *l = use_liar(f);
    tk_hash h = add_winner(f, 0, FACE, 1, START + 40);
    tk_hash g = add_winner(f, 1, FACE, 1, START + 40);
    tk_hash k = add_winner(f, 2, FACE, 1, START + 40);

    advance(f, 40);
    assert_int_equal(f->n_calls, 3); /* one single call per sender */
    mark_used(f, &h);
    for (size_t i = 0; i < 3; i++) {
        if (memcmp(f->calls[i].hashes[0].bytes, g.bytes, 32) == 0)
            l->used_errors = 1; /* g: the used read fails */
        else
            l->used_errors = 0;
        assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[i].tx,
                                                 TK_REDEEM_CONFIRMED, NULL), TK_OK);
    }
    l->used_errors = 0;
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(get(f, &g).state, TK_WINNER_SUBMITTED);
    assert_int_equal(get(f, &k).state, TK_WINNER_FAILED); /* mined, not used */
    assert_int_equal(pending(f, 0), FACE);
    assert_int_equal(pending(f, 1), FACE);
    assert_int_equal(pending(f, 2), 0);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &k), TK_OK);
    advance(f, 1); /* h: 2 of 3; g: unused -> FAILED; k resubmitted */
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED);
    assert_int_equal(get(f, &g).state, TK_WINNER_FAILED);
    assert_int_equal(pending(f, 1), 0);
    assert_int_equal(get(f, &k).state, TK_WINNER_SUBMITTED);
    /* An operator requeue of k while confirming: released once. */
    mark_used(f, &k);
    assert_int_equal(tk_redeem_queue_outcome(f->q, &f->calls[3].tx,
                                             TK_REDEEM_CONFIRMED, NULL), TK_OK);
    assert_int_equal(pending(f, 2), FACE);
    assert_int_equal(tk_redeem_queue_requeue(f->q, &k), TK_OK);
    assert_int_equal(pending(f, 2), 0);
    l->reorged = 1; /* h's transaction is gone */
    advance(f, 1);
    assert_int_equal(get(f, &h).state, TK_WINNER_FAILED);
    assert_int_equal(pending(f, 0), 0);
    /* k, NEW, reads unused now: submitted again, counted once. */
    assert_int_equal(get(f, &k).state, TK_WINNER_SUBMITTED);
    assert_int_equal(f->n_calls, 5);
    assert_int_equal(pending(f, 2), FACE);
    assert_int_equal(stats(f).confirmed, 0);
    advance(f, f->cfg.retry_backoff_blocks);
    assert_int_equal(get(f, &h).state, TK_WINNER_SUBMITTED); /* retried */
    assert_int_equal(get(f, &g).state, TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), FACE);
    assert_int_equal(pending(f, 1), FACE);
}

/* A settle whose state write fails leaves the winner SUBMITTED, and its
 * outcome is reported again: its pending amount must go once, not twice
 * (found by an audit: the in-memory monitor's per-sender sum fell to 4F
 * with 5F still in flight). Three winners of one sender, one per call. */
static void test_settle_write_fails_once(void **state)
{
    fx *f = *state;
    const call *ca = NULL;
    tk_hash a;

    f->cfg.max_batch = 1;
    use_faulty_store(f, 1);
    a = add_winner(f, 0, FACE, 1, START + 40);
    (void)add_winner(f, 0, 2 * FACE, 1, START + 40);
    (void)add_winner(f, 0, 3 * FACE, 1, START + 40);
    advance(f, 40);
    assert_int_equal(f->n_calls, 3);
    assert_int_equal(pending(f, 0), 6 * FACE);
    for (size_t i = 0; i < f->n_calls; i++)
        if (memcmp(f->calls[i].hashes[0].bytes, a.bytes, 32) == 0)
            ca = &f->calls[i];
    assert_non_null(ca);
    mark_used(f, &a);
    f->fail_put_back = 1; /* the CONFIRMED write fails once */
    assert_int_not_equal(tk_redeem_queue_outcome(f->q, &ca->tx, TK_REDEEM_CONFIRMED, NULL),
                         TK_OK);
    assert_int_equal(get(f, &a).state, TK_WINNER_SUBMITTED);
    assert_int_equal(pending(f, 0), 6 * FACE); /* still in flight */
    f->fail_put_back = 0;
    assert_int_equal(tk_redeem_queue_outcome(f->q, &ca->tx, TK_REDEEM_CONFIRMED, NULL),
                     TK_OK);
    assert_int_equal(get(f, &a).state, TK_WINNER_CONFIRMED);
    assert_int_equal(pending(f, 0), 5 * FACE); /* the other two */
}

int main(void)
{
/* Every scenario over the in-memory store and over the SQLite store, with
 * the pending amounts in the monitor and shared in the store. */
#define T(name)                                                               \
    cmocka_unit_test_setup_teardown(name, setup_mem, teardown),               \
        cmocka_unit_test_setup_teardown(name, setup_sqlite, teardown),        \
        cmocka_unit_test_setup_teardown(name, setup_mem_shared, teardown),    \
        cmocka_unit_test_setup_teardown(name, setup_sqlite_shared, teardown)
    const struct CMUnitTest tests[] = {
        T(test_waits_for_params_expiry),
        T(test_expired_onchain),
        T(test_used_onchain),
        T(test_round_not_initialized),
        T(test_face_value_below_tx_cost),
        T(test_underfunded_until_topup),
        T(test_funds_split_between_winners),
        T(test_revert_without_reason_keeps),
        T(test_submit_error_retries),
        T(test_record_first),
        T(test_record_store_fails), T(test_record_store_fails_one_by_one),
        T(test_record_outcome_unknown), T(test_record_outcome_unknown_one_by_one),
        T(test_sent_record_falls_back),
        T(test_recording_without_record),
        T(test_record_leaves_tx),
        T(test_gas_cap_splits_batches),
        T(test_confirmed_batch_with_skipped_ticket),
        T(test_restart_restores_pending),
        T(test_requeue),
        T(test_threads),
        T(test_misuse),
        T(test_liar_used_once),
        T(test_liar_rounds_once),
        T(test_truth_needs_three_blocks),
        T(test_requeue_final_when_redeemable),
        T(test_confirmed_needs_agreement),
        T(test_confirmed_reorged_away),
        T(test_settle_write_fails_once),
        T(test_confirmed_after_head_lie),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* The tk_store conformance suite: every rule of store.h, run UNCHANGED
 * against each backend (argv[1]: mem, sqlite or pg; tests/support/
 * store_backends.c). Each test gets a fresh, empty store. Winners carry
 * their real ticket hash (the durable stores check it). What it tries to
 * break: idempotent puts, attempts counting, list order and filters,
 * visitors that call back in or stop early, all-or-nothing batches, the
 * seq rule, the replay judge (fresh exactly once across threads,
 * connections and processes), and data surviving a reopen. */
#include "test_support.h"
#include "store_backends.h"
#include "store_contract.h"

#include "ticket/credential.h"
#include "ticket/store.h"
#include "ticket/u256.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const tk_test_backend *be;

typedef struct fixture {
    void *loc;
    void *h;
    tk_store st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || (f->loc = be->setup()) == NULL) {
        free(f);
        return -1;
    }
    if (be->open(f->loc, &f->h, &f->st) != TK_OK) {
        be->teardown(f->loc);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    be->close(f->h);
    be->teardown(f->loc);
    free(f);
    return 0;
}

/* ---- winners ---------------------------------------------------------------- */

static void test_put_get_idempotent(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    tk_winner w, again, got;
    tk_hash absent;

    tk_test_make_winner(&w, NULL, 7);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_ERR_NOT_FOUND);
    assert_int_equal(st->put_winner(st->self, &w), TK_OK);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &w);

    /* A second put of the same hash leaves the stored row as it is. */
    again = w;
    again.state = TK_WINNER_FAILED;
    again.attempts = 9;
    tk_test_rand_bytes(again.tx_hash.bytes, 32);
    tk_test_rand_bytes(again.recipient_rand.bytes, 32);
    assert_int_equal(st->put_winner(st->self, &again), TK_OK);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &w);

    /* A row stored with a tx hash and attempts reads back the same. */
    tk_test_make_winner(&again, NULL, 8);
    again.state = TK_WINNER_SUBMITTED;
    again.attempts = 4;
    tk_test_rand_bytes(again.tx_hash.bytes, 32);
    assert_int_equal(st->put_winner(st->self, &again), TK_OK);
    assert_int_equal(st->get_winner(st->self, &again.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &again);

    tk_test_rand_bytes(absent.bytes, 32);
    memset(&got, 0xa5, sizeof got);
    assert_int_equal(st->get_winner(st->self, &absent, &got), TK_ERR_NOT_FOUND);
}

static void test_set_state(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    tk_winner w, got;
    tk_hash tx1, tx2, absent;

    tk_test_make_winner(&w, NULL, 3);
    tk_test_rand_bytes(tx1.bytes, 32);
    tk_test_rand_bytes(tx2.bytes, 32);
    tk_test_rand_bytes(absent.bytes, 32);
    assert_int_equal(st->put_winner(st->self, &w), TK_OK);
    assert_int_equal(st->set_state(st->self, &absent, TK_WINNER_USED, NULL), TK_ERR_NOT_FOUND);

    /* SUBMITTED counts an attempt and sets the hash. */
    assert_int_equal(st->set_state(st->self, &w.ticket_hash, TK_WINNER_SUBMITTED, &tx1), TK_OK);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_SUBMITTED);
    assert_int_equal(got.attempts, 1);
    assert_memory_equal(got.tx_hash.bytes, tx1.bytes, 32);
    /* FAILED with no hash keeps the old hash and the count. */
    assert_int_equal(st->set_state(st->self, &w.ticket_hash, TK_WINNER_FAILED, NULL), TK_OK);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_FAILED);
    assert_int_equal(got.attempts, 1);
    assert_memory_equal(got.tx_hash.bytes, tx1.bytes, 32);
    /* SUBMITTED again, NULL hash: a second attempt, same hash. */
    assert_int_equal(st->set_state(st->self, &w.ticket_hash, TK_WINNER_SUBMITTED, NULL), TK_OK);
    assert_int_equal(st->set_state(st->self, &w.ticket_hash, TK_WINNER_CONFIRMED, &tx2), TK_OK);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_CONFIRMED);
    assert_int_equal(got.attempts, 2);
    assert_memory_equal(got.tx_hash.bytes, tx2.bytes, 32);
    /* The rest of the row never changes. */
    w.state = got.state;
    w.attempts = got.attempts;
    w.tx_hash = got.tx_hash;
    tk_test_assert_winner_equal(&got, &w);
    /* No such state: refused, nothing changes. */
    assert_int_equal(st->set_state(st->self, &w.ticket_hash, (tk_winner_state)6, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_CONFIRMED);
}

#define LIST_N 24

typedef struct collected {
    tk_winner w[LIST_N];
    size_t n, stop_after;
    const tk_store *st; /* set: the visitor marks each winner USED */
} collected;

static int collect(const tk_winner *w, void *data)
{
    collected *c = data;
    if (c->n < LIST_N)
        c->w[c->n] = *w;
    c->n++;
    if (c->st != NULL)
        assert_int_equal(c->st->set_state(c->st->self, &w->ticket_hash, TK_WINNER_USED, NULL),
                         TK_OK);
    return c->stop_after != 0 && c->n >= c->stop_after;
}

static int before(const tk_winner *a, const tk_winner *b)
{
    if (a->ticket.creation_round != b->ticket.creation_round)
        return a->ticket.creation_round < b->ticket.creation_round;
    return memcmp(a->ticket_hash.bytes, b->ticket_hash.bytes, 32) < 0;
}

static void assert_state(const tk_store *st, const tk_winner *w, tk_winner_state state,
                         const tk_hash *tx, uint32_t attempts)
{
    tk_winner got;
    assert_int_equal(st->get_winner(st->self, &w->ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, state);
    assert_int_equal(got.attempts, attempts);
    assert_memory_equal(got.tx_hash.bytes, tx->bytes, 32);
}

/* set_state_many: several set_state calls as one all-or-nothing write. */
static void test_set_state_many(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    tk_winner w[3];
    tk_hash tx, zero, absent, hs[3];
    const tk_lease_fence bad = {"holder", 0};

    assert_non_null(st->set_state_many);
    memset(&zero, 0, sizeof zero);
    tk_test_rand_bytes(tx.bytes, 32);
    tk_test_rand_bytes(absent.bytes, 32);
    for (int i = 0; i < 3; i++) {
        tk_test_make_winner(&w[i], NULL, 3 + i);
        assert_int_equal(st->put_winner(st->self, &w[i]), TK_OK);
    }
    hs[0] = w[0].ticket_hash;
    hs[1] = w[1].ticket_hash;
    assert_int_equal(st->set_state_many(st->self, NULL, hs, 2, TK_WINNER_SUBMITTED, &tx),
                     TK_OK);
    assert_state(st, &w[0], TK_WINNER_SUBMITTED, &tx, 1);
    assert_state(st, &w[1], TK_WINNER_SUBMITTED, &tx, 1);
    assert_state(st, &w[2], TK_WINNER_NEW, &zero, 0);

    /* An absent hash after present ones: none of them changes. */
    hs[0] = w[2].ticket_hash;
    hs[1] = w[0].ticket_hash;
    hs[2] = absent;
    assert_int_equal(st->set_state_many(st->self, NULL, hs, 3, TK_WINNER_FAILED, NULL),
                     TK_ERR_NOT_FOUND);
    assert_state(st, &w[2], TK_WINNER_NEW, &zero, 0);
    assert_state(st, &w[0], TK_WINNER_SUBMITTED, &tx, 1);
    /* A hash given twice is written twice; a NULL hash keeps each one's. */
    hs[0] = w[0].ticket_hash;
    hs[1] = w[0].ticket_hash;
    hs[2] = w[2].ticket_hash;
    assert_int_equal(st->set_state_many(st->self, NULL, hs, 3, TK_WINNER_SUBMITTED, NULL),
                     TK_OK);
    assert_state(st, &w[0], TK_WINNER_SUBMITTED, &tx, 3);
    assert_state(st, &w[2], TK_WINNER_SUBMITTED, &zero, 1);
    assert_int_equal(st->set_state_many(st->self, NULL, NULL, 0, TK_WINNER_USED, NULL), TK_OK);

    /* Caller bugs: refused, nothing changes. */
    assert_int_equal(st->set_state_many(st->self, NULL, NULL, 1, TK_WINNER_USED, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->set_state_many(st->self, NULL, hs, 1, (tk_winner_state)6, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->set_state_many(st->self, &bad, hs, 1, TK_WINNER_USED, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_state(st, &w[0], TK_WINNER_SUBMITTED, &tx, 3);
}

static void test_list(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    static collected c;
    tk_winner w[LIST_N];
    tk_address s1, s2;
    size_t n_s1 = 0, n_failed = 0;

    tk_test_rand_bytes(s1.bytes, 20);
    tk_test_rand_bytes(s2.bytes, 20);
    for (size_t i = 0; i < LIST_N; i++) {
        /* Few distinct rounds: the hash must break the ties. */
        tk_test_make_winner(&w[i], i % 3 == 0 ? &s1 : &s2, (int64_t)(tk_test_rand64() % 4));
        n_s1 += i % 3 == 0;
        assert_int_equal(st->put_winner(st->self, &w[i]), TK_OK);
        if (i % 4 == 1) {
            assert_int_equal(st->set_state(st->self, &w[i].ticket_hash, TK_WINNER_FAILED, NULL),
                             TK_OK);
            n_failed++;
        }
    }
    memset(&c, 0, sizeof c);
    assert_int_equal(st->list(st->self, NULL, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, LIST_N);
    for (size_t i = 1; i < c.n; i++)
        assert_true(before(&c.w[i - 1], &c.w[i]));

    memset(&c, 0, sizeof c);
    assert_int_equal(st->list(st->self, &s1, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, n_s1);
    for (size_t i = 0; i < c.n; i++)
        assert_memory_equal(c.w[i].ticket.sender.bytes, s1.bytes, 20);

    memset(&c, 0, sizeof c);
    assert_int_equal(st->list(st->self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_FAILED), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, n_failed);
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.w[i].state, TK_WINNER_FAILED);

    memset(&c, 0, sizeof c);
    assert_int_equal(st->list(st->self, NULL, 0, collect, &c), TK_OK);
    assert_int_equal(c.n, 0);

    /* Stop early: a non-zero return ends the visit, still TK_OK. */
    memset(&c, 0, sizeof c);
    c.stop_after = 5;
    assert_int_equal(st->list(st->self, NULL, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, 5);

    /* A visitor that calls back into the store (the redemption queue
     * does): it must not deadlock, and its changes are stored. */
    memset(&c, 0, sizeof c);
    c.st = st;
    assert_int_equal(st->list(st->self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_NEW), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, LIST_N - n_failed);
    memset(&c, 0, sizeof c);
    assert_int_equal(st->list(st->self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_NEW), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(st->list(st->self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_USED), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, LIST_N - n_failed);
}

/* ---- nonces ------------------------------------------------------------------ */

typedef struct nonce_seen {
    tk_hash rh;
    uint32_t nonces[64];
    size_t n, all;
} nonce_seen;

static int seen_visit(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp, void *data)
{
    nonce_seen *s = data;
    (void)exp;
    s->all++;
    if (memcmp(rh->bytes, s->rh.bytes, 32) == 0 && s->n < 64)
        s->nonces[s->n++] = nonce;
    return 0;
}

static int has(const nonce_seen *s, uint32_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->nonces[i] == n)
            return 1;
    return 0;
}

static void test_nonces(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    static const uint32_t batch[] = {10, 11, 12, 11, 4294967295u};
    tk_hash rh, rh2;
    tk_u256 exp, late;
    nonce_seen s;

    assert_non_null(st->nonce_add);
    assert_non_null(st->nonce_add_many);
    tk_test_rand_bytes(rh.bytes, 32);
    tk_test_rand_bytes(rh2.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&exp, 500), TK_OK);
    assert_int_equal(tk_u256_from_u64(&late, 900), TK_OK);

    assert_int_equal(st->nonce_add(st->self, &rh, 1, &exp), TK_OK);
    assert_int_equal(st->nonce_add(st->self, &rh, 1, &exp), TK_OK); /* idempotent */
    assert_int_equal(st->nonce_add_many(st->self, &rh, batch, 5, &exp), TK_OK);
    assert_int_equal(st->nonce_add_many(st->self, &rh, NULL, 0, &exp), TK_OK);
    assert_int_equal(st->nonce_add_many(st->self, &rh2, batch, 2, &late), TK_OK);

    memset(&s, 0, sizeof s);
    s.rh = rh;
    assert_int_equal(st->nonce_load(st->self, seen_visit, &s), TK_OK);
    assert_int_equal(s.n, 5); /* 1, 10, 11, 12, 2^32-1: once each */
    assert_int_equal(s.all, 7);
    assert_true(has(&s, 1) && has(&s, 10) && has(&s, 11) && has(&s, 12) &&
                has(&s, 4294967295u));

    /* Prune below 501 drops rh's nonces (expiration 500), not rh2's. */
    assert_int_equal(st->nonce_prune(st->self, 500), TK_OK);
    memset(&s, 0, sizeof s);
    s.rh = rh;
    assert_int_equal(st->nonce_load(st->self, seen_visit, &s), TK_OK);
    assert_int_equal(s.all, 7); /* 500 is not below 500 */
    assert_int_equal(st->nonce_prune(st->self, 501), TK_OK);
    memset(&s, 0, sizeof s);
    s.rh = rh2;
    assert_int_equal(st->nonce_load(st->self, seen_visit, &s), TK_OK);
    assert_int_equal(s.all, 2);
    assert_int_equal(s.n, 2);
}

static void test_claim_contract(void **state)
{
    fixture *f = *state;
    tk_test_store_claim_contract(&f->st);
}

/* n connections to one store (threads), claiming the same nonces. */
static void test_claim_race_threads(void **state)
{
    fixture *f = *state;
    tk_store views[4];
    void *h[4] = {NULL};

    views[0] = f->st;
    for (int i = 1; i < 4; i++)
        assert_int_equal(be->open(f->loc, &h[i], &views[i]), TK_OK);
    tk_test_store_claim_race(views, 4);
    for (int i = 1; i < 4; i++)
        be->close(h[i]);
}

/* ---- request seqs ------------------------------------------------------------- */

static tk_status adv(const tk_store *st, const tk_address *a, const char *mid, uint64_t seq)
{
    return st->seq_advance(st->self, a, (const uint8_t *)mid, strlen(mid), seq);
}

static void test_seq_advance(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    static uint8_t long_id[TK_MANIFEST_ID_MAX + 1];
    tk_address a, b;

    assert_non_null(st->seq_advance);
    tk_test_rand_bytes(a.bytes, 20);
    tk_test_rand_bytes(b.bytes, 20);
    assert_int_equal(adv(st, &a, "m1", 0), TK_OK); /* first: any seq */
    assert_int_equal(adv(st, &a, "m1", 0), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 5), TK_OK);
    assert_int_equal(adv(st, &a, "m1", 5), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 4), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 6), TK_OK);
    /* Per (sender, manifest id): other streams are independent. */
    assert_int_equal(adv(st, &a, "m2", 1), TK_OK);
    assert_int_equal(adv(st, &b, "m1", 1), TK_OK);
    assert_int_equal(adv(st, &a, "", 3), TK_OK); /* the empty id is a stream */
    assert_int_equal(st->seq_advance(st->self, &a, NULL, 0, 3), TK_ERR_STALE_SEQ);
    assert_int_equal(st->seq_advance(st->self, &a, NULL, 0, 4), TK_OK);
    assert_int_equal(adv(st, &a, "m1", 6), TK_ERR_STALE_SEQ);
    /* The longest id works; one byte more is refused. */
    memset(long_id, 'x', sizeof long_id);
    assert_int_equal(st->seq_advance(st->self, &a, long_id, TK_MANIFEST_ID_MAX, 1), TK_OK);
    assert_int_equal(st->seq_advance(st->self, &a, long_id, TK_MANIFEST_ID_MAX, 1),
                     TK_ERR_STALE_SEQ);
    assert_int_equal(st->seq_advance(st->self, &a, long_id, TK_MANIFEST_ID_MAX + 1, 2),
                     TK_ERR_ILLEGAL_ARG);
}

/* ---- durability ---------------------------------------------------------------- */

static void test_reopen_keeps_everything(void **state)
{
    fixture *f = *state;
    tk_winner w, got;
    tk_hash rh, tx;
    tk_u256 exp;
    tk_address a;
    nonce_seen s;
    uint8_t fresh[2];
    uint64_t mark = 0;
    static const uint32_t ns[] = {7, 8};

    if (!be->durable) {
        skip();
        return;
    }
    tk_test_make_winner(&w, NULL, 11);
    tk_test_rand_bytes(rh.bytes, 32);
    tk_test_rand_bytes(tx.bytes, 32);
    tk_test_rand_bytes(a.bytes, 20);
    assert_int_equal(tk_u256_from_u64(&exp, 1000), TK_OK);
    assert_int_equal(f->st.put_winner(f->st.self, &w), TK_OK);
    assert_int_equal(f->st.set_state(f->st.self, &w.ticket_hash, TK_WINNER_SUBMITTED, &tx), TK_OK);
    assert_int_equal(f->st.nonce_claim(f->st.self, &rh, ns, 2, &exp, 777, fresh, &mark), TK_OK);
    assert_int_equal(adv(&f->st, &a, "m", 9), TK_OK);

    be->close(f->h);
    f->h = NULL;
    assert_int_equal(be->open(f->loc, &f->h, &f->st), TK_OK);
    assert_int_equal(f->st.get_winner(f->st.self, &w.ticket_hash, &got), TK_OK);
    w.state = TK_WINNER_SUBMITTED;
    w.attempts = 1;
    w.tx_hash = tx;
    tk_test_assert_winner_equal(&got, &w);
    memset(&s, 0, sizeof s);
    s.rh = rh;
    assert_int_equal(f->st.nonce_load(f->st.self, seen_visit, &s), TK_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(f->st.nonce_claim(f->st.self, &rh, ns, 2, &exp, 0, fresh, &mark), TK_OK);
    assert_memory_equal(fresh, ((uint8_t[]){0, 0}), 2);
    assert_int_equal(mark, 777);
    assert_int_equal(adv(&f->st, &a, "m", 9), TK_ERR_STALE_SEQ);
}

/* ---- processes ------------------------------------------------------------------- */

#define PROCS 4
#define PROC_NONCES 120
#define PROC_WINNERS 12

/* Child: its own connection; claims every nonce in batches (in its own
 * order) and puts the same winners; writes one byte per nonce (fresh or
 * not) to the pipe, then 0xff on success. */
static void child_claims(void *loc, int idx, const tk_hash *rh, const tk_winner *w, int fd)
{
    tk_store st;
    void *h = NULL;
    uint8_t out[PROC_NONCES];
    uint32_t batch[10];
    uint8_t fresh[10];
    uint64_t mark;
    tk_u256 exp;
    int ok = be->open(loc, &h, &st) == TK_OK;

    (void)tk_u256_from_u64(&exp, 1u << 30);
    memset(out, 0, sizeof out);
    for (int b = 0; ok && b < PROC_NONCES; b += 10) {
        for (int i = 0; i < 10; i++) {
            int k = b + i;
            batch[i] = (uint32_t)(idx % 2 ? PROC_NONCES - 1 - k : k);
        }
        ok = st.nonce_claim(st.self, rh, batch, 10, &exp, (uint64_t)b, fresh, &mark) == TK_OK;
        for (int i = 0; ok && i < 10; i++)
            out[batch[i]] = fresh[i];
        ok = ok && st.put_winner(st.self, &w[(b / 10 + idx) % PROC_WINNERS]) == TK_OK;
    }
    be->close(h);
    if (ok && write(fd, out, sizeof out) == (ssize_t)sizeof out)
        ok = write(fd, "\xff", 1) == 1;
    _exit(ok ? 0 : 1);
}

static void test_claim_race_processes(void **state)
{
    fixture *f = *state;
    static tk_winner w[PROC_WINNERS];
    uint8_t buf[PROC_NONCES + 1];
    int fresh_count[PROC_NONCES] = {0};
    int fds[PROCS][2];
    pid_t pid[PROCS];
    tk_hash rh;
    collected *c;

    if (!be->multi_process) {
        skip();
        return;
    }
    tk_test_rand_bytes(rh.bytes, 32);
    for (int i = 0; i < PROC_WINNERS; i++)
        tk_test_make_winner(&w[i], NULL, i);
    /* The parent's connection is closed before the fork: children never
     * share it (and the location is already created). */
    be->close(f->h);
    f->h = NULL;
    fflush(NULL);
    for (int p = 0; p < PROCS; p++) {
        assert_int_equal(pipe(fds[p]), 0);
        pid[p] = fork();
        assert_true(pid[p] >= 0);
        if (pid[p] == 0) {
            close(fds[p][0]);
            child_claims(f->loc, p, &rh, w, fds[p][1]);
        }
        close(fds[p][1]);
    }
    for (int p = 0; p < PROCS; p++) {
        ssize_t got = 0, n;
        int status = 0;
        while (got < (ssize_t)sizeof buf &&
               (n = read(fds[p][0], buf + got, sizeof buf - (size_t)got)) > 0)
            got += n;
        close(fds[p][0]);
        assert_int_equal(waitpid(pid[p], &status, 0), pid[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(got, (ssize_t)sizeof buf);
        assert_int_equal(buf[PROC_NONCES], 0xff);
        for (int i = 0; i < PROC_NONCES; i++)
            fresh_count[i] += buf[i];
    }
    for (int i = 0; i < PROC_NONCES; i++)
        assert_int_equal(fresh_count[i], 1);
    /* Every winner stored exactly once, whoever put it. */
    assert_int_equal(be->open(f->loc, &f->h, &f->st), TK_OK);
    c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(f->st.list(f->st.self, NULL, TK_WINNER_ALL_STATES, collect, c), TK_OK);
    assert_int_equal(c->n, PROC_WINNERS);
    for (size_t i = 0; i < c->n; i++)
        tk_test_assert_winner_equal(&c->w[i], &w[c->w[i].ticket.creation_round]);
    free(c);
}

/* Threads on separate connections put the same winners at once. */
typedef struct putter {
    const tk_store *st;
    const tk_winner *w;
    int errors;
} putter;

static void *put_all(void *arg)
{
    putter *p = arg;
    for (int i = 0; i < PROC_WINNERS; i++)
        if (p->st->put_winner(p->st->self, &p->w[(i * 5) % PROC_WINNERS]) != TK_OK)
            p->errors++;
    return NULL;
}

static void test_concurrent_puts(void **state)
{
    fixture *f = *state;
    static tk_winner w[PROC_WINNERS];
    tk_store views[3];
    void *h[3] = {NULL};
    putter p[3];
    pthread_t th[3];
    collected *c;

    for (int i = 0; i < PROC_WINNERS; i++)
        tk_test_make_winner(&w[i], NULL, i);
    views[0] = f->st;
    for (int i = 1; i < 3; i++)
        assert_int_equal(be->open(f->loc, &h[i], &views[i]), TK_OK);
    for (int i = 0; i < 3; i++) {
        p[i] = (putter){&views[i], w, 0};
        assert_int_equal(pthread_create(&th[i], NULL, put_all, &p[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(p[i].errors, 0);
    }
    for (int i = 1; i < 3; i++)
        be->close(h[i]);
    c = calloc(1, sizeof *c);
    assert_non_null(c);
    assert_int_equal(f->st.list(f->st.self, NULL, TK_WINNER_ALL_STATES, collect, c), TK_OK);
    assert_int_equal(c->n, PROC_WINNERS);
    free(c);
}

/* ---- misuse ------------------------------------------------------------------------ */

static int never(const tk_winner *w, void *d)
{
    (void)w;
    (void)d;
    return 0;
}

static int never_nonce(const tk_hash *rh, uint32_t n, const tk_u256 *e, void *d)
{
    (void)rh;
    (void)n;
    (void)e;
    (void)d;
    return 0;
}

static void *volatile vnull = NULL;

static void test_misuse(void **state)
{
    fixture *f = *state;
    const tk_store *st = &f->st;
    tk_winner w, got;
    tk_hash h;
    tk_u256 exp;
    tk_address a;
    uint32_t n = 1;
    uint8_t fresh = 7;
    uint64_t mark = 5;

    tk_test_make_winner(&w, NULL, 1);
    memset(&h, 1, sizeof h);
    memset(&a, 2, sizeof a);
    memset(&exp, 0, sizeof exp);
    assert_int_equal(st->put_winner(vnull, &w), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->put_winner(st->self, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->get_winner(vnull, &h, &got), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->get_winner(st->self, vnull, &got), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->get_winner(st->self, &h, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->set_state(vnull, &h, TK_WINNER_NEW, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->set_state(st->self, vnull, TK_WINNER_NEW, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->list(vnull, NULL, 1, never, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->list(st->self, NULL, 1, vnull, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_add(vnull, &h, 1, &exp), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_add(st->self, vnull, 1, &exp), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_add(st->self, &h, 1, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_add_many(st->self, &h, vnull, 2, &exp), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_load(vnull, never_nonce, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_load(st->self, vnull, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_prune(vnull, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->seq_advance(vnull, &a, NULL, 0, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->seq_advance(st->self, vnull, NULL, 0, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->seq_advance(st->self, &a, vnull, 3, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_claim(vnull, &h, &n, 1, &exp, 0, &fresh, &mark),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(mark, 0);
    assert_int_equal(fresh, 0);
    assert_int_equal(st->nonce_claim(st->self, &h, &n, 1, &exp, 0, &fresh, vnull),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_claim(st->self, &h, &n, 1, &exp, 0, vnull, &mark),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->nonce_claim(st->self, vnull, &n, 1, &exp, 0, &fresh, &mark),
                     TK_ERR_ILLEGAL_ARG);
    /* Nothing of the above was stored. */
    assert_int_equal(st->get_winner(st->self, &w.ticket_hash, &got), TK_ERR_NOT_FOUND);
    assert_int_equal(st->nonce_claim(st->self, &h, &n, 1, &exp, 0, &fresh, &mark), TK_OK);
    assert_int_equal(fresh, 1);
    assert_int_equal(st->seq_advance(st->self, &a, NULL, 0, 1), TK_OK);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_state_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_contract, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_race_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_advance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_race_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_puts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
    };
    char group[64];

    be = argc == 2 ? tk_test_backend_find(argv[1]) : NULL;
    if (be == NULL) {
        fprintf(stderr, "usage: %s mem|sqlite|pg\n", argv[0]);
        return 2;
    }
    if (strcmp(be->name, "pg") == 0)
        tk_test_pg_require();
    tk_test_seed();
    snprintf(group, sizeof group, "store_contract_%s", be->name);
    return _cmocka_run_group_tests(group, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

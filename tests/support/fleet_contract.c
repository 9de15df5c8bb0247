/* SPDX-License-Identifier: MIT */
#include "fleet_contract.h"

#include "ticket/u256.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

tk_u256 tk_test_u256(uint64_t v)
{
    tk_u256 out;
    assert_int_equal(tk_u256_from_u64(&out, v), TK_OK);
    return out;
}

uint64_t tk_test_pending_total(const tk_store *st, const tk_address *sender)
{
    tk_u256 t;
    uint64_t v = 0;
    assert_int_equal(st->pending_total(st->self, sender, &t), TK_OK);
    assert_int_equal(tk_u256_to_u64(&v, &t), TK_OK);
    return v;
}

static tk_status add(const tk_store *st, uint8_t id, const tk_address *sender,
                     uint64_t face, const uint64_t *limit, int *added)
{
    tk_hash h;
    tk_u256 f = tk_test_u256(face), l = limit ? tk_test_u256(*limit) : tk_test_u256(0);
    memset(&h, 0, sizeof h);
    h.bytes[0] = id;
    h.bytes[31] = 0x5a;
    return st->pending_add(st->self, &h, sender, &f, limit ? &l : NULL, added);
}

static int remove_id(const tk_store *st, uint8_t id)
{
    tk_hash h;
    int removed = -1;
    memset(&h, 0, sizeof h);
    h.bytes[0] = id;
    h.bytes[31] = 0x5a;
    assert_int_equal(st->pending_remove(st->self, &h, &removed), TK_OK);
    return removed;
}

void tk_test_store_pending_contract(const tk_store *st)
{
    tk_address a, b;
    tk_u256 max, t;
    uint64_t lim = 100;
    int added = -1;
    tk_hash h;

    assert_non_null(st->pending_add);
    assert_non_null(st->pending_remove);
    assert_non_null(st->pending_total);
    memset(&a, 0xa1, sizeof a);
    memset(&b, 0xb2, sizeof b);
    assert_int_equal(tk_test_pending_total(st, &a), 0);

    /* Added once, however often. */
    assert_int_equal(add(st, 1, &a, 40, NULL, &added), TK_OK);
    assert_int_equal(added, 1);
    assert_int_equal(add(st, 1, &a, 40, NULL, &added), TK_OK);
    assert_int_equal(added, 0);
    assert_int_equal(tk_test_pending_total(st, &a), 40);
    assert_int_equal(tk_test_pending_total(st, &b), 0); /* per sender */

    /* The limit: 40 + 60 <= 100 fits, one wei more does not. */
    assert_int_equal(add(st, 2, &a, 61, &lim, &added), TK_ERR_PENDING_LIMIT);
    assert_int_equal(added, 0);
    assert_int_equal(tk_test_pending_total(st, &a), 40);
    assert_int_equal(add(st, 2, &a, 60, &lim, &added), TK_OK);
    assert_int_equal(added, 1);
    assert_int_equal(tk_test_pending_total(st, &a), 100);
    /* Present already: no change and no second limit check. */
    assert_int_equal(add(st, 2, &a, 60, &lim, &added), TK_OK);
    assert_int_equal(added, 0);
    /* The other sender has its own total. */
    assert_int_equal(add(st, 3, &b, 100, &lim, &added), TK_OK);
    assert_int_equal(tk_test_pending_total(st, &b), 100);

    /* Removed once; a second remove is harmless and never goes below 0. */
    assert_int_equal(remove_id(st, 1), 1);
    assert_int_equal(remove_id(st, 1), 0);
    assert_int_equal(remove_id(st, 9), 0);
    assert_int_equal(tk_test_pending_total(st, &a), 60);
    assert_int_equal(remove_id(st, 2), 1);
    assert_int_equal(tk_test_pending_total(st, &a), 0);
    assert_int_equal(remove_id(st, 3), 1);

    /* Totals up to 2^256 - 1 are exact; one more is an overflow, and an
     * add that cannot fit under any limit is refused. */
    memset(max.bytes, 0xff, 32);
    memset(&h, 0, sizeof h);
    h.bytes[0] = 7;
    h.bytes[31] = 0x5a; /* as add() and remove_id() name winner 7 */
    assert_int_equal(st->pending_add(st->self, &h, &a, &max, NULL, &added), TK_OK);
    assert_int_equal(st->pending_total(st->self, &a, &t), TK_OK);
    assert_memory_equal(t.bytes, max.bytes, 32);
    assert_int_equal(add(st, 8, &a, 1, &lim, &added), TK_ERR_PENDING_LIMIT);
    assert_int_equal(added, 0);
    assert_int_equal(remove_id(st, 7), 1);
    assert_int_equal(tk_test_pending_total(st, &a), 0);

    /* Zero face values are not pending redemptions. */
    assert_int_not_equal(add(st, 9, &a, 0, NULL, &added), TK_OK);
    assert_int_equal(tk_test_pending_total(st, &a), 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void tk_test_store_lease_contract(const tk_store *st)
{
    char long_id[TK_LEASE_HOLDER_MAX + 2];
    uint64_t t1 = 0, t2 = 0, t3 = 0, t4 = 0, t = 99;

    assert_non_null(st->lease_acquire);
    assert_non_null(st->lease_release);
    assert_int_equal(st->lease_acquire(st->self, "node-a", 10000, &t1), TK_OK);
    assert_true(t1 >= 1);
    /* Held: the other node is refused; renewal keeps the token. */
    assert_int_equal(st->lease_acquire(st->self, "node-b", 10000, &t), TK_ERR_LEASE_HELD);
    assert_int_equal(t, 0);
    assert_int_equal(st->lease_acquire(st->self, "node-a", 10000, &t), TK_OK);
    assert_int_equal(t, t1);
    /* Release by someone else changes nothing; by the holder frees it. */
    assert_int_equal(st->lease_release(st->self, "node-b"), TK_OK);
    assert_int_equal(st->lease_acquire(st->self, "node-b", 10000, &t), TK_ERR_LEASE_HELD);
    assert_int_equal(st->lease_release(st->self, "node-a"), TK_OK);
    /* (400 ms: long enough for the next call even under valgrind.) */
    assert_int_equal(st->lease_acquire(st->self, "node-b", 400, &t2), TK_OK);
    assert_int_equal(t2, t1 + 1);
    /* Expiry: after 400 ms the lease is free for another node. */
    assert_int_equal(st->lease_acquire(st->self, "node-a", 10000, &t), TK_ERR_LEASE_HELD);
    sleep_ms(500);
    assert_int_equal(st->lease_acquire(st->self, "node-a", 400, &t3), TK_OK);
    assert_int_equal(t3, t2 + 1);
    /* The same holder back after its own expiry starts a new tenure. */
    sleep_ms(500);
    assert_int_equal(st->lease_acquire(st->self, "node-a", 10000, &t4), TK_OK);
    assert_int_equal(t4, t3 + 1);
    assert_int_equal(st->lease_release(st->self, "node-a"), TK_OK);

    /* Holder ids: 1..TK_LEASE_HOLDER_MAX bytes. */
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(st->lease_acquire(st->self, long_id, 100, &t), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->lease_acquire(st->self, "", 100, &t), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->lease_acquire(st->self, NULL, 100, &t), TK_ERR_ILLEGAL_ARG);
    long_id[TK_LEASE_HOLDER_MAX] = '\0';
    assert_int_equal(st->lease_acquire(st->self, long_id, 10000, &t), TK_OK);
    assert_int_equal(t, t4 + 1);
    assert_int_equal(st->lease_release(st->self, long_id), TK_OK);
}

/* ---- races ----------------------------------------------------------------*/

#define RACE_IDS 48
#define RACE_FACE 10
#define RACE_LIMIT 200 /* 20 of the 48 winners fit at a time */

typedef struct race {
    const tk_store *st;
    tk_address sender;
    atomic_int in_flight[RACE_IDS]; /* 1 while some thread's add stands */
    atomic_int over_limit;
    atomic_int errors;
    atomic_int leaders;     /* threads believing they hold the lease now */
    atomic_int max_leaders;
    atomic_ullong last_token;
    atomic_int token_regressed;
} race;

typedef struct racer {
    race *r;
    size_t store_i;
    unsigned seed;
    char holder[16];
} racer;

static void *pending_racer(void *arg)
{
    racer *me = arg;
    const tk_store *st = &me->r->st[me->store_i];

    for (int round = 0; round < 200; round++) {
        uint8_t id = (uint8_t)((me->seed + (unsigned)round * 7u) % RACE_IDS);
        uint64_t lim = RACE_LIMIT;
        int added = 0;
        tk_status s = add(st, id, &me->r->sender, RACE_FACE, &lim, &added);
        tk_u256 t;
        uint64_t v = 0;

        if (s == TK_OK && added)
            atomic_fetch_add(&me->r->in_flight[id], 1);
        else if (s != TK_OK && s != TK_ERR_PENDING_LIMIT)
            atomic_fetch_add(&me->r->errors, 1);
        if (st->pending_total(st->self, &me->r->sender, &t) != TK_OK ||
            tk_u256_to_u64(&v, &t) != TK_OK)
            atomic_fetch_add(&me->r->errors, 1);
        else if (v > RACE_LIMIT)
            atomic_fetch_add(&me->r->over_limit, 1);
        if (round % 3 == 0) { /* release some other winner */
            uint8_t other = (uint8_t)((id + 5u) % RACE_IDS);
            tk_hash h;
            int removed = 0;
            memset(&h, 0, sizeof h);
            h.bytes[0] = other;
            h.bytes[31] = 0x5a;
            if (st->pending_remove(st->self, &h, &removed) != TK_OK)
                atomic_fetch_add(&me->r->errors, 1);
            else if (removed)
                atomic_fetch_sub(&me->r->in_flight[other], 1);
        }
    }
    return NULL;
}

static void *lease_racer(void *arg)
{
    racer *me = arg;
    const tk_store *st = &me->r->st[me->store_i];

    for (int round = 0; round < 60; round++) {
        uint64_t token = 0;
        tk_status s = st->lease_acquire(st->self, me->holder, 2000, &token);
        if (s == TK_OK) {
            int now = atomic_fetch_add(&me->r->leaders, 1) + 1;
            unsigned long long last = atomic_load(&me->r->last_token);
            if (now > atomic_load(&me->r->max_leaders))
                atomic_store(&me->r->max_leaders, now);
            if (token < last)
                atomic_fetch_add(&me->r->token_regressed, 1);
            atomic_store(&me->r->last_token, token);
            atomic_fetch_sub(&me->r->leaders, 1);
            /* Hand over: the next acquisition is a takeover. */
            if (st->lease_release(st->self, me->holder) != TK_OK)
                atomic_fetch_add(&me->r->errors, 1);
        } else if (s != TK_ERR_LEASE_HELD) {
            atomic_fetch_add(&me->r->errors, 1);
        }
    }
    return NULL;
}

void tk_test_store_fleet_race(const tk_store *stores, size_t n_stores)
{
    enum { THREADS = 4 };
    static race r;
    racer rs[THREADS];
    pthread_t th[THREADS];
    uint64_t expect = 0;
    uint64_t t0 = 0, t1 = 0;

    memset(&r, 0, sizeof r);
    r.st = stores;
    memset(&r.sender, 0xc3, sizeof r.sender);
    for (int i = 0; i < THREADS; i++) {
        rs[i].r = &r;
        rs[i].store_i = (size_t)i % n_stores;
        rs[i].seed = (unsigned)i * 11u;
        snprintf(rs[i].holder, sizeof rs[i].holder, "racer-%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, pending_racer, &rs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(atomic_load(&r.errors), 0);
    assert_int_equal(atomic_load(&r.over_limit), 0);
    for (int id = 0; id < RACE_IDS; id++) {
        int n = atomic_load(&r.in_flight[id]);
        assert_true(n == 0 || n == 1); /* added once, removed once */
        expect += (uint64_t)n * RACE_FACE;
    }
    assert_int_equal(tk_test_pending_total(&stores[0], &r.sender), expect);
    assert_true(expect <= RACE_LIMIT);

    assert_int_equal(stores[0].lease_acquire(stores[0].self, "probe", 10000, &t0), TK_OK);
    assert_int_equal(stores[0].lease_release(stores[0].self, "probe"), TK_OK);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, lease_racer, &rs[i]), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(atomic_load(&r.errors), 0);
    assert_int_equal(atomic_load(&r.max_leaders), 1);
    assert_int_equal(atomic_load(&r.token_regressed), 0);
    assert_int_equal(stores[0].lease_acquire(stores[0].self, "probe", 10000, &t1), TK_OK);
    assert_true(t1 > t0);
    assert_int_equal(stores[0].lease_release(stores[0].self, "probe"), TK_OK);
}

/* ---- fenced writes --------------------------------------------------------*/

static tk_status fenced_add(const tk_store *st, const tk_lease_fence *f, uint8_t id,
                            const tk_address *sender, uint64_t face,
                            const uint64_t *limit, int *added)
{
    tk_hash h;
    tk_u256 v = tk_test_u256(face), l = tk_test_u256(limit ? *limit : 0);
    memset(&h, 0, sizeof h);
    h.bytes[0] = id;
    h.bytes[31] = 0x5a;
    return st->pending_add_fenced(st->self, f, &h, sender, &v, limit ? &l : NULL, added);
}

static tk_status fenced_remove(const tk_store *st, const tk_lease_fence *f, uint8_t id,
                               int *removed)
{
    tk_hash h;
    memset(&h, 0, sizeof h);
    h.bytes[0] = id;
    h.bytes[31] = 0x5a;
    return st->pending_remove_fenced(st->self, f, &h, removed);
}

static void assert_winner(const tk_store *st, const tk_winner *w, tk_winner_state state,
                          uint8_t tx_byte, uint32_t attempts)
{
    tk_winner got;
    assert_int_equal(st->get_winner(st->self, &w->ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, state);
    assert_int_equal(got.tx_hash.bytes[0], tx_byte);
    assert_int_equal(got.attempts, attempts);
}

void tk_test_store_fence_contract(const tk_store *st, const tk_winner *w)
{
    tk_address a;
    tk_hash tx, unknown;
    uint64_t ta = 0, tb = 0, t = 0, lim = 50;
    int added = -1, removed = -1;

    assert_non_null(st->set_state_fenced);
    assert_non_null(st->pending_add_fenced);
    assert_non_null(st->pending_remove_fenced);
    memset(&a, 0xd4, sizeof a);
    memset(&tx, 0x71, sizeof tx);
    memset(&unknown, 0xee, sizeof unknown);
    assert_int_equal(st->put_winner(st->self, w), TK_OK);
    assert_int_equal(st->lease_acquire(st->self, "fence-a", 10000, &ta), TK_OK);
    {
        const tk_lease_fence fa = {"fence-a", ta}, next = {"fence-a", ta + 1},
                             other = {"fence-b", ta}, zero = {"fence-a", 0},
                             empty = {"", ta};

        /* The live tenure writes like the plain functions. */
        assert_int_equal(st->set_state_fenced(st->self, &fa, &w->ticket_hash,
                                              TK_WINNER_SUBMITTED, &tx), TK_OK);
        assert_winner(st, w, TK_WINNER_SUBMITTED, 0x71, 1);
        assert_int_equal(st->set_state_fenced(st->self, &fa, &unknown, TK_WINNER_FAILED,
                                              NULL), TK_ERR_NOT_FOUND);
        assert_int_equal(fenced_add(st, &fa, 20, &a, 30, &lim, &added), TK_OK);
        assert_int_equal(added, 1);
        assert_int_equal(fenced_add(st, &fa, 20, &a, 30, &lim, &added), TK_OK);
        assert_int_equal(added, 0); /* counted once */
        assert_int_equal(fenced_add(st, &fa, 21, &a, 21, &lim, &added),
                         TK_ERR_PENDING_LIMIT);
        assert_int_equal(added, 0);
        assert_int_equal(tk_test_pending_total(st, &a), 30);

        /* Another token or holder of a live lease: nothing changes. */
        assert_int_equal(st->set_state_fenced(st->self, &next, &w->ticket_hash,
                                              TK_WINNER_FAILED, NULL), TK_ERR_LEASE_LOST);
        assert_int_equal(st->set_state_fenced(st->self, &other, &w->ticket_hash,
                                              TK_WINNER_FAILED, NULL), TK_ERR_LEASE_LOST);
        assert_int_equal(fenced_add(st, &other, 22, &a, 1, NULL, &added), TK_ERR_LEASE_LOST);
        assert_int_equal(added, 0);
        assert_int_equal(fenced_remove(st, &next, 20, &removed), TK_ERR_LEASE_LOST);
        assert_int_equal(removed, 0);
        assert_winner(st, w, TK_WINNER_SUBMITTED, 0x71, 1);
        assert_int_equal(tk_test_pending_total(st, &a), 30);

        /* Bad fences are caller bugs. */
        assert_int_equal(st->set_state_fenced(st->self, NULL, &w->ticket_hash,
                                              TK_WINNER_FAILED, NULL), TK_ERR_ILLEGAL_ARG);
        assert_int_equal(st->set_state_fenced(st->self, &zero, &w->ticket_hash,
                                              TK_WINNER_FAILED, NULL), TK_ERR_ILLEGAL_ARG);
        assert_int_equal(fenced_add(st, &empty, 22, &a, 1, NULL, &added), TK_ERR_ILLEGAL_ARG);
        assert_int_equal(fenced_remove(st, NULL, 20, &removed), TK_ERR_ILLEGAL_ARG);

        /* A takeover ends fence-a's tenure: its writes change nothing. */
        assert_int_equal(st->lease_release(st->self, "fence-a"), TK_OK);
        assert_int_equal(st->lease_acquire(st->self, "fence-b", 10000, &tb), TK_OK);
        assert_int_equal(tb, ta + 1);
        assert_int_equal(st->set_state_fenced(st->self, &fa, &w->ticket_hash,
                                              TK_WINNER_FAILED, NULL), TK_ERR_LEASE_LOST);
        assert_int_equal(fenced_add(st, &fa, 22, &a, 1, NULL, &added), TK_ERR_LEASE_LOST);
        assert_int_equal(fenced_remove(st, &fa, 20, &removed), TK_ERR_LEASE_LOST);
        assert_winner(st, w, TK_WINNER_SUBMITTED, 0x71, 1);
        assert_int_equal(tk_test_pending_total(st, &a), 30);
    }
    {
        const tk_lease_fence fb = {"fence-b", tb};

        assert_int_equal(fenced_remove(st, &fb, 20, &removed), TK_OK);
        assert_int_equal(removed, 1);
        assert_int_equal(tk_test_pending_total(st, &a), 0);
        /* Expired and not acquired since: no other tenure exists, and the
         * holder's writes still apply. Its own renewal after the expiry
         * starts a new tenure (a new token), which ends the old one. */
        assert_int_equal(st->lease_acquire(st->self, "fence-b", 100, &t), TK_OK);
        assert_int_equal(t, tb);
        sleep_ms(200);
        assert_int_equal(st->set_state_fenced(st->self, &fb, &w->ticket_hash,
                                              TK_WINNER_FAILED, NULL), TK_OK);
        assert_int_equal(st->lease_acquire(st->self, "fence-b", 10000, &t), TK_OK);
        assert_int_equal(t, tb + 1);
        assert_int_equal(st->set_state_fenced(st->self, &fb, &w->ticket_hash,
                                              TK_WINNER_NEW, NULL), TK_ERR_LEASE_LOST);
        assert_int_equal(fenced_add(st, &fb, 23, &a, 1, NULL, &added), TK_ERR_LEASE_LOST);
        assert_winner(st, w, TK_WINNER_FAILED, 0x71, 1);
        assert_int_equal(tk_test_pending_total(st, &a), 0);
        assert_int_equal(st->lease_release(st->self, "fence-b"), TK_OK);
        /* The plain functions are not fenced. */
        assert_int_equal(st->set_state(st->self, &w->ticket_hash, TK_WINNER_NEW, NULL),
                         TK_OK);
        assert_winner(st, w, TK_WINNER_NEW, 0x71, 1);
    }
    {
        /* set_state_many with a fence: the tenure checked in the same write. */
        const tk_lease_fence stale = {"fence-b", tb + 1};
        const tk_hash hs[2] = {w->ticket_hash, w->ticket_hash};
        tk_hash tx2;

        memset(&tx2, 0x72, sizeof tx2);
        assert_non_null(st->set_state_many);
        assert_int_equal(st->lease_acquire(st->self, "fence-c", 10000, &t), TK_OK);
        assert_int_equal(t, tb + 2);
        assert_int_equal(st->set_state_many(st->self, &stale, hs, 2, TK_WINNER_SUBMITTED,
                                            &tx2), TK_ERR_LEASE_LOST);
        assert_winner(st, w, TK_WINNER_NEW, 0x71, 1);
        {
            const tk_lease_fence fc = {"fence-c", t};
            assert_int_equal(st->set_state_many(st->self, &fc, hs, 2, TK_WINNER_SUBMITTED,
                                                &tx2), TK_OK);
        }
        assert_winner(st, w, TK_WINNER_SUBMITTED, 0x72, 3);
        assert_int_equal(st->lease_release(st->self, "fence-c"), TK_OK);
    }
}

/* One tenure's writer racing the takeover by another connection: once the
 * taker holds the lease, no write of the old tenure may land. */
typedef struct fence_race {
    const tk_store *st;
    const tk_winner *w;
    uint64_t token;
    atomic_int taken;     /* the taker's acquisition returned */
    atomic_int done;      /* the taker wrote and waited */
    atomic_int ok, lost, ok_after_lost, ok_after_taken, errors;
} fence_race;

static void *fence_writer(void *arg)
{
    fence_race *r = arg;
    const tk_lease_fence f = {"fence-old", r->token};
    uint32_t i = 0;

    while (!atomic_load(&r->done)) {
        tk_hash tx;
        int taken = atomic_load(&r->taken);
        tk_status s;
        memset(&tx, 0, sizeof tx);
        tx.bytes[0] = 0x01;
        memcpy(tx.bytes + 1, &i, sizeof i);
        i++;
        s = r->st->set_state_fenced(r->st->self, &f, &r->w->ticket_hash,
                                    TK_WINNER_SUBMITTED, &tx);
        if (s == TK_OK) {
            atomic_fetch_add(&r->ok, 1);
            if (atomic_load(&r->lost))
                atomic_fetch_add(&r->ok_after_lost, 1);
            if (taken) /* started after the takeover had returned */
                atomic_fetch_add(&r->ok_after_taken, 1);
        } else if (s == TK_ERR_LEASE_LOST) {
            atomic_fetch_add(&r->lost, 1);
        } else {
            atomic_fetch_add(&r->errors, 1);
        }
        sleep_ms(1); /* a redeemer writes now and then: the taker gets in */
    }
    return NULL;
}

void tk_test_store_fence_race(const tk_store *stores, size_t n_stores, const tk_winner *w)
{
    static fence_race r;
    const tk_store *taker = &stores[n_stores - 1];
    uint64_t tn = 0;
    pthread_t th;
    tk_hash mark;
    tk_winner got;

    memset(&r, 0, sizeof r);
    r.st = &stores[0];
    r.w = w;
    assert_int_equal(r.st->put_winner(r.st->self, w), TK_OK);
    assert_int_equal(r.st->lease_acquire(r.st->self, "fence-old", 600, &r.token), TK_OK);
    assert_int_equal(pthread_create(&th, NULL, fence_writer, &r), 0);
    /* Take over as soon as the lease expires (the old tenure keeps writing;
     * on SQLite the writer may hold the file past the busy timeout). */
    for (;;) {
        tk_status s = taker->lease_acquire(taker->self, "fence-new", 10000, &tn);
        if (s == TK_OK)
            break;
        assert_true(s == TK_ERR_LEASE_HELD || s == TK_ERR_STORE_UNAVAILABLE);
        sleep_ms(5);
    }
    assert_int_equal(tn, r.token + 1);
    atomic_store(&r.taken, 1);
    {
        const tk_lease_fence fn = {"fence-new", tn};
        memset(&mark, 0, sizeof mark);
        mark.bytes[0] = 0x02;
        assert_int_equal(taker->set_state_fenced(taker->self, &fn, &w->ticket_hash,
                                                 TK_WINNER_FAILED, &mark), TK_OK);
    }
    sleep_ms(200); /* the old tenure goes on trying */
    atomic_store(&r.done, 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(atomic_load(&r.errors), 0);
    assert_true(atomic_load(&r.ok) > 0);   /* it did write while it held it */
    assert_true(atomic_load(&r.lost) > 0); /* and tried after */
    assert_int_equal(atomic_load(&r.ok_after_lost), 0);
    assert_int_equal(atomic_load(&r.ok_after_taken), 0);
    /* The new tenure's write is the last one. */
    assert_int_equal(taker->get_winner(taker->self, &w->ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_FAILED);
    assert_memory_equal(got.tx_hash.bytes, mark.bytes, TK_HASH_LEN);
    assert_int_equal(taker->lease_release(taker->self, "fence-new"), TK_OK);
}

/* SPDX-License-Identifier: MIT */
/* The in-memory store (store.h): idempotent put by ticket hash, get,
 * state changes, list order and filters, seen-nonce callbacks (single and
 * batched), and concurrent use. Winners here are synthetic (random
 * bytes): the store does not interpret them. */
#include "test_support.h"
#include "store_contract.h"

#include "ticket/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static tk_winner random_winner(int64_t round, uint8_t sender_byte)
{
    tk_winner w;
    memset(&w, 0, sizeof w);
    tk_test_rand_bytes(w.ticket_hash.bytes, 32);
    tk_test_rand_bytes(w.sig.bytes, 65);
    tk_test_rand_bytes(w.recipient_rand.bytes, 32);
    memset(w.ticket.sender.bytes, sender_byte, 20);
    w.ticket.creation_round = round;
    w.ticket.sender_nonce = (uint32_t)tk_test_rand64();
    w.expiration_block.bytes[31] = 77;
    return w;
}

/* Field by field: struct copies need not preserve padding bytes. */
static void assert_winner_equal(const tk_winner *a, const tk_winner *b)
{
    assert_memory_equal(a->ticket_hash.bytes, b->ticket_hash.bytes, 32);
    assert_memory_equal(a->ticket.sender.bytes, b->ticket.sender.bytes, 20);
    assert_int_equal(a->ticket.creation_round, b->ticket.creation_round);
    assert_int_equal(a->ticket.sender_nonce, b->ticket.sender_nonce);
    assert_memory_equal(a->sig.bytes, b->sig.bytes, 65);
    assert_memory_equal(a->recipient_rand.bytes, b->recipient_rand.bytes, 32);
    assert_memory_equal(a->expiration_block.bytes, b->expiration_block.bytes, 32);
    assert_int_equal(a->state, b->state);
    assert_memory_equal(a->tx_hash.bytes, b->tx_hash.bytes, 32);
    assert_int_equal(a->attempts, b->attempts);
}

typedef struct collected {
    tk_winner w[64];
    size_t n, stop_after;
} collected;

static int collect(const tk_winner *w, void *data)
{
    collected *c = data;
    if (c->n < 64)
        c->w[c->n] = *w;
    c->n++;
    return c->stop_after != 0 && c->n >= c->stop_after;
}

static void test_put_get_idempotent(void **state)
{
    tk_store_mem *m;
    tk_store s;
    tk_winner w, got, dup;
    (void)state;
    tk_test_seed();
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &s), TK_OK);

    w = random_winner(5, 1);
    assert_int_equal(s.get_winner(s.self, &w.ticket_hash, &got), TK_ERR_NOT_FOUND);
    assert_int_equal(s.put_winner(s.self, &w), TK_OK);
    assert_int_equal(s.get_winner(s.self, &w.ticket_hash, &got), TK_OK);
    assert_winner_equal(&got, &w);

    /* Second put of the same hash leaves the row as it is. */
    assert_int_equal(s.set_state(s.self, &w.ticket_hash, TK_WINNER_SUBMITTED, NULL), TK_OK);
    dup = w;
    dup.sig.bytes[0] ^= 1;
    assert_int_equal(s.put_winner(s.self, &dup), TK_OK);
    assert_int_equal(s.get_winner(s.self, &w.ticket_hash, &got), TK_OK);
    assert_memory_equal(got.sig.bytes, w.sig.bytes, 65);
    assert_int_equal(got.state, TK_WINNER_SUBMITTED);
    assert_int_equal(got.attempts, 1);

    /* State changes: tx hash kept when NULL, attempts count submissions. */
    {
        tk_hash tx;
        memset(tx.bytes, 0xab, 32);
        assert_int_equal(s.set_state(s.self, &w.ticket_hash, TK_WINNER_FAILED, &tx), TK_OK);
        assert_int_equal(s.set_state(s.self, &w.ticket_hash, TK_WINNER_SUBMITTED, NULL), TK_OK);
        assert_int_equal(s.get_winner(s.self, &w.ticket_hash, &got), TK_OK);
        assert_int_equal(got.state, TK_WINNER_SUBMITTED);
        assert_int_equal(got.attempts, 2);
        assert_memory_equal(got.tx_hash.bytes, tx.bytes, 32);
    }
    dup.ticket_hash.bytes[0] ^= 1;
    assert_int_equal(s.set_state(s.self, &dup.ticket_hash, TK_WINNER_USED, NULL),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(s.set_state(s.self, &w.ticket_hash, (tk_winner_state)6, NULL),
                     TK_ERR_ILLEGAL_ARG);
    tk_store_mem_destroy(m);
    tk_store_mem_destroy(NULL);
}

static void test_list_order_and_filters(void **state)
{
    tk_store_mem *m;
    tk_store s;
    collected c;
    tk_address a;
    (void)state;
    tk_test_seed();
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &s), TK_OK);
    /* 40 winners over rounds 1..4, senders 0xaa / 0xbb, put in random
     * order (enough to force the index to grow). */
    for (int i = 0; i < 40; i++) {
        tk_winner w = random_winner(1 + (int64_t)(tk_test_rand64() % 4), i % 2 ? 0xaa : 0xbb);
        assert_int_equal(s.put_winner(s.self, &w), TK_OK);
        if (i % 5 == 0)
            assert_int_equal(s.set_state(s.self, &w.ticket_hash, TK_WINNER_CONFIRMED, NULL),
                             TK_OK);
    }
    memset(&c, 0, sizeof c);
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, 40);
    for (size_t i = 1; i < c.n; i++) {
        const tk_winner *p = &c.w[i - 1], *q = &c.w[i];
        assert_true(p->ticket.creation_round < q->ticket.creation_round ||
                    (p->ticket.creation_round == q->ticket.creation_round &&
                     memcmp(p->ticket_hash.bytes, q->ticket_hash.bytes, 32) < 0));
    }
    memset(&c, 0, sizeof c);
    memset(a.bytes, 0xaa, 20);
    assert_int_equal(s.list(s.self, &a, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, 20);
    for (size_t i = 0; i < c.n; i++)
        assert_int_equal(c.w[i].ticket.sender.bytes[0], 0xaa);
    memset(&c, 0, sizeof c);
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_CONFIRMED), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, 8);
    memset(&c, 0, sizeof c);
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_NEW), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, 32);
    memset(&c, 0, sizeof c);
    c.stop_after = 3; /* the visitor stops early */
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, 3);
    tk_store_mem_destroy(m);
}

/* A visitor may call back into the store (the redemption queue does). */
static int requeue(const tk_winner *w, void *data)
{
    tk_store *s = data;
    return s->set_state(s->self, &w->ticket_hash, TK_WINNER_NEW, NULL) != TK_OK;
}

static void test_reentrant_visitor(void **state)
{
    tk_store_mem *m;
    tk_store s;
    collected c;
    (void)state;
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &s), TK_OK);
    for (int i = 0; i < 5; i++) {
        tk_winner w = random_winner(i, 1);
        w.state = TK_WINNER_FAILED;
        assert_int_equal(s.put_winner(s.self, &w), TK_OK);
    }
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_FAILED), requeue, &s),
                     TK_OK);
    memset(&c, 0, sizeof c);
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_STATE_BIT(TK_WINNER_NEW), collect, &c),
                     TK_OK);
    assert_int_equal(c.n, 5);
    tk_store_mem_destroy(m);
}

typedef struct nonce_seen {
    size_t n;
    uint64_t sum;
} nonce_seen;

static int nonce_visit(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp, void *data)
{
    nonce_seen *s = data;
    (void)rh;
    (void)exp;
    s->n++;
    s->sum += nonce;
    return 0;
}

/* A fresh store and two rand hashes a, b with expiration blocks 100, 200. */
typedef struct nonce_fx {
    tk_store_mem *m;
    tk_store s;
    tk_hash a, b;
    tk_u256 e100, e200;
} nonce_fx;

static void nonce_fx_init(nonce_fx *x)
{
    memset(x, 0, sizeof *x);
    assert_int_equal(tk_store_mem_create(&x->m), TK_OK);
    assert_int_equal(tk_store_mem_iface(x->m, &x->s), TK_OK);
    assert_non_null(x->s.nonce_add);
    assert_non_null(x->s.nonce_add_many);
    memset(x->a.bytes, 0x0a, 32);
    memset(x->b.bytes, 0x0b, 32);
    x->e100.bytes[31] = 100;
    x->e200.bytes[31] = 200;
}

static void test_nonces(void **state)
{
    nonce_fx x;
    tk_store s;
    nonce_seen seen;
    (void)state;
    nonce_fx_init(&x);
    s = x.s;
    for (uint32_t n = 1; n <= 300; n++) /* grows the set a few times */
        assert_int_equal(s.nonce_add(s.self, &x.a, n, &x.e100), TK_OK);
    assert_int_equal(s.nonce_add(s.self, &x.a, 7, &x.e100), TK_OK); /* idempotent */
    assert_int_equal(s.nonce_add(s.self, &x.b, 7, &x.e200), TK_OK); /* other rand */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, 301);
    assert_int_equal(seen.sum, 300 * 301 / 2 + 7);
    /* Block 100 has not passed expiration 100; block 101 has. */
    assert_int_equal(s.nonce_prune(s.self, 100), TK_OK);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, 301);
    assert_int_equal(s.nonce_prune(s.self, 101), TK_OK);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.sum, 7);
    tk_store_mem_destroy(x.m);
}

/* nonce_add_many: a batch larger than the set grows it in one step, is
 * idempotent per nonce, and a batch that cannot be stored leaves the set
 * as it was. */
static void test_nonce_add_many(void **state)
{
    nonce_fx x;
    tk_store s;
    uint32_t *batch = malloc(1000 * sizeof *batch);
    nonce_seen seen;
    (void)state;
    assert_non_null(batch);
    nonce_fx_init(&x);
    s = x.s;
    for (uint32_t i = 0; i < 1000; i++)
        batch[i] = i + 1;
    assert_int_equal(s.nonce_add_many(s.self, &x.a, batch, 1000, &x.e100), TK_OK);
    /* 995..1004 again: six new ones; the same nonces under another rand. */
    for (uint32_t i = 0; i < 10; i++)
        batch[i] = 995 + i;
    assert_int_equal(s.nonce_add_many(s.self, &x.a, batch, 10, &x.e100), TK_OK);
    assert_int_equal(s.nonce_add_many(s.self, &x.b, batch, 3, &x.e200), TK_OK);
    assert_int_equal(s.nonce_add_many(s.self, &x.b, NULL, 0, &x.e200), TK_OK);
    assert_int_equal(s.nonce_add(s.self, &x.a, 500, &x.e100), TK_OK); /* seen */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, 1004 + 3);
    assert_int_equal(seen.sum, 1004 * 1005 / 2 + 995 + 996 + 997);

    /* Too many to hold: refused before any of them is read or stored. */
    assert_int_equal(s.nonce_add_many(s.self, &x.b, batch, SIZE_MAX / 2, &x.e200),
                     TK_ERR_NOMEM);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, 1004 + 3);

    /* Each rand's expiration block was kept: block 101 drops only a's. */
    assert_int_equal(s.nonce_prune(s.self, 101), TK_OK);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, 3);
    free(batch);
    tk_store_mem_destroy(x.m);
}

#define PUTTERS 2
#define PUTS 3000

typedef struct put_arg {
    tk_store *s;
    tk_winner *w; /* PUTS winners shared by all threads */
    int ok;
} put_arg;

static void *putter(void *arg)
{
    put_arg *a = arg;
    a->ok = 1;
    for (int i = 0; i < PUTS; i++)
        if (a->s->put_winner(a->s->self, &a->w[i]) != TK_OK ||
            a->s->nonce_add(a->s->self, &a->w[i].ticket_hash, 1, &a->w[i].expiration_block) !=
                TK_OK)
            a->ok = 0;
    return NULL;
}

static void test_concurrent_puts(void **state)
{
    tk_store_mem *m;
    tk_store s;
    tk_winner *w = malloc(PUTS * sizeof *w);
    pthread_t th[PUTTERS];
    put_arg a[PUTTERS];
    collected c;
    nonce_seen seen;
    (void)state;
    assert_non_null(w);
    tk_test_seed();
    for (int i = 0; i < PUTS; i++)
        w[i] = random_winner(i % 7, 1);
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &s), TK_OK);
    for (int t = 0; t < PUTTERS; t++) {
        a[t].s = &s;
        a[t].w = w;
        assert_int_equal(pthread_create(&th[t], NULL, putter, &a[t]), 0);
    }
    for (int t = 0; t < PUTTERS; t++) {
        pthread_join(th[t], NULL);
        assert_true(a[t].ok);
    }
    memset(&c, 0, sizeof c);
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_ALL_STATES, collect, &c), TK_OK);
    assert_int_equal(c.n, PUTS); /* each hash exactly once */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s.nonce_load(s.self, nonce_visit, &seen), TK_OK);
    assert_int_equal(seen.n, PUTS);
    for (int i = 0; i < PUTS; i++) {
        tk_winner got;
        assert_int_equal(s.get_winner(s.self, &w[i].ticket_hash, &got), TK_OK);
        assert_winner_equal(&got, &w[i]);
    }
    free(w);
    tk_store_mem_destroy(m);
}

/* The replay-judge contract (store_contract.c), one object shared by four
 * threads. */
static void test_claim_contract(void **state)
{
    tk_store_mem *m = NULL;
    tk_store st[4];
    (void)state;

    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &st[0]), TK_OK);
    tk_test_store_claim_contract(&st[0]);
    st[1] = st[2] = st[3] = st[0];
    tk_test_store_claim_race(st, 4);
    tk_store_mem_destroy(m);
}

static void test_misuse(void **state)
{
    tk_store s;
    tk_store_mem *m;
    tk_winner w;
    (void)state;
    assert_int_equal(tk_store_mem_create(NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_mem_iface(NULL, &s), TK_ERR_ILLEGAL_ARG);
    assert_null(s.put_winner); /* zeroed */
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_mem_iface(m, &s), TK_OK);
    assert_int_equal(s.put_winner(s.self, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(s.get_winner(s.self, NULL, &w), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(s.list(s.self, NULL, TK_WINNER_ALL_STATES, NULL, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(s.nonce_add(s.self, NULL, 1, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(s.nonce_load(s.self, NULL, NULL), TK_ERR_ILLEGAL_ARG);
    {
        tk_hash h;
        tk_u256 e;
        uint32_t one = 1;
        memset(&h, 0, sizeof h);
        memset(&e, 0, sizeof e);
        assert_int_equal(s.nonce_add_many(s.self, NULL, &one, 1, &e), TK_ERR_ILLEGAL_ARG);
        assert_int_equal(s.nonce_add_many(s.self, &h, NULL, 1, &e), TK_ERR_ILLEGAL_ARG);
        assert_int_equal(s.nonce_add_many(s.self, &h, &one, 1, NULL), TK_ERR_ILLEGAL_ARG);
    }
    tk_store_mem_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_idempotent),
        cmocka_unit_test(test_list_order_and_filters),
        cmocka_unit_test(test_reentrant_visitor),
        cmocka_unit_test(test_nonces),
        cmocka_unit_test(test_nonce_add_many),
        cmocka_unit_test(test_concurrent_puts),
        cmocka_unit_test(test_claim_contract),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

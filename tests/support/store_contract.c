/* SPDX-License-Identifier: MIT */
#include "store_contract.h"

#include "ticket/u256.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static void u256_of(tk_u256 *out, uint64_t v)
{
    memset(out, 0, sizeof *out);
    for (int i = 31; i >= 24; i--, v >>= 8)
        out->bytes[i] = (uint8_t)v;
}

void tk_test_make_winner(tk_winner *w, const tk_address *sender, int64_t round)
{
    memset(w, 0, sizeof *w);
    tk_test_rand_bytes(w->ticket.recipient.bytes, 20);
    if (sender != NULL)
        w->ticket.sender = *sender;
    else
        tk_test_rand_bytes(w->ticket.sender.bytes, 20);
    tk_test_rand_bytes(w->ticket.face_value.bytes, 32);
    tk_test_rand_bytes(w->ticket.win_prob.bytes, 32);
    w->ticket.sender_nonce = (uint32_t)tk_test_rand64();
    tk_test_rand_bytes(w->ticket.recipient_rand_hash.bytes, 32);
    w->ticket.creation_round = round;
    tk_test_rand_bytes(w->ticket.creation_round_block_hash.bytes, 32);
    tk_test_rand_bytes(w->sig.bytes, 65);
    tk_test_rand_bytes(w->recipient_rand.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&w->expiration_block, tk_test_rand64() >> 20), TK_OK);
    assert_int_equal(tk_ticket_hash(&w->ticket_hash, &w->ticket), TK_OK);
}

void tk_test_assert_winner_equal(const tk_winner *a, const tk_winner *b)
{
    assert_memory_equal(a->ticket_hash.bytes, b->ticket_hash.bytes, 32);
    assert_memory_equal(&a->ticket.recipient, &b->ticket.recipient, 20);
    assert_memory_equal(&a->ticket.sender, &b->ticket.sender, 20);
    assert_memory_equal(&a->ticket.face_value, &b->ticket.face_value, 32);
    assert_memory_equal(&a->ticket.win_prob, &b->ticket.win_prob, 32);
    assert_int_equal(a->ticket.sender_nonce, b->ticket.sender_nonce);
    assert_memory_equal(&a->ticket.recipient_rand_hash, &b->ticket.recipient_rand_hash, 32);
    assert_int_equal(a->ticket.creation_round, b->ticket.creation_round);
    assert_memory_equal(&a->ticket.creation_round_block_hash,
                        &b->ticket.creation_round_block_hash, 32);
    assert_memory_equal(a->sig.bytes, b->sig.bytes, 65);
    assert_memory_equal(a->recipient_rand.bytes, b->recipient_rand.bytes, 32);
    assert_memory_equal(a->expiration_block.bytes, b->expiration_block.bytes, 32);
    assert_int_equal(a->state, b->state);
    assert_memory_equal(a->tx_hash.bytes, b->tx_hash.bytes, 32);
    assert_int_equal(a->attempts, b->attempts);
}

static int count_nonce(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp, void *data)
{
    (void)rh;
    (void)nonce;
    (void)exp;
    (*(size_t *)data)++;
    return 0;
}

static int stop_at_first(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp, void *data)
{
    (void)rh;
    (void)nonce;
    (void)exp;
    (*(size_t *)data)++;
    return 1;
}

void tk_test_store_claim_contract(const tk_store *st)
{
    static const uint32_t first[] = {1, 2, 3, 2}, second[] = {3, 4}, other[] = {1};
    tk_hash rh, rh2;
    tk_u256 exp, late;
    uint8_t fresh[4];
    uint64_t mark = 99, m0;
    size_t n = 0;

    assert_non_null(st->nonce_claim);
    tk_test_rand_bytes(rh.bytes, 32);
    tk_test_rand_bytes(rh2.bytes, 32);
    u256_of(&exp, 1040);
    u256_of(&late, 5000);

    /* The mark: read (seen 0), raised, never lowered. */
    assert_int_equal(st->nonce_claim(st->self, NULL, NULL, 0, NULL, 0, NULL, &m0), TK_OK);
    assert_int_equal(st->nonce_claim(st->self, NULL, NULL, 0, NULL, m0 + 1000, NULL, &mark),
                     TK_OK);
    assert_int_equal(mark, m0 + 1000);
    assert_int_equal(st->nonce_claim(st->self, NULL, NULL, 0, NULL, m0 + 10, NULL, &mark), TK_OK);
    assert_int_equal(mark, m0 + 1000);

    /* Fresh exactly once: within a call, across calls, per rand hash. */
    assert_int_equal(st->nonce_claim(st->self, &rh, first, 4, &exp, 0, fresh, &mark), TK_OK);
    assert_memory_equal(fresh, ((uint8_t[]){1, 1, 1, 0}), 4);
    assert_int_equal(mark, m0 + 1000);
    assert_int_equal(st->nonce_claim(st->self, &rh, second, 2, &exp, 0, fresh, &mark), TK_OK);
    assert_memory_equal(fresh, ((uint8_t[]){0, 1}), 2);
    assert_int_equal(st->nonce_claim(st->self, &rh2, other, 1, &late, 0, fresh, &mark), TK_OK);
    assert_int_equal(fresh[0], 1);
    assert_int_equal(st->nonce_load(st->self, count_nonce, &n), TK_OK);
    assert_int_equal(n, 5);

    /* A load cut short by its visitor is an error, never a whole load. */
    n = 0;
    assert_int_not_equal(st->nonce_load(st->self, stop_at_first, &n), TK_OK);
    assert_int_equal(n, 1);

    /* Prune at 1045 drops rh's nonces (expiration 1040) and raises the
     * mark to at least 1045: a later claim of a pruned nonce is "fresh"
     * but comes back with a mark that says its params expired. */
    assert_int_equal(st->nonce_prune(st->self, 1045), TK_OK);
    n = 0;
    assert_int_equal(st->nonce_load(st->self, count_nonce, &n), TK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->nonce_claim(st->self, &rh, first, 1, &exp, 1030, fresh, &mark), TK_OK);
    assert_int_equal(fresh[0], 1);
    assert_true(mark >= 1045);
    assert_true(mark >= m0 + 1000);
}

#define RACE_NONCES 200
#define RACE_BATCH 7

typedef struct race {
    const tk_store *st;
    const tk_hash *rh;
    int reverse;
    atomic_int *fresh_count;
    atomic_int *errors;
    pthread_barrier_t *start;
} race;

static void *race_run(void *arg)
{
    race *r = arg;
    tk_u256 exp;
    uint32_t nonces[RACE_BATCH];
    uint8_t fresh[RACE_BATCH];
    uint64_t mark;

    u256_of(&exp, 1u << 30);
    pthread_barrier_wait(r->start);
    for (size_t b = 0; b < RACE_NONCES; b += RACE_BATCH) {
        size_t n = RACE_NONCES - b < RACE_BATCH ? RACE_NONCES - b : RACE_BATCH;
        for (size_t i = 0; i < n; i++)
            nonces[i] = (uint32_t)(r->reverse ? RACE_NONCES - 1 - (b + i) : b + i);
        if (r->st->nonce_claim(r->st->self, r->rh, nonces, n, &exp, b, fresh, &mark) != TK_OK) {
            atomic_fetch_add(r->errors, 1);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (fresh[i])
                atomic_fetch_add(&r->fresh_count[nonces[i]], 1);
    }
    return NULL;
}

void tk_test_store_claim_race(const tk_store *stores, size_t n_stores)
{
    static atomic_int fresh_count[RACE_NONCES];
    atomic_int errors = 0;
    pthread_barrier_t start;
    pthread_t th[8];
    race r[8];
    tk_hash rh;

    assert_true(n_stores >= 2 && n_stores <= 8);
    tk_test_rand_bytes(rh.bytes, 32);
    for (size_t i = 0; i < RACE_NONCES; i++)
        atomic_store(&fresh_count[i], 0);
    assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n_stores), 0);
    for (size_t i = 0; i < n_stores; i++) {
        r[i] = (race){&stores[i], &rh, (int)(i % 2), fresh_count, &errors, &start};
        assert_int_equal(pthread_create(&th[i], NULL, race_run, &r[i]), 0);
    }
    for (size_t i = 0; i < n_stores; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&start);
    assert_int_equal(atomic_load(&errors), 0);
    for (size_t i = 0; i < RACE_NONCES; i++)
        assert_int_equal(atomic_load(&fresh_count[i]), 1);
}

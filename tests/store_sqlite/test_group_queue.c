/* SPDX-License-Identifier: MIT */
/* The group-commit queue alone (store/group_commit.h), under the SQLite
 * store's group commit and the PostgreSQL store's claims: every request
 * runs exactly once and is done before its thread returns, one batch runs
 * at a time, the queue keeps arrival order, requests that a partial take
 * leaves behind are served later, a lone request is run by its own
 * thread, and requests that queue behind a running batch share the next
 * one. (A lost tail or a lost hand-off to the next leader hangs: ctest's
 * timeout fails it.) */
#include "test_support.h"

#include "store/group_commit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define THREADS 8
#define PER_THREAD 400

typedef struct req {
    tk__group_req g; /* first, as in the stores */
    int runs;        /* written by the leader, read by its thread after */
    size_t seq;      /* test_fifo: when a take first saw it (0: not yet) */
} req;

typedef struct world {
    tk__group group;
    size_t take_max; /* a partial take: at most this many per batch */
    long run_ns;     /* how long a batch takes */
    atomic_int in_run;
    atomic_size_t batches, biggest, overlaps, ran;
    size_t next_seq, revisits, out_of_order; /* test_fifo, under g->mu */
} world;

/* Take the first request, then every other one up to take_max: what is
 * skipped stays queued (the PostgreSQL take skips a second claim of a
 * rand hash the same way). */
static tk__group_req *take_some(tk__group *g, void *arg)
{
    world *w = arg;
    tk__group_req **link = &g->head, *batch = NULL, **end = &batch, *q;
    size_t k = 0, seen = 0;

    while ((q = *link) != NULL && k < w->take_max) {
        if (seen++ % 2 == 1) {
            link = &q->next;
            continue;
        }
        *link = q->next;
        q->next = NULL;
        *end = q;
        end = &q->next;
        k++;
    }
    return batch;
}

static tk__group_req *take_all(tk__group *g, void *arg)
{
    tk__group_req *batch = g->head;
    (void)arg;
    g->head = NULL;
    return batch;
}

static void run_batch(tk__group_req *batch, void *arg)
{
    world *w = arg;
    size_t k = 0, big;

    if (atomic_fetch_add(&w->in_run, 1) != 0)
        atomic_fetch_add(&w->overlaps, 1);
    for (tk__group_req *q = batch; q != NULL; q = q->next) {
        ((req *)q)->runs++;
        k++;
    }
    if (w->run_ns > 0) {
        struct timespec ts = {0, w->run_ns};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_add(&w->batches, 1);
    atomic_fetch_add(&w->ran, k);
    big = atomic_load(&w->biggest);
    while (k > big && !atomic_compare_exchange_weak(&w->biggest, &big, k))
        ;
    atomic_fetch_sub(&w->in_run, 1);
}

typedef struct thread_arg {
    world *w;
    tk__group_take_fn take;
    size_t bad; /* requests that returned not run exactly once */
} thread_arg;

static void *submitter(void *p)
{
    thread_arg *a = p;

    for (int i = 0; i < PER_THREAD; i++) {
        req r;
        memset(&r, 0, sizeof r);
        if (tk__group_run(&a->w->group, &r.g, a->take, run_batch, a->w) != TK_OK ||
            !r.g.done || r.runs != 1)
            a->bad++;
    }
    return NULL;
}

static void run_threads(world *w, tk__group_take_fn take)
{
    pthread_t t[THREADS];
    thread_arg a[THREADS];

    for (int i = 0; i < THREADS; i++) {
        a[i] = (thread_arg){w, take, 0};
        assert_int_equal(pthread_create(&t[i], NULL, submitter, &a[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(a[i].bad, 0);
    }
    assert_int_equal(atomic_load(&w->overlaps), 0);
    assert_int_equal(atomic_load(&w->ran), (size_t)THREADS * PER_THREAD);
    assert_int_equal(tk__group_waiting(&w->group), 0);
}

static world *make_world(size_t take_max, long run_ns)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    assert_int_equal(tk__group_init(&w->group), TK_OK);
    w->take_max = take_max;
    w->run_ns = run_ns;
    return w;
}

static void free_world(world *w)
{
    tk__group_destroy(&w->group);
    free(w);
}

/* Whole-queue batches (the SQLite store's): each request once, and with a
 * batch that takes a while the ones queued behind it share the next. */
static void test_take_all(void **state)
{
    world *w = make_world(0, 200000);
    (void)state;
    run_threads(w, take_all);
    assert_true(atomic_load(&w->biggest) > 1);
    assert_true(atomic_load(&w->batches) < (size_t)THREADS * PER_THREAD);
    free_world(w);
}

/* Partial takes: the skipped requests stay queued and are served by a
 * later batch (none is lost or run twice, the queue's tail stays right). */
static void test_take_some(void **state)
{
    world *w = make_world(3, 50000);
    (void)state;
    run_threads(w, take_some);
    assert_true(atomic_load(&w->biggest) <= 3);
    free_world(w);
}

/* The queue keeps arrival order. Each take numbers the requests it sees
 * for the first time, in queue order; the ones a partial take left behind
 * (numbered before) must all come first and in their order, the new ones
 * after them. A queue that put a newcomer before them would fail. */
static tk__group_req *take_check_fifo(tk__group *g, void *arg)
{
    world *w = arg;
    size_t last = 0;
    int fresh = 0;

    for (tk__group_req *q = g->head; q != NULL; q = q->next) {
        req *r = (req *)q;
        if (r->seq == 0) {
            fresh = 1;
            r->seq = ++w->next_seq;
        } else {
            w->revisits++;
            if (fresh || r->seq < last)
                w->out_of_order++;
        }
        last = r->seq;
    }
    return take_some(g, arg);
}

static void test_fifo(void **state)
{
    world *w = make_world(2, 20000);
    (void)state;
    run_threads(w, take_check_fifo);
    assert_int_equal(w->out_of_order, 0);
    assert_true(w->revisits > 0); /* requests were left behind and seen again */
    free_world(w);
}

/* A lone request: run at once, by its own thread, as a batch of one. */
static pthread_t runner;

static void run_note_thread(tk__group_req *batch, void *arg)
{
    (void)arg;
    runner = pthread_self();
    assert_null(batch->next);
    ((req *)batch)->runs++;
}

static void test_lone_request(void **state)
{
    world *w = make_world(0, 0);
    req r;
    (void)state;
    memset(&r, 0, sizeof r);
    assert_int_equal(tk__group_run(&w->group, &r.g, take_all, run_note_thread, w), TK_OK);
    assert_int_equal(r.runs, 1);
    assert_true(pthread_equal(runner, pthread_self()));
    assert_int_equal(tk__group_waiting(&w->group), 0);
    free_world(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_all),
        cmocka_unit_test(test_take_some),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_lone_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

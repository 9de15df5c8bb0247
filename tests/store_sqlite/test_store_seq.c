/* SPDX-License-Identifier: MIT */
/* Request seqs (tk_store.seq_advance, docs/protocol-notes.md section 10): the
 * same contract on the in-memory and the SQLite store - only a higher seq per
 * (sender, manifest id) is accepted - and what makes it worth having: a
 * restart, a second connection, racing threads and racing processes on one file
 * never accept the same seq twice. */
#include "test_support.h"
#include "sqlite_files.h"

#include "ticket/credential.h"
#include "ticket/store.h"
#include "ticket/store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static tk_status adv(const tk_store *st, const tk_address *a, const char *mid, uint64_t seq)
{
    return st->seq_advance(st->self, a, (const uint8_t *)mid, strlen(mid), seq);
}

/* The contract, on any store. */
static void check_contract(const tk_store *st)
{
    tk_address a, b;
    static uint8_t long_id[TK_MANIFEST_ID_MAX];

    assert_non_null(st->seq_advance);
    memset(&a, 0xaa, sizeof a);
    memset(&b, 0xbb, sizeof b);
    memset(long_id, 'm', sizeof long_id);
    assert_int_equal(adv(st, &a, "m1", 0), TK_OK); /* the first seq may be 0 */
    assert_int_equal(adv(st, &a, "m1", 0), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 5), TK_OK); /* gaps are fine */
    assert_int_equal(adv(st, &a, "m1", 5), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 4), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 6), TK_OK);
    /* Other streams and other senders are independent. */
    assert_int_equal(adv(st, &a, "m2", 1), TK_OK);
    assert_int_equal(adv(st, &b, "m1", 1), TK_OK);
    assert_int_equal(adv(st, &a, "m", 1), TK_OK);   /* prefix of m1 */
    assert_int_equal(adv(st, &a, "", 3), TK_OK);    /* empty id */
    assert_int_equal(adv(st, &a, "", 3), TK_ERR_STALE_SEQ);
    assert_int_equal(st->seq_advance(st->self, &a, NULL, 0, 4), TK_OK);
    assert_int_equal(st->seq_advance(st->self, &a, long_id, sizeof long_id,
                                     (uint64_t)INT64_MAX), TK_OK);
    assert_int_equal(st->seq_advance(st->self, &a, long_id, sizeof long_id,
                                     (uint64_t)INT64_MAX), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(st, &a, "m1", 6), TK_ERR_STALE_SEQ);
    /* Misuse. */
    assert_int_equal(st->seq_advance(st->self, NULL, long_id, 1, 9), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->seq_advance(st->self, &a, NULL, 1, 9), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->seq_advance(st->self, &a, long_id, sizeof long_id + 1, 9),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st->seq_advance(NULL, &a, long_id, 1, 9), TK_ERR_ILLEGAL_ARG);
}

static void test_mem_contract(void **state)
{
    tk_store_mem *m;
    tk_store st;
    (void)state;

    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &st), TK_OK);
    check_contract(&st);
    /* Many streams: the table grows and keeps every entry. */
    for (unsigned i = 0; i < 1000; i++) {
        char mid[16];
        snprintf(mid, sizeof mid, "s%u", i);
        assert_int_equal(adv(&st, &(tk_address){{1}}, mid, i + 1), TK_OK);
    }
    for (unsigned i = 0; i < 1000; i++) {
        char mid[16];
        snprintf(mid, sizeof mid, "s%u", i);
        assert_int_equal(adv(&st, &(tk_address){{1}}, mid, i + 1), TK_ERR_STALE_SEQ);
    }
    tk_store_mem_destroy(m);
}

static void test_sqlite_contract_and_restart(void **state)
{
    tk_store st, st2;
    tk_store_sqlite *s = sqlt_open("seq.db", &st), *s2;
    tk_address a;
    (void)state;

    check_contract(&st);
    memset(&a, 0xaa, sizeof a);
    /* A second connection sees what the first stored ... */
    s2 = sqlt_open("seq.db", &st2);
    assert_int_equal(adv(&st2, &a, "m1", 6), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(&st2, &a, "m1", 7), TK_OK);
    assert_int_equal(adv(&st, &a, "m1", 7), TK_ERR_STALE_SEQ);
    tk_store_sqlite_destroy(s2);
    tk_store_sqlite_destroy(s);
    /* ... and so does a restart. */
    s = sqlt_open("seq.db", &st);
    assert_int_equal(adv(&st, &a, "m1", 7), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(&st, &a, "", 4), TK_ERR_STALE_SEQ);
    assert_int_equal(adv(&st, &a, "m1", 8), TK_OK);
    tk_store_sqlite_destroy(s);
}

/* ---- races: each seq accepted at most once --------------------------------*/

#define RACERS 4
#define SEQS 60

typedef struct racer {
    const tk_store *st;
    const char *path; /* own connection when set */
    unsigned char *won; /* won[seq] += 1 per acceptance */
    int fail;
} racer;

static void race(racer *r)
{
    tk_store own;
    tk_store_sqlite *s = NULL;
    const tk_store *st = r->st;
    tk_address a;

    memset(&a, 0x5e, sizeof a);
    if (r->path != NULL) {
        if (tk_store_sqlite_create(&s, r->path, NULL) != TK_OK ||
            tk_store_sqlite_iface(s, &own) != TK_OK) {
            r->fail = 1;
            return;
        }
        st = &own;
    }
    for (uint64_t q = 1; q <= SEQS; q++) {
        tk_status rc = adv(st, &a, "race", q);
        if (rc == TK_OK)
            __atomic_add_fetch(&r->won[q], 1, __ATOMIC_SEQ_CST);
        else if (rc != TK_ERR_STALE_SEQ)
            r->fail = 1;
    }
    tk_store_sqlite_destroy(s);
}

static void *race_thread(void *arg)
{
    race(arg);
    return NULL;
}

static void check_won(const unsigned char *won)
{
    unsigned total = 0;
    for (int q = 1; q <= SEQS; q++) {
        assert_true(won[q] <= 1);
        total += won[q];
    }
    assert_true(won[SEQS] == 1); /* the last one always wins somewhere */
    assert_true(total >= 1);
}

static void run_threads(const tk_store *shared, const char *path)
{
    pthread_t t[RACERS];
    racer r[RACERS];
    unsigned char won[SEQS + 1] = {0};

    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer){shared, path, won, 0};
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(r[i].fail, 0);
    }
    check_won(won);
}

static void test_threads(void **state)
{
    tk_store_mem *m;
    tk_store st;
    tk_store_sqlite *s;
    (void)state;

    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &st), TK_OK);
    run_threads(&st, NULL);
    tk_store_mem_destroy(m);
    s = sqlt_open("threads.db", &st);
    run_threads(&st, NULL); /* one shared connection */
    tk_store_sqlite_destroy(s);
    s = sqlt_open("conns.db", &st); /* create the file first */
    tk_store_sqlite_destroy(s);
    run_threads(NULL, sqlt_path("conns.db")); /* one connection each */
}

static void test_processes(void **state)
{
    unsigned char *won = mmap(NULL, SEQS + 1, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    tk_store st;
    tk_store_sqlite *s = sqlt_open("procs.db", &st);
    pid_t pids[RACERS];
    (void)state;

    tk_store_sqlite_destroy(s);
    assert_true(won != MAP_FAILED);
    memset(won, 0, SEQS + 1);
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            racer r = {NULL, sqlt_path("procs.db"), won, 0};
            race(&r);
            _exit(r.fail);
        }
    }
    for (int i = 0; i < RACERS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    check_won(won);
    munmap(won, SEQS + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_contract),
        cmocka_unit_test(test_sqlite_contract_and_restart),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_processes),
    };
    return cmocka_run_group_tests(tests, sqlt_setup, sqlt_teardown);
}

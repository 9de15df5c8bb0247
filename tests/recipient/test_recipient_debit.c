/* SPDX-License-Identifier: MIT */
/* Issue 11, defect 2: a replayed Livepeer-Payment header must not authorize a
 * debit. On 0.1.0 the transcoder guide's recipe was receive ->
 * tk_recipient_debit: replaying a captured payment (all nonces replayed, TK_OK)
 * or sending a 0-ticket payment naming the victim was enough to spend the
 * victim's balance. Now only a request the sender signed
 * (docs/protocol-notes.md section 10) with a fresh seq debits: these tests try
 * every way around that - replayed and forged credentials, expired params, a
 * restart, two recipients on one store, racing threads and processes. */
#include "rcpt_fixture.h"

#include "ticket/store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return tk_test_tmpdir_make(dir, sizeof dir, "tk_debit");
}

static int teardown(void **state)
{
    (void)state;
    return tk_test_tmpdir_remove(dir);
}

static void balance_is(fixture *f, tk_recipient *r, const tk_hash *session, mpq_srcptr want)
{
    mpq_t b;
    mpq_init(b);
    assert_int_equal(tk_recipient_balance(r, b, &f->sender, session), TK_OK);
    assert_true(mpq_equal(b, want));
    mpq_clear(b);
}

/* Credit f's recipient with a payment of count tickets; *credit = its EV. */
static void pay(fixture *f, tk_payment *p, tk_ticket_params *params, size_t count, mpq_t credit)
{
    tk_ticket_result res[16];
    tk_receive_summary sum;

    fx_params(f, params);
    fx_pay(f, p, params, 1, count);
    assert_int_equal(tk_recipient_receive(f->r, res, 16, &sum, credit, p, NULL), TK_OK);
    assert_int_equal(sum.accepted, count);
}

static void test_replayed_header_debits_nothing(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p, empty;
    tk_ticket_result res[16];
    tk_receive_summary sum;
    mpq_t credit, price, left, zero;
    uint8_t thief[32];
    const tk_hash *s;
    (void)state;

    fx_init(&f);
    mpq_inits(credit, price, left, zero, NULL);
    pay(&f, &p, &params, 10, credit);
    s = &params.recipient_rand_hash;
    mpq_div_2exp(price, credit, 3); /* each segment costs an eighth */

    /* The broadcaster's own segment, signed with seq 1: debited. */
    assert_int_equal(fx_debit(&f, f.sender_key, s, price, 0, 1), TK_OK);
    mpq_sub(left, credit, price);
    balance_is(&f, f.r, s, left);

    /* The attacker replays the captured header: nothing new is credited. */
    assert_int_equal(tk_recipient_receive(f.r, res, 16, &sum, NULL, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);
    /* ... and a 0-ticket payment naming the victim credits nothing. */
    assert_int_equal(tk_payment_alloc(&empty, 0), TK_OK);
    empty.sender = f.sender;
    empty.params = params;
    assert_int_equal(tk_recipient_receive(f.r, NULL, 0, &sum, NULL, &empty, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);

    /* Neither payment authorizes a debit: the captured credential is
     * stale, lower seqs too, and a credential signed by another key (for
     * any seq) is not the victim's. */
    assert_int_equal(fx_debit(&f, f.sender_key, s, price, 0, 1), TK_ERR_STALE_SEQ);
    assert_int_equal(fx_debit(&f, f.sender_key, s, price, 0, 0), TK_ERR_STALE_SEQ);
    fx_random_key(&f, thief);
    assert_int_equal(fx_debit(&f, thief, s, price, 0, 2), TK_ERR_SIG_WRONG_SIGNER);
    assert_int_equal(fx_debit(&f, thief, s, price, TK_DEBIT_ALLOW_NEGATIVE, 99),
                     TK_ERR_SIG_WRONG_SIGNER);
    balance_is(&f, f.r, s, left);

    /* Even after the params expired, the replay stays refused. */
    f.chain.last_block = 2000;
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    assert_int_equal(fx_debit(&f, f.sender_key, s, price, 0, 1), TK_ERR_STALE_SEQ);
    balance_is(&f, f.r, s, left);
    /* The broadcaster's next segment still works. */
    assert_int_equal(fx_debit(&f, f.sender_key, s, price, 0, 2), TK_OK);
    mpq_sub(left, left, price);
    balance_is(&f, f.r, s, left);

    mpq_clears(credit, price, left, zero, NULL);
    tk_payment_clear(&p);
    tk_payment_clear(&empty);
    fx_free(&f);
}

/* Refusals before the seq is used leave it usable; failures change
 * nothing. */
static void test_refusals_change_nothing(void **state)
{
    fixture f;
    tk_ticket_params params;
    tk_payment p;
    mpq_t credit, big;
    tk_hash other;
    (void)state;

    fx_init(&f);
    mpq_inits(credit, big, NULL);
    pay(&f, &p, &params, 2, credit);
    mpq_mul_2exp(big, credit, 1);
    assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, big, 0, 7),
                     TK_ERR_INSUFFICIENT_BALANCE);
    memset(other.bytes, 0x42, 32);
    assert_int_equal(fx_debit(&f, f.sender_key, &other, credit, 0, 7), TK_ERR_NOT_FOUND);
    f.store.fail_seq = 1;
    assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, credit, 0, 7),
                     TK_ERR_STORE);
    f.store.fail_seq = 0;
    balance_is(&f, f.r, &params.recipient_rand_hash, credit);
    /* Seq 7 was never used: it debits now. */
    assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, credit, 0, 7), TK_OK);
    mpq_set_ui(big, 0, 1);
    balance_is(&f, f.r, &params.recipient_rand_hash, big);

    /* A store that cannot keep seqs cannot authorize debits. */
    f.store.no_seqs = 1;
    fx_create_recipient(&f);
    assert_int_equal(fx_debit(&f, f.sender_key, &other, credit, TK_DEBIT_ALLOW_NEGATIVE, 8),
                     TK_ERR_STATE);
    mpq_clears(credit, big, NULL);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* A recipient on the SQLite file at path, with f's config and chain. */
static tk_recipient *sqlite_recipient(fixture *f, const char *path, tk_store_sqlite **db)
{
    tk_chain ch = fx_chain_iface(&f->chain);
    tk_store st;
    tk_recipient *r = NULL;

    assert_int_equal(tk_store_sqlite_create(db, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(*db, &st), TK_OK);
    assert_int_equal(tk_recipient_create(f->ctx, &r, &f->cfg, f->secret, &ch, &st), TK_OK);
    return r;
}

/* A restarted recipient, and a second one on the same file, refuse a
 * request the first one served. */
static void test_restart_and_second_recipient(void **state)
{
    fixture f;
    char path[320];
    tk_store_sqlite *db1, *db2;
    tk_recipient *mem_r;
    tk_ticket_params params;
    tk_payment p;
    mpq_t credit, one;
    (void)state;

    fx_init(&f);
    mpq_inits(credit, one, NULL);
    mpq_set_ui(one, 1, 1);
    snprintf(path, sizeof path, "%s/restart.db", dir);
    mem_r = f.r;
    f.r = sqlite_recipient(&f, path, &db1);
    pay(&f, &p, &params, 3, credit);
    assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one, 0, 5), TK_OK);
    tk_recipient_destroy(f.r);
    tk_store_sqlite_destroy(db1);

    /* Restart: the same request (and any lower seq) is refused. */
    f.r = sqlite_recipient(&f, path, &db1);
    assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one,
                              TK_DEBIT_ALLOW_NEGATIVE, 5), TK_ERR_STALE_SEQ);
    assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one,
                              TK_DEBIT_ALLOW_NEGATIVE, 4), TK_ERR_STALE_SEQ);
    /* A second node on the same file: seq 6 served by one is refused by
     * the other. */
    {
        tk_recipient *first = f.r, *second = sqlite_recipient(&f, path, &db2);
        assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one,
                                  TK_DEBIT_ALLOW_NEGATIVE, 6), TK_OK);
        f.r = second;
        assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one,
                                  TK_DEBIT_ALLOW_NEGATIVE, 6), TK_ERR_STALE_SEQ);
        assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one,
                                  TK_DEBIT_ALLOW_NEGATIVE, 7), TK_OK);
        f.r = first;
        assert_int_equal(fx_debit(&f, f.sender_key, &params.recipient_rand_hash, one,
                                  TK_DEBIT_ALLOW_NEGATIVE, 7), TK_ERR_STALE_SEQ);
        tk_recipient_destroy(second);
        tk_store_sqlite_destroy(db2);
    }
    tk_recipient_destroy(f.r);
    tk_store_sqlite_destroy(db1);
    f.r = mem_r;
    mpq_clears(credit, one, NULL);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* ---- racing recipients on one file: every request debits at most once -- */

#define NODES 3
#define REQUESTS 40

typedef struct node {
    fixture *f;
    const char *path;
    unsigned char *won; /* won[seq]: debits of that request, all nodes */
    int fail;
} node;

static void serve_all(node *n)
{
    tk_store_sqlite *db = NULL;
    tk_recipient *r = NULL;
    fixture mine = *n->f; /* same keys and chain, this node's recipient */
    tk_chain ch = fx_chain_iface(&n->f->chain);
    tk_store iface;
    tk_hash session;
    mpq_t one;
    tk_status s;

    /* No cmocka assert here: this runs on a thread or in a child. */
    if ((s = tk_store_sqlite_create(&db, n->path, NULL)) != TK_OK ||
        (s = tk_store_sqlite_iface(db, &iface)) != TK_OK ||
        (s = tk_recipient_create(n->f->ctx, &r, &n->f->cfg, n->f->secret, &ch,
                                 &iface)) != TK_OK) {
        fprintf(stderr, "node set-up failed: %s\n", tk_status_name(s));
        n->fail = 1;
        tk_store_sqlite_destroy(db);
        return;
    }
    mine.r = r;
    memset(session.bytes, 0x5a, 32);
    mpq_init(one);
    mpq_set_ui(one, 1, 1);
    /* Every node gets every request (an attacker forwards each one to all
     * of them). */
    for (uint64_t q = 1; q <= REQUESTS; q++) {
        tk_status st = fx_debit(&mine, mine.sender_key, &session, one, TK_DEBIT_ALLOW_NEGATIVE, q);
        if (st == TK_OK)
            __atomic_add_fetch(&n->won[q], 1, __ATOMIC_SEQ_CST);
        else if (st != TK_ERR_STALE_SEQ) {
            fprintf(stderr, "request %llu: %s\n", (unsigned long long)q,
                    tk_status_name(st));
            n->fail = 1;
        }
    }
    mpq_clear(one);
    tk_recipient_destroy(r);
    tk_store_sqlite_destroy(db);
}

static void *node_thread(void *arg)
{
    serve_all(arg);
    return NULL;
}

static void check_won(const unsigned char *won)
{
    for (int q = 1; q <= REQUESTS; q++)
        assert_true(won[q] <= 1);
    assert_int_equal(won[REQUESTS], 1);
}

static void test_racing_recipients_threads(void **state)
{
    fixture f;
    char path[320];
    pthread_t t[NODES];
    node n[NODES];
    unsigned char won[REQUESTS + 1] = {0};
    (void)state;

    fx_init(&f);
    snprintf(path, sizeof path, "%s/threads.db", dir);
    for (int i = 0; i < NODES; i++) {
        n[i] = (node){&f, path, won, 0};
        assert_int_equal(pthread_create(&t[i], NULL, node_thread, &n[i]), 0);
    }
    for (int i = 0; i < NODES; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(n[i].fail, 0);
    }
    check_won(won);
    fx_free(&f);
}

static void test_racing_recipients_processes(void **state)
{
    fixture f;
    char path[320];
    pid_t pids[NODES];
    unsigned char *won = mmap(NULL, REQUESTS + 1, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    tk_store_sqlite *db;
    (void)state;

    assert_true(won != MAP_FAILED);
    memset(won, 0, REQUESTS + 1);
    fx_init(&f);
    snprintf(path, sizeof path, "%s/procs.db", dir);
    assert_int_equal(tk_store_sqlite_create(&db, path, NULL), TK_OK); /* create it */
    tk_store_sqlite_destroy(db);
    for (int i = 0; i < NODES; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            node n = {&f, path, won, 0};
            serve_all(&n);
            _exit(n.fail);
        }
    }
    for (int i = 0; i < NODES; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    check_won(won);
    munmap(won, REQUESTS + 1);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replayed_header_debits_nothing),
        cmocka_unit_test(test_refusals_change_nothing),
        cmocka_unit_test(test_restart_and_second_recipient),
        cmocka_unit_test(test_racing_recipients_threads),
        cmocka_unit_test(test_racing_recipients_processes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

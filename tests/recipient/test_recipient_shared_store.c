/* SPDX-License-Identifier: MIT */
/* Several recipients on one store (issue 11, defect 1): the store is the
 * judge of replays, so a ticket is credited by exactly one of them, however
 * they share it: one tk_store_mem object, two SQLite connections in one
 * process, or several processes on one SQLite file.
 *
 * On 0.1.0 each recipient judged replays only against the nonces it had
 * loaded at create time, so every case here credited tickets twice.
 *
 * The property test: N recipients (threads, then processes) each receive
 * every payment of a pool - fresh runs of nonces and replays of them
 * (whole copies and overlapping ranges) - in their own random order. The
 * total credit over all of them must equal EV x the number of distinct
 * tickets, and with winProb = MAX every distinct ticket is a winner that
 * must be in the store exactly once. Rounds: TK_TEST_ITERS (default 3);
 * the seed is printed. */
#include "rcpt_fixture.h"

#include "ticket/store_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_PARAMS 3
#define N_NONCES 40
#define MAX_RUN 6
#define MAX_PAYMENTS 256
#define N_WORKERS 3

static char dir[256];

static const char *path_of(const char *name)
{
    static char p[320];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    (void)state;
    snprintf(dir, sizeof dir, "%s/tk_shared_XXXXXX", tmp != NULL ? tmp : "/tmp");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A second recipient object with f's secret, chain and address on store. */
static tk_recipient *twin(fixture *f, const tk_store *store)
{
    tk_chain ch = fx_chain_iface(&f->chain);
    tk_recipient *r = NULL;
    assert_int_equal(tk_recipient_create(f->ctx, &r, &f->cfg, f->secret, &ch, store), TK_OK);
    return r;
}

/* ---- the payment pool ---------------------------------------------------*/

/* Views into the signed tickets of pay[k]: (params k, first, count). */
typedef struct pool {
    tk_ticket_params params[N_PARAMS];
    tk_payment pay[N_PARAMS];         /* N_NONCES signed tickets each */
    tk_payment view[MAX_PAYMENTS];    /* tickets borrowed from pay[] */
    size_t n;
} pool;

static void pool_add(pool *pl, size_t k, size_t first, size_t count)
{
    tk_payment *v = &pl->view[pl->n++];
    assert_true(pl->n <= MAX_PAYMENTS);
    *v = pl->pay[k];
    v->tickets = &pl->pay[k].tickets[first];
    v->count = count;
}

/* Fresh runs covering every nonce, then replays: whole copies of earlier
 * payments and random overlapping ranges. */
static void pool_make(pool *pl, fixture *f)
{
    memset(pl, 0, sizeof *pl);
    for (size_t k = 0; k < N_PARAMS; k++) {
        fx_params(f, &pl->params[k]);
        fx_pay(f, &pl->pay[k], &pl->params[k], 1, N_NONCES);
        for (size_t first = 0; first < N_NONCES;) {
            size_t run = 1 + tk_test_rand64() % MAX_RUN;
            if (run > N_NONCES - first)
                run = N_NONCES - first;
            pool_add(pl, k, first, run);
            first += run;
        }
    }
    for (size_t fresh = pl->n, i = 0; i < fresh; i++) {
        if (tk_test_rand64() % 2)
            pl->view[pl->n++] = pl->view[tk_test_rand64() % fresh];
        else {
            size_t k = tk_test_rand64() % N_PARAMS;
            size_t first = tk_test_rand64() % N_NONCES;
            size_t run = 1 + tk_test_rand64() % MAX_RUN;
            pool_add(pl, k, first, run > N_NONCES - first ? N_NONCES - first : run);
        }
    }
}

static void pool_free(pool *pl)
{
    for (size_t k = 0; k < N_PARAMS; k++)
        tk_payment_clear(&pl->pay[k]);
}

/* A random order of the pool (Fisher-Yates with the seeded PRNG). */
static void shuffle(size_t *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = tk_test_rand64() % i, t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* Receive the pool in `order`; adds the credit to *credit. Returns the
 * number of failed calls (must be 0). */
static size_t receive_all(tk_recipient *r, const pool *pl, const size_t *order, mpq_t credit)
{
    tk_ticket_result res[MAX_RUN];
    mpq_t got;
    size_t failures = 0;

    mpq_init(got);
    for (size_t i = 0; i < pl->n; i++) {
        if (tk_recipient_receive(r, res, MAX_RUN, NULL, got, &pl->view[order[i]], NULL) != TK_OK)
            failures++;
        else
            mpq_add(credit, credit, got);
    }
    mpq_clear(got);
    return failures;
}

static int count_visit(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

/* Every distinct ticket of the pool is stored exactly once, nothing else;
 * the total credit is EV x the distinct tickets. */
static void assert_money(fixture *f, const pool *pl, const tk_store *store, mpq_t total)
{
    mpq_t want, one;
    size_t stored = 0;

    mpq_inits(want, one, NULL);
    for (size_t k = 0; k < N_PARAMS; k++) {
        fx_expected_credit(one, &pl->params[k], N_NONCES);
        mpq_add(want, want, one);
        for (size_t i = 0; i < N_NONCES; i++) {
            tk_ticket t;
            tk_hash h;
            tk_winner w;
            assert_int_equal(tk_payment_ticket(&t, &pl->pay[k], i), TK_OK);
            assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
            assert_int_equal(store->get_winner(store->self, &h, &w), TK_OK);
        }
    }
    assert_int_equal(store->list(store->self, NULL, TK_WINNER_ALL_STATES, count_visit, &stored),
                     TK_OK);
    assert_int_equal(stored, N_PARAMS * N_NONCES);
    if (!mpq_equal(total, want))
        gmp_printf("credited %Qd, want %Qd\n", total, want);
    assert_true(mpq_equal(total, want));
    mpq_clears(want, one, NULL);
    (void)f;
}

/* ---- two recipients, one after the other ---------------------------------*/

/* The same payment to a second recipient on the same store is a replay. */
static void replay_across(fixture *f, const tk_store *store_a, const tk_store *store_b)
{
    tk_ticket_params params;
    tk_payment p;
    tk_ticket_result res[4];
    tk_receive_summary sum;
    tk_recipient *a = twin(f, store_a), *b = twin(f, store_b);

    fx_params(f, &params);
    fx_pay(f, &p, &params, 1, 4);
    assert_int_equal(tk_recipient_receive(a, res, 4, &sum, NULL, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 4);
    assert_int_equal(tk_recipient_receive(b, res, 4, &sum, NULL, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);
    assert_int_equal(sum.winners, 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(res[i].status, TK_ERR_REPLAYED_NONCE);
    /* ... and back: a knows them itself. */
    assert_int_equal(tk_recipient_receive(a, res, 4, &sum, NULL, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);
    tk_payment_clear(&p);
    tk_recipient_destroy(a);
    tk_recipient_destroy(b);
}

static void test_two_recipients_one_mem_store(void **state)
{
    fixture f;
    tk_store st;
    (void)state;

    fx_init_always_win(&f);
    assert_int_equal(tk_store_mem_iface(f.store.mem, &st), TK_OK);
    replay_across(&f, &st, &st);
    fx_free(&f);
}

static void test_two_sqlite_connections(void **state)
{
    fixture f;
    tk_store_sqlite *c1 = NULL, *c2 = NULL;
    tk_store s1, s2;
    (void)state;

    fx_init_always_win(&f);
    assert_int_equal(tk_store_sqlite_create(&c1, path_of("two.db"), NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_create(&c2, path_of("two.db"), NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(c1, &s1), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(c2, &s2), TK_OK);
    replay_across(&f, &s1, &s2);
    tk_store_sqlite_destroy(c1);
    tk_store_sqlite_destroy(c2);
    fx_free(&f);
}

/* ---- the property: threads ----------------------------------------------*/

typedef struct worker {
    fixture *f;
    const pool *pl;
    tk_store store;
    size_t order[MAX_PAYMENTS];
    mpq_t credit;
    size_t failures;
    pthread_barrier_t *start;
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    tk_recipient *r = NULL;
    tk_chain ch = fx_chain_iface(&w->f->chain);

    if (tk_recipient_create(w->f->ctx, &r, &w->f->cfg, w->f->secret, &ch, &w->store) != TK_OK) {
        w->failures = 1;
        pthread_barrier_wait(w->start);
        return NULL;
    }
    pthread_barrier_wait(w->start);
    w->failures = receive_all(r, w->pl, w->order, w->credit);
    tk_recipient_destroy(r);
    return NULL;
}

/* N_WORKERS threads, each its own recipient; sqlite: each its own
 * connection to one file, else all on the fixture's memory store. */
static void threads_round(int sqlite, const char *name)
{
    static pool pl;
    fixture f;
    worker w[N_WORKERS];
    pthread_t th[N_WORKERS];
    pthread_barrier_t start;
    tk_store_sqlite *conn[N_WORKERS] = {NULL};
    tk_store check;
    mpq_t total;

    fx_init_always_win(&f);
    pool_make(&pl, &f);
    mpq_init(total);
    assert_int_equal(pthread_barrier_init(&start, NULL, N_WORKERS), 0);
    unlink(path_of(name));
    for (int i = 0; i < N_WORKERS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].f = &f;
        w[i].pl = &pl;
        w[i].start = &start;
        mpq_init(w[i].credit);
        shuffle(w[i].order, pl.n);
        if (sqlite) {
            assert_int_equal(tk_store_sqlite_create(&conn[i], path_of(name), NULL), TK_OK);
            assert_int_equal(tk_store_sqlite_iface(conn[i], &w[i].store), TK_OK);
        } else {
            assert_int_equal(tk_store_mem_iface(f.store.mem, &w[i].store), TK_OK);
        }
    }
    for (int i = 0; i < N_WORKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    for (int i = 0; i < N_WORKERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        mpq_add(total, total, w[i].credit);
        mpq_clear(w[i].credit);
    }
    check = w[0].store;
    assert_money(&f, &pl, &check, total);
    for (int i = 0; i < N_WORKERS; i++)
        tk_store_sqlite_destroy(conn[i]);
    pthread_barrier_destroy(&start);
    mpq_clear(total);
    pool_free(&pl);
    fx_free(&f);
}

static void test_property_threads(void **state)
{
    unsigned long rounds = tk_test_iters(3);
    (void)state;
    for (unsigned long i = 0; i < rounds; i++) {
        threads_round(0, "unused");
        threads_round(1, "threads.db");
    }
}

/* ---- the property: processes --------------------------------------------*/

static void write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        s += n;
        len -= (size_t)n;
    }
}

/* A child: its own connection and recipient; writes its credit (decimal
 * rational) to fd and exits 0, or exits non-zero. */
static void child(fixture *f, const pool *pl, const size_t *order, const char *path, int fd)
{
    tk_store_sqlite *db = NULL;
    tk_store st;
    tk_recipient *r = NULL;
    tk_chain ch = fx_chain_iface(&f->chain);
    mpq_t credit;
    char *s;

    mpq_init(credit);
    if (tk_store_sqlite_create(&db, path, NULL) != TK_OK || tk_store_sqlite_iface(db, &st) != TK_OK ||
        tk_recipient_create(f->ctx, &r, &f->cfg, f->secret, &ch, &st) != TK_OK)
        _exit(2);
    if (receive_all(r, pl, order, credit) != 0)
        _exit(4);
    s = mpq_get_str(NULL, 10, credit);
    write_all(fd, s, strlen(s));
    _exit(0);
}

static void processes_round(void)
{
    static pool pl;
    fixture f;
    pid_t pid[N_WORKERS];
    int fds[N_WORKERS];
    size_t order[MAX_PAYMENTS];
    tk_store_sqlite *db = NULL;
    tk_store st;
    mpq_t total, one;
    const char *path = path_of("procs.db");

    fx_init_always_win(&f);
    pool_make(&pl, &f);
    unlink(path);
    /* Create the file first: the children then only open it. */
    assert_int_equal(tk_store_sqlite_create(&db, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(db, &st), TK_OK);
    for (int i = 0; i < N_WORKERS; i++) {
        int p[2];
        shuffle(order, pl.n);
        assert_int_equal(pipe(p), 0);
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            close(p[0]);
            child(&f, &pl, order, path, p[1]);
        }
        close(p[1]);
        fds[i] = p[0];
    }
    mpq_inits(total, one, NULL);
    for (int i = 0; i < N_WORKERS; i++) {
        char buf[4096];
        size_t len = 0;
        ssize_t n;
        int status = 0;
        while ((n = read(fds[i], buf + len, sizeof buf - 1 - len)) > 0 ||
               (n < 0 && errno == EINTR))
            len += n > 0 ? (size_t)n : 0;
        close(fds[i]);
        buf[len] = '\0';
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(mpq_set_str(one, buf, 10), 0);
        mpq_canonicalize(one);
        mpq_add(total, total, one);
    }
    assert_money(&f, &pl, &st, total);
    mpq_clears(total, one, NULL);
    tk_store_sqlite_destroy(db);
    pool_free(&pl);
    fx_free(&f);
}

static void test_property_processes(void **state)
{
    unsigned long rounds = tk_test_iters(3);
    (void)state;
    for (unsigned long i = 0; i < rounds; i++)
        processes_round();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_recipients_one_mem_store),
        cmocka_unit_test(test_two_sqlite_connections),
        cmocka_unit_test(test_property_threads),
        cmocka_unit_test(test_property_processes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: MIT */
/* Crash test of the durable store: a child process receives payments full
 * of winners (win probability ~0.9) through the recipient module into the
 * SQLite store, and reports every winner of a receipt that returned TK_OK
 * to the parent through a pipe before it goes on. The parent kills it with
 * SIGKILL at a random moment, reopens the database, and checks that every
 * reported winner is present exactly once and that PRAGMA integrity_check
 * passes. The kill delay (0-250 ms) runs from the child's "ready" byte
 * (set-up done) in four trials of five, from the fork in the fifth. In
 * every other trial the child receives on four threads sharing the
 * recipient and the store, so kills land in shared (group) commits too.
 * Trials: TK_TEST_ITERS (default 50); the seed is printed. */
#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICKETS_PER_PAYMENT 2
#define PAYMENTS_PER_PARAMS 100
#define RECEIVERS 4

static char db_path[300];

/* ---- the child: a transcoder receiving payments ---------------------------*/

_Noreturn static void die(const char *what, tk_status st)
{
    fprintf(stderr, "child: %s: %s\n", what, tk_status_name(st));
    _exit(2);
}

static void write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        p += n;
        len -= (size_t)n;
    }
}

/* One receiver: payments on its own params, forever; every winner of a
 * receipt that returned TK_OK goes to the parent before the next one. */
typedef struct receiver {
    tk_recipient *r;
    tk_sender *s;
    tk_address sender_addr;
    tk_price price;
    int fd;
} receiver;

static void *receive_loop(void *arg)
{
    const receiver *rcv = arg;
    tk_status st;

    for (;;) {
        tk_ticket_params params;
        if ((st = tk_recipient_params(rcv->r, &params, &rcv->sender_addr,
                                      &rcv->price)) != TK_OK ||
            (st = tk_sender_session_start(rcv->s, &params, 0)) != TK_OK)
            die("params", st);
        for (int i = 0; i < PAYMENTS_PER_PARAMS; i++) {
            tk_payment pay;
            tk_ticket_result res[TICKETS_PER_PAYMENT];
            memset(&pay, 0, sizeof pay);
            if ((st = tk_sender_create_batch(rcv->s, &pay,
                                             &params.recipient_rand_hash,
                                             TICKETS_PER_PAYMENT)) != TK_OK)
                die("batch", st);
            st = tk_recipient_receive(rcv->r, res, TICKETS_PER_PAYMENT, NULL,
                                      NULL, &pay, NULL);
            if (st != TK_OK)
                die("receive", st);
            /* The receipt returned success: report its winners now (one
             * 32-byte write each: atomic on a pipe, whatever the thread). */
            for (size_t k = 0; k < pay.count; k++) {
                tk_ticket t;
                tk_hash h;
                if (res[k].status != TK_OK || !res[k].wins)
                    continue;
                if (tk_payment_ticket(&t, &pay, k) != TK_OK ||
                    tk_ticket_hash(&h, &t) != TK_OK)
                    die("hash", TK_ERR_INTERNAL);
                write_all(rcv->fd, h.bytes, sizeof h.bytes);
            }
            tk_payment_clear(&pay);
        }
        (void)tk_sender_session_end(rcv->s, &params.recipient_rand_hash);
    }
    return NULL;
}

static void child(int fd, int ready_fd, unsigned receivers)
{
    static const uint8_t secret[32] = {7, 7, 7};
    uint8_t key[32] = {0};
    tk_ctx *ctx = NULL;
    tk_chain_mem *cm = NULL;
    tk_chain chain;
    tk_store_sqlite *db = NULL;
    tk_store store;
    tk_recipient *r = NULL;
    tk_sender *s = NULL;
    tk_recipient_config rc;
    tk_sender_config sc;
    tk_sender_funds funds;
    tk_address sender_addr;
    tk_price price;
    tk_status st;

    key[31] = 42;
    memset(&rc, 0, sizeof rc);
    memset(&sc, 0, sizeof sc);
    memset(&funds, 0, sizeof funds);
    if ((st = tk_ctx_create(&ctx)) != TK_OK)
        die("ctx", st);
    if ((st = tk_chain_mem_create(&cm, 5000)) != TK_OK ||
        (st = tk_chain_mem_iface(cm, &chain)) != TK_OK)
        die("chain", st);
    if ((st = tk_store_sqlite_create(&db, db_path, NULL)) != TK_OK ||
        (st = tk_store_sqlite_iface(db, &store)) != TK_OK)
        die("store", st);

    /* Sender: key 42, funded. */
    memset(sc.max_ev.bytes, 0xff, 32);
    memset(sc.max_total_ev.bytes, 0xff, 32);
    sc.deposit_multiplier = 1;
    if ((st = tk_sender_create(ctx, &s, &chain, &sc, key)) != TK_OK ||
        (st = tk_sender_address(s, &sender_addr)) != TK_OK)
        die("sender", st);
    (void)tk_u256_from_u64(&funds.deposit, 1000000000000000000ull);
    (void)tk_u256_from_u64(&funds.reserve_funds_remaining,
                           1000000000000000000ull);
    if ((st = tk_chain_mem_set_sender_funds(cm, &sender_addr, &funds)) !=
        TK_OK)
        die("funds", st);

    /* Recipient: txCost = 1 gas * 1 gwei = faceValue; EV 0.9 gwei, so
     * winProb ~ 0.9 * MAX: most tickets win. */
    memset(rc.address.bytes, 0x11, 20);
    (void)tk_u256_from_u64(&rc.ev, 900000000);
    rc.redeem_gas = 1;
    rc.tx_cost_multiplier = 1;
    if ((st = tk_recipient_create(ctx, &r, &rc, secret, &chain, &store)) !=
        TK_OK)
        die("recipient", st);
    (void)tk_u256_from_u64(&price.num, 1);
    (void)tk_u256_from_u64(&price.den, 1);
    /* Set-up done: the parent starts its kill timer now (see below). */
    write_all(ready_fd, "r", 1);
    close(ready_fd);

    {
        receiver rcv = {r, s, sender_addr, price, fd};
        pthread_t th;
        /* The others share the recipient, the sender and the store: their
         * writes meet in the store's group commit. */
        for (unsigned i = 1; i < receivers; i++)
            if (pthread_create(&th, NULL, receive_loop, &rcv) != 0)
                die("thread", TK_ERR_NOMEM);
        receive_loop(&rcv);
    }
}

/* ---- the parent ---------------------------------------------------------------*/

typedef struct hash_set {
    tk_hash *v;
    size_t n, cap;
} hash_set;

static void set_add(hash_set *s, const tk_hash *h)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = *h;
}

static int hash_cmp(const void *a, const void *b)
{
    return memcmp(a, b, TK_HASH_LEN);
}

static int list_visit(const tk_winner *w, void *data)
{
    set_add(data, &w->ticket_hash);
    return 0;
}

/* Read what the dead child reported (whole 32-byte records: a pipe write
 * of at most PIPE_BUF bytes is atomic). */
static size_t drain(int fd, hash_set *reported)
{
    uint8_t buf[32 * 64];
    size_t have = 0, got = 0;
    ssize_t n;

    while ((n = read(fd, buf + have, sizeof buf - have)) > 0 ||
           (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        have += (size_t)n;
        while (have >= 32) {
            tk_hash h;
            memcpy(h.bytes, buf, 32);
            set_add(reported, &h);
            memmove(buf, buf + 32, have - 32);
            have -= 32;
            got++;
        }
    }
    assert_int_equal(have, 0);
    return got;
}

static void check_store(const hash_set *reported)
{
    tk_store_sqlite *db = NULL;
    tk_store store;
    hash_set stored = {NULL, 0, 0};
    int ok = 0;

    assert_int_equal(tk_store_sqlite_create(&db, db_path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_integrity_check(db, &ok), TK_OK);
    assert_int_equal(ok, 1);
    assert_int_equal(tk_store_sqlite_iface(db, &store), TK_OK);
    assert_int_equal(store.list(store.self, NULL, TK_WINNER_ALL_STATES,
                                list_visit, &stored), TK_OK);
    if (stored.n > 1)
        qsort(stored.v, stored.n, sizeof *stored.v, hash_cmp);
    /* Exactly once: no hash twice in the store ... */
    for (size_t i = 1; i < stored.n; i++)
        assert_true(hash_cmp(&stored.v[i - 1], &stored.v[i]) != 0);
    /* ... and every reported winner there (with its full record). */
    for (size_t i = 0; i < reported->n; i++) {
        tk_winner w;
        assert_true(stored.n > 0);
        assert_non_null(bsearch(&reported->v[i], stored.v, stored.n,
                                sizeof *stored.v, hash_cmp));
        assert_int_equal(store.get_winner(store.self, &reported->v[i], &w),
                         TK_OK);
        assert_int_equal(w.state, TK_WINNER_NEW);
    }
    free(stored.v);
    tk_store_sqlite_destroy(db);
}

static void test_sigkill_keeps_reported_winners(void **state)
{
    unsigned long trials = tk_test_iters(50);
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    hash_set reported = {NULL, 0, 0};
    size_t with_receipts = 0;

    (void)state;
    tk_test_seed();
    snprintf(dir, sizeof dir, "%s/tk_crash_XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/winners.db", dir);

    for (unsigned long t = 0; t < trials; t++) {
        int fds[2], ready[2], status = 0;
        /* Kill anywhere from start-up to a few dozen receipts in. Every
         * fifth trial times the kill from the fork (a kill during set-up);
         * the others from the child's "ready" byte, so that a slow machine
         * (sanitizers, a loaded CI host) still kills mid-receive rather
         * than always before the first receipt. */
        int from_fork = (t % 5) == 0;
        /* Odd trials: RECEIVERS threads share the recipient and the
         * store (group commit); even ones: one receiver. */
        unsigned receivers = (t % 2) ? RECEIVERS : 1;
        long delay_us = (long)(tk_test_rand64() % 250000);
        struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
        pid_t pid;

        assert_int_equal(pipe(fds), 0);
        assert_int_equal(pipe(ready), 0);
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            close(ready[0]);
            child(fds[1], ready[1], receivers);
            _exit(0);
        }
        close(fds[1]);
        close(ready[1]);
        if (!from_fork) {
            char byte;
            ssize_t n;
            do
                n = read(ready[0], &byte, 1);
            while (n < 0 && errno == EINTR);
            /* n == 0: the child died in set-up; waitpid below tells. */
        }
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* It died of our signal, not of an error of its own. */
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* Closed only now: an open read end keeps the child's "ready"
         * write from raising SIGPIPE in the trials timed from the fork. */
        close(ready[0]);
        with_receipts += drain(fds[0], &reported) > 0;
        close(fds[0]);
        check_store(&reported);
    }
    printf("crash: %lu trials, %zu winners reported, %zu trials with "
           "receipts\n", trials, reported.n, with_receipts);
    /* The test is only meaningful if the children got work done. */
    assert_true(reported.n > 0);
    assert_true(with_receipts > 0);
    free(reported.v);
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_keeps_reported_winners),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* The PostgreSQL server stopped mid-run (issue 13): two recipients (two
 * nodes sharing one secret, each with its own connection) receive
 * payments while the harness stops the server and starts it again. What
 * it tries to break: a receive must fail with the retryable
 * TK_ERR_STORE_UNAVAILABLE (never another error, never a crash), credit
 * nothing when it fails, and succeed on the SAME store objects once the
 * server is back; and in the end every credited ticket has a durable
 * record (its nonce and, always winning, its winner row, read by a fresh
 * connection), no ticket is credited twice, and the total credit is EV x
 * the credited tickets. A payment whose COMMIT answer was lost comes back
 * as a replay on its retry: lost to the recipient, never paid twice; there
 * can be at most one such per failed call. */
#include "rcpt_fixture.h"
#include "store_backends.h"

#include "ticket/store_pg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N_PARAMS 2
#define N_NONCES 90
#define RUN 3
#define N_PAY (N_PARAMS * N_NONCES / RUN)
#define N_WORKERS 2

typedef struct shared {
    fixture *f;
    const char *conninfo;
    tk_payment view[N_PAY];
    atomic_int next;                /* next payment to take */
    atomic_int done;                /* payments finished */
    atomic_int unavailable[N_WORKERS];
    atomic_int other_errors;
    /* per (params, nonce): times credited, times refused as a replay */
    atomic_int credited[N_PARAMS][N_NONCES];
    atomic_int replayed[N_PARAMS][N_NONCES];
    mpq_t credit[N_WORKERS];
} shared;

typedef struct worker {
    shared *sh;
    int idx;
} worker;

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int params_of(const shared *sh, const tk_payment *p)
{
    (void)sh;
    return p->tickets[0].sender_nonce >= 1000; /* params 1: nonces 1000.. */
}

static void *worker_run(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    tk_chain ch = fx_chain_iface(&sh->f->chain);
    tk_ticket_result res[RUN];
    tk_recipient *r = NULL;
    tk_store_pg *pg = NULL;
    tk_store st;
    mpq_t got;
    int i;

    mpq_init(got);
    if (tk_store_pg_create(sh->f->ctx, &pg, sh->conninfo, NULL) != TK_OK ||
        tk_store_pg_iface(pg, &st) != TK_OK ||
        tk_recipient_create(sh->f->ctx, &r, &sh->f->cfg, sh->f->secret, &ch, &st) != TK_OK) {
        atomic_fetch_add(&sh->other_errors, 1);
        goto out;
    }
    while ((i = atomic_fetch_add(&sh->next, 1)) < N_PAY) {
        const tk_payment *p = &sh->view[i];
        int k = params_of(sh, p);
        tk_status s;
        /* Retry while the store is unavailable (at most ~60 s). */
        for (int tries = 0;; tries++) {
            s = tk_recipient_receive(r, res, RUN, NULL, got, p, NULL);
            if (s != TK_ERR_STORE_UNAVAILABLE || tries > 3000)
                break;
            atomic_fetch_add(&sh->unavailable[w->idx], 1);
            /* Nothing credited by a failed call. */
            if (mpq_sgn(got) != 0)
                atomic_fetch_add(&sh->other_errors, 1);
            nap_ms(20);
        }
        if (s != TK_OK) {
            fprintf(stderr, "worker %d: payment %d: %s\n", w->idx, i, tk_status_name(s));
            atomic_fetch_add(&sh->other_errors, 1);
            continue;
        }
        mpq_add(sh->credit[w->idx], sh->credit[w->idx], got);
        for (int t = 0; t < RUN; t++) {
            uint32_t n = p->tickets[t].sender_nonce - (k ? 1000 : 0);
            if (res[t].status == TK_OK)
                atomic_fetch_add(&sh->credited[k][n], 1);
            else if (res[t].status == TK_ERR_REPLAYED_NONCE)
                atomic_fetch_add(&sh->replayed[k][n], 1);
            else
                atomic_fetch_add(&sh->other_errors, 1);
        }
        atomic_fetch_add(&sh->done, 1);
    }
out:
    tk_recipient_destroy(r);
    tk_store_pg_destroy(pg);
    mpq_clear(got);
    return NULL;
}

typedef struct seen {
    tk_hash rh[N_PARAMS];
    uint8_t has[N_PARAMS][N_NONCES];
} seen;

static int seen_visit(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp, void *data)
{
    seen *s = data;
    (void)exp;
    for (int k = 0; k < N_PARAMS; k++) {
        uint32_t n = nonce - (k ? 1000 : 0);
        if (memcmp(rh->bytes, s->rh[k].bytes, 32) == 0 && n < N_NONCES)
            s->has[k][n] = 1;
    }
    return 0;
}

static void test_server_stopped_mid_run(void **state)
{
    static shared sh;
    static seen sn;
    tk_ticket_params params[N_PARAMS];
    tk_payment pay[N_PARAMS];
    worker w[N_WORKERS];
    pthread_t th[N_WORKERS];
    tk_store_pg *pg = NULL;
    tk_store st;
    fixture f;
    mpq_t total, want, ev;
    char *conninfo = tk_test_pg_schema_new();
    int n_credited = 0, n_lost = 0, failures = 0;
    (void)state;

    assert_non_null(conninfo);
    fx_init_always_win(&f);
    memset(&sh, 0, sizeof sh);
    sh.f = &f;
    sh.conninfo = conninfo;
    for (int k = 0; k < N_PARAMS; k++) {
        fx_params(&f, &params[k]);
        fx_pay(&f, &pay[k], &params[k], k ? 1000 : 0, N_NONCES);
        for (int j = 0; j < N_NONCES / RUN; j++) {
            tk_payment *v = &sh.view[k * (N_NONCES / RUN) + j];
            *v = pay[k];
            v->tickets = &pay[k].tickets[j * RUN];
            v->count = RUN;
        }
    }
    for (int i = 0; i < N_WORKERS; i++) {
        mpq_init(sh.credit[i]);
        w[i] = (worker){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    /* A third of the way in, stop the server; keep it down until both
     * workers have failed (or 5 s), then start it again. */
    while (atomic_load(&sh.done) < N_PAY / 3 && atomic_load(&sh.other_errors) == 0)
        nap_ms(5);
    assert_int_equal(tk_test_pg_control("stop"), 0);
    for (int t = 0; t < 500; t++) {
        if (atomic_load(&sh.unavailable[0]) > 0 && atomic_load(&sh.unavailable[1]) > 0)
            break;
        nap_ms(10);
    }
    assert_int_equal(tk_test_pg_control("start"), 0);
    for (int i = 0; i < N_WORKERS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);

    assert_int_equal(atomic_load(&sh.other_errors), 0);
    assert_int_equal(atomic_load(&sh.done), N_PAY);
    for (int i = 0; i < N_WORKERS; i++) {
        failures += atomic_load(&sh.unavailable[i]);
        assert_true(atomic_load(&sh.unavailable[i]) > 0); /* the outage was hit */
    }

    /* The durable record, through a fresh connection. */
    assert_int_equal(tk_store_pg_create(f.ctx, &pg, conninfo, NULL), TK_OK);
    assert_int_equal(tk_store_pg_iface(pg, &st), TK_OK);
    memset(&sn, 0, sizeof sn);
    for (int k = 0; k < N_PARAMS; k++)
        sn.rh[k] = params[k].recipient_rand_hash;
    assert_int_equal(st.nonce_load(st.self, seen_visit, &sn), TK_OK);
    for (int k = 0; k < N_PARAMS; k++) {
        for (int n = 0; n < N_NONCES; n++) {
            int c = atomic_load(&sh.credited[k][n]);
            tk_ticket t;
            tk_hash h;
            tk_winner wr;
            assert_true(c <= 1);                   /* never paid twice */
            assert_true(sn.has[k][n]);             /* every nonce recorded */
            assert_int_equal(tk_payment_ticket(&t, &pay[k], (size_t)n), TK_OK);
            assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
            assert_int_equal(st.get_winner(st.self, &h, &wr), TK_OK);
            n_credited += c;
            if (c == 0) {
                /* Lost: its COMMIT went through, its answer did not. */
                assert_int_equal(atomic_load(&sh.replayed[k][n]), 1);
                n_lost++;
            }
        }
    }
    assert_true(n_lost <= failures * RUN);
    mpq_inits(total, want, ev, NULL);
    for (int i = 0; i < N_WORKERS; i++)
        mpq_add(total, total, sh.credit[i]);
    fx_expected_credit(ev, &params[0], 1);
    mpz_mul_ui(mpq_numref(want), mpq_numref(ev), (unsigned long)n_credited);
    mpz_set(mpq_denref(want), mpq_denref(ev));
    mpq_canonicalize(want);
    assert_true(mpq_equal(total, want));
    printf("credited %d tickets, %d lost to a lost COMMIT answer, %d retried calls\n",
           n_credited, n_lost, failures);

    mpq_clears(total, want, ev, NULL);
    for (int i = 0; i < N_WORKERS; i++)
        mpq_clear(sh.credit[i]);
    tk_store_pg_destroy(pg);
    for (int k = 0; k < N_PARAMS; k++)
        tk_payment_clear(&pay[k]);
    fx_free(&f);
    tk_test_pg_schema_drop(conninfo);
    free(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_stopped_mid_run),
    };
    tk_test_pg_require();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

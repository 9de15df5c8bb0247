/* SPDX-License-Identifier: MIT */
/* An allocation failure while a new recipient reloads the store's seen
 * nonces (issue 11, defect 4) must fail tk_recipient_create with
 * TK_ERR_NOMEM: a recipient with a partial replay set would credit the
 * missing nonces again. On 0.1.0 the replay set's "stop" was taken as
 * success by both stores and create returned TK_OK.
 *
 * realloc is wrapped at link time (-Wl,--wrap=realloc, this executable
 * only): armed with k, the k-th call from then on fails once. Every k from
 * 0 up is tried until a create succeeds without an injected failure; each
 * injected failure must surface as TK_ERR_NOMEM with no recipient. */
#include "rcpt_fixture.h"

#include "ticket/store_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static long countdown = -1; /* -1: disarmed */
static int fired;

void *__wrap_realloc(void *p, size_t n)
{
    if (countdown >= 0 && countdown-- == 0) {
        fired = 1;
        return NULL;
    }
    return __real_realloc(p, n);
}

#define N_PARAMS 5
#define N_NONCES 30

/* Every k: create fails with NOMEM exactly when the failure fired. The
 * recipient that finally loads everything rejects every nonce as a
 * replay. */
static void exhaust(fixture *f, const tk_store *st, tk_payment *pay)
{
    tk_chain ch = fx_chain_iface(&f->chain);
    tk_recipient *r = NULL;
    tk_ticket_result res[N_NONCES];
    tk_receive_summary sum;
    long k;

    for (k = 0;; k++) {
        tk_status s;
        fired = 0;
        countdown = k;
        s = tk_recipient_create(f->ctx, &r, &f->cfg, f->secret, &ch, st);
        countdown = -1;
        if (!fired) {
            assert_int_equal(s, TK_OK);
            break;
        }
        assert_int_equal(s, TK_ERR_NOMEM);
        assert_null(r);
    }
    assert_true(k > N_PARAMS); /* the load did allocate: failures were met */
    for (size_t i = 0; i < N_PARAMS; i++) {
        assert_int_equal(tk_recipient_receive(r, res, N_NONCES, &sum, NULL, &pay[i], NULL),
                         TK_OK);
        assert_int_equal(sum.accepted, 0);
        for (size_t j = 0; j < N_NONCES; j++)
            assert_int_equal(res[j].status, TK_ERR_REPLAYED_NONCE);
    }
    tk_recipient_destroy(r);
}

static void fill(fixture *f, tk_recipient *r, tk_payment *pay)
{
    tk_ticket_result res[N_NONCES];
    tk_receive_summary sum;
    for (size_t i = 0; i < N_PARAMS; i++) {
        tk_ticket_params params;
        fx_params(f, &params);
        fx_pay(f, &pay[i], &params, 1, N_NONCES);
        assert_int_equal(tk_recipient_receive(r, res, N_NONCES, &sum, NULL, &pay[i], NULL),
                         TK_OK);
        assert_int_equal(sum.accepted, N_NONCES);
    }
}

static void test_mem_store(void **state)
{
    fixture f;
    tk_payment pay[N_PARAMS];
    tk_store st;
    (void)state;

    fx_init(&f);
    fill(&f, f.r, pay);
    st = fx_store_iface(&f.store);
    exhaust(&f, &st, pay);
    for (size_t i = 0; i < N_PARAMS; i++)
        tk_payment_clear(&pay[i]);
    fx_free(&f);
}

static void test_sqlite_store(void **state)
{
    char dir[256], path[300], cmd[320];
    const char *tmp = getenv("TMPDIR");
    tk_store_sqlite *db = NULL;
    tk_chain ch;
    tk_recipient *r = NULL;
    tk_payment pay[N_PARAMS];
    tk_store st;
    fixture f;
    (void)state;

    snprintf(dir, sizeof dir, "%s/tk_nomem_XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.db", dir);
    fx_init(&f);
    ch = fx_chain_iface(&f.chain);
    assert_int_equal(tk_store_sqlite_create(&db, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(db, &st), TK_OK);
    assert_int_equal(tk_recipient_create(f.ctx, &r, &f.cfg, f.secret, &ch, &st), TK_OK);
    fill(&f, r, pay);
    tk_recipient_destroy(r);
    exhaust(&f, &st, pay);
    tk_store_sqlite_destroy(db);
    for (size_t i = 0; i < N_PARAMS; i++)
        tk_payment_clear(&pay[i]);
    fx_free(&f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_store),
        cmocka_unit_test(test_sqlite_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

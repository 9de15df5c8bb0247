/* SPDX-License-Identifier: MIT */
/* A chain view that goes back (issue 11, defect 3): receive at block 1000
 * on params expiring at 1040, prune at 1045, then the view drops to 1030
 * (RPC failover to a lagging node, a reorg). The replayed tickets must stay
 * expired - never credited - for the same recipient, for a restarted one
 * (the store's block mark), for a second recipient on the same store, and
 * across a reopen of the SQLite file. On 0.1.0 every case credited the
 * tickets a second time. */
#include "rcpt_fixture.h"

#include "ticket/store_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define K 4

/* Receive p on r; every ticket must come back expired and nothing is
 * credited. */
static void assert_expired(tk_recipient *r, const tk_payment *p)
{
    tk_ticket_result res[K];
    tk_receive_summary sum;
    mpq_t credited;

    mpq_init(credited);
    assert_int_equal(tk_recipient_receive(r, res, K, &sum, credited, p, NULL), TK_OK);
    for (size_t i = 0; i < p->count; i++)
        assert_int_equal(res[i].status, TK_ERR_PARAMS_EXPIRED);
    assert_int_equal(sum.accepted, 0);
    assert_int_equal(mpq_sgn(credited), 0);
    mpq_clear(credited);
}

static void receive_fresh(tk_recipient *r, const tk_payment *p)
{
    tk_ticket_result res[K];
    tk_receive_summary sum;
    assert_int_equal(tk_recipient_receive(r, res, K, &sum, NULL, p, NULL), TK_OK);
    assert_int_equal(sum.accepted, p->count);
}

static tk_recipient *recipient_on(fixture *f, const tk_store *st)
{
    tk_chain ch = fx_chain_iface(&f->chain);
    tk_recipient *r = NULL;
    assert_int_equal(tk_recipient_create(f->ctx, &r, &f->cfg, f->secret, &ch, st), TK_OK);
    return r;
}

/* Params issued at 1000 (expiration 1040), paid at 1000. */
static void start(fixture *f, tk_payment *p)
{
    tk_ticket_params params;
    uint64_t exp;

    fx_init(f);
    fx_params(f, &params);
    assert_int_equal(tk_u256_to_u64(&exp, &params.expiration_block), TK_OK);
    assert_int_equal(exp, 1040);
    fx_pay(f, p, &params, 1, K);
    receive_fresh(f->r, p);
}

static void test_same_recipient(void **state)
{
    fixture f;
    tk_payment p;
    (void)state;

    start(&f, &p);
    f.chain.last_block = 1045;
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    f.chain.last_block = 1030; /* the view goes back */
    assert_expired(f.r, &p);
    /* Pruning at the lagging view keeps the mark, too. */
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    assert_expired(f.r, &p);
    tk_payment_clear(&p);
    fx_free(&f);
}

static void test_restart(void **state)
{
    fixture f;
    tk_payment p;
    (void)state;

    start(&f, &p);
    f.chain.last_block = 1045;
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    f.chain.last_block = 1030;
    fx_create_recipient(&f); /* restart on the same store, lagging view */
    assert_expired(f.r, &p);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* B was created before A received and pruned (so B's own replay set never
 * saw the nonces), and B's own reads never pass 1030: only the store's
 * block mark tells B that the params expired. */
static void test_second_recipient(void **state)
{
    fixture f;
    tk_payment p;
    tk_ticket_params params;
    tk_store st;
    tk_recipient *b;
    (void)state;

    fx_init(&f);
    st = fx_store_iface(&f.store);
    b = recipient_on(&f, &st);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, K);
    receive_fresh(f.r, &p);
    f.chain.last_block = 1045;
    assert_int_equal(tk_recipient_prune(f.r), TK_OK);
    f.chain.last_block = 1030;
    assert_expired(b, &p);
    tk_recipient_destroy(b);
    tk_payment_clear(&p);
    fx_free(&f);
}

/* Params issued while the view lags (review of e9d369b, item 4): the
 * recipient has seen block 1000, then one read says 950. The params
 * expire 40 blocks after 1000, not after 950 (they were expired on
 * arrival: every ticket refused), and tickets on them are credited at
 * block 1000. */
static void test_lagging_params(void **state)
{
    fixture f;
    tk_payment p;
    tk_ticket_params params;
    uint64_t exp;
    (void)state;

    start(&f, &p); /* received at block 1000: the mark is 1000 */
    tk_payment_clear(&p);
    f.chain.last_block = 1000 - 50;
    fx_params(&f, &params);
    assert_int_equal(tk_u256_to_u64(&exp, &params.expiration_block), TK_OK);
    assert_int_equal(exp, 1000 + TK_PARAMS_EXPIRATION_BLOCKS);
    f.chain.last_block = 1000;
    fx_pay(&f, &p, &params, 1, K);
    receive_fresh(f.r, &p);
    tk_payment_clear(&p);
    /* A view ahead of the mark raises it: params from there, too. */
    f.chain.last_block = 1010;
    fx_params(&f, &params);
    assert_int_equal(tk_u256_to_u64(&exp, &params.expiration_block), TK_OK);
    assert_int_equal(exp, 1010 + TK_PARAMS_EXPIRATION_BLOCKS);
    fx_free(&f);
}

/* The mark survives closing and reopening the SQLite file. */
static void test_sqlite_reopen(void **state)
{
    char dir[256], path[300], cmd[320];
    const char *tmp = getenv("TMPDIR");
    tk_store_sqlite *db = NULL;
    tk_store st;
    tk_recipient *r;
    fixture f;
    tk_payment p;
    tk_ticket_params params;
    (void)state;

    snprintf(dir, sizeof dir, "%s/tk_view_XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.db", dir);
    fx_init(&f);
    fx_params(&f, &params);
    fx_pay(&f, &p, &params, 1, K);

    assert_int_equal(tk_store_sqlite_create(&db, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(db, &st), TK_OK);
    r = recipient_on(&f, &st);
    receive_fresh(r, &p);
    f.chain.last_block = 1045;
    assert_int_equal(tk_recipient_prune(r), TK_OK);
    tk_recipient_destroy(r);
    tk_store_sqlite_destroy(db);

    f.chain.last_block = 1030;
    assert_int_equal(tk_store_sqlite_create(&db, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(db, &st), TK_OK);
    r = recipient_on(&f, &st);
    assert_expired(r, &p);
    tk_recipient_destroy(r);
    tk_store_sqlite_destroy(db);

    tk_payment_clear(&p);
    fx_free(&f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_recipient),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_second_recipient),
        cmocka_unit_test(test_sqlite_reopen),
        cmocka_unit_test(test_lagging_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

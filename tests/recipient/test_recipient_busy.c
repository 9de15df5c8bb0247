/* SPDX-License-Identifier: MIT */
/* A SQLite store locked by another connection past its busy timeout gives
 * the retryable TK_ERR_STORE_UNAVAILABLE from every recipient entry point
 * that calls the store, not only from receive (test_recipient_receive_store):
 * debit, prune and create used to flatten it to the final TK_ERR_STORE. A
 * retryable failure applied nothing, so the retry must work - and a debit
 * must be spent exactly once. The lock is a second raw connection holding
 * BEGIN IMMEDIATE; the store waits 20 ms for it. */
#include "rcpt_fixture.h"

#include "ticket/store_sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

typedef struct busy {
    char dir[256], path[300];
    tk_store_sqlite *db;
    tk_store store;
    sqlite3 *raw; /* the other connection */
    fixture f;    /* f.r runs on db */
} busy;

/* (Re)create b's recipient on the SQLite file. */
static tk_status busy_recipient(busy *b)
{
    tk_chain ch = fx_chain_iface(&b->f.chain);

    tk_recipient_destroy(b->f.r);
    b->f.r = NULL;
    return tk_recipient_create(b->f.ctx, &b->f.r, &b->f.cfg, b->f.secret, &ch, &b->store);
}

/* A recipient on a fresh SQLite file, and the other connection. */
static void busy_open(busy *b)
{
    tk_store_sqlite_options opts = {20, 0};

    assert_int_equal(tk_test_tmpdir_make(b->dir, sizeof b->dir, "tk_rcpt_busy"), 0);
    snprintf(b->path, sizeof b->path, "%s/busy.db", b->dir);
    fx_init(&b->f);
    assert_int_equal(tk_store_sqlite_create(&b->db, b->path, &opts), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(b->db, &b->store), TK_OK);
    assert_int_equal(sqlite3_open(b->path, &b->raw), SQLITE_OK);
    assert_int_equal(busy_recipient(b), TK_OK);
}

static void busy_lock(busy *b, int on)
{
    assert_int_equal(sqlite3_exec(b->raw, on ? "BEGIN IMMEDIATE" : "COMMIT", NULL, NULL, NULL),
                     SQLITE_OK);
}

static void busy_close(busy *b)
{
    sqlite3_close(b->raw);
    fx_free(&b->f); /* the recipient first: it uses db */
    tk_store_sqlite_destroy(b->db);
    assert_int_equal(tk_test_tmpdir_remove(b->dir), 0);
}

/* Receive a payment of count tickets on b's recipient; *credit = its EV. */
static void busy_pay(busy *b, tk_payment *p, tk_ticket_params *params, size_t count, mpq_t credit)
{
    tk_ticket_result res[16];
    tk_receive_summary sum;

    fx_params(&b->f, params);
    fx_pay(&b->f, p, params, 1, count);
    assert_int_equal(tk_recipient_receive(b->f.r, res, 16, &sum, credit, p, NULL), TK_OK);
    assert_int_equal(sum.accepted, count);
}

static void balance_is(busy *b, const tk_hash *session, mpq_srcptr want)
{
    mpq_t have;
    mpq_init(have);
    assert_int_equal(tk_recipient_balance(b->f.r, have, &b->f.sender, session), TK_OK);
    assert_true(mpq_equal(have, want));
    mpq_clear(have);
}

/* A busy debit neither spends its seq nor debits; its retry debits once. */
static void test_debit(void **state)
{
    busy b;
    tk_ticket_params params;
    tk_payment p;
    mpq_t credit, price, left;
    const tk_hash *s = &params.recipient_rand_hash;
    (void)state;

    busy_open(&b);
    mpq_inits(credit, price, left, NULL);
    busy_pay(&b, &p, &params, 4, credit);
    mpq_div_2exp(price, credit, 2);

    busy_lock(&b, 1);
    assert_int_equal(fx_debit(&b.f, b.f.sender_key, s, price, 0, 1), TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(fx_debit(&b.f, b.f.sender_key, s, price, TK_DEBIT_ALLOW_NEGATIVE, 1),
                     TK_ERR_STORE_UNAVAILABLE);
    balance_is(&b, s, credit);
    busy_lock(&b, 0);

    /* Seq 1 was not spent: the same request debits now, once. */
    assert_int_equal(fx_debit(&b.f, b.f.sender_key, s, price, 0, 1), TK_OK);
    mpq_sub(left, credit, price);
    balance_is(&b, s, left);
    assert_int_equal(fx_debit(&b.f, b.f.sender_key, s, price, 0, 1), TK_ERR_STALE_SEQ);
    balance_is(&b, s, left);
    /* A restarted recipient on the file agrees the seq is spent. */
    assert_int_equal(busy_recipient(&b), TK_OK);
    assert_int_equal(fx_debit(&b.f, b.f.sender_key, s, price, TK_DEBIT_ALLOW_NEGATIVE, 1),
                     TK_ERR_STALE_SEQ);

    mpq_clears(credit, price, left, NULL);
    tk_payment_clear(&p);
    busy_close(&b);
}

static int count_nonce(const tk_hash *rand_hash, uint32_t nonce, const tk_u256 *expiration,
                       void *data)
{
    (void)rand_hash, (void)nonce, (void)expiration;
    ++*(size_t *)data;
    return 0;
}

static size_t stored_nonces(busy *b)
{
    size_t n = 0;
    assert_int_equal(b->store.nonce_load(b->store.self, count_nonce, &n), TK_OK);
    return n;
}

/* A busy prune is retryable, and the retry prunes the file. */
static void test_prune(void **state)
{
    busy b;
    tk_ticket_params params;
    tk_payment p;
    mpq_t credit;
    (void)state;

    busy_open(&b);
    mpq_init(credit);
    busy_pay(&b, &p, &params, 3, credit);
    assert_int_equal(stored_nonces(&b), 3);

    b.f.chain.last_block = 2000; /* the params expired */
    busy_lock(&b, 1);
    assert_int_equal(tk_recipient_prune(b.f.r), TK_ERR_STORE_UNAVAILABLE);
    busy_lock(&b, 0);
    assert_int_equal(stored_nonces(&b), 3);
    assert_int_equal(tk_recipient_prune(b.f.r), TK_OK);
    assert_int_equal(stored_nonces(&b), 0);

    mpq_clear(credit);
    tk_payment_clear(&p);
    busy_close(&b);
}

/* A busy create returns no recipient; the retry loads the whole replay set. */
static void test_create(void **state)
{
    busy b;
    tk_ticket_params params;
    tk_payment p;
    tk_ticket_result res[16];
    tk_receive_summary sum;
    mpq_t credit;
    (void)state;

    busy_open(&b);
    mpq_init(credit);
    busy_pay(&b, &p, &params, 3, credit);

    busy_lock(&b, 1);
    assert_int_equal(busy_recipient(&b), TK_ERR_STORE_UNAVAILABLE);
    assert_null(b.f.r);
    busy_lock(&b, 0);
    assert_int_equal(busy_recipient(&b), TK_OK);
    assert_int_equal(tk_recipient_receive(b.f.r, res, 16, &sum, credit, &p, NULL), TK_OK);
    assert_int_equal(sum.accepted, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(res[i].status, TK_ERR_REPLAYED_NONCE);
    assert_int_equal(mpq_sgn(credit), 0);

    mpq_clear(credit);
    tk_payment_clear(&p);
    busy_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debit),
        cmocka_unit_test(test_prune),
        cmocka_unit_test(test_create),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

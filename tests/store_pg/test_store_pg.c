/* SPDX-License-Identifier: MIT */
/* What only the PostgreSQL store has (the shared contract is in
 * tests/store_contract): its schema version table (a newer database is
 * refused, a foreign one is left alone), opening a fresh database from
 * several connections at once, no server at all, the operator calls, and
 * argument checks through the context's callback. */
#include "test_support.h"
#include "store_backends.h"

#include "ticket/store_pg.h"
#include "ticket/u256.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    tk_ctx *ctx;
    char *conninfo; /* a fresh schema */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || tk_ctx_create(&f->ctx) != TK_OK ||
        (f->conninfo = tk_test_pg_schema_new()) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tk_test_pg_schema_drop(f->conninfo);
    free(f->conninfo);
    tk_ctx_destroy(f->ctx);
    free(f);
    return 0;
}

/* A statement in the fixture's schema. */
static void sql(const fixture *f, const char *q)
{
    assert_int_equal(tk_test_pg_exec(f->conninfo, q), 0);
}

static void make_winner(tk_winner *w)
{
    memset(w, 0, sizeof *w);
    tk_test_rand_bytes(w->ticket.recipient.bytes, 20);
    tk_test_rand_bytes(w->ticket.sender.bytes, 20);
    tk_test_rand_bytes(w->ticket.face_value.bytes, 32);
    w->ticket.creation_round = 5;
    tk_test_rand_bytes(w->recipient_rand.bytes, 32);
    assert_int_equal(tk_ticket_hash(&w->ticket_hash, &w->ticket), TK_OK);
}

#define TK_PG_STR_(x) #x
#define TK_PG_STR(x) TK_PG_STR_(x)
/* TK_STORE_PG_SCHEMA_VERSION + 1, as SQL text. */
#define TK_PG_NEXT_VERSION "(" TK_PG_STR(TK_STORE_PG_SCHEMA_VERSION) " + 1)"

static void test_version_and_foreign(void **state)
{
    fixture *f = *state;
    tk_store_pg *s = NULL;
    tk_store_pg_options existing = {.existing_only = 1};
    int v = 0;

    /* existing_only on an empty schema: not found, nothing created. */
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, &existing), TK_ERR_NOT_FOUND);
    assert_null(s);
    sql(f, "DO $$ BEGIN IF to_regclass('tk_schema') IS NOT NULL THEN"
           " RAISE 'created'; END IF; END $$");
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_OK);
    assert_int_equal(tk_store_pg_schema_version(s, &v), TK_OK);
    assert_int_equal(v, TK_STORE_PG_SCHEMA_VERSION);
    tk_store_pg_destroy(s);
    /* A second open of a current database changes nothing. */
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, &existing), TK_OK);
    tk_store_pg_destroy(s);

    /* Written by a newer libticket: refused, and left as it is. */
    sql(f, "UPDATE tk_schema SET version = version + 1");
    s = (tk_store_pg *)f;
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_ERR_STORE_VERSION);
    assert_null(s);
    sql(f, "DO $$ BEGIN IF (SELECT version FROM tk_schema) <> "
           TK_PG_NEXT_VERSION " THEN RAISE 'changed'; END IF; END $$");

    /* Another application's version row. */
    sql(f, "UPDATE tk_schema SET application = 'other', version = 1");
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_ERR_STORE_CORRUPT);

    /* Our table names without a version table: someone else's tables. */
    sql(f, "DROP TABLE tk_schema, tk_winners, tk_seen_nonces, tk_request_seqs,"
           " tk_block_mark, tk_pending_redemptions, tk_redeemer_lease;"
           " CREATE TABLE tk_winners (x int)");
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_ERR_STORE_CORRUPT);
    sql(f, "DO $$ BEGIN IF to_regclass('tk_schema') IS NOT NULL THEN"
           " RAISE 'created'; END IF; END $$");

    /* A version row without the tables it promises. */
    sql(f, "DROP TABLE tk_winners; CREATE TABLE tk_schema (id int4 PRIMARY KEY,"
           " application text, version int4);"
           " INSERT INTO tk_schema VALUES (0, 'libticket', 1)");
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_ERR_STORE_CORRUPT);
}

typedef struct opener {
    const fixture *f;
    tk_status st;
} opener;

static void *open_one(void *arg)
{
    opener *o = arg;
    tk_store_pg *s = NULL;
    o->st = tk_store_pg_create(o->f->ctx, &s, o->f->conninfo, NULL);
    tk_store_pg_destroy(s);
    return NULL;
}

/* Nodes starting together on an empty database create it once. */
static void test_concurrent_first_open(void **state)
{
    fixture *f = *state;
    pthread_t th[4];
    opener o[4];

    for (int i = 0; i < 4; i++) {
        o[i] = (opener){f, TK_ERR_INTERNAL};
        assert_int_equal(pthread_create(&th[i], NULL, open_one, &o[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(o[i].st, TK_OK);
    }
    sql(f, "DO $$ BEGIN IF (SELECT count(*) FROM tk_schema) <> 1 OR"
           " (SELECT count(*) FROM tk_block_mark) <> 1 THEN RAISE 'twice'; END IF; END $$");
}

static void test_no_server(void **state)
{
    fixture *f = *state;
    tk_store_pg *s = NULL;
    tk_store_pg_options o = {.connect_timeout_s = 2};
    char dir[256], conninfo[400];

    /* A socket directory where no server listens. */
    assert_int_equal(tk_test_tmpdir_make(dir, sizeof dir, "tk_nopg"), 0);
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 dbname=x user=x", dir);
    assert_int_equal(tk_store_pg_create(f->ctx, &s, conninfo, &o), TK_ERR_STORE_UNAVAILABLE);
    assert_null(s);
    assert_int_equal(tk_test_tmpdir_remove(dir), 0);
    /* A string libpq cannot parse is no connection either. */
    assert_int_equal(tk_store_pg_create(f->ctx, &s, "host='unterminated", NULL),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_null(s);
}

static void test_requeue_and_errors(void **state)
{
    fixture *f = *state;
    tk_store_pg *s = NULL;
    tk_winner w, got;
    tk_winner_state ws;
    tk_store st;
    tk_hash tx, absent;
    char msg[256], tiny[4];

    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_OK);
    assert_int_equal(tk_store_pg_iface(s, &st), TK_OK);
    make_winner(&w);
    tk_test_rand_bytes(tx.bytes, 32);
    tk_test_rand_bytes(absent.bytes, 32);
    assert_int_equal(st.put_winner(st.self, &w), TK_OK);
    assert_int_equal(tk_store_pg_requeue(s, &ws, &w.ticket_hash), TK_OK);
    assert_int_equal(ws, TK_WINNER_NEW);
    assert_int_equal(st.set_state(st.self, &w.ticket_hash, TK_WINNER_SUBMITTED, &tx), TK_OK);
    assert_int_equal(tk_store_pg_requeue(s, &ws, &w.ticket_hash), TK_OK);
    assert_int_equal(ws, TK_WINNER_NEW);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.attempts, 1); /* kept for the record */
    assert_memory_equal(got.tx_hash.bytes, tx.bytes, 32);
    assert_int_equal(st.set_state(st.self, &w.ticket_hash, TK_WINNER_USED, NULL), TK_OK);
    assert_int_equal(tk_store_pg_requeue(s, &ws, &w.ticket_hash), TK_ERR_STATE);
    assert_int_equal(ws, TK_WINNER_USED);
    assert_int_equal(tk_store_pg_requeue(s, NULL, &absent), TK_ERR_NOT_FOUND);

    /* A statement the server refuses: TK_ERR_STORE with its message. */
    sql(f, "ALTER TABLE tk_winners ADD CONSTRAINT no_round_6 CHECK (creation_round <> 6)");
    make_winner(&w);
    w.ticket.creation_round = 6;
    assert_int_equal(tk_ticket_hash(&w.ticket_hash, &w.ticket), TK_OK);
    assert_int_equal(st.put_winner(st.self, &w), TK_ERR_STORE);
    assert_int_equal(tk_store_pg_last_error(s, msg, sizeof msg), TK_OK);
    assert_non_null(strstr(msg, "no_round_6"));
    assert_int_equal(tk_store_pg_last_error(s, tiny, sizeof tiny), TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(strlen(tiny), 3);
    /* The connection is still good for the next call. */
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_ERR_NOT_FOUND);
    tk_store_pg_destroy(s);
}

static void *volatile vnull = NULL;

static void test_misuse(void **state)
{
    fixture *f = *state;
    tk_store_pg *s = NULL;
    tk_store st;
    tk_store_pg_options bad = {.connect_timeout_s = -1};
    int v;

    assert_illegal(f->ctx, tk_store_pg_create(f->ctx, vnull, f->conninfo, NULL));
    assert_illegal(f->ctx, tk_store_pg_create(f->ctx, &s, vnull, NULL));
    assert_illegal(f->ctx, tk_store_pg_create(f->ctx, &s, "", NULL));
    assert_illegal(f->ctx, tk_store_pg_create(f->ctx, &s, f->conninfo, &bad));
    assert_null(s);
    assert_int_equal(tk_store_pg_create(vnull, &s, f->conninfo, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_pg_create(f->ctx, &s, f->conninfo, NULL), TK_OK);
    assert_int_equal(tk_store_pg_iface(vnull, &st), TK_ERR_ILLEGAL_ARG);
    assert_illegal(f->ctx, tk_store_pg_iface(s, vnull));
    assert_illegal(f->ctx, tk_store_pg_schema_version(s, vnull));
    assert_int_equal(tk_store_pg_schema_version(vnull, &v), TK_ERR_ILLEGAL_ARG);
    assert_illegal(f->ctx, tk_store_pg_requeue(s, NULL, vnull));
    assert_illegal(f->ctx, tk_store_pg_last_error(s, vnull, 10));
    assert_int_equal(tk_store_pg_iface(s, &st), TK_OK);
    /* vtable members report through the store's context too */
    assert_illegal(f->ctx, st.put_winner(st.self, vnull));
    tk_store_pg_destroy(s);
    tk_store_pg_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_version_and_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_first_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requeue_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
    };
    tk_test_pg_require();
    tk_test_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

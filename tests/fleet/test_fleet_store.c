/* SPDX-License-Identifier: MIT */
/* The store's fleet operations (pending redemptions, redeemer lease) over
 * the in-memory store and the SQLite store: the contract of store.h and
 * races between threads (SQLite: one connection per thread, so the file's
 * locking is what is tested). Also: a SQLite file of schema version 4
 * gains the two tables when a newer library opens it. */
#include "fleet_contract.h"
#include "test_winner.h"

#include "store/sqlite_internal.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static void test_mem_contract(void **state)
{
    tk_store_mem *m = NULL;
    tk_store st;
    (void)state;
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &st), TK_OK);
    tk_test_store_pending_contract(&st);
    tk_test_store_lease_contract(&st);
    tk_store_mem_destroy(m);
}

static void test_mem_race(void **state)
{
    tk_store_mem *m = NULL;
    tk_store st[1];
    (void)state;
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &st[0]), TK_OK);
    tk_test_store_fleet_race(st, 1);
    tk_store_mem_destroy(m);
}

static char dir[256];

static int dir_setup(void **state)
{
    (void)state;
    return tk_test_tmpdir_make(dir, sizeof dir, "tk_fleet_store");
}

static int dir_teardown(void **state)
{
    (void)state;
    return tk_test_tmpdir_remove(dir);
}

static void db_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void test_sqlite_contract(void **state)
{
    char path[300];
    tk_store_sqlite *s = NULL;
    tk_store st;
    uint64_t token = 0, again = 0;
    (void)state;
    db_path(path, sizeof path, "contract.db");
    assert_int_equal(tk_store_sqlite_create(&s, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    tk_test_store_pending_contract(&st);
    tk_test_store_lease_contract(&st);
    /* Durable: a reopened file keeps the pending entries and the lease. */
    {
        tk_hash h;
        tk_address a;
        tk_u256 f, t;
        int added = 0;
        uint64_t v = 0;
        memset(&h, 0x11, sizeof h);
        memset(&a, 0x22, sizeof a);
        assert_int_equal(tk_u256_from_u64(&f, 77), TK_OK);
        assert_int_equal(st.pending_add(st.self, &h, &a, &f, NULL, &added), TK_OK);
        assert_int_equal(st.lease_acquire(st.self, "keeper", 60000, &token), TK_OK);
        tk_store_sqlite_destroy(s);
        assert_int_equal(tk_store_sqlite_create(&s, path, NULL), TK_OK);
        assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
        assert_int_equal(st.pending_total(st.self, &a, &t), TK_OK);
        assert_int_equal(tk_u256_to_u64(&v, &t), TK_OK);
        assert_int_equal(v, 77);
        assert_int_equal(st.lease_acquire(st.self, "other", 100, &again), TK_ERR_LEASE_HELD);
        assert_int_equal(st.lease_acquire(st.self, "keeper", 100, &again), TK_OK);
        assert_int_equal(again, token);
    }
    tk_store_sqlite_destroy(s);
}

static void test_sqlite_race(void **state)
{
    char path[300];
    tk_store_sqlite *s[4] = {NULL};
    tk_store st[4];
    (void)state;
    db_path(path, sizeof path, "race.db");
    for (int i = 0; i < 4; i++) {
        assert_int_equal(tk_store_sqlite_create(&s[i], path, NULL), TK_OK);
        assert_int_equal(tk_store_sqlite_iface(s[i], &st[i]), TK_OK);
    }
    tk_test_store_fleet_race(st, 4);
    for (int i = 0; i < 4; i++)
        tk_store_sqlite_destroy(s[i]);
}

static tk_winner fence_winner(uint32_t nonce)
{
    tk_address recipient, sender;
    tk_winner w;
    memset(&recipient, 0x31, sizeof recipient);
    memset(&sender, 0x32, sizeof sender);
    tk_test_winner(&w, &recipient, &sender, 1000, nonce, 500);
    return w;
}

static void test_mem_fence(void **state)
{
    tk_store_mem *m = NULL;
    tk_store st;
    tk_winner w1 = fence_winner(1), w2 = fence_winner(2);
    (void)state;
    assert_int_equal(tk_store_mem_create(&m), TK_OK);
    assert_int_equal(tk_store_mem_iface(m, &st), TK_OK);
    tk_test_store_fence_contract(&st, &w1);
    tk_test_store_fence_race(&st, 1, &w2);
    tk_store_mem_destroy(m);
}

/* Two connections on one file: the writer's and the taker's. */
static void test_sqlite_fence(void **state)
{
    char path[300];
    tk_store_sqlite *s[2] = {NULL};
    tk_store st[2];
    tk_winner w1 = fence_winner(1), w2 = fence_winner(2);
    (void)state;
    db_path(path, sizeof path, "fence.db");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tk_store_sqlite_create(&s[i], path, NULL), TK_OK);
        assert_int_equal(tk_store_sqlite_iface(s[i], &st[i]), TK_OK);
    }
    tk_test_store_fence_contract(&st[0], &w1);
    tk_test_store_fence_race(st, 2, &w2);
    for (int i = 0; i < 2; i++)
        tk_store_sqlite_destroy(s[i]);
}

/* A version-4 file (written by the migration steps up to 4) is migrated
 * on open. */
static void test_sqlite_migrates_v4(void **state)
{
    char path[300];
    tk_store_sqlite *s = NULL;
    tk_store st;
    sqlite3 *db = NULL;
    uint64_t token = 0;
    (void)state;
    db_path(path, sizeof path, "v4.db");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(tk__sqlite_migrate(db, 0, 4), TK_OK);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(tk_store_sqlite_create(&s, path, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    assert_int_equal(st.lease_acquire(st.self, "n", 100, &token), TK_OK);
    assert_int_equal(token, 1);
    tk_test_store_pending_contract(&st);
    tk_store_sqlite_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mem_contract),
        cmocka_unit_test(test_mem_race),
        cmocka_unit_test(test_sqlite_contract),
        cmocka_unit_test(test_sqlite_race),
        cmocka_unit_test(test_sqlite_migrates_v4),
        cmocka_unit_test(test_mem_fence),
        cmocka_unit_test(test_sqlite_fence),
    };
    return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}

/* SPDX-License-Identifier: MIT */
/* The SQLite store's seen nonces as 64-bit words (schema v6): the edges of
 * the representation (nonces 0, 63, 64, 2^32-1, bit 63 as a negative
 * SQLite integer, duplicates in one claim, a claim spanning words, fresh
 * and replayed nonces in one word), random claims against an independent
 * model, the latest expiration block kept per rand hash, prune then a
 * re-claim below the mark, and the migration of a v5 file with nonces. */
#include "test_support.h"
#include "sqlite_files.h"

#include "store/sqlite_internal.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tk_u256 u256(uint64_t v)
{
    tk_u256 x;
    assert_int_equal(tk_u256_from_u64(&x, v), TK_OK);
    return x;
}

static void claim(const tk_store *st, const tk_hash *rh, const uint32_t *n,
                  size_t len, uint64_t exp, uint64_t seen, uint8_t *fresh,
                  uint64_t *mark)
{
    tk_u256 e = u256(exp);
    assert_int_equal(st->nonce_claim(st->self, rh, n, len, &e, seen, fresh,
                                     mark),
                     TK_OK);
}

static void assert_fresh(const uint8_t *got, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i])
            fail_msg("fresh[%zu] = %d, want %d", i, got[i], want[i]);
    }
}

/* What nonce_load reports for one rand hash. */
typedef struct loaded {
    tk_hash rh;
    uint32_t nonces[2048];
    uint64_t exp[2048];
    size_t n;
} loaded;

static int load_fn(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp,
                   void *data)
{
    loaded *l = data;
    if (memcmp(rh->bytes, l->rh.bytes, 32) != 0)
        return 0;
    assert_true(l->n < 2048);
    assert_int_equal(tk_u256_to_u64(&l->exp[l->n], exp), TK_OK);
    l->nonces[l->n++] = nonce;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Load rh's nonces, sorted. */
static void load(const tk_store *st, const tk_hash *rh, loaded *l)
{
    memset(l, 0, sizeof *l);
    l->rh = *rh;
    assert_int_equal(st->nonce_load(st->self, load_fn, l), TK_OK);
    qsort(l->nonces, l->n, sizeof l->nonces[0], cmp_u32);
}

static void assert_loaded(const loaded *l, const uint32_t *want, size_t n)
{
    assert_int_equal(l->n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(l->nonces[i], want[i]);
}

/* The word edges, and the stored bits checked against masks computed
 * here (bit 63 of a word is SQLite's negative integer). */
static void test_edges(void **state)
{
    static const uint32_t first[] = {0, 63, 64, 4294967295u};
    static const uint8_t first_fresh[] = {1, 1, 1, 1};
    /* Unordered, spanning words 0 and 1, duplicates, fresh and replayed
     * bits in one word. */
    static const uint32_t second[] = {65, 63, 62, 64, 62, 63, 0, 1};
    static const uint8_t second_fresh[] = {1, 0, 1, 0, 0, 0, 0, 1};
    static const uint32_t all[] = {0, 1, 62, 63, 64, 65, 4294967295u};
    tk_store st;
    tk_store_sqlite *s = sqlt_open("edges.db", &st);
    uint8_t fresh[8];
    uint64_t mark;
    tk_hash rh;
    loaded l;
    char sql[256];

    (void)state;
    tk_test_rand_bytes(rh.bytes, 32);
    claim(&st, &rh, first, 4, 1000, 10, fresh, &mark);
    assert_fresh(fresh, first_fresh, 4);
    assert_int_equal(mark, 10);
    claim(&st, &rh, second, 8, 1000, 11, fresh, &mark);
    assert_fresh(fresh, second_fresh, 8);
    load(&st, &rh, &l);
    assert_loaded(&l, all, 7);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.exp[i], 1000);
    tk_store_sqlite_destroy(s);

    /* The rows: word 0 = bits 0, 1, 62, 63; word 1 = bits 0, 1; word
     * 2^26-1 = bit 63. */
    assert_int_equal(sqlt_raw_int("edges.db", "SELECT count(*) FROM"
                                         " seen_nonce_words"), 3);
    snprintf(sql, sizeof sql,
             "SELECT bits = %lld FROM seen_nonce_words WHERE word = 0",
             (long long)(int64_t)(UINT64_C(3) | UINT64_C(3) << 62));
    assert_int_equal(sqlt_raw_int("edges.db", sql), 1);
    assert_int_equal(sqlt_raw_int("edges.db", "SELECT bits FROM seen_nonce_words"
                                         " WHERE word = 1"), 3);
    assert_int_equal(sqlt_raw_int("edges.db", "SELECT bits FROM seen_nonce_words"
                                         " WHERE word = 67108863"), INT64_MIN);
    assert_int_equal(sqlt_raw_int("edges.db", "SELECT count(*) FROM"
                                         " seen_rand_hashes"), 1);

    /* Persisted: after a reopen every one of them is a replay. */
    s = sqlt_open("edges.db", &st);
    claim(&st, &rh, all, 7, 1000, 12, fresh, &mark);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(fresh[i], 0);
    tk_store_sqlite_destroy(s);
}

/* Random claims (many words, duplicates, claims longer than the sort's
 * stack buffer) against a model: a nonce is fresh the first time it is
 * claimed, by this call or any earlier one. */
#define MODEL_SPAN 700u /* nonces 0..699 and 2^32-700..2^32-1 */

static uint32_t model_nonce(uint64_t r)
{
    uint32_t k = (uint32_t)(r % MODEL_SPAN);
    return (r >> 32 & 1) ? UINT32_MAX - k : k;
}

static void test_random_against_model(void **state)
{
    static uint8_t seen[2][MODEL_SPAN];
    tk_store st;
    tk_store_sqlite *s = sqlt_open("model.db", &st);
    uint32_t nonces[100];
    uint8_t fresh[100], want[100];
    uint64_t mark;
    size_t total = 0;
    tk_hash rh;
    loaded l;

    (void)state;
    memset(seen, 0, sizeof seen);
    tk_test_rand_bytes(rh.bytes, 32);
    /* Until every nonce of the span was claimed: coverage is complete,
     * not a matter of luck. */
    for (int round = 0; total < 2 * MODEL_SPAN; round++) {
        size_t n = 1 + (size_t)(tk_test_rand64() % 100);
        assert_true(round < 100000);
        for (size_t i = 0; i < n; i++) {
            uint64_t r = tk_test_rand64();
            /* Mostly runs of consecutive nonces, like payments. */
            nonces[i] = i > 0 && r % 4 != 0 ? nonces[i - 1] + 1
                                              : model_nonce(r);
            if (nonces[i] >= MODEL_SPAN && nonces[i] <= UINT32_MAX - MODEL_SPAN)
                nonces[i] = 0; /* a run past the span (or the wrap) */
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t v = nonces[i];
            uint8_t *b = v < MODEL_SPAN ? &seen[0][v]
                                        : &seen[1][UINT32_MAX - v];
            want[i] = *b == 0;
            total += *b == 0;
            *b = 1;
        }
        claim(&st, &rh, nonces, n, 5000, (uint64_t)round, fresh, &mark);
        assert_fresh(fresh, want, n);
    }
    /* The stored set is exactly the span, each nonce once. */
    load(&st, &rh, &l);
    assert_int_equal(l.n, 2 * MODEL_SPAN);
    for (uint32_t k = 0; k < MODEL_SPAN; k++) {
        assert_int_equal(l.nonces[k], k);
        assert_int_equal(l.nonces[MODEL_SPAN + k],
                         UINT32_MAX - (MODEL_SPAN - 1) + k);
    }
    tk_store_sqlite_destroy(s);
    assert_int_equal(sqlt_raw_int("model.db",
                             "SELECT count(*) FROM seen_nonce_words"),
                     2 * ((MODEL_SPAN + 63) / 64));
}

/* A rand hash keeps the latest expiration block any write gave it:
 * keeping a nonce longer is safe, forgetting it early is not. */
static void test_latest_expiration(void **state)
{
    static const uint32_t one = 1, two = 2, three = 3;
    tk_store st;
    tk_store_sqlite *s = sqlt_open("exp.db", &st);
    tk_u256 e500 = u256(500), e900 = u256(900), e300 = u256(300);
    tk_hash rh, other;
    loaded l;

    (void)state;
    tk_test_rand_bytes(rh.bytes, 32);
    tk_test_rand_bytes(other.bytes, 32);
    assert_int_equal(st.nonce_add(st.self, &rh, one, &e500), TK_OK);
    assert_int_equal(st.nonce_add_many(st.self, &rh, &two, 1, &e900), TK_OK);
    assert_int_equal(st.nonce_add(st.self, &rh, three, &e300), TK_OK);
    assert_int_equal(st.nonce_add(st.self, &other, one, &e300), TK_OK);
    assert_int_equal(st.nonce_prune(st.self, 600), TK_OK);
    load(&st, &rh, &l);
    assert_int_equal(l.n, 3); /* 1 and 3 are kept with 2 until 900 */
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.exp[i], 900);
    load(&st, &other, &l);
    assert_int_equal(l.n, 0);
    assert_int_equal(st.nonce_prune(st.self, 901), TK_OK);
    load(&st, &rh, &l);
    assert_int_equal(l.n, 0);
    tk_store_sqlite_destroy(s);
    /* Both tables are empty: no word outlives its rand hash's row. */
    assert_int_equal(sqlt_raw_int("exp.db", "SELECT (SELECT count(*) FROM"
                                       " seen_nonce_words) + (SELECT count(*)"
                                       " FROM seen_rand_hashes)"), 0);
}

/* After a prune the nonces are gone, so a claim below the mark records
 * them again as fresh; the raised mark is what tells the recipient the
 * params expired. */
static void test_prune_then_reclaim(void **state)
{
    static const uint32_t n[] = {63, 64};
    tk_store st;
    tk_store_sqlite *s = sqlt_open("prune.db", &st);
    uint8_t fresh[2];
    uint64_t mark;
    tk_hash rh;

    (void)state;
    tk_test_rand_bytes(rh.bytes, 32);
    claim(&st, &rh, n, 2, 100, 50, fresh, &mark);
    assert_true(fresh[0] && fresh[1]);
    assert_int_equal(st.nonce_prune(st.self, 101), TK_OK);
    claim(&st, &rh, n, 2, 100, 90, fresh, &mark);
    assert_true(fresh[0] && fresh[1]);
    assert_int_equal(mark, 101); /* above the params' expiration 100 */
    claim(&st, &rh, n, 2, 100, 90, fresh, &mark);
    assert_true(!fresh[0] && !fresh[1]);
    tk_store_sqlite_destroy(s);
}

/* A file as schema version 5 wrote it, with seen nonces (two expiration
 * blocks on one rand hash), migrates on open: every nonce is a replay,
 * the rand hash keeps its latest expiration, the old table is gone. */
static void test_migrate_v5_nonces(void **state)
{
    static const uint32_t old_a[] = {0, 63, 64, 4294967295u};
    static const uint64_t old_a_exp[] = {500, 700, 500, 500};
    static const uint32_t claim_a[] = {0, 63, 64, 65, 4294967295u, 1};
    static const uint8_t claim_a_fresh[] = {0, 0, 0, 1, 0, 1};
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    tk_store st;
    tk_store_sqlite *s;
    tk_hash a, b;
    tk_u256 e;
    uint8_t fresh[6];
    uint64_t mark;
    loaded l;
    int v = 0;

    (void)state;
    tk_test_rand_bytes(a.bytes, 32);
    tk_test_rand_bytes(b.bytes, 32);
    assert_int_equal(sqlite3_open(sqlt_path("v5.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(tk__sqlite_migrate(db, 0, 5), TK_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO seen_nonces (rand_hash,"
                                        " nonce, expiration_block) VALUES"
                                        " (?1, ?2, ?3)", -1, &q, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < 5; i++) {
        e = u256(i < 4 ? old_a_exp[i] : 300);
        sqlite3_bind_blob(q, 1, (i < 4 ? &a : &b)->bytes, 32, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, i < 4 ? old_a[i] : 7);
        sqlite3_bind_blob(q, 3, e.bytes, 32, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(q), SQLITE_DONE);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_exec(db, "UPDATE block_mark SET block = 40",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(sqlt_raw_int("v5.db", "PRAGMA user_version"), 5);

    s = sqlt_open("v5.db", &st);
    assert_int_equal(tk_store_sqlite_schema_version(s, &v), TK_OK);
    assert_int_equal(v, 6);
    load(&st, &a, &l);
    assert_loaded(&l, old_a, 4);
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.exp[i], 700);
    claim(&st, &a, claim_a, 6, 700, 30, fresh, &mark);
    assert_fresh(fresh, claim_a_fresh, 6);
    assert_int_equal(mark, 40); /* the migrated mark, not lowered */
    claim(&st, &b, (const uint32_t[]){7}, 1, 300, 30, fresh, &mark);
    assert_int_equal(fresh[0], 0);
    tk_store_sqlite_destroy(s);
    assert_int_equal(sqlt_raw_int("v5.db", "SELECT count(*) FROM sqlite_master"
                                      " WHERE name LIKE 'seen_nonces%'"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_latest_expiration),
        cmocka_unit_test(test_prune_then_reclaim),
        cmocka_unit_test(test_migrate_v5_nonces),
    };
    tk_test_seed();
    return cmocka_run_group_tests(tests, sqlt_setup, sqlt_teardown);
}

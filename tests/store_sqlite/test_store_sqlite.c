/* SPDX-License-Identifier: MIT */
/* The SQLite winning-ticket store: vtable behaviour (idempotent put, get,
 * state transitions, ordered lists, seen nonces, batches of nonces in one
 * all-or-nothing transaction), persistence across
 * reopen, exact totals, requeue rules, version / corrupt files, migration
 * from schema version 1, concurrent writers, misuse. */
#include "test_support.h"
#include "sqlite_files.h"
#include "store_contract.h"

#include "store/sqlite_internal.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- basic vtable behaviour ------------------------------------------- */

static void test_create_put_get(void **state)
{
    tk_store st;
    tk_store_sqlite *s;
    tk_winner w, other, got;
    struct stat sb;
    int v = 0;

    (void)state;
    tk_test_seed();
    s = sqlt_open("basic.db", &st);
    assert_int_equal(tk_store_sqlite_schema_version(s, &v), TK_OK);
    assert_int_equal(v, TK_STORE_SQLITE_SCHEMA_VERSION);
    assert_true(st.put_winner && st.get_winner && st.set_state && st.list &&
                st.nonce_add && st.nonce_load && st.nonce_prune &&
                st.nonce_add_many);
    assert_int_equal(stat(sqlt_path("basic.db"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600); /* holds recipientRands */

    tk_test_make_winner(&w, NULL, 7);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(st.put_winner(st.self, &w), TK_OK);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &w);

    /* Idempotent: a second put of the same hash changes nothing. */
    other = w;
    other.state = TK_WINNER_FAILED;
    other.attempts = 9;
    assert_int_equal(st.put_winner(st.self, &other), TK_OK);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &w);

    /* The key must be the ticket's hash. */
    other = w;
    other.ticket.sender_nonce ^= 1;
    assert_int_equal(st.put_winner(st.self, &other), TK_ERR_ILLEGAL_ARG);
    other = w;
    other.state = (tk_winner_state)6;
    assert_int_equal(st.put_winner(st.self, &other), TK_ERR_ILLEGAL_ARG);

    /* Survives close and reopen. */
    tk_store_sqlite_destroy(s);
    s = sqlt_open("basic.db", &st);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &w);
    tk_store_sqlite_destroy(s);
}

static void test_state_transitions(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("states.db", &st);
    tk_winner w, got;
    tk_hash tx1, tx2, missing;

    (void)state;
    tk_test_make_winner(&w, NULL, 3);
    tk_test_rand_bytes(tx1.bytes, 32);
    tk_test_rand_bytes(tx2.bytes, 32);
    tk_test_rand_bytes(missing.bytes, 32);
    assert_int_equal(st.put_winner(st.self, &w), TK_OK);

    assert_int_equal(st.set_state(st.self, &w.ticket_hash,
                                  TK_WINNER_SUBMITTED, &tx1), TK_OK);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_SUBMITTED);
    assert_memory_equal(got.tx_hash.bytes, tx1.bytes, 32);
    assert_int_equal(got.attempts, 1);

    /* NULL tx hash keeps the previous one; FAILED does not count. */
    assert_int_equal(st.set_state(st.self, &w.ticket_hash, TK_WINNER_FAILED,
                                  NULL), TK_OK);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_FAILED);
    assert_memory_equal(got.tx_hash.bytes, tx1.bytes, 32);
    assert_int_equal(got.attempts, 1);

    assert_int_equal(st.set_state(st.self, &w.ticket_hash,
                                  TK_WINNER_SUBMITTED, &tx2), TK_OK);
    assert_int_equal(st.set_state(st.self, &w.ticket_hash,
                                  TK_WINNER_CONFIRMED, NULL), TK_OK);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_CONFIRMED);
    assert_memory_equal(got.tx_hash.bytes, tx2.bytes, 32);
    assert_int_equal(got.attempts, 2);

    assert_int_equal(st.set_state(st.self, &missing, TK_WINNER_USED, NULL),
                     TK_ERR_NOT_FOUND);
    assert_int_equal(st.set_state(st.self, &w.ticket_hash,
                                  (tk_winner_state)6, NULL),
                     TK_ERR_ILLEGAL_ARG);
    tk_store_sqlite_destroy(s);
}

/* ---- list ----------------------------------------------------------------*/

typedef struct collect {
    tk_winner v[64];
    size_t n, stop_after;
    tk_store *st; /* when set, the visitor re-enters the store */
} collect;

static int collect_fn(const tk_winner *w, void *data)
{
    collect *c = data;
    c->v[c->n++] = *w;
    if (c->st != NULL)
        assert_int_equal(c->st->set_state(c->st->self, &w->ticket_hash,
                                          TK_WINNER_USED, NULL), TK_OK);
    return c->stop_after != 0 && c->n >= c->stop_after;
}

static void test_list(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("list.db", &st);
    tk_address a, b;
    tk_winner w[20];
    collect c;

    (void)state;
    tk_test_rand_bytes(a.bytes, 20);
    tk_test_rand_bytes(b.bytes, 20);
    for (int i = 0; i < 20; i++) {
        /* Rounds out of order, several per round (ties break by hash). */
        tk_test_make_winner(&w[i], i % 2 ? &a : &b, (int64_t)((i * 7) % 5));
        assert_int_equal(st.put_winner(st.self, &w[i]), TK_OK);
    }
    assert_int_equal(st.set_state(st.self, &w[1].ticket_hash,
                                  TK_WINNER_FAILED, NULL), TK_OK);
    assert_int_equal(st.set_state(st.self, &w[3].ticket_hash,
                                  TK_WINNER_CONFIRMED, NULL), TK_OK);

    memset(&c, 0, sizeof c);
    assert_int_equal(st.list(st.self, &a, TK_WINNER_ALL_STATES, collect_fn,
                             &c), TK_OK);
    assert_int_equal(c.n, 10);
    for (size_t i = 0; i < c.n; i++) {
        assert_memory_equal(c.v[i].ticket.sender.bytes, a.bytes, 20);
        if (i > 0) {
            const tk_winner *p = &c.v[i - 1], *q = &c.v[i];
            assert_true(p->ticket.creation_round < q->ticket.creation_round ||
                        (p->ticket.creation_round == q->ticket.creation_round &&
                         memcmp(p->ticket_hash.bytes, q->ticket_hash.bytes,
                                32) < 0));
        }
    }

    /* State mask: NEW | FAILED of sender a = 9 (w[3] is CONFIRMED). */
    memset(&c, 0, sizeof c);
    assert_int_equal(st.list(st.self, &a,
                             TK_WINNER_STATE_BIT(TK_WINNER_NEW) |
                                 TK_WINNER_STATE_BIT(TK_WINNER_FAILED),
                             collect_fn, &c), TK_OK);
    assert_int_equal(c.n, 9);

    /* All senders; early stop. */
    memset(&c, 0, sizeof c);
    assert_int_equal(st.list(st.self, NULL, TK_WINNER_ALL_STATES, collect_fn,
                             &c), TK_OK);
    assert_int_equal(c.n, 20);
    memset(&c, 0, sizeof c);
    c.stop_after = 4;
    assert_int_equal(st.list(st.self, NULL, TK_WINNER_ALL_STATES, collect_fn,
                             &c), TK_OK);
    assert_int_equal(c.n, 4);

    /* The visitor may write to the store. */
    memset(&c, 0, sizeof c);
    c.st = &st;
    assert_int_equal(st.list(st.self, &b, TK_WINNER_ALL_STATES, collect_fn,
                             &c), TK_OK);
    assert_int_equal(c.n, 10);
    memset(&c, 0, sizeof c);
    assert_int_equal(st.list(st.self, &b,
                             TK_WINNER_STATE_BIT(TK_WINNER_USED),
                             collect_fn, &c), TK_OK);
    assert_int_equal(c.n, 10);
    tk_store_sqlite_destroy(s);
}

/* ---- seen nonces -------------------------------------------------------- */

typedef struct nonce_seen {
    size_t n;
    uint64_t sum;
} nonce_seen;

static int nonce_fn(const tk_hash *rh, uint32_t nonce, const tk_u256 *exp,
                    void *data)
{
    nonce_seen *ns = data;
    uint64_t e = 0;
    (void)rh;
    assert_int_equal(tk_u256_to_u64(&e, exp), TK_OK);
    ns->n++;
    ns->sum += nonce + e;
    return 0;
}

static void test_nonces(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("nonces.db", &st);
    tk_hash r1, r2;
    tk_u256 e100, e300;
    nonce_seen ns;

    (void)state;
    tk_test_rand_bytes(r1.bytes, 32);
    tk_test_rand_bytes(r2.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&e100, 100), TK_OK);
    assert_int_equal(tk_u256_from_u64(&e300, 300), TK_OK);
    for (uint32_t i = 1; i <= 5; i++) {
        assert_int_equal(st.nonce_add(st.self, &r1, i, &e100), TK_OK);
        assert_int_equal(st.nonce_add(st.self, &r2, i, &e300), TK_OK);
    }
    assert_int_equal(st.nonce_add(st.self, &r1, 3, &e100), TK_OK); /* again */
    assert_int_equal(st.nonce_add(st.self, &r1, UINT32_MAX, &e100), TK_OK);
    memset(&ns, 0, sizeof ns);
    assert_int_equal(st.nonce_load(st.self, nonce_fn, &ns), TK_OK);
    assert_int_equal(ns.n, 11);
    assert_int_equal(ns.sum, 15 * 2 + 5 * 400 + (uint64_t)UINT32_MAX + 100);

    /* Kept while the block has not passed the expiration block. */
    assert_int_equal(st.nonce_prune(st.self, 100), TK_OK);
    memset(&ns, 0, sizeof ns);
    assert_int_equal(st.nonce_load(st.self, nonce_fn, &ns), TK_OK);
    assert_int_equal(ns.n, 11);
    assert_int_equal(st.nonce_prune(st.self, 101), TK_OK);
    tk_store_sqlite_destroy(s);
    s = sqlt_open("nonces.db", &st);
    memset(&ns, 0, sizeof ns);
    assert_int_equal(st.nonce_load(st.self, nonce_fn, &ns), TK_OK);
    assert_int_equal(ns.n, 5);
    assert_int_equal(ns.sum, 15 + 5 * 300);
    tk_store_sqlite_destroy(s);
}

/* Seen nonces of rand hash rh only. */
typedef struct rand_nonces {
    tk_hash rh;
    size_t n;
    uint64_t sum;
} rand_nonces;

static int rand_nonce_fn(const tk_hash *rh, uint32_t nonce,
                         const tk_u256 *exp, void *data)
{
    rand_nonces *rn = data;
    (void)exp;
    if (memcmp(rh->bytes, rn->rh.bytes, 32) == 0) {
        rn->n++;
        rn->sum += nonce;
    }
    return 0;
}

static void load_rand(const tk_store *st, rand_nonces *rn, const tk_hash *rh)
{
    memset(rn, 0, sizeof *rn);
    rn->rh = *rh;
    assert_int_equal(st->nonce_load(st->self, rand_nonce_fn, rn), TK_OK);
}

static int count_commit(void *data)
{
    (*(int *)data)++;
    return 0;
}

static int veto_commit(void *data)
{
    (*(int *)data)++;
    return 1; /* SQLite turns the COMMIT into a ROLLBACK */
}

/* nonce_add_many: one transaction per call, idempotent, persistent. */
static void test_nonce_add_many(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("many.db", &st);
    uint32_t nonces[100];
    tk_hash rh, other;
    tk_u256 e100, e200;
    rand_nonces rn;
    nonce_seen ns;
    int commits = 0;

    (void)state;
    tk_test_seed();
    assert_non_null(st.nonce_add_many);
    tk_test_rand_bytes(rh.bytes, 32);
    tk_test_rand_bytes(other.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&e100, 100), TK_OK);
    assert_int_equal(tk_u256_from_u64(&e200, 200), TK_OK);
    for (uint32_t i = 0; i < 100; i++)
        nonces[i] = i + 1;

    /* 100 nonces, one COMMIT. */
    sqlite3_commit_hook(s->db, count_commit, &commits);
    assert_int_equal(st.nonce_add_many(st.self, &rh, nonces, 100, &e100),
                     TK_OK);
    sqlite3_commit_hook(s->db, NULL, NULL);
    assert_int_equal(commits, 1);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 100);
    assert_int_equal(rn.sum, 100 * 101 / 2);

    /* Overlapping batch: only the new ones are added; n == 0 is a no-op. */
    for (uint32_t i = 0; i < 10; i++)
        nonces[i] = 95 + i; /* 95..104 */
    assert_int_equal(st.nonce_add_many(st.self, &rh, nonces, 10, &e100),
                     TK_OK);
    assert_int_equal(st.nonce_add_many(st.self, &rh, NULL, 0, &e100), TK_OK);
    nonces[0] = 7;
    assert_int_equal(st.nonce_add_many(st.self, &other, nonces, 1, &e200),
                     TK_OK);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 104);
    assert_int_equal(rn.sum, 104 * 105 / 2);

    /* Persisted with their expiration blocks, pruned like nonce_add's. */
    tk_store_sqlite_destroy(s);
    s = sqlt_open("many.db", &st);
    memset(&ns, 0, sizeof ns);
    assert_int_equal(st.nonce_load(st.self, nonce_fn, &ns), TK_OK);
    assert_int_equal(ns.n, 105);
    assert_int_equal(ns.sum, 104 * 105 / 2 + 104 * 100 + 7 + 200);
    assert_int_equal(st.nonce_prune(st.self, 101), TK_OK);
    memset(&ns, 0, sizeof ns);
    assert_int_equal(st.nonce_load(st.self, nonce_fn, &ns), TK_OK);
    assert_int_equal(ns.n, 1);
    assert_int_equal(ns.sum, 7 + 200);
    tk_store_sqlite_destroy(s);
}

/* All or nothing: a row that fails in the middle of a batch, a COMMIT
 * that fails, or a write lock held elsewhere leave none of the batch's
 * nonces stored and no transaction open. */
static void test_nonce_add_many_atomic(void **state)
{
    tk_store_sqlite_options opts = {0, 0}; /* no busy wait */
    tk_store st;
    tk_store_sqlite *s = NULL;
    sqlite3 *raw = NULL;
    uint32_t nonces[4] = {1000, 1001, 7, 1002};
    tk_hash rh;
    tk_u256 e;
    rand_nonces rn;
    int vetoes = 0;

    (void)state;
    tk_test_seed();
    tk_test_rand_bytes(rh.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&e, 500), TK_OK);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("atomic.db"), &opts),
                     TK_OK);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    assert_int_equal(st.nonce_add(st.self, &rh, 1, &e), TK_OK);

    /* The last write fails (a trigger another connection installed): the
     * new word of 1000..1002 (word 15), after 7 went into nonce 1's word
     * 0 and the rand hash's row was written. */
    assert_int_equal(sqlite3_open(sqlt_path("atomic.db"), &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "CREATE TRIGGER fail7 BEFORE INSERT ON"
                                  " seen_nonce_words WHEN NEW.word = 15 BEGIN"
                                  " SELECT RAISE(ABORT, 'injected'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(st.nonce_add_many(st.self, &rh, nonces, 4, &e),
                         TK_OK);
    assert_int_equal(sqlite3_get_autocommit(s->db), 1);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 1); /* 7 (in a word that existed) rolled back */
    assert_int_equal(rn.sum, 1);
    assert_int_equal(sqlite3_exec(raw, "DROP TRIGGER fail7", NULL, NULL,
                                  NULL),
                     SQLITE_OK);

    /* The COMMIT fails. */
    sqlite3_commit_hook(s->db, veto_commit, &vetoes);
    assert_int_not_equal(st.nonce_add_many(st.self, &rh, nonces, 4, &e),
                         TK_OK);
    sqlite3_commit_hook(s->db, NULL, NULL);
    assert_int_equal(vetoes, 1);
    assert_int_equal(sqlite3_get_autocommit(s->db), 1);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 1);

    /* Another connection holds the write lock: BEGIN IMMEDIATE fails. */
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(st.nonce_add_many(st.self, &rh, nonces, 4, &e),
                         TK_OK);
    assert_int_equal(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL),
                     SQLITE_OK);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 1);

    /* Nothing was left half done: the same batch now goes in whole. */
    assert_int_equal(st.nonce_add_many(st.self, &rh, nonces, 4, &e), TK_OK);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 5);
    assert_int_equal(rn.sum, 1 + 1000 + 1001 + 7 + 1002);
    sqlite3_close(raw);
    tk_store_sqlite_destroy(s);
}

/* Another connection holds the write lock longer than the busy timeout
 * (review of e9d369b, item 5): every write fails with the retryable
 * TK_ERR_STORE_UNAVAILABLE - also for writers queued in one group
 * commit - and nothing of it is applied, so the same calls succeed once
 * the lock is gone. Before, SQLITE_BUSY was the final TK_ERR_STORE. */
#define BUSY_WRITERS 4

typedef struct busy_writer {
    const tk_store *st;
    tk_winner w;
    tk_status put;
} busy_writer;

static void *busy_put(void *arg)
{
    busy_writer *b = arg;
    b->put = b->st->put_winner(b->st->self, &b->w);
    return NULL;
}

static void test_busy_is_retryable(void **state)
{
    tk_store_sqlite_options opts = {20, 0}; /* a short busy timeout */
    static const uint8_t manifest[] = "busy-manifest";
    uint32_t nonces[3] = {5, 6, 7};
    uint8_t fresh[3];
    tk_store st;
    tk_store_sqlite *s = NULL;
    sqlite3 *raw = NULL;
    tk_winner old, w, got;
    tk_hash rh, tx;
    tk_u256 e, face, limit, total;
    tk_address sender;
    busy_writer bw[BUSY_WRITERS];
    pthread_t th[BUSY_WRITERS];
    rand_nonces rn;
    uint64_t mark = 0, token = 0;
    int added = 0;

    (void)state;
    tk_test_seed();
    tk_test_rand_bytes(rh.bytes, 32);
    tk_test_rand_bytes(tx.bytes, 32);
    tk_test_rand_bytes(sender.bytes, 20);
    assert_int_equal(tk_u256_from_u64(&e, 500), TK_OK);
    assert_int_equal(tk_u256_from_u64(&face, 10), TK_OK);
    assert_int_equal(tk_u256_from_u64(&limit, 100), TK_OK);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("busy.db"), &opts), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    tk_test_make_winner(&old, NULL, 3);
    tk_test_make_winner(&w, NULL, 4);
    assert_int_equal(st.put_winner(st.self, &old), TK_OK);
    assert_int_equal(st.seq_advance(st.self, &sender, manifest, sizeof manifest, 1), TK_OK);

    assert_int_equal(sqlite3_open(sqlt_path("busy.db"), &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(st.put_winner(st.self, &w), TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.set_state(st.self, &old.ticket_hash, TK_WINNER_SUBMITTED, &tx),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.nonce_add(st.self, &rh, 1, &e), TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.nonce_add_many(st.self, &rh, nonces, 3, &e),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.nonce_claim(st.self, &rh, nonces, 3, &e, 50, fresh, &mark),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.seq_advance(st.self, &sender, manifest, sizeof manifest, 2),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.pending_add(st.self, &w.ticket_hash, &sender, &face, &limit, &added),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_int_equal(st.lease_acquire(st.self, "busy-node", 1000, &token),
                     TK_ERR_STORE_UNAVAILABLE);
    /* Writers sharing one group commit all fail alike. */
    for (int i = 0; i < BUSY_WRITERS; i++) {
        bw[i].st = &st;
        tk_test_make_winner(&bw[i].w, NULL, 10 + i);
        assert_int_equal(pthread_create(&th[i], NULL, busy_put, &bw[i]), 0);
    }
    for (int i = 0; i < BUSY_WRITERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(bw[i].put, TK_ERR_STORE_UNAVAILABLE);
    }
    assert_int_equal(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

    /* Nothing was applied. */
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_ERR_NOT_FOUND);
    for (int i = 0; i < BUSY_WRITERS; i++)
        assert_int_equal(st.get_winner(st.self, &bw[i].w.ticket_hash, &got), TK_ERR_NOT_FOUND);
    assert_int_equal(st.get_winner(st.self, &old.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &old);
    load_rand(&st, &rn, &rh);
    assert_int_equal(rn.n, 0);
    assert_int_equal(st.pending_total(st.self, &sender, &total), TK_OK);
    assert_true(tk_u256_is_zero(&total));

    /* The same calls, retried, now succeed: every nonce still fresh, the
     * seq not yet taken. */
    assert_int_equal(st.put_winner(st.self, &w), TK_OK);
    assert_int_equal(st.set_state(st.self, &old.ticket_hash, TK_WINNER_SUBMITTED, &tx), TK_OK);
    assert_int_equal(st.nonce_claim(st.self, &rh, nonces, 3, &e, 50, fresh, &mark), TK_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fresh[i], 1);
    assert_int_equal(st.seq_advance(st.self, &sender, manifest, sizeof manifest, 2), TK_OK);
    assert_int_equal(st.pending_add(st.self, &w.ticket_hash, &sender, &face, &limit, &added),
                     TK_OK);
    assert_int_equal(added, 1);
    assert_int_equal(st.lease_acquire(st.self, "busy-node", 1000, &token), TK_OK);
    assert_int_not_equal(token, 0);
    sqlite3_close(raw);
    tk_store_sqlite_destroy(s);
}

/* ---- totals and requeue -------------------------------------------------- */

static void test_totals(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("totals.db", &st);
    tk_store_totals tot;
    tk_address a;
    tk_winner w;
    mpz_t want[6], want_a[6], v;
    char buf[TK_STORE_TOTAL_DEC_MAX + 10];

    (void)state;
    tk_test_rand_bytes(a.bytes, 20);
    for (int i = 0; i < 6; i++)
        mpz_inits(want[i], want_a[i], NULL);
    mpz_init(v);
    for (int i = 0; i < 30; i++) {
        tk_winner_state ws = (tk_winner_state)(i % 6);
        tk_test_make_winner(&w, i % 3 == 0 ? &a : NULL, i);
        if (i < 8) /* near 2^256: the sums overflow 256 bits */
            memset(w.ticket.face_value.bytes, 0xff, 32);
        assert_int_equal(tk_ticket_hash(&w.ticket_hash, &w.ticket), TK_OK);
        assert_int_equal(st.put_winner(st.self, &w), TK_OK);
        assert_int_equal(st.set_state(st.self, &w.ticket_hash, ws, NULL),
                         TK_OK);
        mpz_import(v, 32, 1, 1, 1, 0, w.ticket.face_value.bytes);
        mpz_add(want[ws], want[ws], v);
        if (i % 3 == 0)
            mpz_add(want_a[ws], want_a[ws], v);
    }
    assert_int_equal(tk_store_sqlite_totals(s, &tot, NULL), TK_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(tot.state[i].count, 5);
        gmp_snprintf(buf, sizeof buf, "%Zd", want[i]);
        assert_string_equal(tot.state[i].face_value, buf);
    }
    assert_int_equal(tk_store_sqlite_totals(s, &tot, &a), TK_OK);
    for (int i = 0; i < 6; i++) {
        gmp_snprintf(buf, sizeof buf, "%Zd", want_a[i]);
        assert_string_equal(tot.state[i].face_value, buf);
    }
    for (int i = 0; i < 6; i++)
        mpz_clears(want[i], want_a[i], NULL);
    mpz_clear(v);
    tk_store_sqlite_destroy(s);
}

static void test_requeue(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("requeue.db", &st);
    tk_winner w[6], got;
    tk_winner_state after;
    tk_hash missing;

    (void)state;
    for (int i = 0; i < 6; i++) {
        tk_test_make_winner(&w[i], NULL, i);
        assert_int_equal(st.put_winner(st.self, &w[i]), TK_OK);
        assert_int_equal(st.set_state(st.self, &w[i].ticket_hash,
                                      (tk_winner_state)i, NULL), TK_OK);
    }
    for (int i = 0; i < 6; i++) {
        tk_status want = (i == TK_WINNER_NEW || i == TK_WINNER_SUBMITTED ||
                          i == TK_WINNER_FAILED) ? TK_OK : TK_ERR_STATE;
        assert_int_equal(tk_store_sqlite_requeue(s, &after, &w[i].ticket_hash),
                         want);
        assert_int_equal(after, want == TK_OK ? TK_WINNER_NEW
                                              : (tk_winner_state)i);
        assert_int_equal(st.get_winner(st.self, &w[i].ticket_hash, &got),
                         TK_OK);
        assert_int_equal(got.state, after);
    }
    tk_test_rand_bytes(missing.bytes, 32);
    assert_int_equal(tk_store_sqlite_requeue(s, NULL, &missing),
                     TK_ERR_NOT_FOUND);
    tk_store_sqlite_destroy(s);
}

/* ---- version, corruption, migration ------------------------------------ */

static void raw_exec(const char *name, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(sqlt_path(name), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void write_file(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(sqlt_path(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_newer_version(void **state)
{
    tk_store_sqlite *s = sqlt_open("newer.db", NULL), *t = (tk_store_sqlite *)1;

    (void)state;
    tk_store_sqlite_destroy(s);
    raw_exec("newer.db", "PRAGMA user_version = 99");
    assert_int_equal(tk_store_sqlite_create(&t, sqlt_path("newer.db"), NULL),
                     TK_ERR_STORE_VERSION);
    assert_null(t);
    /* Left untouched. */
    assert_int_equal(sqlt_raw_int("newer.db", "PRAGMA user_version"), 99);
}

static void test_corrupt(void **state)
{
    tk_store_sqlite_options quick = {5000, 1};
    tk_store_sqlite *s = NULL;
    uint8_t junk[4096];
    FILE *f;

    (void)state;
    /* Not SQLite at all. */
    tk_test_rand_bytes(junk, sizeof junk);
    write_file("junk.db", junk, sizeof junk);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("junk.db"), NULL),
                     TK_ERR_STORE_CORRUPT);
    assert_null(s);
    /* Another application's database: refused and left as it is. */
    raw_exec("foreign.db", "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("foreign.db"), NULL),
                     TK_ERR_STORE_CORRUPT);
    assert_int_equal(sqlt_raw_int("foreign.db", "SELECT count(*) FROM t"), 1);
    /* Our application id without a version. */
    raw_exec("noversion.db", "PRAGMA application_id = 1414222676;"
                             "CREATE TABLE t (x)");
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("noversion.db"), NULL),
                     TK_ERR_STORE_CORRUPT);
    /* A libticket store whose second page is overwritten. */
    s = sqlt_open("damaged.db", NULL);
    tk_store_sqlite_destroy(s);
    f = fopen(sqlt_path("damaged.db"), "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 4096, SEEK_SET), 0);
    memset(junk, 0x5a, sizeof junk);
    assert_int_equal(fwrite(junk, 1, 512, f), 512);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("damaged.db"), &quick),
                     TK_ERR_STORE_CORRUPT);
    assert_null(s);
}

/* A file as schema version 1 wrote it, with one winner, opens migrated. */
static void test_migrate_from_v1(void **state)
{
    static const char insert[] =
        "INSERT INTO winners (" TK_SQL_WINNER_COLUMNS ") VALUES (?1, ?2, ?3,"
        " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL, 0)";
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    tk_store st;
    tk_store_sqlite *s;
    tk_winner w, got;
    tk_hash rh;
    nonce_seen ns;
    int v = 0;

    (void)state;
    tk_test_make_winner(&w, NULL, 42);
    assert_int_equal(sqlite3_open(sqlt_path("v1.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(tk__sqlite_migrate(db, 0, 1), TK_OK);
    assert_int_equal(sqlite3_prepare_v2(db, insert, -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_blob(q, 1, w.ticket_hash.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, w.ticket.recipient.bytes, 20, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, w.ticket.sender.bytes, 20, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, w.ticket.face_value.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 5, w.ticket.win_prob.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, w.ticket.sender_nonce);
    sqlite3_bind_blob(q, 7, w.ticket.recipient_rand_hash.bytes, 32,
                      SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, w.ticket.creation_round);
    sqlite3_bind_blob(q, 9, w.ticket.creation_round_block_hash.bytes, 32,
                      SQLITE_STATIC);
    sqlite3_bind_blob(q, 10, w.sig.bytes, 65, SQLITE_STATIC);
    sqlite3_bind_blob(q, 11, w.recipient_rand.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_blob(q, 12, w.expiration_block.bytes, 32, SQLITE_STATIC);
    sqlite3_bind_int(q, 13, TK_WINNER_NEW);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(sqlt_raw_int("v1.db", "PRAGMA user_version"), 1);
    assert_int_equal(sqlt_raw_int("v1.db", "SELECT count(*) FROM sqlite_master"
                                      " WHERE name = 'seen_nonces'"), 0);

    s = sqlt_open("v1.db", &st);
    assert_int_equal(tk_store_sqlite_schema_version(s, &v), TK_OK);
    assert_int_equal(v, TK_STORE_SQLITE_SCHEMA_VERSION);
    assert_int_equal(st.get_winner(st.self, &w.ticket_hash, &got), TK_OK);
    tk_test_assert_winner_equal(&got, &w);
    tk_test_rand_bytes(rh.bytes, 32);
    assert_int_equal(st.nonce_add(st.self, &rh, 1, &w.expiration_block),
                     TK_OK);
    memset(&ns, 0, sizeof ns);
    assert_int_equal(st.nonce_load(st.self, nonce_fn, &ns), TK_OK);
    assert_int_equal(ns.n, 1);
    tk_store_sqlite_destroy(s);
}

/* ---- threads ---------------------------------------------------------------*/

#define THREADS 4
#define PER_THREAD 40

static tk_winner shared_w[THREADS * PER_THREAD / 2];

static void *writer(void *arg)
{
    tk_store *st = arg;
    /* Each thread writes half the set; the halves overlap. */
    static _Atomic int next;
    int id = next++;
    for (int i = 0; i < PER_THREAD; i++) {
        size_t k = (size_t)(id * PER_THREAD / 2 + i) %
                   (THREADS * PER_THREAD / 2);
        if (st->put_winner(st->self, &shared_w[k]) != TK_OK)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("threads.db", &st);
    pthread_t th[THREADS];
    tk_store_totals tot;
    int ok = 0;

    (void)state;
    for (size_t i = 0; i < THREADS * PER_THREAD / 2; i++)
        tk_test_make_winner(&shared_w[i], NULL, (int64_t)i);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer, &st), 0);
    for (int i = 0; i < THREADS; i++) {
        void *r = NULL;
        assert_int_equal(pthread_join(th[i], &r), 0);
        assert_null(r);
    }
    assert_int_equal(tk_store_sqlite_totals(s, &tot, NULL), TK_OK);
    assert_int_equal(tot.state[TK_WINNER_NEW].count, THREADS * PER_THREAD / 2);
    assert_int_equal(tk_store_sqlite_integrity_check(s, &ok), TK_OK);
    assert_int_equal(ok, 1);
    tk_store_sqlite_destroy(s);
}

/* ---- misuse ---------------------------------------------------------------*/

static void *volatile vnull = NULL;

static int count_fn(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

/* The file holds recipientRands: a writer brings an existing file made
 * with 0644 (touch) to 0600, and its -wal/-shm files too (issue 11). */
static void test_file_modes(void **state)
{
    static const char *const names[] = {"modes.db", "modes.db-wal", "modes.db-shm"};
    tk_store_sqlite *s;
    tk_store st;
    tk_winner w;
    struct stat sb;
    (void)state;

    for (int i = 0; i < 3; i++) {
        int fd = open(sqlt_path(names[i]), O_RDWR | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(fchmod(fd, 0644), 0);
        close(fd);
    }
    s = sqlt_open("modes.db", &st);
    tk_test_make_winner(&w, NULL, 1);
    assert_int_equal(st.put_winner(st.self, &w), TK_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(stat(sqlt_path(names[i]), &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    tk_store_sqlite_destroy(s);
}

/* Read-only opens never write: an empty file is refused and left empty,
 * an old (version 1) file is read without being migrated, and the write
 * calls fail (issue 11: ticketctl store-list). */
static void test_read_only(void **state)
{
    tk_store_sqlite *s = NULL;
    tk_store st;
    tk_winner w;
    struct stat sb;
    sqlite3 *db;
    size_t n = 0;
    int fd, v = 0;
    (void)state;

    fd = open(sqlt_path("ro-empty.db"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(tk_store_sqlite_create_read_only(&s, sqlt_path("ro-empty.db"), NULL),
                     TK_ERR_STORE_CORRUPT);
    assert_null(s);
    assert_int_equal(stat(sqlt_path("ro-empty.db"), &sb), 0);
    assert_int_equal(sb.st_size, 0);
    assert_int_equal(tk_store_sqlite_create_read_only(&s, sqlt_path("ro-absent.db"), NULL),
                     TK_ERR_STORE);
    assert_int_equal(stat(sqlt_path("ro-absent.db"), &sb), -1);

    /* Version 1: read as it is. */
    assert_int_equal(sqlite3_open(sqlt_path("ro-v1.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(tk__sqlite_migrate(db, 0, 1), TK_OK);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(tk_store_sqlite_create_read_only(&s, sqlt_path("ro-v1.db"), NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_schema_version(s, &v), TK_OK);
    assert_int_equal(v, 1);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    assert_int_equal(st.list(st.self, NULL, TK_WINNER_ALL_STATES, count_fn, &n), TK_OK);
    assert_int_equal(n, 0);
    tk_store_sqlite_destroy(s);
    assert_int_equal(sqlt_raw_int("ro-v1.db", "PRAGMA user_version"), 1);

    /* A current store: reads work, writes fail. */
    s = sqlt_open("ro-cur.db", &st);
    tk_test_make_winner(&w, NULL, 1);
    assert_int_equal(st.put_winner(st.self, &w), TK_OK);
    tk_store_sqlite_destroy(s);
    assert_int_equal(tk_store_sqlite_create_read_only(&s, sqlt_path("ro-cur.db"), NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    n = 0;
    assert_int_equal(st.list(st.self, NULL, TK_WINNER_ALL_STATES, count_fn, &n), TK_OK);
    assert_int_equal(n, 1);
    tk_test_make_winner(&w, NULL, 2);
    assert_int_equal(st.put_winner(st.self, &w), TK_ERR_STORE);
    tk_store_sqlite_destroy(s);
}

/* The replay-judge contract (store_contract.c); the race runs three
 * connections to one file, one per thread. */
static void test_claim_contract(void **state)
{
    tk_store_sqlite *c[3];
    tk_store st[3];
    (void)state;

    for (int i = 0; i < 3; i++)
        c[i] = sqlt_open("claim.db", &st[i]);
    tk_test_store_claim_contract(&st[0]);
    tk_test_store_claim_race(st, 3);
    for (int i = 0; i < 3; i++)
        tk_store_sqlite_destroy(c[i]);
}

static void test_misuse(void **state)
{
    tk_store st;
    tk_store_sqlite *s = sqlt_open("misuse.db", &st), *t = NULL;
    tk_store_totals tot;
    tk_hash h;
    tk_u256 exp;
    uint32_t one = 1;
    int v;

    (void)state;
    memset(&h, 0, sizeof h);
    memset(&exp, 0, sizeof exp);
    assert_int_equal(tk_store_sqlite_create(vnull, "x", NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_create(&t, vnull, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_create(&t, "", NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_create(&t, sqlt_path("no/such/dir.db"),
                                          NULL), TK_ERR_STORE);
    assert_null(t);
    assert_int_equal(tk_store_sqlite_iface(vnull, &st), TK_ERR_ILLEGAL_ARG);
    assert_null(st.put_winner); /* zeroed on failure */
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    assert_int_equal(tk_store_sqlite_totals(s, vnull, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_totals(vnull, &tot, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_requeue(s, NULL, vnull),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_integrity_check(s, vnull),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_store_sqlite_schema_version(vnull, &v),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.put_winner(st.self, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.get_winner(st.self, &h, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.list(st.self, NULL, 1, vnull, NULL),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.nonce_add(st.self, &h, 1, vnull), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.nonce_load(st.self, vnull, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.nonce_add_many(st.self, vnull, &one, 1, &exp),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.nonce_add_many(st.self, &h, vnull, 1, &exp),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(st.nonce_add_many(st.self, &h, &one, 1, vnull),
                     TK_ERR_ILLEGAL_ARG);
    tk_store_sqlite_destroy(s);
    tk_store_sqlite_destroy(NULL);
}

/* Creating the schema of a new file that another connection holds locked
 * past the busy timeout is retryable too: no store, and the retry opens it. */
static void test_busy_create(void **state)
{
    tk_store_sqlite_options opts = {20, 0};
    tk_store_sqlite *s = NULL;
    sqlite3 *raw = NULL;

    (void)state;
    assert_int_equal(sqlite3_open(sqlt_path("busy_create.db"), &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("busy_create.db"), &opts),
                     TK_ERR_STORE_UNAVAILABLE);
    assert_null(s);
    assert_int_equal(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("busy_create.db"), &opts), TK_OK);
    tk_store_sqlite_destroy(s);
    sqlite3_close(raw);
}

/* Several connections opening one new file at once (nodes started
 * together): every one gets the store. The switch to WAL is refused with
 * SQLITE_BUSY without the busy handler while another connection holds the
 * file; the store must wait for it within its busy timeout, not fail. */
#define CC_THREADS 4
#define CC_ROUNDS 100

typedef struct cc_arg {
    pthread_barrier_t *go;
    const char *path;
    tk_status st;
} cc_arg;

static void *cc_open(void *p)
{
    cc_arg *a = p;
    tk_store_sqlite *s = NULL;

    pthread_barrier_wait(a->go);
    a->st = tk_store_sqlite_create(&s, a->path, NULL);
    tk_store_sqlite_destroy(s);
    return NULL;
}

static void test_concurrent_create(void **state)
{
    pthread_barrier_t go;
    pthread_t t[CC_THREADS];
    cc_arg a[CC_THREADS];
    char name[32];
    (void)state;

    for (int round = 0; round < CC_ROUNDS; round++) {
        snprintf(name, sizeof name, "concurrent_%d.db", round);
        assert_int_equal(pthread_barrier_init(&go, NULL, CC_THREADS), 0);
        for (int i = 0; i < CC_THREADS; i++) {
            a[i] = (cc_arg){&go, sqlt_path(name), TK_ERR_INTERNAL};
            assert_int_equal(pthread_create(&t[i], NULL, cc_open, &a[i]), 0);
        }
        for (int i = 0; i < CC_THREADS; i++)
            assert_int_equal(pthread_join(t[i], NULL), 0);
        pthread_barrier_destroy(&go);
        for (int i = 0; i < CC_THREADS; i++)
            assert_int_equal(a[i].st, TK_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_put_get),
        cmocka_unit_test(test_state_transitions),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_nonces),
        cmocka_unit_test(test_nonce_add_many),
        cmocka_unit_test(test_nonce_add_many_atomic),
        cmocka_unit_test(test_busy_is_retryable),
        cmocka_unit_test(test_busy_create),
        cmocka_unit_test(test_concurrent_create),
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_requeue),
        cmocka_unit_test(test_newer_version),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_migrate_from_v1),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_file_modes),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_claim_contract),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, sqlt_setup, sqlt_teardown);
}

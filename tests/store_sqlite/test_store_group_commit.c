/* SPDX-License-Identifier: MIT */
/* Group commit of the SQLite store (sqlite_commit.c): writers of many
 * threads share transactions, and each still returns only after ITS write
 * is durable; a failed commit fails every writer waiting on it.
 *
 * Faults come from a VFS shim registered here ("tkfault", wrapping the
 * default VFS; the store is opened with a file: URI naming it): it can
 * hold the WAL's fsync until the test lets it go (so that writers queue
 * behind a commit in progress), fail it (an fsync error), or fail the
 * WAL's writes with SQLITE_FULL (a full disk).
 * Rounds: TK_TEST_ITERS (default 20); the seed is printed. */
#include "test_support.h"

#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define THREADS 8
#define NONCES 5

/* ---- the fault VFS ---------------------------------------------------------*/

typedef enum fault_mode {
    FAULT_NONE,
    FAULT_HOLD_SYNC, /* the next WAL sync waits for fault_release() */
    FAULT_FAIL_SYNC, /* every WAL sync fails */
    FAULT_FULL       /* every WAL write fails: disk full */
} fault_mode;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    fault_mode mode;
    fault_mode after_hold; /* the mode once a held sync is released */
    int holding;           /* a sync is waiting in FAULT_HOLD_SYNC */
    int released;
} fault = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, FAULT_NONE,
           FAULT_NONE, 0, 0};

static sqlite3_vfs fault_vfs;
static sqlite3_vfs *base_vfs;

typedef struct fault_file {
    sqlite3_file base;  /* our methods */
    int is_wal;
    sqlite3_file *real; /* the default VFS's file, allocated after us */
} fault_file;

static void fault_set(fault_mode mode, fault_mode after_hold)
{
    pthread_mutex_lock(&fault.mu);
    fault.mode = mode;
    fault.after_hold = after_hold;
    fault.holding = 0;
    fault.released = 0;
    pthread_mutex_unlock(&fault.mu);
}

static void fault_wait_holding(void)
{
    pthread_mutex_lock(&fault.mu);
    while (!fault.holding)
        pthread_cond_wait(&fault.cv, &fault.mu);
    pthread_mutex_unlock(&fault.mu);
}

static void fault_release(void)
{
    pthread_mutex_lock(&fault.mu);
    fault.released = 1;
    pthread_cond_broadcast(&fault.cv);
    pthread_mutex_unlock(&fault.mu);
}

#define REAL(f) (((fault_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods != NULL ? REAL(f)->pMethods->xClose(REAL(f))
                                        : SQLITE_OK;
    return rc;
}

static int f_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
    return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int f_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    fault_mode m;

    pthread_mutex_lock(&fault.mu);
    m = fault.mode;
    pthread_mutex_unlock(&fault.mu);
    if (((fault_file *)f)->is_wal && m == FAULT_FULL)
        return SQLITE_FULL;
    return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
    fault_mode m;

    if (!((fault_file *)f)->is_wal)
        return REAL(f)->pMethods->xSync(REAL(f), flags);
    pthread_mutex_lock(&fault.mu);
    if (fault.mode == FAULT_HOLD_SYNC) {
        fault.holding = 1;
        pthread_cond_broadcast(&fault.cv);
        while (!fault.released)
            pthread_cond_wait(&fault.cv, &fault.mu);
        fault.mode = fault.after_hold;
    }
    m = fault.mode;
    pthread_mutex_unlock(&fault.mu);
    if (m == FAULT_FAIL_SYNC)
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int f_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int f_check(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_caps(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int pg, int sz, int extend,
                     void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}

static int f_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: no memory-mapped I/O (xFetch), so every write goes through
 * f_write. */
static const sqlite3_io_methods fault_io = {
    2, f_close, f_read, f_write, f_truncate, f_sync, f_size, f_lock,
    f_unlock, f_check, f_fcntl, f_sector, f_caps, f_shm_map, f_shm_lock,
    f_shm_barrier, f_shm_unmap, NULL, NULL};

static int f_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file,
                  int flags, int *out_flags)
{
    fault_file *ff = (fault_file *)file;
    int rc;

    (void)vfs;
    memset(ff, 0, sizeof *ff);
    ff->real = (sqlite3_file *)(ff + 1);
    ff->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    rc = base_vfs->xOpen(base_vfs, name, ff->real, flags, out_flags);
    ff->base.pMethods = ff->real->pMethods != NULL ? &fault_io : NULL;
    return rc;
}

static int f_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    (void)v;
    return base_vfs->xDelete(base_vfs, name, sync_dir);
}

static int f_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return base_vfs->xAccess(base_vfs, name, flags, out);
}

static int f_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return base_vfs->xFullPathname(base_vfs, name, n, out);
}

static int f_random(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return base_vfs->xRandomness(base_vfs, n, out);
}

static int f_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return base_vfs->xSleep(base_vfs, us);
}

static int f_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return base_vfs->xCurrentTime(base_vfs, out);
}

static int f_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return base_vfs->xGetLastError(base_vfs, n, out);
}

static void fault_vfs_register(void)
{
    base_vfs = sqlite3_vfs_find(NULL);
    assert_non_null(base_vfs);
    memset(&fault_vfs, 0, sizeof fault_vfs);
    fault_vfs.iVersion = 1;
    fault_vfs.szOsFile = (int)sizeof(fault_file) + base_vfs->szOsFile;
    fault_vfs.mxPathname = base_vfs->mxPathname;
    fault_vfs.zName = "tkfault";
    fault_vfs.xOpen = f_open;
    fault_vfs.xDelete = f_delete;
    fault_vfs.xAccess = f_access;
    fault_vfs.xFullPathname = f_full;
    fault_vfs.xDlOpen = NULL;
    fault_vfs.xRandomness = f_random;
    fault_vfs.xSleep = f_sleep;
    fault_vfs.xCurrentTime = f_time;
    fault_vfs.xGetLastError = f_last_error;
    assert_int_equal(sqlite3_vfs_register(&fault_vfs, 0), SQLITE_OK);
}

/* ---- fixtures --------------------------------------------------------------*/

static char dir[256], path[320], uri[400];

static int setup(void **state)
{
    (void)state;
    if (tk_test_tmpdir_make(dir, sizeof dir, "tk_groupcommit") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/store.db", dir);
    snprintf(uri, sizeof uri, "file:%s?vfs=tkfault", path);
    fault_set(FAULT_NONE, FAULT_NONE);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tk_test_tmpdir_remove(dir);
}

static tk_store_sqlite *open_store(tk_store *iface)
{
    tk_store_sqlite *s = NULL;
    assert_int_equal(tk_store_sqlite_create(&s, uri, NULL), TK_OK);
    assert_int_equal(tk_store_sqlite_iface(s, iface), TK_OK);
    return s;
}

static void make_winner(tk_winner *w)
{
    memset(w, 0, sizeof *w);
    tk_test_rand_bytes(w->ticket.recipient.bytes, 20);
    tk_test_rand_bytes(w->ticket.sender.bytes, 20);
    tk_test_rand_bytes(w->ticket.face_value.bytes, 32);
    tk_test_rand_bytes(w->ticket.win_prob.bytes, 32);
    w->ticket.sender_nonce = (uint32_t)tk_test_rand64();
    tk_test_rand_bytes(w->ticket.recipient_rand_hash.bytes, 32);
    w->ticket.creation_round = 7;
    tk_test_rand_bytes(w->sig.bytes, 65);
    tk_test_rand_bytes(w->recipient_rand.bytes, 32);
    assert_int_equal(tk_u256_from_u64(&w->expiration_block, 5000), TK_OK);
    assert_int_equal(tk_ticket_hash(&w->ticket_hash, &w->ticket), TK_OK);
}

/* One thread's work: per round, a claim of NONCES nonces on its own rand
 * hash (fresh), a claim of the same nonces on the shared rand hash
 * (contested by every thread), and one winner. */
typedef struct worker {
    tk_store *st;
    unsigned id;
    unsigned rounds;
    tk_winner *winners;           /* rounds of them */
    tk_hash own, shared;
    tk_status status[3];          /* first failure of each write kind */
    uint8_t *shared_fresh;        /* rounds * NONCES verdicts */
    volatile int calling;         /* about to make its first write */
} worker;

static void nonces_of(uint32_t *n, unsigned round)
{
    for (unsigned k = 0; k < NONCES; k++)
        n[k] = round * NONCES + k;
}

static void *worker_main(void *p)
{
    worker *wk = p;
    tk_u256 exp;
    uint32_t n[NONCES];
    uint8_t fresh[NONCES];
    uint64_t mark;
    tk_status st;

    (void)tk_u256_from_u64(&exp, 5000);
    __atomic_store_n(&wk->calling, 1, __ATOMIC_SEQ_CST);
    for (unsigned r = 0; r < wk->rounds; r++) {
        nonces_of(n, r);
        st = wk->st->nonce_claim(wk->st->self, &wk->own, n, NONCES, &exp,
                                 10, fresh, &mark);
        for (unsigned k = 0; st == TK_OK && k < NONCES; k++)
            if (!fresh[k])
                st = TK_ERR_INTERNAL; /* its own nonces: always fresh */
        if (st != TK_OK && wk->status[0] == TK_OK)
            wk->status[0] = st;
        st = wk->st->nonce_claim(wk->st->self, &wk->shared, n, NONCES, &exp,
                                 10, &wk->shared_fresh[r * NONCES], &mark);
        if (st != TK_OK && wk->status[1] == TK_OK)
            wk->status[1] = st;
        st = wk->st->put_winner(wk->st->self, &wk->winners[r]);
        if (st != TK_OK && wk->status[2] == TK_OK)
            wk->status[2] = st;
    }
    return NULL;
}

typedef struct team {
    worker wk[THREADS];
    pthread_t th[THREADS];
    tk_winner *winners;
    uint8_t *fresh;
    unsigned rounds;
} team;

static void team_init(team *t, tk_store *st, unsigned rounds)
{
    tk_hash shared;

    memset(t, 0, sizeof *t);
    t->rounds = rounds;
    t->winners = calloc((size_t)THREADS * rounds, sizeof *t->winners);
    t->fresh = calloc((size_t)THREADS * rounds * NONCES, 1);
    assert_non_null(t->winners);
    assert_non_null(t->fresh);
    tk_test_rand_bytes(shared.bytes, 32);
    for (unsigned i = 0; i < THREADS; i++) {
        worker *wk = &t->wk[i];
        wk->st = st;
        wk->id = i;
        wk->rounds = rounds;
        wk->winners = &t->winners[(size_t)i * rounds];
        wk->shared_fresh = &t->fresh[(size_t)i * rounds * NONCES];
        wk->shared = shared;
        tk_test_rand_bytes(wk->own.bytes, 32);
        for (unsigned r = 0; r < rounds; r++)
            make_winner(&wk->winners[r]);
    }
}

/* Threads [from, to). */
static void team_start(team *t, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        assert_int_equal(
            pthread_create(&t->th[i], NULL, worker_main, &t->wk[i]), 0);
}

static void team_join(team *t, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to; i++)
        assert_int_equal(pthread_join(t->th[i], NULL), 0);
}

static void team_free(team *t)
{
    free(t->winners);
    free(t->fresh);
}

typedef struct nonce_set {
    const team *t;
    size_t own, shared, other;
} nonce_set;

static int count_nonce(const tk_hash *rh, uint32_t nonce,
                       const tk_u256 *exp, void *data)
{
    nonce_set *ns = data;
    size_t limit = (size_t)ns->t->rounds * NONCES;

    (void)exp;
    if (nonce >= limit) {
        ns->other++;
        return 0;
    }
    if (memcmp(rh->bytes, ns->t->wk[0].shared.bytes, 32) == 0) {
        ns->shared++;
        return 0;
    }
    for (unsigned i = 0; i < THREADS; i++)
        if (memcmp(rh->bytes, ns->t->wk[i].own.bytes, 32) == 0) {
            ns->own++;
            return 0;
        }
    ns->other++;
    return 0;
}

/* After a clean run, reopened: every winner and nonce of every thread is
 * there, and each contested nonce was fresh for exactly one thread. */
static void check_durable(const team *t)
{
    tk_store_sqlite *s;
    tk_store st;
    tk_winner got;
    nonce_set ns = {t, 0, 0, 0};
    size_t slots = (size_t)t->rounds * NONCES;
    int ok = 0;

    s = open_store(&st);
    for (unsigned i = 0; i < THREADS; i++)
        for (unsigned r = 0; r < t->rounds; r++) {
            const tk_winner *w = &t->wk[i].winners[r];
            assert_int_equal(st.get_winner(st.self, &w->ticket_hash, &got),
                             TK_OK);
            assert_memory_equal(got.recipient_rand.bytes,
                                w->recipient_rand.bytes, 32);
        }
    assert_int_equal(st.nonce_load(st.self, count_nonce, &ns), TK_OK);
    assert_int_equal(ns.own, (size_t)THREADS * slots);
    assert_int_equal(ns.shared, slots);
    assert_int_equal(ns.other, 0);
    for (size_t k = 0; k < slots; k++) {
        unsigned winners = 0;
        for (unsigned i = 0; i < THREADS; i++)
            winners += t->wk[i].shared_fresh[k];
        assert_int_equal(winners, 1);
    }
    assert_int_equal(tk_store_sqlite_integrity_check(s, &ok), TK_OK);
    assert_int_equal(ok, 1);
    tk_store_sqlite_destroy(s);
}

/* ---- tests -----------------------------------------------------------------*/

/* Many threads write at once; after close and reopen everything each of
 * them was told is stored is there, the contested nonces were credited
 * once, and the counters add up. */
static void test_threads_all_durable(void **state)
{
    tk_store_sqlite *s;
    tk_store st;
    tk_store_sqlite_stats stats;
    team t;
    unsigned rounds = (unsigned)tk_test_iters(20);

    (void)state;
    s = open_store(&st);
    team_init(&t, &st, rounds);
    team_start(&t, 0, THREADS);
    team_join(&t, 0, THREADS);
    for (unsigned i = 0; i < THREADS; i++)
        for (int k = 0; k < 3; k++)
            assert_int_equal(t.wk[i].status[k], TK_OK);
    assert_int_equal(tk_store_sqlite_write_stats(s, &stats), TK_OK);
    assert_int_equal(stats.writes, (uint64_t)THREADS * rounds * 3);
    assert_true(stats.commits >= 1 && stats.commits <= stats.writes);
    tk_store_sqlite_destroy(s);
    check_durable(&t);
    team_free(&t);
}

/* Writers that arrive while a commit's fsync is in progress share the
 * next commit: one thread's first sync is held until the seven others
 * have started their writes. */
static void test_writers_share_a_commit(void **state)
{
    tk_store_sqlite *s;
    tk_store st;
    tk_store_sqlite_stats stats;
    team t;
    struct timespec pause = {0, 100 * 1000 * 1000};

    (void)state;
    s = open_store(&st);
    team_init(&t, &st, 1);
    fault_set(FAULT_HOLD_SYNC, FAULT_NONE);
    team_start(&t, 0, THREADS);
    fault_wait_holding(); /* some writer's commit is in its fsync */
    for (unsigned i = 0; i < THREADS; i++)
        while (!__atomic_load_n(&t.wk[i].calling, __ATOMIC_SEQ_CST))
            nanosleep(&pause, NULL);
    nanosleep(&pause, NULL); /* let them reach the queue */
    fault_release();
    team_join(&t, 0, THREADS);
    for (unsigned i = 0; i < THREADS; i++)
        for (int k = 0; k < 3; k++)
            assert_int_equal(t.wk[i].status[k], TK_OK);
    assert_int_equal(tk_store_sqlite_write_stats(s, &stats), TK_OK);
    assert_int_equal(stats.writes, (uint64_t)THREADS * 3);
    /* 24 writes; at least the first claims of the waiting threads shared
     * one commit (typically 7 of them). */
    assert_true(stats.commits < stats.writes);
    tk_store_sqlite_destroy(s);
    check_durable(&t);
    team_free(&t);
}

/* A commit that fails fails every writer waiting on it, and nothing of
 * theirs is stored: the same nonces are fresh again once the disk is
 * back. One writer's first fsync is held while the seven others queue
 * behind it; then mode starts: FAULT_FAIL_SYNC fails the held fsync too
 * (the held writer's first claim fails), FAULT_FULL fails every WAL write
 * from then on (the held claim succeeds when the held fsync was its last
 * step, and fails when it was the sync of a new WAL's header, before the
 * frames: either way its status must tell whether it is stored). */
static void commit_failure_fails_all(fault_mode mode)
{
    const unsigned held = THREADS - 1;
    tk_store_sqlite *s;
    tk_store st;
    tk_store_sqlite_stats before, after;
    tk_winner got;
    team t;
    struct timespec pause = {0, 50 * 1000 * 1000};
    uint32_t n[NONCES];
    uint8_t fresh[NONCES];
    uint64_t mark;
    tk_u256 exp;
    int stored;

    s = open_store(&st);
    team_init(&t, &st, 1);
    assert_int_equal(tk_store_sqlite_write_stats(s, &before), TK_OK);
    fault_set(FAULT_HOLD_SYNC, mode);
    team_start(&t, held, THREADS);
    fault_wait_holding(); /* the held writer's first commit is in fsync */
    team_start(&t, 0, held); /* they queue behind it */
    for (unsigned i = 0; i < THREADS; i++)
        while (!__atomic_load_n(&t.wk[i].calling, __ATOMIC_SEQ_CST))
            nanosleep(&pause, NULL);
    nanosleep(&pause, NULL);
    fault_release();
    team_join(&t, 0, THREADS);
    fault_set(FAULT_NONE, FAULT_NONE);
    stored = mode == FAULT_FULL && t.wk[held].status[0] == TK_OK;
    for (unsigned i = 0; i < THREADS; i++) {
        tk_status first = i == held && stored ? TK_OK : TK_ERR_STORE;
        assert_int_equal(t.wk[i].status[0], first);
        assert_int_equal(t.wk[i].status[1], TK_ERR_STORE);
        assert_int_equal(t.wk[i].status[2], TK_ERR_STORE);
        for (unsigned k = 0; k < NONCES; k++)
            assert_int_equal(t.wk[i].shared_fresh[k], 0);
    }
    assert_int_equal(tk_store_sqlite_write_stats(s, &after), TK_OK);
    assert_int_equal(after.writes - before.writes, stored);
    assert_int_equal(after.commits - before.commits, stored);
    /* Nothing was stored: on this connection, and after a reopen. */
    (void)tk_u256_from_u64(&exp, 5000);
    nonces_of(n, 0);
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < THREADS; i++)
            assert_int_equal(st.get_winner(st.self,
                                           &t.wk[i].winners[0].ticket_hash,
                                           &got),
                             TK_ERR_NOT_FOUND);
        if (pass == 0) {
            tk_store_sqlite_destroy(s);
            s = open_store(&st);
        }
    }
    /* The store works again, and the nonces are fresh (but those of the
     * one claim that committed). */
    for (unsigned i = 0; i < THREADS; i++) {
        assert_int_equal(st.nonce_claim(st.self, &t.wk[i].own, n, NONCES,
                                        &exp, 10, fresh, &mark), TK_OK);
        for (unsigned k = 0; k < NONCES; k++)
            assert_int_equal(fresh[k], !(i == held && stored));
    }
    assert_int_equal(st.nonce_claim(st.self, &t.wk[0].shared, n, NONCES,
                                    &exp, 10, fresh, &mark), TK_OK);
    for (unsigned k = 0; k < NONCES; k++)
        assert_int_equal(fresh[k], 1);
    tk_store_sqlite_destroy(s);
    team_free(&t);
}

static void test_fsync_failure_fails_all(void **state)
{
    (void)state;
    commit_failure_fails_all(FAULT_FAIL_SYNC);
}

static void test_disk_full_fails_all(void **state)
{
    (void)state;
    commit_failure_fails_all(FAULT_FULL);
}

/* A write that fails on its own (a stale seq) inside a shared transaction
 * is undone alone: the others of its transaction commit. */
typedef struct seq_job {
    tk_store *st;
    uint64_t seq;
    tk_status result;
} seq_job;

static void *seq_main(void *p)
{
    seq_job *j = p;
    tk_address sender;
    memset(sender.bytes, 0x5a, sizeof sender.bytes);
    j->result = j->st->seq_advance(j->st->self, &sender, (const uint8_t *)"m",
                                   1, j->seq);
    return NULL;
}

static void test_failing_write_fails_alone(void **state)
{
    tk_store_sqlite *s;
    tk_store st;
    tk_address sender;
    seq_job jobs[3];
    pthread_t th[3];
    team t;
    struct timespec pause = {0, 50 * 1000 * 1000};

    (void)state;
    memset(sender.bytes, 0x5a, sizeof sender.bytes);
    s = open_store(&st);
    assert_int_equal(st.seq_advance(st.self, &sender, (const uint8_t *)"m", 1,
                                    100), TK_OK);
    team_init(&t, &st, 1);
    fault_set(FAULT_HOLD_SYNC, FAULT_NONE);
    team_start(&t, THREADS - 1, THREADS); /* one writer: its fsync is held */
    fault_wait_holding();
    for (int i = 0; i < 3; i++) {
        /* 50 and 99 are stale (in either order with 101); 101 advances. */
        static const uint64_t seqs[3] = {50, 101, 99};
        jobs[i] = (seq_job){&st, seqs[i], TK_OK};
        assert_int_equal(pthread_create(&th[i], NULL, seq_main, &jobs[i]), 0);
    }
    nanosleep(&pause, NULL);
    fault_release();
    team_join(&t, THREADS - 1, THREADS);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(jobs[0].result, TK_ERR_STALE_SEQ);
    assert_int_equal(jobs[2].result, TK_ERR_STALE_SEQ);
    assert_int_equal(jobs[1].result, TK_OK);
    for (int k = 0; k < 3; k++)
        assert_int_equal(t.wk[THREADS - 1].status[k], TK_OK);
    tk_store_sqlite_destroy(s);
    /* Reopened: the highest accepted seq holds; the held writer's winner
     * is there. */
    s = open_store(&st);
    assert_int_equal(st.seq_advance(st.self, &sender, (const uint8_t *)"m", 1,
                                    101), TK_ERR_STALE_SEQ);
    assert_int_equal(st.seq_advance(st.self, &sender, (const uint8_t *)"m", 1,
                                    102), TK_OK);
    {
        tk_winner got;
        assert_int_equal(st.get_winner(st.self,
                                       &t.wk[THREADS - 1].winners[0].ticket_hash,
                                       &got), TK_OK);
    }
    tk_store_sqlite_destroy(s);
    team_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_threads_all_durable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writers_share_a_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fsync_failure_fails_all, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_fails_all, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failing_write_fails_alone,
                                        setup, teardown),
    };
    printf("# seed %llu\n", (unsigned long long)tk_test_seed());
    fault_vfs_register();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

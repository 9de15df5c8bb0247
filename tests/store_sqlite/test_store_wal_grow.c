/* SPDX-License-Identifier: MIT */
/* The WAL's space written at open (sqlite_wal.c): after an open for
 * writing the -wal file already spans the autocheckpoint size, commits
 * then overwrite it instead of extending it (the point of the change: an
 * fdatasync that extends a file costs more), the frames written at open
 * are never read as data, and an open never waits for another
 * connection's write lock to do it. Only an empty WAL of a file in WAL
 * mode is grown, and by at most the cap (sqlite_wal.c). */
#include "test_support.h"
#include "sqlite_files.h"

#include "ticket/store_sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* SQLite's defaults, which the store keeps. */
#define PAGE 4096
#define CKPT_PAGES 1000
#define WAL_FULL (32 + CKPT_PAGES * (PAGE + 24))

static long long wal_bytes(const char *name)
{
    char p[400];
    struct stat sb;

    snprintf(p, sizeof p, "%s-wal", sqlt_path(name));
    return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void add_nonces(tk_store *st, uint8_t tag, uint32_t first, size_t n)
{
    tk_hash rh;
    tk_u256 exp;
    uint32_t nonces[64];

    assert_true(n <= 64);
    memset(&rh, tag, sizeof rh);
    memset(&exp, 0, sizeof exp);
    exp.bytes[31] = 200;
    for (size_t i = 0; i < n; i++)
        nonces[i] = first + (uint32_t)i * 97u; /* spread over words */
    assert_int_equal(st->nonce_add_many(st->self, &rh, nonces, n, &exp),
                     TK_OK);
}

/* The database is sound and holds nothing of the spilled transaction. */
static void assert_sound(const char *name)
{
    assert_int_equal(sqlt_raw_int(name, "SELECT count(*) FROM sqlite_master "
                                        "WHERE name LIKE 'tk_wal%'"),
                     0);
    assert_int_equal(sqlt_raw_int(name, "SELECT count(*) FROM "
                                        "pragma_integrity_check WHERE "
                                        "integrity_check='ok'"),
                     1);
}

/* A new store's WAL spans the autocheckpoint size at once, and hundreds of
 * commits afterwards do not make it longer: they overwrite. */
static void test_commits_overwrite(void **state)
{
    tk_store st;
    tk_store_sqlite *s;
    long long grown;

    (void)state;
    s = sqlt_open("grow.db", &st);
    grown = wal_bytes("grow.db");
    assert_true(grown >= WAL_FULL);
    /* Each call is one commit of a few pages: ~300 commits, well under
     * the 1000 pages the WAL was grown to. */
    for (uint32_t i = 0; i < 300; i++)
        add_nonces(&st, (uint8_t)(1 + i % 7), i * 1000u, 3);
    assert_int_equal(wal_bytes("grow.db"), grown);
    tk_store_sqlite_destroy(s);
}

/* The frames written at open carry no commit: nothing of them is data,
 * after a clean close and reopen, and after the process that wrote them
 * was killed (SIGKILL: the WAL stays behind with those frames after the
 * committed ones, and the next connection recovers from it). */
static void test_nothing_committed(void **state)
{
    tk_store st;
    tk_store_sqlite *s, *again;
    pid_t pid;
    int status;

    (void)state;
    s = sqlt_open("clean.db", &st);
    assert_true(wal_bytes("clean.db") >= WAL_FULL);
    assert_sound("clean.db");
    add_nonces(&st, 9, 5, 4);
    tk_store_sqlite_destroy(s);
    /* Reopen: the WAL is written again (SQLite removed it at close). */
    again = sqlt_open("clean.db", &st);
    assert_true(wal_bytes("clean.db") >= WAL_FULL);
    tk_store_sqlite_destroy(again);
    assert_sound("clean.db");
    /* A process opens (writing the WAL's space), commits, and dies. */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        tk_store_sqlite *c = NULL;
        tk_store cst;
        if (tk_store_sqlite_create(&c, sqlt_path("clean.db"), NULL) != TK_OK ||
            tk_store_sqlite_iface(c, &cst) != TK_OK)
            _exit(3);
        add_nonces(&cst, 10, 6, 4);
        raise(SIGKILL);
        _exit(4);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(wal_bytes("clean.db") >= WAL_FULL);
    assert_sound("clean.db");
    /* Both committed calls' words are there: 4 words per call. */
    assert_int_equal(sqlt_raw_int("clean.db", "SELECT count(*) FROM "
                                              "seen_nonce_words"),
                     8);
}

/* Another connection holds the write lock: the open does not wait for it
 * (a busy timeout of ten minutes would hang the test past its own
 * timeout), skips the growth and works once the lock is gone. */
static void test_busy_file_skips(void **state)
{
    tk_store_sqlite_options opts = {.busy_timeout_ms = 600000};
    tk_store_sqlite *s = NULL, *first;
    tk_store st;
    sqlite3 *raw = NULL;

    (void)state;
    first = sqlt_open("busy.db", NULL); /* schema in place */
    tk_store_sqlite_destroy(first);
    assert_int_equal(sqlite3_open(sqlt_path("busy.db"), &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "BEGIN IMMEDIATE", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path("busy.db"), &opts),
                     TK_OK);
    assert_int_equal(sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    add_nonces(&st, 3, 77, 2);
    tk_store_sqlite_destroy(s);
}

/* A WAL that holds another connection's committed frames (it has not been
 * checkpointed yet) is not grown: the spill would append after them and
 * double the WAL, which on a nearly full disk leaves no room for the
 * checkpoint. */
static void test_wal_with_frames_kept(void **state)
{
    tk_store st;
    tk_store_sqlite *s;
    sqlite3 *raw = NULL;
    long long before;

    (void)state;
    tk_store_sqlite_destroy(sqlt_open("frames.db", NULL)); /* schema */
    assert_int_equal(sqlite3_open(sqlt_path("frames.db"), &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA wal_autocheckpoint = 0;"
                                       "CREATE TABLE other(x);"
                                       "INSERT INTO other VALUES(1);"
                                       "INSERT INTO other VALUES(2);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    before = wal_bytes("frames.db");
    assert_true(before > 0 && before < WAL_FULL / 10);
    s = sqlt_open("frames.db", &st);
    assert_int_equal(wal_bytes("frames.db"), before);
    add_nonces(&st, 4, 12, 2);
    assert_true(wal_bytes("frames.db") < WAL_FULL / 10);
    tk_store_sqlite_destroy(s);
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
    assert_sound("frames.db");
    assert_int_equal(sqlt_raw_int("frames.db", "SELECT count(*) FROM other"),
                     2);
}

static long long mtime_ns(const char *name)
{
    struct stat sb;

    assert_int_equal(stat(sqlt_path(name), &sb), 0);
    return (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
}

/* A URI that keeps the file out of WAL mode (nolock=1: SQLite refuses WAL
 * without its locks and stays in rollback-journal mode): there is no WAL,
 * and the open must not spill ~4 MiB through the rollback journal into
 * the database file itself. An open of an existing store writes nothing
 * to the file. */
static void test_not_wal_mode(void **state)
{
    char uri[480];
    tk_store_sqlite *s = NULL;
    tk_store st;
    long long before;
    struct timespec pause = {0, 30 * 1000000L};

    (void)state;
    snprintf(uri, sizeof uri, "file:%s?nolock=1", sqlt_path("nolock.db"));
    assert_int_equal(tk_store_sqlite_create(&s, uri, NULL), TK_OK);
    tk_store_sqlite_destroy(s);
    assert_int_equal(wal_bytes("nolock.db"), -1);
    before = mtime_ns("nolock.db");
    /* Later than the file clock's resolution: a write would show. */
    nanosleep(&pause, NULL);
    s = NULL;
    assert_int_equal(tk_store_sqlite_create(&s, uri, NULL), TK_OK);
    assert_int_equal(mtime_ns("nolock.db"), before);
    assert_int_equal(wal_bytes("nolock.db"), -1);
    assert_int_equal(tk_store_sqlite_iface(s, &st), TK_OK);
    add_nonces(&st, 5, 40, 3);
    tk_store_sqlite_destroy(s);
    assert_sound("nolock.db");
    assert_int_equal(sqlt_raw_int("nolock.db", "SELECT count(*) FROM "
                                               "seen_nonce_words"),
                     3);
}

/* A file made with 64 KiB pages: the WAL written ahead stays within the
 * cap (the autocheckpoint's 1000 such pages would be 64 MiB). */
static void test_large_pages_capped(void **state)
{
    sqlite3 *raw = NULL;
    long long grown;

    (void)state;
    assert_int_equal(sqlite3_open(sqlt_path("big.db"), &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA page_size = 65536; VACUUM;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
    tk_store_sqlite_destroy(sqlt_open("big.db", NULL));
    assert_int_equal(sqlt_raw_int("big.db", "PRAGMA page_size"), 65536);
    /* The WAL is gone after the close: open again and look while open. */
    {
        tk_store_sqlite *s = sqlt_open("big.db", NULL);
        grown = wal_bytes("big.db");
        tk_store_sqlite_destroy(s);
    }
    assert_true(grown >= 8LL << 20);
    assert_true(grown <= 12LL << 20);
    assert_sound("big.db");
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_commits_overwrite),
        cmocka_unit_test(test_nothing_committed),
        cmocka_unit_test(test_busy_file_skips),
        cmocka_unit_test(test_wal_with_frames_kept),
        cmocka_unit_test(test_not_wal_mode),
        cmocka_unit_test(test_large_pages_capped),
    };
    return cmocka_run_group_tests(t, sqlt_setup, sqlt_teardown);
}

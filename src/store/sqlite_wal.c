/* SPDX-License-Identifier: MIT */
/* The WAL's space, written once when the store opens for writing.
 *
 * Why: an fdatasync that extends a file also commits the file's new size
 * and block allocation to the file system's journal. On the bench machine
 * (ext4 on a virtual disk) a 4 KiB write plus fdatasync took about 1.5
 * times as long when it appended as when it overwrote blocks already
 * written (docs/PERFORMANCE.md). SQLite appends to the WAL until the first
 * checkpoint lets it start again from the beginning (about
 * wal_autocheckpoint pages: 4 MiB by default) and then overwrites it; so
 * after every open the first ~1000 pages of commits each paid the append.
 *
 * How: a transaction that writes more pages than a small page cache holds
 * makes SQLite spill them to the WAL as uncommitted frames (no commit
 * frame follows them, so no reader and no recovery ever uses them). The
 * transaction is rolled back: nothing reaches the database. The WAL is
 * then synced once, and the following commits write from the start of the
 * WAL over blocks that already exist.
 *
 * Only an empty WAL is grown, on a file that really is in WAL mode: a WAL
 * that holds frames belongs to other connections (committed frames not yet
 * checkpointed, or a WAL another opener grew), and appending after them
 * would double it; a URI can keep a file out of WAL mode (nolock=1, the
 * unix-none VFS), and then there is no WAL to grow. The growth is capped
 * at WAL_GROW_MAX_BYTES (large pages would otherwise write 64 MiB), and
 * skipped when the file system has less than twice that free: the space
 * stays for the checkpoints.
 *
 * Best effort: when another connection holds the write lock (it grows the
 * WAL itself), or the disk is (nearly) full, or any step fails, the store
 * opens as before; only a transaction that could not be rolled back, or a
 * page cache size that could not be restored, fails the open. */
#include "store/sqlite_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* Pages the spilling transaction may keep in its cache (the rest spill). */
#define WAL_GROW_CACHE_PAGES 16
/* Extra pages written past the autocheckpoint size: the pages still in
 * the cache at the rollback and the b-tree's own pages never spill. */
#define WAL_GROW_MARGIN_PAGES (2 * WAL_GROW_CACHE_PAGES)
/* At most this much WAL is written ahead (SQLite's default page size and
 * autocheckpoint, 1000 pages of 4 KiB, fit under it). */
#define WAL_GROW_MAX_BYTES (8LL << 20)

/* The file's journal mode is WAL (a URI can keep it out of WAL mode). */
static int in_wal_mode(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int wal = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW) {
        const unsigned char *m = sqlite3_column_text(q, 0);
        wal = m != NULL && strcmp((const char *)m, "wal") == 0;
    }
    sqlite3_finalize(q);
    return wal;
}

/* The file system holding the database has at least bytes free. */
static int has_room(sqlite3 *db, sqlite3_int64 bytes)
{
    const char *db_name = sqlite3_db_filename(db, "main");
    struct statvfs sv;

    if (db_name == NULL || db_name[0] == '\0' || statvfs(db_name, &sv) != 0)
        return 0;
    return (unsigned long long)sv.f_bavail * sv.f_frsize >=
           (unsigned long long)bytes;
}

/* The WAL's current size in bytes (0 when it does not exist yet); -1 when
 * it cannot be told. */
static sqlite3_int64 wal_size(sqlite3 *db)
{
    const char *db_name = sqlite3_db_filename(db, "main");
    const char *wal = db_name != NULL ? sqlite3_filename_wal(db_name) : NULL;
    struct stat sb;

    if (wal == NULL || wal[0] == '\0')
        return -1;
    if (stat(wal, &sb) != 0)
        return 0;
    return (sqlite3_int64)sb.st_size;
}

/* Sync the WAL file through SQLite's own handle of it. */
static void wal_sync(sqlite3 *db)
{
    sqlite3_file *f = NULL;

    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                             &f) == SQLITE_OK &&
        f != NULL && f->pMethods != NULL)
        (void)f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

/* The spilling transaction; the caller rolls it back. Under the write
 * lock the WAL is checked again: another connection may have committed
 * to it since the caller looked. Returns whether it wrote. */
static int spill(sqlite3 *db, sqlite3_int64 bytes)
{
    sqlite3_stmt *q = NULL;
    int wrote = 0;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        wal_size(db) != 0 ||
        sqlite3_exec(db, "CREATE TABLE tk_wal_grow(b BLOB)", NULL, NULL,
                     NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_prepare_v2(db, "INSERT INTO tk_wal_grow VALUES(zeroblob(?1))",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, bytes);
        (void)sqlite3_step(q);
        wrote = 1;
    }
    sqlite3_finalize(q);
    return wrote;
}

tk_status tk__sqlite_wal_grow(sqlite3 *db, int busy_ms)
{
    long long page = 0, pages = 0, cache = 0, want;
    char sql[64];
    tk_status st = TK_OK;
    int rc, wrote;

    if (!in_wal_mode(db) ||
        tk__sqlite_query_int(db, "PRAGMA page_size", &page) != TK_OK ||
        tk__sqlite_query_int(db, "PRAGMA wal_autocheckpoint", &pages) !=
            TK_OK ||
        tk__sqlite_query_int(db, "PRAGMA cache_size", &cache) != TK_OK ||
        page <= 0 || pages <= 0)
        return TK_OK;
    if (pages > WAL_GROW_MAX_BYTES / page)
        pages = WAL_GROW_MAX_BYTES / page;
    /* Each frame is a 24-byte header and a page, after a 32-byte header. */
    want = 32 + (pages + WAL_GROW_MARGIN_PAGES) * (page + 24);
    if (wal_size(db) != 0 || !has_room(db, 2 * want))
        return TK_OK;
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %d",
             WAL_GROW_CACHE_PAGES);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return TK_OK;
    /* Never wait for another writer here: it grows the WAL itself. */
    sqlite3_busy_timeout(db, 0);
    wrote = spill(db, (pages + WAL_GROW_MARGIN_PAGES) * page);
    if (!sqlite3_get_autocommit(db) &&
        (rc = sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL)) != SQLITE_OK &&
        !sqlite3_get_autocommit(db))
        st = tk__sqlite_status(rc);
    sqlite3_busy_timeout(db, busy_ms);
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", cache);
    if ((rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK &&
        st == TK_OK)
        st = tk__sqlite_status(rc);
    if (st == TK_OK && wrote && wal_size(db) > 0)
        wal_sync(db);
    return st;
}

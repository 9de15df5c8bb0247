/* SPDX-License-Identifier: MIT */
#include "test_support.h"
#include "sqlite_files.h"

#include <sqlite3.h>
#include <stdio.h>

static char dir[256];

int sqlt_setup(void **state)
{
    (void)state;
    return tk_test_tmpdir_make(dir, sizeof dir, "tk_store");
}

int sqlt_teardown(void **state)
{
    (void)state;
    return tk_test_tmpdir_remove(dir);
}

const char *sqlt_path(const char *name)
{
    static char p[320];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

tk_store_sqlite *sqlt_open(const char *name, tk_store *iface)
{
    tk_store_sqlite *s = NULL;
    assert_int_equal(tk_store_sqlite_create(&s, sqlt_path(name), NULL), TK_OK);
    assert_non_null(s);
    if (iface != NULL)
        assert_int_equal(tk_store_sqlite_iface(s, iface), TK_OK);
    return s;
}

long long sqlt_raw_int(const char *name, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    long long v;
    assert_int_equal(sqlite3_open(sqlt_path(name), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    return v;
}

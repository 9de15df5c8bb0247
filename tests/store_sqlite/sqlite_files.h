/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_SQLITE_FILES_H
#define TK_TEST_SQLITE_FILES_H

/* The SQLite store tests' files: one temporary directory per test program
 * (made in the group setup, removed in the teardown), stores opened in it
 * by name, and raw queries on a second connection to a file. */

#include "ticket/store_sqlite.h"

/* cmocka group setup / teardown: make and remove the directory. */
int sqlt_setup(void **state);
int sqlt_teardown(void **state);

/* The path of name in the directory (a static buffer). */
const char *sqlt_path(const char *name);

/* Open (create) the store file name; fails the test on error. iface may
 * be NULL. */
tk_store_sqlite *sqlt_open(const char *name, tk_store *iface);

/* One integer from the first row of sql, on its own connection. */
long long sqlt_raw_int(const char *name, const char *sql);

#endif

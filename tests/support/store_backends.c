/* SPDX-License-Identifier: MIT */
#include "store_backends.h"

#include "ticket/store_pg.h"
#include "ticket/store_sqlite.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- memory: one object; every open is that object ---------------------- */

static void *mem_setup(void)
{
    tk_store_mem *m = NULL;
    return tk_store_mem_create(&m) == TK_OK ? m : NULL;
}

static void mem_teardown(void *loc)
{
    tk_store_mem_destroy(loc);
}

static tk_status mem_open(void *loc, void **h, tk_store *st)
{
    *h = NULL;
    return tk_store_mem_iface(loc, st);
}

static void mem_close(void *h)
{
    (void)h;
}

/* ---- SQLite: a file in a temporary directory ------------------------------ */

typedef struct sqlite_loc {
    char dir[256];
    char path[300];
} sqlite_loc;

static void *sqlite_setup(void)
{
    sqlite_loc *l = calloc(1, sizeof *l);
    if (l == NULL || tk_test_tmpdir_make(l->dir, sizeof l->dir, "tk_conf") != 0) {
        free(l);
        return NULL;
    }
    snprintf(l->path, sizeof l->path, "%s/store.db", l->dir);
    return l;
}

static void sqlite_teardown(void *loc)
{
    sqlite_loc *l = loc;
    (void)tk_test_tmpdir_remove(l->dir);
    free(l);
}

static tk_status sqlite_open(void *loc, void **h, tk_store *st)
{
    tk_store_sqlite *s = NULL;
    tk_status rc = tk_store_sqlite_create(&s, ((sqlite_loc *)loc)->path, NULL);
    *h = s;
    if (rc == TK_OK)
        rc = tk_store_sqlite_iface(s, st);
    return rc;
}

static void sqlite_close(void *h)
{
    tk_store_sqlite_destroy(h);
}

/* ---- PostgreSQL: a fresh schema per location ------------------------------ */

const char *tk_test_pg_conninfo(void)
{
    const char *c = getenv("TK_PG_CONNINFO");
    return c != NULL && c[0] != '\0' ? c : NULL;
}

void tk_test_pg_require(void)
{
    const char *req = getenv("TK_REQUIRE_PG");
    if (tk_test_pg_conninfo() != NULL)
        return;
    if (req != NULL && strcmp(req, "1") == 0) {
        fprintf(stderr, "FAIL: TK_PG_CONNINFO is not set (run under tools/pg/tkpg.py run)\n");
        exit(1);
    }
    printf("SKIP: TK_PG_CONNINFO is not set (run under tools/pg/tkpg.py run)\n");
    exit(77);
}

static void quiet(void *arg, const char *msg)
{
    (void)arg; /* NOTICEs of DROP ... CASCADE and the like */
    (void)msg;
}

void tk_test_pg_ok(PGconn *c, const char *q)
{
    PGresult *r = PQexec(c, q);
    ExecStatusType rs = PQresultStatus(r);

    PQclear(r);
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQerrorMessage(c));
}

long long tk_test_pg_int(PGconn *c, const char *q)
{
    PGresult *r = PQexec(c, q);
    long long v;

    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        fail_msg("%s: %s", q, PQerrorMessage(c));
    }
    v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

void tk_test_pg_fx_open(tk_test_pg_fx *fx, const char *extra, int lock_timeout_ms)
{
    tk_store_pg_options o = {.lock_timeout_ms = lock_timeout_ms};
    char ci[1024];

    memset(fx, 0, sizeof *fx);
    assert_int_equal(tk_ctx_create(&fx->ctx), TK_OK);
    assert_non_null(fx->conninfo = tk_test_pg_schema_new());
    assert_true((size_t)snprintf(ci, sizeof ci, "%s %s", fx->conninfo, extra) < sizeof ci);
    assert_int_equal(tk_store_pg_create(fx->ctx, &fx->pg, ci, &o), TK_OK);
    assert_int_equal(tk_store_pg_iface(fx->pg, &fx->st), TK_OK);
    fx->admin = PQconnectdb(fx->conninfo);
    assert_int_equal(PQstatus(fx->admin), CONNECTION_OK);
}

void tk_test_pg_fx_close(tk_test_pg_fx *fx)
{
    PQfinish(fx->admin);
    tk_store_pg_destroy(fx->pg);
    tk_test_pg_schema_drop(fx->conninfo);
    free(fx->conninfo);
    tk_ctx_destroy(fx->ctx);
    memset(fx, 0, sizeof *fx);
}

int tk_test_pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;
    int ok;

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pg: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    r = PQexec(c, sql);
    ok = r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
                       PQresultStatus(r) == PGRES_TUPLES_OK);
    if (!ok)
        fprintf(stderr, "pg: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

char *tk_test_pg_schema_new(void)
{
    static unsigned counter;
    const char *base = tk_test_pg_conninfo();
    char name[64], sql[128], *out;
    size_t len;

    if (base == NULL)
        return NULL;
    snprintf(name, sizeof name, "tkt_%ld_%u_%llu", (long)getpid(), counter++,
             (unsigned long long)(tk_test_rand64() & 0xffffff));
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", name);
    if (tk_test_pg_exec(base, sql) != 0)
        return NULL;
    len = strlen(base) + strlen(name) + 64;
    out = malloc(len);
    if (out != NULL)
        snprintf(out, len, "%s options='-c search_path=%s'", base, name);
    return out;
}

void tk_test_pg_schema_drop(const char *conninfo)
{
    const char *p = strstr(conninfo, "search_path=");
    char name[64], sql[128];
    size_t n = 0;

    if (p == NULL)
        return;
    p += strlen("search_path=");
    while (n + 1 < sizeof name && p[n] != '\'' && p[n] != ' ' &&
           p[n] != '\0') {
        name[n] = p[n];
        n++;
    }
    name[n] = '\0';
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", name);
    (void)tk_test_pg_exec(tk_test_pg_conninfo(), sql);
}

int tk_test_pg_control(const char *cmd)
{
    const char *path = getenv("TK_PG_CONTROL");
    struct sockaddr_un a;
    char line[256];
    ssize_t n, got = 0;
    int fd;

    if (path == NULL || strlen(path) >= sizeof a.sun_path)
        return -1;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) ||
        write(fd, "\n", 1) != 1) {
        close(fd);
        return -1;
    }
    while (got < (ssize_t)sizeof line - 1 &&
           (n = read(fd, line + got, sizeof line - 1 - (size_t)got)) > 0)
        got += n;
    close(fd);
    line[got] = '\0';
    if (strncmp(line, "ok", 2) != 0) {
        fprintf(stderr, "tkpg control %s: %s\n", cmd, line);
        return -1;
    }
    return 0;
}

static void *pg_setup(void)
{
    return tk_test_pg_schema_new();
}

static void pg_teardown(void *loc)
{
    tk_test_pg_schema_drop(loc);
    free(loc);
}

static tk_ctx *pg_ctx(void)
{
    /* One context for every PostgreSQL store of the test process. */
    static tk_ctx *ctx;
    if (ctx == NULL && tk_ctx_create(&ctx) != TK_OK)
        return NULL;
    return ctx;
}

static tk_status pg_open(void *loc, void **h, tk_store *st)
{
    tk_store_pg *s = NULL;
    tk_status rc = tk_store_pg_create(pg_ctx(), &s, loc, NULL);
    *h = s;
    if (rc == TK_OK)
        rc = tk_store_pg_iface(s, st);
    return rc;
}

static void pg_close(void *h)
{
    tk_store_pg_destroy(h);
}

static const tk_test_backend backends[] = {
    {"mem", 0, 0, mem_setup, mem_teardown, mem_open, mem_close},
    {"sqlite", 1, 1, sqlite_setup, sqlite_teardown, sqlite_open, sqlite_close},
    {"pg", 1, 1, pg_setup, pg_teardown, pg_open, pg_close},
};

const tk_test_backend *tk_test_backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (name != NULL && strcmp(backends[i].name, name) == 0)
            return &backends[i];
    return NULL;
}

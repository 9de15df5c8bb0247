/* SPDX-License-Identifier: MIT */
/* ticketctl store-list / store-requeue on a PostgreSQL store (argv[1] is
 * the ticketctl binary): winners put through the library come back from
 * the command line (hashes, states, no recipientRand), a requeue is seen
 * by the library, a database without a store is not_found and is left
 * without tables, an unreachable server is store_unavailable, and the
 * postgresql:// URI form works like the "pg" member. */
#include "test_support.h"
#include "store_backends.h"
#include "store_contract.h"

#include "ticket/store_pg.h"
#include "ticket/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ticketctl;

/* Run `ticketctl cmd` with req on stdin; the parsed output (NULL when it is
 * not JSON) and the exit status. */
static json_t *run(const char *cmd, json_t *req, int *rc)
{
    char in_path[] = "/tmp/tk_tcpg_in_XXXXXX", line[512];
    char *text = json_dumps(req, JSON_COMPACT), *out = NULL;
    size_t len = 0;
    FILE *p;
    json_t *j;
    int fd = mkstemp(in_path), status;

    assert_true(fd >= 0 && text != NULL);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    free(text);
    snprintf(line, sizeof line, "'%s' %s < '%s'", ticketctl, cmd, in_path);
    p = popen(line, "r");
    assert_non_null(p);
    out = calloc(1, 1);
    while (fgets(line, sizeof line, p) != NULL) {
        out = realloc(out, len + strlen(line) + 1);
        assert_non_null(out);
        memcpy(out + len, line, strlen(line) + 1);
        len += strlen(line);
    }
    status = pclose(p);
    unlink(in_path);
    *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    j = json_loads(out, 0, NULL);
    free(out);
    json_decref(req);
    return j;
}

static void expect_error(const char *cmd, json_t *req, const char *code)
{
    int rc;
    json_t *o = run(cmd, req, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "error"), "code")),
                        code);
    json_decref(o);
}

static int has_hash(json_t *winners, const tk_hash *h, const char *state)
{
    char hex[67];
    size_t i;
    json_t *w;

    hex[0] = '0';
    hex[1] = 'x';
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 + 2 * k, 3, "%02x", h->bytes[k]);
    json_array_foreach(winners, i, w) {
        if (strcmp(json_string_value(json_object_get(w, "ticket_hash")), hex) == 0)
            return strcmp(json_string_value(json_object_get(w, "state")), state) == 0 &&
                   json_object_get(w, "recipient_rand") == NULL;
    }
    return 0;
}

static void test_store_commands(void **state)
{
    char *empty = tk_test_pg_schema_new(), *full = tk_test_pg_schema_new();
    char hex[67], uri[600], host[300] = "", user[64] = "", db[64] = "";
    tk_ctx *ctx = NULL;
    tk_store_pg *s = NULL;
    tk_store st;
    tk_winner w[3], got;
    json_t *o, *ws;
    const char *p;
    int rc;
    (void)state;

    assert_non_null(empty);
    assert_non_null(full);
    assert_int_equal(tk_ctx_create(&ctx), TK_OK);

    /* No store in the database: not_found, and nothing created. */
    expect_error("store-list", json_pack("{ss}", "pg", empty), "not_found");
    assert_int_equal(tk_test_pg_exec(empty, "DO $$ BEGIN IF to_regclass('tk_schema') IS NOT"
                                            " NULL THEN RAISE 'created'; END IF; END $$"), 0);

    assert_int_equal(tk_store_pg_create(ctx, &s, full, NULL), TK_OK);
    assert_int_equal(tk_store_pg_iface(s, &st), TK_OK);
    for (int i = 0; i < 3; i++) {
        tk_test_make_winner(&w[i], NULL, i);
        assert_int_equal(st.put_winner(st.self, &w[i]), TK_OK);
    }
    assert_int_equal(st.set_state(st.self, &w[1].ticket_hash, TK_WINNER_FAILED, NULL), TK_OK);

    o = run("store-list", json_pack("{ss}", "pg", full), &rc);
    assert_int_equal(rc, 0);
    ws = json_object_get(o, "winners");
    assert_int_equal(json_array_size(ws), 3);
    assert_true(has_hash(ws, &w[0].ticket_hash, "new"));
    assert_true(has_hash(ws, &w[1].ticket_hash, "failed"));
    assert_true(has_hash(ws, &w[2].ticket_hash, "new"));
    json_decref(o);

    hex[0] = '0';
    hex[1] = 'x';
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 + 2 * k, 3, "%02x", w[1].ticket_hash.bytes[k]);
    o = run("store-requeue", json_pack("{ssss}", "pg", full, "ticket_hash", hex), &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "new");
    json_decref(o);
    assert_int_equal(st.get_winner(st.self, &w[1].ticket_hash, &got), TK_OK);
    assert_int_equal(got.state, TK_WINNER_NEW);

    expect_error("store-list", json_pack("{ssss}", "pg", full, "store", "x.db"), "usage");
    expect_error("store-list", json_pack("{ss}", "pg", "host=/nonexistent-tk port=1 dbname=x"),
                 "store_unavailable");

    /* The URI form: the public schema of the test database. */
    tk_store_pg_destroy(s);
    s = NULL;
    assert_int_equal(tk_store_pg_create(ctx, &s, tk_test_pg_conninfo(), NULL), TK_OK);
    assert_int_equal(tk_store_pg_iface(s, &st), TK_OK);
    assert_int_equal(st.put_winner(st.self, &w[2]), TK_OK);
    p = tk_test_pg_conninfo();
    assert_int_equal(sscanf(strstr(p, "host="), "host=%299s", host), 1);
    assert_int_equal(sscanf(strstr(p, "user="), "user=%63s", user), 1);
    assert_int_equal(sscanf(strstr(p, "dbname="), "dbname=%63s", db), 1);
    snprintf(uri, sizeof uri, "postgresql:///%s?host=%s&port=5432&user=%s", db, host, user);
    o = run("store-list", json_pack("{ss}", "store", uri), &rc);
    assert_int_equal(rc, 0);
    ws = json_object_get(o, "winners");
    assert_int_equal(json_array_size(ws), 1);
    assert_true(has_hash(ws, &w[2].ticket_hash, "new"));
    json_decref(o);
    assert_int_equal(tk_test_pg_exec(tk_test_pg_conninfo(),
                                     "DROP TABLE tk_schema, tk_winners, tk_seen_nonces,"
                                     " tk_request_seqs, tk_block_mark"), 0);

    tk_store_pg_destroy(s);
    tk_ctx_destroy(ctx);
    tk_test_pg_schema_drop(empty);
    tk_test_pg_schema_drop(full);
    free(empty);
    free(full);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_commands),
    };
    if (argc != 2) {
        fprintf(stderr, "usage: %s TICKETCTL\n", argv[0]);
        return 2;
    }
    ticketctl = argv[1];
    tk_test_pg_require();
    tk_test_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* An installed ticket::store_pg consumer: links libpq through the package
 * and asks for a server that is not there (a socket directory that does
 * not exist): the store must say unavailable, not crash. No network. */
#include <ticket/store_pg.h>

#include <stdio.h>

int main(void)
{
    tk_ctx *ctx = NULL;
    tk_store_pg *s = NULL;
    tk_store_pg_options o = {.connect_timeout_s = 1};
    int ok = tk_ctx_create(&ctx) == TK_OK &&
             tk_store_pg_create(ctx, &s, "host=/nonexistent-tk-dir port=1 dbname=x",
                                &o) == TK_ERR_STORE_UNAVAILABLE &&
             s == NULL;
    tk_store_pg_destroy(s);
    tk_ctx_destroy(ctx);
    printf("store_pg consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/* The client: options, endpoints and their health, the retry loop. */
#include "eth/rpc_internal.h"

#include "core/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRIES_MAX 10u

tk_status tk_rpc_options_default(tk_rpc_options *opts)
{
    TK_ARG_CHECK_NOCTX(opts != NULL);
    memset(opts, 0, sizeof *opts);
    opts->connect_timeout_ms = 3000;
    opts->timeout_ms = 10000;
    opts->retries = 2;
    opts->backoff_ms = 200;
    opts->backoff_max_ms = 2000;
    opts->demote_ms = 30000;
    opts->max_response_bytes = 4u * 1024u * 1024u;
    return TK_OK;
}

static int valid_url(const char *u)
{
    size_t n = u != NULL ? strnlen(u, TK_RPC_URL_MAX + 1) : 0;
    return n > 0 && n <= TK_RPC_URL_MAX &&
           (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

static int valid_options(const tk_rpc_options *o)
{
    if (o->endpoints == NULL || o->n_endpoints == 0 ||
        o->n_endpoints > TK_RPC_ENDPOINTS_MAX || o->connect_timeout_ms < 0 ||
        o->timeout_ms < 0 || o->retries > RETRIES_MAX || o->backoff_ms < 0 ||
        o->backoff_max_ms < 0 || o->demote_ms < 0 ||
        o->max_response_bytes == 0 || o->max_response_bytes > SIZE_MAX / 2)
        return 0;
    for (size_t i = 0; i < o->n_endpoints; i++)
        if (!valid_url(o->endpoints[i]))
            return 0;
    return 1;
}

void tk_rpc_destroy(tk_rpc *rpc)
{
    if (rpc == NULL)
        return;
    for (size_t i = 0; i < rpc->n_ep; i++) {
        if (rpc->ep[i].url != NULL) {
            tk_memzero(rpc->ep[i].url, strlen(rpc->ep[i].url));
            free(rpc->ep[i].url);
        }
    }
    if (rpc->curl != NULL)
        curl_easy_cleanup(rpc->curl);
    curl_global_cleanup(); /* reference-counted by libcurl */
    free(rpc);
}

tk_status tk_rpc_create(const tk_ctx *ctx, tk_rpc **out,
                        const tk_rpc_options *opts)
{
    tk_rpc *rpc;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    TK_ARG_CHECK(ctx, opts != NULL);
    TK_ARG_CHECK(ctx, valid_options(opts));
    /* Thread-safe since libcurl 7.84 and reference-counted; paired with
     * the cleanup in tk_rpc_destroy. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return TK_ERR_NOMEM;
    rpc = calloc(1, sizeof *rpc);
    if (rpc == NULL) {
        curl_global_cleanup();
        return TK_ERR_NOMEM;
    }
    rpc->ctx = ctx;
    rpc->opts = *opts;
    rpc->opts.endpoints = NULL;
    rpc->next_id = 1;
    rpc->err.endpoint = -1;
    rpc->curl = curl_easy_init();
    for (size_t i = 0; i < opts->n_endpoints && rpc->curl != NULL; i++) {
        size_t n = strlen(opts->endpoints[i]) + 1;
        if ((rpc->ep[i].url = malloc(n)) == NULL)
            break;
        memcpy(rpc->ep[i].url, opts->endpoints[i], n);
        rpc->n_ep = i + 1;
    }
    if (rpc->curl == NULL || rpc->n_ep != opts->n_endpoints) {
        tk_rpc_destroy(rpc);
        return TK_ERR_NOMEM;
    }
    *out = rpc;
    return TK_OK;
}

tk_status tk_rpc_last_error(const tk_rpc *rpc, tk_rpc_error *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    out->endpoint = -1;
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    *out = rpc->err;
    return TK_OK;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* This round's order: healthy endpoints as configured, then the demoted
 * ones, the soonest to recover first. */
static void order_endpoints(const tk_rpc *rpc, size_t order[], uint64_t now)
{
    size_t k = 0;

    for (size_t i = 0; i < rpc->n_ep; i++)
        if (rpc->ep[i].demoted_until <= now)
            order[k++] = i;
    for (size_t start = k, i = 0; i < rpc->n_ep; i++) {
        if (rpc->ep[i].demoted_until <= now)
            continue;
        size_t j = k++;
        while (j > start && rpc->ep[order[j - 1]].demoted_until >
                                rpc->ep[i].demoted_until) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

static void reset_error(tk_rpc *rpc)
{
    memset(&rpc->err, 0, sizeof rpc->err);
    rpc->err.endpoint = -1;
}

tk_status tk_rpc_stats_get(const tk_rpc *rpc, tk_rpc_stats *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(rpc != NULL);
    *out = rpc->stats;
    return TK_OK;
}

tk_status tk__rpc_fail(tk_rpc *rpc, tk_status st, const char *msg)
{
    rpc->stats.failed++;
    rpc->err.status = st;
    tk__rpc_copy_message(rpc->err.message, sizeof rpc->err.message, msg);
    return st;
}

/* One attempt at endpoint i. Returns TK_OK (result set), a node's answer
 * (RPC_ERROR / REVERTED: final), or an endpoint failure. */
static tk_status attempt(tk_rpc *rpc, json_t **result, size_t i,
                         const char *text, uint64_t id)
{
    tk__http_reply reply;
    const char *msg = NULL;
    tk_status st;

    reset_error(rpc);
    rpc->err.endpoint = (int)i;
    rpc->stats.http_attempts++;
    st = tk__http_post(rpc, &reply, &msg, rpc->ep[i].url, text, strlen(text));
    rpc->err.http_status = reply.status;
    if (st == TK_OK && reply.status != 200) {
        msg = "HTTP status is not 200";
        st = TK_ERR_RPC_TRANSPORT;
    } else if (st == TK_OK) {
        st = tk__rpc_parse_response(result, &rpc->err, &msg, reply.body,
                                    reply.len, id);
    }
    free(reply.body);
    if (st != TK_OK && msg != NULL)
        tk__rpc_copy_message(rpc->err.message, sizeof rpc->err.message, msg);
    rpc->err.status = st;
    return st;
}

tk_status tk__rpc_request(tk_rpc *rpc, json_t **result, const char *method,
                          json_t *params)
{
    size_t order[TK_RPC_ENDPOINTS_MAX];
    uint64_t id = rpc->next_id++;
    char *text = tk__rpc_request_text(id, method, params);
    long backoff = rpc->opts.backoff_ms;
    tk_status st = TK_ERR_RPC_TRANSPORT;

    *result = NULL;
    reset_error(rpc);
    rpc->lost_answer = 0;
    rpc->stats.requests++;
    if (text == NULL)
        return tk__rpc_fail(rpc, TK_ERR_NOMEM, "out of memory");
    for (unsigned round = 0; round <= rpc->opts.retries; round++) {
        if (round > 0) {
            sleep_ms(backoff < rpc->opts.backoff_max_ms
                         ? backoff : rpc->opts.backoff_max_ms);
            backoff = backoff > rpc->opts.backoff_max_ms / 2
                          ? rpc->opts.backoff_max_ms
                          : 2 * backoff;
        }
        order_endpoints(rpc, order, now_ms());
        for (size_t k = 0; k < rpc->n_ep; k++) {
            size_t i = order[k];
            st = attempt(rpc, result, i, text, id);
            if (st == TK_OK || st == TK_ERR_RPC_ERROR ||
                st == TK_ERR_RPC_REVERTED || st == TK_ERR_NOMEM) {
                /* The endpoint answered (or we ran out of memory). */
                if (st != TK_ERR_NOMEM)
                    rpc->ep[i].demoted_until = 0;
                goto out;
            }
            rpc->lost_answer = 1; /* even a refused connect: not worth telling apart */
            rpc->ep[i].demoted_until = now_ms() + (uint64_t)rpc->opts.demote_ms;
        }
    }
out:
    free(text);
    if (st == TK_OK)
        reset_error(rpc);
    else
        rpc->stats.failed++;
    return st;
}

/* SPDX-License-Identifier: MIT */
/* One HTTP POST with libcurl, with a bounded response body. */
#include "eth/rpc_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct body_buf {
    char *p;
    size_t len, cap, limit;
    int too_large, nomem;
} body_buf;

/* Returning less than n makes libcurl abort the transfer. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    body_buf *b = ud;
    size_t n = size * nmemb;

    if (n > b->limit - b->len) {
        b->too_large = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->limit + 1)
            cap = b->limit + 1;
        if ((p = realloc(b->p, cap)) == NULL) {
            b->nomem = 1;
            return 0;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

static int setup(CURL *c, const tk_rpc_options *o, const char *url,
                 struct curl_slist *hdrs, const char *json, size_t jsonlen,
                 body_buf *b)
{
    /* Only plain requests: no redirects (a redirect could leak the
     * request to another host), only HTTP(S), no signals (threads). */
    return curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") ==
               CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_POSTFIELDS, json) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                            (curl_off_t)jsonlen) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                            o->connect_timeout_ms) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms) ==
               CURLE_OK &&
           /* A Content-Length over the limit aborts before the body. */
           curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                            (curl_off_t)o->max_response_bytes) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
           curl_easy_setopt(c, CURLOPT_WRITEDATA, b) == CURLE_OK;
}

tk_status tk__http_post(tk_rpc *rpc, tk__http_reply *reply, const char **msg,
                        const char *url, const char *json, size_t jsonlen)
{
    body_buf b = {NULL, 0, 0, rpc->opts.max_response_bytes, 0, 0};
    struct curl_slist *hdrs = NULL, *h2;
    CURLcode rc;
    tk_status st = TK_OK;

    memset(reply, 0, sizeof *reply);
    *msg = NULL;
    hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    h2 = hdrs ? curl_slist_append(hdrs, "Accept: application/json") : NULL;
    if (h2 == NULL) {
        curl_slist_free_all(hdrs);
        *msg = "out of memory";
        return TK_ERR_NOMEM;
    }
    hdrs = h2;
    curl_easy_reset(rpc->curl);
    if (!setup(rpc->curl, &rpc->opts, url, hdrs, json, jsonlen, &b)) {
        *msg = "libcurl rejected an option";
        st = TK_ERR_RPC_TRANSPORT;
    } else if ((rc = curl_easy_perform(rpc->curl)) != CURLE_OK) {
        if (b.nomem) {
            *msg = "out of memory";
            st = TK_ERR_NOMEM;
        } else if (b.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
            *msg = "response body over the size limit";
            st = TK_ERR_RPC_TOO_LARGE;
        } else {
            /* curl_easy_strerror: static text, no URL in it. */
            *msg = curl_easy_strerror(rc);
            st = TK_ERR_RPC_TRANSPORT;
        }
    }
    (void)curl_easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, &reply->status);
    curl_slist_free_all(hdrs);
    if (st != TK_OK) {
        free(b.p);
        return st;
    }
    reply->body = b.p != NULL ? b.p : calloc(1, 1);
    reply->len = b.len;
    if (reply->body == NULL) {
        *msg = "out of memory";
        return TK_ERR_NOMEM;
    }
    return TK_OK;
}

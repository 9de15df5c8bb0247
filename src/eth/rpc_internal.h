/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_RPC_INTERNAL_H
#define TK_ETH_RPC_INTERNAL_H

/* The JSON-RPC client's state and its internal steps:
 *   rpc_client.c     create / destroy, endpoint order and health, the
 *                    retry loop (tk__rpc_request)
 *   rpc_transport.c  one HTTP POST with libcurl, bounded body
 *   rpc_envelope.c   the JSON-RPC 2.0 envelope: request text, response
 *                    checks, error objects
 *   rpc_parse.c      strict quantities and data in results
 *   rpc_calls.c      the typed eth_* calls */

#include "ticket/rpc.h"

#include <curl/curl.h>
#include <jansson.h>

#define TK_RPC_URL_MAX 2048

typedef struct tk__rpc_endpoint {
    char *url;              /* wiped and freed on destroy */
    uint64_t demoted_until; /* monotonic ms; 0 = healthy */
} tk__rpc_endpoint;

struct tk_rpc {
    const tk_ctx *ctx;
    CURL *curl;             /* reused: keeps connections alive */
    tk_rpc_options opts;    /* endpoints pointer not kept */
    tk__rpc_endpoint ep[TK_RPC_ENDPOINTS_MAX];
    size_t n_ep;
    uint64_t next_id;
    tk_rpc_error err;
    tk_rpc_stats stats;
    /* The last request had an attempt that may have reached a node without
     * its answer reaching us (timeout, HTTP error, garbled reply) before
     * the attempt whose status it returns: a refusal then does not prove
     * that nothing was done (tk_rpc_send_raw_transaction). */
    int lost_answer;
};

/* One attempt's outcome, before classification. */
typedef struct tk__http_reply {
    char *body;     /* malloc'd, NUL-terminated */
    size_t len;
    long status;    /* HTTP status, 0 if none */
} tk__http_reply;

/* POST json to url. TK_OK with *reply filled (any HTTP status), or
 * TK_ERR_RPC_TRANSPORT / TK_ERR_RPC_TOO_LARGE / TK_ERR_NOMEM with
 * *msg a static description. */
tk_status tk__http_post(tk_rpc *rpc, tk__http_reply *reply, const char **msg,
                        const char *url, const char *json, size_t jsonlen);

/* The request text {"jsonrpc":"2.0","id":id,"method":...,"params":...}
 * (steals params). NULL on NOMEM. free() it. */
char *tk__rpc_request_text(uint64_t id, const char *method, json_t *params);

/* Check body as the response to request id. TK_OK: *result is a new
 * reference to the result. TK_ERR_RPC_ERROR / TK_ERR_RPC_REVERTED: the
 * node's error, recorded in *err. TK_ERR_RPC_BAD_RESPONSE: not a JSON-RPC
 * 2.0 response to this request (*msg says why). */
tk_status tk__rpc_parse_response(json_t **result, tk_rpc_error *err,
                                 const char **msg, const char *body,
                                 size_t len, uint64_t id);

/* Send method(params) (steals params) with retries and failover.
 * TK_OK: *result is a new reference. Otherwise rpc->err is filled. */
tk_status tk__rpc_request(tk_rpc *rpc, json_t **result, const char *method,
                          json_t *params);

/* Record a failure found after the envelope (a result that does not
 * parse): st with a static message, counted as a failed request.
 * Returns st. */
tk_status tk__rpc_fail(tk_rpc *rpc, tk_status st, const char *msg);

/* Copy s into dst (cap >= 1) as printable text. */
void tk__rpc_copy_message(char *dst, size_t cap, const char *s);

/* Strict result parsing (rpc_parse.c); TK_ERR_RPC_BAD_RESPONSE if not. */
tk_status tk__rpc_quantity(tk_u256 *out, const json_t *v);
tk_status tk__rpc_quantity_u64(uint64_t *out, const json_t *v);
/* Data of exactly len bytes (hashes, addresses). */
tk_status tk__rpc_data_fixed(uint8_t *out, size_t len, const json_t *v);
/* Data of any length into a malloc'd buffer (*out NULL when empty). */
tk_status tk__rpc_data_alloc(uint8_t **out, size_t *len, const json_t *v);

/* A block header / receipt object (rpc.h's rules). The receipt must be
 * for tx hash want. TK_ERR_RPC_BAD_RESPONSE if not (outputs partly
 * written: callers zero them). */
tk_status tk__rpc_parse_block(tk_rpc_block *b, const json_t *o);
tk_status tk__rpc_parse_receipt(tk_rpc_receipt *r, const json_t *o,
                                const tk_hash *want);

/* JSON values of request parameters; NULL on NOMEM. */
json_t *tk__rpc_json_quantity(const uint8_t *be, size_t n);
json_t *tk__rpc_json_data(const uint8_t *p, size_t n);

#endif /* TK_ETH_RPC_INTERNAL_H */

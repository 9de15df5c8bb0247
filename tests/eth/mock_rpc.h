/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_MOCK_RPC_H
#define TK_TEST_MOCK_RPC_H

/* A scripted JSON-RPC server for the client's tests (libmicrohttpd, on
 * 127.0.0.1 and a port the kernel picks; one thread per connection).
 * Each request takes the next scripted reply, or the default one when
 * the script is empty. In a reply body, "%ID%" becomes the request's id.
 * It records every request's method and body. mock_rpc_stop always stops
 * it (tests call it on every path through their teardown). */

#include <stddef.h>

typedef struct mock_rpc mock_rpc;

#define MOCK_CLOSE (-1) /* http_status: close the connection, no reply */

mock_rpc *mock_rpc_start(void);
void mock_rpc_stop(mock_rpc *m);
const char *mock_rpc_url(const mock_rpc *m);

/* Queue a reply: HTTP status (or MOCK_CLOSE), delay before answering,
 * body (copied). */
void mock_rpc_push(mock_rpc *m, int http_status, int delay_ms,
                   const char *body);
/* Queue {"jsonrpc":"2.0","id":%ID%,"result":<result_json>}. */
void mock_rpc_result(mock_rpc *m, const char *result_json);
/* The reply when the script is empty (default: HTTP 500). */
void mock_rpc_set_default(mock_rpc *m, int http_status, const char *body);

/* A fake node: when the script is empty, fn(data, method, params) gives
 * the result (JSON text, malloc'd; the mock wraps and frees it), or NULL
 * for an HTTP 500. Called from the server's threads, one at a time. */
typedef char *(*mock_rpc_handler)(void *data, const char *method,
                                  const char *params_json);
void mock_rpc_set_handler(mock_rpc *m, mock_rpc_handler fn, void *data);
/* A handler's answer that is a JSON-RPC error object instead of a result
 * (malloc'd, like a result; data may be NULL). */
char *mock_rpc_error_result(int code, const char *message, const char *data);

/* Handler answers (malloc'd, as a handler returns them): a copy of a
 * JSON text; a quantity "0x..." as a JSON string. */
char *mock_rpc_text(const char *json);
char *mock_rpc_qty(unsigned long long v);
/* "0x" and 64 hex digits of 32 bytes (out: at least 67 bytes). */
void mock_rpc_hex32(char *out, const unsigned char *b);

/* Requests received so far (all of them; the first 256 are logged); the method and body of request i (copies
 * owned by the mock, valid until stop). */
size_t mock_rpc_count(mock_rpc *m);
const char *mock_rpc_method(mock_rpc *m, size_t i);
const char *mock_rpc_body(mock_rpc *m, size_t i);

/* A URL on 127.0.0.1 where nothing listens (a port bound then closed). */
void mock_rpc_dead_url(char *out, size_t cap);

#endif

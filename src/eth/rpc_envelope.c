/* SPDX-License-Identifier: MIT */
/* The JSON-RPC 2.0 envelope: the request text, and the checks a response
 * must pass before its result is looked at. */
#include "eth/rpc_internal.h"

#include <stdlib.h>
#include <string.h>

char *tk__rpc_request_text(uint64_t id, const char *method, json_t *params)
{
    json_t *req;
    char *text = NULL;
    size_t n;

    if (params == NULL)
        return NULL;
    req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
                    (json_int_t)id, "method", method, "params", params);
    if (req == NULL)
        return NULL;
    /* Into our own buffer, not json_dumps': the application may have
     * given jansson another allocator (json_set_alloc_funcs), and the
     * text is freed with free(). */
    n = json_dumpb(req, NULL, 0, JSON_COMPACT);
    if (n > 0 && (text = malloc(n + 1)) != NULL) {
        if (json_dumpb(req, text, n, JSON_COMPACT) == n) {
            text[n] = '\0';
        } else {
            free(text);
            text = NULL;
        }
    }
    json_decref(req);
    return text;
}

void tk__rpc_copy_message(char *dst, size_t cap, const char *s)
{
    size_t i = 0;

    for (; s != NULL && s[i] != '\0' && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[i] = '\0';
}

/* A revert: code 3 (geth, anvil: "execution reverted" with data), or a
 * message that says so (nodes that use -32000 or -32015). */
static int is_revert(int64_t code, const char *msg)
{
    static const char prefix[] = "execution reverted";
    return code == 3 || strncmp(msg, prefix, sizeof prefix - 1) == 0 ||
           strncmp(msg, "VM Exception while processing transaction: revert",
                   50) == 0;
}

/* The error object: {"code": int, "message": string, "data"?: any}. */
static tk_status parse_error(tk_rpc_error *err, const char **msg,
                             const json_t *e)
{
    const json_t *code = json_object_get(e, "code");
    const json_t *message = json_object_get(e, "message");
    const json_t *data = json_object_get(e, "data");
    const char *text;

    if (!json_is_object(e) || !json_is_integer(code) ||
        !json_is_string(message)) {
        *msg = "malformed error object";
        return TK_ERR_RPC_BAD_RESPONSE;
    }
    text = json_string_value(message);
    err->code = (int64_t)json_integer_value(code);
    tk__rpc_copy_message(err->message, sizeof err->message, text);
    /* Revert data is a hex string; other shapes (objects) are ignored. */
    if (data != NULL) {
        uint8_t *bytes = NULL;
        size_t n = 0;
        if (tk__rpc_data_alloc(&bytes, &n, data) == TK_OK &&
            n <= sizeof err->data) {
            if (n > 0)
                memcpy(err->data, bytes, n);
            err->data_len = n;
        }
        free(bytes);
    }
    if (!is_revert(err->code, text))
        return TK_ERR_RPC_ERROR;
    /* Undecodable revert data stays raw in err->data (revert zeroed). */
    if (tk_abi_decode_revert(&err->revert, err->data, err->data_len) != TK_OK)
        memset(&err->revert, 0, sizeof err->revert);
    return TK_ERR_RPC_REVERTED;
}

tk_status tk__rpc_parse_response(json_t **result, tk_rpc_error *err,
                                 const char **msg, const char *body,
                                 size_t len, uint64_t id)
{
    json_error_t jerr;
    json_t *root, *v, *res, *e;
    tk_status st = TK_ERR_RPC_BAD_RESPONSE;

    *result = NULL;
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        *msg = "response is not JSON";
        return st;
    }
    v = json_object_get(root, "jsonrpc");
    res = json_object_get(root, "result");
    e = json_object_get(root, "error");
    if (!json_is_object(root) || !json_is_string(v) ||
        strcmp(json_string_value(v), "2.0") != 0) {
        *msg = "not a JSON-RPC 2.0 response";
    } else if (!json_is_integer(json_object_get(root, "id")) ||
               json_integer_value(json_object_get(root, "id")) !=
                   (json_int_t)id) {
        *msg = "response id does not match the request";
    } else if ((res == NULL) == (e == NULL)) {
        *msg = "response has neither or both of result and error";
    } else if (e != NULL) {
        st = parse_error(err, msg, e);
    } else {
        *result = json_incref(res);
        st = TK_OK;
    }
    json_decref(root);
    return st;
}

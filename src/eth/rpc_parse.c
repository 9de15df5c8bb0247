/* SPDX-License-Identifier: MIT */
/* Strict hex in JSON-RPC results, and hex for request parameters. */
#include "eth/rpc_internal.h"

#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

static int is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* "0x" then only hex digits; *digits is their count. */
static int hex_string(const json_t *v, const char **s, size_t *digits)
{
    size_t len;

    if (!json_is_string(v))
        return 0;
    *s = json_string_value(v);
    len = json_string_length(v);
    if (len < 2 || (*s)[0] != '0' || (*s)[1] != 'x' ||
        strlen(*s) != len) /* no NUL inside */
        return 0;
    for (size_t i = 2; i < len; i++)
        if (!is_hex_digit((*s)[i]))
            return 0;
    *digits = len - 2;
    return 1;
}

tk_status tk__rpc_quantity(tk_u256 *out, const json_t *v)
{
    const char *s = NULL;
    size_t digits = 0;

    memset(out, 0, sizeof *out);
    /* 1..64 digits, no leading zero except "0x0" itself. */
    if (!hex_string(v, &s, &digits) || digits == 0 || digits > 64 ||
        (digits > 1 && s[2] == '0'))
        return TK_ERR_RPC_BAD_RESPONSE;
    if (tk_u256_from_hex(out, s, digits + 2) != TK_OK) {
        memset(out, 0, sizeof *out);
        return TK_ERR_RPC_BAD_RESPONSE;
    }
    return TK_OK;
}

tk_status tk__rpc_quantity_u64(uint64_t *out, const json_t *v)
{
    tk_u256 w;

    *out = 0;
    if (tk__rpc_quantity(&w, v) != TK_OK || tk_u256_to_u64(out, &w) != TK_OK)
        return TK_ERR_RPC_BAD_RESPONSE;
    return TK_OK;
}

tk_status tk__rpc_data_fixed(uint8_t *out, size_t len, const json_t *v)
{
    const char *s = NULL;
    size_t digits = 0, n = len;

    memset(out, 0, len);
    if (!hex_string(v, &s, &digits) || digits != 2 * len ||
        tk_hex_decode(out, &n, s, digits + 2) != TK_OK || n != len) {
        memset(out, 0, len);
        return TK_ERR_RPC_BAD_RESPONSE;
    }
    return TK_OK;
}

tk_status tk__rpc_data_alloc(uint8_t **out, size_t *len, const json_t *v)
{
    const char *s = NULL;
    size_t digits = 0, n;

    *out = NULL;
    *len = 0;
    if (!hex_string(v, &s, &digits) || digits % 2 != 0)
        return TK_ERR_RPC_BAD_RESPONSE;
    n = digits / 2;
    if (n == 0)
        return TK_OK;
    if ((*out = malloc(n)) == NULL)
        return TK_ERR_NOMEM;
    if (tk_hex_decode(*out, &n, s, digits + 2) != TK_OK || n != digits / 2) {
        free(*out);
        *out = NULL;
        return TK_ERR_RPC_BAD_RESPONSE;
    }
    *len = n;
    return TK_OK;
}

json_t *tk__rpc_json_quantity(const uint8_t *be, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char buf[2 + 64 + 1];
    size_t k = 2;
    int started = 0;

    buf[0] = '0';
    buf[1] = 'x';
    for (size_t i = 0; i < n && i < 32; i++) {
        for (int half = 1; half >= 0; half--) {
            unsigned d = (be[i] >> (4 * half)) & 0xf;
            if (d == 0 && !started)
                continue;
            started = 1;
            buf[k++] = digits[d];
        }
    }
    if (!started)
        buf[k++] = '0';
    buf[k] = '\0';
    return json_string(buf);
}

json_t *tk__rpc_json_data(const uint8_t *p, size_t n)
{
    size_t cap = 2 * n + 3;
    char *buf = malloc(cap);
    json_t *v = NULL;

    if (buf == NULL)
        return NULL;
    if (tk_hex_encode(buf, cap, p, n) == TK_OK)
        v = json_string(buf);
    free(buf);
    return v;
}

/* ---- blocks and receipts ------------------------------------------------*/

/* An optional field: absent or null gives 0 / not present. */
static const json_t *field(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_null(v) ? NULL : v;
}

tk_status tk__rpc_parse_block(tk_rpc_block *b, const json_t *o)
{
    const json_t *l1 = field(o, "l1BlockNumber");
    const json_t *fee = field(o, "baseFeePerGas");

    if (!json_is_object(o) ||
        tk__rpc_quantity_u64(&b->number, json_object_get(o, "number")) ||
        tk__rpc_data_fixed(b->hash.bytes, TK_HASH_LEN,
                           json_object_get(o, "hash")) ||
        tk__rpc_quantity_u64(&b->timestamp, json_object_get(o, "timestamp")))
        return TK_ERR_RPC_BAD_RESPONSE;
    /* Arbitrum: the L1 block the rounds follow. Elsewhere: the block. */
    b->l1_block_number = b->number;
    if (l1 != NULL) {
        if (tk__rpc_quantity_u64(&b->l1_block_number, l1) != TK_OK)
            return TK_ERR_RPC_BAD_RESPONSE;
        b->has_l1_block_number = 1;
    }
    if (fee != NULL) {
        if (tk__rpc_quantity(&b->base_fee, fee) != TK_OK)
            return TK_ERR_RPC_BAD_RESPONSE;
        b->has_base_fee = 1;
    }
    return TK_OK;
}

tk_status tk__rpc_parse_receipt(tk_rpc_receipt *r, const json_t *o,
                               const tk_hash *want)
{
    const json_t *price = field(o, "effectiveGasPrice");
    uint64_t status = 2;

    if (!json_is_object(o) ||
        tk__rpc_data_fixed(r->tx_hash.bytes, TK_HASH_LEN,
                           json_object_get(o, "transactionHash")) ||
        memcmp(r->tx_hash.bytes, want->bytes, TK_HASH_LEN) != 0 ||
        tk__rpc_data_fixed(r->block_hash.bytes, TK_HASH_LEN,
                           json_object_get(o, "blockHash")) ||
        tk__rpc_quantity_u64(&r->block_number,
                             json_object_get(o, "blockNumber")) ||
        tk__rpc_quantity_u64(&status, json_object_get(o, "status")) ||
        status > 1 ||
        tk__rpc_quantity_u64(&r->gas_used, json_object_get(o, "gasUsed")) ||
        (price != NULL &&
         tk__rpc_quantity(&r->effective_gas_price, price) != TK_OK))
        return TK_ERR_RPC_BAD_RESPONSE;
    r->status = (int)status;
    return TK_OK;
}

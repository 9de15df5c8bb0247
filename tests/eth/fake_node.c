/* SPDX-License-Identifier: MIT */
#include "fake_node.h"

#include "ticket/abi.h"
#include "ticket/keccak.h"
#include "ticket/u256.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fake_round_hash(tk_hash *h, uint64_t round)
{
    memset(h->bytes, (int)(round & 0xff), TK_HASH_LEN);
    if (round == 10)
        memset(h->bytes, 0x11, TK_HASH_LEN);
}

void fake_node_init(fake_node *n)
{
    memset(n, 0, sizeof *n);
    pthread_mutex_init(&n->mu, NULL);
    memset(n->controller.bytes, 0xc0, TK_ADDRESS_LEN);
    memset(n->broker.bytes, 0xb0, TK_ADDRESS_LEN);
    memset(n->rounds.bytes, 0xa0, TK_ADDRESS_LEN);
    memset(n->bonding.bytes, 0x90, TK_ADDRESS_LEN);
    memset(n->recipient.bytes, 0x7e, TK_ADDRESS_LEN);
    n->register_bonding = 1;
    n->block = 1000;
    n->current_round = n->last_round = 10;
    n->initialized = 1;
    n->pool_size = 1;
    n->gas_price = 1000000000u;
}

void fake_node_free(fake_node *n)
{
    pthread_mutex_destroy(&n->mu);
}

fake_sender *fake_node_add_sender(fake_node *n, const tk_address *a,
                                  uint64_t deposit, uint64_t reserve)
{
    fake_sender *s;
    if (n->n_senders == FAKE_SENDERS_MAX)
        abort();
    s = &n->senders[n->n_senders++];
    memset(s, 0, sizeof *s);
    s->addr = *a;
    (void)tk_u256_from_u64(&s->funds.deposit, deposit);
    (void)tk_u256_from_u64(&s->funds.reserve_funds_remaining, reserve);
    return s;
}

void fake_node_fault(fake_node *n, const char *call, const char *result)
{
    pthread_mutex_lock(&n->mu);
    snprintf(n->bad_call, sizeof n->bad_call, "%s", call);
    snprintf(n->bad_result, sizeof n->bad_result, "%s", result);
    pthread_mutex_unlock(&n->mu);
}

/* ---- answers ------------------------------------------------------------ */

static void hex_of(char *out, const uint8_t *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * len] = '\0';
}

/* "0x<words>" as a JSON string. */
static char *words_json(const uint8_t *b, size_t len)
{
    char *out = malloc(2 * len + 5);
    if (out == NULL)
        abort();
    out[0] = '"';
    out[1] = '0';
    out[2] = 'x';
    hex_of(out + 3, b, len);
    strcat(out, "\"");
    return out;
}

static char *word_u64(uint64_t v)
{
    tk_u256 w;
    (void)tk_u256_from_u64(&w, v);
    return words_json(w.bytes, 32);
}

static char *quantity(uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "\"0x%llx\"", (unsigned long long)v);
    return mock_rpc_text(buf);
}

static int unhex(uint8_t *out, size_t len, const char *s)
{
    if (s == NULL || strncmp(s, "0x", 2) != 0 || strlen(s) != 2 + 2 * len)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        if (sscanf(s + 2 + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static char *header(fake_node *n)
{
    char buf[512], hash[65];
    uint8_t h[32];
    memset(h, (int)(n->block & 0xff), sizeof h);
    hex_of(hash, h, 32);
    if (n->has_l1)
        snprintf(buf, sizeof buf,
                 "{\"number\":\"0x%llx\",\"hash\":\"0x%s\",\"timestamp\":"
                 "\"0x1\",\"l1BlockNumber\":\"0x%llx\"}",
                 (unsigned long long)n->block, hash,
                 (unsigned long long)n->l1_block);
    else
        snprintf(buf, sizeof buf,
                 "{\"number\":\"0x%llx\",\"hash\":\"0x%s\",\"timestamp\":"
                 "\"0x1\",\"baseFeePerGas\":\"0x7\"}",
                 (unsigned long long)n->block, hash);
    return mock_rpc_text(buf);
}

static const fake_sender *find_sender(const fake_node *n, const uint8_t *word)
{
    for (size_t i = 0; i < n->n_senders; i++)
        if (memcmp(n->senders[i].addr.bytes, word + 12, TK_ADDRESS_LEN) == 0)
            return &n->senders[i];
    return NULL;
}

static int named(const uint8_t *word, const char *name)
{
    tk_hash h;
    (void)tk_keccak256(&h, name, strlen(name));
    return memcmp(h.bytes, word, 32) == 0;
}

static char *get_contract(fake_node *n, const uint8_t *arg)
{
    tk_u256 w;
    memset(&w, 0, sizeof w);
    if (named(arg, "TicketBroker"))
        memcpy(w.bytes + 12, n->broker.bytes, 20);
    else if (named(arg, "RoundsManager"))
        memcpy(w.bytes + 12, n->rounds.bytes, 20);
    else if (named(arg, "BondingManager") && n->register_bonding)
        memcpy(w.bytes + 12, n->bonding.bytes, 20);
    return words_json(w.bytes, 32);
}

static char *sender_info(const fake_node *n, const uint8_t *arg)
{
    uint8_t out[128];
    const fake_sender *s = find_sender(n, arg);
    memset(out, 0, sizeof out);
    if (s != NULL) {
        memcpy(out, s->funds.deposit.bytes, 32);
        memcpy(out + 32, s->funds.withdraw_round.bytes, 32);
        memcpy(out + 64, s->funds.reserve_funds_remaining.bytes, 32);
        memcpy(out + 96, s->funds.reserve_claimed_in_current_round.bytes, 32);
    }
    return words_json(out, sizeof out);
}

/* The contract a selector belongs to (NULL: unknown selector). */
static const tk_address *owner(const fake_node *n, uint32_t sel)
{
    switch (sel) {
    case TK_ABI_SEL_GET_CONTRACT:
        return &n->controller;
    case TK_ABI_SEL_CURRENT_ROUND:
    case TK_ABI_SEL_LAST_INITIALIZED_ROUND:
    case TK_ABI_SEL_CURRENT_ROUND_INITIALIZED:
    case TK_ABI_SEL_BLOCK_HASH_FOR_ROUND:
        return &n->rounds;
    case TK_ABI_SEL_GET_TRANSCODER_POOL_SIZE:
        return &n->bonding;
    case TK_ABI_SEL_GET_SENDER_INFO:
    case TK_ABI_SEL_CLAIMED_RESERVE:
    case TK_ABI_SEL_USED_TICKETS:
        return &n->broker;
    default:
        return NULL;
    }
}

static char *eth_call(fake_node *n, uint32_t sel, const uint8_t *args,
                      size_t nargs)
{
    const fake_sender *s;
    tk_hash h;

    switch (sel) {
    case TK_ABI_SEL_GET_CONTRACT:
        return get_contract(n, args);
    case TK_ABI_SEL_CURRENT_ROUND:
        return word_u64(n->current_round);
    case TK_ABI_SEL_LAST_INITIALIZED_ROUND:
        return word_u64(n->last_round);
    case TK_ABI_SEL_CURRENT_ROUND_INITIALIZED:
        return word_u64((uint64_t)n->initialized);
    case TK_ABI_SEL_BLOCK_HASH_FOR_ROUND:
        memset(&h, 0, sizeof h);
        if (nargs == 1 && args[31] <= n->last_round && args[30] == 0)
            fake_round_hash(&h, args[31]);
        return words_json(h.bytes, 32);
    case TK_ABI_SEL_GET_TRANSCODER_POOL_SIZE:
        return word_u64(n->pool_size);
    case TK_ABI_SEL_GET_SENDER_INFO:
        return sender_info(n, args);
    case TK_ABI_SEL_CLAIMED_RESERVE:
        s = nargs == 2 ? find_sender(n, args) : NULL;
        return word_u64(s != NULL && memcmp(args + 44, n->recipient.bytes,
                                            20) == 0 ? s->claimed : 0);
    case TK_ABI_SEL_USED_TICKETS:
        return word_u64(args[0] == 0xaa);
    default:
        return NULL;
    }
}

/* An eth_call: checks the target and the block, then answers. */
static char *call(fake_node *n, const json_t *params, const char **fault_key,
                  char selkey[16])
{
    const json_t *o = json_array_get(params, 0), *blk = json_array_get(params, 1);
    const char *data = json_string_value(json_object_get(o, "data"));
    uint8_t to[20], buf[4 + 64];
    size_t len = data != NULL ? (strlen(data) - 2) / 2 : 0;
    uint32_t sel;
    const tk_address *want;

    if (len < 4 || len > sizeof buf || unhex(buf, len, data) != 0 ||
        unhex(to, 20, json_string_value(json_object_get(o, "to"))) != 0)
        return NULL;
    sel = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
          (uint32_t)buf[2] << 8 | buf[3];
    snprintf(selkey, 16, "0x%08x", sel);
    *fault_key = selkey;
    want = owner(n, sel);
    if (want == NULL || memcmp(want->bytes, to, 20) != 0)
        n->wrong_calls++;
    /* Reads of the cached state must be at the header's block. */
    if (sel != TK_ABI_SEL_GET_CONTRACT && sel != TK_ABI_SEL_USED_TICKETS) {
        char want_blk[32];
        snprintf(want_blk, sizeof want_blk, "0x%llx",
                 (unsigned long long)n->block);
        if (!json_is_string(blk) ||
            strcmp(json_string_value(blk), want_blk) != 0)
            n->wrong_calls++;
    }
    return eth_call(n, sel, buf + 4, (len - 4) / 32);
}

static char *answer(void *data, const char *method, const char *params_json)
{
    fake_node *n = data;
    json_t *params = json_loads(params_json, 0, NULL);
    const char *key = method;
    char selkey[16], *res = NULL;

    pthread_mutex_lock(&n->mu);
    if (strcmp(method, "eth_getBlockByNumber") == 0)
        res = header(n);
    else if (strcmp(method, "eth_gasPrice") == 0)
        res = quantity(n->gas_price);
    else if (strcmp(method, "eth_call") == 0)
        res = call(n, params, &key, selkey);
    if (n->bad_call[0] != '\0' && strcmp(n->bad_call, key) == 0) {
        free(res);
        res = mock_rpc_text(n->bad_result);
        n->bad_call[0] = '\0';
    }
    pthread_mutex_unlock(&n->mu);
    json_decref(params);
    return res;
}

void fake_node_attach(fake_node *n, mock_rpc *m)
{
    mock_rpc_set_handler(m, answer, n);
}

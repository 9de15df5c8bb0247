/* SPDX-License-Identifier: MIT */
/* Test helpers for the anvil tests: see anvil_node.h. */
#include "anvil_node.h"

#include "test_support.h"

#include "eth/rpc_internal.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/u256.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        fail_msg("%s is not set: run under tools/chain/tkchain.py run", name);
    return v;
}

static tk_address env_address(const char *name)
{
    tk_address a;
    const char *v = env(name);
    assert_int_equal(tk_address_from_hex(&a, v, strlen(v)), TK_OK);
    return a;
}

/* The i-th comma-separated entry of an environment list. */
static void list_item(char *out, size_t cap, const char *list, int i)
{
    const char *p = list, *end;
    for (; i > 0; i--) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    end = strchr(p, ',');
    if (end == NULL)
        end = p + strlen(p);
    assert_true((size_t)(end - p) < cap);
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
}

void anvil_env_load(anvil_env *e)
{
    char item[128];

    memset(e, 0, sizeof *e);
    e->url = env("TK_ANVIL_URL");
    e->chain_id = strtoull(env("TK_CHAIN_ID"), NULL, 10);
    e->controller = env_address("TK_CONTROLLER");
    e->broker = env_address("TK_TICKET_BROKER");
    e->rounds = env_address("TK_ROUNDS_MANAGER");
    e->bonding = env_address("TK_BONDING_MANAGER");
    for (int i = 0; i < ANVIL_DEV_ACCOUNTS; i++) {
        list_item(item, sizeof item, env("TK_DEV_KEYS"), i);
        tk_test_hex(e->keys[i], 32, item);
        list_item(item, sizeof item, env("TK_DEV_ACCOUNTS"), i);
        assert_int_equal(tk_address_from_hex(&e->accounts[i], item,
                                             strlen(item)), TK_OK);
    }
}

tk_rpc *anvil_rpc(const tk_ctx *ctx, const char *const *urls, size_t n)
{
    tk_rpc_options o;
    tk_rpc *rpc = NULL;

    assert_int_equal(tk_rpc_options_default(&o), TK_OK);
    o.endpoints = urls;
    o.n_endpoints = n;
    o.retries = 0;
    o.connect_timeout_ms = 1000;
    o.timeout_ms = 5000;
    assert_int_equal(tk_rpc_create(ctx, &rpc, &o), TK_OK);
    return rpc;
}

json_t *anvil_raw(tk_rpc *rpc, const char *method, json_t *params)
{
    json_t *res = NULL;
    tk_status st = tk__rpc_request(rpc, &res, method, params);
    if (st != TK_OK)
        fail_msg("%s: %s (%s)", method, tk_status_name(st), rpc->err.message);
    return res;
}

static json_t *hex_json(const uint8_t *in, size_t len)
{
    char *s = malloc(2 * len + 3);
    json_t *j;
    assert_non_null(s);
    assert_int_equal(tk_hex_encode(s, 2 * len + 3, in, len), TK_OK);
    j = json_string(s);
    free(s);
    return j;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int anvil_send_from(tk_rpc *rpc, const tk_address *from, const tk_address *to,
                    const uint8_t *data, size_t len, uint64_t tip_gwei)
{
    json_t *tx = json_object(), *res;
    tk_hash h;
    tk_rpc_receipt rc;
    int found = 0, automine;
    char tip[40];

    json_object_set_new(tx, "from", hex_json(from->bytes, 20));
    json_object_set_new(tx, "to", hex_json(to->bytes, 20));
    json_object_set_new(tx, "data", hex_json(data, len));
    json_object_set_new(tx, "gas", json_string("0x989680")); /* 10M */
    if (tip_gwei > 0) {
        snprintf(tip, sizeof tip, "0x%llx",
                 (unsigned long long)(tip_gwei * 1000000000u));
        json_object_set_new(tx, "maxPriorityFeePerGas", json_string(tip));
        json_object_set_new(tx, "maxFeePerGas", json_string("0x174876e800"));
    }
    res = anvil_raw(rpc, "eth_sendTransaction", json_pack("[o]", tx));
    assert_int_equal(tk_hex_decode(h.bytes, &(size_t){32},
                                   json_string_value(res),
                                   strlen(json_string_value(res))), TK_OK);
    json_decref(res);
    res = anvil_raw(rpc, "anvil_getAutomine", json_array());
    automine = json_is_true(res);
    json_decref(res);
    if (!automine)
        return -1;
    for (int i = 0; i < 400 && !found; i++) {
        assert_int_equal(tk_rpc_get_receipt(rpc, &rc, &found, &h), TK_OK);
        if (!found)
            sleep_ms(10);
    }
    assert_int_equal(found, 1);
    return rc.status;
}

uint32_t anvil_selector(const char *signature)
{
    uint32_t sel = 0;
    assert_int_equal(tk_abi_selector(&sel, signature, strlen(signature)),
                     TK_OK);
    return sel;
}

int anvil_call_from(tk_rpc *rpc, const tk_address *from, const tk_address *to,
                    uint32_t selector, const tk_u256 *words, size_t n)
{
    uint8_t cd[4 + 32 * TK_ABI_CALL_WORDS_MAX];
    size_t len = sizeof cd;
    assert_int_equal(tk_abi_encode_call(cd, &len, selector, words, n), TK_OK);
    return anvil_send_from(rpc, from, to, cd, len, 0);
}

void anvil_mine(tk_rpc *rpc, uint64_t blocks)
{
    char n[24];
    snprintf(n, sizeof n, "0x%llx", (unsigned long long)blocks);
    json_decref(anvil_raw(rpc, "anvil_mine", json_pack("[s]", n)));
}

void anvil_automine(tk_rpc *rpc, int on)
{
    json_decref(anvil_raw(rpc, "evm_setAutomine", json_pack("[b]", on)));
}

uint64_t anvil_block(tk_rpc *rpc)
{
    uint64_t b = 0;
    assert_int_equal(tk_rpc_block_number(rpc, &b), TK_OK);
    return b;
}

tk_u256 anvil_balance(tk_rpc *rpc, const tk_address *a)
{
    json_t *res = anvil_raw(rpc, "eth_getBalance",
                            json_pack("[o,s]", hex_json(a->bytes, 20),
                                      "latest"));
    tk_u256 v;
    const char *s = json_string_value(res);
    assert_non_null(s);
    assert_int_equal(tk_u256_from_hex(&v, s, strlen(s)), TK_OK);
    json_decref(res);
    return v;
}

static size_t read_call(tk_rpc *rpc, uint8_t *out, size_t cap,
                        const tk_address *to, uint32_t sel,
                        const tk_u256 *words, size_t n)
{
    uint8_t cd[4 + 32 * TK_ABI_CALL_WORDS_MAX];
    size_t cdlen = sizeof cd, len = cap;
    tk_rpc_call_args a = {NULL, to, NULL, cd, 0};

    assert_int_equal(tk_abi_encode_call(cd, &cdlen, sel, words, n), TK_OK);
    a.data_len = cdlen;
    assert_int_equal(tk_rpc_call(rpc, out, &len, &a, "latest", 0), TK_OK);
    return len;
}

int anvil_used(tk_rpc *rpc, const tk_address *broker, const tk_hash *ticket)
{
    tk_u256 w;
    uint8_t out[32];
    int used = -1;
    size_t n;
    memcpy(w.bytes, ticket->bytes, 32);
    n = read_call(rpc, out, sizeof out, broker, TK_ABI_SEL_USED_TICKETS, &w, 1);
    assert_int_equal(tk_abi_decode_bool(&used, out, n), TK_OK);
    return used;
}

tk_abi_sender_info anvil_sender_info(tk_rpc *rpc, const tk_address *broker,
                                     const tk_address *sender)
{
    tk_abi_sender_info si;
    tk_u256 w;
    uint8_t out[128];
    size_t n;
    assert_int_equal(tk_abi_address_word(&w, sender), TK_OK);
    n = read_call(rpc, out, sizeof out, broker, TK_ABI_SEL_GET_SENDER_INFO,
                  &w, 1);
    assert_int_equal(tk_abi_decode_sender_info(&si, out, n), TK_OK);
    return si;
}

uint64_t anvil_current_round(tk_rpc *rpc, const tk_address *rounds)
{
    uint8_t out[32];
    uint64_t r = 0;
    size_t n = read_call(rpc, out, sizeof out, rounds,
                         TK_ABI_SEL_CURRENT_ROUND, NULL, 0);
    assert_int_equal(tk_abi_decode_u64(&r, out, n), TK_OK);
    return r;
}

void anvil_new_round(tk_rpc *rpc, const anvil_env *e)
{
    assert_int_equal(anvil_call_from(rpc, &e->accounts[0], &e->rounds,
                                     anvil_selector("advanceRound()"), NULL,
                                     0), 1);
    assert_int_equal(anvil_call_from(rpc, &e->accounts[0], &e->rounds,
                                     anvil_selector("initializeRound()"),
                                     NULL, 0), 1);
}

/* ---- the relay ---------------------------------------------------------*/

#define RELAY_CONNS 16

struct anvil_relay {
    pthread_t thread;
    pthread_mutex_t mu;
    int want_up, quit;       /* under mu */
    uint16_t port, target_port;
    int lfd;
    int cfd[RELAY_CONNS][2]; /* client, upstream; -1 when unused */
};

static int listen_on(uint16_t port)
{
    struct sockaddr_in a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_to(uint16_t port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void close_conn(anvil_relay *r, int i)
{
    for (int k = 0; k < 2; k++)
        if (r->cfd[i][k] >= 0) {
            close(r->cfd[i][k]);
            r->cfd[i][k] = -1;
        }
}

static void close_all(anvil_relay *r)
{
    for (int i = 0; i < RELAY_CONNS; i++)
        close_conn(r, i);
    if (r->lfd >= 0) {
        close(r->lfd);
        r->lfd = -1;
    }
}

static void accept_one(anvil_relay *r)
{
    int c = accept(r->lfd, NULL, NULL), u;
    if (c < 0)
        return;
    u = connect_to(r->target_port);
    for (int i = 0; u >= 0 && i < RELAY_CONNS; i++)
        if (r->cfd[i][0] < 0) {
            r->cfd[i][0] = c;
            r->cfd[i][1] = u;
            return;
        }
    close(c);
    if (u >= 0)
        close(u);
}

static void *relay_main(void *arg)
{
    anvil_relay *r = arg;
    char buf[16384];

    for (;;) {
        struct pollfd p[1 + 2 * RELAY_CONNS];
        int up, quit, np = 0;

        pthread_mutex_lock(&r->mu);
        up = r->want_up;
        quit = r->quit;
        pthread_mutex_unlock(&r->mu);
        if (quit)
            break;
        if (!up && r->lfd >= 0)
            close_all(r);
        if (up && r->lfd < 0)
            r->lfd = listen_on(r->port);
        if (r->lfd < 0) {
            sleep_ms(10);
            continue;
        }
        p[np++] = (struct pollfd){r->lfd, POLLIN, 0};
        for (int i = 0; i < RELAY_CONNS; i++)
            for (int k = 0; k < 2; k++)
                p[np++] = (struct pollfd){r->cfd[i][k], POLLIN, 0};
        if (poll(p, (nfds_t)np, 20) <= 0)
            continue;
        if (p[0].revents & POLLIN)
            accept_one(r);
        for (int i = 0; i < RELAY_CONNS; i++)
            for (int k = 0; k < 2; k++) {
                short ev = p[1 + 2 * i + k].revents;
                ssize_t n;
                if (r->cfd[i][k] < 0 || !(ev & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                n = read(r->cfd[i][k], buf, sizeof buf);
                if (n <= 0 || write(r->cfd[i][1 - k], buf, (size_t)n) != n)
                    close_conn(r, i);
            }
    }
    close_all(r);
    return NULL;
}

static uint16_t url_port(const char *url)
{
    const char *c = strrchr(url, ':');
    assert_non_null(c);
    return (uint16_t)strtoul(c + 1, NULL, 10);
}

anvil_relay *anvil_relay_start(const char *target_url, char *url, size_t cap)
{
    anvil_relay *r = calloc(1, sizeof *r);
    struct sockaddr_in a;
    socklen_t alen = sizeof a;

    assert_non_null(r);
    memset(r->cfd, -1, sizeof r->cfd);
    r->target_port = url_port(target_url);
    r->lfd = listen_on(0);
    assert_true(r->lfd >= 0);
    assert_int_equal(getsockname(r->lfd, (struct sockaddr *)&a, &alen), 0);
    r->port = ntohs(a.sin_port);
    r->want_up = 1;
    pthread_mutex_init(&r->mu, NULL);
    assert_int_equal(pthread_create(&r->thread, NULL, relay_main, r), 0);
    snprintf(url, cap, "http://127.0.0.1:%u", (unsigned)r->port);
    return r;
}

static void relay_set(anvil_relay *r, int up)
{
    pthread_mutex_lock(&r->mu);
    r->want_up = up;
    pthread_mutex_unlock(&r->mu);
    sleep_ms(60); /* one poll round: the thread has acted */
}

void anvil_relay_stop(anvil_relay *r)
{
    relay_set(r, 0);
}

void anvil_relay_resume(anvil_relay *r)
{
    relay_set(r, 1);
}

void anvil_relay_free(anvil_relay *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = 1;
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* SPDX-License-Identifier: MIT */
#include "mock_rpc.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SCRIPT 64
#define MAX_LOG 256

typedef struct reply {
    int status, delay_ms;
    char *body;
} reply;

struct mock_rpc {
    struct MHD_Daemon *d;
    char url[64];
    pthread_mutex_t mu;
    reply script[MAX_SCRIPT];
    size_t head, tail;
    reply dflt;
    char *methods[MAX_LOG], *bodies[MAX_LOG];
    size_t n_log, n_requests;
    mock_rpc_handler handler;
    void *handler_data;
};

typedef struct conn {
    char *buf;
    size_t len;
} conn;

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p == NULL)
        abort();
    memcpy(p, s, n);
    return p;
}

/* body with every %ID% replaced by id. */
static char *expand(const char *body, long long id)
{
    char idtxt[32];
    size_t n = 0, il;
    const char *p;
    char *out, *o;

    snprintf(idtxt, sizeof idtxt, "%lld", id);
    il = strlen(idtxt);
    for (p = body; (p = strstr(p, "%ID%")) != NULL; p += 4)
        n++;
    out = malloc(strlen(body) + n * il + 1);
    if (out == NULL)
        abort();
    for (o = out, p = body; *p;) {
        if (strncmp(p, "%ID%", 4) == 0) {
            memcpy(o, idtxt, il);
            o += il;
            p += 4;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static void record(mock_rpc *m, const char *body, long long *id)
{
    json_t *req = json_loads(body, 0, NULL);
    const char *method = json_string_value(json_object_get(req, "method"));

    *id = (long long)json_integer_value(json_object_get(req, "id"));
    pthread_mutex_lock(&m->mu);
    m->n_requests++;
    if (m->n_log < MAX_LOG) {
        m->methods[m->n_log] = dup_str(method ? method : "");
        m->bodies[m->n_log] = dup_str(body);
        m->n_log++;
    }
    pthread_mutex_unlock(&m->mu);
    json_decref(req);
}

/* Marks a handler's answer as an error object (no JSON text starts so). */
#define ERROR_MARK '!'

/* The handler's reply to body (the mutex held: one call at a time). */
static reply handled(mock_rpc *m, const char *body)
{
    static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":";
    static const char pre_error[] = "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"error\":";
    json_t *req = json_loads(body, 0, NULL);
    const char *method = json_string_value(json_object_get(req, "method"));
    char *params = json_dumps(json_object_get(req, "params"), JSON_COMPACT);
    char *res = m->handler(m->handler_data, method ? method : "",
                           params ? params : "[]");
    reply r = {500, 0, NULL};

    free(params);
    json_decref(req);
    if (res == NULL) {
        r.body = dup_str("handler refused");
        return r;
    }
    r.status = 200;
    r.body = malloc(sizeof pre + strlen(res) + 2);
    if (r.body == NULL)
        abort();
    if (res[0] == ERROR_MARK) /* "error" is as long as "result" */
        snprintf(r.body, sizeof pre + strlen(res) + 2, "%s%s}", pre_error,
                 res + 1);
    else
        snprintf(r.body, sizeof pre + strlen(res) + 2, "%s%s}", pre, res);
    free(res);
    return r;
}

char *mock_rpc_text(const char *json)
{
    char *b = malloc(strlen(json) + 1);
    if (b == NULL)
        abort();
    strcpy(b, json);
    return b;
}

char *mock_rpc_qty(unsigned long long v)
{
    char r[40];
    snprintf(r, sizeof r, "\"0x%llx\"", v);
    return mock_rpc_text(r);
}

void mock_rpc_hex32(char *out, const unsigned char *b)
{
    out += sprintf(out, "0x");
    for (int i = 0; i < 32; i++)
        out += sprintf(out, "%02x", b[i]);
}

char *mock_rpc_error_result(int code, const char *message, const char *data)
{
    json_t *e = json_pack("{s:i,s:s}", "code", code, "message", message);
    char *text, *out;

    if (e == NULL || (data != NULL &&
                      json_object_set_new(e, "data", json_string(data)) != 0))
        abort();
    text = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    if (text == NULL || (out = malloc(strlen(text) + 2)) == NULL)
        abort();
    out[0] = ERROR_MARK;
    strcpy(out + 1, text);
    free(text);
    return out;
}

static reply next_reply(mock_rpc *m, const char *body)
{
    reply r;
    pthread_mutex_lock(&m->mu);
    if (m->head != m->tail) {
        r = m->script[m->head % MAX_SCRIPT];
        m->head++;
    } else if (m->handler != NULL) {
        r = handled(m, body);
    } else {
        r = m->dflt;
        r.body = dup_str(r.body);
    }
    pthread_mutex_unlock(&m->mu);
    return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    mock_rpc *m = cls;
    conn *cn = *con_cls;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    long long id = 0;
    reply r;
    char *text;

    (void)url;
    (void)method;
    (void)version;
    if (cn == NULL) {
        cn = calloc(1, sizeof *cn);
        if (cn == NULL)
            return MHD_NO;
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        char *b = realloc(cn->buf, cn->len + *upload_size + 1);
        if (b == NULL)
            return MHD_NO;
        memcpy(b + cn->len, upload, *upload_size);
        cn->buf = b;
        cn->len += *upload_size;
        cn->buf[cn->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    record(m, cn->buf ? cn->buf : "", &id);
    r = next_reply(m, cn->buf ? cn->buf : "");
    if (r.delay_ms > 0) {
        struct timespec ts = {r.delay_ms / 1000, (r.delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (r.status == MOCK_CLOSE) {
        free(r.body);
        return MHD_NO;
    }
    text = expand(r.body, id);
    free(r.body);
    resp = MHD_create_response_from_buffer(strlen(text), text,
                                           MHD_RESPMEM_MUST_FREE);
    ret = MHD_queue_response(c, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    conn *cn = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (cn != NULL) {
        free(cn->buf);
        free(cn);
        *con_cls = NULL;
    }
}

mock_rpc *mock_rpc_start(void)
{
    mock_rpc *m = calloc(1, sizeof *m);
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    if (m == NULL)
        abort();
    pthread_mutex_init(&m->mu, NULL);
    m->dflt.status = 500;
    m->dflt.body = dup_str("no scripted reply");
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_THREAD_PER_CONNECTION,
                            0, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
                            completed, m, MHD_OPTION_END);
    if (m->d == NULL)
        abort();
    info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0)
        abort();
    snprintf(m->url, sizeof m->url, "http://127.0.0.1:%u/", info->port);
    return m;
}

void mock_rpc_stop(mock_rpc *m)
{
    if (m == NULL)
        return;
    MHD_stop_daemon(m->d);
    for (size_t i = m->head; i != m->tail; i++)
        free(m->script[i % MAX_SCRIPT].body);
    for (size_t i = 0; i < m->n_log; i++) {
        free(m->methods[i]);
        free(m->bodies[i]);
    }
    free(m->dflt.body);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

const char *mock_rpc_url(const mock_rpc *m)
{
    return m->url;
}

void mock_rpc_push(mock_rpc *m, int http_status, int delay_ms,
                   const char *body)
{
    pthread_mutex_lock(&m->mu);
    if (m->tail - m->head >= MAX_SCRIPT)
        abort();
    m->script[m->tail % MAX_SCRIPT].status = http_status;
    m->script[m->tail % MAX_SCRIPT].delay_ms = delay_ms;
    m->script[m->tail % MAX_SCRIPT].body = dup_str(body);
    m->tail++;
    pthread_mutex_unlock(&m->mu);
}

void mock_rpc_result(mock_rpc *m, const char *result_json)
{
    static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":%ID%,\"result\":";
    size_t n = sizeof pre + strlen(result_json) + 2;
    char *b = malloc(n);
    if (b == NULL)
        abort();
    snprintf(b, n, "%s%s}", pre, result_json);
    mock_rpc_push(m, 200, 0, b);
    free(b);
}

void mock_rpc_set_default(mock_rpc *m, int http_status, const char *body)
{
    pthread_mutex_lock(&m->mu);
    free(m->dflt.body);
    m->dflt.status = http_status;
    m->dflt.body = dup_str(body);
    pthread_mutex_unlock(&m->mu);
}

void mock_rpc_set_handler(mock_rpc *m, mock_rpc_handler fn, void *data)
{
    pthread_mutex_lock(&m->mu);
    m->handler = fn;
    m->handler_data = data;
    pthread_mutex_unlock(&m->mu);
}

size_t mock_rpc_count(mock_rpc *m)
{
    size_t n;
    pthread_mutex_lock(&m->mu);
    n = m->n_requests;
    pthread_mutex_unlock(&m->mu);
    return n;
}

static const char *logged(mock_rpc *m, char **log, size_t i)
{
    const char *s;
    pthread_mutex_lock(&m->mu);
    s = i < m->n_log ? log[i] : NULL;
    pthread_mutex_unlock(&m->mu);
    return s;
}

const char *mock_rpc_method(mock_rpc *m, size_t i)
{
    return logged(m, m->methods, i);
}

const char *mock_rpc_body(mock_rpc *m, size_t i)
{
    return logged(m, m->bodies, i);
}

void mock_rpc_dead_url(char *out, size_t cap)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        abort();
    snprintf(out, cap, "http://127.0.0.1:%u/", ntohs(sa.sin_port));
    close(fd); /* nothing listens there now: connection refused */
}

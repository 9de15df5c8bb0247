/* SPDX-License-Identifier: MIT */
/* ticketctl: dispatch, stdin/stdout, --help. */
#include "ticketctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Requests are small; this bounds what a mistaken pipe can make us read. */
#define TC_MAX_INPUT (64u << 20)

static const tc_command *const commands[] = {
    &tc_cmd_keygen,         &tc_cmd_address,         &tc_cmd_hash,
    &tc_cmd_sign,           &tc_cmd_verify,          &tc_cmd_wins,
    &tc_cmd_rand,           &tc_cmd_winprob,         &tc_cmd_calldata,
    &tc_cmd_payment_encode, &tc_cmd_payment_decode,  &tc_cmd_params,
    &tc_cmd_pay,            &tc_cmd_receive,         &tc_cmd_store_list,
    &tc_cmd_store_requeue,  &tc_cmd_request_sign,    &tc_cmd_request_verify,
    &tc_cmd_receipt_hash,   &tc_cmd_receipt_sign,    &tc_cmd_receipt_verify,
    &tc_cmd_risk,           &tc_cmd_chain_info,      &tc_cmd_sender_info,
    &tc_cmd_fund,           &tc_cmd_unlock,          &tc_cmd_cancel_unlock,
    &tc_cmd_withdraw,       &tc_cmd_redeem,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ticketctl COMMAND < request.json\n"
            "       ticketctl COMMAND --help\n"
            "       ticketctl --help | --version\n\n"
            "Each command reads one JSON object on stdin and writes one JSON\n"
            "object on stdout. Bytes are 0x-hex, uint256 and int64 values\n"
            "decimal strings (inputs may also be JSON safe integers). On bad\n"
            "input the exit status is 1 and the output is\n"
            "  {\"error\": {\"code\": \"...\", \"message\": \"...\"}}\n\n"
            "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-16s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\nExample:\n"
               "  echo '{\"privkey\": \"0x00000000000000000000000000000000"
               "00000000000000000000000000000001\"}' | ticketctl address\n"
               "\nSee docs/ticketctl.md for every command.\n");
}

static int emit(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s == NULL)
        return -1;
    int ok = fputs(s, stdout) >= 0 && fputc('\n', stdout) != EOF &&
             fflush(stdout) == 0;
    tc_wiping_free(s); /* jansson's allocator; may hold a generated key */
    return ok ? 0 : -1;
}

static int fail_out(const char *code, const char *message)
{
    json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
                          message);
    if (o != NULL) {
        (void)emit(o);
        json_decref(o);
    }
    return 1;
}

/* Read all of stdin; an empty (or all-blank) input is the request {}. */
static json_t *read_request(tc *c)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    json_t *req = NULL;
    json_error_t err;
    int blank = 1;

    if (buf == NULL) {
        tc_fail(c, "nomem", "out of memory");
        return NULL;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            char *nb;
            if (cap >= TC_MAX_INPUT) {
                tc_fail(c, "invalid_json", "request larger than %u bytes",
                        TC_MAX_INPUT);
                goto out;
            }
            nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                tc_fail(c, "nomem", "out of memory");
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0)
            break;
    }
    for (size_t i = 0; i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t')
            blank = 0;
    if (blank) {
        req = json_object();
        goto out;
    }
    req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (req == NULL) {
        /* jansson quotes the text "near" the error: it may be part of a key
         * or secret, so only its description is kept. */
        char *near = strstr(err.text, " near ");
        if (near != NULL)
            *near = '\0';
        tc_fail(c, "invalid_json", "line %d column %d: %s", err.line,
                err.column, err.text);
    } else if (!json_is_object(req)) {
        tc_fail(c, "invalid_json", "the request must be a JSON object");
        json_decref(req);
        req = NULL;
    }
out:
    tk_memzero(buf, len); /* requests may hold keys and secrets */
    free(buf);
    return req;
}

/* --rpc URL (repeatable: failover endpoints) and --controller ADDR become
 * the request's rpc and controller; a field given both ways is a usage
 * error. */
static int merge_flags(tc *c, json_t *req, int n, char **args)
{
    json_t *rpc = NULL;
    int rc = 0;

    for (int i = 0; i < n && rc == 0; i += 2) {
        int is_rpc = strcmp(args[i], "--rpc") == 0;
        int is_ctl = strcmp(args[i], "--controller") == 0;
        if ((!is_rpc && !is_ctl) || i + 1 >= n) {
            rc = tc_fail(c, "usage", "expected --rpc URL or --controller ADDR");
        } else if (json_object_get(req, is_rpc ? "rpc" : "controller") != NULL) {
            rc = tc_fail(c, "usage", "'%s' is given twice (flag and request)",
                         is_rpc ? "rpc" : "controller");
        } else if (is_ctl) {
            json_object_set_new(req, "controller", json_string(args[i + 1]));
        } else {
            if (rpc == NULL)
                rpc = json_array();
            json_array_append_new(rpc, json_string(args[i + 1]));
        }
    }
    if (rc == 0 && rpc != NULL)
        json_object_set(req, "rpc", rpc);
    json_decref(rpc);
    return rc;
}

static const tc_command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static int is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
           strcmp(a, "help") == 0;
}

int main(int argc, char **argv)
{
    const tc_command *cmd;
    json_t *req;
    tc c;
    int rc = 1;
    tk_status st;

    memset(&c, 0, sizeof c);
    tc_wiping_alloc_install(); /* before the first jansson call */
    if (argc < 2)
        return fail_out("usage", "no command (try: ticketctl --help)");
    if (is_help(argv[1])) {
        if (argc == 3 && (cmd = find(argv[2])) != NULL) {
            printf("ticketctl %s: %s\n\n%s", cmd->name, cmd->summary, cmd->help);
            return 0;
        }
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ticketctl (libticket %s)\n", tk_version());
        return 0;
    }
    if ((cmd = find(argv[1])) == NULL) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown command '%.100s' (try: ticketctl "
                                  "--help)", argv[1]);
        return fail_out("unknown_command", msg);
    }
    if (argc == 3 && is_help(argv[2])) {
        printf("ticketctl %s: %s\n\n%s", cmd->name, cmd->summary, cmd->help);
        return 0;
    }
    if (argc > 2 && !tc_takes_chain_flags(cmd))
        return fail_out("usage", "a command takes no arguments: the request "
                                 "is read from stdin");

    if ((st = tk_ctx_create(&c.ctx)) != TK_OK)
        return fail_out(tk_status_name(st), tk_status_str(st));
    c.out = json_object();
    req = read_request(&c);
    if (req != NULL && merge_flags(&c, req, argc - 2, argv + 2) < 0) {
        json_decref(req);
        req = NULL;
    }
    if (req != NULL && c.out != NULL && cmd->run(&c, req) == 0) {
        rc = emit(c.out) == 0 ? 0 : 1;
    } else {
        if (c.code[0] == '\0')
            tc_fail(&c, "nomem", "out of memory");
        rc = fail_out(c.code, c.message);
    }
    json_decref(req);
    json_decref(c.out);
    tk_ctx_destroy(c.ctx);
    return rc;
}

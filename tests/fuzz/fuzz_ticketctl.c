/* SPDX-License-Identifier: MIT */
/* Fuzz ticketctl's JSON input: the command functions of tools/ticketctl
 * (everything but main.c, which only reads stdin and dispatches) run on
 * fuzzed requests, as `ticketctl <command> < request` would.
 *
 * Input: "<command>\n<request JSON>". The store commands and the receive
 * command's "store" field are left out (they open files by path), and
 * pay's "count" is capped at 64 (signing is slow; the limit itself is
 * ticketctl's business).
 *
 * Invariants: a command returns 0 (response filled, serializable) or -1
 * with an error code; neither the response nor the error message ever
 * contains the request's private key or recipient secret. */
#include "fuzz.h"

#include "ticketctl.h"

#include <ctype.h>
#include <string.h>

static const tc_command *const commands[] = {
    &tc_cmd_keygen,         &tc_cmd_address,        &tc_cmd_hash,
    &tc_cmd_sign,           &tc_cmd_verify,         &tc_cmd_wins,
    &tc_cmd_rand,           &tc_cmd_winprob,        &tc_cmd_calldata,
    &tc_cmd_payment_encode, &tc_cmd_payment_decode, &tc_cmd_params,
    &tc_cmd_pay,            &tc_cmd_receive,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])
#define MAX_PAY 64


/* The 64 hex digits of a "0x" + 64-digit request field, lowercased, or
 * "" when the field is absent or not of that shape. */
static void secret_digits(char out[65], const json_t *req, const char *key)
{
    const char *s = json_string_value(json_object_get(req, key));
    size_t i;

    out[0] = '\0';
    if (s == NULL || strlen(s) != 66 || s[0] != '0' || s[1] != 'x')
        return;
    for (i = 0; i < 64; i++)
        out[i] = (char)tolower((unsigned char)s[2 + i]);
    out[64] = '\0';
}

/* 1 if the 64 secret digits occur in text (case-insensitively). */
static int leaks(const char *text, const char digits[65])
{
    size_t n, i, j;

    if (digits[0] == '\0' || text == NULL)
        return 0;
    n = strlen(text);
    for (i = 0; i + 64 <= n; i++) {
        for (j = 0; j < 64; j++)
            if (tolower((unsigned char)text[i + j]) != digits[j])
                break;
        if (j == 64)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    const tc_command *cmd = NULL;
    char key_digits[65], secret_digits_[65];
    json_t *req, *count;
    json_error_t err;
    size_t namelen, i;
    tc c;
    int rc;

    tc_wiping_alloc_install(); /* as ticketctl's main() does */
    if (nl == NULL)
        return 0;
    namelen = (size_t)(nl - data);
    for (i = 0; i < N_COMMANDS; i++) {
        if (strlen(commands[i]->name) == namelen &&
            memcmp(commands[i]->name, data, namelen) == 0)
            cmd = commands[i];
    }
    if (cmd == NULL)
        return 0;
    req = json_loadb((const char *)nl + 1, size - namelen - 1,
                     JSON_REJECT_DUPLICATES, &err);
    if (req == NULL)
        return 0;
    if (!json_is_object(req)) {
        json_decref(req);
        return 0;
    }
    (void)json_object_del(req, "store");
    count = json_object_get(req, "count");
    if (json_is_integer(count) && json_integer_value(count) > MAX_PAY)
        (void)json_integer_set(count, json_integer_value(count) % MAX_PAY);
    secret_digits(key_digits, req, "privkey");
    secret_digits(secret_digits_, req, "secret");
    {
        /* A value the request also carries elsewhere (say, as a block
         * hash) may rightly be printed: check only for unique secrets. */
        json_t *rest = json_deep_copy(req);
        char *s;
        FUZZ_CHECK(rest != NULL);
        (void)json_object_del(rest, "privkey");
        (void)json_object_del(rest, "secret");
        s = json_dumps(rest, JSON_COMPACT);
        FUZZ_CHECK(s != NULL);
        if (leaks(s, key_digits))
            key_digits[0] = '\0';
        if (leaks(s, secret_digits_))
            secret_digits_[0] = '\0';
        tc_wiping_free(s);
        json_decref(rest);
    }

    memset(&c, 0, sizeof c);
    c.ctx = fuzz_ctx();
    c.out = json_object();
    FUZZ_CHECK(c.out != NULL);
    rc = cmd->run(&c, req);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc == 0) {
        char *s = json_dumps(c.out, JSON_COMPACT);
        FUZZ_CHECK(s != NULL);
        /* keygen prints the key it made, never one it was given. */
        FUZZ_CHECK(!leaks(s, key_digits) && !leaks(s, secret_digits_));
        tc_wiping_free(s);
    } else {
        FUZZ_CHECK(c.code[0] != '\0');
        FUZZ_CHECK(memchr(c.message, '\0', sizeof c.message) != NULL);
        FUZZ_CHECK(!leaks(c.message, key_digits) &&
                   !leaks(c.message, secret_digits_));
    }
    json_decref(c.out);
    json_decref(req);
    return 0;
}

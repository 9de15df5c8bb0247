/* SPDX-License-Identifier: MIT */
#ifndef TICKETCTL_H
#define TICKETCTL_H

/* ticketctl: a JSON-in / JSON-out command line tool over libticket.
 * Each command reads one JSON object (the request) and fills a response
 * object, or fails with an error code and message (docs/ticketctl.md
 * fixes the interface). */

#include <jansson.h>
#include <stddef.h>

#include "ticket/common.h"
#include "ticket/context.h"
#include "ticket/chain.h"
#include "ticket/payment.h"
#include "ticket/ticket.h"
#include "ticket/wire.h"

/* jansson's allocator (wipe_alloc.c): each block is wiped before it is
 * freed, its size kept in this header in front of it. main() installs it
 * before the first jansson call; strings jansson returns to the caller
 * (json_dumps) are then freed with tc_wiping_free. */
typedef union tc_alloc_header {
    size_t size;
    max_align_t align; /* the block after it stays aligned for anything */
} tc_alloc_header;
void *tc_wiping_malloc(size_t n);
void tc_wiping_free(void *p);
void tc_wiping_alloc_install(void);

/* The state of one invocation. */
typedef struct tc {
    tk_ctx *ctx;
    json_t *out;        /* the response object the command fills */
    char prefix[64];    /* prepended to field names in error messages */
    char code[48];      /* set by tc_fail */
    char message[512];
} tc;

typedef int (*tc_cmd_fn)(tc *c, const json_t *in);

typedef struct tc_command {
    const char *name;
    const char *summary; /* one line */
    const char *help;    /* input, output and an example */
    tc_cmd_fn run;       /* 0 on success, -1 after tc_fail() */
} tc_command;

/* The command groups (one file each). */
extern const tc_command tc_cmd_keygen, tc_cmd_address;
extern const tc_command tc_cmd_hash, tc_cmd_sign, tc_cmd_verify, tc_cmd_wins;
extern const tc_command tc_cmd_rand, tc_cmd_winprob;
extern const tc_command tc_cmd_calldata;
extern const tc_command tc_cmd_payment_encode, tc_cmd_payment_decode;
extern const tc_command tc_cmd_params, tc_cmd_pay, tc_cmd_receive;
extern const tc_command tc_cmd_store_list, tc_cmd_store_requeue;
extern const tc_command tc_cmd_request_sign, tc_cmd_request_verify;
extern const tc_command tc_cmd_receipt_hash, tc_cmd_receipt_sign;
extern const tc_command tc_cmd_receipt_verify, tc_cmd_risk;
extern const tc_command tc_cmd_chain_info, tc_cmd_sender_info;
extern const tc_command tc_cmd_fund, tc_cmd_unlock, tc_cmd_cancel_unlock;
extern const tc_command tc_cmd_withdraw, tc_cmd_redeem;
/* Whether cmd reads the chain over RPC: it then takes --rpc URL and
 * --controller ADDR on the command line (cmd_chain.c). */
int tc_takes_chain_flags(const tc_command *cmd);
/* The request's rpc: an http(s) URL or an array of 1 to
 * TK_RPC_ENDPOINTS_MAX of them (urls has room for that many). */
int tc_in_rpc_urls(tc *c, const json_t *in, const char **urls, size_t *n);

/* ---- Errors (return -1 so that callers can `return tc_fail(...)`) ----- */
int tc_fail(tc *c, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The {valid, recovered, reason} answer of a signature check: st is
 * tk_eth_recover's status, who the address it recovered, want the
 * expected signer; other statuses fail the command (with what). */
int tc_set_sig_verdict(tc *c, tk_status st, const tk_address *want,
                       const tk_address *who, const char *what);
/* A library refusal: code = tk_status_name(st), message = what + text. */
int tc_fail_status(tc *c, tk_status st, const char *what);

/* ---- Request fields ----------------------------------------------------
 * Each reader returns 1 when the field was read, 0 when it is absent and
 * optional (the output is left as it was), -1 after tc_fail(). Names in
 * messages get c->prefix. */
enum { TC_REQUIRED = 0, TC_OPTIONAL = 1 };

int tc_in_u256(tc *c, const json_t *o, const char *key, tk_u256 *out, int opt);
/* An integer in [0, max]. */
int tc_in_uint(tc *c, const json_t *o, const char *key, uint64_t max,
               uint64_t *out, int opt);
/* An integer in [0, 2^63 - 1]. */
int tc_in_int64(tc *c, const json_t *o, const char *key, int64_t *out,
                int opt);
/* 0x-hex of exactly len bytes. */
int tc_in_bytes(tc *c, const json_t *o, const char *key, uint8_t *out,
                size_t len, int opt);
/* 0x-hex of any length, into a malloc'd buffer (free it). */
int tc_in_hex_alloc(tc *c, const json_t *o, const char *key, uint8_t **out,
                    size_t *len, int opt);
int tc_in_address(tc *c, const json_t *o, const char *key, tk_address *out,
                  int opt);
/* A valid private key (0 < key < n). The caller wipes out32. */
int tc_in_privkey(tc *c, const json_t *o, const char *key, uint8_t out32[32]);
int tc_in_bool(tc *c, const json_t *o, const char *key, int *out, int opt);
int tc_in_string(tc *c, const json_t *o, const char *key, const char **out,
                 int opt);
/* An object or array member (type checked). */
int tc_in_object(tc *c, const json_t *o, const char *key, const json_t **out,
                 int opt);
int tc_in_array(tc *c, const json_t *o, const char *key, const json_t **out,
                int opt);

/* A ticket object: the 8 fields, or aux_data in place of the last two. */
int tc_in_ticket(tc *c, const json_t *o, const char *key, tk_ticket *out);
/* The flat ticket_params object of `params`. *has_price: price_num and
 * price_den were given (else price is 0/0 and the caller decides). */
int tc_in_params(tc *c, const json_t *o, const char *key,
                 tk_ticket_params *out, int *has_price);
/* price_num / price_den at the top level of o (reduced). */
int tc_in_price(tc *c, const json_t *o, tk_price *out, int opt);
/* A Payment in the JSON form of payment_proto.json. */
int tc_in_wire_payment(tc *c, const json_t *o, const char *key,
                       tk_wire_payment *out);
/* One of base64 / hex / payment (exactly one) -> wire bytes decoded to a
 * tk_payment. Errors: usage (several), missing_field (none),
 * invalid_payment, invalid_price, ... */
int tc_in_any_payment(tc *c, const json_t *o, tk_payment *out);

/* ---- Response fields (set on c->out unless an object is given) -------- */
void tc_set_hex(json_t *o, const char *key, const uint8_t *b, size_t len);
void tc_set_address(json_t *o, const char *key, const tk_address *a);
void tc_set_u256(json_t *o, const char *key, const tk_u256 *x);
void tc_set_mpz(json_t *o, const char *key, const mpz_t x);
void tc_set_int64(json_t *o, const char *key, int64_t v);
json_t *tc_params_json(const tk_ticket_params *p);
json_t *tc_wire_payment_json(const tk_wire_payment *w);
/* A tk_payment as {payment (JSON form), base64} on c->out. */
int tc_set_payment(tc *c, const tk_payment *p);

/* ---- A chain view with fixed values (for pay / receive / params) ------ */
typedef struct tc_chain {
    uint64_t last_block;
    tk_round_info rounds;
    tk_sender_funds funds;   /* reported for every sender */
    tk_u256 claimed;
    uint64_t pool_size;
    tk_u256 gas_price;
} tc_chain;

/* A chain at block last_block, round `round` initialized with hash. */
void tc_chain_init(tc_chain *ch, uint64_t last_block, int64_t round,
                   const tk_hash *round_hash);
void tc_chain_iface(tc_chain *ch, tk_chain *out);

#endif

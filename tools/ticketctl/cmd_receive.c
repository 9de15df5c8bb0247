/* SPDX-License-Identifier: MIT */
/* receive: run a payment through the recipient module (section 6) and say
 * what happened to each ticket. */
#include "ticketctl.h"

#include "ticket/recipient.h"
#include "ticket/store.h"
#include "ticket/store_sqlite.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

static const char *ticket_status(tk_status st)
{
    switch (st) {
    case TK_OK:
        return "accepted";
    case TK_ERR_REPLAYED_NONCE:
    case TK_ERR_NONCE_LIMIT:
    case TK_ERR_PARAMS_EXPIRED:
        return tk_status_name(st);
    default: /* every TK_ERR_SIG_* */
        return "invalid_signature";
    }
}

static void set_results(tc *c, const tk_ticket_result *res, size_t n,
                        mpq_srcptr credited)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "sender_nonce", json_integer(res[i].sender_nonce));
        json_object_set_new(o, "status", json_string(ticket_status(res[i].status)));
        json_object_set_new(o, "wins", json_boolean(res[i].wins));
        /* For a bad signature, which of the section 1 checks failed. */
        if (strcmp(ticket_status(res[i].status), "invalid_signature") == 0)
            json_object_set_new(o, "reason",
                                json_string(tk_status_name(res[i].status)));
        json_array_append_new(arr, o);
    }
    json_object_set_new(c->out, "results", arr);
    tc_set_mpz(c->out, "credited_ev_num", mpq_numref(credited));
    tc_set_mpz(c->out, "credited_ev_den", mpq_denref(credited));
}

/* The store: the SQLite file of `store`, or one that lives for this call. */
typedef struct store_choice {
    tk_store_sqlite *sqlite;
    tk_store_mem *mem;
    tk_store iface;
} store_choice;

static tk_status store_open(store_choice *s, const char *path)
{
    memset(s, 0, sizeof *s);
    if (path != NULL) {
        tk_status st = tk_store_sqlite_create(&s->sqlite, path, NULL);
        return st != TK_OK ? st : tk_store_sqlite_iface(s->sqlite, &s->iface);
    }
    tk_status st = tk_store_mem_create(&s->mem);
    return st != TK_OK ? st : tk_store_mem_iface(s->mem, &s->iface);
}

static void store_close(store_choice *s)
{
    tk_store_sqlite_destroy(s->sqlite);
    tk_store_mem_destroy(s->mem);
}

static int run_receive(tc *c, const json_t *in)
{
    uint8_t secret[32];
    tk_recipient_config cfg;
    const char *path = NULL;
    uint64_t last_block;
    int64_t round;
    tk_u256 withdraw;
    tk_payment pay;
    tc_chain ch;
    tk_chain chain;
    store_choice store;
    tk_recipient *r = NULL;
    tk_ticket_result *res = NULL;
    mpq_t credited;
    tk_status st;
    int rc = -1;

    memset(&cfg, 0, sizeof cfg);
    memset(&withdraw, 0, sizeof withdraw);
    if (tc_in_address(c, in, "recipient", &cfg.address, TC_REQUIRED) < 0 ||
        tc_in_uint(c, in, "last_block", UINT64_MAX, &last_block,
                   TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "withdraw_round", &withdraw, TC_OPTIONAL) < 0 ||
        tc_in_string(c, in, "store", &path, TC_OPTIONAL) < 0 ||
        tc_in_any_payment(c, in, &pay) < 0)
        return -1;
    round = pay.params.creation_round;
    if (tc_in_int64(c, in, "round", &round, TC_OPTIONAL) < 0 ||
        tc_in_bytes(c, in, "secret", secret, 32, TC_REQUIRED) < 0) {
        tk_payment_clear(&pay);
        return -1;
    }
    /* The recipient's params policy is not used by receive. */
    (void)tk_u256_from_u64(&cfg.ev, 1);
    cfg.redeem_gas = 1;
    cfg.tx_cost_multiplier = 1;
    tc_chain_init(&ch, last_block, round, &pay.params.creation_round_block_hash);
    ch.funds.withdraw_round = withdraw;
    tc_chain_iface(&ch, &chain);

    mpq_init(credited);
    st = store_open(&store, path);
    if (st == TK_OK)
        st = tk_recipient_create(c->ctx, &r, &cfg, secret, &chain, &store.iface);
    tk_memzero(secret, sizeof secret);
    if (st != TK_OK) {
        tc_fail_status(c, st, path != NULL ? "opening the store" : "setting up");
        goto done;
    }
    if (pay.count > 0 && (res = calloc(pay.count, sizeof *res)) == NULL) {
        tc_fail(c, "nomem", "out of memory");
        goto done;
    }
    st = tk_recipient_receive(r, res, pay.count, NULL, credited, &pay, NULL);
    if (st != TK_OK) {
        tc_fail_status(c, st, "payment refused");
        goto done;
    }
    set_results(c, res, pay.count, credited);
    rc = 0;
done:
    tk_recipient_destroy(r);
    store_close(&store);
    mpq_clear(credited);
    free(res);
    tk_payment_clear(&pay);
    return rc;
}

const tc_command tc_cmd_receive = {
    "receive", "validate a payment as the recipient would, ticket by ticket",
    "Input:  {secret (32 bytes), recipient, last_block} and one of base64,\n"
    "        hex or payment (the JSON form); optional round (default: the\n"
    "        payment's creation round), withdraw_round (default 0),\n"
    "        store (a SQLite file keeping seen nonces and winners across\n"
    "        calls; without it, replay state lives within the call)\n"
    "Output: {results: [{sender_nonce, status, wins}], credited_ev_num,\n"
    "        credited_ev_den}\n"
    "status: accepted, invalid_signature (with reason: bad_v, high_s, ...),\n"
    "replayed_nonce, nonce_limit, params_expired. The whole payment is\n"
    "refused (an error) with wrong_recipient, zero_sender,\n"
    "rand_hash_mismatch, params_too_far, params_not_issued,\n"
    "sender_unlocking, invalid_price (no\n"
    "expected_price, or pixelsPerUnit 0) or invalid_payment.\n\n"
    "Example:\n"
    "  echo '{\"secret\": \"0x11...11\", \"recipient\": \"0x708f06...eee\", "
    "\"last_block\": 100, \"base64\": \"CosBChQ...\"}' | ticketctl receive\n",
    run_receive};

/* SPDX-License-Identifier: MIT */
/* receipt-hash / receipt-sign / receipt-verify: EIP-712 payment receipts
 * (docs/receipts.md R1). */
#include "ticketctl.h"

#include "ticket/keys.h"
#include "ticket/receipt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A receipt read from a request; the arrays are owned here. */
typedef struct rc_in {
    tk_receipt_domain dom;
    tk_receipt r;
    tk_hash *tickets, *winners;
} rc_in;

static void rc_free(rc_in *x)
{
    free(x->tickets);
    free(x->winners);
}

/* An array of 32-byte hex strings (message.<key>). */
static int in_hashes(tc *c, const json_t *msg, const char *key, tk_hash **out,
                     size_t *n)
{
    const json_t *arr;

    *out = NULL;
    *n = 0;
    if (tc_in_array(c, msg, key, &arr, TC_REQUIRED) < 0)
        return -1;
    *n = json_array_size(arr);
    if ((*out = calloc(*n + 1, sizeof **out)) == NULL)
        return tc_fail(c, "nomem", "out of memory");
    for (size_t i = 0; i < *n; i++) {
        char name[48];
        json_t *one;
        int r;
        snprintf(name, sizeof name, "%s[%zu]", key, i);
        one = json_pack("{s:O}", name, json_array_get(arr, i));
        if (one == NULL)
            return tc_fail(c, "nomem", "out of memory");
        r = tc_in_bytes(c, one, name, (*out)[i].bytes, TK_HASH_LEN, TC_REQUIRED);
        json_decref(one);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int in_receipt(tc *c, const json_t *in, rc_in *x)
{
    const json_t *dom, *msg;
    const char *s;
    int r;

    memset(x, 0, sizeof *x);
    if (tc_in_object(c, in, "domain", &dom, TC_REQUIRED) < 0 ||
        tc_in_object(c, in, "message", &msg, TC_REQUIRED) < 0)
        return -1;
    snprintf(c->prefix, sizeof c->prefix, "domain.");
    if ((r = tc_in_string(c, dom, "name", &s, TC_OPTIONAL)) < 0)
        return -1;
    if (r == 1 && strcmp(s, TK_RECEIPT_DOMAIN_NAME) != 0)
        return tc_fail(c, "invalid_domain", "'domain.name' must be \"%s\"",
                       TK_RECEIPT_DOMAIN_NAME);
    if ((r = tc_in_string(c, dom, "version", &s, TC_OPTIONAL)) < 0)
        return -1;
    if (r == 1 && strcmp(s, TK_RECEIPT_DOMAIN_VERSION) != 0)
        return tc_fail(c, "invalid_domain", "'domain.version' must be \"%s\"",
                       TK_RECEIPT_DOMAIN_VERSION);
    if (tc_in_u256(c, dom, "chain_id", &x->dom.chain_id, TC_REQUIRED) < 0 ||
        tc_in_address(c, dom, "verifying_contract", &x->dom.verifying_contract,
                      TC_REQUIRED) < 0)
        return -1;
    snprintf(c->prefix, sizeof c->prefix, "message.");
    if (tc_in_address(c, msg, "sender", &x->r.sender, TC_REQUIRED) < 0 ||
        tc_in_address(c, msg, "recipient", &x->r.recipient, TC_REQUIRED) < 0 ||
        tc_in_bytes(c, msg, "recipient_rand_hash", x->r.recipient_rand_hash.bytes,
                    TK_HASH_LEN, TC_REQUIRED) < 0 ||
        in_hashes(c, msg, "tickets", &x->tickets, &x->r.n_tickets) < 0 ||
        in_hashes(c, msg, "winners", &x->winners, &x->r.n_winners) < 0 ||
        tc_in_u256(c, msg, "credited_wei", &x->r.credited_wei, TC_REQUIRED) < 0 ||
        tc_in_u256(c, msg, "block_number", &x->r.block_number, TC_REQUIRED) < 0)
        return -1;
    x->r.tickets = x->tickets;
    x->r.winners = x->winners;
    c->prefix[0] = '\0';
    return 0;
}

static int run_receipt_hash(tc *c, const json_t *in)
{
    rc_in x;
    tk_receipt_hashes h;
    tk_status st;
    int rc = -1;

    if (in_receipt(c, in, &x) == 0) {
        if ((st = tk_receipt_hash(&h, &x.dom, &x.r)) != TK_OK) {
            tc_fail_status(c, st, "hashing the receipt");
        } else {
            tc_set_hex(c->out, "domain_separator", h.domain_separator.bytes, 32);
            tc_set_hex(c->out, "struct_hash", h.struct_hash.bytes, 32);
            tc_set_hex(c->out, "digest", h.digest.bytes, 32);
            rc = 0;
        }
    }
    rc_free(&x);
    return rc;
}

static int run_receipt_sign(tc *c, const json_t *in)
{
    rc_in x;
    tk_receipt_hashes h;
    uint8_t key[32];
    tk_sig sig;
    tk_status st;
    int rc = -1;

    memset(&x, 0, sizeof x);
    if (tc_in_privkey(c, in, "privkey", key) < 0)
        return -1;
    if (in_receipt(c, in, &x) == 0) {
        if ((st = tk_receipt_hash(&h, &x.dom, &x.r)) != TK_OK ||
            (st = tk_receipt_sign(c->ctx, &sig, key, &x.dom, &x.r)) != TK_OK) {
            if (st == TK_ERR_SIG_WRONG_SIGNER)
                tc_fail(c, "wrong_signer",
                        "the key's address is not 'message.recipient'");
            else
                tc_fail_status(c, st, "signing the receipt");
        } else {
            tc_set_hex(c->out, "digest", h.digest.bytes, 32);
            tc_set_hex(c->out, "signature", sig.bytes, TK_SIG_LEN);
            rc = 0;
        }
    }
    tk_memzero(key, sizeof key);
    rc_free(&x);
    return rc;
}

static int run_receipt_verify(tc *c, const json_t *in)
{
    rc_in x;
    tk_address who;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    tk_status st;
    int rc = -1;

    memset(&x, 0, sizeof x);
    if (tc_in_hex_alloc(c, in, "signature", &sig, &siglen, TC_REQUIRED) == 1 &&
        in_receipt(c, in, &x) == 0) {
        st = tk_receipt_verify(c->ctx, &who, &x.dom, &x.r, sig, siglen);
        /* WRONG_SIGNER: the verdict helper compares who with recipient. */
        if (st == TK_ERR_SIG_WRONG_SIGNER)
            st = TK_OK;
        rc = tc_set_sig_verdict(c, st, &x.r.recipient, &who,
                                "verifying the receipt");
    }
    free(sig);
    rc_free(&x);
    return rc;
}

#define RECEIPT_FIELDS                                                          \
    "domain:  {name \"libticket receipt\", version \"1\" (both optional),\n"    \
    "          chain_id, verifying_contract (the TicketBroker)}\n"              \
    "message: {sender, recipient, recipient_rand_hash, tickets, winners,\n"     \
    "          credited_wei, block_number}   tickets, winners: arrays of\n"     \
    "          32-byte ticket hashes (accepted, and those that won)\n"

#define EXAMPLE_RECEIPT                                                         \
    "\"domain\": {\"chain_id\": \"1\", \"verifying_contract\": "                \
    "\"0xfb9d584b75d6741e3a387bed59d290ebfe86c67f\"}, \"message\": {\"sender\": " \
    "\"0x22ab30248e250b94cc2083fe374f15d4581c833c\", \"recipient\": "           \
    "\"0x7eaf0f0ccd4a6ae036afa1e801b52dab093069c5\", \"recipient_rand_hash\": " \
    "\"0x384c82f6a1d7c8f0e073ae12cc21e93a99ea8529334dfd7e57f4d6234b0bba24\", "  \
    "\"tickets\": [], \"winners\": [], \"credited_wei\": \"0\", "               \
    "\"block_number\": \"0\"}"

const tc_command tc_cmd_receipt_hash = {
    "receipt-hash", "EIP-712 hashes of a payment receipt",
    "Input:  {domain, message}\n"
    "Output: {domain_separator, struct_hash, digest}\n" RECEIPT_FIELDS "\n"
    "Example:\n"
    "  echo '{" EXAMPLE_RECEIPT "}' | ticketctl receipt-hash\n",
    run_receipt_hash};

const tc_command tc_cmd_receipt_sign = {
    "receipt-sign", "sign a payment receipt as its recipient",
    "Input:  {privkey, domain, message}\n"
    "Output: {digest, signature}   RFC 6979 over the digest, low s, v 27/28\n"
    RECEIPT_FIELDS
    "Error wrong_signer when the key's address is not message.recipient.\n\n"
    "Example:\n"
    "  echo '{\"privkey\": \"0xea5ac377eef4d0e0da2cf0e94e5f5416eea04c337760d8db"
    "acae2ade36dda198\", " EXAMPLE_RECEIPT "}' | ticketctl receipt-sign\n",
    run_receipt_sign};

const tc_command tc_cmd_receipt_verify = {
    "receipt-verify", "check a payment receipt's signature",
    "Input:  {domain, message, signature}   signature: 0x-hex of any length\n"
    "Output: {valid, recovered, reason}\n" RECEIPT_FIELDS
    "Checks as verify does, over the EIP-712 digest, signer = recipient\n"
    "(reason: bad_length, bad_v, bad_r, bad_s, high_s, recovery_failed,\n"
    "wrong_signer).\n\n"
    "Example:\n"
    "  echo '{" EXAMPLE_RECEIPT ", \"signature\": \"0x00\"}' | "
    "ticketctl receipt-verify\n",
    run_receipt_verify};

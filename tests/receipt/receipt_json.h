/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_RECEIPT_JSON_H
#define TK_TEST_RECEIPT_JSON_H

/* A receipts.json domain / message as library values. The hash arrays are
 * malloc'd; receipt_json_free releases them. */

#include "test_support.h"

#include "ticket/receipt.h"

#include <stdlib.h>
#include <string.h>

/* signed_message / signed_domain use the EIP-712 member names (camelCase,
 * as ethers takes them); domain / message the snake_case of
 * docs/ticketctl.md. */
static const char *rj_str(const json_t *j, const char *snake, const char *camel)
{
    return tk_test_str(j, json_object_get(j, snake) != NULL ? snake : camel);
}

static tk_hash *receipt_json_hashes(const json_t *arr, size_t *n)
{
    tk_hash *out;

    assert_true(json_is_array(arr));
    *n = json_array_size(arr);
    out = calloc(*n + 1, sizeof *out);
    assert_non_null(out);
    for (size_t i = 0; i < *n; i++)
        tk_test_hex(out[i].bytes, 32, json_string_value(json_array_get(arr, i)));
    return out;
}

static void receipt_json_domain(tk_receipt_domain *d, const json_t *j)
{
    assert_string_equal(tk_test_str(j, "name"), TK_RECEIPT_DOMAIN_NAME);
    assert_string_equal(tk_test_str(j, "version"), TK_RECEIPT_DOMAIN_VERSION);
    tk_test_dec256(d->chain_id.bytes, rj_str(j, "chain_id", "chainId"));
    tk_test_hex(d->verifying_contract.bytes, 20,
                rj_str(j, "verifying_contract", "verifyingContract"));
}

/* The receipt and the arrays it borrows (owned here). */
typedef struct receipt_json {
    tk_receipt r;
    tk_hash *tickets, *winners;
} receipt_json;

static void receipt_json_message(receipt_json *x, const json_t *j)
{
    tk_receipt *r = &x->r;

    memset(x, 0, sizeof *x);
    tk_test_hex(r->sender.bytes, 20, tk_test_str(j, "sender"));
    tk_test_hex(r->recipient.bytes, 20, tk_test_str(j, "recipient"));
    tk_test_hex(r->recipient_rand_hash.bytes, 32,
                rj_str(j, "recipient_rand_hash", "recipientRandHash"));
    x->tickets = receipt_json_hashes(json_object_get(j, "tickets"), &r->n_tickets);
    x->winners = receipt_json_hashes(json_object_get(j, "winners"), &r->n_winners);
    r->tickets = x->tickets;
    r->winners = x->winners;
    tk_test_dec256(r->credited_wei.bytes, rj_str(j, "credited_wei", "creditedWei"));
    tk_test_dec256(r->block_number.bytes, rj_str(j, "block_number", "blockNumber"));
}

static void receipt_json_free(receipt_json *x)
{
    free(x->tickets);
    free(x->winners);
    memset(x, 0, sizeof *x);
}

#endif

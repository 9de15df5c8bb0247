/* SPDX-License-Identifier: MIT */
/* calldata: redeemWinningTicket / batchRedeemWinningTickets. */
#include "ticketctl.h"

#include "ticket/redeem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_arrays(tc *c, const json_t *ta, const json_t *sa,
                       const json_t *ra, tk_ticket *tickets, tk_sig *sigs,
                       tk_u256 *rands)
{
    for (size_t i = 0; i < json_array_size(ta); i++) {
        json_t *wrap = json_object();
        char name[48];
        int r = 0;
        if (wrap == NULL)
            return tc_fail(c, "nomem", "out of memory");
        /* Read element i through the ordinary field readers. */
        snprintf(name, sizeof name, "tickets[%zu]", i);
        json_object_set(wrap, name, json_array_get(ta, i));
        if (tc_in_ticket(c, wrap, name, &tickets[i]) < 0)
            r = -1;
        snprintf(name, sizeof name, "signatures[%zu]", i);
        json_object_set(wrap, name, json_array_get(sa, i));
        if (r == 0 &&
            tc_in_bytes(c, wrap, name, sigs[i].bytes, TK_SIG_LEN, TC_REQUIRED) < 0)
            r = -1;
        snprintf(name, sizeof name, "recipient_rands[%zu]", i);
        json_object_set(wrap, name, json_array_get(ra, i));
        if (r == 0 && tc_in_u256(c, wrap, name, &rands[i], TC_REQUIRED) < 0)
            r = -1;
        json_decref(wrap);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int run_calldata(tc *c, const json_t *in)
{
    const json_t *ta, *sa, *ra;
    int batch = 0, has_batch;
    size_t n, len = 0;
    tk_ticket *tickets = NULL;
    tk_sig *sigs = NULL;
    tk_u256 *rands = NULL;
    uint8_t *out = NULL;
    tk_status st;
    int rc = -1;

    if (tc_in_array(c, in, "tickets", &ta, TC_REQUIRED) < 0 ||
        tc_in_array(c, in, "signatures", &sa, TC_REQUIRED) < 0 ||
        tc_in_array(c, in, "recipient_rands", &ra, TC_REQUIRED) < 0 ||
        (has_batch = tc_in_bool(c, in, "batch", &batch, TC_OPTIONAL)) < 0)
        return -1;
    n = json_array_size(ta);
    if (json_array_size(sa) != n || json_array_size(ra) != n)
        return tc_fail(c, "invalid_length",
                       "tickets, signatures and recipient_rands must have the "
                       "same length");
    if (n == 0 && !batch)
        return tc_fail(c, "invalid_length",
                       "no tickets (give \"batch\": true for an empty batch)");
    if (n > 1 && has_batch && !batch)
        return tc_fail(c, "invalid_length",
                       "\"batch\": false takes exactly one ticket");
    if (n > 0) {
        tickets = calloc(n, sizeof *tickets);
        sigs = calloc(n, sizeof *sigs);
        rands = calloc(n, sizeof *rands);
        if (tickets == NULL || sigs == NULL || rands == NULL) {
            tc_fail(c, "nomem", "out of memory");
            goto done;
        }
        if (read_arrays(c, ta, sa, ra, tickets, sigs, rands) < 0)
            goto done;
    }
    batch = batch || n > 1;
    st = batch ? tk_redeem_batch_len(&len, tickets, n)
               : tk_redeem_single_len(&len, tickets);
    if (st == TK_OK && (out = malloc(len)) == NULL)
        st = TK_ERR_NOMEM;
    if (st == TK_OK)
        st = batch ? tk_redeem_encode_batch(out, &len, tickets, sigs, rands, n)
                   : tk_redeem_encode_single(out, &len, tickets, sigs, rands);
    if (st != TK_OK) {
        tc_fail_status(c, st, "encoding the calldata");
        goto done;
    }
    tc_set_hex(c->out, "calldata", out, len);
    rc = 0;
done:
    if (out != NULL)
        tk_memzero(out, len);
    if (rands != NULL)
        tk_memzero(rands, n * sizeof *rands);
    free(out);
    free(tickets);
    free(sigs);
    free(rands);
    return rc;
}

const tc_command tc_cmd_calldata = {
    "calldata", "TicketBroker redemption calldata for winning tickets",
    "Input:  {tickets, signatures, recipient_rands}   arrays of one length;\n"
    "        optional batch (bool)\n"
    "Output: {calldata}\n"
    "One ticket gives redeemWinningTicket(ticket, sig, rand); two or more\n"
    "give batchRedeemWinningTickets(tickets, sigs, rands). \"batch\": true\n"
    "forces the batch form (also for zero tickets). The calldata reveals\n"
    "each recipientRand: keep it secret until the transaction is mined.\n\n"
    "Example:\n"
    "  echo '{\"tickets\": [], \"signatures\": [], \"recipient_rands\": [], "
    "\"batch\": true}' | ticketctl calldata\n",
    run_calldata};

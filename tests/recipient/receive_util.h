/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_RECEIVE_UTIL_H
#define TK_TEST_RECEIVE_UTIL_H

/* Helpers of the receive tests (test_recipient_receive_*.c, one file per
 * receive phase of src/recipient/receive.c): run a payment, look at the
 * store and the balances, expect a fatal error. */

#include "rcpt_fixture.h"

typedef struct rx {
    tk_ticket_result *res;
    tk_receive_summary sum;
    mpq_t credited;
} rx;

/* Receive p; results land in a fresh array (freed by rx_free). */
tk_status rx_run(fixture *f, rx *x, const tk_payment *p, const tk_hash *session);
void rx_free(rx *x);
/* Winners in the store, in any state. */
size_t stored_winners(fixture *f);
/* Is ticket i of p in the store (copied to *out)? */
int winner_stored(fixture *f, const tk_payment *p, size_t i, tk_winner *out);
/* Ticket i of p through the single-ticket API. */
tk_status receive_one(fixture *f, const tk_payment *p, size_t i, int *wins);
void assert_balance(fixture *f, const tk_hash *session, mpq_t expect);
void assert_no_balance(fixture *f, const tk_hash *session);
/* A fatal error: the status, outputs zeroed, nothing recorded/credited. */
void expect_fatal(fixture *f, const tk_payment *p, tk_status want);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_SENDER_FIXTURE_H
#define TK_SENDER_FIXTURE_H

/* A sender on a dev chain, shared by the sender tests. */

#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/sender.h"

/* The dev chain starts here; fx_params() expires 40 blocks later. */
#define FX_START_BLOCK 1000u

struct fx {
    tk_ctx *ctx;
    tk_chain_mem *mem;
    tk_chain chain;
    tk_sender_config cfg;
    tk_sender *sender;
    tk_address addr;
};

/* ctx, dev chain at FX_START_BLOCK and a sender for key32 (NULL: a fixed
 * test key) with config max_ev, max_total_ev (decimal), multiplier; the
 * sender is funded with deposit and reserve (decimal), not unlocking. */
void fx_init(struct fx *f, const uint8_t *key32, const char *max_ev,
             const char *max_total_ev, uint64_t multiplier,
             const char *deposit, const char *reserve);
void fx_free(struct fx *f);

/* Set the sender's funds on the dev chain (decimal strings). */
void fx_funds(struct fx *f, const char *deposit, const char *reserve,
              uint64_t withdraw_round);

/* Params for this sender: face and win_prob decimal, recipient and
 * recipientRandHash from `tag`, creation round 1 with the chain's block
 * hash, expiration at the current block + 40, price 1/1. */
void fx_params(struct fx *f, tk_ticket_params *p, const char *face,
               const char *win_prob, uint8_t tag);

/* The dev chain's current block. */
uint64_t fx_block(struct fx *f);

/* Check that every ticket of the payment verifies (docs/protocol-notes.md
 * section 1)
 * for the payment's sender over its own ticket hash. */
void fx_assert_payment_verifies(struct fx *f, const tk_payment *p);

/* u256 from decimal. */
tk_u256 fx_u256(const char *dec);

/* The sender most tests use, with cmocka setup/teardown: no limits
 * (maxEV and maxTotalEV MAX, multiplier 1), deposit MAX, reserve 1. */
extern struct fx FX;
int fx_setup_open(void **state);
int fx_teardown(void **state);

/* MAX / 3 (MAX is divisible by 3): with faceValue 3000, EV is 1000 wei. */
#define FX_THIRD \
    "3859736307910539847452366166956263595108999488854685467981919466" \
    "9304376546645"

#define FX_MAX \
    "1157920892373161954235709850086879078532699846656405640394575840" \
    "07913129639935"

#endif

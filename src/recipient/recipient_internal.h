/* SPDX-License-Identifier: MIT */
#ifndef TK_RECIPIENT_INTERNAL_H
#define TK_RECIPIENT_INTERNAL_H

/* The recipient object, shared by the files of this layer. */

#include "ticket/recipient.h"

#include "crypto/hmac.h"
#include "crypto/u256.h"

#include <stdatomic.h>

#include "balances.h"
#include "replay.h"

struct tk_recipient {
    const tk_ctx *ctx;
    tk_recipient_config cfg;
    /* The secret, keyed once for HMAC-SHA256 (the raw 32 bytes are not
     * kept: nothing else needs them). Read-only, shared by all threads;
     * wiped on destroy. */
    tk__hmac_key *rand_key;
    tk_chain chain;
    tk_store store;
    tk_monitor *monitor;
    tk__replay *replay;
    tk__balances *balances;
    /* The highest L1 block seen (chain reads and the store's block mark);
     * never lowered, so a lagging or reorged chain view cannot re-open
     * expired params. Expiry and pruning use it. */
    _Atomic uint64_t high_water;
};

/* Raise the high-water mark to block (if higher); returns the mark. */
uint64_t tk__recipient_raise_block(tk_recipient *r, uint64_t block);

/* Refuse params this recipient cannot have issued although their rand
 * hash matches (fields shifted across the HMAC message, params_guard.c):
 * TK_ERR_PARAMS_TOO_FAR when the expiration block lies more than
 * TK_PARAMS_MAX_LEAD_BLOCKS past high_water, TK_ERR_PARAMS_NOT_ISSUED when
 * winProb is not the issuing rule's function of faceValue; else TK_OK. */
tk_status tk__recipient_params_guard(const tk_ticket_params *pp, uint64_t high_water);

/* A failed store call's status as the recipient reports it: the
 * retryable TK_ERR_STORE_UNAVAILABLE (a database connection lost, a SQLite
 * file locked past the busy timeout; nothing applied) passes through so
 * the caller knows a retry may succeed; any other failure is
 * TK_ERR_STORE. TK_OK stays TK_OK. */
tk_status tk__recipient_store_status(tk_status st);

/* recipientRand for params used by sender (the caller wipes *rand). The
 * tests use it to check the derivation against the vectors. */
tk_status tk__recipient_rand(const tk_recipient *r, tk_u256 *rand,
                             const tk_address *sender,
                             const tk_ticket_params *params);

/* recipientRandHash for params used by sender (the rand is wiped). */
tk_status tk__recipient_rand_hash(const tk_recipient *r, tk_hash *out,
                                  const tk_address *sender,
                                  const tk_ticket_params *params);

#endif

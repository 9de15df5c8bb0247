/* SPDX-License-Identifier: MIT */
#ifndef TK_REDEEM_QUEUE_RECORD_H
#define TK_REDEEM_QUEUE_RECORD_H

/* Recording a call before its broadcast (eth/redeemer.c). Without it the
 * queue marks a call's winners SUBMITTED after the submit callback has
 * returned, so a node that dies (or whose tenure ends) between the
 * broadcast and that write leaves a transaction out that the store does
 * not name, and the next queue sends the winners again. A callback that
 * can tell the hash before the broadcast (a signed transaction's) calls
 * this first; the transaction goes out only if it returns TK_OK. */

#include "ticket/redeem.h"

/* From inside q's submit callback, on its thread (q's lock is held):
 * mark the call's winners SUBMITTED with tx_hash (through the fenced
 * write when q has a fence; each move to SUBMITTED counts an attempt).
 * On failure the winners already marked are put back as they were (best
 * effort: one left SUBMITTED waits out the lost-transaction path) and the
 * store's status is returned (TK_ERR_LEASE_LOST: the tenure is over); the
 * callback must then not broadcast, and fail with that status. When the
 * callback fails after a TK_OK here (nothing sent after all), the queue
 * puts the winners back itself. Returns TK_ERR_STATE outside a submit
 * callback or on a second call for one call; TK_ERR_ILLEGAL_ARG on NULL. */
tk_status tk__redeem_record_submitted(tk_redeem_queue *q, const tk_hash *tx_hash);

#endif

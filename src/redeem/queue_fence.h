/* SPDX-License-Identifier: MIT */
#ifndef TK_REDEEM_QUEUE_FENCE_H
#define TK_REDEEM_QUEUE_FENCE_H

/* A redemption queue for one fleet tenure (fleet/redeemer.c,
 * eth/fleet_redeemer.c): tk_redeem_queue_create (submit set) or
 * tk_redeem_queue_create_recorded (submit_rec set; exactly one of the
 * two), except that when fence is
 * not NULL every write of the queue (winner states, the monitor's pending
 * claims and releases, those of the create's restore included) goes
 * through the store's fenced functions (store.h), which then must be set.
 * Once the tenure is over they fail with TK_ERR_LEASE_LOST, which the
 * queue's calls return. The fence's holder is copied. */

#include "ticket/redeem.h"
#include "ticket/store.h"

tk_status tk__redeem_queue_create_fenced(const tk_ctx *ctx, tk_redeem_queue **out,
                                        const tk_redeem_config *cfg,
                                        const tk_store *store, const tk_chain *chain,
                                        tk_monitor *monitor, tk_redeem_submit_fn submit,
                                        tk_redeem_submit_recorded_fn submit_rec,
                                        void *submit_data, const tk_lease_fence *fence);

#endif

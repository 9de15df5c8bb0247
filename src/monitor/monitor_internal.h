/* SPDX-License-Identifier: MIT */
#ifndef TK_MONITOR_INTERNAL_H
#define TK_MONITOR_INTERNAL_H

/* tk_monitor_claim_pending / tk_monitor_release_pending as one redeemer
 * tenure's writes: with fence not NULL, a shared monitor writes through
 * the store's fenced functions (store.h), so a holder whose tenure ended
 * changes no pending amount (TK_ERR_LEASE_LOST); TK_ERR_STATE when the
 * store has none. A monitor that is not shared ignores the fence (its
 * amounts are this process's own). fence NULL: the public functions. */

#include "ticket/monitor.h"
#include "ticket/store.h"

tk_status tk__monitor_claim_pending(tk_monitor *m, const tk_lease_fence *fence,
                                    const tk_hash *ticket_hash,
                                    const tk_address *sender,
                                    const tk_u256 *face_value,
                                    int check_funds);
tk_status tk__monitor_release_pending(tk_monitor *m,
                                      const tk_lease_fence *fence,
                                      const tk_hash *ticket_hash,
                                      const tk_address *sender,
                                      const tk_u256 *face_value);

/* 1 when fenced claims can work: the monitor is not shared, or its store
 * has the fenced functions. */
int tk__monitor_can_fence(const tk_monitor *m);

#endif

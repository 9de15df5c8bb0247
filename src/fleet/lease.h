/* SPDX-License-Identifier: MIT */
#ifndef TK_FLEET_LEASE_H
#define TK_FLEET_LEASE_H

/* The redeemer lease as a fleet node holds it (fleet.h, eth_fleet.h): the
 * store's lease operations, this node's holder id and the fencing token of
 * its current tenure. Not locked: the owning object serializes. */

#include "ticket/store.h"

typedef struct tk__fleet_lease {
    tk_store store;                      /* lease_acquire / _release */
    char holder[TK_LEASE_HOLDER_MAX + 1];
    uint32_t lease_ms;
    uint64_t token;                      /* current tenure's, 0: none */
} tk__fleet_lease;

/* Set up (holder checked by the caller with the store's
 * tk__lease_holder_ok, store/fleet_table.h). */
void tk__fleet_lease_init(tk__fleet_lease *l, const tk_store *store, const char *holder,
                    uint32_t lease_ms);

/* Take or renew the lease. TK_OK: held, *new_tenure 1 when its token is
 * not the current tenure's (the caller starts one, then tk__fleet_lease_begin).
 * Otherwise the store's status (TK_ERR_LEASE_HELD: another node holds it);
 * the caller ends its tenure. */
tk_status tk__fleet_lease_take(tk__fleet_lease *l, uint64_t *token, int *new_tenure);

/* The tenure with this token has begun. */
void tk__fleet_lease_begin(tk__fleet_lease *l, uint64_t token);

/* The tenure ended (the lease may still be held). */
void tk__fleet_lease_end(tk__fleet_lease *l);

/* Right before a send: renew, and 1 only when still in the same tenure. A
 * renewal gives lease_ms from now, so a send completing within it cannot
 * overlap another holder's. */
int tk__fleet_lease_still_ours(tk__fleet_lease *l);

/* End the tenure and give the lease up. */
tk_status tk__fleet_lease_release(tk__fleet_lease *l);

#endif

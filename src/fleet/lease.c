/* SPDX-License-Identifier: MIT */
/* The redeemer lease of one fleet node (fleet/lease.h). */
#include "fleet/lease.h"

#include <string.h>

void tk__fleet_lease_init(tk__fleet_lease *l, const tk_store *store, const char *holder,
                    uint32_t lease_ms)
{
    memset(l, 0, sizeof *l);
    l->store = *store;
    memcpy(l->holder, holder, strlen(holder));
    l->lease_ms = lease_ms;
}

tk_status tk__fleet_lease_take(tk__fleet_lease *l, uint64_t *token, int *new_tenure)
{
    tk_status st = l->store.lease_acquire(l->store.self, l->holder,
                                          l->lease_ms, token);

    *new_tenure = st == TK_OK && (l->token == 0 || *token != l->token);
    return st;
}

void tk__fleet_lease_begin(tk__fleet_lease *l, uint64_t token)
{
    l->token = token;
}

void tk__fleet_lease_end(tk__fleet_lease *l)
{
    l->token = 0;
}

int tk__fleet_lease_still_ours(tk__fleet_lease *l)
{
    uint64_t token = 0;
    tk_status st = l->store.lease_acquire(l->store.self, l->holder,
                                          l->lease_ms, &token);

    return st == TK_OK && l->token != 0 && token == l->token;
}

tk_status tk__fleet_lease_release(tk__fleet_lease *l)
{
    tk__fleet_lease_end(l);
    return l->store.lease_release(l->store.self, l->holder);
}

/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_FLEET_CONTRACT_H
#define TK_TEST_FLEET_CONTRACT_H

/* The tk_store fleet contract (store.h: pending_add / _remove / _total,
 * lease_acquire / _release), checked the same way for every store. */

#include "test_support.h"

#include "ticket/store.h"

/* Single-writer semantics on a store with no pending entries and a lease
 * never held. The lease contract sleeps 1 s (lease expiry). */
void tk_test_store_pending_contract(const tk_store *st);
void tk_test_store_lease_contract(const tk_store *st);

/* n_stores views of ONE store (one connection each where the store has
 * connections): threads add overlapping winners of one sender under one
 * limit and remove some; the total must never pass the limit, each winner
 * must count once, and the final total must be the sum of the entries
 * added and not removed. Then threads race for the lease: exactly one
 * holds it at a time (tokens strictly increase over tenures). */
void tk_test_store_fleet_race(const tk_store *stores, size_t n_stores);

/* The fenced writes (store.h *_fenced) on a store whose lease is free:
 * they apply only while no other tenure began after the fence's (a wrong
 * token or holder, a takeover, the holder's renewal after its expiry:
 * TK_ERR_LEASE_LOST, nothing changed; an expiry alone changes nothing). w
 * is a NEW winner not in the store yet (put here). Sleeps 0.2 s. */
void tk_test_store_fence_contract(const tk_store *st, const tk_winner *w);
/* A thread writes through the fence of a 600 ms tenure on stores[0] while
 * stores[n_stores - 1] takes the lease over when it expires and writes
 * once: no old-tenure write lands after a failed one or after the
 * takeover returned, and the new tenure's write stays. w: as above.
 * (Expiry decides only when the takeover may happen; the window between
 * a check and its write is tested deterministically per store, e.g.
 * fleet_store_pg test_fence_holds_takeover.) */
void tk_test_store_fence_race(const tk_store *stores, size_t n_stores,
                              const tk_winner *w);

/* v as a tk_u256; sender's pending total (fails the test on an error or
 * a total above 2^64). */
tk_u256 tk_test_u256(uint64_t v);
uint64_t tk_test_pending_total(const tk_store *st, const tk_address *sender);

#endif

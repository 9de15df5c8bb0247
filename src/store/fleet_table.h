/* SPDX-License-Identifier: MIT */
#ifndef TK_STORE_FLEET_TABLE_H
#define TK_STORE_FLEET_TABLE_H

/* What a fleet shares besides winners and nonces (store.h: pending_* and
 * lease_*): the rules, written once for the in-memory store (which keeps
 * these structures) and the SQLite store (which loads a row into them
 * inside its transaction and writes the result back). Not locked: the
 * caller's mutex or transaction guards them. */

#include "ticket/store.h"

/* ---- pending redemptions ------------------------------------------------ */

typedef struct tk__pending_entry {
    tk_hash ticket_hash;
    tk_address sender;
    tk_u256 face_value;
} tk__pending_entry;

typedef struct tk__pending_table {
    tk__pending_entry *v;
    size_t n, cap;
} tk__pending_table;

/* *a += *b; TK_ERR_OVERFLOW (a unchanged) when the sum is >= 2^256. */
tk_status tk__u256_add(tk_u256 *a, const tk_u256 *b);

/* 1 when total + face_value <= *limit (limit NULL: always). */
int tk__pending_fits(const tk_u256 *total, const tk_u256 *face_value,
                     const tk_u256 *limit);

/* The contract of tk_store.pending_add / _remove / _total. */
tk_status tk__pending_table_add(tk__pending_table *t, const tk_hash *ticket_hash,
                                const tk_address *sender,
                                const tk_u256 *face_value,
                                const tk_u256 *limit, int *added);
int tk__pending_table_remove(tk__pending_table *t, const tk_hash *ticket_hash);
tk_status tk__pending_table_total(const tk__pending_table *t,
                                  const tk_address *sender, tk_u256 *out);
void tk__pending_table_free(tk__pending_table *t);

/* ---- the redeemer lease -------------------------------------------------- */

typedef struct tk__lease {
    char holder[TK_LEASE_HOLDER_MAX + 1]; /* "" when never held */
    uint64_t expires_ms;                  /* real-time clock, ms */
    uint64_t token;                       /* 0 before the first tenure */
} tk__lease;

/* 1 when holder is a valid id (1..TK_LEASE_HOLDER_MAX bytes). */
int tk__lease_holder_ok(const char *holder);

/* The contract of tk_store.lease_acquire at time now_ms, applied to *l. */
tk_status tk__lease_acquire(tk__lease *l, const char *holder, uint64_t now_ms,
                            uint32_t ttl_ms, uint64_t *token);
/* lease_release: 1 when l changed. */
int tk__lease_release(tk__lease *l, const char *holder);

/* 1 when f is a valid fence (holder ok, token >= 1). */
int tk__lease_fence_ok(const tk_lease_fence *f);
/* A fenced write's check (store.h *_fenced): TK_OK when f names the
 * latest tenure of *l, else TK_ERR_LEASE_LOST. */
tk_status tk__lease_fence_check(const tk__lease *l, const tk_lease_fence *f);

/* This machine's real-time clock in ms (the clock of the in-process and
 * SQLite leases: every process on one machine reads the same one). */
uint64_t tk__now_ms(void);

#endif

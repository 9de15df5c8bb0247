/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_STORE_CONTRACT_H
#define TK_TEST_STORE_CONTRACT_H

/* The tk_store replay-judge contract (store.h: nonce_claim, the block mark,
 * nonce_prune, a nonce_load cut short), checked the same way for every
 * store implementation. */

#include "test_support.h"

#include "ticket/store.h"

/* A winner with random fields (sender random when NULL) at round, and its
 * real ticket hash (the durable stores check it). */
void tk_test_make_winner(tk_winner *w, const tk_address *sender, int64_t round);
/* Field by field (struct copies need not preserve padding bytes). */
void tk_test_assert_winner_equal(const tk_winner *a, const tk_winner *b);

/* Single-writer semantics on a store with no nonces yet. */
void tk_test_store_claim_contract(const tk_store *st);

/* n_stores views of ONE store (the same vtable n times, or one connection
 * each): as many threads claim the same nonces in batches, in different
 * orders; every nonce must come out fresh exactly once. */
void tk_test_store_claim_race(const tk_store *stores, size_t n_stores);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_CHAIN_MEM_INTERNAL_H
#define TK_CHAIN_MEM_INTERNAL_H

/* The dev chain's state, shared by its files. Every field is guarded by mu;
 * the public functions take it for the whole call, so each call is atomic
 * with respect to the others. */

#include "ticket/chain.h"

#include <pthread.h>

struct tk__funds_entry {
    tk_address sender;
    tk_sender_funds funds;
};

struct tk__claim_entry {
    tk_address sender;
    tk_address claimant;
    tk_u256 claimed;
};

struct tk_chain_mem {
    pthread_mutex_t mu;
    uint64_t block;
    uint64_t round_length;
    uint64_t round_start;   /* block at which the current round began */
    int auto_init;
    tk_round_info rounds;
    uint64_t pool_size;
    tk_u256 gas_price;

    struct tk__funds_entry *funds; /* unsorted; a dev chain has few senders */
    size_t nfunds, capfunds;
    struct tk__claim_entry *claims;
    size_t nclaims, capclaims;
    tk_hash *used;                 /* sorted, for binary search */
    size_t nused, capused;
};

/* The fake hash of block `number`: keccak(u256(number)). Deterministic, so
 * tests can recompute it. */
void tk__chain_mem_block_hash(tk_hash *out, uint64_t number);

/* Grow a (ptr, cap) array so that it can hold n + 1 elements of size
 * `elem`. TK_ERR_NOMEM leaves the array as it was. */
tk_status tk__chain_mem_reserve(void **ptr, size_t *cap, size_t n,
                                size_t elem);

#endif

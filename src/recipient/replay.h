/* SPDX-License-Identifier: MIT */
#ifndef TK_RECIPIENT_REPLAY_H
#define TK_RECIPIENT_REPLAY_H

/* The replay set: the sender nonces seen per recipientRandHash (never per
 * recipientRand, which is secret), at most TK_MAX_NONCES_PER_RAND each.
 *
 * Layout: 64 shards picked by a byte of the rand hash, one mutex each. A
 * shard is an open-addressing table (linear probing, at most 3/4 full) of
 * 56-byte entries {rand hash, expiration block, nonce array, count, cap};
 * the nonces of one rand hash are a sorted uint32_t array grown 4, 8, 16,
 * ..., 512, 600. Memory per tracked nonce: 4 bytes plus at most 4 of growth
 * slack, plus the rand's entry (56 bytes / load factor, i.e. 75-150 bytes)
 * shared by its nonces; at 600 nonces per rand that is about 4.2 bytes per
 * nonce, at 10 about 20.
 *
 * Entries are dropped once the L1 block passes their expiration block
 * (last_block > expiration): a shard is swept when it is first locked at a
 * newer block. */

#include "ticket/common.h"

typedef struct tk__replay tk__replay;
typedef struct tk__replay_shard tk__replay_shard;

tk_status tk__replay_create(tk__replay **out);
void tk__replay_destroy(tk__replay *rs);

/* Lock the shard of rand_hash. With last_block != 0, first drop the
 * entries of that shard whose params expired before last_block. */
tk__replay_shard *tk__replay_lock(tk__replay *rs, const tk_hash *rand_hash,
                                  uint64_t last_block);
void tk__replay_unlock(tk__replay_shard *sh);

/* Record nonce as seen for rand_hash (the shard must be locked). The
 * entry's expiration is raised to `expiration` if it is later.
 * Returns TK_OK (newly seen), TK_ERR_REPLAYED_NONCE, TK_ERR_NONCE_LIMIT
 * (already TK_MAX_NONCES_PER_RAND seen), TK_ERR_NOMEM. */
tk_status tk__replay_add(tk__replay_shard *sh, const tk_hash *rand_hash,
                         uint64_t expiration, uint32_t nonce);

/* Forget a nonce added by this caller (rollback after a store failure). */
void tk__replay_remove(tk__replay_shard *sh, const tk_hash *rand_hash,
                       uint32_t nonce);

/* Sweep every shard (see tk__replay_lock). */
void tk__replay_prune(tk__replay *rs, uint64_t last_block);

/* Sum of tracked rands, nonces and heap bytes over all shards. */
void tk__replay_stats(tk__replay *rs, size_t *rands, size_t *nonces,
                      size_t *bytes);

#endif

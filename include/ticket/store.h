/* SPDX-License-Identifier: MIT */
#ifndef TICKET_STORE_H
#define TICKET_STORE_H

/** The winning-ticket store: a vtable the recipient writes winners to
 *  (before it reports success) and the redemption queue reads and updates.
 *  Two implementations ship: tk_store_mem (in memory, for tests) and the
 *  durable SQLite store (store_sqlite.h, the default for nodes).
 *
 *  A winner is keyed by its ticket hash; put is idempotent. Optionally a
 *  store also persists the recipient's seen nonces, so that a node that
 *  restarts with the same recipient secret still rejects replays, and the
 *  highest request seq served per stream (credential.h), so that a signed
 *  request authorizes one debit only. A store
 *  with nonce_claim is the judge of replays: several recipients (threads,
 *  connections or processes) may share it, and each nonce is credited by
 *  exactly one of them. It also keeps a block mark (the highest L1 block
 *  any of its recipients saw, never lowered), so that a restart or a
 *  lagging chain view cannot re-open params that already expired.
 *
 *  Thread safety: every implementation shipped here may be called from
 *  many threads at once. */

#include "ticket/common.h"
#include "ticket/ticket.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tk_winner_state {
    TK_WINNER_NEW = 0,       /* stored; waiting for params expiry/redemption */
    TK_WINNER_SUBMITTED = 1, /* redemption tx in flight (tx_hash set) */
    TK_WINNER_CONFIRMED = 2, /* redeemed by our transaction */
    TK_WINNER_FAILED = 3,    /* last tx failed; retryable */
    TK_WINNER_USED = 4,      /* chain reports the hash used; final */
    TK_WINNER_EXPIRED = 5    /* past the on-chain validity window; final */
} tk_winner_state;

#define TK_WINNER_STATE_BIT(s) (1u << (unsigned)(s))
#define TK_WINNER_ALL_STATES 0x3fu

/** One winning ticket with everything needed to redeem it. */
typedef struct tk_winner {
    tk_hash ticket_hash;
    tk_ticket ticket;
    tk_sig sig;
    tk_u256 recipient_rand;   /* secret until revealed on-chain */
    tk_u256 expiration_block; /* the params' expiration block; for a
                                 winner received expired, at least the
                                 mark + TK_PARAMS_MAX_LEAD_BLOCKS (the
                                 redemption waits for it) */
    tk_winner_state state;
    tk_hash tx_hash;          /* last submission; zero if none */
    uint32_t attempts;        /* moves to SUBMITTED so far: submissions,
                                 including ones recorded before a
                                 broadcast that then did not happen */
} tk_winner;

/** Visitor for list(): return non-zero to stop early. */
typedef int (*tk_winner_visit_fn)(const tk_winner *w, void *data);
/** Visitor for seen-nonce loading: return 0 to go on; non-zero stops the
 *  load and nonce_load then fails with TK_ERR_STORE (the recipient keeps
 *  its own reason, e.g. TK_ERR_NOMEM, and fails with that): a load that
 *  was cut short must never pass for a complete one. */
typedef int (*tk_nonce_visit_fn)(const tk_hash *rand_hash, uint32_t nonce,
                                 const tk_u256 *expiration_block, void *data);

/** One redeemer tenure: the lease holder id and the fencing token its
 *  lease_acquire returned. */
typedef struct tk_lease_fence {
    const char *holder; /* 1..TK_LEASE_HOLDER_MAX bytes, NUL-terminated */
    uint64_t token;     /* >= 1 */
} tk_lease_fence;

typedef struct tk_store {
    void *self;
    /* Durably store a winner. Idempotent: a second put of the same
     * ticket_hash leaves the stored row as it is and returns TK_OK. */
    tk_status (*put_winner)(void *self, const tk_winner *w);
    /* TK_ERR_NOT_FOUND when absent. */
    tk_status (*get_winner)(void *self, const tk_hash *ticket_hash,
                            tk_winner *out);
    /* Move to state; tx_hash may be NULL (keeps the old one). Moving to
     * TK_WINNER_SUBMITTED increments attempts. */
    tk_status (*set_state)(void *self, const tk_hash *ticket_hash,
                           tk_winner_state state, const tk_hash *tx_hash);
    /* Visit winners whose state bit is in state_mask, of one sender (or
     * all when sender is NULL), ordered by creation round, then hash. */
    tk_status (*list)(void *self, const tk_address *sender,
                      unsigned state_mask, tk_winner_visit_fn fn, void *data);
    /* Seen nonces. Optional: NULL when the store does not persist them
     * (then the recipient keeps them in memory only). nonce_add records
     * one nonce of a rand hash durably; idempotent. */
    tk_status (*nonce_add)(void *self, const tk_hash *rand_hash,
                           uint32_t nonce, const tk_u256 *expiration_block);
    /* Visit every persisted nonce (the recipient reloads them on create). */
    tk_status (*nonce_load)(void *self, tk_nonce_visit_fn fn, void *data);
    /* Drop the nonces whose expiration block is below last_block. A
     * store that has nonce_claim also raises its block mark to last_block
     * in the same step: once a nonce is forgotten, params that expired
     * before the mark must stay expired for every later claim. A store
     * never drops a nonce before the expiration block it was recorded
     * with, but may keep it longer: the SQLite store keeps one expiration
     * block per rand hash, the latest any add or claim of that rand hash
     * gave, and nonce_load reports that one for each of its nonces. */
    tk_status (*nonce_prune)(void *self, uint64_t last_block);
    /* Optional batch form of nonce_add (appended last, so initializers
     * written before it still compile): the n nonces of one rand hash,
     * all with the same expiration block, in ONE all-or-nothing durable
     * write - on failure none of them is stored. Idempotent per nonce
     * like nonce_add; n == 0 is TK_OK. The recipient calls it once per
     * payment instead of nonce_add once per ticket (one fsync instead of
     * n on the SQLite store). It is used only when nonce_add is set too:
     * a NULL nonce_add turns nonce persistence off altogether. */
    tk_status (*nonce_add_many)(void *self, const tk_hash *rand_hash,
                                const uint32_t *nonces, size_t n,
                                const tk_u256 *expiration_block);
    /* Optional (appended last): the highest request seq served per (sender,
     * manifest id) (docs/protocol-notes.md section 10), durable like the
     * nonces. Atomically, across every user of the store (threads, connections,
     * processes): when no seq is stored for the pair or seq is above the stored
     * one, store seq and return TK_OK; otherwise return TK_ERR_STALE_SEQ and
     * change nothing. So two recipients on one store, or a restarted one, never
     * both accept the same request. manifest_id may be NULL when
     * manifest_id_len is 0; manifest_id_len <= TK_MANIFEST_ID_MAX
     * (credential.h). Seqs are never pruned (one row per stream).
     * tk_recipient_debit_request needs it. */
    tk_status (*seq_advance)(void *self, const tk_address *sender,
                             const uint8_t *manifest_id,
                             size_t manifest_id_len, uint64_t seq);
    /* Optional: the store judges replays (appended last).
     * In ONE atomic, durable step: raise the store's block mark to
     * max(mark, seen_block), record every one of the n nonces of rand_hash
     * that is not recorded yet, and report which ones THIS call recorded:
     * fresh[i] = 1 when nonces[i] was new, 0 when any writer (this
     * recipient, another one on the same store, another process) had
     * recorded it before. *mark gets the block mark after the raise. Two
     * concurrent claims of one nonce give fresh = 1 to exactly one of them.
     * On failure nothing is recorded or raised, fresh is all 0 and *mark 0
     * - with one exception: a database store that lost the answer to its
     * COMMIT (TK_ERR_STORE_UNAVAILABLE, store_pg.h) cannot know whether the
     * claim was applied; if it was, a retry finds the nonces recorded and
     * reports them not fresh (a payment not credited, never one credited
     * twice).
     * n == 0 only raises and reads the mark (rand_hash, nonces and fresh
     * may then be NULL). Duplicates within one call: the first is fresh.
     * A recipient credits only fresh nonces, so several recipients sharing
     * one store credit every ticket once. SQL stores implement it as one
     * transaction (PostgreSQL: INSERT ... ON CONFLICT DO NOTHING RETURNING
     * nonce, plus an UPDATE of the mark row, which serializes the claim
     * against a concurrent prune). Used only when nonce_add is set too. */
    tk_status (*nonce_claim)(void *self, const tk_hash *rand_hash,
                             const uint32_t *nonces, size_t n,
                             const tk_u256 *expiration_block,
                             uint64_t seen_block, uint8_t *fresh,
                             uint64_t *mark);
    /* Optional (appended last; all five NULL or all set): what a fleet of
     * nodes under one address shares besides winners and nonces
     * (docs/fleet.md). Pending redemptions: one entry per winner whose
     * redemption is in flight, keyed by ticket hash, so that an entry is
     * counted once however often it is added (a retry after a crash) and
     * the total of a sender never goes negative.
     * pending_add: in ONE atomic step across every user of the store, when
     * ticket_hash has no entry and (limit is NULL or the sender's total +
     * face_value <= *limit), record (ticket_hash, sender, face_value) and
     * set *added = 1; when it has one already, change nothing, *added = 0,
     * TK_OK (the limit is not checked again); else TK_ERR_PENDING_LIMIT
     * and nothing changes. face_value must not be zero. */
    tk_status (*pending_add)(void *self, const tk_hash *ticket_hash,
                             const tk_address *sender,
                             const tk_u256 *face_value, const tk_u256 *limit,
                             int *added);
    /* Remove ticket_hash's entry; *removed = 1 when there was one, else 0
     * (TK_OK: removing twice is harmless). */
    tk_status (*pending_remove)(void *self, const tk_hash *ticket_hash,
                                int *removed);
    /* The sum of sender's entries (0 when none); TK_ERR_OVERFLOW when it is
     * >= 2^256 (out zeroed). */
    tk_status (*pending_total)(void *self, const tk_address *sender,
                               tk_u256 *out);
    /* The redeemer lease (one per store: the store serves one address).
     * Atomically: when the lease is free, expired, or held by `holder`
     * (1..TK_LEASE_HOLDER_MAX bytes, NUL-terminated), give it to holder
     * until now + ttl_ms by the store's clock (SQLite: this machine's
     * real-time clock; PostgreSQL: the server's) and set *token to the
     * fencing token: it is unchanged on a renewal of an unexpired lease
     * by its holder and increases by one on every other acquisition, so
     * a token names one tenure. Otherwise TK_ERR_LEASE_HELD, *token 0. */
    tk_status (*lease_acquire)(void *self, const char *holder,
                               uint32_t ttl_ms, uint64_t *token);
    /* Give the lease up now when holder holds it (the next acquisition by
     * anyone is a takeover); otherwise change nothing. TK_OK both ways. */
    tk_status (*lease_release)(void *self, const char *holder);
    /* Optional (appended last; all three NULL or all set, and then the
     * lease functions too): fenced writes, the redeemer's writes of one
     * tenure. Each is set_state / pending_add / pending_remove, applied
     * only when, in the same atomic step, the lease row still names
     * fence->holder with fence->token, i.e. no acquisition has started
     * another tenure since (a takeover, or the holder's own renewal after
     * its expiry: both change the token); otherwise TK_ERR_LEASE_LOST and
     * nothing changes. So no write of a tenure lands after the next
     * tenure began (docs/fleet.md). An expired lease that no one has
     * acquired since still admits its holder's writes: no other tenure
     * exists to conflict with. The fleet redeemers write only through
     * these. */
    tk_status (*set_state_fenced)(void *self, const tk_lease_fence *fence,
                                  const tk_hash *ticket_hash,
                                  tk_winner_state state,
                                  const tk_hash *tx_hash);
    tk_status (*pending_add_fenced)(void *self, const tk_lease_fence *fence,
                                    const tk_hash *ticket_hash,
                                    const tk_address *sender,
                                    const tk_u256 *face_value,
                                    const tk_u256 *limit, int *added);
    tk_status (*pending_remove_fenced)(void *self,
                                       const tk_lease_fence *fence,
                                       const tk_hash *ticket_hash,
                                       int *removed);
    /* Optional (appended last): n set_state calls - ticket_hashes[0..n-1]
     * in order, each to state with tx_hash - in ONE all-or-nothing durable
     * write: when any hash is absent, TK_ERR_NOT_FOUND and none of them
     * changes (a hash given twice is written twice: SUBMITTED counts two
     * attempts). With fence not NULL it is set_state_fenced's step: the
     * tenure is checked in the same write (TK_ERR_LEASE_LOST, nothing
     * changes), and the store must have the fenced functions. n == 0 is
     * TK_OK and writes nothing (ticket_hashes may then be NULL). On
     * failure nothing is written, except that a database store that lost
     * its COMMIT's answer (TK_ERR_STORE_UNAVAILABLE) cannot tell. The
     * redemption queue records a call's winners with it (one commit
     * instead of one per winner, and never half a call); without it the
     * queue calls set_state once per winner. */
    tk_status (*set_state_many)(void *self, const tk_lease_fence *fence,
                                const tk_hash *ticket_hashes, size_t n,
                                tk_winner_state state, const tk_hash *tx_hash);
} tk_store;

/** Longest redeemer-lease holder id (bytes, without the NUL). */
#define TK_LEASE_HOLDER_MAX 64

/* ---- In-memory store ---------------------------------------------------*/
typedef struct tk_store_mem tk_store_mem;

/** Create an empty in-memory store (it persists nothing: for tests and
 *  tools, not for a node).
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (out NULL).
 *  Out:     out: the store (tk_store_mem_destroy); NULL on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_store_mem_create(tk_store_mem **out)
    TK_ARG_NONNULL(1);
/** Wipes the stored rands and frees. NULL is a no-op. */
TK_API void tk_store_mem_destroy(tk_store_mem *store);
/** The tk_store vtable over this store (valid while it exists), with
 *  every member set, the nonce functions included.
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (a NULL argument).
 *  Out:     out: the vtable; zeroed on failure. */
TK_API tk_status tk_store_mem_iface(tk_store_mem *store, tk_store *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_STORE_H */

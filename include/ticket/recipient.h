/* SPDX-License-Identifier: MIT */
#ifndef TICKET_RECIPIENT_H
#define TICKET_RECIPIENT_H

/** The recipient: what a transcoder/orchestrator node links to get paid
 *  (docs/protocol-notes.md sections 3, 4, 6 and 7).
 *
 *  A recipient issues ticket params to senders, receives their payments
 *  (validating signatures, re-deriving the committed recipientRand,
 *  rejecting replayed nonces, deciding wins), credits the exact EV of every
 *  accepted ticket to a (sender, session) balance, and hands every winning
 *  ticket to a store before it reports success. It owns a sender monitor
 *  (monitor.h) that the redemption queue shares.
 *
 *  Typical use:
 *
 *      tk_recipient_config cfg = {0};
 *      cfg.address = my_address;         ev, redeem_gas, ... as configured
 *      tk_recipient *r;
 *      tk_recipient_create(ctx, &r, &cfg, NULL, &chain, &store);
 *      tk_recipient_params(r, &params, &sender, &price);   -> to the sender
 *      ... the sender pays with a tk_payment built on those params ...
 *      tk_recipient_receive(r, results, n, &summary, credited, &payment,
 *                           NULL);
 *      tk_recipient_debit_request(r, &sender, &summary.session, cost, 0,
 *                                 &cred, sig, 65);   the signed request
 *
 *  Thread safety: every function below may be called from many threads at
 *  once on the same recipient (the replay set and the balances are sharded,
 *  one mutex per shard). The tk_ctx, the chain callbacks and the store
 *  callbacks must be thread-safe too (the in-memory ones shipped are).
 *
 *  Secrets: the 32-byte recipient secret is copied into the object and
 *  wiped by tk_recipient_destroy(). recipientRand values derived from it are
 *  wiped after use, except in the winners handed to the store (they are
 *  needed for redemption). Nothing is ever indexed by a secret: the replay
 *  set is keyed by recipientRandHash. */

#include "ticket/common.h"
#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/credential.h"
#include "ticket/monitor.h"
#include "ticket/payment.h"
#include "ticket/receipt.h"
#include "ticket/store.h"
#include "ticket/ticket.h"

#include <gmp.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Params expire this many L1 blocks after the last block seen at issue. */
#define TK_PARAMS_EXPIRATION_BLOCKS 40
/** A payment is refused (TK_ERR_PARAMS_TOO_FAR) when its params expire
 *  more than this many L1 blocks past the recipient's high-water mark:
 *  TK_PARAMS_EXPIRATION_BLOCKS, plus 216 blocks by which this recipient's
 *  chain view may trail the view that issued the params (another node of
 *  a fleet). Expired winners wait as long before redemption. Params with a
 *  later expiration cannot be ones this recipient issued (docs/SECURITY.md,
 *  "Shifted params"). */
#define TK_PARAMS_MAX_LEAD_BLOCKS 256
/** At most this many sender nonces are accepted per recipientRand. */
#define TK_MAX_NONCES_PER_RAND 600
/** The average gas price (3 gwei, in wei) of the face-value floor (4.2). */
#define TK_AVG_GAS_PRICE_WEI 3000000000u
/** faceValue = EV * this when txCost * txCostMultiplier is below EV. */
#define TK_EV_MULTIPLIER 100u

/** The recipient's configuration (the policy inputs of section 4). */
typedef struct tk_recipient_config {
    tk_address address;          /* this recipient (tickets must name it) */
    tk_u256 ev;                  /* expected value per ticket, wei */
    uint64_t redeem_gas;         /* gas of one redemption transaction */
    uint64_t tx_cost_multiplier; /* faceValue = txCost * this */
    tk_u256 max_face_value;      /* cap on faceValue; 0 = no cap */
} tk_recipient_config;

/** Chain state for params issuance when the caller supplies it itself
 *  (tk_recipient_params_with; ticketctl's `params`). */
typedef struct tk_params_inputs {
    tk_u256 gas_price;           /* wei per gas */
    tk_u256 max_float;           /* the sender's max float (section 7) */
    uint64_t last_block;         /* last seen L1 block */
    int64_t creation_round;      /* expiration params, >= 0 */
    tk_hash creation_round_block_hash;
    int has_seed;                /* 1: use seed; 0: draw one (CSPRNG) */
    tk_u256 seed;
} tk_params_inputs;

/** The outcome of one ticket of a payment.
 *  status: TK_OK                 accepted and credited;
 *          TK_ERR_SIG_*          invalid signature (any of the seven codes
 *                                of common.h; see tk_recipient_receive);
 *          TK_ERR_REPLAYED_NONCE nonce already seen for these params;
 *          TK_ERR_NONCE_LIMIT    the 601st distinct nonce or later;
 *          TK_ERR_PARAMS_EXPIRED params expired: recorded as seen, a
 *                                winner is still stored, no credit.
 *  wins:   1 if the ticket wins and was stored (status TK_OK or
 *          TK_ERR_PARAMS_EXPIRED), else 0. */
typedef struct tk_ticket_result {
    uint32_t sender_nonce;
    tk_status status;
    int wins;
} tk_ticket_result;

/** Totals of one tk_recipient_receive() call. */
typedef struct tk_receive_summary {
    size_t accepted;  /* tickets credited (status TK_OK) */
    size_t rejected;  /* tickets with a per-ticket error */
    size_t winners;   /* winning tickets stored */
    tk_hash session;  /* the session the credit went to */
} tk_receive_summary;

/** Replay-set and balance statistics (tk_recipient_get_stats). */
typedef struct tk_recipient_stats {
    size_t tracked_rands;  /* recipientRands with seen nonces */
    size_t tracked_nonces; /* seen nonces over all of them */
    size_t replay_bytes;   /* heap bytes the replay set holds */
    size_t balances;       /* (sender, session) balances */
} tk_recipient_stats;

typedef struct tk_recipient tk_recipient;

/** Create a recipient.
 *
 *  If the store has nonce_load, the seen nonces it persisted are loaded
 *  (those whose params already expired are dropped at the next receive),
 *  so a recipient restarted with the same secret still rejects replays;
 *  with nonce_claim, the store's block mark becomes the recipient's first
 *  high-water mark (see chain.h). A load that fails or is cut short fails
 *  the create: a recipient never starts with part of its replay set.
 *
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, a NULL callback the recipient
 *           needs, tx_cost_multiplier or redeem_gas 0); TK_ERR_NOMEM (also
 *           while reloading the nonces); TK_ERR_RNG (secret32 NULL and no
 *           OS randomness); TK_ERR_STORE (nonce_load or reading the block
 *           mark failed); TK_ERR_STORE_UNAVAILABLE (the same, retryable: a
 *           database store that lost its server, a SQLite file locked past
 *           the busy timeout; create again later).
 *  Args:    ctx:      must outlive the recipient.
 *  Out:     out:      the new recipient (NULL on failure).
 *  In:      cfg:      copied.
 *           secret32: the 32-byte recipient secret, copied (the caller
 *                     wipes its own copy); NULL draws a fresh one from the
 *                     OS CSPRNG (then nothing issued before a restart can
 *                     be re-derived: use a persisted secret on real nodes).
 *           chain:    copied; its self pointer must stay valid. Needs
 *                     last_block, rounds, sender_funds, claimed_reserve,
 *                     pool_size and gas_price.
 *           store:    copied; its self pointer must stay valid. Needs
 *                     put_winner; nonce_add / nonce_load / nonce_prune are
 *                     used when present, and nonce_claim (else
 *                     nonce_add_many; one call per payment) instead of
 *                     nonce_add. With nonce_claim several recipients may
 *                     share the store: each nonce is credited by one.
 *                     With pending_add / _remove / _total the recipient's
 *                     monitor is shared (tk_monitor_create_shared): the
 *                     max float it offers counts the redemptions in
 *                     flight of every node on the store. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_create(const tk_ctx *ctx,
    tk_recipient **out, const tk_recipient_config *cfg,
    const uint8_t *secret32, const tk_chain *chain, const tk_store *store)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(5)
    TK_ARG_NONNULL(6);

/** Wipe the secret, free all state. NULL is a no-op. Not concurrently with
 *  any other call on r. */
TK_API void tk_recipient_destroy(tk_recipient *r);

/** This recipient's address. */
TK_API tk_status tk_recipient_address(const tk_recipient *r, tk_address *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The recipient's sender monitor (borrowed: valid while r lives; never
 *  destroy it). NULL if r is NULL. The redemption queue adds and removes
 *  pending face values through it. */
TK_API tk_monitor *tk_recipient_monitor(tk_recipient *r);

/** Issue ticket params for `sender` at `price` (section 4).
 *
 *  Reads the last L1 block, the rounds and the gas price from the chain and
 *  the sender's max float from the monitor; draws a fresh 32-byte seed from
 *  the OS CSPRNG every call. Price zero gives faceValue = winProb = 0.
 *  Otherwise faceValue = redeemGas * gasPrice * txCostMultiplier, or
 *  EV * 100 when that is below EV, capped at maxFloat and at max_face_value
 *  (when set); winProb by tk_win_prob(). expirationBlock = the high-water
 *  mark (the highest L1 block seen, chain.h; a lagging read does not lower
 *  it) + 40, so fresh params are never expired when receive judges them.
 *  The creation round is the last initialized round and its block hash, or
 *  the previous round when that hash is zero.
 *
 *  Returns: TK_OK;
 *           TK_ERR_INSUFFICIENT_SENDER_RESERVE  the capped faceValue is below
 *                          EV, or below both txCost and redeemGas * 3 gwei:
 *                          the sender must add reserve (or the node lower
 *                          its EV);
 *           TK_ERR_INVALID_PRICE  price->den == 0;
 *           TK_ERR_OVERFLOW  winProb would exceed MAX (only with absurd
 *                          configurations: faceValue above 2^128);
 *           TK_ERR_CHAIN   a chain callback failed;
 *           TK_ERR_RNG     no OS randomness;
 *           TK_ERR_ILLEGAL_ARG.
 *  Out:     out: the params (zeroed on failure).
 *  In:      sender: who will pay with them; price: wei per pixel (reduced
 *           here; the params carry the reduced form). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_params(tk_recipient *r,
    tk_ticket_params *out, const tk_address *sender, const tk_price *price)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** tk_recipient_params() with the chain state supplied by the caller
 *  instead of read from the chain and the monitor (and, with has_seed, a
 *  given seed instead of a random one: for tools and tests only, a reused
 *  seed gives the sender params it has already seen).
 *  Returns: as tk_recipient_params(), except TK_ERR_CHAIN; also
 *           TK_ERR_ILLEGAL_ARG when in->creation_round < 0 or
 *           in->last_block + 40 overflows. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_params_with(
    tk_recipient *r, tk_ticket_params *out, const tk_address *sender,
    const tk_price *price, const tk_params_inputs *in)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** The recipientRandHash this recipient derives for params used by
 *  `sender` (section 3): lets a node check params it issued, and tests
 *  check the derivation. Uses params' seed, face value, win prob,
 *  expiration block, price and expiration params.
 *  Returns: TK_OK; TK_ERR_INVALID_PRICE; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_recipient_rand_hash(const tk_recipient *r, tk_hash *out,
    const tk_address *sender, const tk_ticket_params *params)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Receive a payment: k tickets sharing params, sender and price.
 *
 *  recipientRand is derived once for the payment. Fatal checks come first
 *  and reject the whole payment with no state change, in this order:
 *    TK_ERR_INVALID_PRICE      price den 0 (no expected price on the wire);
 *    TK_ERR_OUT_OF_RANGE       creation round < 0;
 *    TK_ERR_CHAIN              the chain could not be read;
 *    TK_ERR_SENDER_UNLOCKING   withdrawRound != 0 and <= last initialized
 *                              round + 1: the sender is leaving;
 *    TK_ERR_WRONG_RECIPIENT    params.recipient is not this recipient;
 *    TK_ERR_ZERO_SENDER        the sender is the zero address;
 *    TK_ERR_RAND_HASH_MISMATCH the params were not issued by this
 *                              recipient (or were altered);
 *    TK_ERR_PARAMS_TOO_FAR     the expiration block lies more than
 *                              TK_PARAMS_MAX_LEAD_BLOCKS past the
 *                              high-water mark (raised by this call's
 *                              block read first);
 *    TK_ERR_PARAMS_NOT_ISSUED  winProb is not the issuing rule's value for
 *                              faceValue and any EV (section 4.3).
 *  The last two refuse params that match the rand hash with bytes moved
 *  between fields of the HMAC message (docs/SECURITY.md).
 *  Then every ticket is checked, and a per-ticket error never stops the
 *  batch (so no winner is missed); results[i] says what happened to
 *  ticket i: signature (any TK_ERR_SIG_*), win decision, replay
 *  (TK_ERR_REPLAYED_NONCE; TK_ERR_NONCE_LIMIT past 600 nonces per
 *  recipientRand), expiry (TK_ERR_PARAMS_EXPIRED when params.
 *  expiration_block <= the recipient's high-water mark, the highest L1
 *  block it or its store has seen (chain.h): still recorded as seen, a
 *  winner still stored - with its expiration_block raised to the mark +
 *  TK_PARAMS_MAX_LEAD_BLOCKS, so it is not redeemed while params sharing
 *  its rand may still be live - no credit). Every winner (accepted or expired) is
 *  put to the store before the call returns, then the seen nonces are
 *  persisted when the store supports it (all of the payment's in one
 *  nonce_claim call when the store has it - a nonce the store already
 *  held, e.g. from another recipient on it, is then TK_ERR_REPLAYED_NONCE
 *  - else one nonce_add_many call, else one nonce_add each). Finally
 *  accepted * EV is credited to the (sender, session) balance, once.
 *
 *  Returns: TK_OK       the payment was processed: read results/summary;
 *                       TK_OK even when every ticket was rejected.
 *           the fatal codes above;
 *           TK_ERR_STORE  the store failed: nothing is credited and the
 *                       nonces of this call are forgotten again, so the
 *                       same payment can be retried;
 *           TK_ERR_STORE_UNAVAILABLE  the same, from a database store
 *                       that lost its server (store_pg.h; it reconnects on
 *                       its next call) or a SQLite file locked by another
 *                       connection past the busy timeout: retryable; when
 *                       the connection was lost after the server committed
 *                       the claim, the retry is a replay (the tickets are
 *                       lost to the recipient, never credited twice);
 *           TK_ERR_NOMEM  nothing is credited; when it struck after the
 *                       store recorded the nonces (crediting the balance),
 *                       a retry is a replay: the tickets are lost to the
 *                       recipient, never credited twice;
 *           TK_ERR_ILLEGAL_ARG (NULL, or results_len < payment->count).
 *  Out:     results:  payment->count entries (may be NULL when count is
 *                     0); zeroed on failure.
 *           summary:  totals and the session credited (may be NULL).
 *           credited: accepted * EV, exact (an initialized mpq_t, or
 *                     NULL); 0 on failure.
 *  In:      payment:  as decoded from the wire or built by a sender.
 *           session:  the balance to credit; NULL means the session is
 *                     the params' recipientRandHash (as go-livepeer does).
 *  Secrets: the derived recipientRand is wiped before return; copies go
 *           only into stored winners. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_receive(tk_recipient *r,
    tk_ticket_result *results, size_t results_len,
    tk_receive_summary *summary, mpq_ptr credited,
    const tk_payment *payment, const tk_hash *session)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(6);

/** Receive one ticket: tk_recipient_receive() on a payment of one, with
 *  the per-ticket status as the return value.
 *  Returns: TK_OK (accepted and credited), a per-ticket code or a fatal
 *           code of tk_recipient_receive().
 *  Out:     wins: 1 if the ticket won and was stored, for TK_OK and
 *           TK_ERR_PARAMS_EXPIRED (an expired winner is kept); else 0.
 *  In:      ticket, sig: as signed by the sender; seed, expiration_block,
 *           price: the rest of the params the ticket was made from;
 *           session: as in tk_recipient_receive() (NULL allowed). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_receive_ticket(
    tk_recipient *r, int *wins, const tk_ticket *ticket, const tk_sig *sig,
    const tk_u256 *seed, const tk_u256 *expiration_block,
    const tk_price *price, const tk_hash *session)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5) TK_ARG_NONNULL(6) TK_ARG_NONNULL(7);

/** The signed receipt (docs/receipts.md R1) of a payment just received: the
 *  tickets results[] accepted (status TK_OK), in payment order, the
 *  accepted ones that won, creditedWei = floor(accepted x EV) (EV exact,
 *  section 2) and blockNumber = the recipient's high-water mark (the last
 *  L1 block it has seen). Send it back in the Libticket-Receipt header
 *  (tk_wire_encode_receipt_header).
 *  Returns: TK_OK; TK_ERR_WRONG_RECIPIENT (the payment's params name
 *           another recipient); TK_ERR_OVERFLOW (creditedWei >= 2^256, only
 *           with absurd face values); TK_ERR_SIG_WRONG_SIGNER (seckey32 is
 *           not this recipient's key); TK_ERR_INVALID_PRIVKEY; TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG (NULL, n != payment->count, or a result
 *           whose nonce is not its ticket's: results of another payment).
 *  Out:     out: owns its storage (tk_signed_receipt_clear); zeroed on
 *           failure.
 *  In:      seckey32: the recipient's Ethereum key (only read, no copy
 *           survives); domain: chain id and TicketBroker; payment, results,
 *           n: a tk_recipient_receive() call that returned TK_OK. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_receipt(tk_recipient *r,
    tk_signed_receipt *out, const uint8_t seckey32[32],
    const tk_receipt_domain *domain, const tk_payment *payment,
    const tk_ticket_result *results, size_t n)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** Flags of tk_recipient_debit_request(). */
#define TK_DEBIT_ALLOW_NEGATIVE 1u

/** The balance of (sender, session): credited EV minus debits, exact.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (never credited or cleared; *out = 0);
 *           TK_ERR_ILLEGAL_ARG.
 *  Args:    out: an initialized mpq_t, overwritten. */
TK_API tk_status tk_recipient_balance(tk_recipient *r, mpq_ptr out,
    const tk_address *sender, const tk_hash *session)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Debit amount (>= 0) for one request the sender signed
 *  (docs/protocol-notes.md section 10): the only way to spend a balance. A
 *  payment proves nothing about who asked for the work (a captured
 *  Livepeer-Payment header can be replayed by anyone, and a 0-ticket payment
 *  names any sender); a request credential signed by the sender, with a seq
 *  above every seq served before for its (sender, manifest id), does.
 *
 *  In order, each failure with nothing changed unless said otherwise:
 *    1. the credential must verify for sender (tk_credential_verify);
 *    2. the store must keep request seqs (seq_advance), else TK_ERR_STATE;
 *    3. without TK_DEBIT_ALLOW_NEGATIVE the balance must exist and cover
 *       amount;
 *    4. the store advances the seq of (sender, manifest id) atomically and
 *       durably: a seq not above the stored one is TK_ERR_STALE_SEQ (a
 *       replayed or reordered request; so is one a second recipient on the
 *       same store or this one before a restart already served);
 *    5. the balance is debited. Should a concurrent debit have drained it
 *       between 3 and 5, this is TK_ERR_INSUFFICIENT_BALANCE and the seq
 *       stays used (the request is refused; the sender signs its next
 *       segment with a higher seq anyway).
 *  Atomic with respect to concurrent credits and debits of the balance.
 *
 *  Returns: TK_OK; TK_ERR_SIG_* and the codes of tk_credential_verify;
 *           TK_ERR_STATE; TK_ERR_STALE_SEQ; TK_ERR_INSUFFICIENT_BALANCE;
 *           TK_ERR_NOT_FOUND (no such balance and the flag not given);
 *           TK_ERR_STORE; TK_ERR_STORE_UNAVAILABLE (seq_advance failed
 *           retryably - a database store that lost its server, a SQLite
 *           file locked past the busy timeout: nothing debited and the
 *           seq not used, so the same request may be retried; only a
 *           database store that lost the answer to its write may have
 *           stored the seq, and the retry is then TK_ERR_STALE_SEQ:
 *           refused, never debited twice);
 *           TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL, amount < 0, unknown
 *           flag; sig may be NULL only with siglen 0).
 *  In:      sender, session: the balance (the session as credited by
 *           tk_recipient_receive); amount: the price of the work, exact;
 *           cred, sig: the request and the sender's signature over it, as
 *           received with it (go-livepeer: the segment's metadata). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_recipient_debit_request(
    tk_recipient *r, const tk_address *sender, const tk_hash *session,
    mpq_srcptr amount, unsigned flags, const tk_credential *cred,
    const uint8_t *sig, size_t siglen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(6);

/** Forget the balance of (sender, session) when the session ends.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_recipient_balance_clear(tk_recipient *r,
    const tk_address *sender, const tk_hash *session)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Drop the seen nonces of params that expired before the high-water
 *  mark (the highest L1 block seen; a lower read never lowers it; receive
 *  does this lazily too), and prune the store's nonces when it supports it
 *  (which raises the store's block mark). Call it now and then (e.g. on
 *  every new block).
 *  Returns: TK_OK; TK_ERR_CHAIN; TK_ERR_STORE; TK_ERR_STORE_UNAVAILABLE
 *           (the store's prune failed retryably: the nonces in memory are
 *           dropped, the store's are not; call it again);
 *           TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_recipient_prune(tk_recipient *r) TK_ARG_NONNULL(1);

/** Replay-set and balance statistics (a consistent view per shard).
 *  replay_bytes counts what the replay set allocated: 4 bytes per nonce
 *  slot plus the per-recipientRand table entries. */
TK_API tk_status tk_recipient_get_stats(tk_recipient *r,
    tk_recipient_stats *out) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_RECIPIENT_H */

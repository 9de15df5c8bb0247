/* SPDX-License-Identifier: MIT */
#ifndef TICKET_SENDER_H
#define TICKET_SENDER_H

/** The sender: what a broadcaster node links to pay (docs/protocol-notes.md
 *  section 5).
 *
 *  A tk_sender holds one Ethereum private key, the node's limits (max EV per
 *  ticket, max EV per batch, deposit multiplier) and a table of sessions.
 *  A session is keyed by the recipientRandHash of one set of ticket params
 *  received from a transcoder; it owns the nonce counter of those params.
 *  A batch is k tickets of one session, signed and returned as a
 *  tk_payment (the shape of go-livepeer's wire Payment).
 *
 *  Thread safety: after creation, every function except tk_sender_destroy()
 *  may be called from any number of threads at once on the same sender
 *  (the session table has its own lock; nonces are reserved atomically).
 *  Each function's comment repeats what it needs. The tk_ctx and the
 *  tk_chain callbacks given at creation must outlive the sender and be
 *  safe for the threads that use it (tk_chain_mem is).
 *
 *  Secrets: the private key is copied into memory the sender owns, is only
 *  ever read by the signing call, is never returned by any function, and
 *  is wiped by tk_sender_destroy() and on every failed creation path. */

#include "ticket/common.h"
#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/credential.h"
#include "ticket/payment.h"
#include "ticket/ticket.h"

#include <gmp.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The most memory a keystore's scrypt parameters may ask for
 *  (128 * r * (n + p) bytes): 1 GiB, four times geth's "standard" setting.
 *  Larger settings are refused with TK_ERR_KEYSTORE_UNSUPPORTED. */
#define TK_KEYSTORE_SCRYPT_MAX_MEM ((uint64_t)1 << 30)
/** The most PBKDF2 iterations a keystore may ask for. */
#define TK_KEYSTORE_PBKDF2_MAX_ITER 100000000u

typedef struct tk_sender tk_sender;

/** The node's payment limits. All amounts are in wei. */
typedef struct tk_sender_config {
    /* Refuse params whose ticket EV is above this (EV > max_ev). Use
     * all-ones (2^256 - 1) for "no limit". */
    tk_u256 max_ev;
    /* Refuse a batch of k tickets when k * EV > max_total_ev. */
    tk_u256 max_total_ev;
    /* Refuse params whose face value is above deposit / multiplier
     * (integer division). Must be >= 1; go-livepeer's default is 1. */
    uint64_t deposit_multiplier;
    /* Refuse params whose price per pixel is above this (wei per pixel,
     * num / den), TK_ERR_PRICE_TOO_HIGH: a transcoder cannot make the
     * sender pay more per pixel than it agreed to. den == 0 (a zeroed
     * config) means no cap. Appended last. */
    tk_price max_price_per_pixel;
} tk_sender_config;

/* ---- Lifecycle --------------------------------------------------------- */

/** Create a sender from a raw private key.
 *
 *  Returns: TK_OK;
 *           TK_ERR_INVALID_PRIVKEY  seckey32 is zero or not below n;
 *           TK_ERR_NOMEM;
 *           TK_ERR_ILLEGAL_ARG      a NULL pointer, a chain callback
 *                                   missing (last_block, rounds and
 *                                   sender_funds are needed), or
 *                                   config->deposit_multiplier == 0.
 *  Args:    ctx:    context; borrowed, must outlive the sender.
 *  Out:     out:    the new sender, NULL on failure.
 *  In:      chain:  the chain-state view; the struct is copied, the
 *                   object behind chain->self must outlive the sender.
 *           config: the limits; copied.
 *           seckey32: the private key; copied into sender-owned memory.
 *                   The caller may (and should) wipe its own copy after
 *                   the call (tk_memzero()).
 *  Thread safety: creates a new object; the inputs are only read. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_create(const tk_ctx *ctx,
    tk_sender **out, const tk_chain *chain, const tk_sender_config *config,
    const uint8_t seckey32[32])
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** Create a sender from a Web3 Secret Storage (V3) keystore, the JSON file
 *  geth, ethers and MetaMask write. Supported: cipher "aes-128-ctr"; kdf
 *  "scrypt" (n a power of two > 1, r, p >= 1, at most
 *  TK_KEYSTORE_SCRYPT_MAX_MEM bytes) or "pbkdf2" (prf "hmac-sha256",
 *  1 <= c <= TK_KEYSTORE_PBKDF2_MAX_ITER); dklen 32. The "crypto" object
 *  may also be spelled "Crypto" (ethers does); hex fields may carry a "0x"
 *  prefix. The passphrase is checked with the keystore's MAC,
 *  keccak(derivedKey[16..32] || ciphertext), compared in constant time,
 *  before anything is decrypted. If the keystore names an address, the
 *  decrypted key must own it.
 *
 *  The library does no file I/O: the node reads the file and passes its
 *  text. The passphrase is raw bytes; ethers and geth use its UTF-8 form
 *  (ethers NFKC-normalizes it first).
 *
 *  Returns: TK_OK;
 *           TK_ERR_KEYSTORE_PASSPHRASE   the MAC does not match (wrong
 *                                        passphrase or a tampered file);
 *           TK_ERR_KEYSTORE_FORMAT       not JSON, a field missing or of
 *                                        the wrong type or length, bad
 *                                        hex, or the address mismatches;
 *           TK_ERR_KEYSTORE_UNSUPPORTED  another version, cipher, kdf,
 *                                        prf or dklen, or KDF parameters
 *                                        beyond the limits above;
 *           TK_ERR_INVALID_PRIVKEY       decrypts to an invalid key;
 *           TK_ERR_NOMEM; TK_ERR_CRYPTO_BACKEND (OpenSSL failed);
 *           TK_ERR_ILLEGAL_ARG (as tk_sender_create, or json NULL,
 *           or passphrase NULL with passphrase_len > 0).
 *  Args:    ctx, out, chain, config: as for tk_sender_create().
 *  In:      json, json_len: the keystore text (need not be NUL-terminated).
 *           passphrase, passphrase_len: the passphrase bytes.
 *  Secrets: the derived key and the decrypted private key are wiped on
 *           every path; the passphrase is only read.
 *  Thread safety: creates a new object; the inputs are only read. This
 *           call is deliberately slow (the KDF). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_create_from_keystore(
    const tk_ctx *ctx, tk_sender **out, const tk_chain *chain,
    const tk_sender_config *config, const char *json, size_t json_len,
    const char *passphrase, size_t passphrase_len)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** Destroy a sender: end every session and wipe the private key. NULL is a
 *  no-op.
 *  Thread safety: needs exclusive access (no other call on this sender may
 *  run or follow). */
TK_API void tk_sender_destroy(tk_sender *sender);

/** The sender's Ethereum address (derived from its key).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (out zeroed).
 *  Thread safety: any thread, any time. */
TK_API tk_status tk_sender_address(const tk_sender *sender, tk_address *out)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/* ---- Params from a transcoder ------------------------------------------ */

/** Check whether a batch of `count` tickets under `params` would be
 *  accepted now, with the refusals of docs/protocol-notes.md section 5 in
 *  this order:
 *    TK_ERR_PARAMS_NO_EXPIRATION    expiration_block == 0;
 *    TK_ERR_PARAMS_EXPIRED          expiration_block - lastBlock <= 1;
 *  and, only when the ticket EV = face_value * win_prob / MAX is > 0:
 *    TK_ERR_FACE_VALUE_TOO_LOW      EV >= face_value;
 *    TK_ERR_EV_TOO_HIGH             EV > config.max_ev;
 *    TK_ERR_TOTAL_EV_TOO_HIGH       count * EV > config.max_total_ev;
 *    TK_ERR_NO_DEPOSIT_OR_RESERVE   the sender's deposit or reserve
 *                                   (funds remaining) is zero;
 *    TK_ERR_SENDER_UNLOCKING        withdrawRound != 0 and withdrawRound <=
 *                                   lastInitializedRound + 1;
 *    TK_ERR_FACE_VALUE_OVER_DEPOSIT face_value > deposit / multiplier.
 *  tk_sender_create_batch() runs exactly these checks; calling this first
 *  lets a node refuse a transcoder's params before starting a session.
 *
 *  Returns: TK_OK or one of the refusals above; TK_ERR_CHAIN (a chain
 *           callback failed); TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL).
 *  In:      params: the params as received; count: tickets planned
 *           (0 checks everything but the batch total).
 *  Thread safety: any thread; reads the sender's immutable config and
 *           calls the chain callbacks (last_block; rounds and
 *           sender_funds when EV > 0). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_validate_params(
    tk_sender *sender, const tk_ticket_params *params, size_t count)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/* ---- Sessions ------------------------------------------------------------ */

/** Start a session for params, keyed by params->recipient_rand_hash. Its
 *  nonce counter starts at start_nonce (normally 0): the first ticket gets
 *  start_nonce + 1. The params are copied. No policy check runs here; each
 *  batch checks the params (see tk_sender_validate_params()).
 *
 *  Ending and restarting never reissues a nonce: the sender remembers the
 *  last nonce issued under every recipientRandHash whose session ended,
 *  until those params expire (their expiration block <= the chain's last
 *  block, when the sender refuses them anyway), and a restarted session
 *  resumes above it whatever start_nonce says (a transcoder that hands out
 *  params A, then B, then A again gets nonces that continue A's).
 *
 *  Returns: TK_OK;
 *           TK_ERR_STATE        a session with this recipientRandHash is
 *                               already running (end it first; restarting
 *                               silently could reissue its nonces), or was
 *                               ended while a batch on it still runs;
 *           TK_ERR_OUT_OF_RANGE params->creation_round < 0;
 *           TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL).
 *  Thread safety: any thread (takes the session table lock). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_session_start(
    tk_sender *sender, const tk_ticket_params *params, uint32_t start_nonce)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** End the session keyed by recipient_rand_hash and forget its params. Its
 *  last nonce is remembered until the params expire (see
 *  tk_sender_session_start). A batch already running on it completes
 *  normally.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND; TK_ERR_NOMEM (the counter could not
 *           be remembered: the session keeps running); TK_ERR_ILLEGAL_ARG.
 *  Thread safety: any thread (takes the session table lock). */
TK_API tk_status tk_sender_session_end(tk_sender *sender,
    const tk_hash *recipient_rand_hash) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** The EV of one ticket of the session, face_value * win_prob / MAX, as an
 *  exact canonical rational (wei). A batch of k tickets is worth k * EV.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (ev set to 0); TK_ERR_ILLEGAL_ARG.
 *  Args:    ev: an initialized mpq_t, overwritten.
 *  Thread safety: any thread (takes the session table lock briefly). */
TK_API tk_status tk_sender_session_ev(tk_sender *sender, mpq_t ev,
    const tk_hash *recipient_rand_hash) TK_ARG_NONNULL(1) TK_ARG_NONNULL(3);

/** The session's counter: the last nonce issued (start_nonce before the
 *  first batch). With batches running concurrently it is a snapshot.
 *  Returns: TK_OK; TK_ERR_NOT_FOUND (*nonce = 0); TK_ERR_ILLEGAL_ARG.
 *  Thread safety: any thread (takes the session table lock briefly). */
TK_API tk_status tk_sender_session_nonce(tk_sender *sender, uint32_t *nonce,
    const tk_hash *recipient_rand_hash)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/* ---- Batches ------------------------------------------------------------- */

/** Create and sign a batch of count tickets for a session.
 *
 *  count may be 0: the params are checked and the payment carries the
 *  params, expiration params and sender but no ticket (what go-livepeer
 *  sends for a segment that earlier credit already covers); no nonce is
 *  used.
 *  First the params are checked exactly as by tk_sender_validate_params().
 *  If they carry no expiration params (creation_round == 0 or an all-zero
 *  creation_round_block_hash), the chain's last initialized round and its
 *  block hash are filled in. Then count consecutive nonces are reserved
 *  atomically (n+1 ... n+count, where n is the counter) and every ticket is
 *  hashed (tk_ticket_hash) and signed (tk_eth_sign, EIP-191, RFC 6979).
 *  out->params are the session's params with the expiration params the
 *  tickets were signed with; out->tickets[i] holds nonce n+1+i.
 *
 *  Any number of threads may create batches on one session at once: every
 *  nonce is issued once, and the nonces of all batches together are
 *  contiguous (no nonce is skipped) - unless signing itself fails
 *  (TK_ERR_CRYPTO_BACKEND / TK_ERR_INTERNAL, not expected with a valid key),
 *  which leaves the reserved range unused.
 *
 *  Returns: TK_OK;
 *           a refusal of tk_sender_validate_params() (no nonce used);
 *           TK_ERR_NONCE_EXHAUSTED  the counter would pass 2^32 - 1 (no
 *                                   nonce used; start a new session with
 *                                   fresh params);
 *           TK_ERR_NOT_FOUND        no such session;
 *           TK_ERR_CHAIN; TK_ERR_NOMEM; TK_ERR_ILLEGAL_ARG (NULL).
 *  Out:     out: the batch. It is overwritten without being freed, so pass
 *           an empty (zeroed or tk_payment_clear()ed) payment; release it
 *           with tk_payment_clear(). Zeroed on failure.
 *  In:      recipient_rand_hash: the session key; count: tickets.
 *  Performance: per ticket, one ticket hash and one signature; the GMP and
 *           chain work and the single allocation are per batch.
 *  Thread safety: any thread, concurrently with every other call except
 *           tk_sender_destroy(). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_create_batch(
    tk_sender *sender, tk_payment *out, const tk_hash *recipient_rand_hash,
    size_t count) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Sign one ticket exactly as a batch would: sig = tk_eth_sign(key,
 *  tk_ticket_hash(ticket)). No params check and no nonce bookkeeping:
 *  this is for tools and tests that must reproduce a given ticket. A node
 *  paying a transcoder uses tk_sender_create_batch(), which never reuses a
 *  nonce.
 *
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, ticket->sender is not this
 *           sender's address, or creation_round < 0); sig zeroed on
 *           failure.
 *  Thread safety: any thread. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_sign_ticket(
    tk_sender *sender, tk_sig *sig, const tk_ticket *ticket)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/* ---- Request credentials ------------------------------------------------ */

/** Sign one request (a segment) with the sender's key: the credential the
 *  transcoder needs before it debits the sender's balance (credential.h,
 *  docs/protocol-notes.md section 10; tk_recipient_debit_request). Give
 *  every request of a stream (manifest id) a higher seq than the one before:
 *  the transcoder refuses a seq it has already passed.
 *  Returns: TK_OK; the validation codes of tk_credential_flatten;
 *           TK_ERR_ILLEGAL_ARG (NULL); sig zeroed on failure.
 *  Thread safety: any thread. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_sender_sign_request(
    tk_sender *sender, tk_sig *sig, const tk_credential *cred)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/* ---- Deposit-risk limit (docs/receipts.md R2) -------------------------- */

struct tk_exposure;

/** Make every later batch pass the deposit-risk rule: before anything is
 *  signed, the batch's tickets are held in books (tk_exposure_hold) against
 *  the sender's on-chain deposit; when they would push risk(deposit) over
 *  eps the batch is refused with TK_ERR_RISK_OVER_LIMIT, nothing signed and
 *  no nonce used. Signed batches are recorded in the books (outstanding
 *  until receipts or expiry take them out). books NULL turns the rule off.
 *  Returns: TK_OK; TK_ERR_OUT_OF_RANGE (eps NaN or negative);
 *           TK_ERR_ILLEGAL_ARG.
 *  Thread safety: call before the batches it governs (not concurrently with
 *  tk_sender_create_batch); books must outlive the sender or the rule. */
TK_API tk_status tk_sender_set_risk_limit(tk_sender *sender,
    struct tk_exposure *books, double eps) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_SENDER_H */

/* SPDX-License-Identifier: MIT */
#ifndef TICKET_RECEIPT_H
#define TICKET_RECEIPT_H

/** Payment receipts (docs/receipts.md R1): EIP-712 typed data the recipient
 *  signs over what it accepted from one payment, so that the sender's books
 *  match the recipient's.
 *
 *    domain  {name "libticket receipt", version "1", chainId,
 *             verifyingContract = the TicketBroker}
 *    PaymentReceipt(address sender,address recipient,
 *        bytes32 recipientRandHash,bytes32[] tickets,bytes32[] winners,
 *        uint256 creditedWei,uint256 blockNumber)
 *
 *  `tickets` are the hashes of the accepted tickets in payment order,
 *  `winners` the accepted tickets that won (a subset, in order),
 *  `creditedWei` = floor(accepted * EV), `blockNumber` the recipient's last
 *  seen L1 block. Plain values and pure functions: thread-safe. */

#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TK_RECEIPT_DOMAIN_NAME "libticket receipt"
#define TK_RECEIPT_DOMAIN_VERSION "1"
#define TK_RECEIPT_ENCODE_TYPE                                              \
    "PaymentReceipt(address sender,address recipient,"                      \
    "bytes32 recipientRandHash,bytes32[] tickets,bytes32[] winners,"        \
    "uint256 creditedWei,uint256 blockNumber)"

/** The EIP-712 domain fields that vary (name and version are fixed). */
typedef struct tk_receipt_domain {
    tk_u256 chain_id;
    tk_address verifying_contract; /* the TicketBroker */
} tk_receipt_domain;

/** A receipt. The arrays are borrowed; either may be NULL when empty. */
typedef struct tk_receipt {
    tk_address sender;
    tk_address recipient;
    tk_hash recipient_rand_hash;
    const tk_hash *tickets;
    size_t n_tickets;
    const tk_hash *winners;
    size_t n_winners;
    tk_u256 credited_wei;
    tk_u256 block_number;
} tk_receipt;

/** The three hashes of a receipt. */
typedef struct tk_receipt_hashes {
    tk_hash domain_separator;
    tk_hash struct_hash;
    tk_hash digest; /* what is signed */
} tk_receipt_hashes;

/** Hash a receipt (docs/receipts.md R1 encoding).
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, or an array NULL with a
 *           nonzero count; out zeroed). */
TK_API tk_status tk_receipt_hash(tk_receipt_hashes *out,
    const tk_receipt_domain *domain, const tk_receipt *receipt)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** Sign a receipt as its recipient (RFC 6979, low s, v 27/28).
 *  Returns: TK_OK; TK_ERR_INVALID_PRIVKEY; TK_ERR_SIG_WRONG_SIGNER (the
 *           key's address is not receipt->recipient); TK_ERR_ILLEGAL_ARG.
 *  Out:     sig: zeroed on failure.
 *  Secrets: seckey32 is only read; no copy survives the call. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_receipt_sign(const tk_ctx *ctx,
    tk_sig *sig, const uint8_t seckey32[32], const tk_receipt_domain *domain,
    const tk_receipt *receipt)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4)
    TK_ARG_NONNULL(5);

/** Verify a receipt's signature: every rule of docs/protocol-notes.md
 *  section 1 in order over the digest, then recovered ==
 *  receipt->recipient.
 *  Returns: TK_OK; TK_ERR_SIG_BAD_LENGTH, TK_ERR_SIG_BAD_V,
 *           TK_ERR_SIG_BAD_R, TK_ERR_SIG_BAD_S, TK_ERR_SIG_HIGH_S,
 *           TK_ERR_SIG_RECOVERY_FAILED, TK_ERR_SIG_WRONG_SIGNER (also a
 *           message or domain changed after signing); TK_ERR_ILLEGAL_ARG.
 *  Out:     recovered (optional, may be NULL): the signer when recovery
 *           succeeded (also on WRONG_SIGNER), else zero.
 *  In:      sig: may be NULL when siglen is 0. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_receipt_verify(const tk_ctx *ctx,
    tk_address *recovered, const tk_receipt_domain *domain,
    const tk_receipt *receipt, const uint8_t *sig, size_t siglen)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** A signed receipt with storage of its own and, for each listed ticket,
 *  its sender nonce: the wire names tickets by nonce (the sender maps them
 *  back to hashes from its own batch), EIP-712 signs their hashes.
 *  Built by tk_recipient_receipt (recipient side) or decoded by
 *  tk_wire_receipt_unpack (sender side); release with
 *  tk_signed_receipt_clear. Plain data, like tk_payment. */
typedef struct tk_signed_receipt {
    tk_receipt receipt;      /* tickets / winners point into `hashes` */
    uint32_t *ticket_nonces; /* receipt.n_tickets: the nonce of each ticket */
    uint32_t *winner_nonces; /* receipt.n_winners */
    tk_hash *hashes;         /* owned: the ticket hashes, then the winners' */
    tk_sig sig;              /* the recipient's signature */
} tk_signed_receipt;

/** Zero *out and allocate room for n_tickets tickets and n_winners winners
 *  (receipt.tickets / winners point into it, the counts are set, every
 *  entry zero). Counts of 0 allocate nothing for that array.
 *  Returns: TK_OK; TK_ERR_NOMEM; TK_ERR_INVALID_LENGTH (n_winners >
 *           n_tickets, or the sizes overflow); TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_signed_receipt_alloc(
    tk_signed_receipt *out, size_t n_tickets, size_t n_winners)
    TK_ARG_NONNULL(1);

/** Free the storage and zero *r. NULL is a no-op. */
TK_API void tk_signed_receipt_clear(tk_signed_receipt *r);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_RECEIPT_H */

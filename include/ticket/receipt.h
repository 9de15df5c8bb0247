/* SPDX-License-Identifier: MIT */
#ifndef TICKET_RECEIPT_H
#define TICKET_RECEIPT_H

/** Payment receipts (RECEIPTS.md R1): EIP-712 typed data the recipient
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

/** Hash a receipt (RECEIPTS.md R1 encoding).
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

#ifdef __cplusplus
}
#endif

#endif /* TICKET_RECEIPT_H */

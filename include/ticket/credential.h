/* SPDX-License-Identifier: MIT */
#ifndef TICKET_CREDENTIAL_H
#define TICKET_CREDENTIAL_H

/** Request credentials (docs/protocol-notes.md section 10): the sender's
 *  signature over one segment request, byte-compatible with go-livepeer's
 *  segment signature. A payment credits a balance; only a credential proves
 *  that the sender asked for the work a debit pays for (a captured payment
 *  header can be replayed by anyone, a credential only once: the recipient also
 *  requires its seq to grow, see tk_recipient_debit_request).
 *
 *      flatten = manifestId || u256(seq) || segmentHash(32)
 *                || hex(keccak(profile_1)[0:4]) || ... (ASCII, lowercase)
 *      message = keccak(flatten), signed with EIP-191 as tickets are (§1)
 *
 *  All functions are pure and thread-safe; nothing here allocates. */

#include "ticket/common.h"
#include "ticket/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest manifest id accepted (bytes; go-livepeer's are far shorter). */
#define TK_MANIFEST_ID_MAX 256
/** Most transcoding profiles per request. */
#define TK_CREDENTIAL_MAX_PROFILES 64
/** Highest seq: go-livepeer's seq is an int64. */
#define TK_CREDENTIAL_SEQ_MAX ((uint64_t)INT64_MAX)
/** Longest flatten (manifest id, seq, segment hash, 8 hex per profile). */
#define TK_CREDENTIAL_FLATTEN_MAX                                            \
    (TK_MANIFEST_ID_MAX + 32 + TK_HASH_LEN + 8 * TK_CREDENTIAL_MAX_PROFILES)

/** One segment request as the sender signs it. Borrowed pointers only. */
typedef struct tk_credential {
    const uint8_t *manifest_id; /* the stream's id, any bytes; may be NULL
                                   when manifest_id_len is 0 */
    size_t manifest_id_len;     /* <= TK_MANIFEST_ID_MAX */
    uint64_t seq;               /* segment number, <= TK_CREDENTIAL_SEQ_MAX;
                                   must grow per (sender, manifest id) */
    tk_hash segment_hash;       /* hash of the segment's data */
    const char *const *profiles; /* profile names (NUL-terminated), in the
                                   order of the request; may be NULL when
                                   n_profiles is 0 */
    size_t n_profiles;          /* <= TK_CREDENTIAL_MAX_PROFILES */
} tk_credential;

/** The flatten bytes of cred (for tools and tests; sign and verify hash
 *  them without building the buffer).
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL (*outlen = bytes needed);
 *           TK_ERR_INVALID_LENGTH (manifest id or profile count above the
 *           limits); TK_ERR_OUT_OF_RANGE (seq above TK_CREDENTIAL_SEQ_MAX);
 *           TK_ERR_ILLEGAL_ARG (NULL).
 *  Args:    *outlen: in, the capacity of out; out, the bytes written (or
 *                    needed).
 *  Out:     out: the flatten bytes (may be NULL when *outlen is 0). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_credential_flatten(uint8_t *out,
    size_t *outlen, const tk_credential *cred)
    TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

/** message = keccak(flatten): what is signed (with EIP-191).
 *  Returns: TK_OK; the validation codes of tk_credential_flatten.
 *  Out:     out: zeroed on failure. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_credential_digest(tk_hash *out,
    const tk_credential *cred) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Sign cred with the sender's key (tk_eth_sign over the digest).
 *  Returns: TK_OK; TK_ERR_INVALID_PRIVKEY; the validation codes of
 *           tk_credential_flatten; TK_ERR_ILLEGAL_ARG.
 *  Out:     sig: zeroed on failure.
 *  Secrets: seckey32 is only read. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_credential_sign(const tk_ctx *ctx,
    tk_sig *sig, const uint8_t seckey32[32], const tk_credential *cred)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3) TK_ARG_NONNULL(4);

/** Check that sender signed cred, with every rule of section 1.
 *  Returns: TK_OK; TK_ERR_SIG_* as tk_eth_verify (TK_ERR_SIG_WRONG_SIGNER
 *           when another key signed, or any field differs from what was
 *           signed); the validation codes of tk_credential_flatten;
 *           TK_ERR_ILLEGAL_ARG (NULL; sig may be NULL only with siglen 0,
 *           which is TK_ERR_SIG_BAD_LENGTH). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_credential_verify(const tk_ctx *ctx,
    const tk_address *sender, const tk_credential *cred, const uint8_t *sig,
    size_t siglen) TK_ARG_NONNULL(1) TK_ARG_NONNULL(2) TK_ARG_NONNULL(3);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_CREDENTIAL_H */

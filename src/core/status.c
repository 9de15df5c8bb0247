/* SPDX-License-Identifier: MIT */
#include "ticket/common.h"

#include <stddef.h>

struct status_entry {
    tk_status code;
    const char *name;
    const char *text;
};

static const struct status_entry entries[] = {
    {TK_OK, "ok", "success"},
    {TK_ERR_ILLEGAL_ARG, "illegal_arg", "illegal argument (caller bug)"},
    {TK_ERR_NOMEM, "nomem", "out of memory"},
    {TK_ERR_BUFFER_TOO_SMALL, "buffer_too_small", "output buffer too small"},
    {TK_ERR_RNG, "rng", "OS randomness unavailable"},
    {TK_ERR_CRYPTO_BACKEND, "crypto_backend", "cryptographic backend failed"},
    {TK_ERR_NOT_FOUND, "not_found", "no such entry"},
    {TK_ERR_OVERFLOW, "overflow", "arithmetic result out of range"},
    {TK_ERR_CHAIN, "chain", "chain state unavailable"},
    {TK_ERR_STATE, "state", "operation not allowed in the current state"},
    {TK_ERR_INVALID_HEX, "invalid_hex", "invalid hex string"},
    {TK_ERR_INVALID_LENGTH, "invalid_length", "wrong length"},
    {TK_ERR_INVALID_NUMBER, "invalid_number", "invalid decimal number"},
    {TK_ERR_OUT_OF_RANGE, "out_of_range", "value out of range"},
    {TK_ERR_INVALID_ADDRESS, "invalid_address", "invalid address"},
    {TK_ERR_BAD_CHECKSUM, "bad_checksum", "address has a wrong EIP-55 checksum"},
    {TK_ERR_INVALID_PRIVKEY, "invalid_privkey", "private key is zero or not below the group order"},
    {TK_ERR_MALFORMED, "invalid_payment", "malformed message bytes"},
    {TK_ERR_INVALID_PRICE, "invalid_price", "missing or invalid price"},
    {TK_ERR_SIG_BAD_LENGTH, "bad_length", "signature is not 65 bytes"},
    {TK_ERR_SIG_BAD_V, "bad_v", "signature v is not 27 or 28"},
    {TK_ERR_SIG_BAD_R, "bad_r", "signature r is zero or not below n"},
    {TK_ERR_SIG_BAD_S, "bad_s", "signature s is zero"},
    {TK_ERR_SIG_HIGH_S, "high_s", "signature s is above n/2 (malleable twin, or not below n)"},
    {TK_ERR_SIG_RECOVERY_FAILED, "recovery_failed", "public key recovery failed"},
    {TK_ERR_SIG_WRONG_SIGNER, "wrong_signer", "signature is by another key"},
    {TK_ERR_PARAMS_NO_EXPIRATION, "params_no_expiration", "ticket params have no expiration block"},
    {TK_ERR_PARAMS_EXPIRED, "params_expired", "ticket params have expired"},
    {TK_ERR_FACE_VALUE_TOO_LOW, "face_value_too_low", "face value not above the ticket EV"},
    {TK_ERR_EV_TOO_HIGH, "ev_too_high", "ticket EV above the sender's maximum"},
    {TK_ERR_TOTAL_EV_TOO_HIGH, "total_ev_too_high", "batch EV above the sender's maximum"},
    {TK_ERR_NO_DEPOSIT_OR_RESERVE, "no_deposit_or_reserve", "sender has no deposit or no reserve"},
    {TK_ERR_FACE_VALUE_OVER_DEPOSIT, "face_value_over_deposit", "face value above deposit / multiplier"},
    {TK_ERR_SENDER_UNLOCKING, "sender_unlocking", "sender is unlocking its funds"},
    {TK_ERR_NONCE_EXHAUSTED, "nonce_exhausted", "session nonce space exhausted"},
    {TK_ERR_PRICE_TOO_HIGH, "price_too_high", "price per pixel above the sender's maximum"},
    {TK_ERR_WRONG_RECIPIENT, "wrong_recipient", "ticket is for another recipient"},
    {TK_ERR_ZERO_SENDER, "zero_sender", "ticket sender is the zero address"},
    {TK_ERR_RAND_HASH_MISMATCH, "rand_hash_mismatch", "recipientRandHash does not match the derived rand"},
    {TK_ERR_REPLAYED_NONCE, "replayed_nonce", "sender nonce already seen for these params"},
    {TK_ERR_NONCE_LIMIT, "nonce_limit", "too many tickets for these params"},
    {TK_ERR_INSUFFICIENT_SENDER_RESERVE, "insufficient_sender_reserve", "sender reserve too small for a ticket"},
    {TK_ERR_INSUFFICIENT_BALANCE, "insufficient_balance", "balance too small for the debit"},
    {TK_ERR_PARAMS_TOO_FAR, "params_too_far",
     "params expire further ahead than this recipient issues them"},
    {TK_ERR_PARAMS_NOT_ISSUED, "params_not_issued",
     "params not issued by this recipient: winProb does not follow from faceValue"},
    {TK_ERR_STALE_SEQ, "stale_seq", "request seq not above the last one served"},
    {TK_ERR_STORE, "store", "storage backend failed"},
    {TK_ERR_STORE_CORRUPT, "store_corrupt", "store file is corrupt or not a libticket store"},
    {TK_ERR_STORE_VERSION, "store_version",
     "store schema not usable: written by a newer libticket, or older and "
     "opened without migration"},
    {TK_ERR_STORE_UNAVAILABLE, "store_unavailable", "store database unreachable, connection lost or locked past the busy timeout (retryable)"},
    {TK_ERR_PENDING_LIMIT, "pending_limit",
     "pending redemptions of the sender would exceed its funds"},
    {TK_ERR_LEASE_HELD, "lease_held", "another node holds the redeemer lease"},
    {TK_ERR_LEASE_LOST, "lease_lost",
     "a newer redeemer-lease tenure began (takeover or renewal after expiry); nothing was written"},
    {TK_ERR_KEYSTORE_FORMAT, "keystore_format", "keystore JSON is malformed"},
    {TK_ERR_KEYSTORE_PASSPHRASE, "keystore_passphrase", "wrong keystore passphrase (MAC mismatch)"},
    {TK_ERR_KEYSTORE_UNSUPPORTED, "keystore_unsupported", "keystore uses an unsupported cipher or KDF"},
    {TK_ERR_RPC_TRANSPORT, "rpc_transport", "no JSON-RPC endpoint answered (connect, timeout or HTTP error)"},
    {TK_ERR_RPC_TOO_LARGE, "rpc_too_large", "JSON-RPC response over the size limit"},
    {TK_ERR_RPC_BAD_RESPONSE, "rpc_bad_response", "malformed JSON-RPC response"},
    {TK_ERR_RPC_ERROR, "rpc_error", "the node returned a JSON-RPC error"},
    {TK_ERR_RPC_REVERTED, "rpc_reverted", "the call reverted"},
    {TK_ERR_RPC_CHAIN_ID, "rpc_chain_id", "the node serves another chain id than expected"},
    {TK_ERR_TX_NONCE_TAKEN, "tx_nonce_taken", "the transaction's nonce was used by another transaction"},
    {TK_ERR_TIMEOUT, "timeout", "timed out"},
    {TK_ERR_RISK_OVER_LIMIT, "risk_over_limit", "batch would push the deposit risk over the limit"},
    {TK_ERR_RECEIPT_WRONG_SENDER, "receipt_wrong_sender", "receipt is for another sender"},
    {TK_ERR_RECEIPT_UNKNOWN_TICKET, "receipt_unknown_ticket", "receipt lists a ticket not issued to its recipient in this batch"},
    {TK_ERR_RECEIPT_DUPLICATE, "receipt_duplicate", "ticket or batch already receipted"},
    {TK_ERR_RECEIPT_MALFORMED, "receipt_malformed", "receipt repeats a ticket or lists winners not among its tickets"},
    {TK_ERR_RECEIPT_CREDIT_MISMATCH, "receipt_credit_mismatch", "receipt creditedWei is not floor(accepted x EV)"},
    {TK_ERR_RECEIPT_CONTRADICTED, "receipt_contradicted", "redemption contradicts the recipient's own receipt"},
    {TK_ERR_INTERNAL, "internal", "internal library error"},
};

static const struct status_entry *find(tk_status s)
{
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (entries[i].code == s)
            return &entries[i];
    return NULL;
}

const char *tk_status_str(tk_status s)
{
    const struct status_entry *e = find(s);
    return e != NULL ? e->text : "unknown status";
}

const char *tk_status_name(tk_status s)
{
    const struct status_entry *e = find(s);
    return e != NULL ? e->name : "unknown";
}

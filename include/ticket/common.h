/* SPDX-License-Identifier: MIT */
#ifndef TICKET_COMMON_H
#define TICKET_COMMON_H

/** Shared definitions of libticket: export macros, status codes and the
 *  fixed-size value types every other header uses.
 *
 *  Conventions (they hold for every public function):
 *  - Output arguments come first after the object/context, then inputs.
 *    A length follows the buffer it describes.
 *  - Every function returns a tk_status. TK_OK (0) is success; failures are
 *    negative. Outputs are written on every path and zeroed on failure.
 *  - A NULL pointer or an impossible argument is a caller bug: the function
 *    returns TK_ERR_ILLEGAL_ARG and, where it has a tk_ctx, calls the
 *    context's illegal-argument callback (by default: nothing happens).
 *  - The library prints nothing, keeps no global mutable state and never
 *    aborts the process.
 *  - `T **out` means the caller owns the object and frees it with
 *    tk_T_destroy(); a returned `const T *` is borrowed.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TK_API __attribute__((visibility("default")))
#define TK_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#define TK_API
#define TK_WARN_UNUSED_RESULT
#endif

/* Like libsecp256k1: the nonnull hint is for consumers only. Inside the
 * library it would let the compiler delete our own NULL checks. */
#if defined(__GNUC__) && !defined(TICKET_BUILD)
#define TK_ARG_NONNULL(i) __attribute__((nonnull(i)))
#else
#define TK_ARG_NONNULL(i)
#endif

#define TK_VERSION_MAJOR 0
#define TK_VERSION_MINOR 1
#define TK_VERSION_PATCH 0
#define TK_VERSION_STRING "0.1.0"

#define TK_ADDRESS_LEN 20
#define TK_U256_LEN 32
#define TK_HASH_LEN 32
#define TK_SIG_LEN 65
#define TK_SECRET_LEN 32
#define TK_PRIVKEY_LEN 32

/** Status codes. Values are explicit, grouped, and never renumbered. */
typedef enum tk_status {
    TK_OK = 0,

    /* Caller bugs and environment. */
    TK_ERR_ILLEGAL_ARG = -1,      /* NULL pointer or impossible argument */
    TK_ERR_NOMEM = -2,
    TK_ERR_BUFFER_TOO_SMALL = -3, /* *outlen holds the size needed */
    TK_ERR_RNG = -4,              /* OS randomness unavailable */
    TK_ERR_CRYPTO_BACKEND = -5,   /* OpenSSL / libsecp256k1 call failed */
    TK_ERR_NOT_FOUND = -6,        /* no such session / ticket / entry */
    TK_ERR_OVERFLOW = -7,         /* arithmetic result out of range */
    TK_ERR_CHAIN = -8,            /* a chain-state callback failed */
    TK_ERR_STATE = -9,            /* operation not allowed in this state */

    /* Untrusted text and bytes that do not parse. */
    TK_ERR_INVALID_HEX = -10,
    TK_ERR_INVALID_LENGTH = -11,
    TK_ERR_INVALID_NUMBER = -12,
    TK_ERR_OUT_OF_RANGE = -13,
    TK_ERR_INVALID_ADDRESS = -14,
    TK_ERR_BAD_CHECKSUM = -15,    /* mixed-case address, wrong EIP-55 */
    TK_ERR_INVALID_PRIVKEY = -16, /* zero or >= n */
    TK_ERR_MALFORMED = -17,       /* wire (protobuf) or ABI bytes */
    TK_ERR_INVALID_PRICE = -18,   /* missing price or denominator 0 */

    /* Signature rejections (docs/protocol-notes.md section 1), in check
     * order. */
    TK_ERR_SIG_BAD_LENGTH = -20,
    TK_ERR_SIG_BAD_V = -21,
    TK_ERR_SIG_BAD_R = -22,
    TK_ERR_SIG_BAD_S = -23,       /* s == 0 (s >= n is reported as HIGH_S) */
    TK_ERR_SIG_HIGH_S = -24,
    TK_ERR_SIG_RECOVERY_FAILED = -25,
    TK_ERR_SIG_WRONG_SIGNER = -26,

    /* Sender refusals (section 5). */
    TK_ERR_PARAMS_NO_EXPIRATION = -30,
    TK_ERR_PARAMS_EXPIRED = -31, /* also the recipient's per-ticket status */
    TK_ERR_FACE_VALUE_TOO_LOW = -32,
    TK_ERR_EV_TOO_HIGH = -33,
    TK_ERR_TOTAL_EV_TOO_HIGH = -34,
    TK_ERR_NO_DEPOSIT_OR_RESERVE = -35,
    TK_ERR_FACE_VALUE_OVER_DEPOSIT = -36,
    TK_ERR_SENDER_UNLOCKING = -37, /* also fatal for the recipient */
    TK_ERR_NONCE_EXHAUSTED = -38,  /* session's uint32 nonce space used up */
    TK_ERR_PRICE_TOO_HIGH = -39,   /* price per pixel above the sender's cap */

    /* Recipient rejections (sections 4 and 6). */
    TK_ERR_WRONG_RECIPIENT = -40,
    TK_ERR_ZERO_SENDER = -41,
    TK_ERR_RAND_HASH_MISMATCH = -42,
    TK_ERR_REPLAYED_NONCE = -43,
    TK_ERR_NONCE_LIMIT = -44,
    TK_ERR_INSUFFICIENT_SENDER_RESERVE = -45,
    TK_ERR_INSUFFICIENT_BALANCE = -46,
    TK_ERR_PARAMS_TOO_FAR = -47,     /* params expire further ahead than any
                                        this recipient issues */
    TK_ERR_PARAMS_NOT_ISSUED = -48,  /* winProb not the issuing rule's value
                                        for faceValue: fields shifted */

    /* Durable store. */
    TK_ERR_STORE = -50,         /* storage backend failed (I/O, SQLite) */
    TK_ERR_STORE_CORRUPT = -51, /* not a libticket store, or damaged */
    TK_ERR_STORE_VERSION = -52, /* written by a newer libticket, or an
                                   older schema opened existing_only */
    TK_ERR_STORE_UNAVAILABLE = -53, /* database server unreachable, the
                                       connection was lost, or (SQLite)
                                       another connection held the lock
                                       past the busy timeout: retryable;
                                       the call stored nothing it
                                       reported */
    TK_ERR_PENDING_LIMIT = -56, /* the fleet's pending redemptions of a
                                   sender would exceed its funds */
    TK_ERR_LEASE_HELD = -57,    /* another node holds the redeemer lease */
    TK_ERR_LEASE_LOST = -58,    /* a fenced write's tenure is over
                                   (another acquisition began a new
                                   one): nothing was written */

    /* Keystore (Web3 Secret Storage V3). */
    TK_ERR_KEYSTORE_FORMAT = -60,
    TK_ERR_KEYSTORE_PASSPHRASE = -61, /* MAC mismatch: wrong passphrase */
    TK_ERR_KEYSTORE_UNSUPPORTED = -62,

    /* Request credentials (section 10). */
    TK_ERR_STALE_SEQ = -70, /* seq not above the last one served */

    /* Ethereum node (JSON-RPC, ticket_eth library). */
    TK_ERR_RPC_TRANSPORT = -80,    /* no endpoint answered (connect, timeout,
                                      HTTP error) after the retries */
    TK_ERR_RPC_TOO_LARGE = -81,    /* response body over the size limit */
    TK_ERR_RPC_BAD_RESPONSE = -82, /* not JSON-RPC 2.0, wrong id, or a result
                                      that does not parse strictly */
    TK_ERR_RPC_ERROR = -83,        /* the node answered with an error object */
    TK_ERR_RPC_REVERTED = -84,     /* the call or estimate reverted */
    TK_ERR_RPC_CHAIN_ID = -85,     /* the node serves another chain */
    TK_ERR_TX_NONCE_TAKEN = -86,   /* a transaction's nonce was used by a
                                      transaction that is not ours */
    TK_ERR_TIMEOUT = -87,          /* waited the whole timeout */

    /* Receipts and deposit risk (docs/receipts.md). */
    TK_ERR_RISK_OVER_LIMIT = -90,         /* batch would push risk over eps */
    TK_ERR_RECEIPT_WRONG_SENDER = -91,    /* receipt for another sender */
    TK_ERR_RECEIPT_UNKNOWN_TICKET = -92,  /* not our ticket to this recipient */
    TK_ERR_RECEIPT_DUPLICATE = -93,       /* ticket or batch already receipted */
    TK_ERR_RECEIPT_MALFORMED = -94,       /* repeated ticket, winners not a subset */
    TK_ERR_RECEIPT_CREDIT_MISMATCH = -95, /* creditedWei != floor(n x EV) */
    TK_ERR_RECEIPT_CONTRADICTED = -96,    /* redemption contradicts a receipt */

    TK_ERR_INTERNAL = -99 /* library bug; never expected */
} tk_status;

/** A static English description of a status; never NULL (unknown values
 *  give "unknown status"). Thread-safe. */
TK_API const char *tk_status_str(tk_status s);

/** The status's stable snake_case name without the TK_ERR_ prefix, as
 *  ticketctl prints it ("ok", "illegal_arg", "replayed_nonce", ...). */
TK_API const char *tk_status_name(tk_status s);

/** Wipe len bytes at p so that the compiler cannot elide it (for the
 *  caller's own copies of keys and secrets). NULL or len 0 is a no-op. */
TK_API void tk_memzero(void *p, size_t len);

/** Version of the library actually linked. */
TK_API const char *tk_version(void);

/** An Ethereum address: 20 raw bytes. */
typedef struct tk_address {
    uint8_t bytes[TK_ADDRESS_LEN];
} tk_address;

/** An unsigned 256-bit integer, 32 bytes big-endian (the byte order is the
 *  one the protocol hashes and signs, so comparisons are memcmp). */
typedef struct tk_u256 {
    uint8_t bytes[TK_U256_LEN];
} tk_u256;

/** A Keccak-256 digest or any other 32-byte word (block hash, ...). */
typedef struct tk_hash {
    uint8_t bytes[TK_HASH_LEN];
} tk_hash;

/** A 65-byte Ethereum signature r(32) || s(32) || v(1), v in {27, 28}. */
typedef struct tk_sig {
    uint8_t bytes[TK_SIG_LEN];
} tk_sig;

/** A non-negative rational price (wei per pixel), num / den, den != 0.
 *  Functions that take a price reduce it first (the protocol hashes the
 *  reduced form). */
typedef struct tk_price {
    tk_u256 num;
    tk_u256 den;
} tk_price;

#if defined(__cplusplus)
static_assert(sizeof(tk_address) == 20, "tk_address");
static_assert(sizeof(tk_u256) == 32, "tk_u256");
static_assert(sizeof(tk_hash) == 32, "tk_hash");
static_assert(sizeof(tk_sig) == 65, "tk_sig");
#else
_Static_assert(sizeof(tk_address) == 20, "tk_address");
_Static_assert(sizeof(tk_u256) == 32, "tk_u256");
_Static_assert(sizeof(tk_hash) == 32, "tk_hash");
_Static_assert(sizeof(tk_sig) == 65, "tk_sig");
#endif

#ifdef __cplusplus
}
#endif

#endif /* TICKET_COMMON_H */

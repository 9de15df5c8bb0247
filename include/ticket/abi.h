/* SPDX-License-Identifier: MIT */
#ifndef TICKET_ABI_H
#define TICKET_ABI_H

/** Solidity ABI for the contract calls a Livepeer node makes (library
 *  ticket_eth, ticket::eth): calldata for calls whose arguments are static
 *  words, strict decoders of their return data, and the decoding of revert
 *  data (Error(string), Panic(uint256)).
 *
 *  The calls, with the deployed Livepeer signatures (selectors pinned by a
 *  test against keccak of the signature and, where they appear, against
 *  tests/vectors/redeem_calldata.json):
 *
 *    RoundsManager  lastInitializedRound() -> uint256
 *                   currentRoundInitialized() -> bool
 *                   blockHashForRound(uint256) -> bytes32
 *                   currentRound() -> uint256
 *    BondingManager getTranscoderPoolSize() -> uint256
 *    TicketBroker   getSenderInfo(address) -> ((uint256 deposit,
 *                     uint256 withdrawRound), (uint256 fundsRemaining,
 *                     uint256 claimedInCurrentRound))
 *                   claimedReserve(address reserveHolder, address claimant)
 *                     -> uint256
 *                   claimableReserve(address, address) -> uint256
 *                   usedTickets(bytes32) -> bool
 *                   fundDepositAndReserve(uint256, uint256) payable
 *                   unlock(), cancelUnlock(), withdraw()
 *    Controller     getContract(bytes32 keccak(name)) -> address
 *
 *  Decoders are strict: the return data must have exactly the length of
 *  the type, the unused high bytes of an address or a bool must be zero, a
 *  bool must be 0 or 1, a dynamic value must sit at the canonical offset
 *  with zero padding. Anything else is TK_ERR_MALFORMED: a node that
 *  returns garbage must not be read as "ticket used" or "deposit 0". The
 *  fixed-type decoders allocate nothing. Every function is pure and
 *  thread-safe; outputs are zeroed on failure. */

#include "ticket/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TK_ABI_SELECTOR_LEN 4
#define TK_ABI_WORD_LEN 32
/** Most static argument words tk_abi_encode_call takes. */
#define TK_ABI_CALL_WORDS_MAX 8
/** Bytes of a revert reason kept (longer reasons are cut, and say so). */
#define TK_ABI_REASON_MAX 256

/** Selectors, keccak256(signature)[0:4] as big-endian numbers. */
#define TK_ABI_SEL_LAST_INITIALIZED_ROUND 0x8807f36eu    /* lastInitializedRound() */
#define TK_ABI_SEL_CURRENT_ROUND_INITIALIZED 0x219bc76cu /* currentRoundInitialized() */
#define TK_ABI_SEL_BLOCK_HASH_FOR_ROUND 0x3aa4add4u      /* blockHashForRound(uint256) */
#define TK_ABI_SEL_CURRENT_ROUND 0x8a19c8bcu             /* currentRound() */
#define TK_ABI_SEL_GET_TRANSCODER_POOL_SIZE 0x2a4e0d55u  /* getTranscoderPoolSize() */
#define TK_ABI_SEL_GET_SENDER_INFO 0xe1a589dau           /* getSenderInfo(address) */
#define TK_ABI_SEL_CLAIMED_RESERVE 0x4ac826dau           /* claimedReserve(address,address) */
#define TK_ABI_SEL_CLAIMABLE_RESERVE 0x81779f38u         /* claimableReserve(address,address) */
#define TK_ABI_SEL_USED_TICKETS 0x59a515bau              /* usedTickets(bytes32) */
#define TK_ABI_SEL_GET_CONTRACT 0xe16c7d98u              /* getContract(bytes32) */
#define TK_ABI_SEL_FUND_DEPOSIT_AND_RESERVE 0x511f4073u  /* fundDepositAndReserve(uint256,uint256) */
#define TK_ABI_SEL_UNLOCK 0xa69df4b5u                    /* unlock() */
#define TK_ABI_SEL_CANCEL_UNLOCK 0xc2c4c2c8u             /* cancelUnlock() */
#define TK_ABI_SEL_WITHDRAW 0x3ccfd60bu                  /* withdraw() */
#define TK_ABI_SEL_ERROR 0x08c379a0u                     /* Error(string) */
#define TK_ABI_SEL_PANIC 0x4e487b71u                     /* Panic(uint256) */

/** getSenderInfo's return value. */
typedef struct tk_abi_sender_info {
    tk_u256 deposit;
    tk_u256 withdraw_round;
    tk_u256 funds_remaining;          /* reserve */
    tk_u256 claimed_in_current_round; /* reserve */
} tk_abi_sender_info;

/** What a revert's data says. */
typedef enum tk_abi_revert_kind {
    TK_ABI_REVERT_NONE = 0,   /* no data (require() without a message) */
    TK_ABI_REVERT_ERROR = 1,  /* Error(string): reason */
    TK_ABI_REVERT_PANIC = 2,  /* Panic(uint256): panic_code */
    TK_ABI_REVERT_CUSTOM = 3  /* another selector (a custom error) */
} tk_abi_revert_kind;

typedef struct tk_abi_revert {
    tk_abi_revert_kind kind;
    uint32_t selector;      /* the data's first 4 bytes (0 for NONE) */
    tk_u256 panic_code;     /* PANIC: 0x01 assert, 0x11 overflow, ... */
    /* ERROR: the reason, NUL-terminated, control bytes replaced by '?',
     * cut at TK_ABI_REASON_MAX bytes (then truncated = 1). */
    char reason[TK_ABI_REASON_MAX + 1];
    size_t reason_len;      /* the full length in the data */
    int truncated;
} tk_abi_revert;

/** keccak256(signature)[0:4], e.g. of "usedTickets(bytes32)".
 *  Returns: TK_OK; TK_ERR_ILLEGAL_ARG (NULL, or signature NULL with
 *           len > 0). */
TK_API tk_status tk_abi_selector(uint32_t *selector, const char *signature,
    size_t len) TK_ARG_NONNULL(1);

/** The ABI word of an address (12 zero bytes, then the 20). */
TK_API tk_status tk_abi_address_word(tk_u256 *word, const tk_address *addr)
    TK_ARG_NONNULL(1) TK_ARG_NONNULL(2);

/** Calldata of a call whose arguments are all static words: the selector,
 *  then the words in order (4 + 32 * nwords bytes).
 *  Args:  *outlen: in, the capacity of out; out, the bytes written, or the
 *                  bytes needed with TK_ERR_BUFFER_TOO_SMALL.
 *  Out:   out: the calldata; zeroed on failure (up to the capacity).
 *  In:    selector; words, nwords: <= TK_ABI_CALL_WORDS_MAX words (words
 *         may be NULL when nwords is 0). Addresses go through
 *         tk_abi_address_word, bytes32 and uint256 as they are.
 *  Returns: TK_OK; TK_ERR_BUFFER_TOO_SMALL; TK_ERR_ILLEGAL_ARG. */
TK_API tk_status tk_abi_encode_call(uint8_t *out, size_t *outlen,
    uint32_t selector, const tk_u256 *words, size_t nwords)
    TK_ARG_NONNULL(2);

/** Return data of exactly one uint256 word. TK_ERR_MALFORMED otherwise. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_uint256(tk_u256 *out,
    const uint8_t *data, size_t len) TK_ARG_NONNULL(1);

/** A uint256 that must fit 64 bits (a round, a pool size):
 *  TK_ERR_OUT_OF_RANGE when it does not, TK_ERR_MALFORMED for bad data. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_u64(uint64_t *out,
    const uint8_t *data, size_t len) TK_ARG_NONNULL(1);

/** A bool: one word holding 0 or 1. Any other value is TK_ERR_MALFORMED
 *  (never "true"). */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_bool(int *out,
    const uint8_t *data, size_t len) TK_ARG_NONNULL(1);

/** An address: one word whose 12 high bytes are zero. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_address(tk_address *out,
    const uint8_t *data, size_t len) TK_ARG_NONNULL(1);

/** A bytes32: one word. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_bytes32(tk_hash *out,
    const uint8_t *data, size_t len) TK_ARG_NONNULL(1);

/** getSenderInfo's two static tuples: exactly four words. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_sender_info(
    tk_abi_sender_info *out, const uint8_t *data, size_t len)
    TK_ARG_NONNULL(1);

/** A single dynamic `bytes` return value: offset word 0x20, length word L,
 *  L bytes, zero padding to a multiple of 32, and nothing more.
 *  Args:  *outlen: in, the capacity of out; out, L, or L with
 *                  TK_ERR_BUFFER_TOO_SMALL (out may be NULL to ask).
 *  Returns: TK_OK; TK_ERR_MALFORMED; TK_ERR_BUFFER_TOO_SMALL;
 *           TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_bytes(uint8_t *out,
    size_t *outlen, const uint8_t *data, size_t len) TK_ARG_NONNULL(2);

/** Classify revert data (the `data` of a JSON-RPC error, or eth_call's
 *  output of a reverted call): empty, Error(string), Panic(uint256) or a
 *  custom error. Error and Panic must be canonically encoded.
 *  Returns: TK_OK; TK_ERR_MALFORMED (1 to 3 bytes, or a bad Error/Panic
 *           encoding); TK_ERR_ILLEGAL_ARG. */
TK_API TK_WARN_UNUSED_RESULT tk_status tk_abi_decode_revert(tk_abi_revert *out,
    const uint8_t *data, size_t len) TK_ARG_NONNULL(1);

#ifdef __cplusplus
}
#endif

#endif /* TICKET_ABI_H */

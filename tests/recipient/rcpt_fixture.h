/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_RCPT_FIXTURE_H
#define TK_TEST_RCPT_FIXTURE_H

/* A recipient over a hand-driven fake chain and an in-memory store whose
 * calls can be made to fail, plus a sender key that signs tickets with the
 * crypto layer directly (the sender module is not needed here). */

#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/credential.h"
#include "ticket/keys.h"
#include "ticket/payment.h"
#include "ticket/recipient.h"
#include "ticket/signature.h"
#include "ticket/store.h"
#include "ticket/u256.h"

/* The chain: every field is read by the callbacks; tests set them. The same
 * funds are reported for every sender. */
typedef struct fake_chain {
    uint64_t last_block;
    tk_round_info rounds;
    tk_sender_funds funds;
    tk_u256 claimed;
    uint64_t pool_size;
    tk_u256 gas_price;
    int fail; /* every callback fails while set */
} fake_chain;

/* The store: tk_store_mem behind failure switches. no_many leaves
 * nonce_add_many NULL, no_claim leaves nonce_claim NULL (the recipient
 * falls back to nonce_add_many, then nonce_add). While trace is set
 * (single-threaded tests only) the nonce calls are counted and the order
 * of writes is logged: 'w' put_winner, 'n' nonce_add, 'm' nonce_add_many,
 * 'c' nonce_claim of at least one nonce (the first FX_LOG_MAX - 1 of
 * them). */
#define FX_LOG_MAX 64
typedef struct fake_store {
    tk_store_mem *mem;
    tk_store inner;
    int fail_put, fail_nonce, no_nonces, no_many, no_claim;
    int trace;
    unsigned nonce_add_calls, nonce_many_calls, nonce_claim_calls;
    size_t nonce_many_total; /* nonces passed to nonce_add_many or claim */
    char log[FX_LOG_MAX];
    int no_seqs, fail_seq; /* leave seq_advance NULL / make it fail */
} fake_store;

/* Start tracing with zeroed counters and an empty log. */
void fx_store_trace(fake_store *s);

typedef struct fixture {
    tk_ctx *ctx;
    fake_chain chain;
    fake_store store;
    tk_recipient_config cfg;
    uint8_t secret[32];
    tk_recipient *r;
    uint8_t sender_key[32];
    tk_address sender;
} fixture;

/* Chain at block 1000, round 10 initialized (block hash 0x11..), pool 1,
 * gas 1 gwei, deposit 10 ETH, reserve 10 ETH. Recipient: EV 1e12 wei,
 * redeem gas 100000, multiplier 100 (face value 1e16, winProb ~ 1e-4). */
void fx_init(fixture *f);
/* fx_init with max_face_value = EV = 1e15: face value == EV, winProb MAX,
 * so practically every ticket wins. */
void fx_init_always_win(fixture *f);
/* (Re)create the recipient from f->cfg, f->secret and the store. */
void fx_create_recipient(fixture *f);
void fx_free(fixture *f);

tk_chain fx_chain_iface(fake_chain *c);
tk_store fx_store_iface(fake_store *s);

void fx_u256(tk_u256 *out, uint64_t v);
void fx_u256_dec(tk_u256 *out, const char *dec);

/* A random valid secp256k1 private key. */
void fx_random_key(fixture *f, uint8_t key[32]);
/* Params for f->sender at price 1/1 (asserts success). */
void fx_params(fixture *f, tk_ticket_params *out);
/* Sign ticket `nonce` of p with key. */
void fx_sign(fixture *f, tk_sig *sig, const uint8_t key[32], const tk_payment *p, uint32_t nonce);
/* Allocate and sign count tickets with nonces first, first+1, ... */
void fx_pay(fixture *f, tk_payment *p, const tk_ticket_params *params, uint32_t first,
            size_t count);
/* A request credential of f->sender for manifest id "fx-stream" at seq,
 * signed with key, debiting amount from (f->sender, session). */
tk_status fx_debit(fixture *f, const uint8_t key[32], const tk_hash *session,
                   mpq_srcptr amount, unsigned flags, uint64_t seq);

/* s -> n - s and v 27 <-> 28: the high-s twin of a low-s signature. */
void fx_high_s(tk_sig *sig);
/* EV * k as an exact rational, computed independently of the library:
 * face * winProb * k / (2^256 - 1). */
void fx_expected_credit(mpq_t out, const tk_ticket_params *params, unsigned long k);

#endif

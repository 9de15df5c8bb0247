/* SPDX-License-Identifier: MIT */
/* Constant-time test, in the style of libsecp256k1's ctime_tests: run under
 * valgrind memcheck (tests/ctime/CMakeLists.txt does), with the private key
 * and the recipient secret marked *undefined*. Memcheck then reports every
 * conditional branch and every memory index that depends on them, so
 * "no errors" means no secret-dependent control flow or addressing on the
 * paths exercised here.
 *
 * Results that are public by design (a signature, an address, a rand hash,
 * the win decision, the validity of a key) are marked defined again by the
 * test, or declassified inside the library with a comment saying why
 * (src/crypto/checkmem.h). libsecp256k1's own calls are checked by
 * upstream's ctime test; the library marks the key defined just around
 * them (Debian's libsecp256k1 is not built with its declassify hooks).
 *
 * Without valgrind the program runs as a plain functional test. */
#include "ticket/chain.h"
#include "ticket/keys.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"
#include "ticket/store.h"
#include "ticket/signature.h"
#include "ticket/ticket.h"

#include <valgrind/memcheck.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* A fixed key and secret (the values do not matter, only their marking). */
static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + 37 * i);
}

static void test_key_loading(const tk_ctx *ctx, const uint8_t key[32])
{
    uint8_t pub[65];
    tk_address addr;
    tk_status st;

    st = tk_key_verify(ctx, key);
    PUBLIC(&st, sizeof st); /* the validity of a key is public */
    CHECK(st == TK_OK);

    st = tk_key_pubkey(ctx, pub, key);
    PUBLIC(&st, sizeof st);
    PUBLIC(pub, sizeof pub);
    CHECK(st == TK_OK);

    st = tk_key_address(ctx, &addr, key);
    PUBLIC(&st, sizeof st);
    PUBLIC(&addr, sizeof addr);
    CHECK(st == TK_OK);
}

static void test_signing(const tk_ctx *ctx, const uint8_t key[32])
{
    tk_hash msg;
    tk_sig sig;
    tk_status st;

    fill(msg.bytes, sizeof msg.bytes, 3);
    st = tk_eth_sign(ctx, &sig, key, &msg);
    PUBLIC(&st, sizeof st);
    PUBLIC(&sig, sizeof sig);
    CHECK(st == TK_OK);
}

static tk_status last_block(void *self, uint64_t *block)
{
    (void)self;
    *block = 1000;
    return TK_OK;
}

static tk_status rounds(void *self, tk_round_info *out)
{
    (void)self;
    memset(out, 0, sizeof *out);
    out->current_round = out->last_initialized_round = 5;
    out->current_round_initialized = 1;
    fill(out->last_initialized_block_hash.bytes, 32, 9);
    return TK_OK;
}

static tk_status sender_funds(void *self, const tk_address *sender,
                              tk_sender_funds *out)
{
    (void)self;
    (void)sender;
    memset(out, 0, sizeof *out);
    out->deposit.bytes[0] = 1;
    out->reserve_funds_remaining.bytes[0] = 1;
    return TK_OK;
}

static void test_sender(const tk_ctx *ctx, const uint8_t key[32])
{
    tk_chain chain;
    tk_sender_config cfg;
    tk_sender *snd = NULL;
    tk_ticket t;
    tk_sig sig;
    tk_status st;

    memset(&chain, 0, sizeof chain);
    chain.last_block = last_block;
    chain.rounds = rounds;
    chain.sender_funds = sender_funds;
    memset(&cfg, 0xff, sizeof cfg.max_ev + sizeof cfg.max_total_ev);
    cfg.deposit_multiplier = 1;

    st = tk_sender_create(ctx, &snd, &chain, &cfg, key);
    PUBLIC(&st, sizeof st);
    CHECK(st == TK_OK);
    if (st != TK_OK)
        return;
    memset(&t, 0, sizeof t);
    CHECK(tk_sender_address(snd, &t.sender) == TK_OK);
    t.sender_nonce = 7;
    t.creation_round = 5;
    st = tk_sender_sign_ticket(snd, &sig, &t);
    PUBLIC(&st, sizeof st);
    PUBLIC(&sig, sizeof sig);
    CHECK(st == TK_OK);
    tk_sender_destroy(snd);
}

static void test_rand(const uint8_t secret[32])
{
    tk_ticket_params params;
    tk_address sender;
    tk_u256 rand, win_value;
    tk_hash rand_hash;
    tk_sig sig;
    tk_status st;
    int wins = -1;

    memset(&params, 0, sizeof params);
    fill(params.face_value.bytes + 24, 8, 1);
    memset(params.win_prob.bytes, 0x7f, sizeof params.win_prob.bytes);
    fill(params.seed.bytes, 32, 2);
    params.expiration_block.bytes[31] = 40;
    params.price.num.bytes[31] = 6;
    params.price.den.bytes[31] = 4; /* reduced to 3/2 inside */
    params.creation_round = 5;
    fill(params.creation_round_block_hash.bytes, 32, 9);
    fill(sender.bytes, sizeof sender.bytes, 4);
    fill(sig.bytes, sizeof sig.bytes, 5);

    /* HMAC-SHA256 keyed with the secret: rand stays secret. */
    st = tk_rand_derive(&rand, secret, &sender, &params);
    PUBLIC(&st, sizeof st);
    CHECK(st == TK_OK);

    /* keccak(u256(rand)): the hash is what the sender sees. */
    st = tk_rand_hash(&rand_hash, &rand);
    PUBLIC(&rand_hash, sizeof rand_hash);
    CHECK(st == TK_OK);

    /* The win check hashes sig || rand; the outcome becomes public. */
    st = tk_ticket_wins(&wins, &win_value, &sig, &rand, &params.win_prob);
    PUBLIC(&wins, sizeof wins);
    PUBLIC(&win_value, sizeof win_value);
    CHECK(st == TK_OK && (wins == 0 || wins == 1));
    tk_memzero(&rand, sizeof rand);
}

/* The recipient object with a secret that stays undefined throughout:
 * params issuance (derives a recipientRandHash) and the whole receive path
 * of a winning ticket (derivation, rand-hash check, win check, storing). */
static void test_recipient(const tk_ctx *ctx, const uint8_t secret[32],
                           const uint8_t key[32])
{
    tk_recipient_config cfg;
    tk_chain_mem *cm = NULL;
    tk_store_mem *sm = NULL;
    tk_recipient *r = NULL;
    tk_chain chain;
    tk_store store;
    tk_params_inputs in;
    tk_ticket_params params;
    tk_address sender;
    tk_price price;
    tk_ticket t;
    tk_hash th;
    tk_sig sig;
    uint8_t pub_key[32];
    tk_status st;
    int wins = 0;

    memset(&cfg, 0, sizeof cfg);
    fill(cfg.address.bytes, sizeof cfg.address.bytes, 21);
    cfg.ev.bytes[31] = 100;
    cfg.redeem_gas = 1;
    cfg.tx_cost_multiplier = 1;
    CHECK(tk_chain_mem_create(&cm, 1000) == TK_OK);
    CHECK(tk_chain_mem_iface(cm, &chain) == TK_OK);
    CHECK(tk_store_mem_create(&sm) == TK_OK);
    CHECK(tk_store_mem_iface(sm, &store) == TK_OK);
    st = tk_recipient_create(ctx, &r, &cfg, secret, &chain, &store);
    CHECK(st == TK_OK);
    if (st != TK_OK)
        goto out;

    /* Params for a sender whose key is public here (its signatures are
     * not what this part tests). */
    memcpy(pub_key, key, sizeof pub_key);
    PUBLIC(pub_key, sizeof pub_key);
    CHECK(tk_key_address(ctx, &sender, pub_key) == TK_OK);
    memset(&in, 0, sizeof in);
    in.gas_price.bytes[31] = 1;
    memset(in.max_float.bytes + 16, 0xff, 16);
    in.last_block = 1000;
    in.creation_round = 1;
    fill(in.creation_round_block_hash.bytes, 32, 9);
    in.has_seed = 1;
    in.seed.bytes[31] = 42;
    memset(&price, 0, sizeof price);
    price.num.bytes[31] = 1;
    price.den.bytes[31] = 1;
    st = tk_recipient_params_with(r, &params, &sender, &price, &in);
    PUBLIC(&st, sizeof st);
    PUBLIC(&params, sizeof params); /* sent to the sender */
    CHECK(st == TK_OK);
    if (st != TK_OK)
        goto out;
    /* Every ticket wins: the winner (with its secret rand) is stored. */
    memset(params.win_prob.bytes, 0xff, sizeof params.win_prob.bytes);
    CHECK(tk_recipient_rand_hash(r, &params.recipient_rand_hash, &sender,
                                 &params) == TK_OK);
    PUBLIC(&params.recipient_rand_hash, sizeof params.recipient_rand_hash);
    CHECK(tk_ticket_from_params(&t, &params, &sender, 1) == TK_OK);
    CHECK(tk_ticket_hash(&th, &t) == TK_OK);
    CHECK(tk_eth_sign(ctx, &sig, pub_key, &th) == TK_OK);

    st = tk_recipient_receive_ticket(r, &wins, &t, &sig, &params.seed,
                                     &params.expiration_block, &params.price,
                                     NULL);
    PUBLIC(&st, sizeof st);
    PUBLIC(&wins, sizeof wins);
    CHECK(st == TK_OK && wins == 1);
out:
    tk_memzero(pub_key, sizeof pub_key);
    tk_recipient_destroy(r);
    tk_store_mem_destroy(sm);
    tk_chain_mem_destroy(cm);
}

/* 1 if every bit of the n bytes at p is marked undefined (always 1 off
 * valgrind). Proves the marking took effect, and that the library's
 * expose/restore hooks (src/crypto/checkmem.h) put it back. */
static int still_secret(const void *p, size_t n)
{
    uint8_t vbits[32];
    size_t i;

    if (!RUNNING_ON_VALGRIND)
        return 1;
    if (n > sizeof vbits || VALGRIND_GET_VBITS(p, vbits, n) != 1)
        return 0;
    for (i = 0; i < n; i++)
        if (vbits[i] != 0xff)
            return 0;
    return 1;
}

int main(void)
{
    uint8_t key[32], secret[32];
    tk_ctx *ctx = NULL;

    if (tk_ctx_create(&ctx) != TK_OK) {
        fprintf(stderr, "tk_ctx_create failed\n");
        return 1;
    }
    fill(key, sizeof key, 11);
    fill(secret, sizeof secret, 13);
    printf("ctime: running on valgrind: %s\n",
           RUNNING_ON_VALGRIND ? "yes" : "no (functional run only)");

    SECRET(key, sizeof key);
    SECRET(secret, sizeof secret);
    CHECK(still_secret(key, sizeof key) && still_secret(secret, sizeof secret));
    test_key_loading(ctx, key);
    CHECK(still_secret(key, sizeof key));
    test_signing(ctx, key);
    CHECK(still_secret(key, sizeof key));
    test_sender(ctx, key);
    CHECK(still_secret(key, sizeof key));
    test_rand(secret);
    CHECK(still_secret(secret, sizeof secret));
    test_recipient(ctx, secret, key);
    CHECK(still_secret(secret, sizeof secret));
    PUBLIC(key, sizeof key);
    PUBLIC(secret, sizeof secret);

    tk_ctx_destroy(ctx);
    if (failures) {
        fprintf(stderr, "ctime: %d functional checks failed\n", failures);
        return 1;
    }
    printf("ctime: done\n");
    return 0;
}

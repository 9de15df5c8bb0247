/* SPDX-License-Identifier: MIT */
/* Receipts end to end, in process: a tk_sender pays a tk_recipient, the
 * recipient turns its receive results into a signed receipt
 * (tk_recipient_receipt), sends it as a Libticket-Receipt header, and the
 * sender maps the nonces back to its own batch and feeds its books.
 *
 * Tries to break it: rejected tickets (replays, a bad signature) must not
 * appear; creditedWei is recomputed here with GMP; every one-byte change of
 * the message either fails to decode or fails to apply, with the books
 * unchanged; hand-built messages (independent of the packer) with every
 * strictness fault; a recipient that left a ticket out is caught when it
 * redeems it; threads applying receipts (one of them twice) at once. */
#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/exposure.h"
#include "ticket/keys.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"
#include "ticket/store.h"
#include "ticket/u256.h"
#include "ticket/wire.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct world {
    tk_ctx *ctx;
    tk_chain_mem *chain_mem;
    tk_chain chain;
    tk_store_mem *store_mem;
    tk_store store;
    tk_recipient *r;
    tk_sender *s;
    tk_exposure *books;
    uint8_t rkey[32];
    tk_address sender, recipient;
    tk_receipt_domain dom;
    tk_ticket_params params;
} world;

static world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    uint8_t skey[32], secret[32];
    tk_sender_config scfg;
    tk_sender_funds funds;
    tk_recipient_config cfg;
    tk_price price;

    assert_non_null(w);
    assert_int_equal(tk_ctx_create(&w->ctx), TK_OK);
    assert_int_equal(tk_chain_mem_create(&w->chain_mem, 5000), TK_OK);
    assert_int_equal(tk_chain_mem_iface(w->chain_mem, &w->chain), TK_OK);
    assert_int_equal(tk_store_mem_create(&w->store_mem), TK_OK);
    assert_int_equal(tk_store_mem_iface(w->store_mem, &w->store), TK_OK);
    memset(skey, 0x31, 32);
    memset(w->rkey, 0x42, 32);
    memset(secret, 0x53, 32);
    memset(&scfg, 0xff, sizeof scfg);
    memset(&scfg.max_price_per_pixel, 0, sizeof scfg.max_price_per_pixel);
    scfg.deposit_multiplier = 1;
    assert_int_equal(tk_sender_create(w->ctx, &w->s, &w->chain, &scfg, skey), TK_OK);
    assert_int_equal(tk_sender_address(w->s, &w->sender), TK_OK);
    memset(&funds, 0, sizeof funds);
    tk_test_dec256(funds.deposit.bytes, "1000000000000000000");
    tk_test_dec256(funds.reserve_funds_remaining.bytes, "1000000000000000000");
    assert_int_equal(tk_chain_mem_set_sender_funds(w->chain_mem, &w->sender, &funds), TK_OK);

    /* face = 1e5 gas * 1 gwei * 20 = 2e15, EV 1e15: about half the
     * tickets win, so every batch has winners and losers. */
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(tk_key_address(w->ctx, &w->recipient, w->rkey), TK_OK);
    cfg.address = w->recipient;
    tk_test_dec256(cfg.ev.bytes, "1000000000000000");
    cfg.redeem_gas = 100000;
    cfg.tx_cost_multiplier = 20;
    assert_int_equal(tk_recipient_create(w->ctx, &w->r, &cfg, secret, &w->chain, &w->store),
                     TK_OK);

    (void)tk_u256_from_u64(&w->dom.chain_id, 1337);
    memset(w->dom.verifying_contract.bytes, 0x7b, 20);
    assert_int_equal(tk_exposure_create(w->ctx, &w->books, &w->sender, &w->dom), TK_OK);
    assert_int_equal(tk_sender_set_risk_limit(w->s, w->books, 1.0), TK_OK);

    (void)tk_u256_from_u64(&price.num, 1);
    (void)tk_u256_from_u64(&price.den, 1);
    assert_int_equal(tk_recipient_params(w->r, &w->params, &w->sender, &price), TK_OK);
    assert_int_equal(tk_sender_session_start(w->s, &w->params, 0), TK_OK);
    return w;
}

static void world_free(world *w)
{
    tk_sender_destroy(w->s);
    tk_recipient_destroy(w->r);
    tk_exposure_destroy(w->books);
    tk_store_mem_destroy(w->store_mem);
    tk_chain_mem_destroy(w->chain_mem);
    tk_ctx_destroy(w->ctx);
    free(w);
}

/* Receive pay and build its receipt. */
static void receive_and_sign(world *w, const tk_payment *pay, tk_ticket_result *res,
                             tk_signed_receipt *out)
{
    tk_receive_summary sum;
    assert_int_equal(tk_recipient_receive(w->r, res, pay->count, &sum, NULL, pay, NULL), TK_OK);
    assert_int_equal(tk_recipient_receipt(w->r, out, w->rkey, &w->dom, pay, res, pay->count),
                     TK_OK);
}

/* The header the recipient would send, decoded by the sender. */
static tk_status over_the_wire(tk_signed_receipt *got, const tk_signed_receipt *sent_r,
                               const tk_payment *sent)
{
    char hdr[8192];
    size_t n = sizeof hdr;
    assert_int_equal(tk_wire_encode_receipt_header(hdr, &n, sent_r), TK_OK);
    assert_int_equal(strlen(hdr), n);
    return tk_wire_decode_receipt_header(got, hdr, n, sent);
}

static void hash_of(tk_hash *h, const tk_payment *p, size_t i)
{
    tk_ticket t;
    assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
    assert_int_equal(tk_ticket_hash(h, &t), TK_OK);
}

/* floor(k * face * winProb / (2^256 - 1)), independently. */
static void credit_by_hand(tk_u256 *out, const tk_ticket_params *p, unsigned long k)
{
    mpz_t a, b;
    mpz_inits(a, b, NULL);
    mpz_import(a, 32, 1, 1, 1, 0, p->face_value.bytes);
    mpz_import(b, 32, 1, 1, 1, 0, p->win_prob.bytes);
    mpz_mul(a, a, b);
    mpz_mul_ui(a, a, k);
    mpz_ui_pow_ui(b, 2, 256);
    mpz_sub_ui(b, b, 1);
    mpz_fdiv_q(a, a, b);
    memset(out->bytes, 0, 32);
    mpz_export(out->bytes + 32 - (mpz_sizeinbase(a, 256) * (mpz_sgn(a) != 0)), NULL, 1, 1, 1, 0,
               a);
    mpz_clears(a, b, NULL);
}

static void assert_same_receipt(const tk_signed_receipt *a, const tk_signed_receipt *b)
{
    const tk_receipt *x = &a->receipt, *y = &b->receipt;
    assert_memory_equal(x->sender.bytes, y->sender.bytes, 20);
    assert_memory_equal(x->recipient.bytes, y->recipient.bytes, 20);
    assert_memory_equal(x->recipient_rand_hash.bytes, y->recipient_rand_hash.bytes, 32);
    assert_int_equal(x->n_tickets, y->n_tickets);
    assert_int_equal(x->n_winners, y->n_winners);
    if (x->n_tickets) {
        assert_memory_equal(x->tickets, y->tickets, x->n_tickets * sizeof *x->tickets);
        assert_memory_equal(a->ticket_nonces, b->ticket_nonces, x->n_tickets * 4);
    }
    if (x->n_winners) {
        assert_memory_equal(x->winners, y->winners, x->n_winners * sizeof *x->winners);
        assert_memory_equal(a->winner_nonces, b->winner_nonces, x->n_winners * 4);
    }
    assert_memory_equal(x->credited_wei.bytes, y->credited_wei.bytes, 32);
    assert_memory_equal(x->block_number.bytes, y->block_number.bytes, 32);
    assert_memory_equal(a->sig.bytes, b->sig.bytes, 65);
}

static void assert_stats_equal(const tk_exposure_stats *a, const tk_exposure_stats *b)
{
    assert_int_equal(a->outstanding, b->outstanding);
    assert_int_equal(a->known_winners, b->known_winners);
    assert_int_equal(a->held, b->held);
    assert_int_equal(a->receipts, b->receipts);
    assert_memory_equal(a->credited_wei.bytes, b->credited_wei.bytes, 32);
}

/* A payment in which the recipient rejects some tickets: the first `pre`
 * were received before (replays), ticket `bad` has a broken signature. */
static void test_round_trip_with_rejections(void **state)
{
    world *w = world_new();
    tk_payment pay, first;
    tk_ticket_result res[40];
    tk_signed_receipt built, got;
    tk_exposure_stats st0, st1;
    tk_u256 want;
    size_t accepted = 0, winners = 0, pre = 5, bad = 17, li = 0, wi = 0;
    size_t ri = 99, loser = 40, left_out = 0;
    tk_hash h;
    (void)state;

    assert_int_equal(tk_sender_create_batch(w->s, &pay, &w->params.recipient_rand_hash, 40),
                     TK_OK);
    /* The recipient saw the first five already. */
    assert_int_equal(tk_payment_alloc(&first, pre), TK_OK);
    first.sender = pay.sender;
    first.params = pay.params;
    memcpy(first.tickets, pay.tickets, pre * sizeof *pay.tickets);
    {
        tk_ticket_result r5[5];
        tk_receive_summary s5;
        assert_int_equal(tk_recipient_receive(w->r, r5, pre, &s5, NULL, &first, NULL), TK_OK);
        assert_int_equal(s5.accepted, pre);
    }
    pay.tickets[bad].sig.bytes[10] ^= 1;

    assert_int_equal(tk_exposure_stats_get(w->books, &st0), TK_OK);
    assert_int_equal(st0.outstanding, 40);
    receive_and_sign(w, &pay, res, &built);
    for (size_t i = 0; i < pay.count; i++) {
        if (i < pre)
            assert_int_equal(res[i].status, TK_ERR_REPLAYED_NONCE);
        else if (i == bad)
            assert_int_not_equal(res[i].status, TK_OK);
        else
            assert_int_equal(res[i].status, TK_OK);
        if (res[i].status != TK_OK)
            continue;
        /* The receipt lists exactly the accepted ones, in order. */
        hash_of(&h, &pay, i);
        assert_int_equal(built.ticket_nonces[li], pay.tickets[i].sender_nonce);
        assert_memory_equal(built.receipt.tickets[li].bytes, h.bytes, 32);
        li++;
        accepted++;
        if (res[i].wins) {
            assert_int_equal(built.winner_nonces[wi], pay.tickets[i].sender_nonce);
            assert_memory_equal(built.receipt.winners[wi].bytes, h.bytes, 32);
            wi++;
            winners++;
        } else {
            loser = i;
        }
    }
    assert_int_equal(built.receipt.n_tickets, accepted);
    assert_int_equal(built.receipt.n_winners, winners);
    assert_true(winners > 0 && winners < accepted); /* p = 1/2, 34 tickets */
    credit_by_hand(&want, &pay.params, accepted);
    assert_memory_equal(built.receipt.credited_wei.bytes, want.bytes, 32);

    /* The sender's side: the same receipt comes out of the header. */
    assert_int_equal(over_the_wire(&got, &built, &pay), TK_OK);
    assert_same_receipt(&got, &built);
    assert_int_equal(tk_exposure_apply_receipt(w->books, &got.receipt, got.sig.bytes, 65), TK_OK);
    assert_int_equal(tk_exposure_stats_get(w->books, &st1), TK_OK);
    assert_int_equal(st1.outstanding, 40 - accepted);
    assert_int_equal(st1.known_winners, winners);
    assert_int_equal(st1.receipts, 1);
    assert_memory_equal(st1.credited_wei.bytes, want.bytes, 32);
    /* Applying it again changes nothing. */
    assert_int_equal(tk_exposure_apply_receipt(w->books, &got.receipt, got.sig.bytes, 65),
                     TK_ERR_RECEIPT_DUPLICATE);

    /* Redemptions: a receipted winner is fine; a receipted loser or a
     * ticket the receipt left out contradicts the recipient's word. */
    assert_int_equal(tk_exposure_redeemed(w->books, &got.receipt.winners[0], NULL), TK_OK);
    assert_true(loser < 40);
    hash_of(&h, &pay, loser);
    assert_int_equal(tk_exposure_redeemed(w->books, &h, &ri), TK_ERR_RECEIPT_CONTRADICTED);
    assert_int_equal(ri, 0);
    hash_of(&h, &pay, left_out);
    ri = 99;
    assert_int_equal(tk_exposure_redeemed(w->books, &h, &ri), TK_ERR_RECEIPT_CONTRADICTED);
    assert_int_equal(ri, 0);

    tk_signed_receipt_clear(&got);
    tk_signed_receipt_clear(&built);
    tk_payment_clear(&first);
    tk_payment_clear(&pay);
    world_free(w);
}

/* Every single-byte change of the message: it does not decode, or it
 * decodes to another receipt that the books refuse, books unchanged. */
static void test_every_byte_flip(void **state)
{
    world *w = world_new();
    tk_payment pay;
    tk_ticket_result res[12];
    tk_signed_receipt built, got;
    tk_exposure_stats before, after;
    uint8_t buf[1024], m[1024];
    size_t n = sizeof buf, decoded = 0;
    static const uint8_t flips[] = {0x01, 0x02, 0x10, 0x80, 0xff};
    (void)state;

    assert_int_equal(tk_sender_create_batch(w->s, &pay, &w->params.recipient_rand_hash, 12),
                     TK_OK);
    receive_and_sign(w, &pay, res, &built);
    assert_int_equal(tk_wire_receipt_pack(buf, &n, &built), TK_OK);
    assert_int_equal(tk_exposure_stats_get(w->books, &before), TK_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < sizeof flips; f++) {
            tk_status st;
            memcpy(m, buf, n);
            m[i] ^= flips[f];
            st = tk_wire_receipt_unpack(&got, m, n, &pay);
            if (st != TK_OK) {
                /* zeroed on failure */
                assert_null(got.hashes);
                assert_int_equal(got.receipt.n_tickets, 0);
                continue;
            }
            decoded++;
            assert_int_not_equal(
                tk_exposure_apply_receipt(w->books, &got.receipt, got.sig.bytes, 65), TK_OK);
            assert_int_equal(tk_exposure_stats_get(w->books, &after), TK_OK);
            assert_stats_equal(&before, &after);
            tk_signed_receipt_clear(&got);
        }
    assert_true(decoded > 0); /* e.g. flips inside the signature decode */
    /* The untouched message still applies. */
    assert_int_equal(tk_wire_receipt_unpack(&got, buf, n, &pay), TK_OK);
    assert_int_equal(tk_exposure_apply_receipt(w->books, &got.receipt, got.sig.bytes, 65), TK_OK);
    tk_signed_receipt_clear(&got);
    tk_signed_receipt_clear(&built);
    tk_payment_clear(&pay);
    world_free(w);
}

/* ---- Hand-built messages (protobuf encoding written out here) ------- */

struct msg {
    uint8_t b[512];
    size_t n;
};

static void put_varint(struct msg *m, uint64_t v)
{
    while (v >= 0x80) {
        m->b[m->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    m->b[m->n++] = (uint8_t)v;
}

static void put_bytes(struct msg *m, unsigned field, const uint8_t *p, size_t len)
{
    put_varint(m, field << 3 | 2);
    put_varint(m, len);
    memcpy(m->b + m->n, p, len);
    m->n += len;
}

static void put_packed(struct msg *m, unsigned field, const uint32_t *v, size_t k)
{
    struct msg inner = {{0}, 0};
    for (size_t i = 0; i < k; i++)
        put_varint(&inner, v[i]);
    put_bytes(m, field, inner.b, inner.n);
}

/* A message: tickets, winners, credited (raw bytes), block (raw), sig. */
static struct msg build(const uint32_t *t, size_t nt, const uint32_t *wn, size_t nw,
                        const uint8_t *cr, size_t crn, size_t siglen)
{
    struct msg m = {{0}, 0};
    uint8_t sig[70];
    static const uint8_t block[] = {0x01, 0x00};
    memset(sig, 0x5a, sizeof sig);
    if (nt)
        put_packed(&m, 1, t, nt);
    if (nw)
        put_packed(&m, 2, wn, nw);
    if (crn)
        put_bytes(&m, 3, cr, crn);
    put_bytes(&m, 4, block, sizeof block);
    if (siglen)
        put_bytes(&m, 5, sig, siglen);
    return m;
}

static void test_strict_decoding(void **state)
{
    tk_payment pay;
    tk_signed_receipt got;
    struct msg m;
    static const uint32_t t[] = {2, 3, 5}, wgood[] = {3}, wbad[] = {4}, wrev[] = {5, 2};
    static const uint32_t unknown[] = {2, 9}, backwards[] = {3, 2}, twice[] = {3, 3};
    static const uint8_t cr[] = {0x12, 0x34}, cr_zero[] = {0x00, 0x12};
    uint8_t cr33[33];
    (void)state;

    assert_int_equal(tk_payment_alloc(&pay, 5), TK_OK);
    memset(pay.sender.bytes, 0x11, 20);
    memset(pay.params.recipient.bytes, 0x22, 20);
    memset(pay.params.recipient_rand_hash.bytes, 0x33, 32);
    for (size_t i = 0; i < 5; i++)
        pay.tickets[i].sender_nonce = (uint32_t)(i + 1);

    /* The valid one, and what it maps to. */
    m = build(t, 3, wgood, 1, cr, sizeof cr, 65);
    assert_int_equal(tk_wire_receipt_unpack(&got, m.b, m.n, &pay), TK_OK);
    assert_int_equal(got.receipt.n_tickets, 3);
    assert_int_equal(got.receipt.n_winners, 1);
    {
        tk_hash h;
        hash_of(&h, &pay, 4); /* nonce 5 is ticket 4 */
        assert_memory_equal(got.receipt.tickets[2].bytes, h.bytes, 32);
        hash_of(&h, &pay, 2); /* winner nonce 3 is ticket 2 */
        assert_memory_equal(got.receipt.winners[0].bytes, h.bytes, 32);
    }
    assert_memory_equal(got.receipt.sender.bytes, pay.sender.bytes, 20);
    assert_memory_equal(got.receipt.recipient_rand_hash.bytes,
                        pay.params.recipient_rand_hash.bytes, 32);
    assert_int_equal(got.receipt.credited_wei.bytes[30], 0x12);
    assert_int_equal(got.receipt.credited_wei.bytes[31], 0x34);
    assert_int_equal(got.receipt.block_number.bytes[30], 0x01);
    /* Our packer writes the same bytes (fields in order, packed). */
    {
        uint8_t again[512];
        size_t an = sizeof again;
        assert_int_equal(tk_wire_receipt_pack(again, &an, &got), TK_OK);
        assert_int_equal(an, m.n);
        assert_memory_equal(again, m.b, m.n);
    }
    tk_signed_receipt_clear(&got);

#define BAD(want, msg_)                                                      \
    do {                                                                     \
        m = msg_;                                                            \
        assert_int_equal(tk_wire_receipt_unpack(&got, m.b, m.n, &pay), want);\
        assert_null(got.hashes);                                             \
        assert_null(got.ticket_nonces);                                      \
    } while (0)
    BAD(TK_ERR_MALFORMED, build(t, 3, wgood, 1, cr, sizeof cr, 0));  /* no sig */
    BAD(TK_ERR_MALFORMED, build(t, 3, wgood, 1, cr, sizeof cr, 64));
    BAD(TK_ERR_MALFORMED, build(t, 3, wgood, 1, cr, sizeof cr, 66));
    BAD(TK_ERR_MALFORMED, build(t, 3, wgood, 1, cr_zero, sizeof cr_zero, 65));
    memset(cr33, 1, sizeof cr33);
    BAD(TK_ERR_MALFORMED, build(t, 3, wgood, 1, cr33, sizeof cr33, 65));
    BAD(TK_ERR_MALFORMED, build(t, 1, wrev, 2, cr, sizeof cr, 65)); /* winners > tickets */
    BAD(TK_ERR_RECEIPT_UNKNOWN_TICKET, build(unknown, 2, NULL, 0, cr, sizeof cr, 65));
    BAD(TK_ERR_RECEIPT_MALFORMED, build(backwards, 2, NULL, 0, cr, sizeof cr, 65));
    BAD(TK_ERR_RECEIPT_MALFORMED, build(twice, 2, NULL, 0, cr, sizeof cr, 65));
    BAD(TK_ERR_RECEIPT_MALFORMED, build(t, 3, wbad, 1, cr, sizeof cr, 65));
    BAD(TK_ERR_RECEIPT_MALFORMED, build(t, 3, wrev, 2, cr, sizeof cr, 65));
    /* An unknown field (6) after a valid message. */
    m = build(t, 3, wgood, 1, cr, sizeof cr, 65);
    put_varint(&m, 6 << 3);
    put_varint(&m, 1);
    assert_int_equal(tk_wire_receipt_unpack(&got, m.b, m.n, &pay), TK_ERR_MALFORMED);
    /* Truncated anywhere. */
    m = build(t, 3, wgood, 1, cr, sizeof cr, 65);
    for (size_t cut = 0; cut < m.n; cut++)
        assert_int_equal(tk_wire_receipt_unpack(&got, m.b, cut, &pay), TK_ERR_MALFORMED);
    /* Header: not strict base64. */
    assert_int_equal(tk_wire_decode_receipt_header(&got, "AAA", 3, &pay), TK_ERR_MALFORMED);
    assert_int_equal(tk_wire_decode_receipt_header(&got, "AA A", 4, &pay), TK_ERR_MALFORMED);
#undef BAD
    tk_payment_clear(&pay);
}

static void test_misuse(void **state)
{
    world *w = world_new();
    tk_payment pay;
    tk_ticket_result res[4];
    tk_signed_receipt out;
    uint8_t other_key[32], buf[16];
    size_t n = sizeof buf;
    tk_receive_summary sum;
    int count_illegal = 0;
    (void)state;

    tk_ctx_set_illegal_callback(w->ctx, tk_test_count_illegal, &count_illegal);
    assert_int_equal(tk_sender_create_batch(w->s, &pay, &w->params.recipient_rand_hash, 4), TK_OK);
    assert_int_equal(tk_recipient_receive(w->r, res, 4, &sum, NULL, &pay, NULL), TK_OK);
    memset(&out, 0xee, sizeof out);
    assert_int_equal(tk_recipient_receipt(w->r, &out, NULL, &w->dom, &pay, res, 4),
                     TK_ERR_ILLEGAL_ARG);
    assert_null(out.hashes);
    assert_int_equal(tk_recipient_receipt(w->r, &out, w->rkey, &w->dom, &pay, res, 3),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_recipient_receipt(w->r, &out, w->rkey, &w->dom, &pay, NULL, 4),
                     TK_ERR_ILLEGAL_ARG);
    res[2].sender_nonce++; /* results of another payment */
    assert_int_equal(tk_recipient_receipt(w->r, &out, w->rkey, &w->dom, &pay, res, 4),
                     TK_ERR_ILLEGAL_ARG);
    res[2].sender_nonce--;
    assert_true(count_illegal >= 4);
    memset(other_key, 0x43, 32);
    assert_int_equal(tk_recipient_receipt(w->r, &out, other_key, &w->dom, &pay, res, 4),
                     TK_ERR_SIG_WRONG_SIGNER);
    assert_null(out.hashes);
    pay.params.recipient.bytes[0] ^= 1;
    assert_int_equal(tk_recipient_receipt(w->r, &out, w->rkey, &w->dom, &pay, res, 4),
                     TK_ERR_WRONG_RECIPIENT);
    pay.params.recipient.bytes[0] ^= 1;

    assert_int_equal(tk_wire_receipt_pack(buf, NULL, &out), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_receipt_pack(buf, &n, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_receipt_unpack(NULL, buf, 1, &pay), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_receipt_unpack(&out, NULL, 1, &pay), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_receipt_unpack(&out, buf, 1, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_wire_decode_receipt_header(&out, "AAAA", 4, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_signed_receipt_alloc(&out, 1, 2), TK_ERR_INVALID_LENGTH);
    assert_int_equal(tk_signed_receipt_alloc(NULL, 1, 1), TK_ERR_ILLEGAL_ARG);
    tk_signed_receipt_clear(NULL);
    /* Too small a buffer: the size needed, nothing else. */
    assert_int_equal(tk_recipient_receipt(w->r, &out, w->rkey, &w->dom, &pay, res, 4), TK_OK);
    n = 3;
    assert_int_equal(tk_wire_receipt_pack(buf, &n, &out), TK_ERR_BUFFER_TOO_SMALL);
    assert_true(n > 65);
    tk_signed_receipt_clear(&out);
    tk_payment_clear(&pay);
    world_free(w);
}

/* Threads decode and apply the receipts of their own batches at once;
 * every receipt is applied by two threads and exactly one wins. */
#define THREADS 4
#define BATCHES 6

struct job {
    world *w;
    tk_payment *pays;
    tk_signed_receipt *built;
    int ok;
};

static void *apply_all(void *arg)
{
    struct job *j = arg;
    for (size_t b = 0; b < BATCHES * THREADS; b++) {
        tk_signed_receipt got;
        tk_status st;
        if (over_the_wire(&got, &j->built[b], &j->pays[b]) != TK_OK)
            return NULL;
        st = tk_exposure_apply_receipt(j->w->books, &got.receipt, got.sig.bytes, 65);
        if (st == TK_OK)
            j->ok++;
        else if (st != TK_ERR_RECEIPT_DUPLICATE)
            j->ok = -1000;
        tk_signed_receipt_clear(&got);
    }
    return NULL;
}

static void test_concurrent_apply(void **state)
{
    world *w = world_new();
    tk_payment pays[BATCHES * THREADS];
    tk_signed_receipt built[BATCHES * THREADS];
    tk_ticket_result res[8];
    pthread_t th[THREADS];
    struct job jobs[THREADS];
    tk_exposure_stats st;
    size_t winners = 0;
    int ok = 0;
    (void)state;

    for (size_t b = 0; b < BATCHES * THREADS; b++) {
        assert_int_equal(tk_sender_create_batch(w->s, &pays[b], &w->params.recipient_rand_hash,
                                                8),
                         TK_OK);
        receive_and_sign(w, &pays[b], res, &built[b]);
        winners += built[b].receipt.n_winners;
    }
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (struct job){w, pays, built, 0};
        assert_int_equal(pthread_create(&th[t], NULL, apply_all, &jobs[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_true(jobs[t].ok >= 0);
        ok += jobs[t].ok;
    }
    assert_int_equal(ok, BATCHES * THREADS);
    assert_int_equal(tk_exposure_stats_get(w->books, &st), TK_OK);
    assert_int_equal(st.outstanding, 0);
    assert_int_equal(st.known_winners, winners);
    assert_int_equal(st.receipts, BATCHES * THREADS);
    for (size_t b = 0; b < BATCHES * THREADS; b++) {
        tk_signed_receipt_clear(&built[b]);
        tk_payment_clear(&pays[b]);
    }
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_with_rejections),
        cmocka_unit_test(test_every_byte_flip),
        cmocka_unit_test(test_strict_decoding),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_concurrent_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

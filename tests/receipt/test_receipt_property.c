/* SPDX-License-Identifier: MIT */
/* Receipt properties over random receipts: sign/verify round trips; a
 * change to any field of the message or the domain, or to any signature
 * byte, makes verification fail; misuse is ILLEGAL_ARG with outputs zeroed.
 * (TK_TEST_SEED reproduces a run, TK_TEST_ITERS sets the count.) */
#include "test_support.h"

#include "ticket/eip712.h"
#include "ticket/keys.h"
#include "ticket/receipt.h"

#include <stdlib.h>
#include <string.h>

#define MAX_T 12

struct rc {
    tk_receipt_domain dom;
    tk_receipt r;
    tk_hash tickets[MAX_T], winners[MAX_T];
    uint8_t sk[32];
};

static void random_receipt(tk_ctx *ctx, struct rc *x)
{
    size_t nt = (size_t)(tk_test_rand64() % MAX_T), nw = 0;

    memset(x, 0, sizeof *x);
    do
        tk_test_rand_bytes(x->sk, 32);
    while (tk_key_verify(ctx, x->sk) != TK_OK);
    assert_int_equal(tk_key_address(ctx, &x->r.recipient, x->sk), TK_OK);
    tk_test_rand_bytes(x->r.sender.bytes, 20);
    tk_test_rand_bytes(x->r.recipient_rand_hash.bytes, 32);
    for (size_t i = 0; i < nt; i++) {
        tk_test_rand_bytes(x->tickets[i].bytes, 32);
        if (tk_test_rand64() % 3 == 0)
            x->winners[nw++] = x->tickets[i];
    }
    x->r.tickets = x->tickets;
    x->r.n_tickets = nt;
    x->r.winners = x->winners;
    x->r.n_winners = nw;
    tk_test_rand_bytes(x->r.credited_wei.bytes + 16, 16);
    tk_test_rand_bytes(x->r.block_number.bytes + 24, 8);
    tk_test_rand_bytes(x->dom.chain_id.bytes + 28, 4);
    tk_test_rand_bytes(x->dom.verifying_contract.bytes, 20);
}

/* Flip one random bit of the field numbered f; returns 0 when the field
 * cannot change (an empty array). */
static int mutate(struct rc *x, unsigned f)
{
    unsigned bit = (unsigned)(tk_test_rand64() % 8);
    switch (f) {
    case 0: x->r.sender.bytes[tk_test_rand64() % 20] ^= (uint8_t)(1u << bit); return 1;
    case 1: x->r.recipient.bytes[tk_test_rand64() % 20] ^= (uint8_t)(1u << bit); return 1;
    case 2: x->r.recipient_rand_hash.bytes[tk_test_rand64() % 32] ^= (uint8_t)(1u << bit); return 1;
    case 3:
        if (x->r.n_tickets == 0) return 0;
        x->tickets[tk_test_rand64() % x->r.n_tickets].bytes[tk_test_rand64() % 32] ^= (uint8_t)(1u << bit);
        return 1;
    case 4:
        if (x->r.n_winners == 0) return 0;
        x->winners[tk_test_rand64() % x->r.n_winners].bytes[tk_test_rand64() % 32] ^= (uint8_t)(1u << bit);
        return 1;
    case 5: /* drop the last ticket */
        if (x->r.n_tickets == 0) return 0;
        x->r.n_tickets--;
        return 1;
    case 6: /* one more winner (a repeat of a ticket) */
        if (x->r.n_tickets == 0 || x->r.n_winners == MAX_T) return 0;
        x->winners[x->r.n_winners++] = x->tickets[0];
        return 1;
    case 7: x->r.credited_wei.bytes[tk_test_rand64() % 32] ^= (uint8_t)(1u << bit); return 1;
    case 8: x->r.block_number.bytes[tk_test_rand64() % 32] ^= (uint8_t)(1u << bit); return 1;
    case 9: x->dom.chain_id.bytes[tk_test_rand64() % 32] ^= (uint8_t)(1u << bit); return 1;
    case 10: x->dom.verifying_contract.bytes[tk_test_rand64() % 20] ^= (uint8_t)(1u << bit); return 1;
    default: return 0;
    }
}

static void test_round_trip_and_tamper(void **state)
{
    tk_ctx *ctx = *state;
    unsigned long iters = tk_test_iters(300);

    (void)tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        struct rc x, y;
        tk_sig sig;
        tk_address rec;
        unsigned f;

        random_receipt(ctx, &x);
        assert_int_equal(tk_receipt_sign(ctx, &sig, x.sk, &x.dom, &x.r), TK_OK);
        assert_true(sig.bytes[64] == 27 || sig.bytes[64] == 28);
        assert_int_equal(tk_receipt_verify(ctx, &rec, &x.dom, &x.r, sig.bytes, 65), TK_OK);
        assert_memory_equal(rec.bytes, x.r.recipient.bytes, 20);
        for (f = 0; f <= 10; f++) {
            tk_status st;
            y = x;
            y.r.tickets = y.tickets;
            y.r.winners = y.winners;
            if (!mutate(&y, f))
                continue;
            st = tk_receipt_verify(ctx, &rec, &y.dom, &y.r, sig.bytes, 65);
            /* A changed digest recovers some other key (or none). */
            assert_true(st == TK_ERR_SIG_WRONG_SIGNER ||
                        st == TK_ERR_SIG_RECOVERY_FAILED);
        }
        /* Any changed signature byte: some rule rejects it. */
        {
            tk_sig bad = sig;
            size_t at = (size_t)(tk_test_rand64() % 65);
            bad.bytes[at] ^= (uint8_t)(1u << (tk_test_rand64() % 8));
            assert_int_not_equal(tk_receipt_verify(ctx, NULL, &x.dom, &x.r, bad.bytes, 65), TK_OK);
        }
    }
}

static void test_misuse(void **state)
{
    tk_ctx *ctx = *state;
    struct rc x;
    tk_sig sig;
    tk_receipt_hashes h;
    tk_address rec;
    tk_receipt bad;
    uint8_t ones[32];

    (void)tk_test_seed();
    random_receipt(ctx, &x);
    assert_int_equal(tk_receipt_sign(ctx, &sig, x.sk, &x.dom, &x.r), TK_OK);
    assert_illegal(ctx, tk_receipt_sign(ctx, &sig, NULL, &x.dom, &x.r));
    {
        tk_sig zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(sig.bytes, zero.bytes, 65);
    }
    assert_illegal(ctx, tk_receipt_sign(ctx, &sig, x.sk, NULL, &x.r));
    assert_illegal(ctx, tk_receipt_sign(ctx, &sig, x.sk, &x.dom, NULL));
    assert_illegal(ctx, tk_receipt_verify(ctx, &rec, NULL, &x.r, sig.bytes, 65));
    assert_illegal(ctx, tk_receipt_verify(ctx, &rec, &x.dom, &x.r, NULL, 65));
    bad = x.r;
    bad.tickets = NULL;
    bad.n_tickets = 1;
    assert_illegal(ctx, tk_receipt_verify(ctx, &rec, &x.dom, &bad, sig.bytes, 65));
    assert_int_equal(tk_receipt_hash(&h, &x.dom, &bad), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_receipt_hash(&h, NULL, &x.r), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eip712_hash_array(&h.digest, NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eip712_digest(&h.digest, NULL, &h.struct_hash), TK_ERR_ILLEGAL_ARG);
    /* NULL signature with length 0 is an answer, not a bug. */
    assert_int_equal(tk_receipt_verify(ctx, &rec, &x.dom, &x.r, NULL, 0),
                     TK_ERR_SIG_BAD_LENGTH);
    /* An invalid key: its own status, signature zeroed. */
    memset(ones, 0xff, sizeof ones);
    assert_int_equal(tk_receipt_sign(ctx, &sig, ones, &x.dom, &x.r),
                     TK_ERR_INVALID_PRIVKEY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_tamper),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup, tk_test_ctx_teardown);
}

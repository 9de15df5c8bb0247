/* SPDX-License-Identifier: MIT */
/* The sender against tests/vectors/signed_tickets.json (an independent
 * implementation): for every case, a sender made from sender_privkey has
 * the ticket's sender address and signs the ticket byte for byte as the
 * vector does; every case that a session can produce (nonce >= 1, creation
 * round set, EV < faceValue) is produced again through session + batch,
 * with the same hash and signature, and verifies under section 1. */
#include "sender_fixture.h"

#include "ticket/signature.h"
#include "ticket/u256.h"

#include <string.h>

static void load_ticket(tk_ticket *t, const json_t *j)
{
    memset(t, 0, sizeof *t);
    tk_test_hex(t->recipient.bytes, 20, tk_test_str(j, "recipient"));
    tk_test_hex(t->sender.bytes, 20, tk_test_str(j, "sender"));
    tk_test_dec256(t->face_value.bytes, tk_test_str(j, "face_value"));
    tk_test_dec256(t->win_prob.bytes, tk_test_str(j, "win_prob"));
    t->sender_nonce = (uint32_t)tk_test_uint(j, "sender_nonce");
    tk_test_hex(t->recipient_rand_hash.bytes, 32,
                tk_test_str(j, "recipient_rand_hash"));
    t->creation_round = (int64_t)tk_test_uint(j, "creation_round");
    tk_test_hex(t->creation_round_block_hash.bytes, 32,
                tk_test_str(j, "creation_round_block_hash"));
}

static int is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Can a session produce this ticket unchanged? Nonces start at 1, the
 * sender fills in expiration params when the round or hash is zero, and
 * refuses EV >= faceValue (winProb == MAX with faceValue > 0). */
static int session_can_make(const tk_ticket *t)
{
    tk_u256 max = fx_u256(FX_MAX);
    int ev_is_face = tk_u256_cmp(&t->win_prob, &max) == 0 &&
                     !tk_u256_is_zero(&t->face_value);
    return t->sender_nonce >= 1 && t->creation_round != 0 &&
           !is_zero(t->creation_round_block_hash.bytes, 32) && !ev_is_face;
}

static void via_session(struct fx *f, const tk_ticket *t, const tk_sig *want)
{
    tk_ticket_params p;
    tk_payment pay;
    tk_ticket back;
    uint32_t nonce;

    memset(&p, 0, sizeof p);
    p.recipient = t->recipient;
    p.face_value = t->face_value;
    p.win_prob = t->win_prob;
    p.recipient_rand_hash = t->recipient_rand_hash;
    assert_int_equal(tk_u256_from_u64(&p.expiration_block,
                                      fx_block(f) + 40), TK_OK);
    assert_int_equal(tk_u256_from_u64(&p.price.den, 1), TK_OK);
    p.creation_round = t->creation_round;
    p.creation_round_block_hash = t->creation_round_block_hash;

    assert_int_equal(tk_sender_session_start(f->sender, &p,
                                             t->sender_nonce - 1), TK_OK);
    assert_int_equal(tk_sender_create_batch(f->sender, &pay,
                                            &p.recipient_rand_hash, 1),
                     TK_OK);
    assert_int_equal(pay.count, 1);
    assert_int_equal(pay.tickets[0].sender_nonce, t->sender_nonce);
    assert_memory_equal(pay.tickets[0].sig.bytes, want->bytes, TK_SIG_LEN);
    assert_int_equal(tk_payment_ticket(&back, &pay, 0), TK_OK);
    assert_memory_equal(&back, t, sizeof back);
    fx_assert_payment_verifies(f, &pay);
    assert_int_equal(tk_sender_session_nonce(f->sender, &nonce,
                                             &p.recipient_rand_hash), TK_OK);
    assert_int_equal(nonce, t->sender_nonce);
    tk_payment_clear(&pay);
    assert_int_equal(tk_sender_session_end(f->sender, &p.recipient_rand_hash),
                     TK_OK);
}

static void test_signed_tickets(void **state)
{
    json_t *cases, *root = tk_test_load("signed_tickets.json", &cases);
    size_t i, through_sessions = 0;
    (void)state;

    for (i = 0; i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);
        uint8_t key[32];
        tk_ticket t;
        tk_hash h, want_hash;
        tk_sig sig, want;
        struct fx f;

        load_ticket(&t, json_object_get(c, "ticket"));
        tk_test_hex(key, 32, tk_test_str(c, "sender_privkey"));
        tk_test_hex(want.bytes, TK_SIG_LEN, tk_test_str(c, "signature"));
        tk_test_hex(want_hash.bytes, 32, tk_test_str(c, "ticket_hash"));
        /* Limits and funds that let every refusal pass. */
        fx_init(&f, key, FX_MAX, FX_MAX, 1, FX_MAX, "1");
        tk_memzero(key, sizeof key);

        assert_memory_equal(&f.addr, &t.sender, sizeof f.addr);
        assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
        assert_memory_equal(h.bytes, want_hash.bytes, 32);
        assert_int_equal(tk_sender_sign_ticket(f.sender, &sig, &t), TK_OK);
        assert_memory_equal(sig.bytes, want.bytes, TK_SIG_LEN);
        assert_int_equal(tk_eth_verify(f.ctx, &t.sender, &h, sig.bytes,
                                       TK_SIG_LEN), TK_OK);
        if (session_can_make(&t)) {
            via_session(&f, &t, &want);
            through_sessions++;
        }
        fx_free(&f);
    }
    /* Most cases qualify; a regression that skipped them all must fail. */
    assert_true(through_sessions * 2 > json_array_size(cases));
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_tickets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

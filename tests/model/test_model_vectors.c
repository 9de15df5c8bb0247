/* SPDX-License-Identifier: MIT */
/* The ticket model against tests/vectors: ticket_hash, signed_tickets,
 * recipient_rand and win_prob (every case). */
#include "model_test_util.h"

#include "model/rand_message.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/signature.h"
#include "ticket/u256.h"

static void test_ticket_hash(void **state)
{
    json_t *cases, *root = tk_test_load("ticket_hash.json", &cases);
    size_t i, n = json_array_size(cases), known = 0;
    (void)state;

    assert_int_equal(n, 67);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        tk_ticket t;
        tk_hash h;
        uint8_t aux[64];
        size_t auxlen = 99;

        ticket_from_json(&t, c);
        assert_int_equal(tk_aux_data(aux, &auxlen, t.creation_round,
                                     &t.creation_round_block_hash), TK_OK);
        assert_hex_field(c, "aux_data", aux, auxlen);
        assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
        assert_hex_field(c, "hash", h.bytes, 32);
        /* The preimage is what the vector packs: its hash and length. */
        {
            size_t plen;
            uint8_t *packed = tk_test_hex_alloc(tk_test_str(c, "packed"),
                                                &plen);
            tk_hash ph;
            assert_int_equal(plen, auxlen == 0 ? 168 : 232);
            assert_int_equal(tk_keccak256(&ph, packed, plen), TK_OK);
            assert_memory_equal(ph.bytes, h.bytes, 32);
            free(packed);
        }
        if (json_is_true(json_object_get(c, "known_answer")))
            known++;
    }
    assert_int_equal(known, 7);
    json_decref(root);
}

static void test_signed_tickets(void **state)
{
    tk_ctx *ctx = *state;
    json_t *cases, *root = tk_test_load("signed_tickets.json", &cases);
    size_t i, j, n = json_array_size(cases);

    assert_int_equal(n, 40);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        const json_t *checks = json_object_get(c, "win_checks");
        tk_ticket t;
        tk_hash h, d;
        tk_sig sig;
        tk_address signer;
        uint8_t sk[32];
        tk_u256 rand, wv_want, wv;
        tk_hash rh;
        int wins = -1;

        ticket_from_json(&t, json_object_get(c, "ticket"));
        tk_test_hex(sk, 32, tk_test_str(c, "sender_privkey"));
        u256_field(&rand, c, "recipient_rand");

        assert_int_equal(tk_key_address(ctx, &signer, sk), TK_OK);
        assert_memory_equal(signer.bytes, t.sender.bytes, 20);
        assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
        assert_hex_field(c, "ticket_hash", h.bytes, 32);
        assert_int_equal(tk_eth_signed_hash(&d, &h), TK_OK);
        assert_hex_field(c, "eth_signed_hash", d.bytes, 32);
        assert_int_equal(tk_eth_sign(ctx, &sig, sk, &h), TK_OK);
        assert_hex_field(c, "signature", sig.bytes, 65);
        assert_int_equal(tk_eth_verify(ctx, &t.sender, &h, sig.bytes, 65),
                         TK_OK);

        assert_int_equal(tk_rand_hash(&rh, &rand), TK_OK);
        assert_hex_field(c, "recipient_rand_hash", rh.bytes, 32);
        assert_memory_equal(rh.bytes, t.recipient_rand_hash.bytes, 32);
        u256_field(&wv_want, c, "win_value");
        assert_hex_field(c, "win_value_hex", wv_want.bytes, 32);

        assert_int_equal(tk_ticket_wins(&wins, &wv, &sig, &rand, &t.win_prob),
                         TK_OK);
        assert_memory_equal(wv.bytes, wv_want.bytes, 32);
        assert_int_equal(wins, json_is_true(json_object_get(c, "wins")));

        assert_true(json_is_array(checks));
        assert_int_equal(json_array_size(checks), 6);
        for (j = 0; j < json_array_size(checks); j++) {
            const json_t *k = json_array_get(checks, j);
            tk_u256 wp;
            u256_field(&wp, k, "win_prob");
            wins = -1;
            assert_int_equal(tk_ticket_wins(&wins, NULL, &sig, &rand, &wp),
                             TK_OK);
            assert_int_equal(wins, json_is_true(json_object_get(k, "wins")));
        }
    }
    json_decref(root);
}

static void test_recipient_rand(void **state)
{
    json_t *cases, *root = tk_test_load("recipient_rand.json", &cases);
    size_t i, n = json_array_size(cases);
    (void)state;

    assert_int_equal(n, 30);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        tk_ticket_params p;
        tk_address sender;
        uint8_t secret[32], msg[TK_RAND_MESSAGE_MAX], aux[64];
        size_t len = 0, auxlen = 0;
        tk_u256 rand, want;
        tk_hash rh;

        memset(&p, 0, sizeof p);
        tk_test_hex(secret, 32, tk_test_str(c, "secret"));
        tk_test_hex(sender.bytes, 20, tk_test_str(c, "sender"));
        u256_field(&p.seed, c, "seed");
        u256_field(&p.face_value, c, "face_value");
        u256_field(&p.win_prob, c, "win_prob");
        u256_field(&p.expiration_block, c, "expiration_block");
        u256_field(&p.price.num, c, "price_num");
        u256_field(&p.price.den, c, "price_den");
        p.creation_round = round_field(c, "creation_round");
        tk_test_hex(p.creation_round_block_hash.bytes, 32,
                    tk_test_str(c, "creation_round_block_hash"));

        assert_int_equal(tk_aux_data(aux, &auxlen, p.creation_round,
                                     &p.creation_round_block_hash), TK_OK);
        assert_hex_field(c, "aux_data", aux, auxlen);
        assert_int_equal(tk__rand_message(msg, &len, &sender, &p), TK_OK);
        assert_hex_field(c, "hmac_message", msg, len);

        assert_int_equal(tk_rand_derive(&rand, secret, &sender, &p), TK_OK);
        u256_field(&want, c, "recipient_rand");
        assert_memory_equal(rand.bytes, want.bytes, 32);
        assert_hex_field(c, "recipient_rand_hex", rand.bytes, 32);
        assert_int_equal(tk_rand_hash(&rh, &rand), TK_OK);
        assert_hex_field(c, "recipient_rand_hash", rh.bytes, 32);
    }
    json_decref(root);
}

static void assert_mpz_dec(const mpz_t x, const char *dec)
{
    mpz_t want;
    assert_int_equal(mpz_init_set_str(want, dec, 10), 0);
    if (mpz_cmp(x, want) != 0) {
        gmp_fprintf(stderr, "got %Zd, want %s\n", x, dec);
        fail();
    }
    mpz_clear(want);
}

static void test_win_prob(void **state)
{
    json_t *cases, *root = tk_test_load("win_prob.json", &cases);
    size_t i, n = json_array_size(cases), exceeding = 0, noted = 0;
    mpz_t wp, max;
    mpq_t ev;
    (void)state;

    mpz_inits(wp, max, NULL);
    mpq_init(ev);
    mpz_setbit(max, 256);
    mpz_sub_ui(max, max, 1);
    assert_int_equal(n, 40);
    for (i = 0; i < n; i++) {
        const json_t *c = json_array_get(cases, i);
        const char *want = tk_test_str(c, "win_prob");
        int exceeds = json_is_true(json_object_get(c, "exceeds_max"));
        tk_u256 face, e, out;
        tk_status st;

        u256_field(&face, c, "face_value");
        u256_field(&e, c, "ev");
        assert_int_equal(tk_win_prob_exact(wp, &face, &e), TK_OK);
        assert_mpz_dec(wp, want);
        assert_int_equal(mpz_cmp(wp, max) > 0, exceeds);

        memset(&out, 0xaa, sizeof out);
        st = tk_win_prob(&out, &face, &e);
        if (exceeds) {
            exceeding++;
            assert_int_equal(st, TK_ERR_OVERFLOW);
            assert_true(tk_u256_is_zero(&out));
            /* EV of such a ticket from the exact value, as the vector does. */
            mpq_set_num(ev, wp);
            (void)tk_u256_to_mpz(wp, &face);
            mpz_mul(mpq_numref(ev), mpq_numref(ev), wp);
            mpq_set_den(ev, max);
            mpq_canonicalize(ev);
        } else {
            tk_u256 w;
            assert_int_equal(st, TK_OK);
            tk_test_dec256(w.bytes, want);
            assert_memory_equal(out.bytes, w.bytes, 32);
            assert_int_equal(tk_ticket_ev(ev, &face, &out), TK_OK);
        }
        assert_mpz_dec(mpq_numref(ev), tk_test_str(c, "ev_of_ticket_num"));
        assert_mpz_dec(mpq_denref(ev), tk_test_str(c, "ev_of_ticket_den"));

        if (json_object_get(c, "go_livepeer_win_prob") != NULL) {
            /* Our rule, not the Go node's 64-bit remainder test. */
            noted++;
            assert_string_not_equal(tk_test_str(c, "go_livepeer_win_prob"),
                                    want);
        }
    }
    assert_int_equal(exceeding, 3);
    assert_int_equal(noted, 2);
    mpq_clear(ev);
    mpz_clears(wp, max, NULL);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticket_hash),
        cmocka_unit_test(test_signed_tickets),
        cmocka_unit_test(test_recipient_rand),
        cmocka_unit_test(test_win_prob),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

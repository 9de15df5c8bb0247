/* SPDX-License-Identifier: MIT */
/* rand, winprob: the recipient's two derivations. */
#include "ticketctl.h"

#include <string.h>

static int run_rand(tc *c, const json_t *in)
{
    uint8_t secret[32];
    tk_address sender;
    tk_ticket_params p;
    tk_u256 rand;
    tk_hash h;
    tk_status st;

    memset(&p, 0, sizeof p);
    if (tc_in_bytes(c, in, "secret", secret, 32, TC_REQUIRED) < 0)
        return -1;
    if (tc_in_u256(c, in, "seed", &p.seed, TC_REQUIRED) < 0 ||
        tc_in_address(c, in, "sender", &sender, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "face_value", &p.face_value, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "win_prob", &p.win_prob, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "expiration_block", &p.expiration_block,
                   TC_REQUIRED) < 0 ||
        tc_in_price(c, in, &p.price, TC_REQUIRED) < 0 ||
        tc_in_int64(c, in, "creation_round", &p.creation_round,
                    TC_REQUIRED) < 0 ||
        tc_in_bytes(c, in, "creation_round_block_hash",
                    p.creation_round_block_hash.bytes, 32, TC_REQUIRED) < 0) {
        tk_memzero(secret, sizeof secret);
        return -1;
    }
    st = tk_rand_derive(&rand, secret, &sender, &p);
    tk_memzero(secret, sizeof secret);
    if (st == TK_OK)
        st = tk_rand_hash(&h, &rand);
    if (st != TK_OK) {
        tk_memzero(&rand, sizeof rand);
        return tc_fail_status(c, st, "deriving recipientRand");
    }
    tc_set_u256(c->out, "recipient_rand", &rand);
    tk_memzero(&rand, sizeof rand);
    tc_set_hex(c->out, "recipient_rand_hash", h.bytes, 32);
    return 0;
}

static int run_winprob(tc *c, const json_t *in)
{
    tk_u256 face, ev;
    mpz_t wp, max;
    tk_status st;
    if (tc_in_u256(c, in, "face_value", &face, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "ev", &ev, TC_REQUIRED) < 0)
        return -1;
    mpz_inits(wp, max, NULL);
    st = tk_win_prob_exact(wp, &face, &ev);
    if (st == TK_OK) {
        mpz_ui_pow_ui(max, 2, 256);
        mpz_sub_ui(max, max, 1);
        tc_set_mpz(c->out, "win_prob", wp);
        json_object_set_new(c->out, "exceeds_max",
                            json_boolean(mpz_cmp(wp, max) > 0));
    }
    mpz_clears(wp, max, NULL);
    return st == TK_OK ? 0 : tc_fail_status(c, st, "the winProb rule");
}

const tc_command tc_cmd_rand = {
    "rand", "recipientRand and its hash (HMAC-SHA256 commit, section 3)",
    "Input:  {secret (32 bytes), seed, sender, face_value, win_prob,\n"
    "         expiration_block, price_num, price_den, creation_round,\n"
    "         creation_round_block_hash}\n"
    "Output: {recipient_rand (decimal), recipient_rand_hash}\n"
    "The price is reduced first; price_den 0 is an error (invalid_price).\n\n"
    "Example:\n"
    "  echo '{\"secret\": \"0x1111111111111111111111111111111111111111111111"
    "111111111111111111\", \"seed\": \"7\", \"sender\": \"0x7e5f4552091a69125"
    "d5dfcb7b8c2659029395bdf\", \"face_value\": \"1000\", \"win_prob\": \"5\","
    " \"expiration_block\": \"140\", \"price_num\": \"3\", \"price_den\": "
    "\"1000\", \"creation_round\": \"0\", \"creation_round_block_hash\": \"0x"
    "0000000000000000000000000000000000000000000000000000000000000000\"}' | "
    "ticketctl rand\n",
    run_rand};

const tc_command tc_cmd_winprob = {
    "winprob", "the recipient's winProb for a face value and an EV",
    "Input:  {face_value, ev}\n"
    "Output: {win_prob, exceeds_max}\n"
    "face 0 -> 0; face == ev -> MAX; else q = MAX / face, r = MAX % face,\n"
    "ev * (q + 1) if r != 0 else ev * q. The exact value is printed even\n"
    "above MAX (exceeds_max is then true).\n\n"
    "Example:\n"
    "  echo '{\"face_value\": \"1000000\", \"ev\": \"1000\"}' | "
    "ticketctl winprob\n",
    run_winprob};

/* SPDX-License-Identifier: MIT */
/* hash, sign, verify, wins: one ticket at a time. */
#include "ticketctl.h"

#include "ticket/signature.h"

#include <stdlib.h>
#include <string.h>

static int run_hash(tc *c, const json_t *in)
{
    tk_ticket t;
    tk_hash h;
    tk_status st;
    if (tc_in_ticket(c, in, "ticket", &t) < 0)
        return -1;
    if ((st = tk_ticket_hash(&h, &t)) != TK_OK)
        return tc_fail_status(c, st, "hashing the ticket");
    tc_set_hex(c->out, "hash", h.bytes, 32);
    return 0;
}

static int run_sign(tc *c, const json_t *in)
{
    uint8_t key[32];
    tk_ticket t;
    tk_hash h;
    tk_sig sig;
    tk_status st;
    if (tc_in_ticket(c, in, "ticket", &t) < 0 ||
        tc_in_privkey(c, in, "privkey", key) < 0)
        return -1;
    st = tk_ticket_hash(&h, &t);
    if (st == TK_OK)
        st = tk_eth_sign(c->ctx, &sig, key, &h);
    tk_memzero(key, sizeof key);
    if (st != TK_OK)
        return tc_fail_status(c, st, "signing the ticket");
    tc_set_hex(c->out, "hash", h.bytes, 32);
    tc_set_hex(c->out, "signature", sig.bytes, TK_SIG_LEN);
    return 0;
}

/* The reason names of docs/ticketctl.md are the status names of common.h. */
static int run_verify(tc *c, const json_t *in)
{
    tk_ticket t;
    tk_hash h;
    tk_address who;
    uint8_t *sig;
    size_t len;
    tk_status st;
    if (tc_in_ticket(c, in, "ticket", &t) < 0 ||
        tc_in_hex_alloc(c, in, "signature", &sig, &len, TC_REQUIRED) < 0)
        return -1;
    st = tk_ticket_hash(&h, &t);
    if (st != TK_OK) {
        free(sig);
        return tc_fail_status(c, st, "hashing the ticket");
    }
    st = tk_eth_recover(c->ctx, &who, &h, sig, len);
    free(sig);
    return tc_set_sig_verdict(c, st, &t.sender, &who, "verifying the signature");
}

int tc_set_sig_verdict(tc *c, tk_status st, const tk_address *want,
                       const tk_address *who, const char *what)
{
    if (st == TK_OK && memcmp(who->bytes, want->bytes, TK_ADDRESS_LEN) != 0)
        st = TK_ERR_SIG_WRONG_SIGNER;
    switch (st) {
    case TK_OK:
        json_object_set_new(c->out, "valid", json_true());
        tc_set_address(c->out, "recovered", who);
        return 0;
    case TK_ERR_SIG_WRONG_SIGNER:
        json_object_set_new(c->out, "valid", json_false());
        tc_set_address(c->out, "recovered", who);
        break;
    case TK_ERR_SIG_BAD_LENGTH:
    case TK_ERR_SIG_BAD_V:
    case TK_ERR_SIG_BAD_R:
    case TK_ERR_SIG_BAD_S:
    case TK_ERR_SIG_HIGH_S:
    case TK_ERR_SIG_RECOVERY_FAILED:
        json_object_set_new(c->out, "valid", json_false());
        json_object_set_new(c->out, "recovered", json_null());
        break;
    default:
        return tc_fail_status(c, st, what);
    }
    json_object_set_new(c->out, "reason", json_string(tk_status_name(st)));
    return 0;
}

static int run_wins(tc *c, const json_t *in)
{
    tk_sig sig;
    tk_u256 rand, win_prob, value;
    int wins;
    tk_status st;
    if (tc_in_bytes(c, in, "signature", sig.bytes, TK_SIG_LEN, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "recipient_rand", &rand, TC_REQUIRED) < 0 ||
        tc_in_u256(c, in, "win_prob", &win_prob, TC_REQUIRED) < 0)
        return -1;
    st = tk_ticket_wins(&wins, &value, &sig, &rand, &win_prob);
    tk_memzero(&rand, sizeof rand);
    if (st != TK_OK)
        return tc_fail_status(c, st, "the win check");
    json_object_set_new(c->out, "wins", json_boolean(wins));
    tc_set_u256(c->out, "win_value", &value);
    return 0;
}

#define TICKET_FIELDS                                                          \
    "A ticket is {recipient, sender, face_value, win_prob, sender_nonce,\n"    \
    "recipient_rand_hash, creation_round, creation_round_block_hash};\n"       \
    "aux_data (0x or 64 bytes) may replace the last two.\n"

#define EXAMPLE_TICKET                                                         \
    "{\"recipient\": \"0x708f0686107991e381ad8d5dd8eabb4c76dffeee\", "         \
    "\"sender\": \"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf\", "             \
    "\"face_value\": \"1000000\", \"win_prob\": \"5\", \"sender_nonce\": 1, "  \
    "\"recipient_rand_hash\": \"0xb781f2b0d6eb041dcc8bf07466f6fb822bb2f8b16"   \
    "13418b2d0a2a72d35a97276\", \"creation_round\": \"0\", "                   \
    "\"creation_round_block_hash\": \"0x0000000000000000000000000000000000"    \
    "000000000000000000000000000000\"}"

const tc_command tc_cmd_hash = {
    "hash", "the ticket hash (keccak of the packed ticket)",
    "Input:  {ticket}\n"
    "Output: {hash}\n" TICKET_FIELDS "\n"
    "Example:\n"
    "  echo '{\"ticket\": " EXAMPLE_TICKET "}' | ticketctl hash\n",
    run_hash};

const tc_command tc_cmd_sign = {
    "sign", "sign a ticket (EIP-191, RFC 6979, low s, v 27/28)",
    "Input:  {privkey, ticket}\n"
    "Output: {hash, signature}\n" TICKET_FIELDS "\n"
    "Example:\n"
    "  echo '{\"privkey\": \"0x00000000000000000000000000000000000000000000"
    "00000000000000000001\", \"ticket\": " EXAMPLE_TICKET "}' | ticketctl sign\n",
    run_sign};

const tc_command tc_cmd_verify = {
    "verify", "check a ticket signature as the TicketBroker does",
    "Input:  {ticket, signature}   signature: 0x-hex of any length\n"
    "Output: {valid, recovered, reason}\n"
    "Checks in order: length 65, v in {27,28}, 0 < r < n, 0 < s, s <= n/2,\n"
    "key recovery, recovered address == ticket.sender. reason (only when\n"
    "invalid): bad_length, bad_v, bad_r, bad_s, high_s, recovery_failed,\n"
    "wrong_signer. recovered is null when rejected before recovery.\n\n"
    "Example:\n"
    "  echo '{\"ticket\": " EXAMPLE_TICKET ", \"signature\": \"0x00\"}' | "
    "ticketctl verify\n"
    "  -> {\"valid\": false, \"recovered\": null, \"reason\": \"bad_length\"}\n",
    run_verify};

const tc_command tc_cmd_wins = {
    "wins", "the win check: keccak(sig || rand) < win_prob",
    "Input:  {signature (65 bytes), recipient_rand (uint256), win_prob}\n"
    "Output: {wins, win_value}   win_value = keccak(sig || u256(rand))\n\n"
    "Example:\n"
    "  echo '{\"signature\": \"0xc29a2aa36f7d8f2879a29bbee2fa80842ea7928d5c95"
    "3bd2dcd05267f007bb124b46d4eaf80c21cc7b6eec197e957dfbcf39f38538ddcb27edac"
    "d5d2dd5cc7ba1c\", \"recipient_rand\": \"7756241072261269054879549936679"
    "963255861358931408011029528580861179659268803\", \"win_prob\": \"1\"}' "
    "| ticketctl wins\n",
    run_wins};

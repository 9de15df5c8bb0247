/* SPDX-License-Identifier: MIT */
/* keygen, address. */
#include "ticketctl.h"

#include "ticket/keys.h"

static void set_addresses(tc *c, const tk_address *a)
{
    char s[TK_ADDRESS_HEX_MAX];
    tc_set_address(c->out, "address", a);
    if (tk_address_to_hex(s, sizeof s, a, 1) == TK_OK)
        json_object_set_new(c->out, "address_checksummed", json_string(s));
}

static int run_keygen(tc *c, const json_t *in)
{
    uint8_t key[32];
    tk_address a;
    tk_status st;
    (void)in;
    if ((st = tk_key_generate(c->ctx, key)) != TK_OK ||
        (st = tk_key_address(c->ctx, &a, key)) != TK_OK) {
        tk_memzero(key, sizeof key);
        return tc_fail_status(c, st, "generating a key");
    }
    tc_set_hex(c->out, "privkey", key, sizeof key);
    tk_memzero(key, sizeof key);
    set_addresses(c, &a);
    return 0;
}

static int run_address(tc *c, const json_t *in)
{
    uint8_t key[32];
    tk_address a;
    tk_status st;
    if (tc_in_privkey(c, in, "privkey", key) < 0)
        return -1;
    st = tk_key_address(c->ctx, &a, key);
    tk_memzero(key, sizeof key);
    if (st != TK_OK)
        return tc_fail_status(c, st, "deriving the address");
    set_addresses(c, &a);
    return 0;
}

const tc_command tc_cmd_keygen = {
    "keygen", "draw a new private key from the OS CSPRNG",
    "Input:  {} (or empty input)\n"
    "Output: {privkey, address, address_checksummed}\n"
    "The private key is printed in clear: redirect it somewhere safe.\n\n"
    "Example:\n"
    "  ticketctl keygen < /dev/null\n",
    run_keygen};

const tc_command tc_cmd_address = {
    "address", "the Ethereum address of a private key",
    "Input:  {privkey}            32 bytes, 0 < key < n\n"
    "Output: {address, address_checksummed}   lowercase and EIP-55\n\n"
    "Example:\n"
    "  echo '{\"privkey\": \"0x000000000000000000000000000000000000000000"
    "0000000000000000000001\"}' | ticketctl address\n"
    "  -> {\"address\": \"0x7e5f4552091a69125d5dfcb7b8c2659029395bdf\", "
    "\"address_checksummed\": \"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf\"}\n",
    run_address};

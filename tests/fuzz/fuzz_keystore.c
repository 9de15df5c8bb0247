/* SPDX-License-Identifier: MIT */
/* Fuzz the keystore path (sender.h, tk_sender_create_from_keystore): Web3
 * Secret Storage V3 JSON, the KDF, the MAC check and the decryption.
 *
 * Input: one byte L, then L bytes of passphrase, then the keystore JSON.
 * KDF costs are the caller's policy (the library caps them at
 * TK_KEYSTORE_SCRYPT_MAX_MEM and TK_KEYSTORE_PBKDF2_MAX_ITER): to keep the
 * fuzzer fast, inputs asking for scrypt n > 1024, r > 8, p > 4 or pbkdf2
 * c > 1024 are skipped here.
 *
 * Invariants: on failure no sender is returned; on success the sender's
 * address is the one the keystore names, when it names one. */
#include "fuzz.h"

#include "ticket/keys.h"
#include "ticket/sender.h"

#include <jansson.h>
#include <string.h>

static tk_status last_block(void *self, uint64_t *block)
{
    (void)self;
    *block = 0;
    return TK_OK;
}

static tk_status rounds(void *self, tk_round_info *out)
{
    (void)self;
    memset(out, 0, sizeof *out);
    return TK_OK;
}

static tk_status sender_funds(void *self, const tk_address *sender,
                              tk_sender_funds *out)
{
    (void)self;
    (void)sender;
    memset(out, 0, sizeof *out);
    return TK_OK;
}

static int too_costly(const json_t *params, const char *key, json_int_t max)
{
    const json_t *v = json_object_get(params, key);
    return json_is_integer(v) && json_integer_value(v) > max;
}

/* 1 if the keystore asks for more KDF work than this harness allows. */
static int kdf_too_costly(const char *json, size_t len)
{
    json_error_t err;
    json_t *root = json_loadb(json, len, 0, &err);
    const json_t *crypto, *params;
    int costly = 0;

    if (root == NULL)
        return 0;
    crypto = json_object_get(root, "crypto");
    if (crypto == NULL)
        crypto = json_object_get(root, "Crypto");
    params = json_object_get(crypto, "kdfparams");
    costly = too_costly(params, "n", 1024) || too_costly(params, "r", 8) ||
             too_costly(params, "p", 4) || too_costly(params, "c", 1024);
    json_decref(root);
    return costly;
}

static const char *named_address(const char *json, size_t len, char *buf,
                                 size_t cap)
{
    json_error_t err;
    json_t *root = json_loadb(json, len, 0, &err);
    const char *a = json_string_value(json_object_get(root, "address"));
    const char *res = NULL;

    if (a != NULL && strlen(a) < cap) {
        strcpy(buf, a);
        res = buf;
    }
    json_decref(root);
    return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_sender_config cfg;
    tk_chain chain;
    tk_sender *snd = (tk_sender *)&cfg; /* must be set to NULL on failure */
    const char *pass, *json;
    size_t pass_len, json_len;
    tk_status st;

    if (size < 1)
        return 0;
    pass_len = data[0] < size - 1 ? data[0] : size - 1;
    pass = (const char *)data + 1;
    json = pass + pass_len;
    json_len = size - 1 - pass_len;
    if (kdf_too_costly(json, json_len))
        return 0;

    memset(&chain, 0, sizeof chain);
    chain.last_block = last_block;
    chain.rounds = rounds;
    chain.sender_funds = sender_funds;
    memset(&cfg, 0, sizeof cfg);
    cfg.deposit_multiplier = 1;

    st = tk_sender_create_from_keystore(fuzz_ctx(), &snd, &chain, &cfg, json,
                                        json_len, pass, pass_len);
    if (st != TK_OK) {
        FUZZ_CHECK(snd == NULL);
        return 0;
    }
    FUZZ_CHECK(snd != NULL);
    {
        char buf[64];
        const char *named = named_address(json, json_len, buf, sizeof buf);
        tk_address got, want;
        FUZZ_CHECK(tk_sender_address(snd, &got) == TK_OK);
        if (named != NULL) {
            /* The keystore's address is hex with or without 0x. */
            char hex[43] = "0x";
            size_t off = (named[0] == '0' && (named[1] == 'x' || named[1] == 'X'))
                             ? 2 : 0;
            FUZZ_CHECK(strlen(named + off) == 40);
            memcpy(hex + 2, named + off, 40);
            hex[42] = '\0';
            for (size_t i = 2; i < 42; i++)
                if (hex[i] >= 'A' && hex[i] <= 'F')
                    hex[i] = (char)(hex[i] - 'A' + 'a');
            FUZZ_CHECK(tk_address_from_hex(&want, hex, 42) == TK_OK);
            FUZZ_CHECK(memcmp(&got, &want, sizeof got) == 0);
        }
    }
    tk_sender_destroy(snd);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* The sender object: creation from a key or a keystore, destruction,
 * address, and signing one ticket. */
#include "sender_internal.h"

#include "core/internal.h"
#include "core/memzero.h"
#include "crypto/keystore.h"
#include "ticket/keys.h"
#include "ticket/signature.h"

#include <stdlib.h>
#include <string.h>

/* The checks both constructors share; out is known non-NULL. */
static tk_status check_common(const tk_ctx *ctx, const tk_chain *chain,
                              const tk_sender_config *config)
{
    TK_ARG_CHECK(ctx, chain != NULL);
    TK_ARG_CHECK(ctx, chain->last_block != NULL);
    TK_ARG_CHECK(ctx, chain->rounds != NULL);
    TK_ARG_CHECK(ctx, chain->sender_funds != NULL);
    TK_ARG_CHECK(ctx, config != NULL);
    TK_ARG_CHECK(ctx, config->deposit_multiplier >= 1);
    return TK_OK;
}

/* Build a sender around a key the caller has not validated yet. The caller
 * wipes its own copy of the key. */
static tk_status sender_new(const tk_ctx *ctx, tk_sender **out,
                            const tk_chain *chain,
                            const tk_sender_config *config,
                            const uint8_t seckey32[32])
{
    tk_address addr;
    tk_sender *s;
    tk_status st;

    st = tk_key_verify(ctx, seckey32);
    if (st != TK_OK)
        return st;
    st = tk_key_address(ctx, &addr, seckey32);
    if (st != TK_OK)
        return st;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return TK_ERR_NOMEM;
    }
    s->ctx = ctx;
    s->chain = *chain;
    s->config = *config;
    s->address = addr;
    memcpy(s->seckey, seckey32, sizeof s->seckey);
    *out = s;
    return TK_OK;
}

tk_status tk_sender_create(const tk_ctx *ctx, tk_sender **out,
                           const tk_chain *chain,
                           const tk_sender_config *config,
                           const uint8_t seckey32[32])
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    st = check_common(ctx, chain, config);
    if (st != TK_OK)
        return st;
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    return sender_new(ctx, out, chain, config, seckey32);
}

tk_status tk_sender_create_from_keystore(const tk_ctx *ctx, tk_sender **out,
                                         const tk_chain *chain,
                                         const tk_sender_config *config,
                                         const char *json, size_t json_len,
                                         const char *passphrase,
                                         size_t passphrase_len)
{
    uint8_t key[TK_PRIVKEY_LEN];
    tk_status st;

    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, out != NULL);
    *out = NULL;
    st = check_common(ctx, chain, config);
    if (st != TK_OK)
        return st;
    TK_ARG_CHECK(ctx, json != NULL);
    TK_ARG_CHECK(ctx, passphrase != NULL || passphrase_len == 0);

    st = tk__keystore_load(ctx, key, json, json_len, passphrase,
                           passphrase_len);
    if (st != TK_OK)
        goto out;
    st = sender_new(ctx, out, chain, config, key);
out:
    tk__memzero(key, sizeof key);
    return st;
}

void tk_sender_destroy(tk_sender *sender)
{
    if (sender == NULL)
        return;
    tk__sessions_free_all(sender);
    pthread_mutex_destroy(&sender->mu);
    tk__memzero(sender->seckey, sizeof sender->seckey);
    free(sender);
}

tk_status tk_sender_address(const tk_sender *sender, tk_address *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(sender != NULL);
    *out = sender->address;
    return TK_OK;
}

tk_status tk_sender_sign_ticket(tk_sender *sender, tk_sig *sig,
                                const tk_ticket *ticket)
{
    tk_hash h;
    tk_status st;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK(sender->ctx, ticket != NULL);
    TK_ARG_CHECK(sender->ctx, memcmp(&ticket->sender, &sender->address,
                                     sizeof sender->address) == 0);
    TK_ARG_CHECK(sender->ctx, ticket->creation_round >= 0);
    st = tk_ticket_hash(&h, ticket);
    if (st == TK_OK)
        st = tk_eth_sign(sender->ctx, sig, sender->seckey, &h);
    if (st != TK_OK)
        memset(sig, 0, sizeof *sig);
    return st;
}

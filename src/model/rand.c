/* SPDX-License-Identifier: MIT */
/* Commit-reveal randomness and the winning rule (docs/protocol-notes.md
 * section 3).
 * These run once per ticket: no heap, no GMP, and every buffer that held
 * recipientRand or the recipient secret is wiped before return. */
#include "core/internal.h"
#include "core/memzero.h"
#include "crypto/checkmem.h"
#include "crypto/hmac.h"
#include "model/rand_message.h"

#include "ticket/keccak.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <string.h>

tk_status tk_rand_hash(tk_hash *out, const tk_u256 *rand)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(rand != NULL);
    /* Keccak is constant time and wipes its own state. */
    (void)tk_keccak256(out, rand->bytes, TK_U256_LEN);
    return TK_OK;
}

/* Append B(x), the minimal big-endian encoding (zero is empty). */
static uint8_t *put_minimal(uint8_t *p, const tk_u256 *x)
{
    const uint8_t *m;
    size_t n;

    (void)tk_u256_minimal(&m, &n, x);
    memcpy(p, m, n);
    return p + n;
}

tk_status tk__rand_message(uint8_t out[TK_RAND_MESSAGE_MAX], size_t *len,
                           const tk_address *sender,
                           const tk_ticket_params *params)
{
    uint8_t *p = out;
    size_t auxlen;
    tk_price price;
    tk_status st;

    *len = 0;
    st = tk_price_reduce(&price, &params->price);
    if (st != TK_OK)
        return st;
    p = put_minimal(p, &params->seed);
    memcpy(p, sender->bytes, TK_ADDRESS_LEN);
    p += TK_ADDRESS_LEN;
    p = put_minimal(p, &params->face_value);
    p = put_minimal(p, &params->win_prob);
    p = put_minimal(p, &params->expiration_block);
    p = put_minimal(p, &price.num);
    p = put_minimal(p, &price.den);
    (void)tk_aux_data(p, &auxlen, params->creation_round,
                      &params->creation_round_block_hash);
    *len = (size_t)(p - out) + auxlen;
    return TK_OK;
}

tk_status tk_rand_derive(tk_u256 *rand, const uint8_t secret32[32],
                         const tk_address *sender,
                         const tk_ticket_params *params)
{
    uint8_t msg[TK_RAND_MESSAGE_MAX];
    size_t len;
    tk_status st;

    TK_ARG_CHECK_NOCTX(rand != NULL);
    memset(rand, 0, sizeof *rand);
    TK_ARG_CHECK_NOCTX(secret32 != NULL && sender != NULL && params != NULL);
    TK_ARG_CHECK_NOCTX(params->creation_round >= 0);
    /* The message is public (the sender echoes it back); only the key and
     * the result are secret, and OpenSSL cleanses its own HMAC state. */
    st = tk__rand_message(msg, &len, sender, params);
    if (st != TK_OK)
        return st;
    return tk__hmac_sha256(rand->bytes, secret32, TK_SECRET_LEN, msg, len);
}

tk_status tk__rand_derive_keyed(tk_u256 *rand, const tk__hmac_key *key,
                                const tk_address *sender,
                                const tk_ticket_params *params)
{
    uint8_t msg[TK_RAND_MESSAGE_MAX];
    size_t len;
    tk_status st;

    memset(rand, 0, sizeof *rand);
    TK_ARG_CHECK_NOCTX(params->creation_round >= 0); /* as tk_rand_derive */
    st = tk__rand_message(msg, &len, sender, params);
    if (st != TK_OK)
        return st;
    return tk__hmac_key_mac(key, rand->bytes, msg, len);
}

tk_status tk_ticket_wins(int *wins, tk_u256 *win_value, const tk_sig *sig,
                         const tk_u256 *rand, const tk_u256 *win_prob)
{
    uint8_t buf[TK_SIG_LEN + TK_U256_LEN];
    tk_hash h;

    TK_ARG_CHECK_NOCTX(wins != NULL);
    *wins = 0;
    if (win_value != NULL)
        memset(win_value, 0, sizeof *win_value);
    TK_ARG_CHECK_NOCTX(sig != NULL && rand != NULL && win_prob != NULL);
    memcpy(buf, sig->bytes, TK_SIG_LEN);
    memcpy(buf + TK_SIG_LEN, rand->bytes, TK_U256_LEN);
    (void)tk_keccak256(&h, buf, sizeof buf);
    tk__memzero(buf, sizeof buf); /* held recipientRand */
    /* The hash is the public outcome (the contract recomputes it on
     * redemption), so a plain variable-time compare is fine here. */
    TK_DECLASSIFY(h.bytes, sizeof h.bytes);
    *wins = memcmp(h.bytes, win_prob->bytes, TK_U256_LEN) < 0;
    if (win_value != NULL)
        memcpy(win_value->bytes, h.bytes, TK_U256_LEN);
    return TK_OK;
}

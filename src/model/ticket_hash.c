/* SPDX-License-Identifier: MIT */
/* The ticket hash preimage (docs/protocol-notes.md section 2):
 *
 *   recipient(20) || sender(20) || u256(faceValue) || u256(winProb) ||
 *   u256(senderNonce) || recipientRandHash(32) || auxData(64 or 0)
 *
 * 232 bytes, or 168 when auxData is empty. Built in a stack buffer and
 * hashed in one shot: no allocation, no GMP. */
#include "core/internal.h"

#include "ticket/keccak.h"
#include "ticket/ticket.h"
#include "ticket/u256.h"

#include <string.h>

#define PREIMAGE_MAX (2 * TK_ADDRESS_LEN + 4 * 32 + TK_AUX_DATA_LEN)

/* u256(v) of a 64-bit value into 32 bytes. */
static void put_u256_u64(uint8_t out[32], uint64_t v)
{
    int i;
    memset(out, 0, 24);
    for (i = 31; i >= 24; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Caller has checked creation_round >= 0. */
static size_t aux_data(uint8_t out64[64], int64_t creation_round,
                       const tk_hash *block_hash)
{
    if (creation_round == 0 && tk_hash_is_zero(block_hash))
        return 0;
    put_u256_u64(out64, (uint64_t)creation_round);
    memcpy(out64 + 32, block_hash->bytes, TK_HASH_LEN);
    return TK_AUX_DATA_LEN;
}

tk_status tk_aux_data(uint8_t out64[64], size_t *outlen, int64_t creation_round,
                      const tk_hash *block_hash)
{
    TK_ARG_CHECK_NOCTX(out64 != NULL && outlen != NULL);
    memset(out64, 0, TK_AUX_DATA_LEN);
    *outlen = 0;
    TK_ARG_CHECK_NOCTX(block_hash != NULL);
    TK_ARG_CHECK_NOCTX(creation_round >= 0);
    *outlen = aux_data(out64, creation_round, block_hash);
    return TK_OK;
}

tk_status tk_ticket_hash(tk_hash *out, const tk_ticket *t)
{
    uint8_t buf[PREIMAGE_MAX], *p = buf;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(t != NULL);
    TK_ARG_CHECK_NOCTX(t->creation_round >= 0);
    memcpy(p, t->recipient.bytes, TK_ADDRESS_LEN);
    p += TK_ADDRESS_LEN;
    memcpy(p, t->sender.bytes, TK_ADDRESS_LEN);
    p += TK_ADDRESS_LEN;
    memcpy(p, t->face_value.bytes, 32);
    p += 32;
    memcpy(p, t->win_prob.bytes, 32);
    p += 32;
    put_u256_u64(p, t->sender_nonce);
    p += 32;
    memcpy(p, t->recipient_rand_hash.bytes, TK_HASH_LEN);
    p += TK_HASH_LEN;
    p += aux_data(p, t->creation_round, &t->creation_round_block_hash);
    (void)tk_keccak256(out, buf, (size_t)(p - buf));
    return TK_OK;
}

tk_status tk_ticket_from_params(tk_ticket *out, const tk_ticket_params *params,
                                const tk_address *sender, uint32_t sender_nonce)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(params != NULL && sender != NULL);
    out->recipient = params->recipient;
    out->sender = *sender;
    out->face_value = params->face_value;
    out->win_prob = params->win_prob;
    out->sender_nonce = sender_nonce;
    out->recipient_rand_hash = params->recipient_rand_hash;
    out->creation_round = params->creation_round;
    out->creation_round_block_hash = params->creation_round_block_hash;
    return TK_OK;
}

/* SPDX-License-Identifier: MIT */
/* EIP-1559 transactions (eth_tx.h): encoding, signing, strict decoding. */
#include "ticket/eth_tx.h"

#include "core/internal.h"
#include "core/outbuf.h"
#include "crypto/sign_digest.h"
#include "eth/rlp.h"
#include "eth/tx_internal.h"
#include "ticket/keccak.h"

#include <string.h>

static tk_status check_tx(const tk_eth_tx *tx)
{
    TK_ARG_CHECK_NOCTX(tx->data != NULL || tx->data_len == 0);
    TK_ARG_CHECK_NOCTX(tx->has_to == 0 || tx->has_to == 1);
    if (tx->data_len > TK_ETH_TX_DATA_MAX)
        return TK_ERR_INVALID_LENGTH;
    return TK_OK;
}

/* The list items, without the list header: nine fields, and the signature
 * when sig is not NULL. */
static void put_items(tk__rlp_writer *w, const tk_eth_tx *tx,
                      const tk_eth_tx_sig *sig)
{
    tk__rlp_put_u64(w, tx->chain_id);
    tk__rlp_put_u64(w, tx->nonce);
    tk__rlp_put_uint(w, tx->max_priority_fee_per_gas.bytes, TK_U256_LEN);
    tk__rlp_put_uint(w, tx->max_fee_per_gas.bytes, TK_U256_LEN);
    tk__rlp_put_u64(w, tx->gas_limit);
    tk__rlp_put_bytes(w, tx->to.bytes, tx->has_to ? TK_ADDRESS_LEN : 0);
    tk__rlp_put_uint(w, tx->value.bytes, TK_U256_LEN);
    tk__rlp_put_bytes(w, tx->data, tx->data_len);
    tk__rlp_put_list_header(w, 0); /* accessList: [] */
    if (sig != NULL) {
        tk__rlp_put_u64(w, sig->y_parity);
        tk__rlp_put_uint(w, sig->r.bytes, TK_U256_LEN);
        tk__rlp_put_uint(w, sig->s.bytes, TK_U256_LEN);
    }
}

/* 0x02 || rlp(items) into w. */
static void put_tx(tk__rlp_writer *w, const tk_eth_tx *tx,
                   const tk_eth_tx_sig *sig)
{
    static const uint8_t type = TK_ETH_TX_TYPE_1559;
    tk__rlp_writer count = {NULL, NULL, 0};

    put_items(&count, tx, sig);
    tk__rlp_put_raw(w, &type, 1);
    tk__rlp_put_list_header(w, count.len);
    put_items(w, tx, sig);
}

static size_t encoded_len(const tk_eth_tx *tx, const tk_eth_tx_sig *sig)
{
    tk__rlp_writer count = {NULL, NULL, 0};
    put_tx(&count, tx, sig);
    return count.len;
}

static void signing_hash(tk_hash *hash, const tk_eth_tx *tx)
{
    tk_keccak256_state ks;
    tk__rlp_writer w = {NULL, &ks, 0};

    (void)tk_keccak256_init(&ks);
    put_tx(&w, tx, NULL);
    (void)tk_keccak256_final(&ks, hash);
}

static tk_status encode(uint8_t *out, size_t *outlen, const tk_eth_tx *tx,
                        const tk_eth_tx_sig *sig)
{
    size_t cap = 0, need;
    tk__rlp_writer w = {NULL, NULL, 0};
    tk_status st = tk__out_take(out, outlen, &cap);

    if (st != TK_OK)
        return st;
    TK_ARG_CHECK_NOCTX(tx != NULL);
    if ((st = check_tx(tx)) != TK_OK)
        return st;
    need = encoded_len(tx, sig);
    if ((st = tk__out_room(cap, need, outlen)) != TK_OK)
        return st;
    w.p = out;
    put_tx(&w, tx, sig);
    *outlen = w.len;
    return TK_OK;
}

tk_status tk_eth_tx_encode_unsigned(uint8_t *out, size_t *outlen,
                                    const tk_eth_tx *tx)
{
    return encode(out, outlen, tx, NULL);
}

tk_status tk__eth_tx_encode_signed(uint8_t *out, size_t *outlen,
                                   const tk_eth_tx *tx,
                                   const tk_eth_tx_sig *sig)
{
    return encode(out, outlen, tx, sig);
}

tk_status tk_eth_tx_signing_hash(tk_hash *hash, const tk_eth_tx *tx)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(hash != NULL);
    memset(hash, 0, sizeof *hash);
    TK_ARG_CHECK_NOCTX(tx != NULL);
    if ((st = check_tx(tx)) != TK_OK)
        return st;
    signing_hash(hash, tx);
    return TK_OK;
}

tk_status tk_eth_tx_signed_len_max(size_t *len, const tk_eth_tx *tx)
{
    tk_status st;

    TK_ARG_CHECK_NOCTX(len != NULL);
    *len = 0;
    TK_ARG_CHECK_NOCTX(tx != NULL);
    if ((st = check_tx(tx)) != TK_OK)
        return st;
    *len = tx->data_len + TK_ETH_TX_OVERHEAD_MAX;
    return TK_OK;
}

tk_status tk_eth_tx_sign(const tk_ctx *ctx, uint8_t *raw, size_t *rawlen,
                         tk_hash *tx_hash, const tk_eth_tx *tx,
                         const uint8_t seckey32[32])
{
    uint8_t rs[64];
    int recid = 0;
    size_t cap = 0;
    tk_eth_tx_sig sig;
    tk_hash digest;
    tk__rlp_writer w = {NULL, NULL, 0};
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    if (tx_hash != NULL)
        memset(tx_hash, 0, sizeof *tx_hash);
    TK_ARG_CHECK(ctx, rawlen != NULL);
    cap = *rawlen;
    if (raw != NULL)
        memset(raw, 0, cap);
    *rawlen = 0;
    TK_ARG_CHECK(ctx, raw != NULL || cap == 0);
    TK_ARG_CHECK(ctx, tx != NULL && seckey32 != NULL);
    TK_ARG_CHECK(ctx, tx->data != NULL || tx->data_len == 0);
    TK_ARG_CHECK(ctx, tx->has_to == 0 || tx->has_to == 1);
    if (tx->data_len > TK_ETH_TX_DATA_MAX)
        return TK_ERR_INVALID_LENGTH;
    if (cap < tx->data_len + TK_ETH_TX_OVERHEAD_MAX) {
        *rawlen = tx->data_len + TK_ETH_TX_OVERHEAD_MAX;
        return TK_ERR_BUFFER_TOO_SMALL;
    }
    signing_hash(&digest, tx);
    if ((st = tk__sign_digest(ctx, rs, &recid, seckey32, &digest)) != TK_OK)
        return st;
    sig.y_parity = (uint8_t)recid;
    memcpy(sig.r.bytes, rs, 32);
    memcpy(sig.s.bytes, rs + 32, 32);
    w.p = raw;
    put_tx(&w, tx, &sig);
    *rawlen = w.len;
    if (tx_hash != NULL)
        (void)tk_keccak256(tx_hash, raw, w.len);
    return TK_OK;
}

/* ---- decoding ------------------------------------------------------------*/

static tk_status take_u64(uint64_t *v, const uint8_t **p, size_t *left)
{
    tk__rlp_item it;
    tk_status st = tk__rlp_take(&it, p, left);
    return st != TK_OK ? st : tk__rlp_u64(v, &it);
}

static tk_status take_u256(tk_u256 *v, const uint8_t **p, size_t *left)
{
    tk__rlp_item it;
    tk_status st = tk__rlp_take(&it, p, left);
    return st != TK_OK ? st : tk__rlp_uint(v->bytes, &it);
}

static tk_status take_string(tk__rlp_item *it, const uint8_t **p,
                             size_t *left)
{
    tk_status st = tk__rlp_take(it, p, left);
    if (st == TK_OK && it->is_list)
        st = TK_ERR_MALFORMED;
    return st;
}

static tk_status decode_items(tk_eth_tx *tx, tk_eth_tx_sig *sig,
                              const uint8_t *p, size_t left)
{
    tk__rlp_item it;
    uint64_t y = 0;
    tk_status st;

    if ((st = take_u64(&tx->chain_id, &p, &left)) != TK_OK ||
        (st = take_u64(&tx->nonce, &p, &left)) != TK_OK ||
        (st = take_u256(&tx->max_priority_fee_per_gas, &p, &left)) != TK_OK ||
        (st = take_u256(&tx->max_fee_per_gas, &p, &left)) != TK_OK ||
        (st = take_u64(&tx->gas_limit, &p, &left)) != TK_OK)
        return st;
    if ((st = take_string(&it, &p, &left)) != TK_OK)
        return st;
    if (it.len == TK_ADDRESS_LEN) {
        tx->has_to = 1;
        memcpy(tx->to.bytes, it.p, TK_ADDRESS_LEN);
    } else if (it.len != 0) {
        return TK_ERR_MALFORMED;
    }
    if ((st = take_u256(&tx->value, &p, &left)) != TK_OK ||
        (st = take_string(&it, &p, &left)) != TK_OK)
        return st;
    if (it.len > TK_ETH_TX_DATA_MAX)
        return TK_ERR_INVALID_LENGTH;
    tx->data = it.len > 0 ? it.p : NULL;
    tx->data_len = it.len;
    /* The access list: libticket writes and accepts only the empty one. */
    if ((st = tk__rlp_take(&it, &p, &left)) != TK_OK)
        return st;
    if (!it.is_list || it.len != 0)
        return TK_ERR_MALFORMED;
    if ((st = take_u64(&y, &p, &left)) != TK_OK ||
        (st = take_u256(&sig->r, &p, &left)) != TK_OK ||
        (st = take_u256(&sig->s, &p, &left)) != TK_OK)
        return st;
    if (y > 1 || left != 0)
        return TK_ERR_MALFORMED;
    sig->y_parity = (uint8_t)y;
    return TK_OK;
}

tk_status tk_eth_tx_decode(tk_eth_tx *tx, tk_eth_tx_sig *sig,
                           const uint8_t *raw, size_t rawlen)
{
    tk__rlp_item list;
    size_t used = 0;
    tk_status st;

    TK_ARG_CHECK_NOCTX(tx != NULL);
    memset(tx, 0, sizeof *tx);
    TK_ARG_CHECK_NOCTX(sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK_NOCTX(raw != NULL || rawlen == 0);
    if (rawlen < 1 || raw[0] != TK_ETH_TX_TYPE_1559)
        return TK_ERR_MALFORMED;
    st = tk__rlp_next(&list, &used, raw + 1, rawlen - 1);
    if (st == TK_OK && (!list.is_list || used != rawlen - 1))
        st = TK_ERR_MALFORMED;
    if (st == TK_OK)
        st = decode_items(tx, sig, list.p, list.len);
    if (st != TK_OK) {
        memset(tx, 0, sizeof *tx);
        memset(sig, 0, sizeof *sig);
    }
    return st;
}

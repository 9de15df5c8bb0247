/* SPDX-License-Identifier: MIT */
/* The TicketBroker calls of the redemption path: usedTickets, and the
 * broadcaster's fundDepositAndReserve, unlock, cancelUnlock, withdraw
 * (through the node's transaction sender, waited for). */
#include "eth/redeem_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <string.h>

tk_status tk__broker_used(tk_rpc *rpc, const tk_address *broker,
                          const tk_hash *ticket_hash, const char *tag,
                          uint64_t block, int *used)
{
    tk_rpc_call_args args;
    tk_u256 word;
    uint8_t data[4 + 32], out[32];
    size_t len = sizeof data, outlen = sizeof out;
    tk_status st;

    *used = 0;
    memcpy(word.bytes, ticket_hash->bytes, 32);
    st = tk_abi_encode_call(data, &len, TK_ABI_SEL_USED_TICKETS, &word, 1);
    memset(&args, 0, sizeof args);
    args.to = broker;
    args.data = data;
    args.data_len = len;
    if (st == TK_OK)
        st = tk_rpc_call(rpc, out, &outlen, &args, tag, block);
    if (st == TK_OK)
        st = tk_abi_decode_bool(used, out, outlen);
    return st;
}

/* Send, wait, forget: the outcome in *out. */
static tk_status transact(tk_eth_sender *s, tk_eth_tx_outcome *out,
                          const tk_address *broker, const tk_u256 *value,
                          const uint8_t *data, size_t len, long timeout_ms)
{
    tk_eth_send_request req;
    uint64_t id = 0;
    tk_status st;

    memset(&req, 0, sizeof req);
    req.to = broker;
    if (value != NULL)
        req.value = *value;
    req.data = data;
    req.data_len = len;
    st = tk_eth_sender_send(s, &id, &req);
    if (st == TK_OK)
        st = tk_eth_sender_wait(s, id, timeout_ms, 50, out);
    if (st != TK_OK)
        return st; /* TK_ERR_TIMEOUT: still tracked, it may be mined */
    (void)tk_eth_sender_forget(s, id);
    if (out->state == TK_ETH_TX_REVERTED)
        return TK_ERR_RPC_REVERTED;
    if (out->state == TK_ETH_TX_FAILED)
        return out->failure != TK_OK ? out->failure : TK_ERR_TX_NONCE_TAKEN;
    return TK_OK;
}

tk_status tk_eth_broker_fund(tk_eth_sender *s, tk_rpc *rpc,
                             tk_eth_tx_outcome *out,
                             const tk_address *broker, const tk_u256 *deposit,
                             const tk_u256 *reserve, long timeout_ms)
{
    tk_eth_tx_outcome local;
    tk_u256 words[2], value;
    uint8_t data[4 + 64];
    size_t len = sizeof data;
    mpz_t a, b;
    tk_status st;

    if (out == NULL)
        out = &local;
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && rpc != NULL && broker != NULL &&
                       deposit != NULL &&
                       reserve != NULL && timeout_ms >= 0);
    mpz_inits(a, b, NULL);
    (void)tk_u256_to_mpz(a, deposit);
    (void)tk_u256_to_mpz(b, reserve);
    mpz_add(a, a, b);
    st = tk_u256_from_mpz(&value, a) == TK_OK ? TK_OK : TK_ERR_OVERFLOW;
    mpz_clears(a, b, NULL);
    words[0] = *deposit;
    words[1] = *reserve;
    if (st == TK_OK)
        st = tk_abi_encode_call(data, &len,
                                TK_ABI_SEL_FUND_DEPOSIT_AND_RESERVE, words, 2);
    if (st == TK_OK)
        st = transact(s, out, broker, &value, data, len, timeout_ms);
    return st;
}

tk_status tk_eth_broker_call0(tk_eth_sender *s, tk_rpc *rpc,
                              tk_eth_tx_outcome *out,
                              const tk_address *broker,
                              tk_eth_broker_call call, long timeout_ms)
{
    static const uint32_t sel[] = {TK_ABI_SEL_UNLOCK,
                                   TK_ABI_SEL_CANCEL_UNLOCK,
                                   TK_ABI_SEL_WITHDRAW};
    tk_eth_tx_outcome local;
    uint8_t data[4];
    size_t len = sizeof data;
    tk_status st;

    if (out == NULL)
        out = &local;
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(s != NULL && rpc != NULL && broker != NULL &&
                       timeout_ms >= 0);
    TK_ARG_CHECK_NOCTX((unsigned)call <= (unsigned)TK_ETH_BROKER_WITHDRAW);
    st = tk_abi_encode_call(data, &len, sel[call], NULL, 0);
    if (st == TK_OK)
        st = transact(s, out, broker, NULL, data, len, timeout_ms);
    return st;
}

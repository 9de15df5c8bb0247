/* SPDX-License-Identifier: MIT */
/* The broadcaster's calls on the TicketBroker: fundDepositAndReserve,
 * unlock, cancelUnlock, withdraw. Each is estimated (a revert is not
 * sent), sent, and waited for. */
#include "eth/redeem_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <gmp.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static tk_status transact(const tk_ctx *ctx, tk_rpc *rpc, tk_hash *tx_hash,
                          tk_rpc_receipt *receipt,
                          const tk_eth_redeemer_options *o,
                          const tk_u256 *value, const uint8_t *data,
                          size_t len, long timeout_ms)
{
    tk__account a;
    tk_rpc_receipt rc;
    tk_hash h;
    uint64_t gas = 0;
    long deadline;
    int found = 0;
    tk_status st = tk__account_init(&a, ctx, rpc, o);

    memset(&h, 0, sizeof h);
    memset(&rc, 0, sizeof rc);
    if (st == TK_OK)
        st = tk__account_estimate(&a, &gas, &o->broker, value, data, len);
    if (st == TK_OK)
        st = tk__account_send(&a, &h, &o->broker, value, data, len,
                              tk__gas_with_margin(gas, o->gas_margin_pct));
    deadline = now_ms() + timeout_ms;
    while (st == TK_OK && !found) {
        st = tk_rpc_get_receipt(rpc, &rc, &found, &h);
        if (st == TK_OK && !found) {
            if (now_ms() >= deadline)
                st = TK_ERR_STATE; /* sent, not mined yet: it may be */
            else
                sleep_ms(50);
        }
    }
    if (st == TK_OK && rc.status != 1)
        st = TK_ERR_RPC_REVERTED;
    tk__account_wipe(&a);
    if (tx_hash != NULL)
        *tx_hash = h;
    if (receipt != NULL)
        *receipt = rc;
    return st;
}

static int options_ok(const tk_eth_redeemer_options *o)
{
    static const tk_address zero;
    return o->seckey != NULL && o->chain_id != 0 &&
           memcmp(&o->broker, &zero, sizeof zero) != 0;
}

tk_status tk_eth_broker_fund(const tk_ctx *ctx, tk_rpc *rpc, tk_hash *tx_hash,
                             tk_rpc_receipt *receipt,
                             const tk_eth_redeemer_options *opts,
                             const tk_u256 *deposit, const tk_u256 *reserve,
                             long timeout_ms)
{
    tk_u256 words[2], value;
    uint8_t data[4 + 64];
    size_t len = sizeof data;
    mpz_t a, b;
    tk_status st;

    if (tx_hash != NULL)
        memset(tx_hash, 0, sizeof *tx_hash);
    if (receipt != NULL)
        memset(receipt, 0, sizeof *receipt);
    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, rpc != NULL && opts != NULL && deposit != NULL &&
                          reserve != NULL && timeout_ms >= 0);
    TK_ARG_CHECK(ctx, options_ok(opts));
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
        st = transact(ctx, rpc, tx_hash, receipt, opts, &value, data, len,
                      timeout_ms);
    return st;
}

tk_status tk_eth_broker_call0(const tk_ctx *ctx, tk_rpc *rpc,
                              tk_hash *tx_hash, tk_rpc_receipt *receipt,
                              const tk_eth_redeemer_options *opts,
                              tk_eth_broker_call call, long timeout_ms)
{
    static const uint32_t sel[] = {TK_ABI_SEL_UNLOCK,
                                   TK_ABI_SEL_CANCEL_UNLOCK,
                                   TK_ABI_SEL_WITHDRAW};
    uint8_t data[4];
    size_t len = sizeof data;
    tk_status st;

    if (tx_hash != NULL)
        memset(tx_hash, 0, sizeof *tx_hash);
    if (receipt != NULL)
        memset(receipt, 0, sizeof *receipt);
    TK_ARG_CHECK_NOCTX(ctx != NULL);
    TK_ARG_CHECK(ctx, rpc != NULL && opts != NULL && timeout_ms >= 0);
    TK_ARG_CHECK(ctx, options_ok(opts));
    TK_ARG_CHECK(ctx, (unsigned)call <= (unsigned)TK_ETH_BROKER_WITHDRAW);
    st = tk_abi_encode_call(data, &len, sel[call], NULL, 0);
    if (st == TK_OK)
        st = transact(ctx, rpc, tx_hash, receipt, opts, NULL, data, len,
                      timeout_ms);
    return st;
}

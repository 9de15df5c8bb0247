/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_ANVIL_NODE_H
#define TK_TEST_ANVIL_NODE_H

/* The anvil side of the redemption tests (tools/chain/tkchain.py run
 * exports the node and the contracts): raw JSON-RPC for test control
 * (mining, automine, the owner's contract calls), contract reads, and a
 * loopback TCP relay in front of anvil that a test can stop and start to
 * kill the node's endpoint mid-run. Test helpers only. */

#include "ticket/abi.h"
#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/rpc.h"

#include <jansson.h>

#define ANVIL_DEV_ACCOUNTS 10 /* tkchain.py's default */

typedef struct anvil_env {
    const char *url;
    uint64_t chain_id;
    tk_address controller, broker, rounds, bonding;
    uint8_t keys[ANVIL_DEV_ACCOUNTS][32];
    tk_address accounts[ANVIL_DEV_ACCOUNTS];
} anvil_env;

/* Read the environment tkchain.py exports; fails the test if missing. */
void anvil_env_load(anvil_env *e);

/* An rpc client for the given endpoints (quick failure: no retries). */
tk_rpc *anvil_rpc(const tk_ctx *ctx, const char *const *urls, size_t n);

/* method(params) -> result (new reference; fails the test on error). */
json_t *anvil_raw(tk_rpc *rpc, const char *method, json_t *params);

/* eth_sendTransaction from an unlocked dev account; with automine, waits
 * for the receipt and returns its status (1/0); without, returns -1. */
int anvil_send_from(tk_rpc *rpc, const tk_address *from, const tk_address *to,
                    const uint8_t *data, size_t len, uint64_t tip_gwei);
/* A contract call of static words from an unlocked account. */
int anvil_call_from(tk_rpc *rpc, const tk_address *from, const tk_address *to,
                    uint32_t selector, const tk_u256 *words, size_t n);
/* The selector of a signature (for the test contracts' controls). */
uint32_t anvil_selector(const char *signature);

void anvil_mine(tk_rpc *rpc, uint64_t blocks);
void anvil_automine(tk_rpc *rpc, int on);
uint64_t anvil_block(tk_rpc *rpc);
/* Balance of an account, exact. */
tk_u256 anvil_balance(tk_rpc *rpc, const tk_address *a);
int anvil_used(tk_rpc *rpc, const tk_address *broker, const tk_hash *ticket);
tk_abi_sender_info anvil_sender_info(tk_rpc *rpc, const tk_address *broker,
                                     const tk_address *sender);
uint64_t anvil_current_round(tk_rpc *rpc, const tk_address *rounds);

/* The next round, initialized (the owner's test controls). */
void anvil_new_round(tk_rpc *rpc, const anvil_env *e);

/* A loopback TCP relay to anvil's port: one thread, stoppable. */
typedef struct anvil_relay anvil_relay;
anvil_relay *anvil_relay_start(const char *target_url, char *url, size_t cap);
void anvil_relay_stop(anvil_relay *r);   /* closes every connection */
void anvil_relay_resume(anvil_relay *r); /* listens again, same port */
void anvil_relay_free(anvil_relay *r);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_FLEET_PROCS_H
#define TK_TEST_FLEET_PROCS_H

/* The multi-process fleet test (test_fleet_procs.c): what the parent and
 * the node processes (fleet_node.c) share. The "chain" the nodes redeem on
 * is a SQLite file of the test (chain.db): the head block the parent sets,
 * the used ticket hashes, every transaction and every (ticket, transaction)
 * submission. A transaction is mined when it is submitted. */

#include "ticket/chain.h"
#include "ticket/common.h"
#include "ticket/context.h"

#include <sqlite3.h>
#include <stdint.h>

#define FLEET_START 1000
#define FLEET_EV 5000000000ull    /* 5 gwei per ticket */
#define FLEET_SENDERS 3
#define FLEET_NODES 3
#define FLEET_LEASE_MS 3000

/* Parent -> node: a u32 length then a wire Payment; these lengths are
 * commands instead. */
#define FLEET_MSG_QUIT 0u
#define FLEET_MSG_ACK 0xffffffffu

/* Node -> parent, one record per ticket of a received payment (all of a
 * payment's records in one write: atomic on a pipe), or an ack. */
typedef struct fleet_record {
    uint8_t ticket_hash[32];
    int32_t status;      /* the ticket's result; FLEET_ACK for an ack */
    uint8_t wins;
    uint8_t node;
    uint8_t first;       /* 1 on a payment's first record */
    uint8_t pad;
    uint64_t credited;   /* first record: the payment's credit divided by
                            one ticket's EV (a whole number) */
} fleet_record;
#define FLEET_ACK 12345

/* The three secrets' owners: nodes 0 and 1 share secret 0, node 2 has 1. */
void fleet_secret(uint8_t out[32], int group);
int fleet_group_of(int node);
void fleet_sender_key(uint8_t out[32], int s);
void fleet_recipient_address(tk_address *out);

/* chain.db */
sqlite3 *fleet_chain_open(const char *dir);
uint64_t fleet_chain_head(sqlite3 *db);

/* The recipient's config (both modes: see fleet_anvil.c). */
#include "ticket/monitor.h"
#include "ticket/recipient.h"
#include "ticket/store.h"
void fleet_recipient_config(tk_recipient_config *rc);

/* ---- TK_FLEET_CHAIN=anvil (fleet_anvil.c; under tools/chain/tkchain.py) --
 * The nodes redeem on anvil instead of chain.db. */
int fleet_on_anvil(void);
/* Parent: load the harness's environment, make the recipient an active
 * transcoder, fund the senders on-chain, and give the chain view the
 * issuers and senders use (polled) and the senders' keys. */
void fleet_anvil_parent_setup(const tk_ctx *ctx, tk_chain *view,
                              uint8_t keys[FLEET_SENDERS][32]);
void fleet_anvil_parent_poll(void);
void fleet_anvil_mine(uint64_t blocks);
void fleet_anvil_parent_teardown(void);
/* Wait until the gas account sent a transaction since the last mine (the
 * redemption began); note the lease holder was killed (counts the gas
 * account's transactions before and after, checked at the end). */
void fleet_anvil_wait_redemption(void);
void fleet_anvil_killed(void);
/* Every stored winner used on chain and carried by exactly one successful
 * transaction of the gas account, nothing else redeemed, the recipient
 * paid exactly their face values. */
void fleet_anvil_check_end(const tk_store *store, size_t *n_winners,
                           size_t *n_txs);
/* Node: a chain view over anvil, then the fleet's eth redeemer. */
typedef struct fleet_anvil_node fleet_anvil_node;
tk_status fleet_anvil_node_open(const tk_ctx *ctx, fleet_anvil_node **out,
                                tk_chain *view);
tk_status fleet_anvil_node_redeemer(const tk_ctx *ctx, fleet_anvil_node *n,
                                    const char *holder, const tk_store *store,
                                    tk_monitor *mon);
tk_status fleet_anvil_node_sync(fleet_anvil_node *n);
tk_status fleet_anvil_node_on_block(fleet_anvil_node *n, int *leading);
void fleet_anvil_node_close(fleet_anvil_node *n, int release);

/* A node process: never returns. */
void fleet_node_main(int node, const char *dir, const char *holder, int in_fd,
                     int out_fd);

#endif

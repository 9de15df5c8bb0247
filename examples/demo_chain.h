/* SPDX-License-Identifier: MIT */
#ifndef TICKET_DEMO_CHAIN_H
#define TICKET_DEMO_CHAIN_H

/* The demo on a real node (run-demo.sh without --dev-chain: anvil started
 * by tools/chain/tkchain.py, which deploys the test contracts). Both sides
 * read the chain through a tk_chain_rpc view (chain_rpc.h) that a thread
 * polls; the broadcaster funds its deposit and reserve on-chain
 * (tk_eth_broker_fund), the transcoder redeems its winners on-chain at the
 * end (tk_eth_redeemer, batched), gas paid by a separate account so that
 * the recipient's balance grows by exactly the face values.
 *
 * Flags (both programs): --rpc URL --controller ADDR --chain-id N
 * --key 0xHEX (the node's identity: the broadcaster's sender key, the
 * transcoder's recipient key); the transcoder also --redeem-key 0xHEX (the
 * account that pays the redemptions' gas). */

#include <pthread.h>

#include "ticket/chain.h"
#include "ticket/chain_rpc.h"
#include "ticket/context.h"
#include "ticket/eth_redeem.h"
#include "ticket/eth_sender.h"
#include "ticket/rpc.h"

typedef struct demo_chain {
    const char *url;        /* NULL: the in-process dev chain */
    tk_address controller;
    uint64_t chain_id;
    uint8_t key[32];        /* the node's key */
    uint8_t redeem_key[32]; /* the transcoder's gas account */
    int has_key, has_redeem_key;
    /* Running: */
    tk_chain_rpc *view;
    tk_chain chain;
    pthread_t poller;
    int polling;
    pthread_mutex_t mu;
    int stop;               /* under mu */
} demo_chain;

/* Take one of the flags above (argv[*i] and its value). 1 taken, 0 not
 * ours, -1 bad value. */
int demo_chain_flag(demo_chain *dc, int argc, char **argv, int *i);

/* Open the view for `recipient` (the transcoder's address; the
 * broadcaster passes its own), poll it once, start the poller thread.
 * 1 on success (a message on stderr otherwise). */
int demo_chain_open(demo_chain *dc, tk_ctx *ctx, const tk_address *recipient);

/* Make sure the view holds `sender` (a first poll after watching it). */
int demo_chain_watch(demo_chain *dc, const tk_address *sender);

/* The view's current L1 block (0 if unknown). */
uint64_t demo_chain_block(demo_chain *dc);

/* Broadcaster: fundDepositAndReserve(deposit, reserve) from the node's key,
 * then wait until the view shows the funds. Prints the transaction. */
int demo_chain_fund(demo_chain *dc, tk_ctx *ctx, const tk_address *self,
                    const tk_u256 *deposit, const tk_u256 *reserve);

/* Transcoder: redeem every stored winner on-chain (waits for their params
 * to expire: run-demo.sh mines the blocks), printing each transaction.
 * Gives up after timeout_s. 1 when no winner is left to redeem. */
int demo_chain_redeem(demo_chain *dc, tk_ctx *ctx, const tk_store *store,
                      tk_monitor *monitor, unsigned timeout_s);

void demo_chain_close(demo_chain *dc);

/* For the fleet's redeemer (demo_fleet.h): what a redeemer needs (the
 * options with the broker, the queue config, a transaction sender from
 * the gas account --redeem-key over its own rpc client;
 * TK_ERR_ILLEGAL_ARG, with a message, without the key); a transaction
 * sender for key over its own rpc client; the line printed per redemption transaction
 * (a tk_eth_redeem_tx_fn); the count of winners not yet final (NEW,
 * FAILED, SUBMITTED); a nap. */
tk_status demo_chain_redeem_setup(demo_chain *dc, tk_ctx *ctx, tk_eth_redeemer_options *o,
                                  tk_redeem_config *cfg, tk_rpc **rpc, tk_eth_sender **snd);
tk_status demo_chain_open_sender(demo_chain *dc, tk_ctx *ctx, tk_rpc **rpc,
                                 tk_eth_sender **s, const uint8_t key[32]);
void demo_chain_print_tx(const tk_eth_redeem_tx_event *ev, void *data);
tk_status demo_chain_open_winners(const tk_store *store, size_t *open);
void demo_sleep_ms(long ms);

#endif

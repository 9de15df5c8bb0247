/* SPDX-License-Identifier: MIT */
#ifndef TK_TEST_FAKE_NODE_H
#define TK_TEST_FAKE_NODE_H

/* A fake Ethereum node behind mock_rpc (its handler): a header, the
 * Controller, RoundsManager, BondingManager and TicketBroker reads the
 * chain view makes, eth_gasPrice. Tests change its state between polls
 * (under its lock: the server's threads read it). It checks what a client
 * asks: a contract call at a block other than the header's, or to the
 * wrong contract, is counted in `wrong_calls`. */

#include "mock_rpc.h"
#include "ticket/chain.h"

#include <pthread.h>

#define FAKE_SENDERS_MAX 8

typedef struct fake_sender {
    tk_address addr;
    tk_sender_funds funds;
    uint64_t claimed;          /* by the recipient */
} fake_sender;

typedef struct fake_node {
    pthread_mutex_t mu;
    tk_address controller, broker, rounds, bonding, recipient;
    int register_bonding;      /* 0: the Controller has no BondingManager */
    uint64_t block;            /* header number */
    int has_l1;
    uint64_t l1_block;
    uint64_t current_round, last_round;
    int initialized;
    uint64_t pool_size;
    uint64_t gas_price;
    fake_sender senders[FAKE_SENDERS_MAX];
    size_t n_senders;
    /* Faults: the next answer to `bad_call` (a method, or a selector as
     * "0x8807f36e") is `bad_result` instead (then both are cleared). */
    char bad_call[32];
    char bad_result[256];
    unsigned wrong_calls;
} fake_node;

/* Block 1000, round 10 initialized (hash of round r: 32 bytes r & 0xff,
 * 0x11 for 10), pool 1, gas 1 gwei, fixed contract addresses, no senders. */
void fake_node_init(fake_node *n);
void fake_node_free(fake_node *n);
/* Make m answer as n. */
void fake_node_attach(fake_node *n, mock_rpc *m);
/* The block hash a round gets. */
void fake_round_hash(tk_hash *h, uint64_t round);
/* Add a sender with deposit and reserve (wei). Lock held by the caller
 * or no poll running. */
fake_sender *fake_node_add_sender(fake_node *n, const tk_address *a,
                                  uint64_t deposit, uint64_t reserve);
void fake_node_fault(fake_node *n, const char *call, const char *result);

#endif

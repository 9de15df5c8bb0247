/* SPDX-License-Identifier: MIT */
#ifndef TICKET_DEMO_FLEET_H
#define TICKET_DEMO_FLEET_H

/* A transcoder of the demo's fleet (run-demo.sh --fleet; transcoder
 * --fleet-node NAME): the fleet's redeemer on the chain
 * (tk_eth_fleet_redeemer, eth_fleet.h) instead of the lone node's
 * redeemer. A thread calls its on_block every DEMO_FLEET_TICK_MS with the
 * chain view's block: the node takes or renews the store's redeemer lease
 * and, while it holds it, redeems the fleet's winners - every node's -
 * once their params expired. It prints a line whenever this node starts
 * or stops leading (with the lease's fencing token).
 *
 * All nodes send from the fleet's one gas account (--redeem-key), each
 * through its own transaction sender and rpc client. The store must have
 * the fleet operations (lease, pending: PostgreSQL or SQLite) and the
 * monitor must be the recipient's, shared over it. */

#include "demo_chain.h"

#include "ticket/eth_fleet.h"

#define DEMO_FLEET_TICK_MS 250

typedef struct demo_fleet {
    tk_eth_fleet_redeemer *fr;
    tk_rpc *rpc;
    tk_eth_sender *sender;
    demo_chain *dc;
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    int stop; /* under mu */
} demo_fleet;

/* Create the fleet redeemer for holder (this node's name; the lease lasts
 * lease_ms) and start its thread. 1 on success (a message on stderr
 * otherwise; demo_fleet_stop cleans up either way). */
int demo_fleet_start(demo_fleet *f, demo_chain *dc, tk_ctx *ctx, const tk_store *store,
                     tk_monitor *monitor, const char *holder, uint32_t lease_ms);

/* Wait (up to timeout_s) until no winner in the store is left open -
 * whichever node holds the lease redeems them - then stop the thread, give
 * the lease up and print this node's tenures. 1 when none is left open. */
int demo_fleet_finish(demo_fleet *f, const tk_store *store, unsigned timeout_s);

/* Stop the thread (the lease is not given up: a killed node cannot either)
 * and free. Safe on a zeroed or stopped struct. */
void demo_fleet_stop(demo_fleet *f);

#endif

/* SPDX-License-Identifier: MIT */
#ifndef TK_CHAIN_MEM_ACCOUNTS_H
#define TK_CHAIN_MEM_ACCOUNTS_H

#include "chain_mem_internal.h"

/* Lookups behind the tk_chain view. The caller holds c->mu. Unknown
 * entries read as zero, as the TicketBroker reports them. */
void tk__chain_mem_funds(tk_chain_mem *c, const tk_address *sender,
                         tk_sender_funds *out);
void tk__chain_mem_claimed(tk_chain_mem *c, const tk_address *sender,
                           const tk_address *claimant, tk_u256 *out);
int tk__chain_mem_is_used(tk_chain_mem *c, const tk_hash *ticket_hash);

#endif

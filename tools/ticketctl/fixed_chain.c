/* SPDX-License-Identifier: MIT */
/* A tk_chain whose answers are the values the request gave: ticketctl
 * commands describe one moment of the chain, they do not follow it. */
#include "ticketctl.h"

#include "ticket/u256.h"

#include <string.h>

static tk_status last_block(void *self, uint64_t *block)
{
    *block = ((const tc_chain *)self)->last_block;
    return TK_OK;
}

static tk_status rounds(void *self, tk_round_info *out)
{
    *out = ((const tc_chain *)self)->rounds;
    return TK_OK;
}

static tk_status sender_funds(void *self, const tk_address *sender,
                              tk_sender_funds *out)
{
    (void)sender;
    *out = ((const tc_chain *)self)->funds;
    return TK_OK;
}

static tk_status claimed_reserve(void *self, const tk_address *sender,
                                 const tk_address *claimant, tk_u256 *out)
{
    (void)sender;
    (void)claimant;
    *out = ((const tc_chain *)self)->claimed;
    return TK_OK;
}

static tk_status pool_size(void *self, uint64_t *out)
{
    *out = ((const tc_chain *)self)->pool_size;
    return TK_OK;
}

static tk_status gas_price(void *self, tk_u256 *out)
{
    *out = ((const tc_chain *)self)->gas_price;
    return TK_OK;
}

static tk_status ticket_used(void *self, const tk_hash *ticket_hash, int *used)
{
    (void)self;
    (void)ticket_hash;
    *used = 0;
    return TK_OK;
}

void tc_chain_init(tc_chain *ch, uint64_t last_block_num, int64_t round,
                   const tk_hash *round_hash)
{
    memset(ch, 0, sizeof *ch);
    ch->last_block = last_block_num;
    ch->rounds.current_round = round;
    ch->rounds.current_round_initialized = 1;
    ch->rounds.last_initialized_round = round;
    if (round_hash != NULL)
        ch->rounds.last_initialized_block_hash = *round_hash;
    ch->pool_size = 1;
    (void)tk_u256_from_u64(&ch->gas_price, 1);
}

void tc_chain_iface(tc_chain *ch, tk_chain *out)
{
    memset(out, 0, sizeof *out);
    out->self = ch;
    out->last_block = last_block;
    out->rounds = rounds;
    out->sender_funds = sender_funds;
    out->claimed_reserve = claimed_reserve;
    out->pool_size = pool_size;
    out->gas_price = gas_price;
    out->ticket_used = ticket_used;
}

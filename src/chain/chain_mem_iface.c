/* SPDX-License-Identifier: MIT */
/* The dev chain seen through the tk_chain interface. Each callback takes
 * the chain's mutex, so the view may be shared by any number of threads. */
#include "chain_mem_accounts.h"

#include "core/internal.h"

#include <string.h>

/* Lock the chain behind a callback's self. NULL (and nothing locked) when
 * self or the output is NULL. */
static tk_chain_mem *lock(void *self, const void *out)
{
    tk_chain_mem *c = self;
    if (c == NULL || out == NULL)
        return NULL;
    pthread_mutex_lock(&c->mu);
    return c;
}

static tk_status unlock(tk_chain_mem *c)
{
    pthread_mutex_unlock(&c->mu);
    return TK_OK;
}

static tk_status cb_last_block(void *self, uint64_t *block)
{
    tk_chain_mem *c = lock(self, block);
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    *block = c->block;
    return unlock(c);
}

static tk_status cb_rounds(void *self, tk_round_info *out)
{
    tk_chain_mem *c = lock(self, out);
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    *out = c->rounds;
    return unlock(c);
}

static tk_status cb_sender_funds(void *self, const tk_address *sender,
                                 tk_sender_funds *out)
{
    tk_chain_mem *c = sender != NULL ? lock(self, out) : NULL;
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    tk__chain_mem_funds(c, sender, out);
    return unlock(c);
}

static tk_status cb_claimed_reserve(void *self, const tk_address *sender,
                                    const tk_address *claimant, tk_u256 *out)
{
    tk_chain_mem *c =
        sender != NULL && claimant != NULL ? lock(self, out) : NULL;
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    tk__chain_mem_claimed(c, sender, claimant, out);
    return unlock(c);
}

static tk_status cb_pool_size(void *self, uint64_t *out)
{
    tk_chain_mem *c = lock(self, out);
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    *out = c->pool_size;
    return unlock(c);
}

static tk_status cb_gas_price(void *self, tk_u256 *out)
{
    tk_chain_mem *c = lock(self, out);
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    *out = c->gas_price;
    return unlock(c);
}

static tk_status cb_ticket_used(void *self, const tk_hash *ticket_hash,
                                int *used)
{
    tk_chain_mem *c = ticket_hash != NULL ? lock(self, used) : NULL;
    if (c == NULL)
        return TK_ERR_ILLEGAL_ARG;
    *used = tk__chain_mem_is_used(c, ticket_hash);
    return unlock(c);
}

tk_status tk_chain_mem_iface(tk_chain_mem *chain, tk_chain *out)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(chain != NULL);
    out->self = chain;
    out->last_block = cb_last_block;
    out->rounds = cb_rounds;
    out->sender_funds = cb_sender_funds;
    out->claimed_reserve = cb_claimed_reserve;
    out->pool_size = cb_pool_size;
    out->gas_price = cb_gas_price;
    out->ticket_used = cb_ticket_used;
    return TK_OK;
}

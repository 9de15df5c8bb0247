/* SPDX-License-Identifier: MIT */
/* The dev chain: lifecycle, blocks and rounds. */
#include "chain_mem_internal.h"

#include "core/internal.h"
#include "ticket/keccak.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROUND_LENGTH 100
#define DEFAULT_GAS_PRICE_WEI 1000000000u /* 1 gwei */

void tk__chain_mem_block_hash(tk_hash *out, uint64_t number)
{
    tk_u256 n;
    (void)tk_u256_from_u64(&n, number);
    (void)tk_keccak256(out, n.bytes, sizeof n.bytes);
}

tk_status tk__chain_mem_reserve(void **ptr, size_t *cap, size_t n, size_t elem)
{
    size_t ncap;
    void *p;

    if (n < *cap)
        return TK_OK;
    ncap = *cap != 0 ? *cap * 2 : 8;
    if (ncap <= n || ncap > SIZE_MAX / elem)
        return TK_ERR_NOMEM;
    p = realloc(*ptr, ncap * elem);
    if (p == NULL)
        return TK_ERR_NOMEM;
    *ptr = p;
    *cap = ncap;
    return TK_OK;
}

tk_status tk_chain_mem_create(tk_chain_mem **out, uint64_t start_block)
{
    tk_chain_mem *c;

    TK_ARG_CHECK_NOCTX(out != NULL);
    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return TK_ERR_NOMEM;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return TK_ERR_NOMEM;
    }
    c->block = start_block;
    c->round_length = DEFAULT_ROUND_LENGTH;
    c->round_start = start_block;
    c->auto_init = 1;
    c->rounds.current_round = 1;
    c->rounds.current_round_initialized = 1;
    c->rounds.last_initialized_round = 1;
    tk__chain_mem_block_hash(&c->rounds.last_initialized_block_hash,
                             start_block);
    /* previous_round 0 with a zero hash: nothing before round 1. */
    c->pool_size = 1;
    (void)tk_u256_from_u64(&c->gas_price, DEFAULT_GAS_PRICE_WEI);
    *out = c;
    return TK_OK;
}

void tk_chain_mem_destroy(tk_chain_mem *chain)
{
    if (chain == NULL)
        return;
    pthread_mutex_destroy(&chain->mu);
    free(chain->funds);
    free(chain->claims);
    free(chain->used);
    free(chain);
}

/* Record that `round` was initialized at block `at`. Caller holds mu. */
static void initialize_round(tk_chain_mem *c, int64_t round, uint64_t at)
{
    c->rounds.previous_round = c->rounds.last_initialized_round;
    c->rounds.previous_block_hash = c->rounds.last_initialized_block_hash;
    c->rounds.last_initialized_round = round;
    tk__chain_mem_block_hash(&c->rounds.last_initialized_block_hash, at);
    c->rounds.current_round_initialized = 1;
}

tk_status tk_chain_mem_advance(tk_chain_mem *chain, uint64_t n)
{
    uint64_t block, crossed;
    tk_round_info *r;

    TK_ARG_CHECK_NOCTX(chain != NULL);
    pthread_mutex_lock(&chain->mu);
    r = &chain->rounds;
    if (n > UINT64_MAX - chain->block) {
        pthread_mutex_unlock(&chain->mu);
        return TK_ERR_OVERFLOW;
    }
    block = chain->block + n;
    /* Rounds crossed, computed rather than looped: n may be huge. */
    crossed = (block - chain->round_start) / chain->round_length;
    if (crossed > (uint64_t)(INT64_MAX - r->current_round)) {
        pthread_mutex_unlock(&chain->mu);
        return TK_ERR_OVERFLOW;
    }
    chain->block = block;
    if (crossed > 0) {
        /* round_start + crossed * round_length <= block: no overflow. */
        uint64_t start = chain->round_start + crossed * chain->round_length;
        int64_t round = r->current_round + (int64_t)crossed;
        if (chain->auto_init) {
            /* Every crossed round was initialized at its first block; only
             * the last two matter for the state we keep. */
            if (crossed >= 2)
                initialize_round(chain, round - 1, start - chain->round_length);
            initialize_round(chain, round, start);
        } else {
            r->current_round_initialized = 0;
        }
        r->current_round = round;
        chain->round_start = start;
    }
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

tk_status tk_chain_mem_set_auto_init(tk_chain_mem *chain, int on)
{
    TK_ARG_CHECK_NOCTX(chain != NULL);
    pthread_mutex_lock(&chain->mu);
    chain->auto_init = on != 0;
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

tk_status tk_chain_mem_init_round(tk_chain_mem *chain)
{
    TK_ARG_CHECK_NOCTX(chain != NULL);
    pthread_mutex_lock(&chain->mu);
    if (!chain->rounds.current_round_initialized)
        initialize_round(chain, chain->rounds.current_round, chain->block);
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

tk_status tk_chain_mem_set_round_length(tk_chain_mem *chain, uint64_t blocks)
{
    TK_ARG_CHECK_NOCTX(chain != NULL);
    TK_ARG_CHECK_NOCTX(blocks > 0);
    pthread_mutex_lock(&chain->mu);
    chain->round_length = blocks;
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

tk_status tk_chain_mem_state(tk_chain_mem *chain, uint64_t *block,
                             tk_round_info *rounds)
{
    TK_ARG_CHECK_NOCTX(chain != NULL);
    pthread_mutex_lock(&chain->mu);
    if (block != NULL)
        *block = chain->block;
    if (rounds != NULL)
        *rounds = chain->rounds;
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

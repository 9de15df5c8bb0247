/* SPDX-License-Identifier: MIT */
/* The dev chain: sender funds, claimed reserve, pool size, gas price and
 * used ticket hashes (the setters and the lookups the interface uses). */
#include "chain_mem_accounts.h"

#include "core/internal.h"

#include <stddef.h>
#include <string.h>

/* Entries of both account tables start with their key: the sender (funds)
 * or the sender followed by the claimant (claims). */
_Static_assert(offsetof(struct tk__claim_entry, claimant) == TK_ADDRESS_LEN,
               "claim key is sender || claimant");

static void *find_entry(void *base, size_t n, size_t elem, const void *key,
                        size_t keylen)
{
    uint8_t *p = base;
    for (size_t i = 0; i < n; i++, p += elem)
        if (memcmp(p, key, keylen) == 0)
            return p;
    return NULL;
}

/* The entry with this key, appended (zeroed, key set) if missing. NULL
 * when out of memory. */
static void *upsert(void **base, size_t *n, size_t *cap, size_t elem,
                    const void *key, size_t keylen)
{
    uint8_t *e = find_entry(*base, *n, elem, key, keylen);
    if (e != NULL)
        return e;
    if (tk__chain_mem_reserve(base, cap, *n, elem) != TK_OK)
        return NULL;
    e = (uint8_t *)*base + (*n)++ * elem;
    memset(e, 0, elem);
    memcpy(e, key, keylen);
    return e;
}

static struct tk__funds_entry *find_funds(tk_chain_mem *c,
                                          const tk_address *sender)
{
    return find_entry(c->funds, c->nfunds, sizeof *c->funds, sender,
                      sizeof *sender);
}

static struct tk__claim_entry *find_claim(tk_chain_mem *c,
                                          const tk_address *sender,
                                          const tk_address *claimant)
{
    tk_address key[2] = {*sender, *claimant};
    return find_entry(c->claims, c->nclaims, sizeof *c->claims, key,
                      sizeof key);
}

/* Index of the first used hash >= h (binary search); *found if equal. */
static size_t used_lower_bound(const tk_chain_mem *c, const tk_hash *h,
                               int *found)
{
    size_t lo = 0, hi = c->nused;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(&c->used[mid], h, sizeof *h) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->nused && memcmp(&c->used[lo], h, sizeof *h) == 0;
    return lo;
}

tk_status tk_chain_mem_set_sender_funds(tk_chain_mem *chain,
                                        const tk_address *sender,
                                        const tk_sender_funds *funds)
{
    struct tk__funds_entry *e;

    TK_ARG_CHECK_NOCTX(chain != NULL);
    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK_NOCTX(funds != NULL);
    pthread_mutex_lock(&chain->mu);
    e = upsert((void **)&chain->funds, &chain->nfunds, &chain->capfunds,
               sizeof *chain->funds, sender, sizeof *sender);
    if (e != NULL)
        e->funds = *funds;
    pthread_mutex_unlock(&chain->mu);
    return e != NULL ? TK_OK : TK_ERR_NOMEM;
}

tk_status tk_chain_mem_set_claimed(tk_chain_mem *chain,
                                   const tk_address *sender,
                                   const tk_address *claimant,
                                   const tk_u256 *claimed)
{
    struct tk__claim_entry *e;
    tk_address key[2];

    TK_ARG_CHECK_NOCTX(chain != NULL);
    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK_NOCTX(claimant != NULL);
    TK_ARG_CHECK_NOCTX(claimed != NULL);
    key[0] = *sender;
    key[1] = *claimant;
    pthread_mutex_lock(&chain->mu);
    e = upsert((void **)&chain->claims, &chain->nclaims, &chain->capclaims,
               sizeof *chain->claims, key, sizeof key);
    if (e != NULL)
        e->claimed = *claimed;
    pthread_mutex_unlock(&chain->mu);
    return e != NULL ? TK_OK : TK_ERR_NOMEM;
}

tk_status tk_chain_mem_set_pool_size(tk_chain_mem *chain, uint64_t n)
{
    TK_ARG_CHECK_NOCTX(chain != NULL);
    pthread_mutex_lock(&chain->mu);
    chain->pool_size = n;
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

tk_status tk_chain_mem_set_gas_price(tk_chain_mem *chain, const tk_u256 *wei)
{
    TK_ARG_CHECK_NOCTX(chain != NULL);
    TK_ARG_CHECK_NOCTX(wei != NULL);
    pthread_mutex_lock(&chain->mu);
    chain->gas_price = *wei;
    pthread_mutex_unlock(&chain->mu);
    return TK_OK;
}

tk_status tk_chain_mem_mark_used(tk_chain_mem *chain,
                                 const tk_hash *ticket_hash)
{
    tk_status st = TK_OK;
    size_t at;
    int found;

    TK_ARG_CHECK_NOCTX(chain != NULL);
    TK_ARG_CHECK_NOCTX(ticket_hash != NULL);
    pthread_mutex_lock(&chain->mu);
    at = used_lower_bound(chain, ticket_hash, &found);
    if (!found) {
        st = tk__chain_mem_reserve((void **)&chain->used, &chain->capused,
                                   chain->nused, sizeof *chain->used);
        if (st == TK_OK) {
            memmove(&chain->used[at + 1], &chain->used[at],
                    (chain->nused - at) * sizeof *chain->used);
            chain->used[at] = *ticket_hash;
            chain->nused++;
        }
    }
    pthread_mutex_unlock(&chain->mu);
    return st;
}

/* ---- lookups for the tk_chain view (caller holds mu) ------------------ */

void tk__chain_mem_funds(tk_chain_mem *c, const tk_address *sender,
                         tk_sender_funds *out)
{
    const struct tk__funds_entry *e = find_funds(c, sender);
    if (e != NULL)
        *out = e->funds;
    else
        memset(out, 0, sizeof *out); /* unknown sender: no funds */
}

void tk__chain_mem_claimed(tk_chain_mem *c, const tk_address *sender,
                           const tk_address *claimant, tk_u256 *out)
{
    const struct tk__claim_entry *e = find_claim(c, sender, claimant);
    if (e != NULL)
        *out = e->claimed;
    else
        memset(out, 0, sizeof *out);
}

int tk__chain_mem_is_used(tk_chain_mem *c, const tk_hash *ticket_hash)
{
    int found;
    (void)used_lower_bound(c, ticket_hash, &found);
    return found;
}

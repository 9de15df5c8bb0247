/* SPDX-License-Identifier: MIT */
/* Pending redemptions and the redeemer lease (store/fleet_table.h). */
#include "store/fleet_table.h"

#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

tk_status tk__u256_add(tk_u256 *a, const tk_u256 *b)
{
    tk_u256 sum;
    unsigned carry = 0;

    for (int i = 31; i >= 0; i--) {
        unsigned v = (unsigned)a->bytes[i] + b->bytes[i] + carry;
        sum.bytes[i] = (uint8_t)v;
        carry = v >> 8;
    }
    if (carry)
        return TK_ERR_OVERFLOW;
    *a = sum;
    return TK_OK;
}

int tk__pending_fits(const tk_u256 *total, const tk_u256 *face_value,
                     const tk_u256 *limit)
{
    tk_u256 sum = *total;

    if (limit == NULL)
        return 1;
    return tk__u256_add(&sum, face_value) == TK_OK &&
           tk_u256_cmp(&sum, limit) <= 0;
}

static tk__pending_entry *pending_find(const tk__pending_table *t,
                                       const tk_hash *h)
{
    for (size_t i = 0; i < t->n; i++)
        if (memcmp(t->v[i].ticket_hash.bytes, h->bytes, TK_HASH_LEN) == 0)
            return &t->v[i];
    return NULL;
}

tk_status tk__pending_table_add(tk__pending_table *t, const tk_hash *ticket_hash,
                                const tk_address *sender,
                                const tk_u256 *face_value,
                                const tk_u256 *limit, int *added)
{
    tk_u256 total;
    tk_status st;

    *added = 0;
    if (pending_find(t, ticket_hash) != NULL)
        return TK_OK; /* counted once, however often it is added */
    st = tk__pending_table_total(t, sender, &total);
    if (st != TK_OK)
        return st;
    if (!tk__pending_fits(&total, face_value, limit))
        return TK_ERR_PENDING_LIMIT;
    if (t->n == t->cap) {
        size_t cap = t->cap == 0 ? 16 : t->cap * 2;
        tk__pending_entry *grown = realloc(t->v, cap * sizeof *grown);
        if (grown == NULL)
            return TK_ERR_NOMEM;
        t->v = grown;
        t->cap = cap;
    }
    t->v[t->n].ticket_hash = *ticket_hash;
    t->v[t->n].sender = *sender;
    t->v[t->n].face_value = *face_value;
    t->n++;
    *added = 1;
    return TK_OK;
}

int tk__pending_table_remove(tk__pending_table *t, const tk_hash *ticket_hash)
{
    tk__pending_entry *e = pending_find(t, ticket_hash);

    if (e == NULL)
        return 0;
    *e = t->v[--t->n];
    return 1;
}

tk_status tk__pending_table_total(const tk__pending_table *t,
                                  const tk_address *sender, tk_u256 *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->n; i++)
        if (memcmp(t->v[i].sender.bytes, sender->bytes, TK_ADDRESS_LEN) == 0 &&
            tk__u256_add(out, &t->v[i].face_value) != TK_OK) {
            memset(out, 0, sizeof *out);
            return TK_ERR_OVERFLOW;
        }
    return TK_OK;
}

void tk__pending_table_free(tk__pending_table *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

int tk__lease_holder_ok(const char *holder)
{
    size_t len = holder != NULL ? strnlen(holder, TK_LEASE_HOLDER_MAX + 1) : 0;
    return len >= 1 && len <= TK_LEASE_HOLDER_MAX;
}

tk_status tk__lease_acquire(tk__lease *l, const char *holder, uint64_t now_ms,
                            uint32_t ttl_ms, uint64_t *token)
{
    int mine = strcmp(l->holder, holder) == 0;
    int live = l->expires_ms > now_ms;

    *token = 0;
    if (live && !mine)
        return TK_ERR_LEASE_HELD;
    if (!(live && mine)) {
        if (l->token == UINT64_MAX)
            return TK_ERR_OVERFLOW;
        l->token++; /* a new tenure: a takeover, or a return after expiry */
        memset(l->holder, 0, sizeof l->holder);
        memcpy(l->holder, holder, strlen(holder));
    }
    l->expires_ms = now_ms + ttl_ms;
    *token = l->token;
    return TK_OK;
}

int tk__lease_release(tk__lease *l, const char *holder)
{
    if (strcmp(l->holder, holder) != 0 || l->expires_ms == 0)
        return 0;
    l->expires_ms = 0;
    return 1;
}

int tk__lease_fence_ok(const tk_lease_fence *f)
{
    return f != NULL && tk__lease_holder_ok(f->holder) && f->token >= 1;
}

tk_status tk__lease_fence_check(const tk__lease *l, const tk_lease_fence *f)
{
    /* No expiry test: every acquisition that starts a tenure (a takeover,
     * or this holder back after its expiry) changes the token, so the
     * token alone tells whether another tenure began. */
    if (strcmp(l->holder, f->holder) != 0 || l->token != f->token)
        return TK_ERR_LEASE_LOST;
    return TK_OK;
}

uint64_t tk__now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* SPDX-License-Identifier: MIT */
/* Sharded exact balances (see balances.h). */
#include "balances.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define MIN_BUCKETS 16

typedef struct balance {
    struct balance *next;
    uint64_t key_hash;
    tk_address sender;
    tk_hash session;
    mpq_t value;
} balance;

typedef struct shard {
    pthread_mutex_t mu;
    balance **buckets; /* nbuckets chains, power of two (or NULL) */
    size_t nbuckets, count;
} shard;

/* Each shard on its own 128 bytes (no false sharing on the mutexes). */
typedef union padded_shard {
    shard sh;
    unsigned char pad[128];
} padded_shard;

struct tk__balances {
    padded_shard shards[SHARDS];
};

_Static_assert(sizeof(shard) <= 128, "a shard fits its padding");

/* Sessions may be chosen by the caller, so mix every byte of the key
 * (splitmix64 finalizer over 8-byte words). */
static uint64_t mix(uint64_t h, uint64_t w)
{
    h ^= w;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return h;
}

static uint64_t key_hash(const tk_address *sender, const tk_hash *session)
{
    uint8_t key[TK_ADDRESS_LEN + TK_HASH_LEN + 4] = {0};
    uint64_t h = 0x6a09e667f3bcc908u;

    memcpy(key, sender->bytes, TK_ADDRESS_LEN);
    memcpy(key + TK_ADDRESS_LEN, session->bytes, TK_HASH_LEN);
    for (size_t i = 0; i < sizeof key; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = mix(h, w);
    }
    return h;
}

static shard *shard_of(tk__balances *b, uint64_t h)
{
    return &b->shards[(h >> 58) % SHARDS].sh;
}

tk_status tk__balances_create(tk__balances **out)
{
    tk__balances *b = calloc(1, sizeof *b);
    int i;

    *out = NULL;
    if (b == NULL)
        return TK_ERR_NOMEM;
    for (i = 0; i < SHARDS; i++) {
        if (pthread_mutex_init(&b->shards[i].sh.mu, NULL) != 0) {
            while (i-- > 0)
                pthread_mutex_destroy(&b->shards[i].sh.mu);
            free(b);
            return TK_ERR_NOMEM;
        }
    }
    *out = b;
    return TK_OK;
}

void tk__balances_destroy(tk__balances *b)
{
    if (b == NULL)
        return;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &b->shards[i].sh;
        for (size_t j = 0; j < s->nbuckets; j++) {
            balance *e = s->buckets[j];
            while (e != NULL) {
                balance *next = e->next;
                mpq_clear(e->value);
                free(e);
                e = next;
            }
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(b);
}

/* The link pointing at the balance of the key, or at the NULL ending its
 * chain. The shard must be locked and have buckets. */
static balance **find(shard *s, uint64_t h, const tk_address *sender, const tk_hash *session)
{
    balance **link = &s->buckets[h & (s->nbuckets - 1)];
    for (; *link != NULL; link = &(*link)->next) {
        const balance *e = *link;
        if (e->key_hash == h && memcmp(e->sender.bytes, sender->bytes, TK_ADDRESS_LEN) == 0 &&
            memcmp(e->session.bytes, session->bytes, TK_HASH_LEN) == 0)
            return link;
    }
    return link;
}

static void grow(shard *s)
{
    size_t n = s->nbuckets == 0 ? MIN_BUCKETS : s->nbuckets * 2;
    balance **buckets = calloc(n, sizeof *buckets);

    if (buckets == NULL)
        return; /* keep the longer chains; still correct */
    for (size_t i = 0; i < s->nbuckets; i++) {
        balance *e = s->buckets[i];
        while (e != NULL) {
            balance *next = e->next;
            e->next = buckets[e->key_hash & (n - 1)];
            buckets[e->key_hash & (n - 1)] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = buckets;
    s->nbuckets = n;
}

/* The balance of the key, created at 0 when create is set (NULL when
 * absent, or on NOMEM with create). The shard must be locked. */
static balance *lookup(shard *s, uint64_t h, const tk_address *sender, const tk_hash *session,
                       int create)
{
    balance **link, *e;

    if (s->nbuckets == 0 || (create && s->count >= s->nbuckets))
        grow(s);
    if (s->nbuckets == 0)
        return NULL;
    link = find(s, h, sender, session);
    if (*link != NULL || !create)
        return *link;
    e = malloc(sizeof *e);
    if (e == NULL)
        return NULL;
    e->next = NULL;
    e->key_hash = h;
    e->sender = *sender;
    e->session = *session;
    mpq_init(e->value);
    *link = e;
    s->count++;
    return e;
}

tk_status tk__balances_credit(tk__balances *b, const tk_address *sender, const tk_hash *session,
                              mpq_srcptr amount)
{
    uint64_t h = key_hash(sender, session);
    shard *s = shard_of(b, h);
    balance *e;

    pthread_mutex_lock(&s->mu);
    e = lookup(s, h, sender, session, 1);
    if (e != NULL)
        mpq_add(e->value, e->value, amount);
    pthread_mutex_unlock(&s->mu);
    return e != NULL ? TK_OK : TK_ERR_NOMEM;
}

tk_status tk__balances_debit(tk__balances *b, const tk_address *sender, const tk_hash *session,
                             mpq_srcptr amount, int allow_negative)
{
    uint64_t h = key_hash(sender, session);
    shard *s = shard_of(b, h);
    tk_status st = TK_OK;
    balance *e;

    pthread_mutex_lock(&s->mu);
    e = lookup(s, h, sender, session, allow_negative);
    if (e == NULL)
        st = allow_negative ? TK_ERR_NOMEM : TK_ERR_NOT_FOUND;
    else if (!allow_negative && mpq_cmp(e->value, amount) < 0)
        st = TK_ERR_INSUFFICIENT_BALANCE;
    else
        mpq_sub(e->value, e->value, amount);
    pthread_mutex_unlock(&s->mu);
    return st;
}

tk_status tk__balances_get(tk__balances *b, mpq_ptr out, const tk_address *sender,
                           const tk_hash *session)
{
    uint64_t h = key_hash(sender, session);
    shard *s = shard_of(b, h);
    balance *e;

    pthread_mutex_lock(&s->mu);
    e = lookup(s, h, sender, session, 0);
    if (e != NULL)
        mpq_set(out, e->value);
    else
        mpq_set_ui(out, 0, 1);
    pthread_mutex_unlock(&s->mu);
    return e != NULL ? TK_OK : TK_ERR_NOT_FOUND;
}

tk_status tk__balances_clear(tk__balances *b, const tk_address *sender, const tk_hash *session)
{
    uint64_t h = key_hash(sender, session);
    shard *s = shard_of(b, h);
    tk_status st = TK_ERR_NOT_FOUND;

    pthread_mutex_lock(&s->mu);
    if (s->nbuckets > 0) {
        balance **link = find(s, h, sender, session);
        balance *e = *link;
        if (e != NULL) {
            *link = e->next;
            mpq_clear(e->value);
            free(e);
            s->count--;
            st = TK_OK;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

size_t tk__balances_count(tk__balances *b)
{
    size_t n = 0;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&b->shards[i].sh.mu);
        n += b->shards[i].sh.count;
        pthread_mutex_unlock(&b->shards[i].sh.mu);
    }
    return n;
}

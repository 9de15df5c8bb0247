/* SPDX-License-Identifier: MIT */
/* Sessions: a table of params keyed by recipientRandHash (public data, so a
 * plain sorted array with memcmp), each with an atomic nonce counter.
 *
 * Lifetime: the table holds one reference to each session; a batch holds
 * another while it signs, so tk_sender_session_end() never frees a session
 * under a running batch. Reference counts change under the sender's mutex;
 * the nonce counter is atomic so that batches never take the mutex while
 * signing. */
#include "sender_internal.h"

#include "core/internal.h"
#include "ticket/u256.h"

#include <stdlib.h>
#include <string.h>

/* Index of the first session whose key is >= key; *found if equal.
 * Caller holds s->mu. */
static size_t lower_bound(const tk_sender *s, const tk_hash *key, int *found)
{
    size_t lo = 0, hi = s->nsessions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(&s->sessions[mid]->key, key, sizeof *key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->nsessions &&
             memcmp(&s->sessions[lo]->key, key, sizeof *key) == 0;
    return lo;
}

/* ---- ended sessions' last nonces -------------------------------------- */

static uint64_t block_u64(const tk_u256 *x)
{
    uint64_t v;
    return tk_u256_to_u64(&v, x) == TK_OK ? v : UINT64_MAX;
}

static struct tk__retired *retired_find(tk_sender *s, const tk_hash *key)
{
    for (size_t i = 0; i < s->nretired; i++)
        if (memcmp(&s->retired[i].key, key, sizeof *key) == 0)
            return &s->retired[i];
    return NULL;
}

/* Remember sess's counter (raise it when already remembered). Caller holds
 * s->mu. On NOMEM nothing is remembered: session_end then keeps the
 * session in the table instead (see there). */
static tk_status retire(tk_sender *s, const struct tk__session *sess)
{
    struct tk__retired *r = retired_find(s, &sess->key);
    uint32_t n = atomic_load(&sess->nonce);

    if (r == NULL) {
        if (s->nretired == s->capretired) {
            size_t cap = s->capretired != 0 ? s->capretired * 2 : 8;
            struct tk__retired *p = realloc(s->retired, cap * sizeof *p);
            if (p == NULL)
                return TK_ERR_NOMEM;
            s->retired = p;
            s->capretired = cap;
        }
        r = &s->retired[s->nretired++];
        r->key = sess->key;
        r->last_nonce = n;
        r->expiration_block = block_u64(&sess->params.expiration_block);
        r->busy = 0;
    } else if (n > r->last_nonce) {
        r->last_nonce = n;
    }
    return TK_OK;
}

/* Forget what expired params left behind. Caller holds s->mu. */
static void retired_prune(tk_sender *s, uint64_t last_block)
{
    for (size_t i = 0; i < s->nretired;)
        if (s->retired[i].expiration_block <= last_block)
            s->retired[i] = s->retired[--s->nretired];
        else
            i++;
}

static void session_free(struct tk__session *sess)
{
    mpq_clear(sess->ev);
    free(sess);
}

/* Make room for one more entry. Caller holds s->mu. */
static tk_status table_grow(tk_sender *s)
{
    struct tk__session **p;
    size_t cap;

    if (s->nsessions < s->capsessions)
        return TK_OK;
    cap = s->capsessions != 0 ? s->capsessions * 2 : 8;
    if (cap > SIZE_MAX / sizeof *p)
        return TK_ERR_NOMEM;
    p = realloc(s->sessions, cap * sizeof *p);
    if (p == NULL)
        return TK_ERR_NOMEM;
    s->sessions = p;
    s->capsessions = cap;
    return TK_OK;
}

tk_status tk_sender_session_start(tk_sender *sender,
                                  const tk_ticket_params *params,
                                  uint32_t start_nonce)
{
    struct tk__session *sess;
    uint64_t last_block = 0;
    tk_status st;
    size_t at;
    int found, have_block, busy;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, params != NULL);
    if (params->creation_round < 0)
        return TK_ERR_OUT_OF_RANGE;

    /* Everything that can fail without the lock happens first. */
    sess = calloc(1, sizeof *sess);
    if (sess == NULL)
        return TK_ERR_NOMEM;
    mpq_init(sess->ev);
    st = tk_ticket_ev(sess->ev, &params->face_value, &params->win_prob);
    if (st != TK_OK) {
        session_free(sess);
        return st;
    }
    sess->key = params->recipient_rand_hash;
    sess->params = *params;
    atomic_init(&sess->nonce, start_nonce);
    sess->refs = 1; /* the table's */

    have_block = sender->chain.last_block(sender->chain.self, &last_block) == TK_OK;

    pthread_mutex_lock(&sender->mu);
    if (have_block)
        retired_prune(sender, last_block);
    {
        /* A restart of ended params continues above their last nonce. */
        const struct tk__retired *r = retired_find(sender, &sess->key);
        if (r != NULL && r->last_nonce > start_nonce)
            atomic_store(&sess->nonce, r->last_nonce);
        /* A batch on the ended session may still take nonces: wait. */
        busy = r != NULL && r->busy;
    }
    at = lower_bound(sender, &sess->key, &found);
    if (found || busy)
        st = TK_ERR_STATE;
    else
        st = table_grow(sender);
    if (st == TK_OK) {
        memmove(&sender->sessions[at + 1], &sender->sessions[at],
                (sender->nsessions - at) * sizeof *sender->sessions);
        sender->sessions[at] = sess;
        sender->nsessions++;
    }
    pthread_mutex_unlock(&sender->mu);
    if (st != TK_OK)
        session_free(sess);
    return st;
}

tk_status tk_sender_session_end(tk_sender *sender,
                                const tk_hash *recipient_rand_hash)
{
    struct tk__session *sess = NULL;
    tk_status st = TK_OK;
    size_t at;
    int found;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, recipient_rand_hash != NULL);
    pthread_mutex_lock(&sender->mu);
    at = lower_bound(sender, recipient_rand_hash, &found);
    /* Remember its counter first: a session that cannot be remembered
     * stays running (TK_ERR_NOMEM), so no restart can reissue its nonces. */
    if (found)
        st = retire(sender, sender->sessions[at]);
    if (found && st == TK_OK) {
        sess = sender->sessions[at];
        sess->ended = 1;
        memmove(&sender->sessions[at], &sender->sessions[at + 1],
                (sender->nsessions - at - 1) * sizeof *sender->sessions);
        sender->nsessions--;
        if (--sess->refs != 0) {
            retired_find(sender, &sess->key)->busy = 1;
            sess = NULL; /* a batch still holds it; it frees it */
        }
    }
    pthread_mutex_unlock(&sender->mu);
    if (sess != NULL)
        session_free(sess);
    if (!found)
        return TK_ERR_NOT_FOUND;
    return st;
}

tk_status tk__session_acquire(tk_sender *s, const tk_hash *key,
                              struct tk__session **out)
{
    size_t at;
    int found;

    pthread_mutex_lock(&s->mu);
    at = lower_bound(s, key, &found);
    *out = found ? s->sessions[at] : NULL;
    if (found)
        s->sessions[at]->refs++;
    pthread_mutex_unlock(&s->mu);
    return found ? TK_OK : TK_ERR_NOT_FOUND;
}

void tk__session_release(tk_sender *s, struct tk__session *sess)
{
    unsigned left;

    if (sess == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    left = --sess->refs;
    /* The last batch on an ended session: its final counter counts. The
     * entry exists (retire succeeded at the end), so this cannot fail. */
    if (left == 0 && sess->ended && retire(s, sess) == TK_OK)
        retired_find(s, &sess->key)->busy = 0;
    pthread_mutex_unlock(&s->mu);
    if (left == 0)
        session_free(sess);
}

int tk__session_nonces_left(struct tk__session *sess, size_t count)
{
    uint32_t cur = atomic_load(&sess->nonce);
    return count <= (size_t)(UINT32_MAX - cur);
}

tk_status tk__session_reserve(struct tk__session *sess, size_t count,
                              uint32_t *first)
{
    uint32_t cur = atomic_load(&sess->nonce);

    /* A compare-and-swap loop rather than fetch_add: a batch that does not
     * fit must leave the counter untouched. */
    do {
        if (count > (size_t)(UINT32_MAX - cur))
            return TK_ERR_NONCE_EXHAUSTED;
    } while (!atomic_compare_exchange_weak(&sess->nonce, &cur,
                                           cur + (uint32_t)count));
    *first = cur + 1;
    return TK_OK;
}

void tk__sessions_free_all(tk_sender *s)
{
    for (size_t i = 0; i < s->nsessions; i++)
        session_free(s->sessions[i]);
    free(s->sessions);
    s->sessions = NULL;
    s->nsessions = s->capsessions = 0;
    free(s->retired);
    s->retired = NULL;
    s->nretired = s->capretired = 0;
}

tk_status tk_sender_session_ev(tk_sender *sender, mpq_t ev,
                               const tk_hash *recipient_rand_hash)
{
    struct tk__session *sess;
    tk_status st;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, ev != NULL);
    mpq_set_ui(ev, 0, 1);
    TK_ARG_CHECK(sender->ctx, recipient_rand_hash != NULL);
    st = tk__session_acquire(sender, recipient_rand_hash, &sess);
    if (st != TK_OK)
        return st;
    mpq_set(ev, sess->ev);
    tk__session_release(sender, sess);
    return TK_OK;
}

tk_status tk_sender_session_nonce(tk_sender *sender, uint32_t *nonce,
                                  const tk_hash *recipient_rand_hash)
{
    struct tk__session *sess;
    tk_status st;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, nonce != NULL);
    *nonce = 0;
    TK_ARG_CHECK(sender->ctx, recipient_rand_hash != NULL);
    st = tk__session_acquire(sender, recipient_rand_hash, &sess);
    if (st != TK_OK)
        return st;
    *nonce = atomic_load(&sess->nonce);
    tk__session_release(sender, sess);
    return TK_OK;
}

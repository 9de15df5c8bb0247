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
    tk_status st;
    size_t at;
    int found;

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

    pthread_mutex_lock(&sender->mu);
    at = lower_bound(sender, &sess->key, &found);
    if (found)
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
    size_t at;
    int found;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, recipient_rand_hash != NULL);
    pthread_mutex_lock(&sender->mu);
    at = lower_bound(sender, recipient_rand_hash, &found);
    if (found) {
        sess = sender->sessions[at];
        memmove(&sender->sessions[at], &sender->sessions[at + 1],
                (sender->nsessions - at - 1) * sizeof *sender->sessions);
        sender->nsessions--;
        if (--sess->refs != 0)
            sess = NULL; /* a batch still holds it; it frees it */
    }
    pthread_mutex_unlock(&sender->mu);
    if (sess != NULL)
        session_free(sess);
    return found ? TK_OK : TK_ERR_NOT_FOUND;
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

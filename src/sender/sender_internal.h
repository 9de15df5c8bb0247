/* SPDX-License-Identifier: MIT */
#ifndef TK_SENDER_INTERNAL_H
#define TK_SENDER_INTERNAL_H

/* Internal to the sender layer: the sender and session layouts and the
 * helpers its files share. */

#include "ticket/sender.h"

#include <gmp.h>
#include <pthread.h>
#include <stdatomic.h>

struct tk__session {
    tk_hash key;                  /* params.recipient_rand_hash */
    tk_ticket_params params;      /* as received; never changed */
    mpq_t ev;                     /* EV of one ticket; read-only after start */
    _Atomic uint32_t nonce;       /* last nonce issued */
    unsigned refs;                /* guarded by the sender's mu */
    int ended;                    /* guarded by mu: out of the table */
};

struct tk_sender {
    const tk_ctx *ctx;
    tk_chain chain;
    tk_sender_config config;
    tk_address address;
    uint8_t seckey[TK_PRIVKEY_LEN]; /* secret: wiped in tk_sender_destroy */

    struct tk_exposure *books;    /* deposit-risk rule, or NULL */
    double risk_eps;

    pthread_mutex_t mu;           /* guards the session table and refs */
    struct tk__session **sessions; /* sorted by key */
    size_t nsessions, capsessions;
    /* The last nonce of every ended session, kept until its params expire
     * (a restart resumes above it); guarded by mu. */
    struct tk__retired *retired;
    size_t nretired, capretired;
};

struct tk__retired {
    tk_hash key;
    uint32_t last_nonce;
    uint64_t expiration_block; /* saturated at UINT64_MAX */
    int busy; /* the ended session is still held by a batch */
};

/* Find a running session and take a reference on it (TK_ERR_NOT_FOUND). */
tk_status tk__session_acquire(tk_sender *s, const tk_hash *key,
                              struct tk__session **out);
/* Drop a reference; the session is freed with its last one. NULL: no-op. */
void tk__session_release(tk_sender *s, struct tk__session *sess);
/* 1 if count more nonces fit below 2^32 (a hint: no reservation). */
int tk__session_nonces_left(struct tk__session *sess, size_t count);
/* Reserve count consecutive nonces atomically; *first is the lowest.
 * TK_ERR_NONCE_EXHAUSTED (nothing reserved) past 2^32 - 1. */
tk_status tk__session_reserve(struct tk__session *sess, size_t count,
                              uint32_t *first);
/* End every session (tk_sender_destroy). */
void tk__sessions_free_all(tk_sender *s);

/* The section 5 checks for count tickets of params whose ticket EV is ev.
 * On TK_OK, *rounds holds the chain's round info if want_rounds was set
 * (it is fetched anyway when EV > 0); otherwise it may be zero. */
tk_status tk__sender_check(tk_sender *s, const tk_ticket_params *params,
                           const mpq_t ev, size_t count, int want_rounds,
                           tk_round_info *rounds);

#endif

/* SPDX-License-Identifier: MIT */
/* Batches: check once, reserve nonces once, then hash and sign each ticket.
 * The per-ticket loop allocates nothing and uses no GMP: it patches the
 * nonce into one prepared tk_ticket and calls tk_ticket_hash and
 * tk_eth_sign. */
#include "sender_internal.h"

#include "core/internal.h"
#include "ticket/exposure.h"
#include "ticket/signature.h"
#include "ticket/u256.h"

#include <string.h>

/* Sign count tickets of t with nonces first, first + 1, ... into out. */
static tk_status sign_all(tk_sender *s, tk_payment *out, tk_ticket *t,
                          uint32_t first, size_t count)
{
    tk_status st = TK_OK;
    tk_hash h;

    for (size_t i = 0; i < count && st == TK_OK; i++) {
        t->sender_nonce = first + (uint32_t)i;
        st = tk_ticket_hash(&h, t);
        if (st == TK_OK)
            st = tk_eth_sign(s->ctx, &out->tickets[i].sig, s->seckey, &h);
        out->tickets[i].sender_nonce = t->sender_nonce;
    }
    /* The key and the ticket were validated before: any failure here is
     * the backend's or ours, never the caller's. */
    if (st != TK_OK && st != TK_ERR_CRYPTO_BACKEND)
        st = TK_ERR_INTERNAL;
    return st;
}

/* Hold count tickets of params in the books against the current deposit. */
static tk_status hold_risk(tk_sender *s, const tk_ticket_params *params,
                           size_t count)
{
    tk_sender_funds funds;

    if (s->chain.sender_funds(s->chain.self, &s->address, &funds) != TK_OK)
        return TK_ERR_CHAIN;
    return tk_exposure_hold(s->books, &params->face_value, &params->win_prob,
                            count, &funds.deposit, s->risk_eps);
}

tk_status tk_sender_set_risk_limit(tk_sender *sender, struct tk_exposure *books,
                                   double eps)
{
    TK_ARG_CHECK_NOCTX(sender != NULL);
    if (!(eps >= 0.0))
        return TK_ERR_OUT_OF_RANGE;
    sender->books = books;
    sender->risk_eps = eps;
    return TK_OK;
}

tk_status tk_sender_create_batch(tk_sender *sender, tk_payment *out,
                                 const tk_hash *recipient_rand_hash,
                                 size_t count)
{
    struct tk__session *sess = NULL;
    tk_ticket_params params;
    tk_round_info rounds;
    int need_fill;
    uint32_t first;
    tk_ticket t;
    tk_status st;

    TK_ARG_CHECK_NOCTX(sender != NULL);
    TK_ARG_CHECK(sender->ctx, out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK(sender->ctx, recipient_rand_hash != NULL);

    st = tk__session_acquire(sender, recipient_rand_hash, &sess);
    if (st != TK_OK)
        return st;
    params = sess->params;

    /* No expiration params from the recipient: use our own view. */
    need_fill = params.creation_round == 0 ||
                tk_hash_is_zero(&params.creation_round_block_hash);
    st = tk__sender_check(sender, &params, sess->ev, count, need_fill,
                          &rounds);
    if (st != TK_OK)
        goto out;
    if (need_fill) {
        params.creation_round = rounds.last_initialized_round;
        params.creation_round_block_hash = rounds.last_initialized_block_hash;
    }

    /* Allocate before reserving, so that a failed allocation cannot skip
     * nonces; the early test keeps a hopeless count from allocating. */
    if (!tk__session_nonces_left(sess, count)) {
        st = TK_ERR_NONCE_EXHAUSTED;
        goto out;
    }
    st = tk_payment_alloc(out, count);
    if (st != TK_OK || count == 0) /* 0: params and sender, no ticket */
        goto out;
    /* The risk rule holds the tickets before any nonce is reserved. */
    if (sender->books != NULL && (st = hold_risk(sender, &params, count)) != TK_OK)
        goto out;
    st = tk__session_reserve(sess, count, &first);
    if (st == TK_OK)
        st = tk_ticket_from_params(&t, &params, &sender->address, first);
    if (st == TK_OK)
        st = sign_all(sender, out, &t, first, count);
    if (sender->books != NULL) {
        out->sender = sender->address;
        out->params = params;
        if (st == TK_OK)
            st = tk_exposure_add_payment(sender->books, out, 1);
        /* Not recorded: the payment is dropped below, never sent. */
        if (st != TK_OK)
            (void)tk_exposure_release(sender->books, &params.face_value,
                                      &params.win_prob, count);
    }
out:
    if (st == TK_OK) {
        out->sender = sender->address;
        out->params = params;
    } else {
        tk_payment_clear(out);
    }
    tk__session_release(sender, sess);
    return st;
}

/* SPDX-License-Identifier: MIT */
/* Helpers of the receive tests (receive_util.h). */
#include "receive_util.h"

#include <stdlib.h>
#include <string.h>

/* Receive p; results land in a fresh array (freed by rx_free). */
tk_status rx_run(fixture *f, rx *x, const tk_payment *p, const tk_hash *session)
{
    x->res = calloc(p->count + 1, sizeof *x->res);
    assert_non_null(x->res);
    mpq_init(x->credited);
    return tk_recipient_receive(f->r, x->res, p->count, &x->sum, x->credited, p, session);
}

void rx_free(rx *x)
{
    free(x->res);
    mpq_clear(x->credited);
}

static int count_visit(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

size_t stored_winners(fixture *f)
{
    size_t n = 0;
    assert_int_equal(f->store.inner.list(f->store.inner.self, NULL, TK_WINNER_ALL_STATES,
                                         count_visit, &n),
                     TK_OK);
    return n;
}

int winner_stored(fixture *f, const tk_payment *p, size_t i, tk_winner *out)
{
    tk_ticket t;
    tk_hash h;
    assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
    assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
    return f->store.inner.get_winner(f->store.inner.self, &h, out) == TK_OK;
}

/* Ticket i of p through the single-ticket API. */
tk_status receive_one(fixture *f, const tk_payment *p, size_t i, int *wins)
{
    tk_ticket t;
    assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
    return tk_recipient_receive_ticket(f->r, wins, &t, &p->tickets[i].sig, &p->params.seed,
                                       &p->params.expiration_block, &p->params.price, NULL);
}

void assert_balance(fixture *f, const tk_hash *session, mpq_t expect)
{
    mpq_t b;
    mpq_init(b);
    assert_int_equal(tk_recipient_balance(f->r, b, &f->sender, session), TK_OK);
    assert_true(mpq_equal(b, expect));
    mpq_clear(b);
}

void assert_no_balance(fixture *f, const tk_hash *session)
{
    mpq_t b;
    mpq_init(b);
    assert_int_equal(tk_recipient_balance(f->r, b, &f->sender, session), TK_ERR_NOT_FOUND);
    assert_int_equal(mpq_sgn(b), 0);
    mpq_clear(b);
}

/* A fatal error: the status, outputs zeroed, nothing recorded/credited. */
void expect_fatal(fixture *f, const tk_payment *p, tk_status want)
{
    rx x;
    tk_recipient_stats stats;
    assert_int_equal(rx_run(f, &x, p, NULL), want);
    for (size_t i = 0; i < p->count; i++) {
        assert_int_equal(x.res[i].status, TK_OK);
        assert_int_equal(x.res[i].wins, 0);
        assert_int_equal(x.res[i].sender_nonce, 0);
    }
    assert_int_equal(x.sum.accepted, 0);
    assert_int_equal(mpq_sgn(x.credited), 0);
    assert_int_equal(tk_recipient_get_stats(f->r, &stats), TK_OK);
    assert_int_equal(stats.tracked_nonces, 0);
    assert_int_equal(stats.balances, 0);
    assert_int_equal(stored_winners(f), 0);
    rx_free(&x);
}

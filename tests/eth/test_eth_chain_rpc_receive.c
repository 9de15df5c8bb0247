/* SPDX-License-Identifier: MIT */
/* The receive hot path makes ZERO RPC requests once a sender is known: a
 * real tk_recipient (tests/recipient's fixture: in-memory store, real
 * signatures) validates real payments against the chain view over RPC,
 * backed by a fake node (fake_node.c behind mock_rpc, 127.0.0.1). The
 * server counts every request it receives; the count must not move while
 * params are issued and payments (winners included) are received. Also: a
 * sender the view does not know yet is refused with TK_ERR_CHAIN and
 * nothing recorded, then the same payment is accepted after one poll. */
#include "rcpt_fixture.h"
#include "receive_util.h"

#include "fake_node.h"
#include "ticket/chain_rpc.h"

#include <stdlib.h>
#include <string.h>

#define PAYMENTS 20
#define TICKETS 5

typedef struct rig {
    fixture fx;
    mock_rpc *m;
    fake_node node;
    tk_chain_rpc *view;
} rig;

/* Recreate fx.r over the chain view. */
static void recipient_over_view(rig *g)
{
    tk_chain ch;
    tk_store st = fx_store_iface(&g->fx.store);

    assert_int_equal(tk_chain_rpc_iface(g->view, &ch), TK_OK);
    tk_recipient_destroy(g->fx.r);
    g->fx.r = NULL;
    assert_int_equal(tk_recipient_create(g->fx.ctx, &g->fx.r, &g->fx.cfg,
                                         g->fx.secret, &ch, &st), TK_OK);
}

/* A view of the fake node for fx's recipient address. */
static void view_create(rig *g, tk_chain_rpc **view)
{
    tk_chain_rpc_options o;
    const char *url = mock_rpc_url(g->m);

    assert_int_equal(tk_chain_rpc_options_default(&o), TK_OK);
    o.rpc.endpoints = &url;
    o.rpc.n_endpoints = 1;
    o.rpc.retries = 0;
    o.has_controller = 1;
    o.controller = g->node.controller;
    o.recipient = g->fx.cfg.address;
    assert_int_equal(tk_chain_rpc_create(g->fx.ctx, view, &o), TK_OK);
}

static void rig_up(rig *g, int always_win)
{
    memset(g, 0, sizeof *g);
    if (always_win)
        fx_init_always_win(&g->fx);
    else
        fx_init(&g->fx);
    fake_node_init(&g->node);
    g->node.recipient = g->fx.cfg.address;
    /* 10 ETH deposit and reserve, as the fixture's own fake chain. */
    fake_node_add_sender(&g->node, &g->fx.sender, 10000000000000000000u,
                         10000000000000000000u);
    g->m = mock_rpc_start();
    fake_node_attach(&g->node, g->m);
    view_create(g, &g->view);
    recipient_over_view(g);
}

static void rig_down(rig *g)
{
    /* The recipient goes first: it holds the view's tk_chain. */
    fx_free(&g->fx);
    tk_chain_rpc_destroy(g->view);
    mock_rpc_stop(g->m);
    fake_node_free(&g->node);
}

static int setup(void **state)
{
    rig *g = calloc(1, sizeof *g);
    assert_non_null(g);
    *state = g;
    return 0;
}

static int teardown(void **state)
{
    rig *g = *state;
    rig_down(g);
    free(g);
    return 0;
}

static void receive_all(rig *g, size_t *accepted, size_t *winners)
{
    tk_ticket_params params;
    tk_ticket_result res[TICKETS];
    tk_receive_summary sum;
    tk_payment p;

    *accepted = *winners = 0;
    fx_params(&g->fx, &params);
    for (uint32_t i = 0; i < PAYMENTS; i++) {
        fx_pay(&g->fx, &p, &params, i * TICKETS, TICKETS);
        assert_int_equal(tk_recipient_receive(g->fx.r, res, TICKETS, &sum,
                                              NULL, &p, NULL), TK_OK);
        *accepted += sum.accepted;
        *winners += sum.winners;
        tk_payment_clear(&p);
    }
}

/* Params and PAYMENTS payments with the sender known: no request. The
 * winners received (each stored). */
static size_t zero_rpc(rig *g)
{
    tk_rpc_stats s0, s1;
    size_t before, accepted, winners;

    assert_int_equal(tk_chain_rpc_watch(g->view, &g->fx.sender), TK_OK);
    assert_int_equal(tk_chain_rpc_poll(g->view, NULL), TK_OK);
    assert_int_equal(tk_chain_rpc_stats(g->view, &s0), TK_OK);
    before = mock_rpc_count(g->m);
    receive_all(g, &accepted, &winners);
    assert_int_equal(accepted, PAYMENTS * TICKETS);
    assert_int_equal(stored_winners(&g->fx), winners);
    assert_int_equal(mock_rpc_count(g->m), before);
    assert_int_equal(tk_chain_rpc_stats(g->view, &s1), TK_OK);
    assert_memory_equal(&s0, &s1, sizeof s0);
    return winners;
}

static void test_zero_rpc_per_payment(void **state)
{
    rig *g = *state;
    rig_up(g, 0);
    (void)zero_rpc(g); /* winProb ~1e-4: winners are rare */
}

static void test_zero_rpc_with_winners(void **state)
{
    rig *g = *state;
    rig_up(g, 1);
    /* face value == EV: every ticket wins and is stored. */
    assert_int_equal(zero_rpc(g), PAYMENTS * TICKETS);
}

/* A view over the same node, and a recipient over it with fx's secret
 * and address (it accepts params fx.r issued). */
static void second_recipient(rig *g, tk_chain_rpc **view, tk_recipient **r)
{
    tk_chain ch;
    tk_store st = fx_store_iface(&g->fx.store);

    view_create(g, view);
    assert_int_equal(tk_chain_rpc_iface(*view, &ch), TK_OK);
    assert_int_equal(tk_recipient_create(g->fx.ctx, r, &g->fx.cfg,
                                         g->fx.secret, &ch, &st), TK_OK);
}

/* A sender the view does not hold, on both paths: tk_recipient_params
 * and tk_recipient_receive return TK_ERR_CHAIN without a request and
 * record nothing (retryable); the sender is registered; one poll at the
 * same block (header + 2 calls) and the same call succeeds. */
static void test_unknown_sender_then_known(void **state)
{
    rig *g = *state;
    tk_ticket_params params;
    tk_price price;
    tk_ticket_result res[TICKETS];
    tk_receive_summary sum;
    tk_recipient_stats rs;
    tk_chain_rpc_info info;
    tk_chain_rpc *view2 = NULL;
    tk_recipient *r2 = NULL;
    tk_payment p;
    size_t before;

    rig_up(g, 1);
    assert_int_equal(tk_chain_rpc_poll(g->view, NULL), TK_OK); /* no sender */
    before = mock_rpc_count(g->m);
    fx_u256(&price.num, 1);
    fx_u256(&price.den, 1);
    assert_int_equal(tk_recipient_params(g->fx.r, &params, &g->fx.sender,
                                         &price), TK_ERR_CHAIN);
    assert_int_equal(mock_rpc_count(g->m), before);
    assert_int_equal(tk_chain_rpc_info_get(g->view, &info), TK_OK);
    assert_int_equal(info.senders, 1);
    assert_int_equal(tk_chain_rpc_poll(g->view, NULL), TK_OK);
    assert_int_equal(mock_rpc_count(g->m) - before, 3);
    fx_params(&g->fx, &params);
    fx_pay(&g->fx, &p, &params, 0, TICKETS);

    /* The receive path, on a second view that has not seen the sender. */
    second_recipient(g, &view2, &r2);
    assert_int_equal(tk_chain_rpc_poll(view2, NULL), TK_OK);
    before = mock_rpc_count(g->m);
    assert_int_equal(tk_recipient_receive(r2, res, TICKETS, &sum, NULL, &p,
                                          NULL), TK_ERR_CHAIN);
    assert_int_equal(mock_rpc_count(g->m), before);
    assert_int_equal(tk_recipient_get_stats(r2, &rs), TK_OK);
    assert_int_equal(rs.tracked_nonces, 0);
    assert_int_equal(rs.balances, 0);
    assert_int_equal(stored_winners(&g->fx), 0);
    assert_int_equal(tk_chain_rpc_poll(view2, NULL), TK_OK);
    assert_int_equal(mock_rpc_count(g->m) - before, 3);
    assert_int_equal(tk_recipient_receive(r2, res, TICKETS, &sum, NULL, &p,
                                          NULL), TK_OK);
    assert_int_equal(sum.accepted, TICKETS);
    assert_int_equal(stored_winners(&g->fx), TICKETS);
    assert_int_equal(mock_rpc_count(g->m) - before, 3);
    tk_payment_clear(&p);
    tk_recipient_destroy(r2);
    tk_chain_rpc_destroy(view2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_zero_rpc_per_payment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_rpc_with_winners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_sender_then_known, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

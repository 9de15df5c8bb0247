/* SPDX-License-Identifier: MIT */
#include "sender_fixture.h"

#include "ticket/signature.h"
#include "ticket/u256.h"

#include <string.h>

struct fx FX;

int fx_setup_open(void **state)
{
    (void)state;
    fx_init(&FX, NULL, FX_MAX, FX_MAX, 1, FX_MAX, "1");
    return 0;
}

int fx_teardown(void **state)
{
    (void)state;
    fx_free(&FX);
    return 0;
}

tk_u256 fx_u256(const char *dec)
{
    tk_u256 x;
    tk_test_dec256(x.bytes, dec);
    return x;
}

void fx_funds(struct fx *f, const char *deposit, const char *reserve,
              uint64_t withdraw_round)
{
    tk_sender_funds funds;
    memset(&funds, 0, sizeof funds);
    funds.deposit = fx_u256(deposit);
    funds.reserve_funds_remaining = fx_u256(reserve);
    assert_int_equal(tk_u256_from_u64(&funds.withdraw_round, withdraw_round),
                     TK_OK);
    assert_int_equal(tk_chain_mem_set_sender_funds(f->mem, &f->addr, &funds),
                     TK_OK);
}

void fx_init(struct fx *f, const uint8_t *key32, const char *max_ev,
             const char *max_total_ev, uint64_t multiplier,
             const char *deposit, const char *reserve)
{
    uint8_t key[32];

    memset(f, 0, sizeof *f);
    if (key32 != NULL)
        memcpy(key, key32, 32);
    else
        for (int i = 0; i < 32; i++)
            key[i] = (uint8_t)(0x40 + i);
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    assert_int_equal(tk_chain_mem_create(&f->mem, FX_START_BLOCK), TK_OK);
    assert_int_equal(tk_chain_mem_iface(f->mem, &f->chain), TK_OK);
    f->cfg.max_ev = fx_u256(max_ev);
    f->cfg.max_total_ev = fx_u256(max_total_ev);
    f->cfg.deposit_multiplier = multiplier;
    assert_int_equal(tk_sender_create(f->ctx, &f->sender, &f->chain, &f->cfg,
                                      key),
                     TK_OK);
    assert_int_equal(tk_sender_address(f->sender, &f->addr), TK_OK);
    fx_funds(f, deposit, reserve, 0);
    tk_memzero(key, sizeof key);
}

void fx_free(struct fx *f)
{
    tk_sender_destroy(f->sender);
    tk_chain_mem_destroy(f->mem);
    tk_ctx_destroy(f->ctx);
    memset(f, 0, sizeof *f);
}

uint64_t fx_block(struct fx *f)
{
    uint64_t b;
    assert_int_equal(tk_chain_mem_state(f->mem, &b, NULL), TK_OK);
    return b;
}

void fx_params(struct fx *f, tk_ticket_params *p, const char *face,
               const char *win_prob, uint8_t tag)
{
    tk_round_info r;

    memset(p, 0, sizeof *p);
    memset(p->recipient.bytes, 0xa0 ^ tag, sizeof p->recipient.bytes);
    p->face_value = fx_u256(face);
    p->win_prob = fx_u256(win_prob);
    memset(p->recipient_rand_hash.bytes, tag, sizeof p->recipient_rand_hash);
    p->recipient_rand_hash.bytes[0] = 0x5a;
    memset(p->seed.bytes, 0x33, sizeof p->seed.bytes);
    assert_int_equal(tk_u256_from_u64(&p->expiration_block, fx_block(f) + 40),
                     TK_OK);
    assert_int_equal(tk_u256_from_u64(&p->price.num, 1), TK_OK);
    assert_int_equal(tk_u256_from_u64(&p->price.den, 1), TK_OK);
    assert_int_equal(tk_chain_mem_state(f->mem, NULL, &r), TK_OK);
    p->creation_round = r.last_initialized_round;
    p->creation_round_block_hash = r.last_initialized_block_hash;
}

void fx_assert_payment_verifies(struct fx *f, const tk_payment *p)
{
    for (size_t i = 0; i < p->count; i++) {
        tk_ticket t;
        tk_hash h;
        assert_int_equal(tk_payment_ticket(&t, p, i), TK_OK);
        assert_memory_equal(&t.sender, &f->addr, sizeof f->addr);
        assert_int_equal(t.sender_nonce, p->tickets[i].sender_nonce);
        assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
        assert_int_equal(tk_eth_verify(f->ctx, &p->sender, &h,
                                       p->tickets[i].sig.bytes, TK_SIG_LEN),
                         TK_OK);
    }
}

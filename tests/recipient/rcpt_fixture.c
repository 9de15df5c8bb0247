/* SPDX-License-Identifier: MIT */
#include "rcpt_fixture.h"

#include <stdlib.h>
#include <string.h>

/* ---- fake chain -------------------------------------------------------- */

static tk_status c_last_block(void *self, uint64_t *block)
{
    fake_chain *c = self;
    *block = c->last_block;
    return c->fail ? TK_ERR_CHAIN : TK_OK;
}

static tk_status c_rounds(void *self, tk_round_info *out)
{
    fake_chain *c = self;
    *out = c->rounds;
    return c->fail ? TK_ERR_CHAIN : TK_OK;
}

static tk_status c_funds(void *self, const tk_address *sender, tk_sender_funds *out)
{
    fake_chain *c = self;
    (void)sender;
    *out = c->funds;
    return c->fail ? TK_ERR_CHAIN : TK_OK;
}

static tk_status c_claimed(void *self, const tk_address *sender, const tk_address *claimant,
                           tk_u256 *out)
{
    fake_chain *c = self;
    (void)sender;
    (void)claimant;
    *out = c->claimed;
    return c->fail ? TK_ERR_CHAIN : TK_OK;
}

static tk_status c_pool(void *self, uint64_t *out)
{
    fake_chain *c = self;
    *out = c->pool_size;
    return c->fail ? TK_ERR_CHAIN : TK_OK;
}

static tk_status c_gas(void *self, tk_u256 *out)
{
    fake_chain *c = self;
    *out = c->gas_price;
    return c->fail ? TK_ERR_CHAIN : TK_OK;
}

static tk_status c_used(void *self, const tk_hash *h, int *used)
{
    (void)self;
    (void)h;
    *used = 0;
    return TK_OK;
}

tk_chain fx_chain_iface(fake_chain *c)
{
    tk_chain ch;
    memset(&ch, 0, sizeof ch);
    ch.self = c;
    ch.last_block = c_last_block;
    ch.rounds = c_rounds;
    ch.sender_funds = c_funds;
    ch.claimed_reserve = c_claimed;
    ch.pool_size = c_pool;
    ch.gas_price = c_gas;
    ch.ticket_used = c_used;
    return ch;
}

/* ---- fake store -------------------------------------------------------- */

static void log_call(fake_store *s, char c)
{
    size_t n;
    if (!s->trace)
        return;
    n = strlen(s->log);
    if (c == 'n')
        s->nonce_add_calls++;
    if (c == 'm')
        s->nonce_many_calls++;
    if (c == 'c')
        s->nonce_claim_calls++;
    if (n + 1 < FX_LOG_MAX) {
        s->log[n] = c;
        s->log[n + 1] = '\0';
    }
}

void fx_store_trace(fake_store *s)
{
    s->trace = 1;
    s->nonce_add_calls = s->nonce_many_calls = s->nonce_claim_calls = 0;
    s->nonce_many_total = 0;
    s->log[0] = '\0';
}

static tk_status s_put(void *self, const tk_winner *w)
{
    fake_store *s = self;
    log_call(s, 'w');
    if (s->fail_put)
        return TK_ERR_STORE;
    return s->inner.put_winner(s->inner.self, w);
}

static tk_status s_get(void *self, const tk_hash *h, tk_winner *out)
{
    fake_store *s = self;
    return s->inner.get_winner(s->inner.self, h, out);
}

static tk_status s_set_state(void *self, const tk_hash *h, tk_winner_state st, const tk_hash *tx)
{
    fake_store *s = self;
    return s->inner.set_state(s->inner.self, h, st, tx);
}

static tk_status s_list(void *self, const tk_address *sender, unsigned mask,
                        tk_winner_visit_fn fn, void *data)
{
    fake_store *s = self;
    return s->inner.list(s->inner.self, sender, mask, fn, data);
}

static tk_status s_nonce_add(void *self, const tk_hash *rh, uint32_t nonce, const tk_u256 *exp)
{
    fake_store *s = self;
    log_call(s, 'n');
    if (s->fail_nonce)
        return TK_ERR_STORE;
    return s->inner.nonce_add(s->inner.self, rh, nonce, exp);
}

static tk_status s_nonce_add_many(void *self, const tk_hash *rh, const uint32_t *nonces,
                                  size_t n, const tk_u256 *exp)
{
    fake_store *s = self;
    log_call(s, 'm');
    if (s->trace)
        s->nonce_many_total += n;
    if (s->fail_nonce)
        return TK_ERR_STORE;
    return s->inner.nonce_add_many(s->inner.self, rh, nonces, n, exp);
}

static tk_status s_nonce_claim(void *self, const tk_hash *rh, const uint32_t *nonces, size_t n,
                               const tk_u256 *exp, uint64_t seen, uint8_t *fresh, uint64_t *mark)
{
    fake_store *s = self;
    if (n > 0) {
        log_call(s, 'c');
        if (s->trace)
            s->nonce_many_total += n;
    }
    if (s->fail_nonce)
        return TK_ERR_STORE;
    return s->inner.nonce_claim(s->inner.self, rh, nonces, n, exp, seen, fresh, mark);
}

static tk_status s_nonce_load(void *self, tk_nonce_visit_fn fn, void *data)
{
    fake_store *s = self;
    if (s->fail_nonce)
        return TK_ERR_STORE;
    return s->inner.nonce_load(s->inner.self, fn, data);
}

static tk_status s_nonce_prune(void *self, uint64_t last_block)
{
    fake_store *s = self;
    return s->inner.nonce_prune(s->inner.self, last_block);
}

static tk_status s_seq_advance(void *self, const tk_address *sender, const uint8_t *mid,
                               size_t mid_len, uint64_t seq)
{
    fake_store *s = self;
    if (s->fail_seq)
        return TK_ERR_STORE;
    return s->inner.seq_advance(s->inner.self, sender, mid, mid_len, seq);
}

tk_store fx_store_iface(fake_store *s)
{
    tk_store st;
    memset(&st, 0, sizeof st);
    st.self = s;
    st.put_winner = s_put;
    st.get_winner = s_get;
    st.set_state = s_set_state;
    st.list = s_list;
    if (!s->no_nonces) {
        st.nonce_add = s_nonce_add;
        st.nonce_load = s_nonce_load;
        st.nonce_prune = s_nonce_prune;
        if (!s->no_many)
            st.nonce_add_many = s_nonce_add_many;
        if (!s->no_claim)
            st.nonce_claim = s_nonce_claim;
    }
    if (!s->no_seqs)
        st.seq_advance = s_seq_advance;
    return st;
}

/* ---- values ------------------------------------------------------------ */

void fx_u256(tk_u256 *out, uint64_t v)
{
    memset(out, 0, sizeof *out);
    for (int i = 31; i >= 24; i--, v >>= 8)
        out->bytes[i] = (uint8_t)v;
}

void fx_u256_dec(tk_u256 *out, const char *dec)
{
    tk_test_dec256(out->bytes, dec);
}

/* ---- fixture ----------------------------------------------------------- */

void fx_create_recipient(fixture *f)
{
    tk_chain ch = fx_chain_iface(&f->chain);
    tk_store st = fx_store_iface(&f->store);
    tk_recipient_destroy(f->r);
    f->r = NULL;
    assert_int_equal(tk_recipient_create(f->ctx, &f->r, &f->cfg, f->secret, &ch, &st), TK_OK);
}

void fx_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    tk_test_seed();
    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);

    f->chain.last_block = 1000;
    f->chain.rounds.current_round = 10;
    f->chain.rounds.current_round_initialized = 1;
    f->chain.rounds.last_initialized_round = 10;
    memset(f->chain.rounds.last_initialized_block_hash.bytes, 0x11, 32);
    f->chain.rounds.previous_round = 9;
    memset(f->chain.rounds.previous_block_hash.bytes, 0x09, 32);
    fx_u256_dec(&f->chain.funds.deposit, "10000000000000000000");
    fx_u256_dec(&f->chain.funds.reserve_funds_remaining, "10000000000000000000");
    f->chain.pool_size = 1;
    fx_u256(&f->chain.gas_price, 1000000000u);

    assert_int_equal(tk_store_mem_create(&f->store.mem), TK_OK);
    assert_int_equal(tk_store_mem_iface(f->store.mem, &f->store.inner), TK_OK);

    tk_test_rand_bytes(f->cfg.address.bytes, 20);
    fx_u256(&f->cfg.ev, 1000000000000u);
    f->cfg.redeem_gas = 100000;
    f->cfg.tx_cost_multiplier = 100;
    tk_test_rand_bytes(f->secret, 32);
    fx_random_key(f, f->sender_key);
    assert_int_equal(tk_key_address(f->ctx, &f->sender, f->sender_key), TK_OK);
    fx_create_recipient(f);
}

void fx_init_always_win(fixture *f)
{
    fx_init(f);
    fx_u256(&f->cfg.ev, 1000000000000000u);
    f->cfg.max_face_value = f->cfg.ev;
    fx_create_recipient(f);
}

void fx_free(fixture *f)
{
    tk_recipient_destroy(f->r);
    tk_store_mem_destroy(f->store.mem);
    tk_ctx_destroy(f->ctx);
    memset(f, 0, sizeof *f);
}

void fx_random_key(fixture *f, uint8_t key[32])
{
    do
        tk_test_rand_bytes(key, 32);
    while (tk_key_verify(f->ctx, key) != TK_OK);
}

void fx_params(fixture *f, tk_ticket_params *out)
{
    tk_price price;
    fx_u256(&price.num, 1);
    fx_u256(&price.den, 1);
    assert_int_equal(tk_recipient_params(f->r, out, &f->sender, &price), TK_OK);
}

void fx_sign(fixture *f, tk_sig *sig, const uint8_t key[32], const tk_payment *p, uint32_t nonce)
{
    tk_ticket t;
    tk_hash h;
    assert_int_equal(tk_ticket_from_params(&t, &p->params, &p->sender, nonce), TK_OK);
    assert_int_equal(tk_ticket_hash(&h, &t), TK_OK);
    assert_int_equal(tk_eth_sign(f->ctx, sig, key, &h), TK_OK);
}

void fx_pay(fixture *f, tk_payment *p, const tk_ticket_params *params, uint32_t first,
            size_t count)
{
    assert_int_equal(tk_payment_alloc(p, count), TK_OK);
    p->sender = f->sender;
    p->params = *params;
    for (size_t i = 0; i < count; i++) {
        p->tickets[i].sender_nonce = first + (uint32_t)i;
        fx_sign(f, &p->tickets[i].sig, f->sender_key, p, first + (uint32_t)i);
    }
}

tk_status fx_debit(fixture *f, const uint8_t key[32], const tk_hash *session,
                   mpq_srcptr amount, unsigned flags, uint64_t seq)
{
    static const char mid[] = "fx-stream";
    const char *profiles[1] = {"P240p30fps16x9"};
    tk_credential c = {(const uint8_t *)mid, sizeof mid - 1, seq, {{0}}, profiles, 1};
    tk_sig sig;

    memset(c.segment_hash.bytes, (int)(seq & 0xff), 32);
    assert_int_equal(tk_credential_sign(f->ctx, &sig, key, &c), TK_OK);
    return tk_recipient_debit_request(f->r, &f->sender, session, amount, flags, &c, sig.bytes,
                                      sizeof sig.bytes);
}

void fx_high_s(tk_sig *sig)
{
    static const uint8_t n[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - sig->bytes[32 + i] - borrow;
        borrow = d < 0;
        sig->bytes[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    sig->bytes[64] = sig->bytes[64] == 27 ? 28 : 27;
}

void fx_expected_credit(mpq_t out, const tk_ticket_params *params, unsigned long k)
{
    mpz_t face, prob, max;
    mpz_inits(face, prob, max, NULL);
    mpz_import(face, 32, 1, 1, 1, 0, params->face_value.bytes);
    mpz_import(prob, 32, 1, 1, 1, 0, params->win_prob.bytes);
    mpz_ui_pow_ui(max, 2, 256);
    mpz_sub_ui(max, max, 1);
    mpz_mul(face, face, prob);
    mpz_mul_ui(face, face, k);
    mpq_set_num(out, face);
    mpq_set_den(out, max);
    mpq_canonicalize(out);
    mpz_clears(face, prob, max, NULL);
}

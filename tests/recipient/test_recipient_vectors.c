/* SPDX-License-Identifier: MIT */
/* recipient_rand.json through the recipient: a recipient created with each
 * case's secret derives the case's recipientRand and recipientRandHash from
 * params carrying the case's seed, face value, win prob, expiration block,
 * price and creation round. */
#include "rcpt_fixture.h"

#include "recipient/recipient_internal.h"

#include <string.h>

static void test_recipient_rand_vectors(void **state)
{
    json_t *cases, *root = tk_test_load("recipient_rand.json", &cases);
    fake_chain chain;
    fake_store store;
    tk_recipient_config cfg;
    tk_ctx *ctx;
    size_t i;
    json_t *c;
    (void)state;

    assert_int_equal(tk_ctx_create(&ctx), TK_OK);
    memset(&chain, 0, sizeof chain);
    memset(&store, 0, sizeof store);
    store.no_nonces = 1;
    assert_int_equal(tk_store_mem_create(&store.mem), TK_OK);
    assert_int_equal(tk_store_mem_iface(store.mem, &store.inner), TK_OK);
    memset(&cfg, 0, sizeof cfg);
    memset(cfg.address.bytes, 0x42, 20);
    cfg.redeem_gas = 1;
    cfg.tx_cost_multiplier = 1;

    json_array_foreach(cases, i, c) {
        uint8_t secret[32];
        tk_ticket_params params;
        tk_address sender;
        tk_recipient *r;
        tk_u256 rand, want_rand;
        tk_hash hash, want_hash;
        tk_chain ch = fx_chain_iface(&chain);
        tk_store st = fx_store_iface(&store);

        memset(&params, 0, sizeof params);
        tk_test_hex(secret, 32, tk_test_str(c, "secret"));
        tk_test_hex(sender.bytes, 20, tk_test_str(c, "sender"));
        fx_u256_dec(&params.seed, tk_test_str(c, "seed"));
        fx_u256_dec(&params.face_value, tk_test_str(c, "face_value"));
        fx_u256_dec(&params.win_prob, tk_test_str(c, "win_prob"));
        fx_u256_dec(&params.expiration_block, tk_test_str(c, "expiration_block"));
        fx_u256_dec(&params.price.num, tk_test_str(c, "price_num"));
        fx_u256_dec(&params.price.den, tk_test_str(c, "price_den"));
        params.creation_round = (int64_t)tk_test_uint(c, "creation_round");
        tk_test_hex(params.creation_round_block_hash.bytes, 32,
                    tk_test_str(c, "creation_round_block_hash"));
        tk_test_hex(want_rand.bytes, 32, tk_test_str(c, "recipient_rand_hex"));
        tk_test_hex(want_hash.bytes, 32, tk_test_str(c, "recipient_rand_hash"));

        assert_int_equal(tk_recipient_create(ctx, &r, &cfg, secret, &ch, &st), TK_OK);
        assert_int_equal(tk_recipient_rand_hash(r, &hash, &sender, &params), TK_OK);
        if (memcmp(hash.bytes, want_hash.bytes, 32) != 0) {
            print_error("case %zu (%s): rand hash mismatch\n", i,
                        json_string_value(json_object_get(c, "label")));
            fail();
        }
        assert_int_equal(tk__recipient_rand(r, &rand, &sender, &params), TK_OK);
        assert_memory_equal(rand.bytes, want_rand.bytes, 32);
        /* The params' recipient is not part of the HMAC. */
        memset(params.recipient.bytes, 0x99, 20);
        assert_int_equal(tk_recipient_rand_hash(r, &hash, &sender, &params), TK_OK);
        assert_memory_equal(hash.bytes, want_hash.bytes, 32);
        /* Another secret derives another rand. */
        tk_recipient_destroy(r);
        secret[31] ^= 1;
        assert_int_equal(tk_recipient_create(ctx, &r, &cfg, secret, &ch, &st), TK_OK);
        assert_int_equal(tk_recipient_rand_hash(r, &hash, &sender, &params), TK_OK);
        assert_memory_not_equal(hash.bytes, want_hash.bytes, 32);
        tk_recipient_destroy(r);
    }
    tk_store_mem_destroy(store.mem);
    tk_ctx_destroy(ctx);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recipient_rand_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

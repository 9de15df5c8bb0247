/* SPDX-License-Identifier: MIT */
/* EIP-1559 transactions: every case of tests/vectors/eth_tx.json (built and
 * signed by ethers) byte for byte - unsigned encoding, signing hash, signed
 * raw bytes, tx hash - and decoded back; strict decoding (every truncation,
 * trailing bytes, every one-byte mutation either rejected or canonical,
 * hand-made non-canonical encodings); seeded random round trips; misuse. */
#include "test_support.h"

#include "eth/tx_internal.h"
#include "ticket/eth_tx.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"

#include <stdlib.h>
#include <string.h>

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static json_t *load_vectors(json_t **cases)
{
    json_error_t err;
    json_t *root = json_load_file(TK_ETH_VECTORS_DIR "/eth_tx.json", 0, &err);

    if (root == NULL)
        fail_msg("eth_tx.json: %s (line %d)", err.text, err.line);
    *cases = json_object_get(root, "cases");
    assert_true(json_is_array(*cases));
    assert_true(json_array_size(*cases) >= 50);
    return root;
}

static uint64_t dec64(const char *dec)
{
    uint8_t w[32];
    uint64_t v = 0;

    tk_test_dec256(w, dec);
    for (int i = 0; i < 24; i++)
        assert_int_equal(w[i], 0);
    for (int i = 24; i < 32; i++)
        v = (v << 8) | w[i];
    return v;
}

/* The case's transaction; *data is malloc'd (free it). */
static void parse_tx(const json_t *c, tk_eth_tx *tx, uint8_t **data)
{
    const json_t *to = json_object_get(c, "to");

    memset(tx, 0, sizeof *tx);
    tx->chain_id = dec64(tk_test_str(c, "chain_id"));
    tx->nonce = dec64(tk_test_str(c, "nonce"));
    tk_test_dec256(tx->max_priority_fee_per_gas.bytes,
                   tk_test_str(c, "max_priority_fee_per_gas"));
    tk_test_dec256(tx->max_fee_per_gas.bytes, tk_test_str(c, "max_fee_per_gas"));
    tx->gas_limit = dec64(tk_test_str(c, "gas_limit"));
    if (json_is_string(to)) {
        tx->has_to = 1;
        tk_test_hex(tx->to.bytes, 20, json_string_value(to));
    } else {
        assert_true(json_is_null(to));
    }
    tk_test_dec256(tx->value.bytes, tk_test_str(c, "value"));
    *data = tk_test_hex_alloc(tk_test_str(c, "data"), &tx->data_len);
    tx->data = tx->data_len > 0 ? *data : NULL;
}

static void assert_tx_equal(const tk_eth_tx *a, const tk_eth_tx *b)
{
    assert_int_equal(a->chain_id, b->chain_id);
    assert_int_equal(a->nonce, b->nonce);
    assert_memory_equal(a->max_priority_fee_per_gas.bytes,
                        b->max_priority_fee_per_gas.bytes, 32);
    assert_memory_equal(a->max_fee_per_gas.bytes, b->max_fee_per_gas.bytes, 32);
    assert_int_equal(a->gas_limit, b->gas_limit);
    assert_int_equal(a->has_to, b->has_to);
    if (a->has_to)
        assert_memory_equal(a->to.bytes, b->to.bytes, 20);
    assert_memory_equal(a->value.bytes, b->value.bytes, 32);
    assert_int_equal(a->data_len, b->data_len);
    if (a->data_len > 0)
        assert_memory_equal(a->data, b->data, a->data_len);
}

static void check_case(tk_ctx *ctx, const json_t *c)
{
    tk_eth_tx tx, back;
    tk_eth_tx_sig sig;
    uint8_t *data, *want_raw, *buf, key[32];
    size_t want_len, len, cap;
    tk_hash h, want_hash;
    tk_address from, want_from;
    const char *unsigned_hex = json_string_value(json_object_get(c, "unsigned"));

    parse_tx(c, &tx, &data);
    tk_test_hex(key, 32, tk_test_str(c, "seckey"));

    /* Unsigned encoding and signing hash. */
    if (unsigned_hex != NULL) {
        uint8_t *want = tk_test_hex_alloc(unsigned_hex, &want_len);
        len = 0;
        assert_int_equal(tk_eth_tx_encode_unsigned(NULL, &len, &tx),
                         TK_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, want_len);
        buf = malloc(len);
        assert_non_null(buf);
        assert_int_equal(tk_eth_tx_encode_unsigned(buf, &len, &tx), TK_OK);
        assert_int_equal(len, want_len);
        assert_memory_equal(buf, want, len);
        free(buf);
        free(want);
    }
    tk_test_hex(want_hash.bytes, 32, tk_test_str(c, "signing_hash"));
    assert_int_equal(tk_eth_tx_signing_hash(&h, &tx), TK_OK);
    assert_memory_equal(h.bytes, want_hash.bytes, 32);

    /* Signed bytes and hash. */
    want_raw = tk_test_hex_alloc(tk_test_str(c, "raw"), &want_len);
    assert_int_equal(tk_eth_tx_signed_len_max(&cap, &tx), TK_OK);
    assert_true(cap >= want_len);
    buf = malloc(cap);
    assert_non_null(buf);
    len = cap;
    assert_int_equal(tk_eth_tx_sign(ctx, buf, &len, &h, &tx, key), TK_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(buf, want_raw, len);
    tk_test_hex(want_hash.bytes, 32, tk_test_str(c, "hash"));
    assert_memory_equal(h.bytes, want_hash.bytes, 32);
    free(buf);

    /* Decoded back: the same fields and the vector's signature. */
    assert_int_equal(tk_eth_tx_decode(&back, &sig, want_raw, want_len), TK_OK);
    assert_tx_equal(&tx, &back);
    assert_int_equal(sig.y_parity, tk_test_uint(c, "y_parity"));
    tk_test_hex(want_hash.bytes, 32, tk_test_str(c, "r"));
    assert_memory_equal(sig.r.bytes, want_hash.bytes, 32);
    tk_test_hex(want_hash.bytes, 32, tk_test_str(c, "s"));
    assert_memory_equal(sig.s.bytes, want_hash.bytes, 32);

    /* The vector's sender is the key's address. */
    tk_test_hex(want_from.bytes, 20, tk_test_str(c, "from"));
    assert_int_equal(tk_key_address(ctx, &from, key), TK_OK);
    assert_memory_equal(from.bytes, want_from.bytes, 20);

    tk_memzero(key, sizeof key);
    free(want_raw);
    free(data);
}

static void test_vectors(void **state)
{
    json_t *cases, *c;
    json_t *root = load_vectors(&cases);
    size_t i;

    json_array_foreach(cases, i, c) check_case((tk_ctx *)*state, c);
    json_decref(root);
}

/* decode accepts x => x is canonical: re-encoding gives x back. */
static void check_strict(const uint8_t *raw, size_t len)
{
    tk_eth_tx tx;
    tk_eth_tx_sig sig;
    uint8_t *buf;
    size_t n;

    if (tk_eth_tx_decode(&tx, &sig, raw, len) != TK_OK) {
        assert_true(tx.data == NULL && tx.data_len == 0 && tx.nonce == 0 &&
                    sig.y_parity == 0);
        return;
    }
    n = len;
    buf = malloc(len + 1);
    assert_non_null(buf);
    assert_int_equal(tk__eth_tx_encode_signed(buf, &n, &tx, &sig), TK_OK);
    assert_int_equal(n, len);
    assert_memory_equal(buf, raw, len);
    free(buf);
}

static void test_decode_mutations(void **state)
{
    json_t *cases, *c;
    json_t *root = load_vectors(&cases);
    size_t i;

    (void)state;
    json_array_foreach(cases, i, c) {
        size_t len;
        uint8_t *raw = tk_test_hex_alloc(tk_test_str(c, "raw"), &len);
        uint8_t *longer;
        tk_eth_tx tx;
        tk_eth_tx_sig sig;

        if (len > 2000) { /* the long case: truncations only at the ends */
            for (size_t k = len - 40; k < len; k++)
                assert_int_equal(tk_eth_tx_decode(&tx, &sig, raw, k),
                                 TK_ERR_MALFORMED);
            free(raw);
            continue;
        }
        for (size_t k = 0; k < len; k++)
            assert_int_equal(tk_eth_tx_decode(&tx, &sig, raw, k),
                             TK_ERR_MALFORMED);
        longer = malloc(len + 1);
        assert_non_null(longer);
        memcpy(longer, raw, len);
        longer[len] = 0;
        assert_int_equal(tk_eth_tx_decode(&tx, &sig, longer, len + 1),
                         TK_ERR_MALFORMED);
        free(longer);
        for (size_t k = 0; k < len; k++) {
            uint8_t keep = raw[k];
            static const uint8_t flips[] = {0x01, 0x80, 0xff};
            for (size_t f = 0; f < sizeof flips; f++) {
                raw[k] = keep ^ flips[f];
                check_strict(raw, len);
            }
            raw[k] = keep;
        }
        free(raw);
    }
    json_decref(root);
}

/* Hand-made encodings: one valid minimal transaction, then single
 * deviations from it, each of which the strict decoder must refuse. */
static void test_decode_non_canonical(void **state)
{
    static const char *const bad[] = {
        "0x01cc8080808080808080c0808080",   /* type 1 */
        "0x02cd80810580808080808080c0808080", /* 0x05 as 0x81 0x05 */
        "0x02ce8082000180808080808080c0808080", /* leading zero in nonce */
        "0x02f80c8080808080808080c0808080",   /* long form for 12 bytes */
        "0x02cc8080808080808080c0028080",     /* yParity 2 */
        "0x02cb8080808080808080c08080",       /* 11 items */
        "0x02cd8080808080808080c080808080",   /* 13 items */
        "0x02cd8080808080808080c1c0808080",   /* non-empty access list */
        ("0x02cc8080808080808080c0808080" "00"), /* trailing byte */
        "0x02cc8080808080808080c0808081",     /* truncated list */
        "0x02d58901000000000000000080808080808080c0808080", /* chainId 2^64 */
        "0x02cc80c080808080808080c0808080",   /* nonce is a list */
        ("0x02df8080808080"
         "9300000000000000000000000000000000000000"
         "8080c0808080"),                     /* `to` of 19 bytes */
        "0x02", "0x", "0xc0",
    };
    tk_eth_tx tx;
    tk_eth_tx_sig sig;
    size_t len;
    uint8_t *raw;

    (void)state;
    raw = tk_test_hex_alloc("0x02cc8080808080808080c0808080", &len);
    assert_int_equal(tk_eth_tx_decode(&tx, &sig, raw, len), TK_OK);
    assert_int_equal(tx.has_to, 0);
    assert_int_equal(tx.data_len, 0);
    free(raw);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        raw = tk_test_hex_alloc(bad[i], &len);
        if (tk_eth_tx_decode(&tx, &sig, raw, len) != TK_ERR_MALFORMED)
            fail_msg("accepted: %s", bad[i]);
        free(raw);
    }
}

/* Random transactions: sign, decode, same fields; the hash is keccak of
 * the bytes; a buffer one byte short of the bound is refused. */
static void test_random_round_trip(void **state)
{
    tk_ctx *ctx = (tk_ctx *)*state;
    unsigned long iters = tk_test_iters(200);
    uint8_t data[600], key[32];

    tk_test_seed();
    for (unsigned long it = 0; it < iters; it++) {
        tk_eth_tx tx, back;
        tk_eth_tx_sig sig;
        tk_hash h, h2;
        uint8_t raw[600 + TK_ETH_TX_OVERHEAD_MAX];
        size_t len = sizeof raw, cap = 0;
        int shift = (int)(tk_test_rand64() % 64);

        memset(&tx, 0, sizeof tx);
        tx.chain_id = tk_test_rand64() >> shift;
        tx.nonce = tk_test_rand64() >> (63 - shift);
        tk_test_rand_bytes(tx.max_priority_fee_per_gas.bytes + shift / 2,
                           (size_t)(32 - shift / 2));
        tk_test_rand_bytes(tx.max_fee_per_gas.bytes, 32);
        tx.gas_limit = tk_test_rand64() >> shift;
        tx.has_to = (int)(tk_test_rand64() & 1);
        tk_test_rand_bytes(tx.to.bytes, 20);
        tk_test_rand_bytes(tx.value.bytes + 31 - shift / 2,
                           (size_t)(1 + shift / 2));
        tx.data_len = (size_t)(tk_test_rand64() % sizeof data);
        tk_test_rand_bytes(data, tx.data_len);
        tx.data = tx.data_len ? data : NULL;
        do
            tk_test_rand_bytes(key, 32);
        while (tk_key_verify(ctx, key) != TK_OK);

        assert_int_equal(tk_eth_tx_signed_len_max(&cap, &tx), TK_OK);
        assert_int_equal(tk_eth_tx_sign(ctx, raw, &len, &h, &tx, key), TK_OK);
        assert_true(len <= cap);
        assert_int_equal(tk_keccak256(&h2, raw, len), TK_OK);
        assert_memory_equal(h.bytes, h2.bytes, 32);
        assert_int_equal(tk_eth_tx_decode(&back, &sig, raw, len), TK_OK);
        if (!tx.has_to)
            memset(tx.to.bytes, 0, 20);
        assert_tx_equal(&tx, &back);
        assert_true(sig.y_parity <= 1);
        /* low s: s <= n/2 (first byte at most 0x7f) */
        assert_true(sig.s.bytes[0] <= 0x7f);
        len = cap - 1;
        assert_int_equal(tk_eth_tx_sign(ctx, raw, &len, &h, &tx, key),
                         TK_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, cap);
        assert_true(all_zero(raw, cap - 1) && all_zero(h.bytes, 32));
    }
    tk_memzero(key, sizeof key);
}

static void test_misuse(void **state)
{
    tk_ctx *ctx = (tk_ctx *)*state;
    tk_eth_tx tx;
    tk_eth_tx_sig sig;
    tk_hash h;
    uint8_t raw[400], key[32] = {0};
    size_t len = sizeof raw;

    memset(&tx, 0, sizeof tx);
    key[31] = 1;
    assert_illegal(ctx, tk_eth_tx_sign(ctx, raw, NULL, &h, &tx, key));
    assert_illegal(ctx, tk_eth_tx_sign(ctx, NULL, &len, &h, &tx, key));
    len = sizeof raw;
    assert_illegal(ctx, tk_eth_tx_sign(ctx, raw, &len, &h, NULL, key));
    len = sizeof raw;
    assert_illegal(ctx, tk_eth_tx_sign(ctx, raw, &len, &h, &tx, NULL));
    tx.data_len = 1; /* data NULL with a length */
    len = sizeof raw;
    assert_illegal(ctx, tk_eth_tx_sign(ctx, raw, &len, &h, &tx, key));
    tx.data_len = 0;
    tx.has_to = 2;
    len = sizeof raw;
    assert_illegal(ctx, tk_eth_tx_sign(ctx, raw, &len, &h, &tx, key));
    tx.has_to = 0;
    assert_int_equal(tk_eth_tx_sign(NULL, raw, &len, &h, &tx, key),
                     TK_ERR_ILLEGAL_ARG);

    /* A bad key: refused, outputs zeroed. */
    memset(key, 0, sizeof key);
    len = sizeof raw;
    assert_int_equal(tk_eth_tx_sign(ctx, raw, &len, &h, &tx, key),
                     TK_ERR_INVALID_PRIVKEY);
    assert_int_equal(len, 0);
    assert_true(all_zero(raw, sizeof raw) && all_zero(h.bytes, 32));

    /* Data over the limit (never read: the length is checked first). */
    tx.data = raw;
    tx.data_len = TK_ETH_TX_DATA_MAX + 1;
    assert_int_equal(tk_eth_tx_signing_hash(&h, &tx), TK_ERR_INVALID_LENGTH);
    len = sizeof raw;
    assert_int_equal(tk_eth_tx_encode_unsigned(raw, &len, &tx),
                     TK_ERR_INVALID_LENGTH);
    tx.data_len = 0;

    assert_int_equal(tk_eth_tx_signing_hash(NULL, &tx), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_signing_hash(&h, NULL), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_encode_unsigned(raw, NULL, &tx),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_signed_len_max(NULL, &tx), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_decode(NULL, &sig, raw, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_decode(&tx, NULL, raw, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_decode(&tx, &sig, NULL, 1), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_eth_tx_decode(&tx, &sig, NULL, 0), TK_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_decode_mutations),
        cmocka_unit_test(test_decode_non_canonical),
        cmocka_unit_test(test_random_round_trip),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, tk_test_ctx_setup,
                                  tk_test_ctx_teardown);
}

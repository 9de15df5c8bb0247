/* SPDX-License-Identifier: MIT */
/* ABI of the chain client's contract calls (abi.h): selectors against
 * keccak of the Livepeer signatures and tests/vectors; calldata laid
 * out word by word; every strict decoder against valid data and against
 * wrong lengths, dirty high bytes, bad offsets and padding; revert data
 * (the Solidity documentation's Error(string) example, Panic, custom). */
#include "test_support.h"

#include "ticket/abi.h"
#include "ticket/keys.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *signature;
    uint32_t selector;
} SELECTORS[] = {
    {"lastInitializedRound()", TK_ABI_SEL_LAST_INITIALIZED_ROUND},
    {"currentRoundInitialized()", TK_ABI_SEL_CURRENT_ROUND_INITIALIZED},
    {"blockHashForRound(uint256)", TK_ABI_SEL_BLOCK_HASH_FOR_ROUND},
    {"currentRound()", TK_ABI_SEL_CURRENT_ROUND},
    {"getTranscoderPoolSize()", TK_ABI_SEL_GET_TRANSCODER_POOL_SIZE},
    {"getSenderInfo(address)", TK_ABI_SEL_GET_SENDER_INFO},
    {"claimedReserve(address,address)", TK_ABI_SEL_CLAIMED_RESERVE},
    {"claimableReserve(address,address)", TK_ABI_SEL_CLAIMABLE_RESERVE},
    {"usedTickets(bytes32)", TK_ABI_SEL_USED_TICKETS},
    {"getContract(bytes32)", TK_ABI_SEL_GET_CONTRACT},
    {"fundDepositAndReserve(uint256,uint256)",
     TK_ABI_SEL_FUND_DEPOSIT_AND_RESERVE},
    {"unlock()", TK_ABI_SEL_UNLOCK},
    {"cancelUnlock()", TK_ABI_SEL_CANCEL_UNLOCK},
    {"withdraw()", TK_ABI_SEL_WITHDRAW},
    {"Error(string)", TK_ABI_SEL_ERROR},
    {"Panic(uint256)", TK_ABI_SEL_PANIC},
};
#define N_SELECTORS (sizeof SELECTORS / sizeof SELECTORS[0])

static void test_selectors(void **state)
{
    json_t *root = tk_test_load("redeem_calldata.json", NULL);
    json_t *sels = json_object_get(root, "selectors"), *e;
    size_t i;
    int matched = 0;

    (void)state;
    for (i = 0; i < N_SELECTORS; i++) {
        uint32_t sel = 0;
        assert_int_equal(tk_abi_selector(&sel, SELECTORS[i].signature,
                                         strlen(SELECTORS[i].signature)),
                         TK_OK);
        if (sel != SELECTORS[i].selector)
            fail_msg("%s: keccak gives %08x, header has %08x",
                     SELECTORS[i].signature, sel, SELECTORS[i].selector);
    }
    /* Where the vectors name a signature we use, they agree. */
    assert_true(json_is_array(sels));
    json_array_foreach(sels, i, e) {
        const char *sig = tk_test_str(e, "signature");
        uint8_t want[4];
        tk_test_hex(want, 4, tk_test_str(e, "selector"));
        for (size_t k = 0; k < N_SELECTORS; k++) {
            if (strcmp(sig, SELECTORS[k].signature) != 0)
                continue;
            assert_int_equal((uint32_t)want[0] << 24 | (uint32_t)want[1] << 16 |
                                 (uint32_t)want[2] << 8 | want[3],
                             SELECTORS[k].selector);
            matched++;
        }
    }
    assert_true(matched >= 6);
    json_decref(root);
}

static void test_encode_call(void **state)
{
    tk_address holder, claimant;
    tk_u256 w[2];
    uint8_t out[4 + 64 + 8];
    size_t len = sizeof out;

    (void)state;
    memset(holder.bytes, 0xaa, 20);
    memset(claimant.bytes, 0xbb, 20);
    assert_int_equal(tk_abi_address_word(&w[0], &holder), TK_OK);
    assert_int_equal(tk_abi_address_word(&w[1], &claimant), TK_OK);
    assert_int_equal(tk_abi_encode_call(out, &len, TK_ABI_SEL_CLAIMED_RESERVE,
                                        w, 2), TK_OK);
    assert_int_equal(len, 68);
    assert_memory_equal(out, "\x4a\xc8\x26\xda", 4);
    for (int i = 4; i < 16; i++)
        assert_int_equal(out[i], 0);
    assert_memory_equal(out + 16, holder.bytes, 20);
    for (int i = 36; i < 48; i++)
        assert_int_equal(out[i], 0);
    assert_memory_equal(out + 48, claimant.bytes, 20);

    /* No arguments: the selector alone. */
    len = sizeof out;
    assert_int_equal(tk_abi_encode_call(out, &len, TK_ABI_SEL_UNLOCK, NULL, 0),
                     TK_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "\xa6\x9d\xf4\xb5", 4);

    /* Too small: the size needed, the buffer zeroed. */
    len = 67;
    assert_int_equal(tk_abi_encode_call(out, &len, TK_ABI_SEL_CLAIMED_RESERVE,
                                        w, 2), TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 68);
    for (int i = 0; i < 67; i++)
        assert_int_equal(out[i], 0);
    len = 0;
    assert_int_equal(tk_abi_encode_call(NULL, &len, TK_ABI_SEL_UNLOCK, NULL, 0),
                     TK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 4);
    len = sizeof out;
    assert_int_equal(tk_abi_encode_call(out, &len, 0, w,
                                        TK_ABI_CALL_WORDS_MAX + 1),
                     TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_abi_encode_call(out, NULL, 0, w, 1),
                     TK_ERR_ILLEGAL_ARG);
}

/* Every length but the right one is refused, and so is NULL data. */
typedef tk_status (*word_decoder)(void *out, const uint8_t *d, size_t n);

/* Adapters from each decoder to word_decoder. */
#define ADAPT(name, fn, type)                                                  \
    static tk_status name(void *o, const uint8_t *d, size_t n)                 \
    {                                                                          \
        return fn((type *)o, d, n);                                            \
    }
ADAPT(dec_uint256, tk_abi_decode_uint256, tk_u256)
ADAPT(dec_u64, tk_abi_decode_u64, uint64_t)
ADAPT(dec_bool, tk_abi_decode_bool, int)
ADAPT(dec_address, tk_abi_decode_address, tk_address)
ADAPT(dec_bytes32, tk_abi_decode_bytes32, tk_hash)
ADAPT(dec_sender, tk_abi_decode_sender_info, tk_abi_sender_info)

static void check_lengths(word_decoder dec, size_t out_size, size_t good)
{
    uint8_t data[200] = {0};
    uint8_t out[sizeof(tk_abi_sender_info)];

    assert_true(out_size <= sizeof out);
    for (size_t n = 0; n < sizeof data; n++) {
        memset(out, 0x5a, sizeof out);
        tk_status st = dec(out, data, n);
        if (n == good) {
            assert_int_equal(st, TK_OK);
        } else {
            assert_int_equal(st, TK_ERR_MALFORMED);
            for (size_t i = 0; i < out_size; i++)
                assert_int_equal(out[i], 0);
        }
    }
    assert_int_equal(dec(out, NULL, 0), TK_ERR_MALFORMED);
    assert_int_equal(dec(out, NULL, 32), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(dec(NULL, data, good), TK_ERR_ILLEGAL_ARG);
}

static void test_static_decoders(void **state)
{
    uint8_t w[128];
    tk_u256 u;
    uint64_t v;
    int b;
    tk_address a;
    tk_hash h;
    tk_abi_sender_info si;

    (void)state;
    check_lengths(dec_uint256, sizeof(tk_u256), 32);
    check_lengths(dec_u64, sizeof(uint64_t), 32);
    check_lengths(dec_bool, sizeof(int), 32);
    check_lengths(dec_address, sizeof(tk_address), 32);
    check_lengths(dec_bytes32, sizeof(tk_hash), 32);
    check_lengths(dec_sender, sizeof(tk_abi_sender_info), 128);

    for (int i = 0; i < 128; i++)
        w[i] = (uint8_t)(i + 1);
    assert_int_equal(tk_abi_decode_uint256(&u, w, 32), TK_OK);
    assert_memory_equal(u.bytes, w, 32);
    assert_int_equal(tk_abi_decode_bytes32(&h, w, 32), TK_OK);
    assert_memory_equal(h.bytes, w, 32);
    assert_int_equal(tk_abi_decode_sender_info(&si, w, 128), TK_OK);
    assert_memory_equal(si.deposit.bytes, w, 32);
    assert_memory_equal(si.withdraw_round.bytes, w + 32, 32);
    assert_memory_equal(si.funds_remaining.bytes, w + 64, 32);
    assert_memory_equal(si.claimed_in_current_round.bytes, w + 96, 32);

    /* u64: 2^64 - 1 fits, 2^64 does not (valid ABI, out of range). */
    memset(w, 0, 32);
    memset(w + 24, 0xff, 8);
    assert_int_equal(tk_abi_decode_u64(&v, w, 32), TK_OK);
    assert_true(v == UINT64_MAX);
    memset(w + 24, 0, 8);
    w[23] = 1;
    assert_int_equal(tk_abi_decode_u64(&v, w, 32), TK_ERR_OUT_OF_RANGE);
    assert_true(v == 0);

    /* bool: 0 and 1 only; a dirty high byte or 2 is never "true". */
    memset(w, 0, 32);
    assert_int_equal(tk_abi_decode_bool(&b, w, 32), TK_OK);
    assert_int_equal(b, 0);
    w[31] = 1;
    assert_int_equal(tk_abi_decode_bool(&b, w, 32), TK_OK);
    assert_int_equal(b, 1);
    for (int i = 0; i < 32; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memset(w, 0, 32);
            w[31] = 1;
            w[i] ^= (uint8_t)(1u << bit);
            if (i == 31 && bit == 0)
                continue; /* that is 0, valid */
            assert_int_equal(tk_abi_decode_bool(&b, w, 32), TK_ERR_MALFORMED);
            assert_int_equal(b, 0);
        }
    }

    /* address: any bit in the 12 high bytes is refused. */
    for (int i = 0; i < 12; i++) {
        memset(w, 0, 32);
        memset(w + 12, 0xcd, 20);
        assert_int_equal(tk_abi_decode_address(&a, w, 32), TK_OK);
        assert_memory_equal(a.bytes, w + 12, 20);
        w[i] = 0x80;
        assert_int_equal(tk_abi_decode_address(&a, w, 32), TK_ERR_MALFORMED);
        assert_true(tk_address_is_zero(&a));
    }
}

/* offset word, length word, body, zero padding. */
static size_t build_bytes(uint8_t *out, uint64_t off, uint64_t n,
                          const uint8_t *body, size_t blen)
{
    size_t padded = (blen + 31) / 32 * 32;

    memset(out, 0, 64 + padded);
    for (int i = 0; i < 8; i++) {
        out[31 - i] = (uint8_t)(off >> (8 * i));
        out[63 - i] = (uint8_t)(n >> (8 * i));
    }
    memcpy(out + 64, body, blen);
    return 64 + padded;
}

static void test_dynamic_bytes(void **state)
{
    static const size_t lens[] = {0, 1, 31, 32, 33, 100};
    uint8_t body[100], enc[64 + 128 + 32], out[100];
    size_t n, len;

    (void)state;
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(0xa0 ^ i);
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t bl = lens[k];
        n = build_bytes(enc, 32, bl, body, bl);
        len = sizeof out;
        assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n), TK_OK);
        assert_int_equal(len, bl);
        assert_memory_equal(out, body, bl);
        /* Asking for the size. */
        len = 0;
        assert_int_equal(tk_abi_decode_bytes(NULL, &len, enc, n),
                         bl ? TK_ERR_BUFFER_TOO_SMALL : TK_OK);
        assert_int_equal(len, bl);
        /* Every truncation, and one word more. */
        for (size_t cut = 0; cut < n; cut++) {
            len = sizeof out;
            assert_int_equal(tk_abi_decode_bytes(out, &len, enc, cut),
                             TK_ERR_MALFORMED);
            assert_int_equal(len, 0);
        }
        memset(enc + n, 0, 32);
        len = sizeof out;
        assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n + 32),
                         TK_ERR_MALFORMED);
        /* A dirty padding byte. */
        if (bl % 32 != 0) {
            enc[n - 1] = 1;
            len = sizeof out;
            assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n),
                             TK_ERR_MALFORMED);
        }
    }
    /* Non-canonical offsets and lengths beyond the data. */
    n = build_bytes(enc, 64, 1, body, 1);
    len = sizeof out;
    assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n), TK_ERR_MALFORMED);
    n = build_bytes(enc, 0, 1, body, 1);
    assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n), TK_ERR_MALFORMED);
    n = build_bytes(enc, 32, 33, body, 1);
    assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n), TK_ERR_MALFORMED);
    n = build_bytes(enc, 32, UINT64_MAX, body, 1);
    assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n), TK_ERR_MALFORMED);
    n = build_bytes(enc, 32, 1, body, 1);
    enc[32] = 0x80; /* length >= 2^255 */
    assert_int_equal(tk_abi_decode_bytes(out, &len, enc, n), TK_ERR_MALFORMED);
}

static void test_revert(void **state)
{
    /* From the Solidity documentation (Control Structures, "revert"):
     * revert("Not enough Ether provided."). */
    static const char *const doc_example =
        "0x08c379a0"
        "0000000000000000000000000000000000000000000000000000000000000020"
        "000000000000000000000000000000000000000000000000000000000000001a"
        "4e6f7420656e6f7567682045746865722070726f76696465642e000000000000";
    tk_abi_revert r;
    size_t len;
    uint8_t *d = tk_test_hex_alloc(doc_example, &len), big[4 + 64 + 320];

    (void)state;
    assert_int_equal(tk_abi_decode_revert(&r, d, len), TK_OK);
    assert_int_equal(r.kind, TK_ABI_REVERT_ERROR);
    assert_int_equal(r.selector, TK_ABI_SEL_ERROR);
    assert_string_equal(r.reason, "Not enough Ether provided.");
    assert_int_equal(r.reason_len, 26);
    assert_int_equal(r.truncated, 0);
    for (size_t cut = 1; cut < len; cut++)
        assert_int_equal(tk_abi_decode_revert(&r, d, cut),
                         TK_ERR_MALFORMED);
    d[35] = 0x40; /* offset 0x40 */
    assert_int_equal(tk_abi_decode_revert(&r, d, len), TK_ERR_MALFORMED);
    assert_int_equal(r.kind, TK_ABI_REVERT_NONE);
    free(d);

    /* Panic(0x11): arithmetic overflow. */
    d = tk_test_hex_alloc("0x4e487b71"
        "0000000000000000000000000000000000000000000000000000000000000011",
        &len);
    assert_int_equal(tk_abi_decode_revert(&r, d, len), TK_OK);
    assert_int_equal(r.kind, TK_ABI_REVERT_PANIC);
    assert_int_equal(r.panic_code.bytes[31], 0x11);
    assert_int_equal(tk_abi_decode_revert(&r, d, len - 1), TK_ERR_MALFORMED);
    free(d);

    /* A custom error: classified, selector kept. */
    d = tk_test_hex_alloc("0xdeadbeef01", &len);
    assert_int_equal(tk_abi_decode_revert(&r, d, len), TK_OK);
    assert_int_equal(r.kind, TK_ABI_REVERT_CUSTOM);
    assert_int_equal(r.selector, 0xdeadbeefu);
    free(d);

    /* Empty: a bare revert. */
    assert_int_equal(tk_abi_decode_revert(&r, NULL, 0), TK_OK);
    assert_int_equal(r.kind, TK_ABI_REVERT_NONE);

    /* A long reason with control bytes: cut and cleaned. */
    memcpy(big, "\x08\xc3\x79\xa0", 4);
    {
        uint8_t body[300];
        for (size_t i = 0; i < sizeof body; i++)
            body[i] = (uint8_t)(i == 0 ? '\n' : i == 1 ? 0 : 'a' + i % 26);
        len = 4 + build_bytes(big + 4, 32, sizeof body, body, sizeof body);
    }
    assert_int_equal(tk_abi_decode_revert(&r, big, len), TK_OK);
    assert_int_equal(r.kind, TK_ABI_REVERT_ERROR);
    assert_int_equal(r.reason_len, 300);
    assert_int_equal(r.truncated, 1);
    assert_int_equal(strlen(r.reason), TK_ABI_REASON_MAX);
    assert_int_equal(r.reason[0], '?');
    assert_int_equal(r.reason[1], '?');
    assert_int_equal(r.reason[2], 'a' + 2);

    assert_int_equal(tk_abi_decode_revert(NULL, big, len), TK_ERR_ILLEGAL_ARG);
    assert_int_equal(tk_abi_decode_revert(&r, NULL, 4), TK_ERR_ILLEGAL_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_encode_call),
        cmocka_unit_test(test_static_decoders),
        cmocka_unit_test(test_dynamic_bytes),
        cmocka_unit_test(test_revert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

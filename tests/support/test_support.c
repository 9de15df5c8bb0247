/* SPDX-License-Identifier: MIT */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

json_t *tk_test_load(const char *file, json_t **cases)
{
    const char *dir = getenv("TK_VECTORS_DIR");
    char path[4096];
    json_error_t err;
    json_t *root;

    if (dir == NULL)
        dir = "tests/vectors"; /* CTest always sets TK_VECTORS_DIR */
    snprintf(path, sizeof path, "%s/%s", dir, file);
    root = json_load_file(path, 0, &err);
    if (root == NULL) {
        print_error("cannot load %s: %s (line %d)\n", path, err.text, err.line);
        fail();
    }
    if (cases != NULL) {
        *cases = json_object_get(root, "cases");
        assert_non_null(*cases);
        assert_true(json_is_array(*cases));
        assert_true(json_array_size(*cases) > 0);
    }
    return root;
}

const char *tk_test_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || !json_is_string(v)) {
        print_error("vector field '%s' missing or not a string\n", key);
        fail();
    }
    return json_string_value(v);
}

uint64_t tk_test_uint(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        print_error("vector field '%s' missing\n", key);
        fail();
    }
    if (json_is_integer(v)) {
        assert_true(json_integer_value(v) >= 0);
        return (uint64_t)json_integer_value(v);
    }
    assert_true(json_is_string(v));
    return strtoull(json_string_value(v), NULL, 10);
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *tk_test_hex_alloc(const char *hex, size_t *len)
{
    size_t n;
    uint8_t *out;

    assert_non_null(hex);
    assert_true(hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'));
    hex += 2;
    n = strlen(hex);
    assert_true(n % 2 == 0);
    out = malloc(n / 2 + 1);
    assert_non_null(out);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

void tk_test_hex(uint8_t *out, size_t len, const char *hex)
{
    size_t n;
    uint8_t *b = tk_test_hex_alloc(hex, &n);
    if (n != len) {
        print_error("hex '%s' is %zu bytes, expected %zu\n", hex, n, len);
        free(b);
        fail();
    }
    memcpy(out, b, len);
    free(b);
}

void tk_test_dec256(uint8_t out32[32], const char *dec)
{
    memset(out32, 0, 32);
    assert_true(*dec != '\0');
    for (const char *p = dec; *p; p++) {
        unsigned carry;
        assert_true(*p >= '0' && *p <= '9');
        carry = (unsigned)(*p - '0');
        for (int i = 31; i >= 0; i--) {
            unsigned v = out32[i] * 10u + carry;
            out32[i] = (uint8_t)v;
            carry = v >> 8;
        }
        assert_int_equal(carry, 0); /* < 2^256 */
    }
}

char *tk_test_hexstr(const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(2 * len + 3);
    assert_non_null(s);
    s[0] = '0';
    s[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        s[2 + 2 * i] = digits[in[i] >> 4];
        s[3 + 2 * i] = digits[in[i] & 15];
    }
    s[2 * len + 2] = '\0';
    return s;
}

/* xoshiro256** (public-domain algorithm by Blackman and Vigna). */
static uint64_t rng_state[4];
static int rng_seeded;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t tk_test_seed(void)
{
    static uint64_t seed;
    const char *env;
    uint64_t s;

    if (rng_seeded)
        return seed;
    env = getenv("TK_TEST_SEED");
    if (env != NULL && *env != '\0')
        seed = strtoull(env, NULL, 10);
    else
        seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    printf("random seed = %llu (set TK_TEST_SEED to repeat)\n",
           (unsigned long long)seed);
    fflush(stdout);
    s = seed;
    for (int i = 0; i < 4; i++)
        rng_state[i] = splitmix(&s);
    rng_seeded = 1;
    return seed;
}

uint64_t tk_test_rand64(void)
{
    uint64_t *s = rng_state, result, t;
    if (!rng_seeded)
        tk_test_seed();
    result = rotl(s[1] * 5, 7) * 9;
    t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void tk_test_rand_bytes(uint8_t *out, size_t len)
{
    while (len > 0) {
        uint64_t r = tk_test_rand64();
        size_t n = len < 8 ? len : 8;
        memcpy(out, &r, n);
        out += n;
        len -= n;
    }
}

unsigned long tk_test_iters(unsigned long dflt)
{
    const char *env = getenv("TK_TEST_ITERS");
    if (env != NULL && *env != '\0')
        return strtoul(env, NULL, 10);
    return dflt;
}

void tk_test_count_illegal(const char *msg, void *data)
{
    (void)msg;
    (*(int *)data)++;
}

int tk_test_ctx_setup(void **state)
{
    tk_ctx *ctx = NULL;
    if (tk_ctx_create(&ctx) != TK_OK)
        return -1;
    *state = ctx;
    return 0;
}

int tk_test_ctx_teardown(void **state)
{
    tk_ctx_destroy(*state);
    *state = NULL;
    return 0;
}

int tk_test_tmpdir_make(char *dir, size_t dir_size, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(dir, dir_size, "%s/%s_XXXXXX", tmp ? tmp : "/tmp", tag);
    if (n < 0 || (size_t)n >= dir_size)
        return -1;
    return mkdtemp(dir) == NULL ? -1 : 0;
}

int tk_test_tmpdir_remove(const char *dir)
{
    char cmd[600];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

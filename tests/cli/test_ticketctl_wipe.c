/* SPDX-License-Identifier: MIT */
/* ticketctl's jansson allocator (tools/ticketctl/wipe_alloc.c): every block
 * jansson allocated is wiped, whole, before it goes back to the heap.
 *
 * The allocator's calls to malloc and free are redirected here at link time
 * (-Wl,--wrap=malloc,--wrap=free), so the test sees each block's true size
 * when it is made and its bytes at the moment it is released. The wrap
 * covers the statically linked objects only (this file, wipe_alloc.c,
 * libticket.a); jansson, cmocka and libc are shared and keep their own, and
 * while a test runs only the allocator calls malloc and free here. */
#include "test_support.h"

#include "ticketctl.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);

#define MAX_BLOCKS 4096
static struct {
    void *p;
    size_t n;
} blocks[MAX_BLOCKS];
static size_t n_blocks, n_freed, n_dirty;
static const void *watched; /* payload of a block holding a secret */
static int watched_freed;

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (p != NULL && n_blocks < MAX_BLOCKS) {
        blocks[n_blocks].p = p;
        blocks[n_blocks].n = n;
        n_blocks++;
    }
    return p;
}

void __wrap_free(void *p)
{
    for (size_t i = 0; i < n_blocks; i++) {
        if (blocks[i].p != p)
            continue;
        const unsigned char *b = p;
        for (size_t j = 0; j < blocks[i].n; j++)
            if (b[j] != 0) {
                n_dirty++;
                break;
            }
        if (watched != NULL &&
            (const tc_alloc_header *)watched - 1 == (const tc_alloc_header *)p)
            watched_freed = 1;
        blocks[i] = blocks[--n_blocks];
        n_freed++;
        break;
    }
    __real_free(p);
}

static const char KEY[] =
    "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

static int setup(void **state)
{
    (void)state;
    tc_wiping_alloc_install();
    n_blocks = n_freed = n_dirty = 0;
    watched = NULL;
    watched_freed = 0;
    return 0;
}

/* A request's private key, parsed, used and released: the block holding
 * the copy jansson made is wiped, and so is every other block (the lexer's
 * token buffer held the key too). */
static void test_request_secrets_wiped(void **state)
{
    static const char text[] = "{\"privkey\": \"0x4c0883a69102937d6231471b5d"
                               "bb6204fe5129617082792ae468d01a3f362318\", "
                               "\"n\": [1, 2, {\"x\": \"y\"}]}";
    json_error_t err;
    json_t *req;
    const char *v;
    (void)state;

    req = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(req);
    assert_true(n_blocks > 0); /* jansson allocates through us */
    v = json_string_value(json_object_get(req, "privkey"));
    assert_non_null(v);
    assert_string_equal(v, KEY);
    watched = v;
    json_decref(req);
    assert_true(watched_freed);
    assert_int_equal(n_blocks, 0); /* nothing of ours left allocated */
    assert_true(n_freed > 1);
    assert_int_equal(n_dirty, 0);
}

/* What json_dumps returns comes from the same allocator (ticketctl prints
 * keygen's key this way) and goes back through tc_wiping_free. */
static void test_dumps_wiped(void **state)
{
    json_t *o = json_pack("{s:s}", "privkey", KEY);
    char *s;
    (void)state;
    assert_non_null(o);
    s = json_dumps(o, JSON_COMPACT);
    assert_non_null(s);
    assert_non_null(strstr(s, KEY + 2));
    watched = s;
    tc_wiping_free(s);
    assert_true(watched_freed);
    json_decref(o);
    assert_int_equal(n_blocks, 0);
    assert_int_equal(n_dirty, 0);
}

/* A size the header cannot be added to is refused, not wrapped around;
 * NULL is a no-op, like free(). */
static void test_edges(void **state)
{
    void *p;
    (void)state;
    assert_null(tc_wiping_malloc(SIZE_MAX));
    assert_null(tc_wiping_malloc(SIZE_MAX - sizeof(tc_alloc_header) + 1));
    tc_wiping_free(NULL);
    p = tc_wiping_malloc(0);
    assert_non_null(p);
    tc_wiping_free(p);
    p = tc_wiping_malloc(33);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    memset(p, 0xa5, 33);
    tc_wiping_free(p);
    assert_int_equal(n_dirty, 0);
    assert_int_equal(n_blocks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_request_secrets_wiped, setup),
        cmocka_unit_test_setup(test_dumps_wiped, setup),
        cmocka_unit_test_setup(test_edges, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

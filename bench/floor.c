/* SPDX-License-Identifier: MIT */
/* The floor: what raw libsecp256k1 does per second on this machine, with
 * no libticket code in the timed loops. Messages, keys and signatures are
 * prepared before timing; the loops only call libsecp256k1. Signing uses a
 * randomized context (as tk_ctx does); recovery and verification use
 * secp256k1_context_static (as libticket's recovery does). */
#include "bench.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_MSGS 256 /* distinct messages, cycled */

struct floor_state {
    secp256k1_context *ctx;
    uint8_t key[32];
    uint8_t msg[FLOOR_MSGS][32];
    secp256k1_ecdsa_recoverable_signature rsig[FLOOR_MSGS];
    secp256k1_ecdsa_signature sig[FLOOR_MSGS];
    secp256k1_pubkey pub;
    uint64_t sink;
    int failed;
};

static void loop_sign(void *arg, uint64_t iters)
{
    floor_state *f = arg;
    secp256k1_ecdsa_recoverable_signature s;
    for (uint64_t i = 0; i < iters; i++) {
        if (!secp256k1_ecdsa_sign_recoverable(f->ctx, &s,
                                              f->msg[i % FLOOR_MSGS], f->key,
                                              NULL, NULL))
            f->failed = 1;
        f->sink += s.data[0];
    }
}

static void loop_recover(void *arg, uint64_t iters)
{
    floor_state *f = arg;
    secp256k1_pubkey pk;
    for (uint64_t i = 0; i < iters; i++) {
        size_t k = i % FLOOR_MSGS;
        if (!secp256k1_ecdsa_recover(secp256k1_context_static, &pk,
                                     &f->rsig[k], f->msg[k]))
            f->failed = 1;
        f->sink += pk.data[0];
    }
}

static void loop_verify(void *arg, uint64_t iters)
{
    floor_state *f = arg;
    for (uint64_t i = 0; i < iters; i++) {
        size_t k = i % FLOOR_MSGS;
        int ok = secp256k1_ecdsa_verify(secp256k1_context_static, &f->sig[k],
                                        f->msg[k], &f->pub);
        if (!ok)
            f->failed = 1;
        f->sink += (uint64_t)ok;
    }
}

static int floor_setup(floor_state *f)
{
    uint8_t seed[32];

    memset(f, 0, sizeof *f);
    f->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (f->ctx == NULL)
        return -1;
    bench_fill(seed, sizeof seed, 1);
    if (!secp256k1_context_randomize(f->ctx, seed))
        return -1;
    for (uint64_t k = 3; !secp256k1_ec_seckey_verify(f->ctx, f->key); k++)
        bench_fill(f->key, sizeof f->key, k);
    if (!secp256k1_ec_pubkey_create(f->ctx, &f->pub, f->key))
        return -1;
    bench_fill(&f->msg[0][0], sizeof f->msg, 2);
    for (size_t k = 0; k < FLOOR_MSGS; k++) {
        if (!secp256k1_ecdsa_sign_recoverable(f->ctx, &f->rsig[k], f->msg[k],
                                              f->key, NULL, NULL) ||
            !secp256k1_ecdsa_recoverable_signature_convert(
                f->ctx, &f->sig[k], &f->rsig[k]))
            return -1;
    }
    return 0;
}

floor_state *bench_floor_new(void)
{
    floor_state *f = malloc(sizeof *f);
    if (f != NULL && floor_setup(f) != 0) {
        bench_floor_free(f);
        f = NULL;
    }
    return f;
}

void bench_floor_free(floor_state *f)
{
    if (f != NULL && f->ctx != NULL)
        secp256k1_context_destroy(f->ctx);
    free(f);
}

bench_case bench_floor_sign_case(floor_state *f)
{
    return (bench_case){NULL, loop_sign, f, 0};
}

bench_case bench_floor_recover_case(floor_state *f)
{
    return (bench_case){NULL, loop_recover, f, 0};
}

int bench_floor_done(bench_run *run, floor_state *f)
{
    run->sink ^= f->sink;
    f->sink = 0;
    if (f->failed)
        bench_fail(run, "floor", "a libsecp256k1 call failed in the loop");
    return f->failed;
}

void bench_section_floor(bench_run *run)
{
    floor_state *f = bench_floor_new();
    double sec[BENCH_MAX_REPS];
    bench_case c;
    int n;

    if (f == NULL) {
        bench_fail(run, "floor", "libsecp256k1 setup failed");
        return;
    }
    c = bench_floor_sign_case(f);
    n = bench_time(run, &c, sec);
    bench_add_rate(run, "floor_sign_recoverable", "ops/s", sec, n, 1);
    c = bench_floor_recover_case(f);
    n = bench_time(run, &c, sec);
    bench_add_rate(run, "floor_recover", "ops/s", sec, n, 1);
    n = bench_time(run, &(bench_case){NULL, loop_verify, f, 0}, sec);
    bench_add_rate(run, "floor_verify", "ops/s", sec, n, 1);
    (void)bench_floor_done(run, f);
    bench_floor_free(f);
}

/* SPDX-License-Identifier: MIT */
/* Keccak-f[1600], written from the Keccak reference specification
 * (theta, rho, pi, chi, iota). The 25 lanes live in local variables; each
 * round is one macro expansion that reads lanes a<x><y> and writes lanes
 * e<x><y> (or back), so the loop body holds two full rounds without any
 * inner loop, lane table or data-dependent index.
 *
 * Per round, with C[x] the column parities:
 *   theta: D[x] = C[x-1] ^ rot(C[x+1], 1);  A[x,y] ^= D[x]
 *   rho+pi: B[y, 2x+3y] = rot(A[x,y], r[x,y])
 *   chi:   A[x,y] = B[x,y] ^ (~B[x+1,y] & B[x+2,y])
 *   iota:  A[0,0] ^= RC[round]
 * The macro below is that computation written out for output row by row:
 * output lane (X, Y) takes B[X, Y] = rot(A[x', y'] ^ D[x'], r[x', y'])
 * with y' = X and x' = 3 (Y - 3X) mod 5. */
#include "keccakf1600.h"

#define ROL64(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
    0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
    0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
    0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* One round from lanes S<x><y> into lanes D<x><y>; rho offsets r[x][y]:
 *   x=0: 0 36  3 41 18   x=1:  1 44 10 45  2   x=2: 62  6 43 15 61
 *   x=3: 28 55 25 21 56  x=4: 27 20 39  8 14 */
#define KECCAK_ROUND(S, D, rc)                               \
    do {                                                     \
        c0 = S##00 ^ S##01 ^ S##02 ^ S##03 ^ S##04;          \
        c1 = S##10 ^ S##11 ^ S##12 ^ S##13 ^ S##14;          \
        c2 = S##20 ^ S##21 ^ S##22 ^ S##23 ^ S##24;          \
        c3 = S##30 ^ S##31 ^ S##32 ^ S##33 ^ S##34;          \
        c4 = S##40 ^ S##41 ^ S##42 ^ S##43 ^ S##44;          \
        t0 = c4 ^ ROL64(c1, 1);                              \
        t1 = c0 ^ ROL64(c2, 1);                              \
        t2 = c1 ^ ROL64(c3, 1);                              \
        t3 = c2 ^ ROL64(c4, 1);                              \
        t4 = c3 ^ ROL64(c0, 1);                              \
        /* row 0 */                                          \
        b0 = S##00 ^ t0;                                     \
        b1 = ROL64(S##11 ^ t1, 44);                          \
        b2 = ROL64(S##22 ^ t2, 43);                          \
        b3 = ROL64(S##33 ^ t3, 21);                          \
        b4 = ROL64(S##44 ^ t4, 14);                          \
        D##00 = b0 ^ (~b1 & b2) ^ (rc);                      \
        D##10 = b1 ^ (~b2 & b3);                             \
        D##20 = b2 ^ (~b3 & b4);                             \
        D##30 = b3 ^ (~b4 & b0);                             \
        D##40 = b4 ^ (~b0 & b1);                             \
        /* row 1 */                                          \
        b0 = ROL64(S##30 ^ t3, 28);                          \
        b1 = ROL64(S##41 ^ t4, 20);                          \
        b2 = ROL64(S##02 ^ t0, 3);                           \
        b3 = ROL64(S##13 ^ t1, 45);                          \
        b4 = ROL64(S##24 ^ t2, 61);                          \
        D##01 = b0 ^ (~b1 & b2);                             \
        D##11 = b1 ^ (~b2 & b3);                             \
        D##21 = b2 ^ (~b3 & b4);                             \
        D##31 = b3 ^ (~b4 & b0);                             \
        D##41 = b4 ^ (~b0 & b1);                             \
        /* row 2 */                                          \
        b0 = ROL64(S##10 ^ t1, 1);                           \
        b1 = ROL64(S##21 ^ t2, 6);                           \
        b2 = ROL64(S##32 ^ t3, 25);                          \
        b3 = ROL64(S##43 ^ t4, 8);                           \
        b4 = ROL64(S##04 ^ t0, 18);                          \
        D##02 = b0 ^ (~b1 & b2);                             \
        D##12 = b1 ^ (~b2 & b3);                             \
        D##22 = b2 ^ (~b3 & b4);                             \
        D##32 = b3 ^ (~b4 & b0);                             \
        D##42 = b4 ^ (~b0 & b1);                             \
        /* row 3 */                                          \
        b0 = ROL64(S##40 ^ t4, 27);                          \
        b1 = ROL64(S##01 ^ t0, 36);                          \
        b2 = ROL64(S##12 ^ t1, 10);                          \
        b3 = ROL64(S##23 ^ t2, 15);                          \
        b4 = ROL64(S##34 ^ t3, 56);                          \
        D##03 = b0 ^ (~b1 & b2);                             \
        D##13 = b1 ^ (~b2 & b3);                             \
        D##23 = b2 ^ (~b3 & b4);                             \
        D##33 = b3 ^ (~b4 & b0);                             \
        D##43 = b4 ^ (~b0 & b1);                             \
        /* row 4 */                                          \
        b0 = ROL64(S##20 ^ t2, 62);                          \
        b1 = ROL64(S##31 ^ t3, 55);                          \
        b2 = ROL64(S##42 ^ t4, 39);                          \
        b3 = ROL64(S##03 ^ t0, 41);                          \
        b4 = ROL64(S##14 ^ t1, 2);                           \
        D##04 = b0 ^ (~b1 & b2);                             \
        D##14 = b1 ^ (~b2 & b3);                             \
        D##24 = b2 ^ (~b3 & b4);                             \
        D##34 = b3 ^ (~b4 & b0);                             \
        D##44 = b4 ^ (~b0 & b1);                             \
    } while (0)

#define LOAD_ROW(y)                                                          \
    a0##y = lanes[0 + 5 * y], a1##y = lanes[1 + 5 * y],                      \
    a2##y = lanes[2 + 5 * y], a3##y = lanes[3 + 5 * y],                      \
    a4##y = lanes[4 + 5 * y]
#define STORE_ROW(y)                                                         \
    lanes[0 + 5 * y] = a0##y, lanes[1 + 5 * y] = a1##y,                      \
    lanes[2 + 5 * y] = a2##y, lanes[3 + 5 * y] = a3##y,                      \
    lanes[4 + 5 * y] = a4##y

#if defined(__GNUC__) || defined(__clang__)
#define TK_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TK_ALWAYS_INLINE inline
#endif

/* The permutation body, instantiated below for the baseline target and,
 * on x86-64, for CPUs with BMI1/BMI2 (chi's ~b & c becomes one andn and
 * rotations become rorx, about 15% faster). Which one runs depends only on
 * the CPU, never on data. */
static TK_ALWAYS_INLINE void permute(uint64_t lanes[25])
{
    uint64_t a00, a10, a20, a30, a40, a01, a11, a21, a31, a41, a02, a12, a22,
        a32, a42, a03, a13, a23, a33, a43, a04, a14, a24, a34, a44;
    uint64_t e00, e10, e20, e30, e40, e01, e11, e21, e31, e41, e02, e12, e22,
        e32, e42, e03, e13, e23, e33, e43, e04, e14, e24, e34, e44;
    uint64_t b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, t0, t1, t2, t3, t4;
    int i;

    LOAD_ROW(0);
    LOAD_ROW(1);
    LOAD_ROW(2);
    LOAD_ROW(3);
    LOAD_ROW(4);
    for (i = 0; i < 24; i += 2) {
        KECCAK_ROUND(a, e, RC[i]);
        KECCAK_ROUND(e, a, RC[i + 1]);
    }
    STORE_ROW(0);
    STORE_ROW(1);
    STORE_ROW(2);
    STORE_ROW(3);
    STORE_ROW(4);
}

void tk__keccakf1600_generic(uint64_t lanes[25])
{
    permute(lanes);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(__BMI__)
#define TK_KECCAK_BMI_DISPATCH 1
__attribute__((target("bmi,bmi2"))) static void permute_bmi(uint64_t l[25])
{
    permute(l);
}
#endif

void tk__keccakf1600(uint64_t lanes[25])
{
#ifdef TK_KECCAK_BMI_DISPATCH
    /* libgcc/compiler-rt fill in the CPU model once at start-up. */
    if (__builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2")) {
        permute_bmi(lanes);
        return;
    }
#endif
    permute(lanes);
}

const char *tk__keccakf1600_impl(void)
{
#ifdef TK_KECCAK_BMI_DISPATCH
    if (__builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2"))
        return "portable64+bmi2";
#endif
    return "portable64";
}

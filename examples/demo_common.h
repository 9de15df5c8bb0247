/* SPDX-License-Identifier: MIT */
#ifndef TICKET_DEMO_COMMON_H
#define TICKET_DEMO_COMMON_H

/* What the broadcaster and transcoder demos agree on. In a real network
 * both nodes read one Ethereum chain through their own RPC connection; here
 * each runs an in-memory dev chain (tk_chain_mem) created with the same
 * start block, round length and sender funds. The dev chain is
 * deterministic (rounds start every DEMO_ROUND_LENGTH blocks, their block
 * hashes derive from the block number), so two dev chains at the same block
 * number are in the same state. The transcoder mines blocks as segments
 * arrive and reports its block number in every response (DEMO_BLOCK_HEADER);
 * the broadcaster advances its own dev chain to that number before it
 * checks params or signs tickets. Only the block number crosses the wire. */

/* stdio.h before gmp.h (and every libticket header that includes it):
 * GMP declares its FILE * functions, mpq_out_str among them, only then. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>

#include "ticket/common.h"
#include "ticket/u256.h"

#define DEMO_START_BLOCK 1000u
#define DEMO_ROUND_LENGTH 25u      /* short rounds: the demo crosses a few */
#define DEMO_BLOCKS_PER_SEGMENT 3u /* the transcoder mines 3 per segment */

/* The broadcaster's on-chain funds, as both dev chains record them. */
#define DEMO_DEPOSIT_WEI "1000000000000000000" /* 1 ETH */
#define DEMO_RESERVE_WEI "1000000000000000000" /* 1 ETH */

/* The transcoder's price and what one segment costs. */
#define DEMO_PRICE_PER_UNIT 12000000u  /* wei ... */
#define DEMO_PIXELS_PER_UNIT 1u        /* ... per pixel */
#define DEMO_PIXELS_PER_SEGMENT 55296000u /* 2 s of 1280x720 at 30 fps */

/* HTTP. */
#define DEMO_BLOCK_HEADER "X-Dev-Chain-Block"  /* transcoder's L1 block */
#define DEMO_STREAM_HEADER "Livepeer-Manifest" /* the stream being paid for */
#define DEMO_STREAM_ID "demo-stream"
/* The request credential of each segment (docs/protocol-notes.md section 10; in
 * go-livepeer it travels in the Livepeer-Segment header's SegData): the
 * segment's seq, and the broadcaster's signature over (manifest id = the
 * stream id, seq, keccak(segment bytes), profiles) in hex. The transcoder
 * debits a segment's fee only when the signature is the paying sender's
 * and the seq is above every seq it served on the stream. */
#define DEMO_SEQ_HEADER "Livepeer-Segment-Seq"
#define DEMO_SIG_HEADER "Livepeer-Segment-Sig"
#define DEMO_PROFILE "P720p30fps16x9" /* the one rendition requested */

/* A decimal constant of this file as a uint256 (0 if it were malformed). */
static inline tk_u256 demo_u256(const char *dec)
{
    tk_u256 x;
    if (tk_u256_from_dec(&x, dec, strlen(dec)) != TK_OK)
        memset(&x, 0, sizeof x);
    return x;
}

/* fee = price per pixel * pixels (exact). */
static inline void demo_segment_fee(mpq_t fee, const tk_price *price)
{
    mpz_t num, den;
    mpz_inits(num, den, NULL);
    mpz_import(num, 32, 1, 1, 1, 0, price->num.bytes);
    mpz_import(den, 32, 1, 1, 1, 0, price->den.bytes);
    mpz_mul_ui(num, num, DEMO_PIXELS_PER_SEGMENT);
    mpq_set_num(fee, num);
    mpq_set_den(fee, den);
    mpq_canonicalize(fee);
    mpz_clears(num, den, NULL);
}

/* An amount of wei for people: the integer part, and "+" when a fraction
 * of a wei remains (amounts are exact rationals). Returns buf. */
static inline const char *demo_wei(char *buf, size_t cap, const mpq_t x)
{
    mpz_t q;
    char *s;
    mpz_init(q);
    mpz_fdiv_q(q, mpq_numref(x), mpq_denref(x));
    s = mpz_get_str(NULL, 10, q);
    snprintf(buf, cap, "%s%s", s != NULL ? s : "?",
             mpz_cmp_ui(mpq_denref(x), 1) != 0 ? "+" : "");
    free(s);
    mpz_clear(q);
    return buf;
}

#endif

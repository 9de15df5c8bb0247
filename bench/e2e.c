/* SPDX-License-Identifier: MIT */
/* End to end on the recipient: the base64 Livepeer-Payment header of a
 * 10-ticket payment -> strict base64 + protobuf decode -> receive (the
 * full path of recipient.c) -> EV credited to the balance; tickets per
 * second. The headers are built by the sender and encoded before timing.
 * Also the header decode alone, per header. */
#include "bench.h"
#include "fixture.h"

#include "ticket/wire.h"

#include <stdlib.h>
#include <string.h>

#define E2E_PER_PAY 10

typedef struct e2e_state {
    bench_world w;
    tk_sender *sender;
    tk_recipient *r;
    char **hdr;
    size_t *hdr_len;
    size_t npay;
    tk_ticket_result res[E2E_PER_PAY];
    int failed;
    uint64_t sink;
} e2e_state;

static int prep_recipient(void *arg, uint64_t iters)
{
    e2e_state *s = arg;
    if (iters > s->npay)
        return -1;
    return bench_recipient_new(&s->w, &s->r, 0);
}

static void loop_e2e(void *arg, uint64_t iters)
{
    e2e_state *s = arg;
    tk_receive_summary sum;
    tk_payment p;
    for (uint64_t i = 0; i < iters; i++) {
        memset(&sum, 0, sizeof sum);
        if (tk_wire_decode_payment_header(&p, s->hdr[i], s->hdr_len[i]) !=
                TK_OK ||
            tk_recipient_receive(s->r, s->res, E2E_PER_PAY, &sum, NULL, &p,
                                 NULL) != TK_OK ||
            sum.accepted != E2E_PER_PAY)
            s->failed = 1;
        s->sink += sum.winners + s->res[E2E_PER_PAY - 1].sender_nonce;
        tk_payment_clear(&p);
    }
}

static void loop_decode(void *arg, uint64_t iters)
{
    e2e_state *s = arg;
    tk_payment p;
    for (uint64_t i = 0; i < iters; i++) {
        size_t k = i % s->npay;
        if (tk_wire_decode_payment_header(&p, s->hdr[k], s->hdr_len[k]) !=
            TK_OK)
            s->failed = 1;
        s->sink += p.count;
        tk_payment_clear(&p);
    }
}

/* Encode the headers of npay signed payments. Returns 0 on success. */
static int make_headers(e2e_state *s)
{
    tk_payment *pays = bench_payments_make(&s->w, s->sender, s->r, s->npay,
                                           E2E_PER_PAY, 50000);
    int rc = pays == NULL ? -1 : 0;

    s->hdr = calloc(s->npay, sizeof *s->hdr);
    s->hdr_len = calloc(s->npay, sizeof *s->hdr_len);
    if (s->hdr == NULL || s->hdr_len == NULL)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < s->npay; i++) {
        size_t need = 0;
        /* The first call asks for the size (needed including the NUL). */
        if (tk_wire_encode_payment_header(NULL, &need, &pays[i]) !=
                TK_ERR_BUFFER_TOO_SMALL ||
            (s->hdr[i] = malloc(need)) == NULL ||
            tk_wire_encode_payment_header(s->hdr[i], &need, &pays[i]) !=
                TK_OK)
            rc = -1;
        else
            s->hdr_len[i] = need;
    }
    bench_payments_free(pays, s->npay);
    return rc;
}

void bench_section_e2e(bench_run *run)
{
    e2e_state *s = calloc(1, sizeof *s);
    double sec[BENCH_MAX_REPS];
    int n;

    if (s == NULL || bench_world_init(&s->w) != 0) {
        bench_fail(run, "e2e", "setup failed");
        free(s);
        return;
    }
    s->npay = run->cfg.quick ? 10 : 400;
    if (bench_recipient_setup(&s->w) != 0 ||
        bench_sender_create(&s->w, &s->sender) != 0 ||
        bench_recipient_new(&s->w, &s->r, 0) != 0 || make_headers(s) != 0) {
        bench_fail(run, "e2e", "setup failed");
        goto out;
    }
    n = bench_time(run, &(bench_case){NULL, loop_decode, s, 0}, sec);
    bench_add_ns(run, "wire_decode_header10", sec, n);
    n = bench_time(run, &(bench_case){prep_recipient, loop_e2e, s, s->npay},
                   sec);
    if (n > 0)
        bench_add_rate(run, "e2e_header10", "tickets/s", sec, n,
                       E2E_PER_PAY);
    else
        bench_fail(run, "e2e", "could not create the recipient");
    if (s->failed)
        bench_fail(run, "e2e", "a call failed inside a timed loop");
    bench_set_ratio(run, "e2e_vs_floor_recover",
                    bench_median_ratio(run, "e2e_header10", "floor_recover"));
out:
    run->sink ^= s->sink;
    for (size_t i = 0; s->hdr != NULL && i < s->npay; i++)
        free(s->hdr[i]);
    free(s->hdr);
    free(s->hdr_len);
    tk_recipient_destroy(s->r);
    tk_sender_destroy(s->sender);
    bench_world_free(&s->w);
    free(s);
}

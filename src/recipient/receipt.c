/* SPDX-License-Identifier: MIT */
/* The signed receipt of a received payment (docs/receipts.md R1), built from
 * tk_recipient_receive()'s per-ticket results. */
#include "recipient_internal.h"

#include "core/internal.h"
#include "model/mpz_u64.h"

#include "ticket/u256.h"

#include <gmp.h>
#include <string.h>

/* floor(accepted * EV), EV exact as in section 2. */
static tk_status credited_wei(tk_u256 *out, const tk_ticket_params *params,
                              size_t accepted)
{
    mpq_t ev;
    mpz_t a, k;
    tk_status st;

    mpq_init(ev);
    mpz_inits(a, k, NULL);
    st = tk_ticket_ev(ev, &params->face_value, &params->win_prob);
    if (st == TK_OK) {
        tk__mpz_set_u64(k, (uint64_t)accepted);
        mpz_mul(a, mpq_numref(ev), k);
        mpz_fdiv_q(a, a, mpq_denref(ev));
        st = tk_u256_from_mpz(out, a);
    }
    mpz_clears(a, k, NULL);
    mpq_clear(ev);
    return st;
}

static int results_match(const tk_payment *p, const tk_ticket_result *res)
{
    for (size_t i = 0; i < p->count; i++)
        if (res[i].sender_nonce != p->tickets[i].sender_nonce)
            return 0;
    return 1;
}

tk_status tk_recipient_receipt(tk_recipient *r, tk_signed_receipt *out,
                               const uint8_t seckey32[32],
                               const tk_receipt_domain *domain,
                               const tk_payment *payment,
                               const tk_ticket_result *results, size_t n)
{
    size_t accepted = 0, winners = 0, ti = 0, wi = 0;
    tk_signed_receipt s;
    tk_ticket t;
    tk_status st;

    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK(r->ctx, seckey32 != NULL);
    TK_ARG_CHECK(r->ctx, domain != NULL);
    TK_ARG_CHECK(r->ctx, payment != NULL);
    TK_ARG_CHECK(r->ctx, n == payment->count);
    TK_ARG_CHECK(r->ctx, payment->tickets != NULL || n == 0);
    TK_ARG_CHECK(r->ctx, results != NULL || n == 0);
    TK_ARG_CHECK(r->ctx, results_match(payment, results));
    if (memcmp(payment->params.recipient.bytes, r->cfg.address.bytes,
               TK_ADDRESS_LEN) != 0)
        return TK_ERR_WRONG_RECIPIENT;

    for (size_t i = 0; i < n; i++)
        if (results[i].status == TK_OK) {
            accepted++;
            winners += results[i].wins != 0;
        }
    st = tk_signed_receipt_alloc(&s, accepted, winners);
    if (st != TK_OK)
        return st;
    s.receipt.sender = payment->sender;
    s.receipt.recipient = payment->params.recipient;
    s.receipt.recipient_rand_hash = payment->params.recipient_rand_hash;
    (void)tk_u256_from_u64(&s.receipt.block_number,
                           atomic_load(&r->high_water));
    st = credited_wei(&s.receipt.credited_wei, &payment->params, accepted);
    for (size_t i = 0; i < n && st == TK_OK; i++) {
        if (results[i].status != TK_OK)
            continue;
        st = tk_payment_ticket(&t, payment, i);
        if (st == TK_OK)
            st = tk_ticket_hash(&s.hashes[ti], &t);
        s.ticket_nonces[ti] = results[i].sender_nonce;
        if (st == TK_OK && results[i].wins) {
            s.hashes[accepted + wi] = s.hashes[ti];
            s.winner_nonces[wi++] = results[i].sender_nonce;
        }
        ti++;
    }
    if (st == TK_OK)
        st = tk_receipt_sign(r->ctx, &s.sig, seckey32, domain, &s.receipt);
    if (st != TK_OK) {
        tk_signed_receipt_clear(&s);
        return st;
    }
    *out = s;
    return TK_OK;
}

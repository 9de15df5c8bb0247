/* SPDX-License-Identifier: MIT */
/* Exact arithmetic with GMP: a ticket's expected value and the recipient's
 * winProb rule (docs/protocol-notes.md sections 2 and 4.3). Neither is on
 * a per-ticket hot path. */
#include "core/internal.h"

#include "ticket/ticket.h"
#include "ticket/u256.h"
#include "model/mpz_u64.h"

#include <string.h>

tk_status tk_u256_to_mpz(mpz_t out, const tk_u256 *x)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    if (x == NULL) {
        mpz_set_ui(out, 0);
        TK_ARG_CHECK_NOCTX(x != NULL);
    }
    mpz_import(out, TK_U256_LEN, 1, 1, 1, 0, x->bytes);
    return TK_OK;
}

void tk__mpz_set_u64(mpz_t z, uint64_t v)
{
    mpz_import(z, 1, 1, sizeof v, 0, 0, &v);
}

tk_status tk_u256_from_mpz(tk_u256 *out, const mpz_t x)
{
    size_t count = 0;
    uint8_t buf[TK_U256_LEN];

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(x != NULL);
    if (mpz_sgn(x) < 0 || mpz_sizeinbase(x, 2) > 256)
        return TK_ERR_OVERFLOW;
    if (mpz_sgn(x) == 0)
        return TK_OK;
    mpz_export(buf, &count, 1, 1, 1, 0, x);
    memcpy(out->bytes + TK_U256_LEN - count, buf, count);
    return TK_OK;
}

static void set_max(mpz_t m)
{
    mpz_set_ui(m, 0);
    mpz_setbit(m, 256);
    mpz_sub_ui(m, m, 1);
}

tk_status tk_ticket_ev(mpq_t ev, const tk_u256 *face_value,
                       const tk_u256 *win_prob)
{
    mpz_t num, max;

    TK_ARG_CHECK_NOCTX(ev != NULL);
    if (face_value == NULL || win_prob == NULL) {
        mpq_set_ui(ev, 0, 1);
        TK_ARG_CHECK_NOCTX(face_value != NULL && win_prob != NULL);
    }
    mpz_inits(num, max, NULL);
    (void)tk_u256_to_mpz(num, face_value);
    (void)tk_u256_to_mpz(max, win_prob); /* max holds winProb briefly */
    mpz_mul(num, num, max);
    set_max(max);
    mpq_set_num(ev, num);
    mpq_set_den(ev, max);
    mpq_canonicalize(ev);
    mpz_clears(num, max, NULL);
    return TK_OK;
}

tk_status tk_win_prob_exact(mpz_t out, const tk_u256 *face_value,
                            const tk_u256 *ev)
{
    mpz_t face, e, q, r;

    TK_ARG_CHECK_NOCTX(out != NULL);
    if (face_value == NULL || ev == NULL) {
        mpz_set_ui(out, 0);
        TK_ARG_CHECK_NOCTX(face_value != NULL && ev != NULL);
    }
    if (tk_u256_is_zero(face_value)) {
        mpz_set_ui(out, 0);
        return TK_OK;
    }
    if (tk_u256_cmp(face_value, ev) == 0) { /* before any division */
        set_max(out);
        return TK_OK;
    }
    mpz_inits(face, e, q, r, NULL);
    (void)tk_u256_to_mpz(face, face_value);
    (void)tk_u256_to_mpz(e, ev);
    set_max(q);
    /* The full 256-bit remainder decides, not just its low 64 bits (the
     * Go node's r.Int64() != 0 test gets this wrong; see win_prob.json). */
    mpz_tdiv_qr(q, r, q, face);
    if (mpz_sgn(r) != 0)
        mpz_add_ui(q, q, 1);
    mpz_mul(out, e, q);
    mpz_clears(face, e, q, r, NULL);
    return TK_OK;
}

tk_status tk_win_prob(tk_u256 *out, const tk_u256 *face_value,
                      const tk_u256 *ev)
{
    mpz_t wp;
    tk_status st;

    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(face_value != NULL && ev != NULL);
    mpz_init(wp);
    st = tk_win_prob_exact(wp, face_value, ev);
    if (st == TK_OK)
        st = tk_u256_from_mpz(out, wp);
    mpz_clear(wp);
    return st;
}

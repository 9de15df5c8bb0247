/* SPDX-License-Identifier: MIT */
/* Authenticated debits (tk_recipient_debit_request, docs/protocol-notes.md
 * section 10): a balance is spent only for a request the sender signed,
 * once. */
#include "recipient_internal.h"

#include "core/internal.h"

tk_status tk_recipient_debit_request(tk_recipient *r, const tk_address *sender,
                                     const tk_hash *session, mpq_srcptr amount, unsigned flags,
                                     const tk_credential *cred, const uint8_t *sig, size_t siglen)
{
    int allow_negative = (flags & TK_DEBIT_ALLOW_NEGATIVE) != 0;
    tk_status st;

    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, sender != NULL && session != NULL && amount != NULL && cred != NULL);
    TK_ARG_CHECK(r->ctx, mpq_sgn(amount) >= 0);
    TK_ARG_CHECK(r->ctx, (flags & ~TK_DEBIT_ALLOW_NEGATIVE) == 0);
    TK_ARG_CHECK(r->ctx, sig != NULL || siglen == 0);

    if ((st = tk_credential_verify(r->ctx, sender, cred, sig, siglen)) != TK_OK)
        return st;
    if (r->store.seq_advance == NULL)
        return TK_ERR_STATE;
    /* Refuse what cannot be paid before the seq is used up. */
    if (!allow_negative) {
        mpq_t have;
        mpq_init(have);
        st = tk__balances_get(r->balances, have, sender, session);
        if (st == TK_OK && mpq_cmp(have, amount) < 0)
            st = TK_ERR_INSUFFICIENT_BALANCE;
        mpq_clear(have);
        if (st != TK_OK)
            return st;
    }
    st = r->store.seq_advance(r->store.self, sender, cred->manifest_id, cred->manifest_id_len,
                              cred->seq);
    if (st == TK_ERR_STALE_SEQ || st == TK_ERR_NOMEM)
        return st;
    /* A retryable failure left the seq unused: the same request may come again. */
    if (st != TK_OK)
        return tk__recipient_store_status(st);
    return tk__balances_debit(r->balances, sender, session, amount, allow_negative);
}

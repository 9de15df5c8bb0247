/* SPDX-License-Identifier: MIT */
#ifndef TK_FUZZ_MODEL_H
#define TK_FUZZ_MODEL_H

/* Field-by-field equality of the model's structs (memcmp of a whole
 * struct would also compare padding). */

#include "ticket/payment.h"
#include "ticket/ticket.h"

#include <string.h>

static inline int fuzz_params_equal(const tk_ticket_params *a,
                                    const tk_ticket_params *b)
{
#define FUZZ_SAME(f) (memcmp(&a->f, &b->f, sizeof a->f) == 0)
    return FUZZ_SAME(recipient) && FUZZ_SAME(face_value) &&
           FUZZ_SAME(win_prob) && FUZZ_SAME(recipient_rand_hash) &&
           FUZZ_SAME(seed) && FUZZ_SAME(expiration_block) &&
           FUZZ_SAME(price.num) && FUZZ_SAME(price.den) &&
           a->creation_round == b->creation_round &&
           FUZZ_SAME(creation_round_block_hash);
#undef FUZZ_SAME
}

static inline int fuzz_payment_equal(const tk_payment *a, const tk_payment *b)
{
    size_t i;
    if (memcmp(&a->sender, &b->sender, sizeof a->sender) != 0 ||
        !fuzz_params_equal(&a->params, &b->params) || a->count != b->count)
        return 0;
    for (i = 0; i < a->count; i++) {
        if (a->tickets[i].sender_nonce != b->tickets[i].sender_nonce ||
            a->tickets[i].sig_bad_length != b->tickets[i].sig_bad_length ||
            memcmp(&a->tickets[i].sig, &b->tickets[i].sig,
                   sizeof a->tickets[i].sig) != 0)
            return 0;
    }
    return 1;
}

/* A tk_payment as tk_payment_clear() leaves it: all zero, no tickets. */
static inline int fuzz_payment_is_empty(const tk_payment *p)
{
    static const tk_payment zero;
    return p->count == 0 && p->tickets == NULL &&
           memcmp(&p->sender, &zero.sender, sizeof p->sender) == 0 &&
           fuzz_params_equal(&p->params, &zero.params);
}

#endif

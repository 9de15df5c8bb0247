/* SPDX-License-Identifier: MIT */
#ifndef TK_STORE_WINNER_VEC_H
#define TK_STORE_WINNER_VEC_H

/* A growable array of copied winners (store snapshots, queue work lists).
 * It holds recipientRands, so growing moves the rows by hand and wipes the
 * old block, and freeing wipes everything. */

#include "ticket/store.h"

typedef struct tk__winner_vec {
    tk_winner *v;
    size_t n, cap;
} tk__winner_vec;

tk_status tk__winner_vec_push(tk__winner_vec *a, const tk_winner *w);
void tk__winner_vec_free(tk__winner_vec *a);

#endif /* TK_STORE_WINNER_VEC_H */

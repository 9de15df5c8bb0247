/* SPDX-License-Identifier: MIT */
#include "store/winner_vec.h"

#include "core/memzero.h"

#include <stdlib.h>
#include <string.h>

tk_status tk__winner_vec_push(tk__winner_vec *a, const tk_winner *w)
{
    if (a->n == a->cap) {
        size_t cap = a->cap == 0 ? 16 : a->cap * 2;
        tk_winner *grown;
        if (cap > SIZE_MAX / sizeof *grown)
            return TK_ERR_NOMEM;
        grown = malloc(cap * sizeof *grown);
        if (grown == NULL)
            return TK_ERR_NOMEM;
        if (a->n > 0)
            memcpy(grown, a->v, a->n * sizeof *grown);
        tk__memzero(a->v, a->cap * sizeof *a->v);
        free(a->v);
        a->v = grown;
        a->cap = cap;
    }
    a->v[a->n++] = *w;
    return TK_OK;
}

void tk__winner_vec_free(tk__winner_vec *a)
{
    tk__memzero(a->v, a->cap * sizeof *a->v);
    free(a->v);
    memset(a, 0, sizeof *a);
}

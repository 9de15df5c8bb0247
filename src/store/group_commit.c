/* SPDX-License-Identifier: MIT */
/* Group commit's leader/follower queue (group_commit.h). */
#include "store/group_commit.h"

tk_status tk__group_init(tk__group *g)
{
    if (pthread_mutex_init(&g->mu, NULL) != 0)
        return TK_ERR_NOMEM;
    g->head = NULL;
    g->tail = &g->head;
    g->leading = 0;
    return TK_OK;
}

void tk__group_destroy(tk__group *g)
{
    pthread_mutex_destroy(&g->mu);
}

/* Lead one batch: take it, run it unlocked, publish it (g->mu held on
 * entry and on return). */
static void lead(tk__group *g, tk__group_take_fn take, tk__group_run_fn run, void *arg)
{
    tk__group_req *batch, *q, *next;

    g->leading = 1;
    batch = take(g, arg);
    g->tail = &g->head; /* take may have unlinked the last one */
    while (*g->tail != NULL)
        g->tail = &(*g->tail)->next;
    pthread_mutex_unlock(&g->mu);
    run(batch, arg);
    pthread_mutex_lock(&g->mu);
    for (q = batch; q != NULL; q = next) {
        next = q->next; /* q may be gone once its thread sees done */
        q->done = 1;
        pthread_cond_signal(&q->cv);
    }
    g->leading = 0;
    /* The requests that queued meanwhile: the first one leads them. */
    if (g->head != NULL)
        pthread_cond_signal(&g->head->cv);
}

tk_status tk__group_run(tk__group *g, tk__group_req *me, tk__group_take_fn take,
                        tk__group_run_fn run, void *arg)
{
    me->next = NULL;
    me->done = 0;
    if (pthread_cond_init(&me->cv, NULL) != 0)
        return TK_ERR_NOMEM;
    pthread_mutex_lock(&g->mu);
    *g->tail = me;
    g->tail = &me->next;
    /* A request in a running batch waits: leading stays set until the
     * batch is done. */
    while (!me->done) {
        if (g->leading)
            pthread_cond_wait(&me->cv, &g->mu);
        else
            lead(g, take, run, arg);
    }
    pthread_mutex_unlock(&g->mu);
    pthread_cond_destroy(&me->cv);
    return TK_OK;
}

size_t tk__group_waiting(tk__group *g)
{
    size_t k = 0;

    pthread_mutex_lock(&g->mu);
    for (const tk__group_req *q = g->head; q != NULL; q = q->next)
        k++;
    pthread_mutex_unlock(&g->mu);
    return k;
}

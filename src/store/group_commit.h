/* SPDX-License-Identifier: MIT */
#ifndef TK_STORE_GROUP_COMMIT_H
#define TK_STORE_GROUP_COMMIT_H

/* Group commit's leader/follower queue, shared by the SQLite store's
 * writes (sqlite_commit.c) and the PostgreSQL store's nonce claims
 * (store_pg/pg_claim.c): many threads' requests share one transaction, so
 * that one commit (one flush) makes all of them durable.
 *
 * A thread queues its request and waits. When no batch is running, one
 * waiting thread becomes the leader: it takes a batch out of the queue
 * (take), runs it with the queue unlocked (run), marks the batch's
 * requests done, wakes their threads, and hands the lead to the first
 * request still queued. Requests that queue while a batch runs form the
 * next one, so the batch grows with the load and a lone request pays no
 * delay: there is no timer, the leader never waits for company. Each
 * request has its own condition, so that the end of a batch wakes the
 * threads it served and one leader, not every waiting thread (those of
 * the next batch would only go back to sleep). */

#include "ticket/common.h"

#include <pthread.h>
#include <stddef.h>

typedef struct tk__group_req {
    struct tk__group_req *next;
    pthread_cond_t cv; /* done, or this thread is to lead */
    int done;          /* its batch ran: its outcome is set */
} tk__group_req;

typedef struct tk__group {
    pthread_mutex_t mu; /* guards the queue; never held while a batch runs */
    tk__group_req *head, **tail;
    int leading; /* a batch runs */
} tk__group;

/* Detach the next batch from g->head (g->mu held): unlink the requests it
 * takes, link them through next (the last one's next NULL), and return the
 * first. It must take g->head's first request (so the queue always moves);
 * it may leave others queued for a later batch. g->tail is fixed after. */
typedef tk__group_req *(*tk__group_take_fn)(tk__group *g, void *arg);
/* Run the batch (g->mu not held) and set every request's outcome. */
typedef void (*tk__group_run_fn)(tk__group_req *batch, void *arg);

/* TK_OK; TK_ERR_NOMEM (the mutex could not be made). */
tk_status tk__group_init(tk__group *g);
/* The queue must be empty (no thread inside tk__group_run). */
void tk__group_destroy(tk__group *g);

/* Queue me (zeroed by the caller but for its own fields) and return once
 * a batch holding it ran: TK_OK, its outcome in the caller's fields; or
 * TK_ERR_NOMEM, not queued (its condition could not be made). */
tk_status tk__group_run(tk__group *g, tk__group_req *me, tk__group_take_fn take,
                        tk__group_run_fn run, void *arg);

/* How many requests wait in the queue (not those of a running batch). */
size_t tk__group_waiting(tk__group *g);

#endif

/* SPDX-License-Identifier: MIT */
/* store-list, store-requeue: an operator's view of the SQLite winners. */
#include "ticketctl.h"

#include "ticket/store.h"
#include "ticket/store_sqlite.h"

#include <string.h>
#include <unistd.h>

static const char *state_name(tk_winner_state s)
{
    static const char *names[] = {"new",    "submitted", "confirmed",
                                  "failed", "used",      "expired"};
    return (unsigned)s < 6 ? names[s] : "unknown";
}

/* Open an existing store (never create one by mistake); read-only for the
 * commands that only look (no schema written, no migration). */
static int open_store(tc *c, const json_t *in, tk_store_sqlite **s, int ro)
{
    const char *path;
    tk_status st;
    *s = NULL;
    if (tc_in_string(c, in, "store", &path, TC_REQUIRED) < 0)
        return -1;
    if (access(path, F_OK) != 0)
        return tc_fail(c, "not_found", "no store file at '%s'", path);
    st = ro ? tk_store_sqlite_create_read_only(s, path, NULL)
            : tk_store_sqlite_create(s, path, NULL);
    if (st != TK_OK)
        return tc_fail_status(c, st, "opening the store");
    return 0;
}

static int add_winner(const tk_winner *w, void *data)
{
    json_t *o = json_object();
    static const tk_hash zero;
    tc_set_hex(o, "ticket_hash", w->ticket_hash.bytes, 32);
    json_object_set_new(o, "state", json_string(state_name(w->state)));
    tc_set_u256(o, "face_value", &w->ticket.face_value);
    tc_set_address(o, "sender", &w->ticket.sender);
    tc_set_address(o, "recipient", &w->ticket.recipient);
    json_object_set_new(o, "sender_nonce", json_integer(w->ticket.sender_nonce));
    tc_set_int64(o, "creation_round", w->ticket.creation_round);
    tc_set_u256(o, "expiration_block", &w->expiration_block);
    json_object_set_new(o, "attempts", json_integer(w->attempts));
    if (memcmp(w->tx_hash.bytes, zero.bytes, 32) != 0)
        tc_set_hex(o, "tx_hash", w->tx_hash.bytes, 32);
    json_array_append_new(data, o);
    return 0;
}

static int run_store_list(tc *c, const json_t *in)
{
    tk_store_sqlite *s;
    tk_store store;
    json_t *arr;
    tk_status st;
    if (open_store(c, in, &s, 1) < 0)
        return -1;
    arr = json_array();
    st = tk_store_sqlite_iface(s, &store);
    if (st == TK_OK)
        st = store.list(store.self, NULL, TK_WINNER_ALL_STATES, add_winner, arr);
    tk_store_sqlite_destroy(s);
    if (st != TK_OK) {
        json_decref(arr);
        return tc_fail_status(c, st, "listing the store");
    }
    json_object_set_new(c->out, "winners", arr);
    return 0;
}

static int run_store_requeue(tc *c, const json_t *in)
{
    tk_store_sqlite *s;
    tk_hash h;
    tk_winner_state state;
    tk_status st;
    if (tc_in_bytes(c, in, "ticket_hash", h.bytes, 32, TC_REQUIRED) < 0 ||
        open_store(c, in, &s, 0) < 0)
        return -1;
    st = tk_store_sqlite_requeue(s, &state, &h);
    tk_store_sqlite_destroy(s);
    if (st != TK_OK)
        return tc_fail_status(c, st, "re-queuing the winner");
    json_object_set_new(c->out, "state", json_string(state_name(state)));
    return 0;
}

const tc_command tc_cmd_store_list = {
    "store-list", "list the winning tickets of a SQLite store",
    "Input:  {store}   path of an existing store file (opened read-only:\n"
    "        nothing is written, an old schema is not migrated)\n"
    "Output: {winners: [{ticket_hash, state, face_value, sender, recipient,\n"
    "        sender_nonce, creation_round, expiration_block, attempts,\n"
    "        tx_hash (when submitted)}]}\n"
    "state: new, submitted, confirmed, failed, used, expired. The\n"
    "recipientRand of each winner stays in the file (it is secret until\n"
    "redeemed).\n\n"
    "Example:\n"
    "  echo '{\"store\": \"winners.db\"}' | ticketctl store-list\n",
    run_store_list};

const tc_command tc_cmd_store_requeue = {
    "store-requeue", "put a failed or submitted winner back in the queue",
    "Input:  {store, ticket_hash}\n"
    "Output: {state}   the state afterwards (\"new\")\n"
    "FAILED or SUBMITTED -> NEW; NEW stays NEW; confirmed, used and expired\n"
    "are final (error: state). Use it while no node runs a redemption queue\n"
    "on the file.\n\n"
    "Example:\n"
    "  echo '{\"store\": \"winners.db\", \"ticket_hash\": \"0x7acce1cc76a19e5f7"
    "dc49a8818b1b8e702c4f27e410a48dfc92e2389af3cd549\"}' | "
    "ticketctl store-requeue\n",
    run_store_requeue};

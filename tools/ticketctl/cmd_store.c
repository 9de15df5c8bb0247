/* SPDX-License-Identifier: MIT */
/* store-list, store-requeue: an operator's view of the winners of a SQLite
 * file or a PostgreSQL database. */
#include "ticketctl.h"

#include "ticket/store.h"
#include "ticket/store_pg.h"
#include "ticket/store_sqlite.h"

#include <string.h>
#include <unistd.h>

static const char *state_name(tk_winner_state s)
{
    static const char *names[] = {"new",    "submitted", "confirmed",
                                  "failed", "used",      "expired"};
    return (unsigned)s < 6 ? names[s] : "unknown";
}

/* One open store: a SQLite file or a PostgreSQL database. */
typedef struct opened {
    tk_store_sqlite *sq;
    tk_store_pg *pg;
    tk_store iface;
} opened;

static void close_store(opened *o)
{
    tk_store_sqlite_destroy(o->sq);
    tk_store_pg_destroy(o->pg);
    memset(o, 0, sizeof *o);
}

/* A PostgreSQL connection URI in "store" (the file name cannot be one). */
static int is_pg_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

static int open_pg(tc *c, opened *o, const char *conninfo)
{
    tk_store_pg_options opts = {.existing_only = 1}; /* existing stores only */
    tk_status st = tk_store_pg_create(c->ctx, &o->pg, conninfo, &opts);
    if (st == TK_ERR_NOT_FOUND)
        return tc_fail(c, "not_found", "no libticket store in that database");
    if (st != TK_OK)
        return tc_fail_status(c, st, "opening the PostgreSQL store");
    st = tk_store_pg_iface(o->pg, &o->iface);
    if (st != TK_OK) {
        close_store(o);
        return tc_fail_status(c, st, "opening the PostgreSQL store");
    }
    return 0;
}

/* Open an existing store (never create one by mistake): "store" is a
 * SQLite file or a postgresql:// URI, or "pg" holds any libpq connection
 * string. The file is opened read-only for the commands that only look
 * (no schema written, no migration). */
static int open_store(tc *c, const json_t *in, opened *o, int ro)
{
    const char *path = NULL, *conninfo = NULL;
    tk_status st;
    memset(o, 0, sizeof *o);
    if (tc_in_string(c, in, "pg", &conninfo, TC_OPTIONAL) < 0 ||
        (conninfo == NULL && tc_in_string(c, in, "store", &path, TC_REQUIRED) < 0))
        return -1;
    if (conninfo != NULL && json_object_get(in, "store") != NULL)
        return tc_fail(c, "usage", "give either 'store' or 'pg', not both");
    if (conninfo != NULL || is_pg_uri(path))
        return open_pg(c, o, conninfo != NULL ? conninfo : path);
    if (access(path, F_OK) != 0)
        return tc_fail(c, "not_found", "no store file at '%s'", path);
    st = ro ? tk_store_sqlite_create_read_only(&o->sq, path, NULL)
            : tk_store_sqlite_create(&o->sq, path, NULL);
    if (st == TK_OK)
        st = tk_store_sqlite_iface(o->sq, &o->iface);
    if (st != TK_OK) {
        close_store(o);
        return tc_fail_status(c, st, "opening the store");
    }
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
    opened o;
    json_t *arr;
    tk_status st;
    if (open_store(c, in, &o, 1) < 0)
        return -1;
    arr = json_array();
    st = o.iface.list(o.iface.self, NULL, TK_WINNER_ALL_STATES, add_winner, arr);
    close_store(&o);
    if (st != TK_OK) {
        json_decref(arr);
        return tc_fail_status(c, st, "listing the store");
    }
    json_object_set_new(c->out, "winners", arr);
    return 0;
}

static int run_store_requeue(tc *c, const json_t *in)
{
    opened o;
    tk_hash h;
    tk_winner_state state;
    tk_status st;
    if (tc_in_bytes(c, in, "ticket_hash", h.bytes, 32, TC_REQUIRED) < 0 ||
        open_store(c, in, &o, 0) < 0)
        return -1;
    st = o.pg != NULL ? tk_store_pg_requeue(o.pg, &state, &h)
                      : tk_store_sqlite_requeue(o.sq, &state, &h);
    close_store(&o);
    if (st != TK_OK)
        return tc_fail_status(c, st, "re-queuing the winner");
    json_object_set_new(c->out, "state", json_string(state_name(state)));
    return 0;
}

const tc_command tc_cmd_store_list = {
    "store-list", "list the winning tickets of a SQLite or PostgreSQL store",
    "Input:  {store}   path of an existing store file (opened read-only:\n"
    "        nothing is written, an old schema is not migrated), or a\n"
    "        postgresql:// URI; or {pg} a libpq connection string\n"
    "        (\"host=... dbname=...\"). A database without a store is\n"
    "        not_found: nothing is created.\n"
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
    "Input:  {store, ticket_hash} or {pg, ticket_hash} (as store-list)\n"
    "Output: {state}   the state afterwards (\"new\")\n"
    "FAILED or SUBMITTED -> NEW; NEW stays NEW; confirmed, used and expired\n"
    "are final (error: state). Use it while no node runs a redemption queue\n"
    "on the store.\n\n"
    "Example:\n"
    "  echo '{\"store\": \"winners.db\", \"ticket_hash\": \"0x7acce1cc76a19e5f7"
    "dc49a8818b1b8e702c4f27e410a48dfc92e2389af3cd549\"}' | "
    "ticketctl store-requeue\n",
    run_store_requeue};

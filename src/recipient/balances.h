/* SPDX-License-Identifier: MIT */
#ifndef TK_RECIPIENT_BALANCES_H
#define TK_RECIPIENT_BALANCES_H

/* Exact EV balances per (sender, session): 64 shards, one mutex each, each
 * an open-addressing table of pointers to {sender, session, mpq_t}. Every
 * operation on one balance happens under its shard's mutex, so concurrent
 * credits and debits compose exactly. */

#include "ticket/common.h"

#include <gmp.h>

typedef struct tk__balances tk__balances;

tk_status tk__balances_create(tk__balances **out);
void tk__balances_destroy(tk__balances *b);

/* balance += amount (creating the balance at 0 first). */
tk_status tk__balances_credit(tk__balances *b, const tk_address *sender,
                              const tk_hash *session, mpq_srcptr amount);
/* balance -= amount; see tk_recipient_debit_request for the codes. */
tk_status tk__balances_debit(tk__balances *b, const tk_address *sender,
                             const tk_hash *session, mpq_srcptr amount,
                             int allow_negative);
/* *out = balance, or TK_ERR_NOT_FOUND and 0. */
tk_status tk__balances_get(tk__balances *b, mpq_ptr out,
                           const tk_address *sender, const tk_hash *session);
tk_status tk__balances_clear(tk__balances *b, const tk_address *sender,
                             const tk_hash *session);
size_t tk__balances_count(tk__balances *b);

#endif

/* SPDX-License-Identifier: MIT */
/* One node of the multi-process fleet test: a transcoder (tk_recipient)
 * and a fleet redeemer on the shared store (fleet_store_sel.h), a dev chain whose head
 * follows chain.db and whose usedTickets are chain.db's, and a transaction
 * sender that "mines" into chain.db (even nodes record each call before
 * they mine it, odd nodes leave the record to the queue). It receives the payments the parent
 * writes to its pipe and reports every ticket's result, and runs the
 * redeemer every 20 ms. Errors end the process with a status != 0. */
#include "fleet_procs.h"
#include "fleet_store_sel.h"

#include "ticket/chain.h"
#include "ticket/fleet.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/recipient.h"
#include "ticket/u256.h"
#include "ticket/wire.h"

#include <errno.h>
#include <gmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fleet_secret(uint8_t out[32], int group)
{
    memset(out, 0x5e, 32);
    out[31] = (uint8_t)group;
}

int fleet_group_of(int node)
{
    return node < 2 ? 0 : 1;
}

void fleet_sender_key(uint8_t out[32], int s)
{
    memset(out, 0, 32);
    out[31] = (uint8_t)(101 + s);
}

void fleet_recipient_address(tk_address *out)
{
    memset(out->bytes, 0x11, sizeof out->bytes);
}

sqlite3 *fleet_chain_open(const char *dir)
{
    char path[300];
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/chain.db", dir);
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 20000);
    return db;
}

uint64_t fleet_chain_head(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    uint64_t head = 0;
    if (sqlite3_prepare_v2(db, "SELECT block FROM head", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        head = (uint64_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return head;
}

/* ---- the node ---------------------------------------------------------------*/

typedef struct node {
    int idx;
    char holder[32];
    sqlite3 *chain_db;
    tk_chain_mem *cm;
    tk_chain mem; /* the dev chain's own view */
    tk_chain view; /* mem, with usedTickets from chain.db */
    uint64_t tx_seq;
    fleet_anvil_node *anvil; /* TK_FLEET_CHAIN=anvil: the chain side */
} node;

static _Noreturn void die(const node *n, const char *what, long code)
{
    fprintf(stderr, "fleet node %d: %s: %ld (%s)\n", n->idx, what, code,
            code < 0 ? tk_status_name((tk_status)code) : "");
    _exit(2);
}

static void write_all(const node *n, int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            die(n, "write", errno);
        p += k;
        len -= (size_t)k;
    }
}

/* 1 when all len bytes were read, 0 on EOF at the start. */
static int read_all(const node *n, int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t k = read(fd, p + got, len - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0 && got == 0)
            return 0;
        if (k <= 0)
            die(n, "read", errno);
        got += (size_t)k;
    }
    return 1;
}

static tk_status view_last_block(void *self, uint64_t *b)
{
    node *n = self;
    return n->mem.last_block(n->mem.self, b);
}

static tk_status view_rounds(void *self, tk_round_info *out)
{
    node *n = self;
    return n->mem.rounds(n->mem.self, out);
}

static tk_status view_funds(void *self, const tk_address *s, tk_sender_funds *out)
{
    node *n = self;
    return n->mem.sender_funds(n->mem.self, s, out);
}

static tk_status view_claimed(void *self, const tk_address *s, const tk_address *c, tk_u256 *out)
{
    node *n = self;
    return n->mem.claimed_reserve(n->mem.self, s, c, out);
}

static tk_status view_pool(void *self, uint64_t *out)
{
    node *n = self;
    return n->mem.pool_size(n->mem.self, out);
}

static tk_status view_gas(void *self, tk_u256 *out)
{
    node *n = self;
    return n->mem.gas_price(n->mem.self, out);
}

static tk_status view_used(void *self, const tk_hash *h, int *used)
{
    node *n = self;
    sqlite3_stmt *q = NULL;
    tk_status st = TK_ERR_CHAIN;
    int rc;

    *used = 0;
    if (sqlite3_prepare_v2(n->chain_db, "SELECT 1 FROM used WHERE ticket_hash = ?1", -1,
                           &q, NULL) == SQLITE_OK &&
        sqlite3_bind_blob(q, 1, h->bytes, 32, SQLITE_STATIC) == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            *used = rc == SQLITE_ROW;
            st = TK_OK;
        }
    }
    sqlite3_finalize(q);
    return st;
}

/* Follow the parent's head (on anvil: refresh the chain view). */
static void sync_head(node *n)
{
    uint64_t head, now = 0;
    tk_status st;

    if (n->anvil != NULL) {
        if ((st = fleet_anvil_node_sync(n->anvil)) != TK_OK)
            die(n, "chain view poll", st);
        return;
    }
    head = fleet_chain_head(n->chain_db);
    st = tk_chain_mem_state(n->cm, &now, NULL);
    if (st != TK_OK)
        die(n, "chain state", st);
    if (head > now && (st = tk_chain_mem_advance(n->cm, head - now)) != TK_OK)
        die(n, "advance", st);
}

static int exec_ok(sqlite3 *db, sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    (void)db;
    sqlite3_reset(q);
    return rc == SQLITE_DONE;
}

/* The next transaction's hash: unique per holder and send. */
static void next_tx_hash(node *n, tk_hash *tx)
{
    uint8_t seed[48];

    memset(seed, 0, sizeof seed);
    memcpy(seed, n->holder, strlen(n->holder) < 32 ? strlen(n->holder) : 32);
    n->tx_seq++;
    memcpy(seed + 32, &n->tx_seq, sizeof n->tx_seq);
    if (tk_keccak256(tx, seed, sizeof seed) != TK_OK)
        die(n, "tx hash", 0);
}

/* The broadcast, mined at once: decode the calldata as the contract
 * would, mark every not-yet-used ticket used, log every (ticket, tx)
 * submission, all in one transaction of chain.db. A transaction that
 * redeemed nothing is reverted (outcome 2). */
static tk_status mine(node *n, const tk_hash *tx, const uint8_t *cd, size_t len,
                      size_t count)
{
    tk_ticket t[64];
    tk_sig s[64];
    tk_u256 r[64];
    size_t k = 64, redeemed = 0;
    sqlite3_stmt *use = NULL, *log = NULL, *txq = NULL;
    tk_status st = TK_ERR_CHAIN;

    if (count == 1) {
        if (tk_redeem_decode_single(t, s, r, cd, len) != TK_OK)
            die(n, "decode single", 0);
        k = 1;
    } else if (tk_redeem_decode_batch(t, s, r, &k, cd, len) != TK_OK || k != count) {
        die(n, "decode batch", (long)count);
    }
    if (sqlite3_exec(n->chain_db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return TK_ERR_CHAIN;
    if (sqlite3_prepare_v2(n->chain_db, "INSERT OR IGNORE INTO used (ticket_hash) VALUES (?1)",
                           -1, &use, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(n->chain_db, "INSERT INTO sent (ticket_hash, tx_hash) VALUES (?1, ?2)",
                           -1, &log, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(n->chain_db, "INSERT INTO txs (tx_hash, outcome) VALUES (?1, ?2)",
                           -1, &txq, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < k; i++) {
        tk_hash h;
        if (tk_ticket_hash(&h, &t[i]) != TK_OK)
            die(n, "ticket hash", 0);
        sqlite3_bind_blob(use, 1, h.bytes, 32, SQLITE_TRANSIENT);
        if (!exec_ok(n->chain_db, use))
            goto out;
        redeemed += sqlite3_changes(n->chain_db) == 1;
        sqlite3_bind_blob(log, 1, h.bytes, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(log, 2, tx->bytes, 32, SQLITE_TRANSIENT);
        if (!exec_ok(n->chain_db, log))
            goto out;
    }
    sqlite3_bind_blob(txq, 1, tx->bytes, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(txq, 2, redeemed > 0 ? TK_REDEEM_CONFIRMED : TK_REDEEM_REVERTED_NO_REASON);
    if (exec_ok(n->chain_db, txq))
        st = TK_OK;
out:
    sqlite3_finalize(use);
    sqlite3_finalize(log);
    sqlite3_finalize(txq);
    tk_memzero(r, sizeof r);
    if (st == TK_OK && sqlite3_exec(n->chain_db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        st = TK_ERR_CHAIN;
    if (st != TK_OK)
        sqlite3_exec(n->chain_db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* The plain sender (odd nodes): the queue records the call after it. */
static tk_status submit_cb(void *data, tk_hash *tx, const uint8_t *cd, size_t len,
                           uint64_t gas, size_t count)
{
    node *n = data;

    (void)gas;
    next_tx_hash(n, tx);
    return mine(n, tx, cd, len, count);
}

/* The recording sender (even nodes): the call is recorded (the tenure's
 * fenced write) before it is mined; a node killed in between leaves a
 * record that was never mined, which the next holder gives up as lost
 * after receipt_wait_blocks and sends again. */
static tk_status submit_rec_cb(void *data, tk_redeem_call *call, tk_hash *tx,
                               const uint8_t *cd, size_t len, uint64_t gas, size_t count)
{
    node *n = data;
    tk_status st;

    (void)gas;
    next_tx_hash(n, tx);
    if ((st = tk_redeem_call_record(call, tx)) != TK_OK)
        return st;
    usleep(3000); /* a broadcast's time: a window the lease holder's kill can land in */
    return mine(n, tx, cd, len, count);
}

static tk_status receipt_cb(void *data, const tk_hash *tx, int *mined, tk_redeem_outcome *out)
{
    node *n = data;
    sqlite3_stmt *q = NULL;
    tk_status st = TK_ERR_CHAIN;
    int rc;

    *mined = 0;
    if (sqlite3_prepare_v2(n->chain_db, "SELECT outcome FROM txs WHERE tx_hash = ?1", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_bind_blob(q, 1, tx->bytes, 32, SQLITE_STATIC) == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            *mined = 1;
            *out = (tk_redeem_outcome)sqlite3_column_int(q, 0);
        }
        st = rc == SQLITE_ROW || rc == SQLITE_DONE ? TK_OK : TK_ERR_CHAIN;
    }
    sqlite3_finalize(q);
    return st;
}

static void setup_chain(node *n, const tk_ctx *ctx)
{
    tk_sender_funds funds;
    tk_status st;

    if ((st = tk_chain_mem_create(&n->cm, FLEET_START)) != TK_OK ||
        (st = tk_chain_mem_iface(n->cm, &n->mem)) != TK_OK)
        die(n, "chain", st);
    memset(&funds, 0, sizeof funds);
    (void)tk_u256_from_u64(&funds.deposit, 1000000000000000000ull);
    (void)tk_u256_from_u64(&funds.reserve_funds_remaining, 1000000000000000000ull);
    for (int s = 0; s < FLEET_SENDERS; s++) {
        uint8_t key[32];
        tk_address a;
        fleet_sender_key(key, s);
        if ((st = tk_key_address(ctx, &a, key)) != TK_OK ||
            (st = tk_chain_mem_set_sender_funds(n->cm, &a, &funds)) != TK_OK)
            die(n, "funds", st);
    }
    n->view = n->mem;
    n->view.self = n;
    n->view.last_block = view_last_block;
    n->view.rounds = view_rounds;
    n->view.sender_funds = view_funds;
    n->view.claimed_reserve = view_claimed;
    n->view.pool_size = view_pool;
    n->view.gas_price = view_gas;
    n->view.ticket_used = view_used;
}

/* Receive one payment and report its tickets. */
static void receive_one(node *n, tk_recipient *r, const uint8_t *buf, size_t len, int out_fd)
{
    tk_payment pay;
    tk_ticket_result res[64];
    fleet_record rec[64];
    mpq_t credited;
    tk_status st;

    memset(&pay, 0, sizeof pay);
    if ((st = tk_wire_decode_payment(&pay, buf, len)) != TK_OK || pay.count > 64)
        die(n, "decode payment", st);
    mpq_init(credited);
    sync_head(n);
    st = tk_recipient_receive(r, res, 64, NULL, credited, &pay, NULL);
    if (st != TK_OK)
        die(n, "receive", st);
    /* In tickets' worth: credited / (faceValue * winProb / (2^256 - 1)), the EV
     * of one ticket computed here from the ticket (all tickets of a
     * payment share their params). */
    if (pay.count > 0) {
        tk_ticket t0;
        mpz_t face, prob;
        mpq_t ev;
        mpz_inits(face, prob, NULL);
        mpq_init(ev);
        if (tk_payment_ticket(&t0, &pay, 0) != TK_OK)
            die(n, "ticket 0", 0);
        mpz_import(face, 32, 1, 1, 1, 0, t0.face_value.bytes);
        mpz_import(prob, 32, 1, 1, 1, 0, t0.win_prob.bytes);
        mpz_mul(mpq_numref(ev), face, prob);
        mpz_set_ui(mpq_denref(ev), 1);
        mpz_mul_2exp(mpq_denref(ev), mpq_denref(ev), 256);
        mpz_sub_ui(mpq_denref(ev), mpq_denref(ev), 1); /* winProb's MAX */
        mpq_canonicalize(ev);
        mpq_div(credited, credited, ev);
        mpz_clears(face, prob, NULL);
        mpq_clear(ev);
    }
    if (mpz_cmp_ui(mpq_denref(credited), 1) != 0 || !mpz_fits_ulong_p(mpq_numref(credited)))
        die(n, "credit not a whole number of ticket EVs", 0);
    memset(rec, 0, sizeof rec);
    for (size_t i = 0; i < pay.count; i++) {
        tk_ticket t;
        tk_hash h;
        if (tk_payment_ticket(&t, &pay, i) != TK_OK || tk_ticket_hash(&h, &t) != TK_OK)
            die(n, "ticket", 0);
        memcpy(rec[i].ticket_hash, h.bytes, 32);
        rec[i].status = res[i].status;
        rec[i].wins = (uint8_t)res[i].wins;
        rec[i].node = (uint8_t)n->idx;
        rec[i].first = i == 0;
        rec[i].credited = i == 0 ? mpz_get_ui(mpq_numref(credited)) : 0;
    }
    if (pay.count > 0)
        write_all(n, out_fd, rec, pay.count * sizeof rec[0]);
    mpq_clear(credited);
    tk_payment_clear(&pay);
}

void fleet_node_main(int idx, const char *dir, const char *holder, int in_fd, int out_fd)
{
    node n;
    tk_ctx *ctx = NULL;
    void *db = NULL;
    tk_store store;
    tk_recipient *r = NULL;
    tk_recipient_config rc;
    tk_fleet_redeemer *red = NULL;
    tk_fleet_config fc;
    tk_redeem_config qc;
    uint8_t secret[32];
    tk_status st;

    memset(&n, 0, sizeof n);
    n.idx = idx;
    snprintf(n.holder, sizeof n.holder, "%s", holder);
    if ((st = tk_ctx_create(&ctx)) != TK_OK)
        die(&n, "ctx", st);
    if ((n.chain_db = fleet_chain_open(dir)) == NULL)
        die(&n, "chain.db", 0);
    if (fleet_on_anvil()) {
        if ((st = fleet_anvil_node_open(ctx, &n.anvil, &n.view)) != TK_OK)
            die(&n, "anvil chain view", st);
    } else {
        setup_chain(&n, ctx);
    }
    sync_head(&n);
    if ((st = fleet_store_open(dir, ctx, &store, &db)) != TK_OK)
        die(&n, "store", st);
    fleet_recipient_config(&rc);
    fleet_secret(secret, fleet_group_of(idx));
    if ((st = tk_recipient_create(ctx, &r, &rc, secret, &n.view, &store)) != TK_OK)
        die(&n, "recipient", st);
    if (!tk_monitor_is_shared(tk_recipient_monitor(r)))
        die(&n, "monitor not shared", 0);

    memset(&fc, 0, sizeof fc);
    fc.holder = n.holder;
    fc.lease_ms = fleet_store_lease_ms();
    fc.receipt_wait_blocks = 8; /* mined at once, or never (killed after its record) */
    fc.receipt = receipt_cb;
    fc.receipt_data = &n;
    (void)tk_redeem_config_default(&qc);
    qc.redeem_gas = 1;
    qc.batch_base_gas = 1;
    qc.batch_ticket_gas = 1;
    qc.gas_cap = 9; /* batches of up to 8 */
    qc.final_confirmations = 1;
    if (n.anvil != NULL)
        st = fleet_anvil_node_redeemer(ctx, n.anvil, n.holder, &store, tk_recipient_monitor(r));
    else if (idx % 2 == 0)
        st = tk_fleet_redeemer_create_recorded(ctx, &red, &fc, &qc, &store, &n.view,
                                               tk_recipient_monitor(r), submit_rec_cb, &n);
    else
        st = tk_fleet_redeemer_create(ctx, &red, &fc, &qc, &store, &n.view,
                                      tk_recipient_monitor(r), submit_cb, &n);
    if (st != TK_OK)
        die(&n, "redeemer", st);

    for (;;) {
        struct pollfd p = {in_fd, POLLIN, 0};
        int leading = 0;
        int k = poll(&p, 1, 20);

        if (k < 0 && errno != EINTR)
            die(&n, "poll", errno);
        if (k > 0) {
            uint32_t len = 0;
            uint8_t *buf = NULL;
            if (!read_all(&n, in_fd, &len, sizeof len) || len == FLEET_MSG_QUIT)
                break;
            if (len == FLEET_MSG_ACK) {
                fleet_record ack;
                memset(&ack, 0, sizeof ack);
                ack.status = FLEET_ACK;
                ack.node = (uint8_t)idx;
                write_all(&n, out_fd, &ack, sizeof ack);
                continue;
            }
            if (len > 1u << 20 || (buf = malloc(len)) == NULL)
                die(&n, "payment length", (long)len);
            read_all(&n, in_fd, buf, len);
            receive_one(&n, r, buf, len, out_fd);
            free(buf);
        }
        sync_head(&n);
        if (n.anvil != NULL)
            st = fleet_anvil_node_on_block(n.anvil, &leading);
        else
            st = tk_fleet_redeemer_on_block(red, fleet_chain_head(n.chain_db), &leading);
        if (st != TK_OK)
            die(&n, "on_block", st);
    }
    if (red != NULL)
        (void)tk_fleet_redeemer_release(red);
    tk_fleet_redeemer_destroy(red);
    fleet_anvil_node_close(n.anvil, 1);
    tk_recipient_destroy(r);
    fleet_store_close(db);
    tk_chain_mem_destroy(n.cm);
    sqlite3_close(n.chain_db);
    tk_ctx_destroy(ctx);
    _exit(0);
}

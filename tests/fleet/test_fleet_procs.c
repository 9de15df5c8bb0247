/* SPDX-License-Identifier: MIT */
/* The fleet under fire (issue 13, "Done when" 1): three node processes on
 * one database (one recipient address; nodes 0 and 1 share a recipient
 * secret, node 2 has its own) receive payments of three senders, fresh and
 * replayed (a replay of a shared-secret payment goes to the other node as
 * often as to the same one), while each node also runs the fleet redeemer
 * on the store's lease. In the first phase a random node is SIGKILLed
 * mid-stream and restarted; in the second, once the first phase's params
 * expired and redemption runs, the node holding the redeemer lease is
 * SIGKILLed and restarted, and the lease must move. The checks:
 *  - every ticket credited at most once over all nodes, and the credit the
 *    library reported equals the EV (faceValue * winProb / (2^256 - 1), computed
 *    by the test) times the distinct tickets accepted;
 *  - every winner stored exactly once, every reported winner stored;
 *  - pending redemptions (sampled in one read transaction while the nodes
 *    work) only ever name live winners with their own face values, and are
 *    empty at the end: never double-counted, never left behind;
 *  - every stored winner is redeemed (final state, used on chain) and was
 *    sent in exactly one transaction: none dropped, none submitted twice;
 *    its attempts are at most 2 (a record the killed holder made before a
 *    broadcast it did not live to make: the chain redeemer on anvil, the
 *    even nodes' recording callback on chain.db);
 *  - the lease moved to another holder with a larger fencing token.
 * The store is TK_FLEET_STORE=sqlite (default; a file in a temporary
 * directory) or pg (fleet_procs_pg: a schema in $TK_PG_CONNINFO's database,
 * one connection per node process; fleet_store_sel.c). The chain is
 * chain.db (default), or with TK_FLEET_CHAIN=anvil (under
 * tools/chain/tkchain.py, test fleet_procs_anvil) a real node: senders
 * funded on-chain, nodes validating against a chain view over RPC and
 * redeeming through tk_eth_fleet_redeemer with one gas account, the end
 * state read from the chain (fleet_anvil.c). Seed printed; TK_TEST_SEED
 * repeats a run. */
#include "fleet_procs.h"
#include "fleet_store_sel.h"
#include "test_support.h"

#include "ticket/chain.h"
#include "ticket/recipient.h"
#include "ticket/sender.h"
#include "ticket/u256.h"
#include "ticket/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAYMENTS_PER_SESSION 8
#define TICKETS_PER_PAYMENT 6
#define MAX_TICKETS 4096

static char dir[256];

typedef struct proc {
    pid_t pid;
    int in_fd; /* parent writes payments */
    char holder[32];
    unsigned gen;
} proc;

typedef struct delivery {
    uint8_t *buf;
    uint32_t len;
    int node;
} delivery;

typedef struct fx {
    proc nodes[FLEET_NODES];
    int report_rd, report_wr;
    sqlite3 *chain_db;
    /* the parent's broadcaster side */
    tk_ctx *ctx;
    tk_chain_mem *cm;
    tk_chain chain;
    tk_store_mem *sm[2];
    tk_recipient *issuer[2]; /* params for each secret */
    tk_sender *senders[FLEET_SENDERS];
    tk_address sender_addr[FLEET_SENDERS];
    /* what the nodes reported */
    tk_hash accepted[MAX_TICKETS];
    size_t n_accepted;
    tk_hash won[MAX_TICKETS];
    size_t n_won;
    uint64_t credited;
    unsigned acks;
    size_t records;
    unsigned pending_samples;
} fx;

/* ---- processes -------------------------------------------------------------*/

static void start_node(fx *f, int i)
{
    int p[2];
    proc *n = &f->nodes[i];

    assert_int_equal(pipe(p), 0);
    snprintf(n->holder, sizeof n->holder, "node-%d.%u", i, n->gen++);
    fflush(NULL);
    n->pid = fork();
    assert_true(n->pid >= 0);
    if (n->pid == 0) {
        close(p[1]);
        close(f->report_rd);
        for (int k = 0; k < FLEET_NODES; k++)
            if (k != i && f->nodes[k].pid > 0)
                close(f->nodes[k].in_fd);
        fleet_node_main(i, dir, n->holder, p[0], f->report_wr);
    }
    close(p[0]);
    n->in_fd = p[1];
}

static void kill_node(fx *f, int i)
{
    int status = 0;
    proc *n = &f->nodes[i];
    assert_int_equal(kill(n->pid, SIGKILL), 0);
    assert_int_equal(waitpid(n->pid, &status, 0), n->pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(n->in_fd);
    n->pid = 0;
}

static void send_msg(fx *f, int i, uint32_t len, const uint8_t *buf)
{
    const uint8_t *parts[2] = {(const uint8_t *)&len, buf};
    size_t sizes[2] = {sizeof len, buf != NULL ? len : 0};
    for (int k = 0; k < 2; k++)
        for (size_t off = 0; off < sizes[k];) {
            ssize_t w = write(f->nodes[i].in_fd, parts[k] + off, sizes[k] - off);
            if (w < 0 && errno == EINTR)
                continue;
            assert_true(w > 0);
            off += (size_t)w;
        }
}

/* ---- reports -------------------------------------------------------------------*/

static int hash_cmp(const void *a, const void *b)
{
    return memcmp(a, b, TK_HASH_LEN);
}

static void on_record(fx *f, const fleet_record *r)
{
    tk_hash h;
    if (r->status == FLEET_ACK) {
        f->acks++;
        return;
    }
    f->records++;
    memcpy(h.bytes, r->ticket_hash, 32);
    if (r->first)
        f->credited += r->credited;
    if (r->status == TK_OK) {
        assert_true(f->n_accepted < MAX_TICKETS);
        f->accepted[f->n_accepted++] = h;
    }
    if (r->wins && r->status == TK_OK) {
        assert_true(f->n_won < MAX_TICKETS);
        f->won[f->n_won++] = h;
    }
}

/* Read whatever records are there (the pipe is non-blocking). */
static void drain(fx *f)
{
    static uint8_t buf[sizeof(fleet_record) * 256];
    static size_t have;
    for (;;) {
        ssize_t n = read(f->report_rd, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        while (have >= sizeof(fleet_record)) {
            fleet_record r;
            memcpy(&r, buf, sizeof r);
            on_record(f, &r);
            memmove(buf, buf + sizeof r, have - sizeof r);
            have -= sizeof r;
        }
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the invariant of pending redemptions, sampled ---------------------------*/

/* In one read transaction of the store: every pending row names a
 * stored winner of the same sender and face value that is not final. */
static void sample_pending(fx *f)
{
    sqlite3 *db = fleet_store_view(dir);
    sqlite3_stmt *q = NULL;
    long bad = -1;

    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT count(*) FROM pending_redemptions p LEFT JOIN winners w"
        " ON w.ticket_hash = p.ticket_hash WHERE w.ticket_hash IS NULL"
        " OR w.sender != p.sender OR w.face_value != p.face_value"
        " OR w.state NOT IN (0, 1, 3)", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    bad = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    assert_int_equal(bad, 0);
    f->pending_samples++;
}

/* Wait until every node acknowledged everything sent before. */
static void wait_acks(fx *f)
{
    time_t until = time(NULL) + 120;
    f->acks = 0;
    for (int i = 0; i < FLEET_NODES; i++)
        send_msg(f, i, FLEET_MSG_ACK, NULL);
    while (f->acks < FLEET_NODES) {
        assert_true(time(NULL) < until);
        drain(f);
        sleep_ms(10);
    }
}

/* ---- the broadcasters ------------------------------------------------------------*/

/* Mine `blocks` blocks (chain.db: the head the nodes follow). */
static void advance(fx *f, uint64_t blocks)
{
    uint64_t head = 0;
    char sql[96];
    if (fleet_on_anvil()) {
        fleet_anvil_mine(blocks);
        return;
    }
    assert_int_equal(tk_chain_mem_state(f->cm, &head, NULL), TK_OK);
    assert_int_equal(tk_chain_mem_advance(f->cm, blocks), TK_OK);
    head += blocks;
    snprintf(sql, sizeof sql, "UPDATE head SET block = %llu", (unsigned long long)head);
    assert_int_equal(sqlite3_exec(f->chain_db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* Every sender pays each secret's nodes for a session on fresh params;
 * a quarter of the payments are delivered twice. Shuffled. */
static delivery *make_deliveries(fx *f, size_t *count)
{
    size_t cap = FLEET_SENDERS * 2 * PAYMENTS_PER_SESSION * 2, n = 0;
    delivery *d = calloc(cap, sizeof *d);
    tk_price price;

    assert_non_null(d);
    if (fleet_on_anvil())
        fleet_anvil_parent_poll(); /* params at the chain's current block */
    assert_int_equal(tk_u256_from_u64(&price.num, 1), TK_OK);
    assert_int_equal(tk_u256_from_u64(&price.den, 1), TK_OK);
    for (int s = 0; s < FLEET_SENDERS; s++)
        for (int g = 0; g < 2; g++) {
            tk_ticket_params params;
            assert_int_equal(tk_recipient_params(f->issuer[g], &params, &f->sender_addr[s],
                                                 &price), TK_OK);
            assert_int_equal(tk_sender_session_start(f->senders[s], &params, 0), TK_OK);
            for (int k = 0; k < PAYMENTS_PER_SESSION; k++) {
                tk_payment pay;
                size_t len = 0;
                uint8_t *buf;
                int copies = tk_test_rand64() % 4 == 0 ? 2 : 1;
                memset(&pay, 0, sizeof pay);
                assert_int_equal(tk_sender_create_batch(f->senders[s], &pay,
                                                        &params.recipient_rand_hash,
                                                        TICKETS_PER_PAYMENT), TK_OK);
                assert_int_equal(tk_wire_encode_payment(NULL, &len, &pay),
                                 TK_ERR_BUFFER_TOO_SMALL);
                buf = malloc(len);
                assert_non_null(buf);
                assert_int_equal(tk_wire_encode_payment(buf, &len, &pay), TK_OK);
                tk_payment_clear(&pay);
                for (int c = 0; c < copies; c++) {
                    d[n].buf = c == 0 ? buf : NULL; /* owner frees */
                    d[n].len = (uint32_t)len;
                    d[n].node = g == 0 ? (int)(tk_test_rand64() % 2) : 2;
                    if (c == 1) {
                        d[n].buf = malloc(len);
                        assert_non_null(d[n].buf);
                        memcpy(d[n].buf, buf, len);
                    }
                    n++;
                }
            }
            assert_int_equal(tk_sender_session_end(f->senders[s], &params.recipient_rand_hash),
                             TK_OK);
        }
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(tk_test_rand64() % i);
        delivery t = d[i - 1];
        d[i - 1] = d[j];
        d[j] = t;
    }
    *count = n;
    return d;
}

/* Deliver; before delivery `at` call `midway` (a kill and a restart). */
static void deliver(fx *f, delivery *d, size_t n, size_t at, void (*midway)(fx *))
{
    for (size_t i = 0; i < n; i++) {
        if (i == at)
            midway(f);
        send_msg(f, d[i].node, d[i].len, d[i].buf);
        drain(f);
        if (i % 8 == 0)
            sample_pending(f);
        free(d[i].buf);
    }
    free(d);
}

static int killed_in_phase2 = -1;
static char killed_holder[32];
static uint64_t token_at_kill;

static void kill_random(fx *f)
{
    int i = (int)(tk_test_rand64() % FLEET_NODES);
    sleep_ms((long)(tk_test_rand64() % 200));
    kill_node(f, i);
    start_node(f, i);
}

static void lease_row(fx *f, char *holder, size_t cap, uint64_t *token)
{
    sqlite3 *db = fleet_store_view(dir);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT holder, token FROM redeemer_lease", -1, &q,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(holder, cap, "%s", (const char *)sqlite3_column_text(q, 0));
    *token = (uint64_t)sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    sqlite3_close(db);
    (void)f;
}

/* Kill whoever holds the lease, while it redeems; restart it. */
static void kill_leader(fx *f)
{
    time_t until = time(NULL) + 60;
    for (;;) {
        lease_row(f, killed_holder, sizeof killed_holder, &token_at_kill);
        for (int i = 0; i < FLEET_NODES; i++)
            if (strcmp(f->nodes[i].holder, killed_holder) == 0)
                killed_in_phase2 = i;
        if (killed_in_phase2 >= 0)
            break;
        assert_true(time(NULL) < until);
        sleep_ms(20);
    }
    if (fleet_on_anvil()) {
        /* Mid-redemption: its first transaction is mined, more follow. */
        fleet_anvil_wait_redemption();
        sleep_ms((long)(tk_test_rand64() % 20));
    } else {
        sleep_ms((long)(tk_test_rand64() % 100));
    }
    kill_node(f, killed_in_phase2);
    if (fleet_on_anvil())
        fleet_anvil_killed();
    start_node(f, killed_in_phase2);
}

/* ---- the end state ---------------------------------------------------------------*/

static long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    long v = -1;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    v = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* Wait until the fleet redeemed every stored winner and nothing is pending. */
static void wait_settled(fx *f)
{
    sqlite3 *db = fleet_store_view(dir);
    time_t until = time(NULL) + 120;
    unsigned loops = 0;
    while (scalar(db, "SELECT count(*) FROM winners WHERE state NOT IN (2, 4)") != 0 ||
           scalar(db, "SELECT count(*) FROM pending_redemptions") != 0) {
        if (time(NULL) >= until)
            fprintf(stderr, "not settled: %ld open winners, %ld pending rows\n",
                    scalar(db, "SELECT count(*) FROM winners WHERE state NOT IN (2, 4)"),
                    scalar(db, "SELECT count(*) FROM pending_redemptions"));
        assert_true(time(NULL) < until);
        drain(f);
        sample_pending(f);
        if (++loops % 10 == 0)
            advance(f, 1); /* blocks go by (backoffs and receipt waits end) */
        sleep_ms(50);
        sqlite3_close(db); /* a PostgreSQL view is a snapshot: take a new one */
        db = fleet_store_view(dir);
    }
    sqlite3_close(db);
}

static void check_end(fx *f)
{
    sqlite3 *db = NULL;
    char holder[32];
    uint64_t token = 0;

    /* Credited at most once over all nodes; credit = EV x distinct. */
    qsort(f->accepted, f->n_accepted, sizeof f->accepted[0], hash_cmp);
    for (size_t i = 1; i < f->n_accepted; i++)
        assert_true(hash_cmp(&f->accepted[i - 1], &f->accepted[i]) != 0);
    assert_int_equal(f->credited, (uint64_t)f->n_accepted);

    db = fleet_store_view(dir);
    {
        char sql[400];
        snprintf(sql, sizeof sql, "ATTACH DATABASE '%s/chain.db' AS c", dir);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    /* Every reported winner stored (the primary key makes it once). */
    for (size_t i = 0; i < f->n_won; i++) {
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM winners WHERE"
                                                " ticket_hash = ?1", -1, &q, NULL), SQLITE_OK);
        sqlite3_bind_blob(q, 1, f->won[i].bytes, 32, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 1);
        sqlite3_finalize(q);
    }
    /* None dropped: every winner final and used on chain ... */
    assert_int_equal(scalar(db, "SELECT count(*) FROM winners WHERE state NOT IN (2, 4)"), 0);
    if (fleet_on_anvil()) {
        /* ... read from anvil: used, in exactly one transaction, paid. */
        tk_ctx *ctx = NULL;
        tk_store store;
        void *h = NULL;
        size_t n_winners = 0, n_txs = 0;
        assert_int_equal(tk_ctx_create(&ctx), TK_OK);
        assert_int_equal(fleet_store_open(dir, ctx, &store, &h), TK_OK);
        fleet_anvil_check_end(&store, &n_winners, &n_txs);
        fleet_store_close(h);
        tk_ctx_destroy(ctx);
        fleet_anvil_parent_teardown();
        printf("fleet on anvil: %zu winners redeemed by %zu transactions\n", n_winners,
               n_txs);
        assert_true(n_winners > 0 && n_txs > 0);
    } else {
    assert_int_equal(scalar(db, "SELECT count(*) FROM winners w WHERE NOT EXISTS"
                                " (SELECT 1 FROM c.used u WHERE u.ticket_hash = w.ticket_hash)"),
                     0);
    /* ... and none submitted twice: exactly one transaction each. */
    assert_int_equal(scalar(db, "SELECT count(*) FROM winners w WHERE (SELECT count(*)"
                                " FROM c.sent s WHERE s.ticket_hash = w.ticket_hash) != 1"),
                     0);
    /* Nothing submitted that is not a stored winner. */
    assert_int_equal(scalar(db, "SELECT count(*) FROM c.sent s WHERE NOT EXISTS"
                                " (SELECT 1 FROM winners w WHERE w.ticket_hash = s.ticket_hash)"),
                     0);
    }
    /* Attempts: one submission each, counted by the store, plus at most
     * one record that was never sent: the chain redeemer (anvil) and the
     * even nodes (chain.db) record a transaction before its broadcast, and
     * the killed holder may have died between the two; the next holder
     * gives that hash up as lost and sends the winner once (the chain
     * check above: one transaction each). */
    {
        long over = scalar(db, "SELECT count(*) FROM winners WHERE attempts > 2");
        if (over != 0)
            fail_msg("%ld winners with more than 2 attempts", over);
        printf("fleet: %ld winners recorded once without a broadcast\n",
               scalar(db, "SELECT count(*) FROM winners WHERE attempts = 2"));
    }
    assert_int_equal(scalar(db, "SELECT count(*) FROM pending_redemptions"), 0);
    printf("fleet: %zu ticket results, %zu credited, %zu winners reported, %ld stored,"
           " %ld transactions, %u pending samples\n",
           f->records, f->n_accepted, f->n_won, scalar(db, "SELECT count(*) FROM winners"),
           scalar(db, "SELECT count(*) FROM c.txs"), f->pending_samples);
    assert_true(f->n_won > 0);
    assert_true(fleet_on_anvil() || scalar(db, "SELECT count(*) FROM c.txs") > 0);
    sqlite3_close(db);

    /* The lease moved off the killed holder, to a newer tenure. */
    lease_row(f, holder, sizeof holder, &token);
    assert_true(token > token_at_kill);
    assert_true(strcmp(holder, killed_holder) != 0);
}

/* ---- set-up ------------------------------------------------------------------------*/

static void setup_parent(fx *f)
{
    tk_sender_config sc;
    tk_sender_funds funds;
    tk_recipient_config rc;
    uint8_t keys[FLEET_SENDERS][32];
    int p[2];

    f->chain_db = fleet_chain_open(dir);
    assert_non_null(f->chain_db);
    assert_int_equal(sqlite3_exec(f->chain_db,
        "PRAGMA journal_mode = WAL;"
        "CREATE TABLE head (block INTEGER NOT NULL);"
        "INSERT INTO head VALUES (1000);"
        "CREATE TABLE used (ticket_hash BLOB PRIMARY KEY);"
        "CREATE TABLE txs (tx_hash BLOB PRIMARY KEY, outcome INTEGER NOT NULL);"
        "CREATE TABLE sent (ticket_hash BLOB NOT NULL, tx_hash BLOB NOT NULL);",
        NULL, NULL, NULL), SQLITE_OK);
    fleet_store_prepare(dir);

    assert_int_equal(tk_ctx_create(&f->ctx), TK_OK);
    if (fleet_on_anvil()) {
        fleet_anvil_parent_setup(f->ctx, &f->chain, keys); /* funded on-chain */
    } else {
        assert_int_equal(tk_chain_mem_create(&f->cm, FLEET_START), TK_OK);
        assert_int_equal(tk_chain_mem_iface(f->cm, &f->chain), TK_OK);
        for (int s = 0; s < FLEET_SENDERS; s++)
            fleet_sender_key(keys[s], s);
    }
    memset(&sc, 0, sizeof sc);
    memset(sc.max_ev.bytes, 0xff, 32);
    memset(sc.max_total_ev.bytes, 0xff, 32);
    sc.deposit_multiplier = 1;
    memset(&funds, 0, sizeof funds);
    assert_int_equal(tk_u256_from_u64(&funds.deposit, 1000000000000000000ull), TK_OK);
    assert_int_equal(tk_u256_from_u64(&funds.reserve_funds_remaining, 1000000000000000000ull),
                     TK_OK);
    for (int s = 0; s < FLEET_SENDERS; s++) {
        assert_int_equal(tk_sender_create(f->ctx, &f->senders[s], &f->chain, &sc, keys[s]),
                         TK_OK);
        assert_int_equal(tk_sender_address(f->senders[s], &f->sender_addr[s]), TK_OK);
        if (f->cm != NULL)
            assert_int_equal(tk_chain_mem_set_sender_funds(f->cm, &f->sender_addr[s], &funds),
                             TK_OK);
    }
    fleet_recipient_config(&rc);
    for (int g = 0; g < 2; g++) {
        uint8_t secret[32];
        tk_store ms;
        fleet_secret(secret, g);
        assert_int_equal(tk_store_mem_create(&f->sm[g]), TK_OK);
        assert_int_equal(tk_store_mem_iface(f->sm[g], &ms), TK_OK);
        assert_int_equal(tk_recipient_create(f->ctx, &f->issuer[g], &rc, secret, &f->chain, &ms),
                         TK_OK);
    }
    assert_int_equal(pipe(p), 0);
    f->report_rd = p[0];
    f->report_wr = p[1];
    assert_int_equal(fcntl(f->report_rd, F_SETFL, O_NONBLOCK), 0);
}

static void teardown_parent(fx *f)
{
    for (int i = 0; i < FLEET_NODES; i++)
        if (f->nodes[i].pid > 0) {
            int status = 0;
            send_msg(f, i, FLEET_MSG_QUIT, NULL);
            assert_int_equal(waitpid(f->nodes[i].pid, &status, 0), f->nodes[i].pid);
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
            close(f->nodes[i].in_fd);
            f->nodes[i].pid = 0;
        }
    drain(f);
    close(f->report_rd);
    close(f->report_wr);
    for (int s = 0; s < FLEET_SENDERS; s++)
        tk_sender_destroy(f->senders[s]);
    for (int g = 0; g < 2; g++) {
        tk_recipient_destroy(f->issuer[g]);
        tk_store_mem_destroy(f->sm[g]);
    }
    tk_chain_mem_destroy(f->cm);
    tk_ctx_destroy(f->ctx);
    sqlite3_close(f->chain_db);
}

/* A failed assertion in the parent must not leave nodes running. */
static fx *live;

static void kill_all(void)
{
    if (live == NULL)
        return;
    for (int i = 0; i < FLEET_NODES; i++)
        if (live->nodes[i].pid > 0) {
            kill(live->nodes[i].pid, SIGKILL);
            waitpid(live->nodes[i].pid, NULL, 0);
        }
}

static void test_fleet_three_processes(void **state)
{
    fx *f = calloc(1, sizeof *f);
    delivery *d;
    size_t n;

    (void)state;
    assert_non_null(f);
    live = f;
    tk_test_seed();
    signal(SIGPIPE, SIG_IGN);
    setup_parent(f);
    for (int i = 0; i < FLEET_NODES; i++)
        start_node(f, i);

    /* Phase 1: payments on params that expire at START + 40; a random node
     * is killed and restarted half-way. */
    d = make_deliveries(f, &n);
    deliver(f, d, n, n / 2, kill_random);
    wait_acks(f);

    /* Phase 2: those params expired, the leader redeems their winners
     * while new payments arrive; the leader is killed half-way. */
    if (fleet_on_anvil()) {
        /* Params one block before the first ones expire; then the leader
         * starts redeeming and is killed at once, while it sends. */
        advance(f, 39);
        d = make_deliveries(f, &n);
        advance(f, 2);
        deliver(f, d, n, 0, kill_leader);
    } else {
        advance(f, 41);
        d = make_deliveries(f, &n);
        deliver(f, d, n, n / 2, kill_leader);
    }
    wait_acks(f);

    /* Everything redeemable: wait until all is settled. */
    advance(f, 41);
    wait_settled(f);
    teardown_parent(f);
    check_end(f);
    live = NULL;
    free(f);
}

static int group_setup(void **state)
{
    (void)state;
    atexit(kill_all);
    return tk_test_tmpdir_make(dir, sizeof dir, "tk_fleet_procs");
}

static int group_teardown(void **state)
{
    (void)state;
    kill_all();
    fleet_store_cleanup();
    return tk_test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_three_processes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

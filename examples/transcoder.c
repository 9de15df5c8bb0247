/* SPDX-License-Identifier: MIT */
/* The transcoder side of the demo: an HTTP server on loopback
 * (libmicrohttpd) that gets paid with lottery tickets.
 *
 *   GET  /params?sender=0x..  ticket params for that sender, as go-livepeer's
 *                             OrchestratorInfo {ticket_params, price_info}
 *   POST /segment             one video segment; header Livepeer-Payment
 *                             carries the payment (base64 protobuf)
 *
 * Every payment goes through the recipient module (signatures, replay
 * protection, win check); winners are stored in SQLite before the answer;
 * the exact EV of the accepted tickets is credited to the stream's balance
 * and the segment's fee debited from it. Each segment mines
 * DEMO_BLOCKS_PER_SEGMENT blocks on the in-process dev chain, so params
 * expire and the broadcaster must fetch fresh ones.
 *
 * A segment's fee is debited only with the request credential the
 * broadcaster signed for it (headers DEMO_SEQ_HEADER / DEMO_SIG_HEADER;
 * tk_recipient_debit_request): a replayed or forged request gets 403 and
 * costs the sender nothing.
 *
 * Every paid segment's response carries a Libticket-Receipt header
 * (demo_receipts.h): the signed receipt of what this payment credited.
 *
 * On SIGTERM or SIGINT it stops, prints a summary (with the refused
 * payments and requests counted) and the calldata it would submit to
 * redeem its winners, and exits 0 only if the books balance: winners
 * found == winners stored, credited EV == accepted tickets x EV.
 *
 * On a real node (demo_chain.h: --rpc URL --controller ADDR --chain-id N
 * --key 0xHEX --redeem-key 0xHEX) the chain is read over RPC instead, no
 * block is mined per segment, and at the end every stored winner is
 * redeemed on-chain (batched) before the summary's verdict.
 *
 * A fleet (run-demo.sh --fleet): --store postgresql://... puts the winners,
 * seen nonces and request seqs in a PostgreSQL database that several
 * transcoder processes share, and --secret-file gives them one recipient
 * secret, so params one node issued are honoured by the others and the
 * shared seen nonces decide replays across nodes. Each node then checks
 * that every winner it found is in the store (the others add theirs).
 *
 * --fleet-node NAME makes the node one of the fleet's redeemers
 * (demo_fleet.h): it redeems while it holds the store's redeemer lease
 * (--lease-ms, default 5000), every node's winners; at the end it waits
 * until no winner is left open, whoever redeems them.
 *
 * usage: transcoder [--port N] [--port-file FILE]
 *                   [--store FILE|postgresql://...] [--secret-file FILE]
 *                   [--fleet-node NAME [--lease-ms N]]
 *                   [--rpc URL --controller ADDR --chain-id N --key 0xHEX
 *                    --redeem-key 0xHEX] */

#include "demo_common.h"
#include "demo_chain.h"
#include "demo_fleet.h"
#include "demo_receipts.h"

#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/recipient.h"
#include "ticket/redeem.h"
#include "ticket/store_pg.h"
#include "ticket/store_sqlite.h"
#include "ticket/wire.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

/* The recipient's policy: faceValue = redeemGas * gasPrice * 10 (3.5e15 wei
 * at the dev chain's 1 gwei), EV 8.75e14: every ticket wins with
 * probability 1/4, so a short demo sees winners. */
#define DEMO_EV_WEI "875000000000000"
#define DEMO_REDEEM_GAS 350000u
#define DEMO_TX_COST_MULTIPLIER 10u

typedef struct transcoder {
    tk_ctx *ctx;
    tk_chain_mem *chain; /* the dev chain, or NULL on a real node */
    demo_chain dc;       /* the real node's view (dc.url set) */
    tk_store_sqlite *db; /* the winner store: a SQLite file, */
    tk_store_pg *pg;     /* or a PostgreSQL database shared by a fleet */
    tk_store store;
    uint8_t secret[32];  /* --secret-file; wiped on teardown */
    int has_secret;
    tk_hash *found;      /* hashes of the winners this node found */
    size_t n_found, cap_found;
    tk_recipient *rcpt;
    const char *fleet_node; /* --fleet-node: the fleet's redeemer, */
    uint32_t lease_ms;      /* with this lease */
    demo_fleet fleet;
    tk_price price;
    pthread_mutex_t mu; /* the counters below (MHD runs one thread anyway) */
    unsigned segments, refused, params_issued;
    unsigned requests_refused; /* no valid, fresh credential: no debit */
    size_t tickets, accepted, winners, replayed;
    mpq_t credited;     /* sum of what tk_recipient_receive credited */
    mpq_t expected;     /* sum of accepted x EV of each payment's params */
    mpq_t debited;
    mpq_t ev;           /* EV of the last payment's tickets */
    tk_hash session;    /* keccak(stream id): the balance all fees use */
    uint8_t key[32];    /* signs the receipts; wiped on teardown */
    unsigned receipts;  /* receipts sent */
    unsigned winners_unnoted; /* payments whose winners note_winners missed */
} transcoder;

/* One POST: MHD calls the handler several times per request. The body is
 * hashed as it arrives: the credential signs keccak(segment bytes). */
typedef struct upload {
    size_t body_bytes;
    tk_keccak256_state hash;
} upload;

static enum MHD_Result reply(struct MHD_Connection *conn, transcoder *t,
                             unsigned code, const void *body, size_t len,
                             const char *type, const char *receipt)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    char block[24];
    uint64_t b = 0;

    r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                        MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    if (t->chain != NULL)
        (void)tk_chain_mem_state(t->chain, &b, NULL);
    else
        b = demo_chain_block(&t->dc);
    snprintf(block, sizeof block, "%llu", (unsigned long long)b);
    MHD_add_response_header(r, DEMO_BLOCK_HEADER, block);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (receipt != NULL)
        MHD_add_response_header(r, TK_WIRE_RECEIPT_HEADER, receipt);
    ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, transcoder *t,
                                  unsigned code, const char *text)
{
    return reply(conn, t, code, text, strlen(text), "text/plain", NULL);
}

/* GET /params?sender=0x...: issue params for this sender (section 4). */
static enum MHD_Result handle_params(struct MHD_Connection *conn, transcoder *t)
{
    const char *s = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
                                                "sender");
    tk_address sender;
    tk_sender_funds funds;
    tk_ticket_params params;
    uint8_t buf[512];
    size_t len = sizeof buf;
    tk_status st;
    char fv[TK_U256_DEC_MAX], eb[TK_U256_DEC_MAX];

    if (s == NULL || tk_address_from_hex(&sender, s, strlen(s)) != TK_OK)
        return reply_text(conn, t, MHD_HTTP_BAD_REQUEST, "bad sender\n");
    /* The dev chain's view of this broadcaster's deposit and reserve (a real
     * node reads them from the TicketBroker). */
    memset(&funds, 0, sizeof funds);
    funds.deposit = demo_u256(DEMO_DEPOSIT_WEI);
    funds.reserve_funds_remaining = demo_u256(DEMO_RESERVE_WEI);
    if (t->chain != NULL)
        (void)tk_chain_mem_set_sender_funds(t->chain, &sender, &funds);
    else if (!demo_chain_watch(&t->dc, &sender)) /* the RPC view reads it */
        return reply_text(conn, t, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "sender unknown to the chain view\n");

    st = tk_recipient_params(t->rcpt, &params, &sender, &t->price);
    if (st == TK_OK)
        st = tk_wire_encode_params(buf, &len, &params);
    if (st != TK_OK) {
        char msg[128];
        snprintf(msg, sizeof msg, "params refused: %s\n", tk_status_name(st));
        return reply_text(conn, t, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
    }
    pthread_mutex_lock(&t->mu);
    t->params_issued++;
    pthread_mutex_unlock(&t->mu);
    (void)tk_u256_to_dec(fv, sizeof fv, &params.face_value);
    (void)tk_u256_to_dec(eb, sizeof eb, &params.expiration_block);
    printf("[transcoder] params #%u: face value %s wei, expire at block %s, "
           "round %lld\n", t->params_issued, fv, eb,
           (long long)params.creation_round);
    return reply(conn, t, MHD_HTTP_OK, buf, len, "application/x-protobuf", NULL);
}

/* The segment's request credential from its headers (the manifest id is
 * the stream header's value). 0 when a header is missing or malformed. */
static int read_credential(struct MHD_Connection *conn, upload *u, tk_credential *c,
                           const char **profiles, uint8_t sig[TK_SIG_LEN])
{
    const char *mid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, DEMO_STREAM_HEADER);
    const char *seq = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, DEMO_SEQ_HEADER);
    const char *hex = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, DEMO_SIG_HEADER);
    size_t len = TK_SIG_LEN;
    char *end;

    memset(c, 0, sizeof *c);
    (void)tk_keccak256_final(&u->hash, &c->segment_hash);
    if (mid == NULL || seq == NULL || hex == NULL || seq[0] < '0' || seq[0] > '9')
        return 0;
    c->manifest_id = (const uint8_t *)mid;
    c->manifest_id_len = strlen(mid);
    c->seq = strtoull(seq, &end, 10);
    profiles[0] = DEMO_PROFILE;
    c->profiles = profiles;
    c->n_profiles = 1;
    return *end == '\0' && tk_hex_decode(sig, &len, hex, strlen(hex)) == TK_OK &&
           len == TK_SIG_LEN;
}

/* Remember the hashes of the winners of this payment (under t->mu): the
 * summary checks that each is in the store. 0 when out of memory. */
static int note_winners(transcoder *t, const tk_payment *pay,
                        const tk_ticket_result *res)
{
    for (size_t i = 0; i < pay->count; i++) {
        tk_ticket tk;
        if (!res[i].wins) /* as the summary counts them: expired ones too */
            continue;
        if (t->n_found == t->cap_found) {
            size_t cap = t->cap_found ? 2 * t->cap_found : 16;
            tk_hash *nf = realloc(t->found, cap * sizeof *nf);
            if (nf == NULL)
                return 0;
            t->found = nf;
            t->cap_found = cap;
        }
        if (tk_payment_ticket(&tk, pay, i) != TK_OK ||
            tk_ticket_hash(&t->found[t->n_found], &tk) != TK_OK)
            return 0;
        t->n_found++;
    }
    return 1;
}

/* The LEDGER line run-demo.sh --fleet reads (demo_fleet_check.py). */
static void print_ledger(const transcoder *t, const tk_payment *pay)
{
    printf("LEDGER accepted=%zu winners=%zu ev=", t->accepted, t->winners);
    mpq_out_str(stdout, 10, t->ev);
    printf(" credited=");
    mpq_out_str(stdout, 10, t->credited);
    printf(" debited=");
    mpq_out_str(stdout, 10, t->debited);
    if (pay->count > 0) { /* which payment: its rand hash and nonces */
        char rh[2 * TK_HASH_LEN + 3];
        (void)tk_hex_encode(rh, sizeof rh, pay->params.recipient_rand_hash.bytes,
                            TK_HASH_LEN);
        printf(" payment=%s:%" PRIu32 "-%" PRIu32, rh, pay->tickets[0].sender_nonce,
               pay->tickets[pay->count - 1].sender_nonce);
    }
    printf("\n");
}

/* POST /segment: take the payment, then charge the segment's fee - only
 * for a request the paying sender signed, with a fresh seq. */
static enum MHD_Result handle_segment(struct MHD_Connection *conn,
                                      transcoder *t, upload *u)
{
    tk_credential cred;
    const char *profiles[1];
    uint8_t sig[TK_SIG_LEN];
    int has_cred = read_credential(conn, u, &cred, profiles, sig);
    const char *hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  TK_WIRE_PAYMENT_HEADER);
    tk_payment pay;
    tk_ticket_result *res = NULL;
    tk_receive_summary sum;
    mpq_t credited, ev, fee, balance;
    tk_status st;
    char body[256], a[100], b[100];
    unsigned code = MHD_HTTP_OK;
    uint64_t block = 0;
    unsigned seg;
    char *receipt = NULL;
    size_t listed = 0, won = 0;
    tk_status rst = TK_OK;
    enum MHD_Result ret;

    if (hdr == NULL)
        return reply_text(conn, t, MHD_HTTP_PAYMENT_REQUIRED,
                          "no Livepeer-Payment header\n");
    /* Untrusted bytes: a malformed header is an error code, never a crash. */
    st = tk_wire_decode_payment_header(&pay, hdr, strlen(hdr));
    if (st != TK_OK) {
        snprintf(body, sizeof body, "bad payment: %s\n", tk_status_name(st));
        return reply_text(conn, t, MHD_HTTP_BAD_REQUEST, body);
    }
    mpq_inits(credited, ev, fee, balance, NULL);
    if (pay.count > 0 && (res = calloc(pay.count, sizeof *res)) == NULL) {
        st = TK_ERR_NOMEM;
    } else {
        /* Fatal checks, then every ticket; winners are in SQLite before
         * this returns. The credit goes to the stream's balance. */
        st = tk_recipient_receive(t->rcpt, res, pay.count, &sum, credited,
                                  &pay, &t->session);
    }
    /* The signed receipt of what this payment credited, for the sender's
     * books (a sender that ignores the header loses nothing). */
    if (st == TK_OK)
        receipt = demo_receipt_header(t->rcpt, t->key, &pay, res, &listed,
                                      &won, &rst);

    pthread_mutex_lock(&t->mu);
    seg = ++t->segments;
    if (st != TK_OK) {
        t->refused++;
        snprintf(body, sizeof body, "payment refused: %s\n",
                 tk_status_name(st));
        code = MHD_HTTP_BAD_REQUEST;
    } else {
        (void)tk_ticket_ev(ev, &pay.params.face_value, &pay.params.win_prob);
        if (pay.count > 0)
            mpq_set(t->ev, ev);
        t->tickets += pay.count;
        t->accepted += sum.accepted;
        for (size_t i = 0; i < pay.count; i++)
            t->replayed += res[i].status == TK_ERR_REPLAYED_NONCE;
        t->winners += sum.winners;
        if (!note_winners(t, &pay, res))
            t->winners_unnoted++;
        t->receipts += receipt != NULL;
        mpq_add(t->credited, t->credited, credited);
        mpq_set_ui(fee, (unsigned long)sum.accepted, 1);
        mpq_mul(fee, fee, ev);
        mpq_add(t->expected, t->expected, fee);

        /* Charge the segment (price per pixel x pixels) against the
         * request the sender signed: a replayed or forged request debits
         * nothing and gets no work. */
        demo_segment_fee(fee, &pay.params.price);
        st = has_cred ? tk_recipient_debit_request(t->rcpt, &pay.sender, &t->session, fee, 0,
                                                   &cred, sig, sizeof sig)
                      : TK_ERR_SIG_BAD_LENGTH;
        if (st == TK_OK) {
            mpq_add(t->debited, t->debited, fee);
        } else if (st == TK_ERR_INSUFFICIENT_BALANCE || st == TK_ERR_NOT_FOUND) {
            code = MHD_HTTP_PAYMENT_REQUIRED;
        } else {
            t->requests_refused++;
            code = MHD_HTTP_FORBIDDEN;
        }
        (void)tk_recipient_balance(t->rcpt, balance, &pay.sender, &t->session);
        snprintf(body, sizeof body, "%s%s accepted=%zu winners=%zu balance=%s\n",
                 st == TK_OK ? "ok" : "request refused: ", st == TK_OK ? "" : tk_status_name(st),
                 sum.accepted, sum.winners, demo_wei(a, sizeof a, balance));
        /* A fleet node's running totals, before the answer: a node killed
         * later has told what it credited (run-demo.sh --fleet sums them).
         * Only on a shared store: the single demo's summary says it all. */
        if (t->pg != NULL)
            print_ledger(t, &pay);
    }
    pthread_mutex_unlock(&t->mu);

    /* Time passes on the dev chain; drop replay state of expired params. */
    if (t->chain != NULL) {
        (void)tk_chain_mem_advance(t->chain, DEMO_BLOCKS_PER_SEGMENT);
        (void)tk_chain_mem_state(t->chain, &block, NULL);
    } else {
        block = demo_chain_block(&t->dc); /* a real node's blocks */
    }
    (void)tk_recipient_prune(t->rcpt);

    printf("[transcoder] segment %u: %zu ticket(s), fee %s wei -> %.*s "
           "(now block %llu)\n", seg, pay.count, demo_wei(b, sizeof b, fee),
           (int)strcspn(body, "\n"), body, (unsigned long long)block);
    if (receipt != NULL)
        printf("[transcoder]   receipt: %zu accepted, %zu won, %zu chars\n",
               listed, won, strlen(receipt));
    else if (rst != TK_OK)
        printf("[transcoder]   no receipt: %s\n", tk_status_name(rst));
    mpq_clears(credited, ev, fee, balance, NULL);
    free(res);
    tk_payment_clear(&pay);
    ret = reply(conn, t, code, body, strlen(body), "text/plain", receipt);
    free(receipt);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    transcoder *t = cls;
    upload *u = *con_cls;
    (void)version;

    if (strcmp(method, "GET") == 0 && strcmp(url, "/params") == 0)
        return handle_params(conn, t);
    if (strcmp(method, "POST") != 0 || strcmp(url, "/segment") != 0)
        return reply_text(conn, t, MHD_HTTP_NOT_FOUND, "not found\n");
    if (u == NULL) { /* first call: headers only */
        if ((u = calloc(1, sizeof *u)) == NULL)
            return MHD_NO;
        (void)tk_keccak256_init(&u->hash);
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_size > 0) { /* the segment itself: a real node transcodes it */
        u->body_bytes += *data_size;
        (void)tk_keccak256_update(&u->hash, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    return handle_segment(conn, t, u);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

/* Collect the stored winners for the calldata. */
typedef struct winners {
    size_t n, cap;
    tk_ticket *tickets;
    tk_sig *sigs;
    tk_u256 *rands;
} winners;

static int collect(const tk_winner *w, void *data)
{
    winners *ws = data;
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? 2 * ws->cap : 8;
        tk_ticket *nt = realloc(ws->tickets, cap * sizeof *nt);
        if (nt != NULL)
            ws->tickets = nt;
        tk_sig *ns = realloc(ws->sigs, cap * sizeof *ns);
        if (ns != NULL)
            ws->sigs = ns;
        tk_u256 *nr = realloc(ws->rands, cap * sizeof *nr);
        if (nr != NULL)
            ws->rands = nr;
        if (nt == NULL || ns == NULL || nr == NULL)
            return 1;
        ws->cap = cap;
    }
    ws->tickets[ws->n] = w->ticket;
    ws->sigs[ws->n] = w->sig;
    ws->rands[ws->n] = w->recipient_rand;
    ws->n++;
    return 0;
}

/* The redemption the node would submit once the params expire: one batch
 * call with every stored winner (the queue in redeem.h does this for real,
 * block by block, with gas caps and retries). */
static void print_calldata(transcoder *t)
{
    winners ws;
    size_t len = 0;
    uint8_t *cd = NULL;
    char *hex = NULL;

    memset(&ws, 0, sizeof ws);
    if (t->store.list(t->store.self, NULL, TK_WINNER_ALL_STATES, collect,
                      &ws) != TK_OK || ws.n == 0) {
        printf("redemption calldata: none (no winners)\n");
        goto out;
    }
    if (ws.n == 1 ? tk_redeem_single_len(&len, ws.tickets) != TK_OK
                  : tk_redeem_batch_len(&len, ws.tickets, ws.n) != TK_OK)
        goto out;
    cd = malloc(len);
    hex = malloc(2 * len + 3);
    if (cd == NULL || hex == NULL)
        goto out;
    if ((ws.n == 1 ? tk_redeem_encode_single(cd, &len, ws.tickets, ws.sigs,
                                             ws.rands)
                   : tk_redeem_encode_batch(cd, &len, ws.tickets, ws.sigs,
                                            ws.rands, ws.n)) != TK_OK ||
        tk_hex_encode(hex, 2 * len + 3, cd, len) != TK_OK)
        goto out;
    /* It reveals each recipientRand: fine on a dev chain, secret until the
     * transaction is mined on a real one. */
    printf("redemption calldata (%s, %zu ticket(s), %zu bytes, to the "
           "TicketBroker):\n%s\n",
           ws.n == 1 ? "redeemWinningTicket" : "batchRedeemWinningTickets",
           ws.n, len, hex);
out:
    if (cd != NULL)
        tk_memzero(cd, len);
    if (ws.rands != NULL)
        tk_memzero(ws.rands, ws.cap * sizeof *ws.rands);
    free(cd);
    free(hex);
    free(ws.tickets);
    free(ws.sigs);
    free(ws.rands);
}

/* A PostgreSQL URI may hold a password: never printed. */
static int is_pg_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

static const char *store_label(const transcoder *t, const char *store_path)
{
    return t->pg != NULL ? "the shared PostgreSQL database" : store_path;
}

/* Count the stored winners and add up the face values of the new ones. */
typedef struct store_count {
    uint64_t stored;
    mpz_t new_face; /* face value of the winners in state NEW */
} store_count;

static int count_winner(const tk_winner *w, void *data)
{
    store_count *c = data;
    c->stored++;
    if (w->state == TK_WINNER_NEW) {
        mpz_t fv;
        mpz_init(fv);
        mpz_import(fv, 32, 1, 1, 1, 0, w->ticket.face_value.bytes);
        mpz_add(c->new_face, c->new_face, fv);
        mpz_clear(fv);
    }
    return 0;
}

/* Every winner this node found is in the store (shared or not). */
static int own_winners_stored(transcoder *t)
{
    tk_winner w;
    int ok = t->winners_unnoted == 0 && t->n_found == t->winners;
    for (size_t i = 0; ok && i < t->n_found; i++)
        ok = t->store.get_winner(t->store.self, &t->found[i], &w) == TK_OK;
    tk_memzero(&w, sizeof w); /* its recipientRand */
    return ok;
}

/* The summary, with one machine-readable line for tests. */
static int print_summary(transcoder *t, const char *store_path)
{
    store_count c;
    uint64_t stored;
    mpq_t balance;
    char a[100], b[100], *fv;
    int ok, own;

    c.stored = 0;
    mpz_init(c.new_face);
    if (t->store.list(t->store.self, NULL, TK_WINNER_ALL_STATES, count_winner, &c) != TK_OK) {
        mpz_clear(c.new_face);
        return 0;
    }
    stored = c.stored;
    fv = mpz_get_str(NULL, 10, c.new_face);
    mpz_clear(c.new_face);
    own = own_winners_stored(t);
    mpq_init(balance);
    mpq_sub(balance, t->credited, t->debited);
    /* Money only: every winner stored, exactly the EV of the accepted
     * tickets credited. Refused payments and requests (a hostile client
     * may send any number) are counted and reported, not failures. A
     * shared store also holds the other nodes' winners. */
    ok = own && (t->pg != NULL ? stored >= t->winners : stored == t->winners) &&
         mpq_equal(t->credited, t->expected);

    printf("\n==== transcoder summary ====\n");
    printf("segments      %u (%u payment(s) refused, %u request(s) without a valid, "
           "fresh credential refused), params issued %u\n",
           t->segments, t->refused, t->requests_refused, t->params_issued);
    printf("tickets       %zu received, %zu accepted, %zu replayed\n", t->tickets, t->accepted,
           t->replayed);
    printf("winners       %zu found (%s in the store), %llu stored in %s (new ones' face "
           "value %s wei)\n", t->winners, own ? "all" : "NOT all", (unsigned long long)stored,
           store_label(t, store_path), fv != NULL ? fv : "?");
    free(fv);
    printf("EV / ticket   %s wei (exactly ", demo_wei(a, sizeof a, t->ev));
    mpq_out_str(stdout, 10, t->ev);
    printf(")\ncredited EV   %s wei = %zu tickets x EV: %s\n",
           demo_wei(b, sizeof b, t->credited), t->accepted,
           mpq_equal(t->credited, t->expected) ? "yes" : "NO");
    printf("fees debited  %s wei\n", demo_wei(a, sizeof a, t->debited));
    printf("balance       %s wei\n", demo_wei(b, sizeof b, balance));
    printf("receipts      %u signed and sent\n", t->receipts);
    if (t->chain != NULL)
        print_calldata(t); /* a real node redeems them instead */
    printf("SUMMARY segments=%u refused=%u requests_refused=%u tickets=%zu accepted=%zu "
           "replayed=%zu winners_found=%zu winners_stored=%llu ev=",
           t->segments, t->refused, t->requests_refused, t->tickets, t->accepted, t->replayed,
           t->winners,
           (unsigned long long)stored);
    mpq_out_str(stdout, 10, t->ev);
    printf(" credited=");
    mpq_out_str(stdout, 10, t->credited);
    printf(" debited=");
    mpq_out_str(stdout, 10, t->debited);
    printf(" balance=");
    mpq_out_str(stdout, 10, balance);
    printf(" receipts=%u own_winners_stored=%d", t->receipts, own);
    printf("\nsummary: %s\n", ok ? "OK" : "MISMATCH");
    mpq_clear(balance);
    return ok;
}

static int setup(transcoder *t, const char *store_path)
{
    tk_recipient_config cfg;
    tk_chain chain;
    uint8_t key[32] = {0};
    tk_status st;
    char addr[TK_ADDRESS_HEX_MAX];

    memset(&cfg, 0, sizeof cfg);
    /* The node's identity: its tickets must name this address. */
    if (t->dc.url != NULL && t->dc.has_key)
        memcpy(key, t->dc.key, sizeof key); /* the on-chain recipient */
    if ((st = tk_ctx_create(&t->ctx)) != TK_OK ||
        (t->dc.url == NULL && (st = tk_key_generate(t->ctx, key)) != TK_OK) ||
        (st = tk_key_address(t->ctx, &cfg.address, key)) != TK_OK) {
        tk_memzero(key, sizeof key);
        fprintf(stderr, "transcoder: key: %s\n", tk_status_str(st));
        return 0;
    }
    memcpy(t->key, key, sizeof key); /* it signs the receipts */
    tk_memzero(key, sizeof key);
    cfg.ev = demo_u256(DEMO_EV_WEI);
    cfg.redeem_gas = DEMO_REDEEM_GAS;
    cfg.tx_cost_multiplier = DEMO_TX_COST_MULTIPLIER;

    /* The dev chain, the durable winner store, and the recipient over them
     * (with a fresh random secret). */
    if (t->dc.url != NULL) {
        if (!demo_chain_open(&t->dc, t->ctx, &cfg.address))
            return 0;
        chain = t->dc.chain;
    } else if ((st = tk_chain_mem_create(&t->chain, DEMO_START_BLOCK)) != TK_OK ||
               (st = tk_chain_mem_set_round_length(t->chain, DEMO_ROUND_LENGTH)) !=
                   TK_OK ||
               (st = tk_chain_mem_iface(t->chain, &chain)) != TK_OK) {
        fprintf(stderr, "transcoder: setup: %s\n", tk_status_str(st));
        return 0;
    }
    if (is_pg_uri(store_path))
        st = tk_store_pg_create(t->ctx, &t->pg, store_path, NULL);
    else
        st = tk_store_sqlite_create(&t->db, store_path, NULL);
    if (st == TK_OK)
        st = t->pg != NULL ? tk_store_pg_iface(t->pg, &t->store)
                           : tk_store_sqlite_iface(t->db, &t->store);
    /* A fleet's nodes share the secret (--secret-file): each honours the
     * params the others issued. Without one, a fresh random secret. */
    if (st == TK_OK)
        st = tk_recipient_create(t->ctx, &t->rcpt, &cfg, t->has_secret ? t->secret : NULL,
                                 &chain, &t->store);
    if (st != TK_OK) {
        char why[256] = "";
        if (t->pg != NULL) /* connected, then refused */
            (void)tk_store_pg_last_error(t->pg, why, sizeof why);
        fprintf(stderr, "transcoder: setup: %s %s\n", tk_status_str(st), why);
        return 0;
    }
    (void)tk_u256_from_u64(&t->price.num, DEMO_PRICE_PER_UNIT);
    (void)tk_u256_from_u64(&t->price.den, DEMO_PIXELS_PER_UNIT);
    (void)tk_keccak256(&t->session, DEMO_STREAM_ID, strlen(DEMO_STREAM_ID));
    (void)tk_address_to_hex(addr, sizeof addr, &cfg.address, 1);
    printf("[transcoder] recipient %s, EV %s wei per ticket, price %u wei "
           "per pixel, winners in %s\n", addr, DEMO_EV_WEI,
           DEMO_PRICE_PER_UNIT, store_label(t, store_path));
    if (t->fleet_node == NULL)
        return 1;
    if (t->dc.url == NULL) {
        fprintf(stderr, "transcoder: --fleet-node needs a real node (--rpc ...)\n");
        return 0;
    }
    printf("[transcoder] fleet node %s: redeemer lease of %u ms\n", t->fleet_node,
           (unsigned)t->lease_ms);
    return demo_fleet_start(&t->fleet, &t->dc, t->ctx, &t->store,
                            tk_recipient_monitor(t->rcpt), t->fleet_node, t->lease_ms);
}

static void teardown(transcoder *t)
{
    demo_fleet_stop(&t->fleet); /* it uses the recipient's monitor and the store */
    tk_recipient_destroy(t->rcpt);
    tk_store_sqlite_destroy(t->db);
    tk_store_pg_destroy(t->pg);
    tk_memzero(t->secret, sizeof t->secret);
    free(t->found);
    tk_chain_mem_destroy(t->chain);
    demo_chain_close(&t->dc);
    tk_ctx_destroy(t->ctx);
    tk_memzero(t->key, sizeof t->key);
    mpq_clears(t->credited, t->expected, t->debited, t->ev, NULL);
    pthread_mutex_destroy(&t->mu);
}

/* The recipient secret shared by a fleet: "0x" and 64 hex digits. */
static int read_secret(transcoder *t, const char *path)
{
    char buf[80];
    size_t n = 0, len = sizeof t->secret;
    FILE *f = fopen(path, "r");
    int ok;

    if (f != NULL) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    ok = f != NULL && tk_hex_decode(t->secret, &len, buf, n) == TK_OK &&
         len == sizeof t->secret;
    tk_memzero(buf, sizeof buf);
    if (!ok)
        fprintf(stderr, "transcoder: %s: want a 32-byte secret in hex\n", path);
    return t->has_secret = ok;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *store_path = "transcoder-winners.db";
    const char *secret_file = NULL, *fleet_node = NULL;
    uint32_t lease_ms = 5000;
    unsigned port = 0;
    transcoder t;
    struct MHD_Daemon *d;
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    const union MHD_DaemonInfo *info;
    sigset_t sigs;
    demo_chain dc;
    int sig, ok;

    memset(&dc, 0, sizeof dc);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store_path = argv[++i];
        else if (strcmp(argv[i], "--secret-file") == 0 && i + 1 < argc)
            secret_file = argv[++i];
        else if (strcmp(argv[i], "--fleet-node") == 0 && i + 1 < argc)
            fleet_node = argv[++i];
        else if (strcmp(argv[i], "--lease-ms") == 0 && i + 1 < argc)
            lease_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (demo_chain_flag(&dc, argc, argv, &i) != 1) {
            fprintf(stderr, "usage: transcoder [--port N] [--port-file FILE] "
                            "[--store FILE|postgresql://...] [--secret-file FILE] "
                            "[--fleet-node NAME [--lease-ms N]] "
                            "[--rpc URL --controller ADDR "
                            "--chain-id N --key 0xHEX --redeem-key 0xHEX]\n");
            return EXIT_FAILURE;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* SIGTERM / SIGINT end the demo; block them in every thread (before
     * the chain poller starts) and wait for them here. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    memset(&t, 0, sizeof t);
    t.dc = dc;
    t.fleet_node = fleet_node;
    t.lease_ms = lease_ms;
    pthread_mutex_init(&t.mu, NULL);
    mpq_inits(t.credited, t.expected, t.debited, t.ev, NULL);
    if ((secret_file != NULL && !read_secret(&t, secret_file)) || !setup(&t, store_path)) {
        teardown(&t);
        return EXIT_FAILURE;
    }

    /* Loopback only; port 0 lets the kernel choose a free one. */
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                         on_request, &t, MHD_OPTION_SOCK_ADDR, &addr,
                         MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                         MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "transcoder: cannot listen on 127.0.0.1:%u\n", port);
        teardown(&t);
        return EXIT_FAILURE;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    if (info != NULL &&
        getsockname(info->listen_fd, (struct sockaddr *)&addr, &alen) == 0)
        port = ntohs(addr.sin_port);
    printf("[transcoder] listening on http://127.0.0.1:%u\n", port);
    if (port_file != NULL) {
        /* Written whole, then renamed: a reader never sees half a number. */
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%u\n", port) < 0 ||
            fclose(f) != 0 || rename(tmp, port_file) != 0) {
            fprintf(stderr, "transcoder: cannot write %s\n", port_file);
            MHD_stop_daemon(d);
            teardown(&t);
            return EXIT_FAILURE;
        }
    }

    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    ok = print_summary(&t, store_path);
    /* On a real node: redeem every winner now (run-demo.sh has mined past
     * the params' expiration blocks). */
    if (t.fleet_node != NULL ? !demo_fleet_finish(&t.fleet, &t.store, 60)
                             : t.chain == NULL &&
                                   !demo_chain_redeem(&t.dc, t.ctx, &t.store,
                                                      tk_recipient_monitor(t.rcpt), 60))
        ok = 0;
    teardown(&t);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

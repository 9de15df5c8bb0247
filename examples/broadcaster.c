/* SPDX-License-Identifier: MIT */
/* The broadcaster side of the demo: an HTTP client (libcurl) that pays a
 * transcoder for N video segments with lottery tickets.
 *
 *   1. GET /params: the transcoder's ticket params and price (go-livepeer's
 *      OrchestratorInfo); start a sender session on them.
 *   2. For each segment: work out how many tickets cover its fee (the
 *      credit left over from earlier tickets counts, as in go-livepeer),
 *      sign that batch, and POST the segment with the batch in the
 *      Livepeer-Payment header.
 *   3. When the params expire on the chain, fetch fresh ones.
 *
 * Its dev chain follows the transcoder's block number (see demo_common.h):
 * the sender's checks (params expiry, the sender's own funds and unlock
 * state) read that chain.
 *
 * Each segment also carries its request credential (seq and signature,
 * DEMO_SEQ_HEADER / DEMO_SIG_HEADER): the transcoder debits the fee only
 * for a request this sender signed. --replay finally re-sends the last
 * request unchanged, as an attacker with a captured copy would, and
 * expects it refused by the seq check (HTTP 403). So that the balance
 * check cannot refuse it first (HTTP 402), the last segment (or the
 * prepaid first) also pays for one more fee: the replay is fully paid,
 * whatever the segment count.
 *
 * Receipts (demo_receipts.h): every response's Libticket-Receipt header is
 * decoded against the payment sent and applied to the sender's books, so
 * the broadcaster knows what was credited and which tickets won at once;
 * the books also hold each batch to the deposit-risk rule.
 *
 * --prepay pays the whole job's EV up front with the first segment, then
 * streams the others on that credit (0-ticket payments); the receipts show
 * what was credited and the credit drawn down segment by segment.
 *
 * On a real node (demo_chain.h: --rpc URL --controller ADDR --chain-id N
 * --key 0xHEX) it funds its deposit and reserve on-chain first and reads
 * the chain over RPC instead of following the transcoder's block.
 *
 * A fleet (run-demo.sh --fleet): --url given twice names two transcoders of
 * one fleet. It pays the first; when a request gets no answer at all (the
 * node died), it fails over to the next: fresh params from that node, its
 * credit there starts at zero (the balance at the dead node died with it),
 * and the segment is sent again as a new request (a new seq: the dead node
 * may have served the old one). --replay at the end re-sends the last
 * request the first node served to the node serving now: only the fleet's
 * shared request seqs can refuse it there.
 * --pause-after K FILE stops after segment K until FILE exists: the script
 * kills node 1 meanwhile, at the same point of the stream in every run
 * however busy the machine is.
 *
 * usage: broadcaster --url http://127.0.0.1:PORT [--url ...] [--segments N]
 *                    [--replay] [--prepay] [--pause-after K FILE]
 *                    [--rpc URL --controller ADDR --chain-id N --key 0xHEX] */

#include "demo_common.h"
#include "demo_chain.h"
#include "demo_receipts.h"

#include "ticket/chain.h"
#include "ticket/context.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/sender.h"
#include "ticket/wire.h"

#include <curl/curl.h>
#include <ctype.h>
#include <strings.h>
#include <inttypes.h>
#include <time.h>
#include <unistd.h>

typedef struct http_reply {
    long code;
    char *body; /* NUL-terminated */
    size_t len;
    uint64_t block; /* DEMO_BLOCK_HEADER, 0 if absent */
    char *receipt;  /* TK_WIRE_RECEIPT_HEADER's value, NULL if absent */
} http_reply;

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
    http_reply *r = data;
    size_t add = size * n;
    char *nb = realloc(r->body, r->len + add + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + r->len, p, add);
    r->len += add;
    nb[r->len] = '\0';
    r->body = nb;
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
    http_reply *r = data;
    size_t len = size * n, name = strlen(DEMO_BLOCK_HEADER);
    if (len > name + 1 && strncasecmp(p, DEMO_BLOCK_HEADER, name) == 0 &&
        p[name] == ':') {
        char num[32];
        size_t k = 0;
        for (size_t i = name + 1; i < len && k + 1 < sizeof num; i++)
            if (isdigit((unsigned char)p[i]))
                num[k++] = p[i];
        num[k] = '\0';
        r->block = strtoull(num, NULL, 10);
    }
    name = strlen(TK_WIRE_RECEIPT_HEADER);
    if (len > name + 1 && r->receipt == NULL &&
        strncasecmp(p, TK_WIRE_RECEIPT_HEADER, name) == 0 && p[name] == ':') {
        size_t b = name + 1, e = len;
        while (b < e && isspace((unsigned char)p[b]))
            b++;
        while (e > b && isspace((unsigned char)p[e - 1]))
            e--;
        if ((r->receipt = malloc(e - b + 1)) != NULL) {
            memcpy(r->receipt, p + b, e - b);
            r->receipt[e - b] = '\0';
        }
    }
    return len;
}

/* One request; body NULL means GET. extra: more header lines or NULL. */
static int http(CURL *curl, http_reply *r, const char *url,
                const char *payment, const void *body, size_t body_len,
                const char *const *extra)
{
    struct curl_slist *h = NULL;
    char line[8192 + 64];
    CURLcode rc;

    memset(r, 0, sizeof *r);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (body != NULL) {
        if (payment != NULL) {
            snprintf(line, sizeof line, "%s: %s", TK_WIRE_PAYMENT_HEADER,
                     payment);
            h = curl_slist_append(h, line);
        }
        h = curl_slist_append(h, DEMO_STREAM_HEADER ": " DEMO_STREAM_ID);
        for (; extra != NULL && *extra != NULL; extra++)
            h = curl_slist_append(h, *extra);
        h = curl_slist_append(h, "Content-Type: video/mp2t");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    rc = curl_easy_perform(curl);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "broadcaster: %s: %s\n", url, curl_easy_strerror(rc));
        return 0;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->code);
    return 1;
}

typedef struct broadcaster {
    tk_ctx *ctx;
    tk_chain_mem *chain; /* the dev chain, or NULL on a real node */
    demo_chain dc;       /* the real node's view (dc.url set) */
    tk_sender *sender;
    tk_address address;
    CURL *curl;
    const char *url;       /* the transcoder paid now: urls[cur] */
    const char *urls[2];
    unsigned n_urls, cur;
    unsigned seq;          /* the last request's seq: one per attempt */
    tk_ticket_params params;
    int has_session;
    mpq_t credit; /* EV sent but not yet spent on fees */
    mpq_t ev;     /* EV of one ticket of the session */
    size_t tickets, refreshes;
    demo_books books; /* what the receipts said */
    int prepay;       /* pay the whole job with the first segment */
    int replay;       /* --replay: leave credit for one more fee */
    mpq_t fees;       /* fees of the segments served so far */
    /* The last request the first transcoder served: --replay sends it
     * again, as an attacker who captured it would. */
    char *last_hdr, last_seq[64], last_sig[64 + 2 * TK_SIG_LEN];
} broadcaster;

/* Move the dev chain to the transcoder's block (it only moves forward). */
static void follow_chain(broadcaster *b, uint64_t block)
{
    uint64_t mine = 0;
    if (b->chain == NULL)
        return; /* a real node: the view polls the chain itself */
    (void)tk_chain_mem_state(b->chain, &mine, NULL);
    if (block > mine)
        (void)tk_chain_mem_advance(b->chain, block - mine);
}

/* GET /params and start a session on them (ending the previous one). */
static int fetch_params(broadcaster *b)
{
    char url[1024], addr[TK_ADDRESS_HEX_MAX], eb[TK_U256_DEC_MAX];
    http_reply r;
    tk_ticket_params p;
    tk_status st;

    (void)tk_address_to_hex(addr, sizeof addr, &b->address, 0);
    snprintf(url, sizeof url, "%s/params?sender=%s", b->url, addr);
    if (!http(b->curl, &r, url, NULL, NULL, 0, NULL))
        return 0;
    follow_chain(b, r.block);
    free(r.receipt);
    if (r.code != 200) {
        fprintf(stderr, "broadcaster: /params: HTTP %ld %s", r.code,
                r.body != NULL ? r.body : "\n");
        free(r.body);
        return 0;
    }
    /* The reply is untrusted bytes: decoding checks every length. */
    st = tk_wire_decode_params(&p, (const uint8_t *)r.body, r.len);
    free(r.body);
    if (st == TK_OK)
        st = tk_sender_validate_params(b->sender, &p, 1);
    if (st != TK_OK) {
        fprintf(stderr, "broadcaster: params refused: %s\n", tk_status_str(st));
        return 0;
    }
    if (b->has_session)
        (void)tk_sender_session_end(b->sender, &b->params.recipient_rand_hash);
    b->params = p;
    if ((st = tk_sender_session_start(b->sender, &p, 0)) != TK_OK ||
        (st = tk_sender_session_ev(b->sender, b->ev,
                                   &p.recipient_rand_hash)) != TK_OK) {
        fprintf(stderr, "broadcaster: session: %s\n", tk_status_str(st));
        return 0;
    }
    b->has_session = 1;
    b->refreshes++;
    (void)tk_u256_to_dec(eb, sizeof eb, &p.expiration_block);
    printf("[broadcaster] params #%zu: expire at block %s (chain at %" PRIu64
           ")\n", b->refreshes, eb, r.block);
    return 1;
}

/* Tickets needed so that credit covers fee: ceil((fee - credit) / EV). */
static size_t tickets_for(const mpq_t fee, const mpq_t credit, const mpq_t ev)
{
    mpq_t need;
    mpz_t n;
    size_t k = 0;
    if (mpq_cmp(credit, fee) >= 0 || mpq_sgn(ev) <= 0)
        return 0;
    mpq_init(need);
    mpz_init(n);
    mpq_sub(need, fee, credit);
    mpq_div(need, need, ev);
    mpz_cdiv_q(n, mpq_numref(need), mpq_denref(need));
    k = mpz_fits_ulong_p(n) ? (size_t)mpz_get_ui(n) : 0;
    mpz_clear(n);
    mpq_clear(need);
    return k;
}

/* The two header lines of segment seq's credential. */
static int sign_segment(broadcaster *b, char seq_line[64], char sig_line[64 + 2 * TK_SIG_LEN],
                        unsigned seq, const void *data, size_t len)
{
    const char *profiles[1] = {DEMO_PROFILE};
    tk_credential c = {(const uint8_t *)DEMO_STREAM_ID, strlen(DEMO_STREAM_ID), seq,
                       {{0}}, profiles, 1};
    char hex[2 * TK_SIG_LEN + 3];
    tk_sig sig;
    tk_status st;

    if ((st = tk_keccak256(&c.segment_hash, data, len)) != TK_OK ||
        (st = tk_sender_sign_request(b->sender, &sig, &c)) != TK_OK ||
        (st = tk_hex_encode(hex, sizeof hex, sig.bytes, sizeof sig.bytes)) != TK_OK) {
        fprintf(stderr, "broadcaster: segment %u: sign: %s\n", seq, tk_status_str(st));
        return 0;
    }
    snprintf(seq_line, 64, "%s: %u", DEMO_SEQ_HEADER, seq);
    snprintf(sig_line, 64 + 2 * TK_SIG_LEN, "%s: %s", DEMO_SIG_HEADER, hex);
    return 1;
}

/* One attempt at segment i. *answered: 0 when no HTTP answer came back
 * (the transcoder is gone): the caller may fail over. */
static int attempt_segment(broadcaster *b, unsigned i, unsigned total, int *answered)
{
    static const char segment[188 * 16] = {0x47}; /* a stand-in TS chunk */
    mpq_t fee, sent;
    tk_payment pay;
    size_t n, hlen = 0;
    char *hdr = NULL, url[1024], w[100];
    char seq_line[64], sig_line[64 + 2 * TK_SIG_LEN];
    const char *const extra[] = {seq_line, sig_line, NULL};
    http_reply r;
    tk_status st;
    int ok = 0;

    *answered = 1;
    /* Params the sender would refuse now (expired on the chain it follows)
     * are replaced before anything is signed on them. */
    st = tk_sender_validate_params(b->sender, &b->params, 1);
    if (st == TK_ERR_PARAMS_EXPIRED && !fetch_params(b))
        return 0;

    mpq_inits(fee, sent, NULL);
    memset(&pay, 0, sizeof pay);
    demo_segment_fee(fee, &b->params.price);
    {
        /* What the credit must cover now: this fee; the whole job's
         * (fee x segments) when prepaying; plus the replay's fee with the
         * segment that leaves the credit the replay meets. */
        mpq_t need;
        unsigned fees = b->prepay && i == 1 ? total : 1;
        if (b->replay && i == (b->prepay ? 1u : total))
            fees++;
        mpq_init(need);
        mpq_set_ui(need, fees, 1);
        mpq_mul(need, need, fee);
        n = tickets_for(need, b->credit, b->ev);
        mpq_clear(need);
    }
    /* A batch of n tickets (n may be 0 when earlier credit covers the fee:
     * the payment then carries params and sender only). */
    st = tk_sender_create_batch(b->sender, &pay, &b->params.recipient_rand_hash,
                                n);
    if (st == TK_OK)
        st = tk_wire_encode_payment_header(NULL, &hlen, &pay);
    if (st == TK_ERR_BUFFER_TOO_SMALL) {
        hdr = malloc(hlen);
        st = hdr == NULL ? TK_ERR_NOMEM
                         : tk_wire_encode_payment_header(hdr, &hlen, &pay);
    }
    if (st != TK_OK) {
        fprintf(stderr, "broadcaster: segment %u: %s\n", i, tk_status_str(st));
        goto out;
    }
    /* The request credential: without it the transcoder debits nothing
     * (a captured payment header could be replayed by anyone). */
    if (!sign_segment(b, seq_line, sig_line, ++b->seq, segment, sizeof segment))
        goto out;
    snprintf(url, sizeof url, "%s/segment", b->url);
    if (!http(b->curl, &r, url, hdr, segment, sizeof segment, extra)) {
        /* What the node may have committed before it died (its winners
         * are then in the fleet's store): the tickets of this payment. */
        printf("[broadcaster] segment %u/%u: NO ANSWER from %s for %zu ticket(s)", i,
               total, b->url, n);
        if (n > 0) {
            char rh[2 * TK_HASH_LEN + 3];
            (void)tk_hex_encode(rh, sizeof rh, b->params.recipient_rand_hash.bytes,
                                TK_HASH_LEN);
            printf(" (nonces %" PRIu32 "-%" PRIu32 " of recipientRandHash %s)",
                   pay.tickets[0].sender_nonce, pay.tickets[n - 1].sender_nonce, rh);
        }
        printf("\n");
        *answered = 0;
        goto out;
    }
    follow_chain(b, r.block);
    mpq_set_ui(sent, (unsigned long)n, 1);
    mpq_mul(sent, sent, b->ev);
    mpq_add(b->credit, b->credit, sent);
    mpq_sub(b->credit, b->credit, fee);
    b->tickets += n;
    printf("[broadcaster] segment %u/%u: %zu ticket(s)", i, total, n);
    if (n > 0)
        printf(" (nonces %" PRIu32 "-%" PRIu32 ")", pay.tickets[0].sender_nonce,
               pay.tickets[n - 1].sender_nonce);
    printf(", header %zu bytes, my credit %s wei -> HTTP %ld %s", hlen,
           demo_wei(w, sizeof w, b->credit), r.code,
           r.body != NULL ? r.body : "\n");
    ok = r.code == 200;
    free(r.body);
    /* The receipt of this payment, against the batch we sent. */
    (void)demo_books_receipt(&b->books, r.receipt, &pay);
    free(r.receipt);
    if (ok)
        mpq_add(b->fees, b->fees, fee);
    if (b->prepay && ok) {
        tk_exposure_stats s;
        mpq_t left;
        mpq_init(left);
        (void)tk_exposure_stats_get(b->books.x, &s);
        mpz_import(mpq_numref(left), 32, 1, 1, 1, 0, s.credited_wei.bytes);
        mpq_sub(left, left, b->fees);
        printf("[broadcaster]   prepaid credit left (receipted - fees): %s wei\n",
               demo_wei(w, sizeof w, left));
        mpq_clear(left);
    }
    if (b->cur == 0) { /* the first transcoder's last request */
        free(b->last_hdr);
        b->last_hdr = hdr;
        hdr = NULL;
        memcpy(b->last_seq, seq_line, sizeof b->last_seq);
        memcpy(b->last_sig, sig_line, sizeof b->last_sig);
    }
out:
    free(hdr);
    tk_payment_clear(&pay);
    mpq_clears(fee, sent, NULL);
    return ok;
}

/* The next transcoder of the fleet, after b->url gave no answer. */
static int fail_over(broadcaster *b)
{
    char w[100];
    if (b->cur + 1 >= b->n_urls)
        return 0;
    printf("[broadcaster] %s is gone: failing over to %s (my credit of %s wei there "
           "is lost)\n", b->url, b->urls[b->cur + 1], demo_wei(w, sizeof w, b->credit));
    b->url = b->urls[++b->cur];
    mpq_set_ui(b->credit, 0, 1); /* a new node: a new balance */
    return fetch_params(b);
}

static int send_segment(broadcaster *b, unsigned i, unsigned total)
{
    int answered;
    while (!attempt_segment(b, i, total, &answered))
        if (answered || !fail_over(b))
            return 0;
    return 1;
}

static int setup(broadcaster *b)
{
    tk_sender_config cfg;
    tk_sender_funds funds;
    tk_chain chain;
    uint8_t key[32] = {0};
    tk_status st;
    char addr[TK_ADDRESS_HEX_MAX];

    /* Limits: at most 0.01 ETH of EV per ticket and per batch (prepaying
     * a job: up to the deposit in one batch). */
    memset(&cfg, 0, sizeof cfg);
    cfg.max_ev = demo_u256("10000000000000000");
    cfg.max_total_ev = b->prepay ? demo_u256(DEMO_DEPOSIT_WEI) : cfg.max_ev;
    cfg.deposit_multiplier = 1;

    /* The dev chain, with this broadcaster's deposit and reserve on it, and
     * a sender over it with a fresh key (a node would load its keystore:
     * tk_sender_create_from_keystore). */
    memset(&funds, 0, sizeof funds);
    funds.deposit = demo_u256(DEMO_DEPOSIT_WEI);
    funds.reserve_funds_remaining = demo_u256(DEMO_RESERVE_WEI);
    if (b->dc.url != NULL && b->dc.has_key)
        memcpy(key, b->dc.key, sizeof key); /* the funded account */
    if ((st = tk_ctx_create(&b->ctx)) != TK_OK ||
        (b->dc.url == NULL && (st = tk_key_generate(b->ctx, key)) != TK_OK) ||
        (st = tk_key_address(b->ctx, &b->address, key)) != TK_OK) {
        tk_memzero(key, sizeof key);
        fprintf(stderr, "broadcaster: setup: %s\n", tk_status_str(st));
        return 0;
    }
    if (b->dc.url != NULL) {
        /* A real node: deposit and reserve funded on-chain, read back. */
        if (!demo_chain_open(&b->dc, b->ctx, &b->address) ||
            !demo_chain_fund(&b->dc, b->ctx, &b->address, &funds.deposit,
                             &funds.reserve_funds_remaining)) {
            tk_memzero(key, sizeof key);
            return 0;
        }
        chain = b->dc.chain;
    } else if ((st = tk_chain_mem_create(&b->chain, DEMO_START_BLOCK)) != TK_OK ||
               (st = tk_chain_mem_set_round_length(b->chain, DEMO_ROUND_LENGTH)) !=
                   TK_OK ||
               (st = tk_chain_mem_set_sender_funds(b->chain, &b->address, &funds)) !=
                   TK_OK ||
               (st = tk_chain_mem_iface(b->chain, &chain)) != TK_OK) {
        tk_memzero(key, sizeof key);
        fprintf(stderr, "broadcaster: setup: %s\n", tk_status_str(st));
        return 0;
    }
    if ((st = tk_sender_create(b->ctx, &b->sender, &chain, &cfg, key)) != TK_OK) {
        tk_memzero(key, sizeof key);
        fprintf(stderr, "broadcaster: setup: %s\n", tk_status_str(st));
        return 0;
    }
    tk_memzero(key, sizeof key); /* the sender keeps its own copy */
    if (!demo_books_init(&b->books, b->ctx, b->sender, &b->address))
        return 0;
    (void)tk_address_to_hex(addr, sizeof addr, &b->address, 1);
    printf("[broadcaster] sender %s, paying %s\n", addr, b->url);
    return 1;
}

/* --pause-after: wait (up to a minute) until the file exists. */
static int pause_until(const char *file, unsigned seg)
{
    printf("[broadcaster] paused after segment %u (until %s exists)\n", seg, file);
    for (int i = 0; i < 6000; i++) {
        if (access(file, F_OK) == 0)
            return 1;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    fprintf(stderr, "broadcaster: %s did not appear\n", file);
    return 0;
}

/* Replay the last request byte for byte (payment header and credential):
 * its tickets credit nothing, and with the credit left covering its fee
 * only the seq check can refuse it: HTTP 403, nothing debited. */
static int replay_last(broadcaster *b)
{
    static const char segment[188 * 16] = {0x47}; /* the same bytes */
    const char *const extra[] = {b->last_seq, b->last_sig, NULL};
    char url[1024];
    http_reply r;
    int refused, covered;
    mpq_t fee;

    if (b->last_hdr == NULL)
        return 0;
    mpq_init(fee);
    demo_segment_fee(fee, &b->params.price);
    covered = mpq_cmp(b->credit, fee) >= 0;
    mpq_clear(fee);
    if (!covered) {
        fprintf(stderr, "broadcaster: the credit left does not cover the "
                        "replay's fee\n");
        return 0;
    }
    if (b->cur > 0)
        printf("[broadcaster] replaying the last request %s served to %s\n", b->urls[0],
               b->url);
    snprintf(url, sizeof url, "%s/segment", b->url);
    if (!http(b->curl, &r, url, b->last_hdr, segment, sizeof segment, extra))
        return 0;
    refused = r.code == 403;
    printf("[broadcaster] replayed the last request -> HTTP %ld %s", r.code,
           r.body != NULL ? r.body : "\n");
    free(r.body);
    free(r.receipt);
    return refused;
}

int main(int argc, char **argv)
{
    broadcaster b;
    unsigned segments = 20, done = 0;
    char w[100];
    int ok = 0, replay = 0;
    unsigned pause_at = 0;
    const char *pause_file = NULL;

    memset(&b, 0, sizeof b);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc && b.n_urls < 2)
            b.url = b.urls[b.n_urls++] = argv[++i];
        else if (strcmp(argv[i], "--segments") == 0 && i + 1 < argc)
            segments = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--replay") == 0)
            replay = b.replay = 1;
        else if (strcmp(argv[i], "--prepay") == 0)
            b.prepay = 1;
        else if (strcmp(argv[i], "--pause-after") == 0 && i + 2 < argc) {
            pause_at = (unsigned)strtoul(argv[++i], NULL, 10);
            pause_file = argv[++i];
        }
        else if (demo_chain_flag(&b.dc, argc, argv, &i) != 1)
            b.url = NULL, i = argc;
    }
    if (b.url == NULL || segments == 0) {
        fprintf(stderr, "usage: broadcaster --url http://127.0.0.1:PORT "
                        "[--url ...] [--segments N] [--replay] [--prepay] "
                        "[--pause-after K FILE] [--rpc URL "
                        "--controller ADDR --chain-id N --key 0xHEX]\n");
        return EXIT_FAILURE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    mpq_inits(b.credit, b.ev, b.fees, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    b.curl = curl_easy_init();

    b.url = b.urls[0]; /* the first one is paid first */
    if (b.curl != NULL && setup(&b) && fetch_params(&b)) {
        for (done = 0; done < segments; done++) {
            if (!send_segment(&b, done + 1, segments))
                break;
            if (done + 1 == pause_at && !pause_until(pause_file, pause_at))
                break;
        }
        ok = done == segments;
        if (ok && replay && !replay_last(&b)) {
            fprintf(stderr, "broadcaster: the replayed request was not refused\n");
            ok = 0;
        }
    }
    printf("[broadcaster] %s: %u of %u segment(s) paid with %zu ticket(s), "
           "%zu params fetch(es), credit left %s wei\n",
           ok ? "done" : "FAILED", done, segments, b.tickets, b.refreshes,
           demo_wei(w, sizeof w, b.credit));
    if (b.books.x != NULL) {
        tk_u256 deposit = demo_u256(DEMO_DEPOSIT_WEI);
        demo_books_summary(&b.books, &deposit);
    }

    free(b.last_hdr);
    demo_books_free(&b.books);
    tk_sender_destroy(b.sender);
    tk_chain_mem_destroy(b.chain);
    demo_chain_close(&b.dc);
    tk_ctx_destroy(b.ctx);
    curl_easy_cleanup(b.curl);
    curl_global_cleanup();
    mpq_clears(b.credit, b.ev, b.fees, NULL);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

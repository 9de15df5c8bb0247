/* SPDX-License-Identifier: MIT */
/* Fuzz the whole receive-a-payment path: wire bytes -> tk_wire_decode_payment
 * -> tk_recipient_receive, on a recipient with a fixed secret over the
 * in-memory dev chain (tk_chain_mem) and store (tk_store_mem).
 *
 * Input: one flag byte, then the Payment message bytes. Random bytes
 * almost never carry a valid recipientRandHash or signature, so the flags
 * let the fuzzer reach the per-ticket code too, by repairing the decoded
 * payment before it is received:
 *   bit 0  sender := the harness's fixed sender key's address
 *   bit 1  recipient := this recipient
 *   bit 2  win_prob := MAX (every valid ticket wins: the store path)
 *   bit 3  recipient_rand_hash := what this recipient derives
 *   bit 4  re-sign every ticket with the fixed key (after the repairs)
 *   bit 5  receive the same payment a second time (replays)
 *
 * Invariants: on failure every output is zeroed and nothing is credited;
 * on success the per-ticket results add up, only accepted or expired
 * tickets win, each signature verdict is what tk_eth_verify says alone,
 * the credit is exactly accepted * EV, every winner is in the store, and a
 * second receive of the same payment credits nothing. */
#include "fuzz.h"

#include "ticket/chain.h"
#include "ticket/keys.h"
#include "ticket/recipient.h"
#include "ticket/signature.h"
#include "ticket/store.h"
#include "ticket/wire.h"

#include <gmp.h>
#include <string.h>

#define MAX_RESIGN 64 /* tickets re-signed at most (signing is slow) */

static const uint8_t SECRET[32] = {
    0x52, 0x45, 0x43, 0x49, 0x50, 0x49, 0x45, 0x4e, 0x54, 0x2d, 0x66,
    0x75, 0x7a, 0x7a, 0x2d, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x2d,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39};
static const uint8_t SENDER_KEY[32] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t RECIPIENT[20] = {
    0xd1, 0x5a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92,
    0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09, 0x1a, 0x2b, 0x3c};

typedef struct harness {
    tk_chain_mem *chain_mem;
    tk_store_mem *store_mem;
    tk_recipient *rcpt;
} harness;


static void harness_open(harness *h)
{
    tk_recipient_config cfg;
    tk_chain chain;
    tk_store store;

    memset(h, 0, sizeof *h);
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.address.bytes, RECIPIENT, sizeof RECIPIENT);
    cfg.ev.bytes[31] = 100;
    cfg.redeem_gas = 1;
    cfg.tx_cost_multiplier = 1;
    FUZZ_CHECK(tk_chain_mem_create(&h->chain_mem, 1000) == TK_OK);
    FUZZ_CHECK(tk_chain_mem_iface(h->chain_mem, &chain) == TK_OK);
    FUZZ_CHECK(tk_store_mem_create(&h->store_mem) == TK_OK);
    FUZZ_CHECK(tk_store_mem_iface(h->store_mem, &store) == TK_OK);
    FUZZ_CHECK(tk_recipient_create(fuzz_ctx(), &h->rcpt, &cfg, SECRET, &chain,
                                   &store) == TK_OK);
}

static void harness_close(harness *h)
{
    tk_recipient_destroy(h->rcpt);
    tk_store_mem_destroy(h->store_mem);
    tk_chain_mem_destroy(h->chain_mem);
}

/* Apply the repairs the flags ask for. */
static void repair(harness *h, tk_payment *p, unsigned flags)
{
    size_t i;

    if (flags & 0x01)
        FUZZ_CHECK(tk_key_address(fuzz_ctx(), &p->sender, SENDER_KEY) == TK_OK);
    if (flags & 0x02)
        memcpy(p->params.recipient.bytes, RECIPIENT, sizeof RECIPIENT);
    if (flags & 0x04)
        memset(p->params.win_prob.bytes, 0xff, sizeof p->params.win_prob.bytes);
    if (flags & 0x08) {
        tk_hash rh;
        if (tk_recipient_rand_hash(h->rcpt, &rh, &p->sender, &p->params) ==
            TK_OK)
            p->params.recipient_rand_hash = rh;
    }
    if (flags & 0x10) {
        for (i = 0; i < p->count && i < MAX_RESIGN; i++) {
            tk_ticket t;
            tk_hash th;
            FUZZ_CHECK(tk_payment_ticket(&t, p, i) == TK_OK);
            FUZZ_CHECK(tk_ticket_hash(&th, &t) == TK_OK);
            FUZZ_CHECK(tk_eth_sign(fuzz_ctx(), &p->tickets[i].sig, SENDER_KEY,
                                   &th) == TK_OK);
        }
    }
}

static int count_winner(const tk_winner *w, void *data)
{
    (void)w;
    (*(size_t *)data)++;
    return 0;
}

static int is_sig_error(tk_status st)
{
    return st <= TK_ERR_SIG_BAD_LENGTH && st >= TK_ERR_SIG_WRONG_SIGNER;
}

static int allowed_ticket_status(tk_status st)
{
    return st == TK_OK || st == TK_ERR_REPLAYED_NONCE ||
           st == TK_ERR_NONCE_LIMIT || st == TK_ERR_PARAMS_EXPIRED ||
           is_sig_error(st);
}

/* Differential check: the recipient's signature verdict on ticket i (it
 * may cache the sender's public key across a payment) is exactly what
 * tk_eth_verify says on its own. */
static void check_signature_verdict(const tk_payment *p, size_t i,
                                    tk_status got)
{
    tk_ticket t;
    tk_hash h;
    tk_status want;

    FUZZ_CHECK(tk_payment_ticket(&t, p, i) == TK_OK);
    FUZZ_CHECK(tk_ticket_hash(&h, &t) == TK_OK);
    /* Not 65 bytes on the wire: that ticket's fault alone. */
    want = p->tickets[i].sig_bad_length
               ? TK_ERR_SIG_BAD_LENGTH
               : tk_eth_verify(fuzz_ctx(), &p->sender, &h, p->tickets[i].sig.bytes,
                               TK_SIG_LEN);
    if (is_sig_error(got))
        FUZZ_CHECK(got == want);
    else
        FUZZ_CHECK(want == TK_OK);
}

/* One receive; checks the invariants and returns the number accepted
 * (*nwin: the number of winners). */
static size_t receive_once(harness *h, const tk_payment *p, tk_status *out,
                           size_t *nwin)
{
    tk_ticket_result *res = calloc(p->count + 1, sizeof *res);
    tk_receive_summary sum;
    mpq_t credited, ev;
    size_t i, accepted = 0, rejected = 0, winners = 0;
    tk_status st;

    FUZZ_CHECK(res != NULL);
    mpq_inits(credited, ev, NULL);
    memset(&sum, 0xa5, sizeof sum);
    st = tk_recipient_receive(h->rcpt, res, p->count, &sum, credited, p, NULL);
    *out = st;
    *nwin = 0;
    if (st != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(res, p->count * sizeof *res));
        FUZZ_CHECK(fuzz_all_zero(&sum, sizeof sum));
        FUZZ_CHECK(mpq_sgn(credited) == 0);
        goto out;
    }
    for (i = 0; i < p->count; i++) {
        FUZZ_CHECK(allowed_ticket_status(res[i].status));
        check_signature_verdict(p, i, res[i].status);
        FUZZ_CHECK(res[i].sender_nonce == p->tickets[i].sender_nonce);
        FUZZ_CHECK(res[i].wins == 0 || res[i].wins == 1);
        if (res[i].wins)
            FUZZ_CHECK(res[i].status == TK_OK ||
                       res[i].status == TK_ERR_PARAMS_EXPIRED);
        accepted += res[i].status == TK_OK;
        rejected += res[i].status != TK_OK;
        winners += (size_t)res[i].wins;
    }
    FUZZ_CHECK(sum.accepted == accepted && sum.rejected == rejected &&
               sum.winners == winners);
    *nwin = winners;
    FUZZ_CHECK(memcmp(&sum.session, &p->params.recipient_rand_hash,
                      sizeof sum.session) == 0);
    /* credited == accepted * EV, exactly. */
    FUZZ_CHECK(tk_ticket_ev(ev, &p->params.face_value, &p->params.win_prob) ==
               TK_OK);
    {
        mpq_t k;
        mpq_init(k);
        mpq_set_ui(k, (unsigned long)accepted, 1);
        mpq_mul(ev, ev, k);
        FUZZ_CHECK(mpq_equal(ev, credited));
        mpq_clear(k);
    }
out:
    mpq_clears(credited, ev, NULL);
    free(res);
    return accepted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness h;
    tk_payment p;
    unsigned flags;
    tk_status st1, st2;
    size_t acc1, win1, win2, stored = 0;

    if (size < 1)
        return 0;
    flags = data[0];
    if (tk_wire_decode_payment(&p, data + 1, size - 1) != TK_OK)
        return 0;
    harness_open(&h);
    repair(&h, &p, flags);

    acc1 = receive_once(&h, &p, &st1, &win1);
    if (st1 == TK_OK) {
        tk_store store;
        FUZZ_CHECK(tk_store_mem_iface(h.store_mem, &store) == TK_OK);
        FUZZ_CHECK(store.list(store.self, NULL, TK_WINNER_ALL_STATES,
                              count_winner, &stored) == TK_OK);
        /* Every winner is in the (fresh) store: a ticket repeated within
         * the payment is a replay, never a second winner. */
        FUZZ_CHECK(stored == win1);
    }
    if (flags & 0x20) {
        size_t acc2 = receive_once(&h, &p, &st2, &win2);
        /* The fatal checks depend only on the payment and the (unchanged)
         * chain: same verdict; and nothing is credited twice. */
        FUZZ_CHECK(st2 == st1);
        FUZZ_CHECK(acc2 == 0);
        (void)acc1;
    }
    harness_close(&h);
    tk_payment_clear(&p);
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Receiving payments (docs/protocol-notes.md section 6).
 *
 * One payment is processed in phases so that a failure leaves no partial
 * state behind and the replay set is locked once per payment:
 *   fatal checks   price, round, sender standing, recipient, sender,
 *                  rand hash (recipientRand derived once, wiped at the end);
 *                  the block read raises the recipient's high-water mark,
 *                  and expiry is judged against the mark, never against a
 *                  single (possibly lagging) read; then params that match
 *                  the rand hash but cannot be ours (params_guard.c);
 *   A (no lock)    per ticket: signature (every section 1 check and a
 *                  recovery with v; the first key that hashes to the
 *                  sender's address is kept, later tickets compare the
 *                  recovered key with it), then the win decision;
 *   B (one lock)   per valid ticket: record the nonce (replay, 600 cap),
 *                  then the expiry check;
 *   C              winners (accepted or expired) to the store;
 *   D              seen nonces to the store, when it persists them (one
 *                  call, i.e. one transaction, per payment). A store with
 *                  nonce_claim is the judge: a nonce it already held (put
 *                  there by another recipient or process sharing it)
 *                  becomes a replay here, and its block mark raises ours;
 *   E              credit accepted * EV to the balance, once.
 * A failure in C, D or E forgets the nonces B recorded (so the payment can
 * be retried) and reports the error with all outputs zeroed. No allocation
 * happens per ticket (the nonce arrays grow geometrically); GMP is used
 * once per payment, for the credit. */
#include "recipient_internal.h"

#include "ticket/keys.h"
#include "ticket/u256.h"

#include "core/internal.h"
#include "model/mpz_u64.h"
#include "core/memzero.h"
#include "crypto/checkmem.h"
#include "crypto/ct.h"
#include "crypto/recover.h"

#include <string.h>

static int is_sig_error(tk_status st)
{
    return st <= TK_ERR_SIG_BAD_LENGTH && st >= TK_ERR_SIG_WRONG_SIGNER;
}

/* A nonce recorded by phase B has one of these statuses. */
static int recorded(tk_status st)
{
    return st == TK_OK || st == TK_ERR_PARAMS_EXPIRED;
}

/* The chain's view of the sender: fatal when it is unlocking (section 5:
 * withdrawRound != 0 && withdrawRound <= lastInitializedRound + 1). */
static tk_status sender_standing(const tk_recipient *r, const tk_address *sender,
                                 uint64_t *last_block)
{
    tk_round_info ri;
    tk_sender_funds funds;
    uint64_t withdraw;

    if (r->chain.last_block(r->chain.self, last_block) != TK_OK ||
        r->chain.rounds(r->chain.self, &ri) != TK_OK ||
        r->chain.sender_funds(r->chain.self, sender, &funds) != TK_OK)
        return TK_ERR_CHAIN;
    if (tk_u256_is_zero(&funds.withdraw_round))
        return TK_OK;
    withdraw = tk__block_u64(&funds.withdraw_round); /* saturates: far away */
    if (ri.last_initialized_round < 0 ||
        withdraw <= (uint64_t)ri.last_initialized_round + 1)
        return TK_ERR_SENDER_UNLOCKING;
    return TK_OK;
}

static tk_status fatal_checks(const tk_recipient *r, tk_u256 *rand, uint64_t *last_block,
                              const tk_payment *p)
{
    const tk_ticket_params *pp = &p->params;
    tk_hash h;
    tk_status st;
    int same;

    if (tk_u256_is_zero(&pp->price.den))
        return TK_ERR_INVALID_PRICE;
    if (pp->creation_round < 0)
        return TK_ERR_OUT_OF_RANGE;
    if ((st = tk__recipient_rand(r, rand, &p->sender, pp)) != TK_OK)
        return st;
    if ((st = sender_standing(r, &p->sender, last_block)) != TK_OK)
        return st;
    if (memcmp(pp->recipient.bytes, r->cfg.address.bytes, TK_ADDRESS_LEN) != 0)
        return TK_ERR_WRONG_RECIPIENT;
    if (tk_address_is_zero(&p->sender))
        return TK_ERR_ZERO_SENDER;
    if ((st = tk_rand_hash(&h, rand)) != TK_OK)
        return st;
    /* The hash is public, but it is derived from the secret: compare in
     * constant time anyway (STYLE 3.5). */
    same = tk__memeq_ct(h.bytes, pp->recipient_rand_hash.bytes, TK_HASH_LEN);
    /* declassify: whether the params are ours is the public verdict. */
    TK_DECLASSIFY(&same, sizeof same);
    if (!same)
        return TK_ERR_RAND_HASH_MISMATCH;
    return TK_OK;
}

/* Whether the key recovered from a ticket's signature is the sender's.
 * All tickets of a payment share one sender, so once a key has hashed to
 * the sender's address (*known set), later tickets compare the 65-byte key
 * instead of hashing it again: the same key has the same address. A
 * different key still gets its address compared (as rare as a bad
 * ticket), so the verdict is exactly that of comparing addresses. */
static tk_status signer_matches(uint8_t known[65], int *have_known,
                                const uint8_t pub[65], const tk_address *sender)
{
    tk_address a;
    tk_status st;

    if (*have_known && memcmp(pub, known, 65) == 0)
        return TK_OK;
    if ((st = tk_pubkey_address(&a, pub)) != TK_OK)
        return st;
    if (memcmp(a.bytes, sender->bytes, TK_ADDRESS_LEN) != 0)
        return TK_ERR_SIG_WRONG_SIGNER;
    if (!*have_known) {
        memcpy(known, pub, 65);
        *have_known = 1;
    }
    return TK_OK;
}

/* Phase A: signature and win decision of every ticket. Every ticket goes
 * through all the section 1 checks and its own recovery (with v). */
static tk_status check_tickets(tk_ticket_result *res, const tk_payment *p,
                               const tk_u256 *rand)
{
    uint8_t known[65], pub[65];
    int have_known = 0;
    tk_ticket t;
    tk_hash h;
    tk_status st;

    if ((st = tk_ticket_from_params(&t, &p->params, &p->sender, 0)) != TK_OK)
        return st;
    for (size_t i = 0; i < p->count; i++) {
        const tk_ticket_sig *ts = &p->tickets[i];
        res[i].sender_nonce = ts->sender_nonce;
        if (ts->sig_bad_length) {
            res[i].status = TK_ERR_SIG_BAD_LENGTH; /* this ticket only */
            continue;
        }
        t.sender_nonce = ts->sender_nonce;
        if ((st = tk_ticket_hash(&h, &t)) != TK_OK)
            return st;
        st = tk__eth_recover_pubkey(pub, &h, ts->sig.bytes, TK_SIG_LEN);
        if (st == TK_OK)
            st = signer_matches(known, &have_known, pub, &p->sender);
        if (is_sig_error(st)) {
            res[i].status = st; /* this ticket only */
            continue;
        }
        if (st != TK_OK)
            return st;
        if ((st = tk_ticket_wins(&res[i].wins, NULL, &ts->sig, rand, &p->params.win_prob)) != TK_OK)
            return st;
    }
    return TK_OK;
}

/* Phase B: record the nonces of the tickets that passed phase A; params
 * expired at the high-water mark are recorded but expired. The mark is
 * read again under the shard lock: since receive() read it, a prune or
 * another payment may have raised it and swept this shard, dropping the
 * nonces of params that expired meanwhile. Every sweep raises the mark
 * first, so the mark read here is never below a sweep this shard has
 * seen: a dropped nonce that comes back is judged expired, never fresh. */
static tk_status record_nonces(tk_recipient *r, tk_ticket_result *res, const tk_payment *p,
                               uint64_t last_block)
{
    const tk_hash *rh = &p->params.recipient_rand_hash;
    uint64_t expiration = tk__block_u64(&p->params.expiration_block);
    tk__replay_shard *sh = tk__replay_lock(r->replay, rh, last_block);
    int expired = expiration <= tk__recipient_raise_block(r, last_block);
    tk_status st = TK_OK;

    for (size_t i = 0; i < p->count; i++) {
        tk_status add;
        if (res[i].status != TK_OK)
            continue;
        add = tk__replay_add(sh, rh, expiration, res[i].sender_nonce);
        if (add == TK_ERR_NOMEM) {
            /* Forget what this call recorded: a retry must not see them. */
            for (size_t j = 0; j < i; j++)
                if (recorded(res[j].status))
                    tk__replay_remove(sh, rh, res[j].sender_nonce);
            st = TK_ERR_NOMEM;
            break;
        }
        res[i].status = add != TK_OK ? add : expired ? TK_ERR_PARAMS_EXPIRED : TK_OK;
        if (add != TK_OK)
            res[i].wins = 0; /* not stored: the first copy was */
    }
    tk__replay_unlock(sh);
    return st;
}

static void forget_nonces(tk_recipient *r, const tk_ticket_result *res, const tk_payment *p)
{
    const tk_hash *rh = &p->params.recipient_rand_hash;
    tk__replay_shard *sh = tk__replay_lock(r->replay, rh, 0);
    for (size_t i = 0; i < p->count; i++)
        if (recorded(res[i].status))
            tk__replay_remove(sh, rh, res[i].sender_nonce);
    tk__replay_unlock(sh);
}

/* The block an expired winner waits for: the mark + TK_PARAMS_MAX_LEAD_BLOCKS. */
static uint64_t expired_not_before(tk_recipient *r, uint64_t last_block)
{
    uint64_t mark = tk__recipient_raise_block(r, last_block); /* B may have seen more */
    return mark > UINT64_MAX - TK_PARAMS_MAX_LEAD_BLOCKS ? UINT64_MAX
                                                         : mark + TK_PARAMS_MAX_LEAD_BLOCKS;
}

/* Phase C: every winner that was recorded goes to the store. An expired
 * one is redeemed no sooner than TK_PARAMS_MAX_LEAD_BLOCKS after the
 * high-water mark: its expiration block may have been shrunk by bytes
 * shifted into the price (params_guard.c), and redeeming it at once would
 * reveal rand while the real params, issued up to that many blocks ahead
 * of the mark, are still live. */
static tk_status store_winners(tk_recipient *r, const tk_ticket_result *res, const tk_payment *p,
                               const tk_u256 *rand, uint64_t last_block)
{
    tk_winner w;
    tk_status st = TK_OK;

    for (size_t i = 0; i < p->count && st == TK_OK; i++) {
        if (!res[i].wins || !recorded(res[i].status))
            continue;
        memset(&w, 0, sizeof w);
        if ((st = tk_payment_ticket(&w.ticket, p, i)) != TK_OK ||
            (st = tk_ticket_hash(&w.ticket_hash, &w.ticket)) != TK_OK)
            break;
        w.sig = p->tickets[i].sig;
        w.recipient_rand = *rand;
        w.expiration_block = p->params.expiration_block;
        if (res[i].status == TK_ERR_PARAMS_EXPIRED) {
            uint64_t not_before = expired_not_before(r, last_block);
            if (tk__block_u64(&w.expiration_block) < not_before &&
                (st = tk_u256_from_u64(&w.expiration_block, not_before)) != TK_OK)
                break;
        }
        w.state = TK_WINNER_NEW;
        st = tk__recipient_store_status(r->store.put_winner(r->store.self, &w));
    }
    tk__memzero(&w, sizeof w);
    return st;
}

/* Phase D with a judging store: claim the recorded nonces; the ones the
 * store already held are replays (no credit; a winner among them was
 * stored by whoever claimed it first, put_winner being idempotent), and
 * fresh ones are judged for expiry again against the raised mark. */
static tk_status claim_nonces(tk_recipient *r, tk_ticket_result *res, const tk_payment *p,
                              const uint32_t *nonces, size_t n, uint64_t last_block)
{
    const tk_ticket_params *pp = &p->params;
    uint8_t fresh[TK_MAX_NONCES_PER_RAND];
    uint64_t mark = 0, hw;
    size_t k = 0;
    int expired;

    tk_status st = r->store.nonce_claim(r->store.self, &pp->recipient_rand_hash, nonces, n,
                                        &pp->expiration_block, last_block, fresh, &mark);

    if (st != TK_OK)
        return tk__recipient_store_status(st);
    hw = tk__recipient_raise_block(r, mark);
    expired = tk__block_u64(&pp->expiration_block) <= hw;
    /* Expired first (as the replay set does once it swept the params):
     * never credited either way, and its winner row exists. */
    for (size_t i = 0; i < p->count; i++) {
        if (!recorded(res[i].status))
            continue;
        if (expired) {
            res[i].status = TK_ERR_PARAMS_EXPIRED;
        } else if (!fresh[k]) {
            res[i].status = TK_ERR_REPLAYED_NONCE;
            res[i].wins = 0; /* not ours: the first claimant's winner */
        }
        k++;
    }
    return TK_OK;
}

/* Phase D: persist the recorded nonces (when the store keeps them): in one
 * all-or-nothing nonce_claim (or nonce_add_many) call when the store has
 * it, else one nonce_add per nonce. All of them share the payment's rand
 * hash, and the replay set records at most TK_MAX_NONCES_PER_RAND per rand
 * hash, so they fit the array. */
static tk_status store_nonces(tk_recipient *r, tk_ticket_result *res, const tk_payment *p,
                              uint64_t last_block)
{
    const tk_ticket_params *pp = &p->params;
    uint32_t nonces[TK_MAX_NONCES_PER_RAND];
    size_t n = 0;
    tk_status st;

    if (r->store.nonce_add == NULL)
        return TK_OK;
    if (r->store.nonce_add_many == NULL && r->store.nonce_claim == NULL) {
        for (size_t i = 0; i < p->count; i++)
            if (recorded(res[i].status) &&
                (st = r->store.nonce_add(r->store.self, &pp->recipient_rand_hash,
                                         res[i].sender_nonce, &pp->expiration_block)) != TK_OK)
                return tk__recipient_store_status(st);
        return TK_OK;
    }
    for (size_t i = 0; i < p->count; i++) {
        if (!recorded(res[i].status))
            continue;
        if (n == TK_MAX_NONCES_PER_RAND)
            return TK_ERR_STORE; /* cannot happen (see above) */
        nonces[n++] = res[i].sender_nonce;
    }
    if (n > 0 && r->store.nonce_claim != NULL)
        return claim_nonces(r, res, p, nonces, n, last_block);
    if (n > 0)
        return tk__recipient_store_status(r->store.nonce_add_many(
            r->store.self, &pp->recipient_rand_hash, nonces, n, &pp->expiration_block));
    return TK_OK;
}

/* Phase E: credit accepted * EV once; *credited (if any) gets the amount. */
static tk_status credit(tk_recipient *r, mpq_ptr credited, const tk_payment *p,
                        const tk_hash *session, size_t accepted)
{
    mpq_t amount, k;
    tk_status st;

    mpq_inits(amount, k, NULL);
    st = tk_ticket_ev(amount, &p->params.face_value, &p->params.win_prob);
    if (st == TK_OK) {
        tk__mpz_set_u64(mpq_numref(k), accepted);
        mpq_mul(amount, amount, k);
        if (accepted > 0)
            st = tk__balances_credit(r->balances, &p->sender, session, amount);
        if (st == TK_OK && credited != NULL)
            mpq_set(credited, amount);
    }
    mpq_clears(amount, k, NULL);
    return st;
}

static tk_status receive(tk_recipient *r, tk_ticket_result *res, tk_receive_summary *summary,
                         mpq_ptr credited, const tk_payment *p, const tk_hash *session)
{
    tk_receive_summary sum;
    uint64_t last_block = 0;
    tk_u256 rand;
    tk_status st;

    memset(&sum, 0, sizeof sum);
    sum.session = session != NULL ? *session : p->params.recipient_rand_hash;
    st = fatal_checks(r, &rand, &last_block, p);
    if (st == TK_OK) {
        last_block = tk__recipient_raise_block(r, last_block);
        st = tk__recipient_params_guard(&p->params, last_block);
    }
    if (st == TK_OK)
        st = check_tickets(res, p, &rand);
    if (st == TK_OK)
        st = record_nonces(r, res, p, last_block);
    if (st != TK_OK)
        goto out;
    if ((st = store_winners(r, res, p, &rand, last_block)) != TK_OK ||
        (st = store_nonces(r, res, p, last_block)) != TK_OK) {
        forget_nonces(r, res, p);
        goto out;
    }
    for (size_t i = 0; i < p->count; i++) {
        sum.accepted += res[i].status == TK_OK;
        sum.rejected += res[i].status != TK_OK;
        sum.winners += res[i].wins != 0;
    }
    if ((st = credit(r, credited, p, &sum.session, sum.accepted)) != TK_OK)
        forget_nonces(r, res, p);
out:
    tk__memzero(&rand, sizeof rand);
    if (st == TK_OK && summary != NULL)
        *summary = sum;
    return st;
}

static void zero_outputs(tk_ticket_result *results, size_t n, tk_receive_summary *summary,
                         mpq_ptr credited)
{
    if (results != NULL && n > 0)
        memset(results, 0, n * sizeof *results);
    if (summary != NULL)
        memset(summary, 0, sizeof *summary);
    if (credited != NULL)
        mpq_set_ui(credited, 0, 1);
}

tk_status tk_recipient_receive(tk_recipient *r, tk_ticket_result *results, size_t results_len,
                               tk_receive_summary *summary, mpq_ptr credited,
                               const tk_payment *payment, const tk_hash *session)
{
    size_t n = payment != NULL && payment->count < results_len ? payment->count : results_len;
    tk_status st;

    zero_outputs(results, n, summary, credited);
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, payment != NULL);
    TK_ARG_CHECK(r->ctx, payment->count == 0 || (payment->tickets != NULL && results != NULL));
    TK_ARG_CHECK(r->ctx, results_len >= payment->count);
    st = receive(r, results, summary, credited, payment, session);
    if (st != TK_OK)
        zero_outputs(results, n, summary, credited);
    return st;
}

tk_status tk_recipient_receive_ticket(tk_recipient *r, int *wins, const tk_ticket *ticket,
                                      const tk_sig *sig, const tk_u256 *seed,
                                      const tk_u256 *expiration_block, const tk_price *price,
                                      const tk_hash *session)
{
    tk_ticket_sig ts = {0};
    tk_ticket_result res;
    tk_payment p;
    tk_status st;

    if (wins != NULL)
        *wins = 0;
    TK_ARG_CHECK_NOCTX(r != NULL);
    TK_ARG_CHECK(r->ctx, wins != NULL && ticket != NULL && sig != NULL && seed != NULL &&
                             expiration_block != NULL && price != NULL);
    memset(&p, 0, sizeof p);
    p.sender = ticket->sender;
    p.params.recipient = ticket->recipient;
    p.params.face_value = ticket->face_value;
    p.params.win_prob = ticket->win_prob;
    p.params.recipient_rand_hash = ticket->recipient_rand_hash;
    p.params.seed = *seed;
    p.params.expiration_block = *expiration_block;
    p.params.price = *price;
    p.params.creation_round = ticket->creation_round;
    p.params.creation_round_block_hash = ticket->creation_round_block_hash;
    ts.sender_nonce = ticket->sender_nonce;
    ts.sig = *sig;
    p.count = 1;
    p.tickets = &ts;

    memset(&res, 0, sizeof res);
    st = receive(r, &res, NULL, NULL, &p, session);
    if (st != TK_OK)
        return st;
    *wins = res.wins;
    return res.status;
}

/* SPDX-License-Identifier: MIT */
/* Payment receipts in the demo: signing (transcoder) and the books
 * (broadcaster). See demo_receipts.h. */
#include "demo_receipts.h"

#include "ticket/keys.h"
#include "ticket/wire.h"

#include <inttypes.h>

void demo_receipt_domain(tk_receipt_domain *d)
{
    memset(d, 0, sizeof *d);
    (void)tk_u256_from_u64(&d->chain_id, DEMO_CHAIN_ID);
    if (tk_address_from_hex(&d->verifying_contract, DEMO_TICKET_BROKER,
                            strlen(DEMO_TICKET_BROKER)) != TK_OK)
        abort(); /* a constant of demo_receipts.h */
}

char *demo_receipt_header(tk_recipient *r, const uint8_t key[32],
                          const tk_payment *pay, const tk_ticket_result *res,
                          size_t *listed, size_t *won, tk_status *st)
{
    tk_receipt_domain dom;
    tk_signed_receipt rc;
    char *hdr = NULL;
    size_t n = 0;

    demo_receipt_domain(&dom);
    *listed = *won = 0;
    *st = tk_recipient_receipt(r, &rc, key, &dom, pay, res, pay->count);
    if (*st != TK_OK)
        return NULL;
    *listed = rc.receipt.n_tickets;
    *won = rc.receipt.n_winners;
    *st = tk_wire_encode_receipt_header(NULL, &n, &rc);
    if (*st == TK_ERR_BUFFER_TOO_SMALL) {
        hdr = malloc(n);
        *st = hdr == NULL ? TK_ERR_NOMEM
                          : tk_wire_encode_receipt_header(hdr, &n, &rc);
    }
    tk_signed_receipt_clear(&rc);
    if (*st != TK_OK) {
        free(hdr);
        return NULL;
    }
    return hdr;
}

int demo_books_init(demo_books *b, const tk_ctx *ctx, tk_sender *s,
                    const tk_address *sender)
{
    tk_receipt_domain dom;
    tk_status st;

    memset(b, 0, sizeof *b);
    demo_receipt_domain(&dom);
    if ((st = tk_exposure_create(ctx, &b->x, sender, &dom)) != TK_OK ||
        (st = tk_sender_set_risk_limit(s, b->x, DEMO_RISK_LIMIT)) != TK_OK) {
        fprintf(stderr, "broadcaster: books: %s\n", tk_status_str(st));
        return 0;
    }
    return 1;
}

void demo_books_free(demo_books *b)
{
    tk_exposure_destroy(b->x);
}

int demo_books_receipt(demo_books *b, const char *hdr, const tk_payment *pay)
{
    tk_signed_receipt rc;
    tk_exposure_stats s;
    char cw[TK_U256_DEC_MAX], tot[TK_U256_DEC_MAX];
    tk_status st;

    if (hdr == NULL) {
        b->missing++;
        printf("[broadcaster]   no receipt: %zu ticket(s) stay outstanding\n",
               pay->count);
        return 0;
    }
    /* Untrusted: the nonces are mapped back to our own batch, then the
     * books check the signature and every rule before changing anything. */
    st = tk_wire_decode_receipt_header(&rc, hdr, strlen(hdr), pay);
    if (st == TK_OK)
        st = tk_exposure_apply_receipt(b->x, &rc.receipt, rc.sig.bytes,
                                       TK_SIG_LEN);
    if (st != TK_OK) {
        b->refused++;
        printf("[broadcaster]   receipt refused: %s\n", tk_status_name(st));
        tk_signed_receipt_clear(&rc);
        return 0;
    }
    b->applied++;
    (void)tk_exposure_stats_get(b->x, &s);
    (void)tk_u256_to_dec(cw, sizeof cw, &rc.receipt.credited_wei);
    (void)tk_u256_to_dec(tot, sizeof tot, &s.credited_wei);
    printf("[broadcaster]   receipt: %zu of %zu ticket(s) accepted, %zu won, "
           "credited %s wei; books: credited %s wei, %" PRIu64
           " winner(s) known, %" PRIu64 " outstanding\n",
           rc.receipt.n_tickets, pay->count, rc.receipt.n_winners, cw, tot,
           s.known_winners, s.outstanding);
    tk_signed_receipt_clear(&rc);
    return 1;
}

void demo_books_summary(demo_books *b, const tk_u256 *deposit)
{
    tk_exposure_stats s;
    char tot[TK_U256_DEC_MAX];
    double risk = -1.0;

    (void)tk_exposure_stats_get(b->x, &s);
    if (tk_exposure_risk(b->x, &risk, deposit) != TK_OK)
        risk = -1.0; /* out of memory: reported as -1 */
    (void)tk_u256_to_dec(tot, sizeof tot, &s.credited_wei);
    printf("[broadcaster] books: %u receipt(s) applied, %u refused, %u "
           "missing; credited %s wei; %" PRIu64 " winner(s) known before any "
           "redemption; %" PRIu64 " ticket(s) outstanding; risk(deposit) %g\n",
           b->applied, b->refused, b->missing, tot, s.known_winners,
           s.outstanding, risk);
    printf("BOOKS receipts=%u refused=%u missing=%u credited=%s "
           "known_winners=%" PRIu64 " outstanding=%" PRIu64 " risk=%g\n",
           b->applied, b->refused, b->missing, tot, s.known_winners,
           s.outstanding, risk);
}

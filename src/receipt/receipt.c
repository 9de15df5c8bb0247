/* SPDX-License-Identifier: MIT */
/* Payment receipts: EIP-712 encoding, signing, verification (R1). */
#include "core/internal.h"

#include "ticket/eip712.h"
#include "ticket/keccak.h"
#include "ticket/keys.h"
#include "ticket/receipt.h"

#include <string.h>

static const char ENCODE_TYPE[] = TK_RECEIPT_ENCODE_TYPE;

static tk_status receipt_hash(tk_receipt_hashes *out,
                              const tk_receipt_domain *domain,
                              const tk_receipt *r)
{
    tk_hash type_hash, words[7];

    (void)tk_eip712_domain_separator(&out->domain_separator,
                                     TK_RECEIPT_DOMAIN_NAME,
                                     TK_RECEIPT_DOMAIN_VERSION,
                                     &domain->chain_id,
                                     &domain->verifying_contract);
    (void)tk_keccak256(&type_hash, ENCODE_TYPE, sizeof ENCODE_TYPE - 1);
    (void)tk_eip712_word_address(&words[0], &r->sender);
    (void)tk_eip712_word_address(&words[1], &r->recipient);
    words[2] = r->recipient_rand_hash;
    (void)tk_eip712_hash_array(&words[3], r->tickets, r->n_tickets);
    (void)tk_eip712_hash_array(&words[4], r->winners, r->n_winners);
    memcpy(words[5].bytes, r->credited_wei.bytes, TK_HASH_LEN);
    memcpy(words[6].bytes, r->block_number.bytes, TK_HASH_LEN);
    (void)tk_eip712_hash_struct(&out->struct_hash, &type_hash, words, 7);
    return tk_eip712_digest(&out->digest, &out->domain_separator,
                            &out->struct_hash);
}

static int receipt_ok(const tk_receipt *r)
{
    return (r->tickets != NULL || r->n_tickets == 0) &&
           (r->winners != NULL || r->n_winners == 0);
}

tk_status tk_receipt_hash(tk_receipt_hashes *out,
                          const tk_receipt_domain *domain,
                          const tk_receipt *receipt)
{
    TK_ARG_CHECK_NOCTX(out != NULL);
    memset(out, 0, sizeof *out);
    TK_ARG_CHECK_NOCTX(domain != NULL);
    TK_ARG_CHECK_NOCTX(receipt != NULL);
    TK_ARG_CHECK_NOCTX(receipt_ok(receipt));
    return receipt_hash(out, domain, receipt);
}

tk_status tk_receipt_sign(const tk_ctx *ctx, tk_sig *sig,
                          const uint8_t seckey32[32],
                          const tk_receipt_domain *domain,
                          const tk_receipt *receipt)
{
    tk_receipt_hashes h;
    tk_address signer;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    TK_ARG_CHECK(ctx, sig != NULL);
    memset(sig, 0, sizeof *sig);
    TK_ARG_CHECK(ctx, seckey32 != NULL);
    TK_ARG_CHECK(ctx, domain != NULL);
    TK_ARG_CHECK(ctx, receipt != NULL);
    TK_ARG_CHECK(ctx, receipt_ok(receipt));
    st = tk_key_address(ctx, &signer, seckey32);
    if (st != TK_OK)
        return st;
    if (memcmp(signer.bytes, receipt->recipient.bytes, TK_ADDRESS_LEN) != 0)
        return TK_ERR_SIG_WRONG_SIGNER;
    (void)receipt_hash(&h, domain, receipt);
    return tk_eip712_sign(ctx, sig, seckey32, &h.digest);
}

tk_status tk_receipt_verify(const tk_ctx *ctx, tk_address *recovered,
                            const tk_receipt_domain *domain,
                            const tk_receipt *receipt, const uint8_t *sig,
                            size_t siglen)
{
    tk_receipt_hashes h;
    tk_address got;
    tk_status st;

    TK_ARG_CHECK(ctx, ctx != NULL);
    if (recovered != NULL)
        memset(recovered, 0, sizeof *recovered);
    TK_ARG_CHECK(ctx, domain != NULL);
    TK_ARG_CHECK(ctx, receipt != NULL);
    TK_ARG_CHECK(ctx, receipt_ok(receipt));
    TK_ARG_CHECK(ctx, sig != NULL || siglen == 0);
    (void)receipt_hash(&h, domain, receipt);
    st = tk_eip712_recover(ctx, &got, &h.digest, sig, siglen);
    if (st != TK_OK)
        return st;
    if (recovered != NULL)
        *recovered = got;
    return memcmp(got.bytes, receipt->recipient.bytes, TK_ADDRESS_LEN) == 0
               ? TK_OK
               : TK_ERR_SIG_WRONG_SIGNER;
}

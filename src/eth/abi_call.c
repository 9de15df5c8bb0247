/* SPDX-License-Identifier: MIT */
/* Calldata of static-argument calls and function selectors (abi.h). */
#include "ticket/abi.h"

#include "core/internal.h"
#include "core/outbuf.h"
#include "ticket/keccak.h"

#include <string.h>

tk_status tk_abi_selector(uint32_t *selector, const char *signature,
                          size_t len)
{
    tk_hash h;

    TK_ARG_CHECK_NOCTX(selector != NULL);
    *selector = 0;
    TK_ARG_CHECK_NOCTX(signature != NULL || len == 0);
    (void)tk_keccak256(&h, signature, len);
    *selector = (uint32_t)h.bytes[0] << 24 | (uint32_t)h.bytes[1] << 16 |
                (uint32_t)h.bytes[2] << 8 | h.bytes[3];
    return TK_OK;
}

tk_status tk_abi_address_word(tk_u256 *word, const tk_address *addr)
{
    TK_ARG_CHECK_NOCTX(word != NULL);
    memset(word, 0, sizeof *word);
    TK_ARG_CHECK_NOCTX(addr != NULL);
    memcpy(word->bytes + TK_U256_LEN - TK_ADDRESS_LEN, addr->bytes,
           TK_ADDRESS_LEN);
    return TK_OK;
}

tk_status tk_abi_encode_call(uint8_t *out, size_t *outlen, uint32_t selector,
                             const tk_u256 *words, size_t nwords)
{
    size_t cap = 0, need;
    tk_status st = tk__out_take(out, outlen, &cap);

    if (st != TK_OK)
        return st;
    TK_ARG_CHECK_NOCTX(words != NULL || nwords == 0);
    TK_ARG_CHECK_NOCTX(nwords <= TK_ABI_CALL_WORDS_MAX);
    need = TK_ABI_SELECTOR_LEN + TK_ABI_WORD_LEN * nwords;
    if ((st = tk__out_room(cap, need, outlen)) != TK_OK)
        return st;
    for (int i = 0; i < TK_ABI_SELECTOR_LEN; i++)
        out[i] = (uint8_t)(selector >> (8 * (TK_ABI_SELECTOR_LEN - 1 - i)));
    for (size_t i = 0; i < nwords; i++)
        memcpy(out + TK_ABI_SELECTOR_LEN + TK_ABI_WORD_LEN * i, words[i].bytes,
               TK_ABI_WORD_LEN);
    *outlen = need;
    return TK_OK;
}

/* SPDX-License-Identifier: MIT */
/* Fuzz the strict EIP-1559 decoder (eth_tx.h): tk_eth_tx_decode. Input: a
 * raw signed transaction (0x02 || rlp(...)).
 *
 * Invariants: the decoder accepts only canonical encodings, so an accepted
 * input re-encodes (tk__eth_tx_encode_signed) to exactly the same bytes,
 * and its data points inside the input; a failure zeroes both outputs.
 * Seeds: hand-* files, the raw transactions of tests/vectors/eth_tx.json
 * (except the long one). */
#include "fuzz.h"

#include "eth/tx_internal.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_eth_tx tx;
    tk_eth_tx_sig sig;
    uint8_t *buf;
    size_t len = size;

    if (tk_eth_tx_decode(&tx, &sig, data, size) != TK_OK) {
        FUZZ_CHECK(fuzz_all_zero(&tx, sizeof tx));
        FUZZ_CHECK(fuzz_all_zero(&sig, sizeof sig));
        return 0;
    }
    FUZZ_CHECK(tx.data_len == 0 ||
               (tx.data > data && tx.data + tx.data_len <= data + size));
    FUZZ_CHECK(sig.y_parity <= 1);
    buf = malloc(size);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(tk__eth_tx_encode_signed(buf, &len, &tx, &sig) == TK_OK);
    FUZZ_CHECK(len == size && memcmp(buf, data, size) == 0);
    free(buf);
    return 0;
}

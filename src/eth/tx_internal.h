/* SPDX-License-Identifier: MIT */
#ifndef TK_ETH_TX_INTERNAL_H
#define TK_ETH_TX_INTERNAL_H

#include "ticket/eth_tx.h"

/* The signed encoding of tx with a given signature (the encoder behind
 * tk_eth_tx_sign), for the tests and the fuzz target's round trip: what
 * tk_eth_tx_decode accepts, this gives back byte for byte. The (out,
 * *outlen) convention of tk_eth_tx_encode_unsigned. */
tk_status tk__eth_tx_encode_signed(uint8_t *out, size_t *outlen,
                                   const tk_eth_tx *tx,
                                   const tk_eth_tx_sig *sig);

#endif /* TK_ETH_TX_INTERNAL_H */

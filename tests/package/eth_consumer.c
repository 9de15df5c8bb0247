/* SPDX-License-Identifier: MIT */
/* An installed ticket::eth consumer: signs an EIP-1559 transaction and
 * creates (and destroys) a JSON-RPC client. No network. */
#include <ticket/eth_tx.h>
#include <ticket/rpc.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    tk_ctx *ctx = NULL;
    tk_rpc *rpc = NULL;
    tk_rpc_options o;
    tk_eth_tx tx;
    uint8_t key[32] = {0}, raw[400];
    size_t len = sizeof raw;
    const char *url = "http://127.0.0.1:1/";
    int ok;

    key[31] = 1;
    memset(&tx, 0, sizeof tx);
    tx.chain_id = 1;
    tx.gas_limit = 21000;
    ok = tk_ctx_create(&ctx) == TK_OK &&
         tk_eth_tx_sign(ctx, raw, &len, NULL, &tx, key) == TK_OK &&
         raw[0] == 0x02 && tk_rpc_options_default(&o) == TK_OK;
    o.endpoints = &url;
    o.n_endpoints = 1;
    ok = ok && tk_rpc_create(ctx, &rpc, &o) == TK_OK;
    tk_rpc_destroy(rpc);
    tk_ctx_destroy(ctx);
    printf("eth consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

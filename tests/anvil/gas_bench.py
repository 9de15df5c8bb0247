# SPDX-License-Identifier: MIT
"""Gas per redeemed ticket on anvil with the test contracts: one
redeemWinningTicket, then batchRedeemWinningTickets of 1/2/5/10/20.

usage: python3 tests/anvil/gas_bench.py TICKETCTL
Prints a table and one JSON line. Every ticket of a measured transaction
must end up used, else the number would be meaningless and the run fails.
Gas is deterministic for a given contract build and ticket shape (the
recipientRands are random, so calldata zero bytes vary by a few gas). The
deployed Livepeer contracts cost more (fees go through the BondingManager /
Minter; proxies): these are figures for our test doubles only.
"""

import json
import sys

import test_contracts as tc
from test_contracts import ETH, World, tkchain


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tc.TICKETCTL = argv[1]
    rows = []
    with tkchain.Anvil() as node:
        w = World(node)
        w.fund(deposit=100 * ETH)
        cases = [("single", 1)] + [("batch", k) for k in (1, 2, 5, 10, 20)]
        for kind, k in cases:
            tickets = [w.ticket(face=ETH // 1000) for _ in range(k)]
            r = w.redeem(w.calldata(tickets, batch=(kind == "batch")))
            if r["status"] != "0x1" or not all(w.used(t) for t in tickets):
                print("%s of %d: not every ticket redeemed" % (kind, k))
                return 1
            gas = int(r["gasUsed"], 16)
            rows.append({"kind": kind, "tickets": k, "gas": gas,
                         "gas_per_ticket": gas // k})
    print("%-7s %7s %10s %15s" % ("kind", "tickets", "gas", "gas/ticket"))
    for r in rows:
        print("%-7s %7d %10d %15d" % (r["kind"], r["tickets"], r["gas"],
                                      r["gas_per_ticket"]))
    print(json.dumps({"anvil": "1.7.1", "solc": "0.8.37", "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

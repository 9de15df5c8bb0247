# SPDX-License-Identifier: MIT
"""The demo on a real node: chain-side steps of run-demo.sh, by reading and
driving the node over JSON-RPC (Python standard library, through
tools/chain/tkchain.py). Not part of the library.

    demo_chain_check.py balance ADDR
        print ADDR's balance in wei
    demo_chain_check.py mine N
        mine N blocks (anvil_mine): the time a real chain would take for
        the winners' params to expire
    demo_chain_check.py verify TICKETCTL STORE RECIPIENT BALANCE_BEFORE
        check by reading the chain that every winner in the store is
        usedTickets on the TicketBroker and that RECIPIENT's balance grew by
        exactly the sum of their face values since BALANCE_BEFORE

The node and the broker come from TK_ANVIL_URL and TK_TICKET_BROKER (set by
`tkchain.py run`). Exit status 0 when the check holds.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools", "chain"))
import tkchain  # noqa: E402

USED_TICKETS = "0x59a515ba"  # usedTickets(bytes32)


def rpc():
    return tkchain.Rpc(os.environ["TK_ANVIL_URL"])


def balance(node, addr):
    return int(node("eth_getBalance", addr, "latest"), 16)


def verify(ticketctl, store, recipient, before):
    node = rpc()
    broker = os.environ["TK_TICKET_BROKER"]
    p = subprocess.run([ticketctl, "store-list"],
                       input=json.dumps({"store": store}),
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        print("chain check: store-list failed: " + p.stdout)
        return 1
    winners = json.loads(p.stdout)["winners"]
    problems, total = [], 0
    for w in winners:
        used = node("eth_call", {"to": broker,
                                 "data": USED_TICKETS + w["ticket_hash"][2:]},
                    "latest")
        if int(used, 16) != 1:
            problems.append("%s is not usedTickets on-chain (state %s)"
                            % (w["ticket_hash"], w["state"]))
        total += int(w["face_value"])
    grew = balance(node, recipient) - int(before)
    if grew != total:
        problems.append("recipient balance grew by %d wei, the winners' face "
                        "values sum to %d" % (grew, total))
    if not winners:
        print("chain check: no winner this run (nothing was redeemed)")
    for msg in problems:
        print("chain check: FAIL: " + msg)
    print("CHAIN_CHECK winners=%d used=%d face_total=%d balance_growth=%d %s"
          % (len(winners), len(winners) - sum("usedTickets" in m for m in problems),
             total, grew, "OK" if not problems else "FAILED"))
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "balance":
        print(balance(rpc(), argv[2]))
        return 0
    if len(argv) >= 3 and argv[1] == "mine":
        rpc()("anvil_mine", hex(int(argv[2])))
        return 0
    if len(argv) >= 6 and argv[1] == "verify":
        return verify(*argv[2:6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

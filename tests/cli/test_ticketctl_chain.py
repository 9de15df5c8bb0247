# SPDX-License-Identifier: MIT
"""ticketctl chain-info and sender-info against anvil with the test contracts
(label anvil). Every field is compared with a direct read through the
harness's own JSON-RPC and ABI code (tools/chain/tkchain.py), after the chain
was moved (a new round, a pool size, a funded and an unlocking sender); then
the error paths: a dead endpoint, an address without a contract, a flag given
twice, a missing field.

usage: test_ticketctl_chain.py TICKETCTL
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "chain"))
import tkchain  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def ticketctl(exe, cmd, req, *flags):
    p = subprocess.run([exe, cmd] + list(flags), input=json.dumps(req),
                       capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout)
    return p.returncode, out


def main(exe):
    with tkchain.Anvil() as node:
        chain = tkchain.deploy(node, pool_size=3)
        rpc = node.rpc
        sender, recipient = chain.accounts[1], chain.accounts[2]
        chain.new_round()
        chain.broker.send("fundDepositAndReserve", 7 * 10**17, 3 * 10**17,
                          sender=sender, value=10**18)
        flags = ["--rpc", node.url, "--controller", chain.controller.address]

        rc, out = ticketctl(exe, "chain-info", {}, *flags)
        check(rc == 0, "chain-info exit status %d: %s" % (rc, out))
        block = int(rpc("eth_blockNumber"), 16)
        round_ = chain.rounds.call("currentRound")
        check(out.get("block") == str(block), "block %s != %d" % (out.get("block"), block))
        check(out.get("l1_block") == str(block), "l1_block on an L1")
        check(out.get("has_l1_block_number") is False, "has_l1_block_number")
        check(out.get("round") == str(round_), "round")
        check(out.get("round_initialized") is True, "round_initialized")
        check(out.get("last_initialized_round") ==
              str(chain.rounds.call("lastInitializedRound")), "last_initialized_round")
        want_hash = chain.rounds.call("blockHashForRound", round_)
        if isinstance(want_hash, bytes):
            want_hash = "0x" + want_hash.hex()
        check(out.get("last_initialized_block_hash") == want_hash.lower(),
              "block hash %s != %s" % (out.get("last_initialized_block_hash"), want_hash))
        check(out.get("pool_size") == "3", "pool_size")
        check(out.get("gas_price") == str(int(rpc("eth_gasPrice"), 16)), "gas_price")
        c = out.get("contracts", {})
        check(c.get("controller") == chain.controller.address, "controller")
        check(c.get("ticket_broker") == chain.broker.address, "ticket_broker")
        check(c.get("rounds_manager") == chain.rounds.address, "rounds_manager")
        check(c.get("bonding_manager") == chain.bonding.address, "bonding_manager")

        # sender-info with and without a recipient, by flags and by fields.
        chain.broker.send("unlock", sender=sender)
        info = chain.broker.call("getSenderInfo", sender)
        rc, out = ticketctl(exe, "sender-info", {"sender": sender, "recipient": recipient},
                            *flags)
        check(rc == 0, "sender-info exit status %d: %s" % (rc, out))
        check(out.get("deposit") == str(7 * 10**17), "deposit")
        check(out.get("reserve") == str(3 * 10**17), "reserve")
        check(out.get("withdraw_round") == str(info[1]) and info[1] > 0,
              "withdraw_round %s vs %s" % (out.get("withdraw_round"), info))
        check(out.get("reserve_claimed_in_current_round") == "0", "claimed in round")
        check(out.get("claimed_reserve") ==
              str(chain.broker.call("claimedReserve", sender, recipient)), "claimedReserve")
        check(out.get("recipient") == recipient, "recipient echoed")
        req = {"rpc": [node.url], "ticket_broker": chain.broker.address,
               "rounds_manager": chain.rounds.address,
               "bonding_manager": chain.bonding.address, "sender": sender}
        rc, out = ticketctl(exe, "sender-info", req)
        check(rc == 0 and out.get("deposit") == str(7 * 10**17), "explicit contracts")
        check("claimed_reserve" not in out, "no recipient, no claimed_reserve")

        # Errors.
        s = tkchain.free_port()
        rc, out = ticketctl(exe, "chain-info", {}, "--rpc", "http://127.0.0.1:%d/" % s,
                            "--controller", chain.controller.address)
        check(rc == 1 and out["error"]["code"] == "rpc_transport", "dead endpoint: %s" % out)
        check(node.url not in out["error"]["message"], "URL kept out of the error")
        rc, out = ticketctl(exe, "chain-info", {}, "--rpc", node.url, "--controller",
                            "0x" + "11" * 20)
        check(rc == 1 and out["error"]["code"] == "not_found", "no contract: %s" % out)
        rc, out = ticketctl(exe, "chain-info", {"rpc": node.url}, *flags)
        check(rc == 1 and out["error"]["code"] == "usage", "rpc twice: %s" % out)
        rc, out = ticketctl(exe, "chain-info", {})
        check(rc == 1 and out["error"]["code"] == "missing_field", "no rpc: %s" % out)
        rc, out = ticketctl(exe, "sender-info", {}, *flags)
        check(rc == 1 and out["error"]["code"] == "missing_field", "no sender: %s" % out)
        rc, out = ticketctl(exe, "chain-info", {}, "--rpc")
        check(rc == 1 and out["error"]["code"] == "usage", "flag without value: %s" % out)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("ticketctl chain commands: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

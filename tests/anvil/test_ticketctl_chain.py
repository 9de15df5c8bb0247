# SPDX-License-Identifier: MIT
"""ticketctl's transactions on a real node (CTest label `anvil`): fund,
unlock, cancel-unlock, withdraw and redeem against anvil with the test
contracts, every effect read back from the chain (getSenderInfo,
usedTickets, balances, receipts) by this script, not by ticketctl.

What is tried: funding moves exactly deposit + reserve plus the gas the
receipt reports; a call that would revert is refused with its reason and
sends nothing (the nonce does not move); the unlock / cancel / withdraw
round trip returns the money; winners stored by `ticketctl receive` are
redeemed by `ticketctl redeem` (one batch), each usedTickets on-chain, and
the recipient's balance grows by exactly their face values while a
separate account pays the gas; a second redeem finds nothing to do.

usage: test_ticketctl_chain.py TICKETCTL      Python 3 standard library only.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "chain"))
import tkchain  # noqa: E402
from checks import Fail, check, eq, main_on_anvil  # noqa: E402

TICKETCTL = None
SECRET = "0x" + "5e" * 32
FACE = 10**16


def tc(cmd, req, fail=None):
    """ticketctl cmd < req: the answer, or (fail given) the error code."""
    p = subprocess.run([TICKETCTL, cmd], input=json.dumps(req).encode(),
                       capture_output=True, timeout=120)
    out = json.loads(p.stdout or b"null")
    if fail is not None:
        if p.returncode == 0 or "error" not in out:
            raise Fail("ticketctl %s did not fail: %s" % (cmd, p.stdout))
        eq(out["error"]["code"], fail, "%s error code" % cmd)
        return out["error"]
    if p.returncode != 0 or "error" in out:
        raise Fail("ticketctl %s failed: %s %s" % (cmd, p.stdout, p.stderr))
    return out


def base(node, chain, k):
    return {"rpc": node.url, "chain_id": node.chain_id,
            "privkey": node.keys[k], "controller": chain.controller.address}


def sender_info(chain, who):
    dep, wr, res, _ = chain.broker.call("getSenderInfo", who)
    return dep, wr, res


def nonce(node, who):
    return int(node.rpc("eth_getTransactionCount", who, "pending"), 16)


def gas_paid(node, tx):
    r = node.rpc("eth_getTransactionReceipt", tx)
    eq(r["status"], "0x1", "receipt status")
    return int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)


def test_fund_unlock_withdraw(node):
    chain = tkchain.deploy(node)
    who, req = node.addresses[4], base(node, chain, 4)
    bal0 = chain.balance(who)
    r = tc("fund", dict(req, deposit="3000000", reserve="5000000"))
    eq(r["state"], "succeeded", "fund state")
    eq(sender_info(chain, who), (3000000, 0, 5000000), "funds on-chain")
    eq(bal0 - chain.balance(who), 8000000 + gas_paid(node, r["tx_hash"]),
       "paid deposit + reserve + gas")

    n = nonce(node, who)
    e = tc("cancel-unlock", req, fail="rpc_reverted")
    check("no unlock request in progress" in e["message"], e["message"])
    eq(nonce(node, who), n, "nothing sent")

    tc("unlock", req)
    eq(sender_info(chain, who)[1], chain.rounds.call("currentRound") + 2,
       "withdrawRound")
    e = tc("withdraw", req, fail="rpc_reverted")
    check("account is locked" in e["message"], e["message"])
    tc("cancel-unlock", req)
    eq(sender_info(chain, who)[1], 0, "unlock cancelled")
    tc("unlock", req)
    chain.new_round()
    chain.new_round()
    bal1 = chain.balance(who)
    r = tc("withdraw", req)
    eq(sender_info(chain, who)[::2], (0, 0), "withdrawn")
    eq(chain.balance(who) - bal1, 8000000 - gas_paid(node, r["tx_hash"]),
       "money back")


def test_redeem(node):
    chain = tkchain.deploy(node, active=[node.addresses[2]])
    sender, recipient, payer = node.addresses[1], node.addresses[2], 3
    tc("fund", dict(base(node, chain, 1), deposit=str(10**18),
                    reserve=str(10**18)))
    rnd = chain.rounds.call("currentRound")
    bh = chain.rounds.call("blockHashForRound", rnd)
    block = int(node.rpc("eth_blockNumber"), 16)
    # Params with the face value capped at FACE and EV one wei below it:
    # every ticket wins (a loss has probability 1e-16).
    params = tc("params", {
        "secret": SECRET, "recipient": recipient, "sender": sender,
        "ev": str(FACE - 1), "redeem_gas": 350000, "tx_cost_multiplier": 100,
        "gas_price": "1000000000", "max_float": str(10**18),
        "max_face_value": str(FACE), "last_block": block,
        "creation_round": str(rnd), "creation_round_block_hash": bh,
        "price_num": "1", "price_den": "1"})["ticket_params"]
    pay = tc("pay", {"privkey": node.keys[1], "ticket_params": params,
                     "count": 3, "last_block": block})
    work = tempfile.mkdtemp(prefix="tk-tc-chain-")
    try:
        store = os.path.join(work, "winners.db")
        got = tc("receive", {"secret": SECRET, "recipient": recipient,
                             "last_block": block, "base64": pay["base64"],
                             "store": store})
        eq([bool(x["wins"]) for x in got["results"]], [True] * 3, "all won")
        node.rpc("anvil_mine", hex(41))  # past the params' expiration
        bal0 = chain.balance(recipient)
        req = dict(base(node, chain, payer), store=store, recipient=recipient,
                   timeout_ms=20000)
        # A redemption is CONFIRMED once later blocks agree (default
        # final_confirmations 3): blocks must keep coming, as on a real
        # chain - anvil mines one a second meanwhile.
        node.rpc("evm_setIntervalMining", 1)
        try:
            r = tc("redeem", req)
        finally:
            node.rpc("evm_setIntervalMining", 0)
        eq((r["confirmed"], r["open"]), (3, 0), "redeemed")
        eq(len(r["transactions"]), 1, "one batch")
        eq(r["transactions"][0]["tickets_used"], 3, "all used at its block")
        ws = tc("store-list", {"store": store})["winners"]
        for w in ws:
            eq(w["state"], "confirmed", "state")
            eq(chain.broker.call("usedTickets", w["ticket_hash"]), True,
               "usedTickets")
        eq(chain.balance(recipient) - bal0, 3 * FACE, "recipient paid")
        again = tc("redeem", req)
        eq((again["transactions"], again["open"]), ([], 0), "nothing left")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def take_tool(path):
    global TICKETCTL
    TICKETCTL = path


if __name__ == "__main__":
    sys.exit(main_on_anvil(sys.argv, __doc__,
                           [test_fund_unlock_withdraw, test_redeem], take_tool))

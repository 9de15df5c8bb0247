# SPDX-License-Identifier: MIT
"""The eth layer against a real node (CTest `anvil_eth_layer`, label anvil).

Transactions signed by libticket (tk_eth_tx_sign, through eth_probe) must be
accepted and mined by anvil exactly as built -- the node recovers the signer,
echoes every field, and moves the money to the wei -- and its ABI decoders
must read the test contracts' real return and revert data as the harness's
own (independent, Python) decoding does.

usage: test_eth_layer.py ETH_PROBE        Python 3 standard library only.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "chain"))
sys.path.insert(0, os.path.join(REPO, "tests", "cli"))
import tkchain  # noqa: E402
from checks import Fail, check, eq, main_on_anvil  # noqa: E402
from keccak import keccak256  # noqa: E402

PROBE = None
GWEI = 10**9
MAX = 2**256 - 1


def probe(req):
    p = subprocess.run([PROBE], input=json.dumps(req).encode(),
                       capture_output=True, timeout=60)
    if p.returncode != 0 or p.stderr:
        raise Fail("eth_probe %s: rc=%d %s" % (json.dumps(req)[:200],
                                               p.returncode, p.stderr[:300]))
    return json.loads(p.stdout)


def decode(kind, data):
    return probe({"op": "decode", "kind": kind, "data": data})


def raw_call(chain, contract, fn, *args, sender=None, value=0):
    """eth_call's raw return data, or the revert data of a revert."""
    tx = {"to": contract.address, "data": contract.data(fn, *args),
          "value": hex(value)}
    if sender:
        tx["from"] = sender
    try:
        return chain.rpc("eth_call", tx, "latest"), None
    except tkchain.RpcError as e:
        data = e.data.get("data") if isinstance(e.data, dict) else e.data
        return None, data if data is not None else "0x"


class Signer:
    """Transactions from one dev account, signed by libticket."""

    def __init__(self, chain, index):
        self.chain, self.key = chain, chain.keys[index]
        self.address = chain.accounts[index]

    def fees(self):
        base = int(self.chain.rpc("eth_getBlockByNumber", "latest", False)
                   ["baseFeePerGas"], 16)
        return base, GWEI, 2 * base + GWEI

    def tx(self, to, data="0x", value=0, gas=300_000, nonce=None,
           chain_id=None, fee_cap=None):
        base, tip, cap = self.fees()
        if nonce is None:
            nonce = int(self.chain.rpc("eth_getTransactionCount", self.address,
                                       "pending"), 16)
        req = {"op": "sign_tx", "key": self.key,
               "chain_id": chain_id or self.chain.node.chain_id,
               "nonce": nonce, "tip": str(tip),
               "fee_cap": str(cap if fee_cap is None else fee_cap),
               "gas": gas, "to": to, "value": str(value), "data": data}
        out = probe(req)
        eq(out["status"], "ok", "tk_eth_tx_sign")
        eq(out["hash"], "0x" + keccak256(bytes.fromhex(out["raw"][2:])).hex(),
           "tx hash == keccak(raw) (independent keccak)")
        return req, out

    def send(self, *args, **kw):
        req, out = self.tx(*args, **kw)
        got = self.chain.rpc("eth_sendRawTransaction", out["raw"])
        eq(got, out["hash"], "the node's tx hash")
        return req, self.chain.receipt(got)


def test_signed_transactions(node):
    chain = tkchain.deploy(node)
    s = Signer(chain, 1)
    broker = chain.broker

    # Fund deposit and reserve with a libticket-signed transaction.
    dep, res = 3 * 10**17, 2 * 10**17
    bal = chain.balance(s.address)
    req, r = s.send(broker.address, broker.data("fundDepositAndReserve",
                                                dep, res), value=dep + res)
    eq(r["status"], "0x1", "fundDepositAndReserve mined")
    eq(r["from"], s.address, "the node recovers our signer")
    eq(r["to"], broker.address, "to")
    eq(r["type"], "0x2", "EIP-1559")
    base, tip = int(chain.rpc("eth_getBlockByNumber", r["blockNumber"],
                              False)["baseFeePerGas"], 16), int(req["tip"])
    price = int(r["effectiveGasPrice"], 16)
    eq(price, min(int(req["fee_cap"]), base + tip), "effective gas price")
    eq(chain.balance(s.address),
       bal - dep - res - int(r["gasUsed"], 16) * price,
       "sender pays value + gas, to the wei")
    eq(broker.call("getSenderInfo", s.address)[0:3:2], [dep, res],
       "deposit and reserve on-chain")
    t = chain.rpc("eth_getTransactionByHash", r["transactionHash"])
    eq([int(t[k], 16) for k in ("chainId", "nonce", "gas", "maxFeePerGas",
                                "maxPriorityFeePerGas", "value")],
       [node.chain_id, req["nonce"], req["gas"], int(req["fee_cap"]),
        int(req["tip"]), dep + res], "the node echoes every field")
    eq(t["input"], req["data"], "calldata")

    # A plain transfer (empty data) and a contract creation (no `to`).
    dest = chain.accounts[6]
    before = chain.balance(dest)
    _, r = s.send(dest, value=123456789, gas=21_000)
    eq(r["status"], "0x1", "transfer mined")
    eq(chain.balance(dest) - before, 123456789, "transfer amount")
    with open(os.path.join(tkchain.ARTIFACTS, "Controller.json")) as f:
        code = json.load(f)["bytecode"]
    _, r = s.send(None, code, gas=2_000_000)
    eq(r["status"], "0x1", "contract creation mined")
    c = tkchain.Contract(chain, "Controller", r["contractAddress"])
    eq(c.call("owner"), s.address, "the created contract's owner is us")

    # What the node must refuse: another chain id, a used nonce, a fee cap
    # below the base fee.
    used = int(chain.rpc("eth_getTransactionCount", s.address, "latest"),
               16) - 1
    for what, kw in (("chain id", {"chain_id": node.chain_id + 1}),
                     ("used nonce", {"nonce": used}),
                     ("fee cap below base fee", {"fee_cap": 1})):
        _, out = s.tx(dest, value=1, gas=21_000, **kw)
        try:
            chain.rpc("eth_sendRawTransaction", out["raw"])
            raise Fail("the node accepted a transaction with a wrong " + what)
        except tkchain.RpcError:
            pass


def test_decoders_on_real_data(node):
    chain = tkchain.deploy(node, pool_size=3)
    s, broker, rounds = chain.accounts[1], chain.broker, chain.rounds
    broker.send("fundDepositAndReserve", 5000, 7000, sender=s, value=12000)

    data, _ = raw_call(chain, broker, "getSenderInfo", s)
    eq(decode("sender_info", data),
       {"status": "ok", "deposit": "5000", "withdraw_round": "0",
        "funds_remaining": "7000", "claimed_in_current_round": "0"},
       "getSenderInfo")
    broker.send("unlock", sender=s)
    data, _ = raw_call(chain, broker, "getSenderInfo", s)
    eq(decode("sender_info", data)["withdraw_round"],
       str(broker.call("getSenderInfo", s)[1]), "withdrawRound after unlock")

    rnd = rounds.call("currentRound")
    data, _ = raw_call(chain, rounds, "currentRound")
    eq(decode("u64", data)["value"], rnd, "currentRound as u64")
    eq(decode("uint256", data)["value"], str(rnd), "currentRound as uint256")
    data, _ = raw_call(chain, chain.bonding, "getTranscoderPoolSize")
    eq(decode("u64", data)["value"], 3, "getTranscoderPoolSize")
    data, _ = raw_call(chain, rounds, "blockHashForRound", rnd)
    eq(decode("bytes32", data)["value"],
       rounds.call("blockHashForRound", rnd), "blockHashForRound")
    check(decode("bytes32", data)["value"] != "0x" + "00" * 32,
          "an initialized round has a block hash")
    data, _ = raw_call(chain, chain.controller, "getContract",
                       chain.ids["TicketBroker"])
    eq(decode("address", data)["value"], broker.address, "getContract")
    for initialized in (True, False):
        data, _ = raw_call(chain, rounds, "currentRoundInitialized")
        eq(decode("bool", data)["value"], initialized,
           "currentRoundInitialized")
        rounds.send("advanceRound")
    data, _ = raw_call(chain, broker, "usedTickets", "0x" + "42" * 32)
    eq(decode("bool", data)["value"], False, "usedTickets of an unknown hash")
    # A decoder for one word refuses the four words of getSenderInfo.
    data, _ = raw_call(chain, broker, "getSenderInfo", s)
    eq(decode("uint256", data)["status"], "invalid_payment",
       "uint256 decoder on four words: TK_ERR_MALFORMED (named so for ticketctl)")

    # Revert data as the node returns it: Error(string), Panic(0x11), none.
    _, rev = raw_call(chain, broker, "unlock", sender=s)
    eq({k: v for k, v in decode("revert", rev).items() if k in
        ("status", "kind", "reason")},
       {"status": "ok", "kind": 1, "reason": "unlock already initiated"},
       "Error(string) revert")
    _, rev = raw_call(chain, broker, "fundDepositAndReserve", MAX, 1)
    out = decode("revert", rev)
    eq((out["kind"], out["panic_code"]), (2, "17"),
       "Panic(0x11): deposit + reserve overflows")
    _, rev = raw_call(chain, broker, "fundReserve", sender=s, value=0)
    check(rev is None, "fundReserve of 0 does not revert")
    try:
        chain.rpc("eth_call", {"to": broker.address, "data": "0xdeadbeef"},
                  "latest")
        raise Fail("an unknown selector did not revert")
    except tkchain.RpcError as e:
        d = e.data.get("data") if isinstance(e.data, dict) else e.data
        eq(decode("revert", d or "0x")["kind"], 0,
           "a revert without data")


TESTS = [test_signed_transactions, test_decoders_on_real_data]


def _take(path):
    global PROBE
    PROBE = path


if __name__ == "__main__":
    sys.exit(main_on_anvil(sys.argv, __doc__, TESTS, _take))

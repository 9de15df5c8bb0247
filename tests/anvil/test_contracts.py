# SPDX-License-Identifier: MIT
"""The test contracts on a real node (CTest label `anvil`).

Every redemption rule of docs/protocol-notes.md section 8, on anvil, with
tickets signed and encoded by OUR code (ticketctl: rand, sign, hash,
calldata) for anvil's dev accounts. Each test deploys a fresh set of contracts. What must
never happen, and is tried here: a ticket paid twice, a payment without a
valid winning ticket, a partial payment (all-or-nothing funding), a failed
redemption that marks its ticket used, a batch that drops good tickets
because of a bad one.

Independent data: the ecrecover precompile (the node's, not ours) proves
that the malleated signatures really recover the sender; the contract's own
getTicketHash (Solidity) is compared with ticketctl's hash; event topics are
computed with tests/cli/keccak.py.

usage: test_contracts.py TICKETCTL       Python 3 standard library only.
"""

import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "chain"))
sys.path.insert(0, os.path.join(REPO, "tests", "cli"))
import tkchain  # noqa: E402
from checks import Fail, check, eq, main_on_anvil  # noqa: E402
from keccak import keccak256  # noqa: E402

MAX = 2**256 - 1
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ETH = 10**18
ZERO_ADDR = "0x" + "00" * 20
ZERO_HASH = "0x" + "00" * 32
REDEEM_GAS = 10_000_000
SECRET = "0x" + "5e" * 32  # the recipient's secret (ticketctl rand)
TICKETCTL = None
RNG = random.Random(os.environ.get("TK_TEST_SEED", "anvil-contracts"))
TOPIC = {name: "0x" + keccak256(sig.encode()).hex() for name, sig in {
    "WinningTicketRedeemed": "WinningTicketRedeemed(address,address,uint256,"
                             "uint256,uint256,uint256,bytes)",
    "WinningTicketTransfer": "WinningTicketTransfer(address,address,uint256)",
    "ReserveClaimed": "ReserveClaimed(address,address,uint256)",
    "DepositFunded": "DepositFunded(address,uint256)",
    "ReserveFunded": "ReserveFunded(address,uint256)",
    "Unlock": "Unlock(address,uint256,uint256)",
    "UnlockCancelled": "UnlockCancelled(address)",
    "Withdrawal": "Withdrawal(address,uint256,uint256)",
}.items()}


def ticketctl(cmd, req):
    p = subprocess.run([TICKETCTL, cmd], input=json.dumps(req).encode(),
                       capture_output=True, timeout=60)
    out = json.loads(p.stdout or b"null")
    if p.returncode != 0 or not isinstance(out, dict) or "error" in out:
        raise Fail("ticketctl %s failed: %s %s" % (cmd, p.stdout, p.stderr))
    return out


# ---- a test world: contracts, a sender (dev account 1), a recipient (2) ----

class World:
    def __init__(self, node, pool_size=1):
        self.node = node
        self.sender, self.recipient = node.addresses[1], node.addresses[2]
        self.relayer = node.addresses[3]  # submits redemptions: pays the gas
        self.sender_key, self.other_key = node.keys[1], node.keys[5]
        self.chain = tkchain.deploy(node, pool_size=pool_size,
                                    active=[self.recipient])
        self.broker, self.rounds = self.chain.broker, self.chain.rounds
        self.nonce = 0

    def fund(self, deposit=0, reserve=0):
        r = self.broker.send("fundDepositAndReserve", deposit, reserve,
                             sender=self.sender, value=deposit + reserve)
        eq(r["status"], "0x1", "fundDepositAndReserve mined")
        return r

    def round(self):
        return self.rounds.call("currentRound")

    def ticket(self, face, win_prob=MAX, signer=None, round_=None,
               block_hash=None, **override):
        """A ticket from ticketctl: rand (recipient side) and sign."""
        self.nonce += 1
        r = self.round() if round_ is None else round_
        bh = self.rounds.call("blockHashForRound", r) if block_hash is None \
            else block_hash
        t = {"recipient": self.recipient, "sender": self.sender,
             "face_value": str(face), "win_prob": str(win_prob),
             "sender_nonce": self.nonce, "creation_round": str(r),
             "creation_round_block_hash": bh}
        t.update(override)
        rand = ticketctl("rand", {
            "secret": SECRET, "seed": str(RNG.getrandbits(128)),
            "sender": t["sender"], "face_value": t["face_value"],
            "win_prob": t["win_prob"], "expiration_block": "1000",
            "price_num": "1", "price_den": "1", "creation_round": str(r),
            "creation_round_block_hash": bh})
        t["recipient_rand_hash"] = rand["recipient_rand_hash"]
        s = ticketctl("sign", {"privkey": signer or self.sender_key, "ticket": t})
        return {"ticket": t, "sig": s["signature"], "hash": s["hash"],
                "rand": rand["recipient_rand"]}

    def calldata(self, tickets, batch=False, rands=None):
        return ticketctl("calldata", {
            "tickets": [w["ticket"] for w in tickets],
            "signatures": [w["sig"] for w in tickets],
            "recipient_rands": rands or [w["rand"] for w in tickets],
            "batch": batch})["calldata"]

    def used(self, w):
        return self.broker.call("usedTickets", w["hash"])

    def redeem(self, data, sender=None, gas=REDEEM_GAS):
        """A fixed, ample gas limit: with the node's estimate a batch's
        tickets run out of gas and are skipped (see test_batch)."""
        return self.chain.transact(self.broker.address, data,
                                   sender=sender or self.relayer, gas=gas)

    def expect_ok(self, data, what):
        r = self.redeem(data)
        eq(r["status"], "0x1", what + ": mined status")
        return r

    def expect_revert(self, data, reason, what, sender=None):
        """eth_call reverts with exactly `reason`, and the transaction, sent
        anyway with a fixed gas limit, is mined with status 0."""
        try:
            self.chain.rpc("eth_call", {"from": sender or self.relayer,
                                        "to": self.broker.address,
                                        "data": data}, "latest")
            raise Fail("%s: eth_call did not revert" % what)
        except tkchain.RpcError as e:
            eq(e.revert_reason(), reason, what + ": revert reason")
        r = self.chain.transact(self.broker.address, data,
                                sender=sender or self.relayer, gas=REDEEM_GAS)
        eq(r["status"], "0x0", what + ": mined status")
        return r

    def sender_info(self):
        d, wr, funds, claimed = self.broker.call("getSenderInfo", self.sender)
        return {"deposit": d, "withdraw_round": wr, "reserve": funds,
                "claimed_in_round": claimed}


def logs(receipt, name):
    return [lg for lg in receipt["logs"] if lg["topics"][0] == TOPIC[name]]


def words(data_hex):
    raw = bytes.fromhex(data_hex[2:])
    return [int.from_bytes(raw[i:i + 32], "big") for i in range(0, len(raw), 32)]


def topic_addr(t):
    return "0x" + t[-40:]


def set_sig(w, sig_bytes):
    return dict(w, sig="0x" + sig_bytes.hex())


def ecrecover(chain, digest, sig):
    """The node's ecrecover precompile (address 1): independent of us."""
    r, s, v = sig[:32], sig[32:64], sig[64]
    data = digest + v.to_bytes(32, "big") + r + s
    out = chain.rpc("eth_call", {"to": "0x" + "00" * 19 + "01",
                                 "data": "0x" + data.hex()}, "latest")
    return "0x" + out[-40:] if len(out) > 2 else None


def eip191(h):
    return keccak256(b"\x19Ethereum Signed Message:\n32" + bytes.fromhex(h[2:]))


# ---- tests --------------------------------------------------------------------

def test_valid_winner(node):
    w = World(node)
    w.fund(deposit=ETH)
    t = w.ticket(face=ETH // 10)
    data = w.calldata([t])
    # The contract's own hash (Solidity) equals ticketctl's: the ticket
    # tuple is the calldata's bytes from its offset to the signature's.
    raw = bytes.fromhex(data[2:])
    off_t, off_s = (int.from_bytes(raw[4 + 32 * i:36 + 32 * i], "big")
                    for i in (0, 1))
    gth = "0x" + w.broker.selectors["getTicketHash"][1] + (32).to_bytes(
        32, "big").hex() + raw[4 + off_t:4 + off_s].hex()
    eq(w.chain.rpc("eth_call", {"to": w.broker.address, "data": gth}, "latest"),
       t["hash"], "getTicketHash == ticketctl hash")

    before = {a: w.chain.balance(a) for a in (w.recipient, w.broker.address)}
    check(not w.used(t), "fresh ticket is unused")
    r = w.expect_ok(data, "valid winner")
    check(w.used(t), "redeemed ticket is used")
    eq(w.chain.balance(w.recipient) - before[w.recipient], ETH // 10,
       "recipient balance grows by exactly faceValue")
    eq(before[w.broker.address] - w.chain.balance(w.broker.address), ETH // 10,
       "broker pays out exactly faceValue")
    eq(w.sender_info()["deposit"], ETH - ETH // 10, "deposit debited")
    red = logs(r, "WinningTicketRedeemed")
    eq(len(red), 1, "one WinningTicketRedeemed")
    eq([topic_addr(x) for x in red[0]["topics"][1:]], [w.sender, w.recipient],
       "WinningTicketRedeemed indexed sender, recipient")
    eq(words(red[0]["data"])[:4],
       [ETH // 10, MAX, t["ticket"]["sender_nonce"], int(t["rand"])],
       "WinningTicketRedeemed faceValue, winProb, nonce, recipientRand")
    tr = logs(r, "WinningTicketTransfer")
    eq([words(x["data"])[0] for x in tr], [ETH // 10], "WinningTicketTransfer")

    # The recipient submitting itself: + faceValue - its gas, to the wei.
    t2 = w.ticket(face=12345)
    bal = w.chain.balance(w.recipient)
    r = w.redeem(w.calldata([t2]), sender=w.recipient)
    eq(r["status"], "0x1", "self-submitted redemption")
    gas = int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)
    eq(w.chain.balance(w.recipient), bal + 12345 - gas,
       "self-submitted: balance + faceValue - gas")

    # Replay: the same ticket again, single and in a batch.
    bal = w.chain.balance(w.recipient)
    w.expect_revert(data, "ticket is used", "replay")
    r = w.expect_ok(w.calldata([t, t], batch=True), "replay in a batch")
    eq(logs(r, "WinningTicketRedeemed"), [], "replayed batch redeems nothing")
    eq(w.chain.balance(w.recipient), bal, "replay pays nothing")


def test_non_winning(node):
    w = World(node)
    w.fund(deposit=ETH)
    t = w.ticket(face=1000, win_prob=1000)
    won = ticketctl("wins", {"signature": t["sig"], "recipient_rand": t["rand"],
                             "win_prob": "1000"})
    check(not won["wins"], "a winProb of 1000 loses (win value %s)"
          % won["win_value"])
    w.expect_revert(w.calldata([t]), "ticket did not win", "non-winning")
    check(not w.used(t), "a losing ticket stays unused")
    # winProb 0 never wins, not even for the smallest win value.
    t0 = w.ticket(face=1000, win_prob=0)
    w.expect_revert(w.calldata([t0]), "ticket did not win", "winProb 0")


def test_signatures(node):
    w = World(node)
    w.fund(deposit=ETH)
    t = w.ticket(face=777)
    sig = bytes.fromhex(t["sig"][2:])
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    digest = eip191(t["hash"])
    eq(ecrecover(w.chain, digest, sig), w.sender, "precompile: valid sig")
    bad = "invalid signature over ticket hash"

    # Another key signed it.
    other = w.ticket(face=777, signer=w.other_key)
    w.expect_revert(w.calldata([other]), bad, "signed by another key")

    # The malleated twin (n - s, other v) recovers the sender too -- the
    # node's precompile says so -- and is refused only for its high s.
    high = r + (N - s).to_bytes(32, "big") + bytes([55 - v])
    eq(ecrecover(w.chain, digest, high), w.sender, "precompile: high-s twin")
    w.expect_revert(w.calldata([set_sig(t, high)]), bad, "high-s")

    # Wrong v (the other parity), raw recovery ids 0/1, v = 29.
    flipped = r + sig[32:64] + bytes([55 - v])
    check(ecrecover(w.chain, digest, flipped) != w.sender,
          "flipped v recovers another key")
    w.expect_revert(w.calldata([set_sig(t, flipped)]), bad, "wrong v")
    for vv in (v - 27, 29, 0xff):
        w.expect_revert(w.calldata([set_sig(t, sig[:64] + bytes([vv]))]), bad,
                        "v = %d" % vv)
    # r = 0, s = 0.
    w.expect_revert(w.calldata([set_sig(t, bytes(32) + sig[32:])]), bad, "r=0")
    w.expect_revert(w.calldata([set_sig(t, r + bytes(32) + sig[64:])]), bad,
                    "s=0")
    # A 64-byte signature: the calldata's sig length word set to 64.
    data = bytearray(bytes.fromhex(w.calldata([t])[2:]))
    off_s = int.from_bytes(data[36:68], "big")
    data[4 + off_s:4 + off_s + 32] = (64).to_bytes(32, "big")
    w.expect_revert("0x" + data.hex(), bad, "64-byte signature")

    # None of that used the ticket: the genuine signature still redeems.
    check(not w.used(t), "ticket unused after the bad signatures")
    bal = w.chain.balance(w.recipient)
    w.expect_ok(w.calldata([t]), "genuine signature after the bad ones")
    eq(w.chain.balance(w.recipient) - bal, 777, "paid once, in full")


def test_rounds(node):
    w = World(node)
    w.fund(deposit=ETH)
    r0 = w.round()
    a, b = w.ticket(face=10), w.ticket(face=20)
    # Validity period 2: still valid in round r0 + 1 ...
    w.chain.new_round()
    w.expect_ok(w.calldata([a]), "ticket of the previous round")
    # ... expired in r0 + 2.
    w.chain.new_round()
    eq(w.round(), r0 + 2, "round moved twice")
    w.expect_revert(w.calldata([b]), "ticket is expired", "expired ticket")
    check(not w.used(b), "expired ticket unused")

    # A new round that is not initialized: nothing redeems, batch included.
    c = w.ticket(face=30)
    w.rounds.send("advanceRound")
    check(not w.rounds.call("currentRoundInitialized"), "round not initialized")
    nr = "current round is not initialized"
    w.expect_revert(w.calldata([c]), nr, "round not initialized")
    w.expect_revert(w.calldata([c, c], batch=True), nr,
                    "batch, round not initialized")
    w.rounds.send("initializeRound")
    w.expect_ok(w.calldata([c]), "after initializeRound")

    # auxData: wrong block hash, a round without one, a missing auxData.
    w.expect_revert(w.calldata([w.ticket(face=1, block_hash="0x" + "ab" * 32)]),
                    "ticket creationRoundBlockHash invalid for creationRound",
                    "wrong creation round block hash")
    future = w.round() + 1
    w.expect_revert(w.calldata([w.ticket(face=1, round_=future,
                                         block_hash="0x" + "cd" * 32)]),
                    "ticket creationRound does not have a block hash",
                    "creation round without a block hash")
    w.expect_revert(w.calldata([w.ticket(face=1, round_=0,
                                         block_hash=ZERO_HASH)]),
                    "invalid length for ticket auxData: must be 64 bytes",
                    "empty auxData")


def test_ticket_fields(node):
    w = World(node)
    w.fund(deposit=ETH)
    t = w.ticket(face=5)
    w.expect_revert(w.calldata([t], rands=[str(int(t["rand"]) + 1)]),
                    "recipientRand does not match recipientRandHash",
                    "wrong recipientRand")
    w.expect_revert(w.calldata([w.ticket(face=5, recipient=ZERO_ADDR)]),
                    "ticket recipient is null address", "zero recipient")
    w.expect_revert(w.calldata([w.ticket(face=5, sender=ZERO_ADDR)]),
                    "ticket sender is null address", "zero sender")
    check(not w.used(t), "ticket unused after a wrong recipientRand")


def test_funding_all_or_nothing(node):
    w = World(node, pool_size=2)
    r = w.fund(deposit=1000, reserve=4000)
    eq([words(x["data"])[0] for x in logs(r, "DepositFunded")], [1000],
       "DepositFunded")
    eq([words(x["data"])[0] for x in logs(r, "ReserveFunded")], [4000],
       "ReserveFunded")
    eq(w.sender_info(), {"deposit": 1000, "withdraw_round": 0, "reserve": 4000,
                         "claimed_in_round": 0}, "getSenderInfo")
    # Section 7: this recipient's share is (4000 + 0) / 2 - 0 = 2000.
    eq(w.broker.call("claimableReserve", w.sender, w.recipient), 2000,
       "claimableReserve")
    w.expect_revert(w.broker.data("fundDepositAndReserve", 1, 1),
                    "msg.value does not equal sum of deposit amount and "
                    "reserve amount", "fund with the wrong value")

    # 3001 > 1000 + 2000: reverts, nothing moves, the ticket stays unused.
    big = w.ticket(face=3001)
    bal = w.chain.balance(w.recipient)
    w.expect_revert(w.calldata([big]),
                    "sender funds insufficient for ticket faceValue",
                    "face value above deposit + reserve share")
    check(not w.used(big), "underfunded ticket unused")
    eq(w.sender_info()["deposit"], 1000, "deposit untouched")
    eq(w.chain.balance(w.recipient), bal, "nothing paid")
    # Also refused inside a batch, next to a good one that is paid.
    small = w.ticket(face=1)
    r = w.expect_ok(w.calldata([big, small], batch=True), "batch, underfunded")
    check(not w.used(big) and w.used(small), "batch: only the covered ticket")
    eq(w.chain.balance(w.recipient), bal + 1, "batch paid only the small one")

    # Exactly covered: 999 from the deposit, 2000 from the reserve share.
    exact = w.ticket(face=2999)
    r = w.expect_ok(w.calldata([exact]), "face value == deposit + share")
    eq(w.chain.balance(w.recipient), bal + 1 + 2999, "paid in full")
    eq([(topic_addr(x["topics"][1]), words(x["data"])[1])
        for x in logs(r, "ReserveClaimed")], [(w.sender, 2000)],
       "ReserveClaimed")
    eq(w.sender_info(), {"deposit": 0, "withdraw_round": 0, "reserve": 2000,
                         "claimed_in_round": 2000}, "after the reserve claim")
    eq(w.broker.call("claimedReserve", w.sender, w.recipient), 2000,
       "claimedReserve")
    eq(w.broker.call("claimableReserve", w.sender, w.recipient), 0,
       "share used up this round")

    # Nothing left for this recipient: refused, then a top-up lets the same
    # ticket through.
    late = w.ticket(face=50)
    w.expect_revert(w.calldata([late]), "sender deposit and reserve are zero",
                    "no deposit, share used up")
    w.broker.send("fundDeposit", sender=w.sender, value=49)
    w.expect_revert(w.calldata([late]),
                    "sender funds insufficient for ticket faceValue",
                    "top-up one wei short")
    w.broker.send("fundDeposit", sender=w.sender, value=1)
    w.expect_ok(w.calldata([late]), "after the top-up")
    check(w.used(late), "topped-up ticket used")

    # A new round renews the share: (2000 + 0) / 2 = 1000.
    w.chain.new_round()
    eq(w.broker.call("claimableReserve", w.sender, w.recipient), 1000,
       "share in the next round")
    # Not an active transcoder: no share at all.
    w.chain.bonding.send("setActiveTranscoder", w.recipient, False)
    eq(w.broker.call("claimableReserve", w.sender, w.recipient), 0,
       "inactive recipient has no share")
    w.expect_revert(w.calldata([w.ticket(face=1)]),
                    "sender deposit and reserve are zero", "inactive recipient")


def test_unlock_withdraw(node):
    w = World(node)
    w.fund(deposit=1000, reserve=500)
    r0 = w.round()
    r = w.broker.send("unlock", sender=w.sender)
    eq([words(x["data"]) for x in logs(r, "Unlock")], [[r0, r0 + 2]],
       "Unlock(startRound, endRound)")
    check(w.broker.call("isUnlockInProgress", w.sender), "unlock in progress")
    w.expect_revert(w.broker.data("withdraw"), "account is locked",
                    "withdraw during the unlock period", sender=w.sender)
    w.chain.new_round()
    w.expect_ok(w.calldata([w.ticket(face=10)]), "redeem during the unlock")
    w.chain.new_round()  # r0 + 2: unlocked
    t = w.ticket(face=10)
    w.expect_revert(w.calldata([t]), "sender is unlocked", "unlocked sender")
    check(not w.used(t), "ticket of an unlocked sender unused")

    # Cancel: locked again, the same ticket redeems.
    r = w.broker.send("cancelUnlock", sender=w.sender)
    eq(len(logs(r, "UnlockCancelled")), 1, "UnlockCancelled")
    w.expect_ok(w.calldata([t]), "after cancelUnlock")

    # Unlock, wait, withdraw everything: deposit 980 and reserve 500 back.
    w.broker.send("unlock", sender=w.sender)
    w.chain.new_round()
    w.chain.new_round()
    bal = w.chain.balance(w.sender)
    r = w.broker.send("withdraw", sender=w.sender)
    eq(r["status"], "0x1", "withdraw mined")
    eq([words(x["data"]) for x in logs(r, "Withdrawal")], [[980, 500]],
       "Withdrawal(deposit, reserve)")
    gas = int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)
    eq(w.chain.balance(w.sender), bal + 1480 - gas, "withdrawn to the wei")
    eq(w.sender_info()["deposit"], 0, "deposit gone")
    w.expect_revert(w.calldata([w.ticket(face=1)]), "sender is unlocked",
                    "after withdraw")
    # Funding again cancels the unlock (as the deployed contract does).
    r = w.fund(deposit=5)
    eq(len(logs(r, "UnlockCancelled")), 1, "funding cancels the unlock")
    w.expect_ok(w.calldata([w.ticket(face=5)]), "funded again")


def test_batch(node):
    w = World(node)
    w.fund(deposit=ETH)
    good = [w.ticket(face=100 + i) for i in range(4)]
    bad = set_sig(w.ticket(face=999), bytes(65))  # a failing ticket
    batch = good[:2] + [bad] + good[2:]
    bal = w.chain.balance(w.recipient)
    r = w.expect_ok(w.calldata(batch, batch=True), "batch with a bad ticket")
    check(all(w.used(t) for t in good), "the good tickets are used")
    check(not w.used(bad), "the bad one is not")
    eq(w.chain.balance(w.recipient) - bal, sum(100 + i for i in range(4)),
       "batch pays exactly the good tickets")
    eq(sorted(words(x["data"])[2] for x in logs(r, "WinningTicketRedeemed")),
       sorted(t["ticket"]["sender_nonce"] for t in good),
       "one WinningTicketRedeemed per good ticket")
    # The same ticket twice in one batch: paid once.
    d = w.ticket(face=7)
    bal = w.chain.balance(w.recipient)
    w.expect_ok(w.calldata([d, d], batch=True), "duplicate in a batch")
    eq(w.chain.balance(w.recipient) - bal, 7, "a duplicate is paid once")
    # Not enough gas for the whole batch: the transaction succeeds and the
    # last tickets are skipped, unused -- why a node must set a batch's gas
    # from the per-ticket cost and read usedTickets after every batch.
    more = [w.ticket(face=1) for _ in range(6)]
    data = w.calldata(more, batch=True)
    snap = w.chain.rpc("evm_snapshot")
    full = int(w.redeem(data)["gasUsed"], 16)  # all six redeemed
    check(all(w.used(t) for t in more), "ample gas redeems the whole batch")
    check(w.chain.rpc("evm_revert", snap), "evm_revert")
    check(not any(w.used(t) for t in more), "snapshot restored")
    # The node's own estimate is the lowest gas at which the transaction
    # does not revert -- and a batch does not revert when tickets run out.
    est = int(w.chain.rpc("eth_estimateGas", {
        "from": w.relayer, "to": w.broker.address, "data": data}), 16)
    check(est < full, "estimate %d below the gas of the full batch %d"
          % (est, full))
    r = w.redeem(data, gas=est)
    eq(r["status"], "0x1", "batch with the node's estimate succeeds")
    used = [w.used(t) for t in more]
    check(not used[-1], "with the node's gas estimate the last ticket is "
          "skipped (used: %s)" % used)
    print("     batch of 6: %d gas redeems all, the node's estimate %d "
          "redeems %d" % (full, est, sum(used)))
    # Skipped tickets stay redeemable.
    rest = [t for t, u in zip(more, used) if not u]
    w.expect_ok(w.calldata(rest, batch=True), "the skipped ones, ample gas")
    check(all(w.used(t) for t in more), "all six used in the end")


def test_test_controls(node):
    w = World(node)
    for c, fn, args in ((w.rounds, "advanceRound", ()),
                        (w.chain.bonding, "setTranscoderPoolSize", (9,)),
                        (w.broker, "setUnlockPeriod", (0,))):
        try:
            w.chain.rpc("eth_call", {"from": w.sender, "to": c.address,
                                     "data": c.data(fn, *args)}, "latest")
            raise Fail("%s by a stranger did not revert" % fn)
        except tkchain.RpcError as e:
            eq(e.revert_reason(), "caller must be Controller owner", fn)
    try:
        w.chain.rpc("eth_call", {"to": w.rounds.address,
                                 "data": w.rounds.data("initializeRound")},
                    "latest")
        raise Fail("initializing an initialized round did not revert")
    except tkchain.RpcError as e:
        eq(e.revert_reason(), "round already initialized", "initializeRound")


TESTS = [test_valid_winner, test_non_winning, test_signatures, test_rounds,
         test_ticket_fields, test_funding_all_or_nothing, test_unlock_withdraw,
         test_batch, test_test_controls]


def _take(path):
    global TICKETCTL
    TICKETCTL = path


if __name__ == "__main__":
    sys.exit(main_on_anvil(sys.argv, __doc__, TESTS, _take))

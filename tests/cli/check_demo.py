# SPDX-License-Identifier: MIT
"""End-to-end test of the HTTP demo (CTest label `e2e`).

Runs examples/run-demo.sh with a few segments and checks the transcoder's
summary: winners found == winners stored (also counted independently with
`ticketctl store-list` on the store file), credited EV == accepted tickets x
EV (exact fractions), balance == credited - debited, every ticket accepted
but those of the replayed request, the replay refused by the seq check
(HTTP 403, for every segment count: the broadcaster leaves credit for the
replay's fee, so the balance check cannot refuse it first) and debiting
nothing, and the redemption calldata has the length its ticket count
implies. SEGMENTS may be a comma-separated list: one demo run per count
(in WORK_DIR/<count>).

Receipts: every segment's response carried one and the broadcaster's books
applied it (none refused or missing); each receipt credits exactly
floor(accepted x EV) (recomputed here with exact fractions), their sum is
the books' credited total, the tickets they list are the accepted ones,
the winners they name are the winners the transcoder stored (known before
any redemption), and nothing is left outstanding.

With `prepay`: the first segment pays the whole job (its receipt credits at
least SEGMENTS x fee), every later segment carries no ticket, and the credit
the receipts show is drawn down by exactly one fee per segment.

On a real node (`anvil`; label `anvil`): the broadcaster funded on-chain,
every stored winner redeemed (state confirmed), the redemption transaction
hashes printed, and the chain check of run-demo.sh (every winner
usedTickets, the recipient's balance grown by exactly their face values,
read from the node) passed for all of them. Without `anvil` the demo runs
on the in-process dev chain (--dev-chain): winners stay new and the
transcoder prints their calldata. Skipped (77) when anvil is missing,
unless TK_REQUIRE_CHAIN=1.

usage: check_demo.py RUN_DEMO_SH BUILD_DIR TICKETCTL WORK_DIR [SEGMENTS[,...]
                     [prepay] [anvil]]
"""

import json
import os
import re
import subprocess
import sys
from fractions import Fraction


def check_receipts(out, f, segments, fee, prepay, check):
    ev = Fraction(f["ev"])
    # Every request that reached the handler got one (the replay too).
    check(int(f.get("receipts", -1)) == segments + 1,
          "transcoder sent %s receipts, want %d" % (f.get("receipts"), segments + 1))
    b = re.search(r"^BOOKS (.*)$", out, re.M)
    check(b is not None, "no BOOKS line")
    if b is None:
        return
    books = dict(kv.split("=", 1) for kv in b.group(1).split())
    check(int(books["receipts"]) == segments, "books applied %s receipts" % books["receipts"])
    check(books["refused"] == "0" and books["missing"] == "0", "receipts refused or missing")
    check(int(books["outstanding"]) == 0, "tickets left outstanding")
    check(int(books["known_winners"]) == int(f["winners_found"]),
          "books know %s winners, transcoder found %s"
          % (books["known_winners"], f["winners_found"]))
    rs = re.findall(r"receipt: (\d+) of (\d+) ticket\(s\) accepted, (\d+) won, "
                    r"credited (\d+) wei", out)
    check(len(rs) == segments, "%d receipt lines" % len(rs))
    total = 0
    for acc, sent, won, cred in rs:
        acc, sent, won, cred = int(acc), int(sent), int(won), int(cred)
        want = acc * ev.numerator // ev.denominator
        check(cred == want, "receipt credits %d, floor(%d x EV) = %d" % (cred, acc, want))
        check(won <= acc <= sent, "receipt counts %d/%d/%d" % (won, acc, sent))
        total += cred
    check(total == int(books["credited"]), "receipts sum %d != books %s"
          % (total, books["credited"]))
    check(sum(int(r[0]) for r in rs) == int(f["accepted"]), "receipted tickets != accepted")
    if not prepay:
        return
    sent = [int(n) for n in re.findall(r"\[broadcaster\] segment \d+/\d+: (\d+) ticket", out)]
    check(len(sent) == segments and sent[0] > 0 and not any(sent[1:]),
          "prepay: tickets per segment %s" % sent)
    check(rs and int(rs[0][3]) >= segments * fee, "prepay: first receipt does not cover the job")
    left = [int(x) for x in re.findall(r"prepaid credit left \(receipted - fees\): (\d+) wei",
                                       out)]
    check(len(left) == segments, "prepay: %d credit lines" % len(left))
    if rs and len(left) == segments:
        want = [int(rs[0][3]) - (i + 1) * fee for i in range(segments)]
        check(left == want, "prepay: credit drawn down %s, want %s" % (left, want))
        check(left[-1] >= 0, "prepay: credit overdrawn")


def check_chain(out, stored, check):
    """The redemption on the real node: transactions printed, the chain
    check (run-demo.sh, from the node) covering every stored winner."""
    check("[broadcaster] funded deposit and reserve on-chain, tx 0x" in out,
          "no funding transaction")
    txs = re.findall(r"^REDEEM_TX (0x[0-9a-f]{64})$", out, re.M)
    # The test runs enough segments that a run without a winner (nothing
    # on-chain to check) is as good as impossible: 37 segments carry about
    # 29 tickets winning with p = 1/4 each, 0.75^29 = 2e-4.
    check(stored > 0, "no winner: nothing was redeemed")
    check(len(txs) >= 1, "no redemption transaction")
    c = re.search(r"^CHAIN_CHECK winners=(\d+) used=(\d+) face_total=(\d+) "
                  r"balance_growth=(\d+) (\w+)$", out, re.M)
    check(c is not None, "no CHAIN_CHECK line")
    if c:
        check(int(c.group(1)) == stored and int(c.group(2)) == stored,
              "chain check saw %s winners, %s used; %d stored"
              % (c.group(1), c.group(2), stored))
        check(c.group(3) == c.group(4) and c.group(5) == "OK",
              "recipient balance grew by %s, face values %s"
              % (c.group(4), c.group(3)))


def run_script(args, env):
    """Run bash with args (run-demo.sh and its arguments) and print its
    output. Returns (exit status, output, problems, check): check(cond, msg)
    adds msg to problems when cond is false."""
    p = subprocess.run(["bash"] + args, env=env, capture_output=True, text=True,
                       timeout=240)
    out = p.stdout + p.stderr
    print(out)
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)
    return p.returncode, out, problems, check


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    script, build, ticketctl, work = sys.argv[1:5]
    counts = [int(c) for c in sys.argv[5].split(",")] if len(sys.argv) > 5 else [8]
    prepay = "prepay" in sys.argv[6:]
    anvil = "anvil" in sys.argv[6:]
    failed = []
    for segments in counts:
        where = work if len(counts) == 1 else os.path.join(work, str(segments))
        problems = run_demo(script, build, ticketctl, where, segments, prepay, anvil)
        for msg in problems:
            print("FAIL (%d segments): %s" % (segments, msg))
        if problems:
            failed.append(segments)
    print("demo e2e: %s" % ("FAILED for %s segments" % failed if failed else "OK"))
    return 1 if failed else 0


def run_demo(script, build, ticketctl, work, segments, prepay, anvil):
    """One demo run of `segments` segments: the list of problems found."""
    env = dict(os.environ, DEMO_WORKDIR=work)
    if prepay:
        env["DEMO_BROADCASTER_ARGS"] = "--prepay"
    if anvil:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__)))), "tools", "chain"))
        import tkchain
        if not os.access(tkchain.anvil_path(), os.X_OK):
            tkchain.tool_missing("anvil")
    args = [script] + ([] if anvil else ["--dev-chain"])
    rc, out, problems, check = run_script(args + [build, str(segments)], env)
    check(rc == 0, "run-demo.sh exited %d" % rc)
    m = re.search(r"^SUMMARY (.*)$", out, re.M)
    check(m is not None, "no SUMMARY line")
    if m:
        f = dict(kv.split("=", 1) for kv in m.group(1).split())
        ev = Fraction(f["ev"])
        credited, debited = Fraction(f["credited"]), Fraction(f["debited"])
        accepted, tickets = int(f["accepted"]), int(f["tickets"])
        found, stored = int(f["winners_found"]), int(f["winners_stored"])
        fee = Fraction(12000000 * 55296000)  # demo_common.h: price x pixels
        # segments + 1: the replayed request reaches the handler too.
        check(int(f["segments"]) == segments + 1, "segments %s" % f["segments"])
        check(int(f["refused"]) == 0, "refused payments")
        # The broadcaster's --replay re-sent its last request: refused, and
        # it debited nothing (one fee per served segment).
        check(int(f["requests_refused"]) == 1,
              "requests_refused %s, want 1 (the replay)" % f["requests_refused"])
        check("replayed the last request -> HTTP 403" in out,
              "replay not refused by the seq check (HTTP 403)")
        # It met a balance covering its fee: the refusal is the seq check's.
        check(Fraction(f["balance"]) >= fee, "balance %s left below a fee: the"
              " replay could not reach the seq check" % f["balance"])
        replayed = int(f["replayed"])
        check(tickets > 0 and accepted + replayed == tickets,
              "accepted %d + replayed %d of %d tickets" % (accepted, replayed, tickets))
        check(found == stored, "winners found %d != stored %d" % (found, stored))
        check(credited == accepted * ev,
              "credited %s != %d x EV %s" % (credited, accepted, ev))
        check(Fraction(f["balance"]) == credited - debited, "balance")
        check(debited > 0 and credited >= debited, "fees not covered")
        check(debited == segments * fee,
              "debited %s != %d segments x fee %s" % (debited, segments, fee))
        check_receipts(out, f, segments, fee, prepay, check)

        # The store file, read by another program.
        q = subprocess.run([ticketctl, "store-list"],
                           input=json.dumps({"store": os.path.join(work, "winners.db")}),
                           capture_output=True, text=True)
        check(q.returncode == 0, "store-list failed: %s" % q.stdout)
        if q.returncode == 0:
            ws = json.loads(q.stdout)["winners"]
            check(len(ws) == stored, "store-list has %d winners, summary %d"
                  % (len(ws), stored))
            want_state = "confirmed" if anvil else "new"
            check(all(w["state"] == want_state for w in ws),
                  "winner states, want all %s" % want_state)
            check(len({w["ticket_hash"] for w in ws}) == len(ws),
                  "duplicate winners")

        if anvil:
            check_chain(out, stored, check)
            stored = -1  # no calldata printed on a real node
        # Calldata: 548 bytes for one winner, 196 + 544 per ticket for more.
        c = re.search(r"^redemption calldata \((\w+), (\d+) ticket\(s\), "
                      r"(\d+) bytes.*\n(0x[0-9a-f]+)$", out, re.M)
        if stored == 0:
            check("redemption calldata: none" in out, "calldata line")
        elif stored > 0:
            check(c is not None, "no calldata")
            if c:
                n, length, hexs = int(c.group(2)), int(c.group(3)), c.group(4)
                check(n == stored, "calldata tickets %d" % n)
                check(len(hexs) == 2 + 2 * length, "calldata hex length")
                want = 548 if n == 1 else 196 + 544 * n
                check(length == want, "calldata %d bytes, want %d" % (length, want))
                sel = "0xec8b3cb6" if n == 1 else "0xd01b808e"
                check(hexs.startswith(sel), "calldata selector")
    check(re.search(r"\[broadcaster\] done: %d of %d" % (segments, segments),
                    out) is not None, "broadcaster did not finish")
    return problems


if __name__ == "__main__":
    sys.exit(main())

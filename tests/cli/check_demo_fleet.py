# SPDX-License-Identifier: MIT
"""End-to-end test of the demo's fleet mode (CTest demo_e2e_fleet, labels
e2e, anvil, pg).

Runs examples/run-demo.sh --fleet: two transcoder processes on one
PostgreSQL database, node 1 SIGKILLed halfway, the broadcaster failing
over to node 2, node 2 redeeming every winner on anvil. Besides the
script's own checks (its FLEET_CHECK: the nodes' books against the
database's seen nonces and winners; its CHAIN_CHECK: every winner in the
database usedTickets, the recipient's balance grown by exactly their face
values), this checks from the outside:

- node 1 really died (no summary of its own) after serving segments, and
  the broadcaster finished every segment through node 2;
- the database's distinct tickets are exactly the tickets the broadcaster
  got an answer for plus those of a payment node 1 committed without
  answering (the broadcaster's count against the database's);
- node 2's summary: nothing refused but the replay of node 1's request
  (HTTP 403, stale seq), credit = accepted x EV, one fee per segment it
  served; node 1 debited one fee per segment it served (plus the
  unanswered one when it logged that);
- the broadcaster's books: a receipt for every segment, none refused,
  and only the tickets of the unanswered payment left outstanding;
- the chain check covered exactly the winners the database held, node 2
  sent the redemption (node 1 is dead), and the redeemer lease moved:
  node 1 led first, node 2 took over with a newer fencing token and left
  no winner open.

Skipped (77) when anvil or PostgreSQL is missing, unless TK_REQUIRE_CHAIN=1
or TK_REQUIRE_PG=1.

usage: check_demo_fleet.py RUN_DEMO_SH BUILD_DIR WORK_DIR [SEGMENTS]
"""

import os
import re
import sys
from fractions import Fraction

from check_demo import run_script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FEE = Fraction(12000000 * 55296000)  # demo_common.h: price x pixels


def require_tools():
    sys.path.insert(0, os.path.join(ROOT, "tools", "chain"))
    sys.path.insert(0, os.path.join(ROOT, "tools", "pg"))
    import tkchain
    import tkpg
    if not os.access(tkchain.anvil_path(), os.X_OK):
        tkchain.tool_missing("anvil")
    if tkpg.pg_bin() is None:
        tkpg.tool_missing("PostgreSQL (initdb, postgres)")


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split())


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    script, build, work = sys.argv[1:4]
    segments = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    require_tools()
    rc, out, problems, check = run_script([script, "--fleet", build, str(segments)],
                                        dict(os.environ, DEMO_WORKDIR=work))
    check(rc == 0 and "run-demo --fleet: OK" in out, "run-demo.sh --fleet exited %d" % rc)
    fc = re.search(r"^FLEET_CHECK (.*) OK$", out, re.M)
    cc = re.search(r"^CHAIN_CHECK winners=(\d+) used=(\d+) face_total=(\d+) "
                   r"balance_growth=(\d+) OK$", out, re.M)
    s2 = re.search(r"^\[node 2\] SUMMARY (.*)$", out, re.M)
    books = re.search(r"^BOOKS (.*)$", out, re.M)
    check(fc and cc and s2 and books, "FLEET_CHECK, CHAIN_CHECK, node 2's SUMMARY or "
          "BOOKS missing or failed")
    if problems:
        return report(problems)
    f, s, b = fields(fc.group(1)), fields(s2.group(1)), fields(books.group(1))

    # Node 1 died mid-stream; node 2 finished the job.
    check("SIGKILLed node 1" in out and "[node 1] SUMMARY" not in out,
          "node 1 was not killed, or lived to print a summary")
    check(re.search(r"\[broadcaster\] done: %d of %d" % (segments, segments), out),
          "the broadcaster did not finish")
    fo = out.index("is gone: failing over to") if "is gone: failing over to" in out else -1
    check(fo > 0, "no failover")
    answered = re.findall(r"^\[broadcaster\] segment (\d+)/\d+: \d+ ticket\(s\).*"
                          r"-> HTTP 200", out, re.M)
    sent = [int(n) for n in re.findall(r"^\[broadcaster\] segment \d+/\d+: (\d+) "
                                       r"ticket\(s\).*-> HTTP 200", out, re.M)]
    before = len(re.findall(r"^\[broadcaster\] segment \d+/\d+: \d+ ticket\(s\).*-> HTTP 200",
                            out[:fo], re.M)) if fo > 0 else 0
    check(len(answered) == segments, "%d segments answered, want %d"
          % (len(answered), segments))
    check(before == segments // 2, "node 1 served %d segments, want %d (--pause-after)"
          % (before, segments // 2))

    # The database's distinct tickets against the broadcaster's count.
    unanswered = int(f["unanswered_committed"])
    check(int(f["distinct"]) == sum(sent) + unanswered,
          "the database holds %s distinct tickets; the broadcaster was answered for %d "
          "and node 1 committed %d unanswered" % (f["distinct"], sum(sent), unanswered))

    # Node 2's books: the replay refused (one request), one fee per segment.
    ev = Fraction(s["ev"])
    check(s["refused"] == "0" and s["requests_refused"] == "1",
          "node 2 refused %s payments, %s requests (want 0, 1: the replay)"
          % (s["refused"], s["requests_refused"]))
    check("replayed the last request -> HTTP 403 request refused: stale_seq" in out,
          "node 1's request replayed to node 2 was not refused as a stale seq")
    check(Fraction(s["credited"]) == int(s["accepted"]) * ev, "node 2: credited != accepted x EV")
    check(Fraction(s["debited"]) == (segments - before) * FEE,
          "node 2 debited %s, %d segments x fee" % (s["debited"], segments - before))
    n1 = [fields(x) for x in re.findall(r"^\[node 1\] LEDGER (.*)$", out, re.M)]
    check(n1 and Fraction(n1[-1]["debited"]) in (before * FEE, (before + 1) * FEE),
          "node 1 debited %s for %d segments" % (n1[-1]["debited"] if n1 else "?", before))

    # The broadcaster's books: every segment receipted; only the unanswered
    # payment's tickets are still open.
    lost = sum(int(b2) - int(a) + 1 for a, b2 in re.findall(
        r"NO ANSWER from \S+ for \d+ ticket\(s\) \(nonces (\d+)-(\d+)", out))
    check(int(b["receipts"]) == segments and b["refused"] == "0" and b["missing"] == "0",
          "books: %s" % books.group(1))
    check(int(b["outstanding"]) == lost, "books: %s outstanding, %d unanswered"
          % (b["outstanding"], lost))

    # The chain: exactly the database's winners, redeemed by node 2 alone.
    check(int(cc.group(1)) == int(f["winners"]) == int(cc.group(2)),
          "chain check saw %s winners (%s used), the database held %s"
          % (cc.group(1), cc.group(2), f["winners"]))
    check(int(f["winners"]) > 0, "no winner: nothing was redeemed")
    check(re.search(r"^\[node 2\] REDEEM_TX 0x[0-9a-f]{64}$", out, re.M) is not None
          and "[node 1] REDEEM_TX" not in out, "the redemption was not node 2's alone")
    # The redeemer lease moved: node 1 led first, node 2 took over with a
    # newer fencing token (a new tenure) and left nothing open.
    t1 = re.findall(r"^\[node 1\] \[transcoder\] redeemer lease: leading \(token (\d+)\)",
                    out, re.M)
    t2 = re.findall(r"^\[node 2\] \[transcoder\] redeemer lease: leading \(token (\d+)\)",
                    out, re.M)
    check(t1 and t2 and int(t2[-1]) > int(t1[-1]),
          "the lease did not move from node 1 to node 2 (tokens %s, %s)" % (t1, t2))
    check(re.search(r"^\[node 2\] \[transcoder\] fleet redeemer: \d+ tenure\(s\) here, .*"
                    r"; 0 winner\(s\) left open$", out, re.M) is not None,
          "node 2's fleet redeemer left winners open")
    print("fleet: node 1 found %s winner(s) before it died; node 2 redeemed them"
          % f["node1_winners"])
    return report(problems)


def report(problems):
    for msg in problems:
        print("FAIL: " + msg)
    print("demo e2e fleet: %s" % ("FAILED" if problems else "OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

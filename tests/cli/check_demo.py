# SPDX-License-Identifier: MIT
"""End-to-end test of the HTTP demo (CTest label `e2e`).

Runs examples/run-demo.sh with a few segments and checks the transcoder's
summary: winners found == winners stored (also counted independently with
`ticketctl store-list` on the store file), credited EV == accepted tickets x
EV (exact fractions), balance == credited - debited, every ticket accepted
but those of the replayed request, the replay refused and debiting nothing,
and the redemption calldata has the length its ticket count implies.

usage: check_demo.py RUN_DEMO_SH BUILD_DIR TICKETCTL WORK_DIR [SEGMENTS]
"""

import json
import os
import re
import subprocess
import sys
from fractions import Fraction


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    script, build, ticketctl, work = sys.argv[1:5]
    segments = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    env = dict(os.environ, DEMO_WORKDIR=work)
    p = subprocess.run(["bash", script, build, str(segments)], env=env,
                       capture_output=True, text=True, timeout=240)
    out = p.stdout + p.stderr
    print(out)
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    check(p.returncode == 0, "run-demo.sh exited %d" % p.returncode)
    m = re.search(r"^SUMMARY (.*)$", out, re.M)
    check(m is not None, "no SUMMARY line")
    if m:
        f = dict(kv.split("=", 1) for kv in m.group(1).split())
        ev = Fraction(f["ev"])
        credited, debited = Fraction(f["credited"]), Fraction(f["debited"])
        accepted, tickets = int(f["accepted"]), int(f["tickets"])
        found, stored = int(f["winners_found"]), int(f["winners_stored"])
        # segments + 1: the replayed request reaches the handler too.
        check(int(f["segments"]) == segments + 1, "segments %s" % f["segments"])
        check(int(f["refused"]) == 0, "refused payments")
        # The broadcaster's --replay re-sent its last request: refused, and
        # it debited nothing (one fee per served segment).
        check(int(f["requests_refused"]) == 1,
              "requests_refused %s, want 1 (the replay)" % f["requests_refused"])
        check("replayed the last request -> HTTP 403" in out, "replay not refused")
        replayed = int(f["replayed"])
        check(tickets > 0 and accepted + replayed == tickets,
              "accepted %d + replayed %d of %d tickets" % (accepted, replayed, tickets))
        check(found == stored, "winners found %d != stored %d" % (found, stored))
        check(credited == accepted * ev,
              "credited %s != %d x EV %s" % (credited, accepted, ev))
        check(Fraction(f["balance"]) == credited - debited, "balance")
        check(debited > 0 and credited >= debited, "fees not covered")
        fee = Fraction(12000000 * 55296000)  # demo_common.h: price x pixels
        check(debited == segments * fee,
              "debited %s != %d segments x fee %s" % (debited, segments, fee))

        # The store file, read by another program.
        q = subprocess.run([ticketctl, "store-list"],
                           input=json.dumps({"store": os.path.join(work, "winners.db")}),
                           capture_output=True, text=True)
        check(q.returncode == 0, "store-list failed: %s" % q.stdout)
        if q.returncode == 0:
            ws = json.loads(q.stdout)["winners"]
            check(len(ws) == stored, "store-list has %d winners, summary %d"
                  % (len(ws), stored))
            check(all(w["state"] == "new" for w in ws), "winner states")
            check(len({w["ticket_hash"] for w in ws}) == len(ws),
                  "duplicate winners")

        # Calldata: 548 bytes for one winner, 196 + 544 per ticket for more.
        c = re.search(r"^redemption calldata \((\w+), (\d+) ticket\(s\), "
                      r"(\d+) bytes.*\n(0x[0-9a-f]+)$", out, re.M)
        if stored == 0:
            check("redemption calldata: none" in out, "calldata line")
        else:
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
    for msg in problems:
        print("FAIL: " + msg)
    print("demo e2e: %s" % ("FAILED" if problems else "OK"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

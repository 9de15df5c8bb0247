# SPDX-License-Identifier: MIT
"""The fleet demo's books against its database (run-demo-fleet.sh, after
the broadcaster finished, before the chain moves on). Not part of the
library.

    demo_fleet_check.py WORK

WORK holds node1.log, node2.log (the transcoders' output, each line
prefixed "[node k] ") and broadcaster.log. The database is read with psql
(TK_PG_BIN, TK_PG_CONNINFO: set by tools/pg/tkpg.py run). Checks:

- the failover happened: node 1 served segments, then the broadcaster got
  no answer from it and went on with node 2;
- every nonce in tk_seen_nonces is one ticket the fleet accepted, exactly
  once: the tickets the nodes report accepted (each node's last LEDGER
  line), plus those of a payment node 1 committed but died before it
  logged it (its nonces, named by the broadcaster's NO ANSWER line, are in
  the database all or none: one transaction; a LEDGER line names the
  payment it counted), equal the rows;
- the credit: each node credited exactly accepted x EV, so the fleet
  credited the EV of the distinct tickets, no ticket twice;
- the winners: the database holds exactly the winners the nodes report
  plus those of the committed unanswered payment;
- the replay: the last request node 1 served, sent again to node 2, was
  refused by the shared request seqs (stale_seq, HTTP 403).

Prints FLEET_CHECK ... OK|FAILED; exit status 0 when every check holds.
"""

import os
import re
import subprocess
import sys
from fractions import Fraction


def psql(sql):
    exe = os.path.join(os.environ.get("TK_PG_BIN", ""), "psql")
    p = subprocess.run([exe, "-XAtq", "-d", os.environ["TK_PG_CONNINFO"], "-c", sql],
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError("psql: " + p.stderr.strip())
    return int(p.stdout.strip())


def psql_rows(sql):
    exe = os.path.join(os.environ.get("TK_PG_BIN", ""), "psql")
    return subprocess.run([exe, "-XAtq", "-d", os.environ["TK_PG_CONNINFO"], "-c", sql],
                          capture_output=True, text=True, check=False).stdout


def last_ledger(log, k):
    """The node's last LEDGER line as a dict ({} if none)."""
    rows = re.findall(r"^\[node %d\] LEDGER (.*)$" % k, log, re.M)
    return dict(kv.split("=", 1) for kv in rows[-1].split()) if rows else {}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    work = argv[1]
    logs = {}
    for name in ("node1", "node2", "broadcaster"):
        with open(os.path.join(work, name + ".log"), encoding="utf-8") as f:
            logs[name] = f.read()
    bc = logs["broadcaster"]
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)

    n1, n2 = last_ledger(logs["node1"], 1), last_ledger(logs["node2"], 2)
    check(n1 and int(n1["accepted"]) > 0, "node 1 accepted no ticket before it died")
    check(n2 and int(n2["accepted"]) > 0, "node 2 accepted no ticket after the failover")
    check("is gone: failing over to" in bc, "the broadcaster did not fail over")
    if problems:
        return report(problems, {})

    accepted = int(n1["accepted"]) + int(n2["accepted"])
    winners = int(n1["winners"]) + int(n2["winners"])
    credited = Fraction(n1["credited"]) + Fraction(n2["credited"])
    for k, n in ((1, n1), (2, n2)):
        check(Fraction(n["credited"]) == int(n["accepted"]) * Fraction(n["ev"]),
              "node %d credited %s, %s tickets x EV %s" % (k, n["credited"],
                                                          n["accepted"], n["ev"]))

    # A payment without an answer: node 1 died before, while or after
    # committing it. All its nonces are in the database, or none.
    lost = committed = 0
    for first, last, rh in re.findall(
            r"NO ANSWER from \S+ for \d+ ticket\(s\) \(nonces (\d+)-(\d+) of "
            r"recipientRandHash 0x([0-9a-f]{64})\)", bc):
        n = int(last) - int(first) + 1
        where = ("rand_hash = '\\x%s' AND nonce BETWEEN %s AND %s" % (rh, first, last))
        seen = psql("SELECT count(*) FROM tk_seen_nonces WHERE " + where)
        check(seen in (0, n), "an unanswered payment is half in the database "
              "(%d of %d nonces)" % (seen, n))
        committed += n if seen == n else 0
        if seen == n and n1.get("payment") == "0x%s:%s-%s" % (rh, first, last):
            print("fleet check: node 1 committed and counted a payment of %d ticket(s), "
                  "then died before answering" % n)
        elif seen == n:
            lost += n
            winners += psql("SELECT count(*) FROM tk_winners WHERE recipient_rand_hash = "
                            "'\\x%s' AND sender_nonce BETWEEN %s AND %s" % (rh, first, last))
            credited += n * Fraction(n1["ev"])
            print("fleet check: node 1 committed a payment of %d ticket(s) before it "
                  "died; its credit died with it, its winners are in the database" % n)

    distinct = psql("SELECT count(*) FROM tk_seen_nonces")
    stored = psql("SELECT count(*) FROM tk_winners")
    check(accepted + lost == distinct,
          "the nodes accepted %d ticket(s) (+%d unanswered), the database holds %d "
          "distinct nonces" % (accepted, lost, distinct))
    if n1["ev"] == n2["ev"]:
        check(credited == distinct * Fraction(n1["ev"]),
              "the fleet credited %s, %d distinct tickets x EV %s"
              % (credited, distinct, n1["ev"]))
    check(stored == winners, "the database holds %d winners, the nodes found %d"
          % (stored, winners))
    if stored != winners:
        print(psql_rows("SELECT encode(recipient_rand_hash, 'hex'), sender_nonce, state "
                        "FROM tk_winners ORDER BY 1, 2"))

    check(re.search(r"replaying the last request \S+ served to \S+", bc) is not None,
          "no replay of node 1's request to node 2")
    check("replayed the last request -> HTTP 403 request refused: stale_seq" in bc,
          "node 2 did not refuse node 1's request as a stale seq")
    return report(problems, {"accepted": accepted, "unlogged": lost,
                             "unanswered_committed": committed,
                             "distinct": distinct, "winners": stored,
                             "node1_winners": n1["winners"]})


def report(problems, facts):
    for msg in problems:
        print("fleet check: FAIL: " + msg)
    print("FLEET_CHECK %s %s" % (" ".join("%s=%s" % kv for kv in facts.items()),
                                 "OK" if not problems else "FAILED"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

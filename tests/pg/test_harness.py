# SPDX-License-Identifier: MIT
"""tools/pg/tkpg.py itself: the command's exit status comes back, and the
server is stopped and its directory removed however the run ends (the
command exits, SIGTERM to the harness) -- and when the harness is SIGKILLed
the server still dies (parent-death signal). The control socket stops and
starts the server. Exits 77 when PostgreSQL is missing (unless
TK_REQUIRE_PG=1, via tkpg.py)."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TKPG = os.path.join(HERE, "..", "..", "tools", "pg", "tkpg.py")
sys.path.insert(0, os.path.dirname(TKPG))
import tkpg  # noqa: E402

FAILS = []


def check(what, cond):
    print("%s: %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        FAILS.append(what)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def gone_within(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def start_run(work, script):
    """tkpg.py run -- sh -c SCRIPT, with the conninfo written to work/ci;
    returns (process, socket dir, postmaster pid) once the server is up."""
    ci = os.path.join(work, "ci")
    if os.path.exists(ci):
        os.remove(ci)
    p = subprocess.Popen([sys.executable, TKPG, "run", "--", "sh", "-c",
                          'echo "$TK_PG_CONNINFO" > %s; %s' % (ci, script)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and p.poll() is None:
        if os.path.exists(ci) and os.path.getsize(ci) > 0:
            break
        time.sleep(0.05)
    with open(ci) as f:
        host = f.read().split()[0][len("host="):]
    with open(os.path.join(host, "data", "postmaster.pid")) as f:
        pid = int(f.readline())
    return p, host, pid


def main():
    if tkpg.pg_bin() is None:
        tkpg.tool_missing("PostgreSQL (initdb, postgres)")
    work = tempfile.mkdtemp(prefix="tk-pgh-")

    # 1. The command's exit status; cleanup after it exits.
    p, host, pid = start_run(work, "sleep 0.5; exit 3")
    check("run returns the command's status", p.wait(timeout=120) == 3)
    check("server stopped after the command", gone_within(pid, 10))
    check("directory removed after the command", not os.path.exists(host))

    # 2. SIGTERM to the harness.
    p, host, pid = start_run(work, "sleep 60")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    check("server stopped on SIGTERM", gone_within(pid, 10))
    check("directory removed on SIGTERM", not os.path.exists(host))

    # 3. SIGKILL to the harness: the server dies with it.
    p, host, pid = start_run(work, "sleep 60")
    p.kill()
    p.wait()
    check("server killed with the harness", gone_within(pid, 10))
    subprocess.call(["rm", "-rf", host])

    # 4. The control socket, through the library.
    with tkpg.Cluster() as c:
        ctl = tkpg.Control(c, os.path.join(c.dir, "control"))
        pid = c.proc.pid

        def send(cmd):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(ctl.path)
            s.sendall(cmd.encode() + b"\n")
            r = s.makefile("r").readline().strip()
            s.close()
            return r

        ready = [os.path.join(c.bin, "pg_isready"), "-q", "-h", c.dir,
                 "-p", str(tkpg.PORT)]
        check("control stop", send("stop") == "ok" and gone_within(pid, 10))
        check("server down after stop", subprocess.call(ready) != 0)
        check("control start", send("start") == "ok")
        check("server up after start", subprocess.call(ready) == 0)
        check("unknown command refused", send("drop").startswith("error"))
        ctl.close()
    subprocess.call(["rm", "-rf", work])
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: MIT
"""The anvil harness itself (CTest label `anvil`): the node is stopped on
every exit path -- normal return, exception, SIGTERM, and SIGKILL of the
process that drives it -- a taken port is retried, it listens on 127.0.0.1
only, and `tkchain.py run` passes the deployment and its command's status.

usage: test_harness.py        Python 3 standard library only.
"""

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TKCHAIN = os.path.join(REPO, "tools", "chain", "tkchain.py")
sys.path.insert(0, os.path.dirname(TKCHAIN))
import tkchain  # noqa: E402
from checks import check, run_tests  # noqa: E402


def answers(url):
    try:
        tkchain.Rpc(url, timeout=2)("eth_chainId")
        return True
    except OSError:
        return False


def gone_within(url, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not answers(url):
            return True
        time.sleep(0.05)
    return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_with_block_and_exception():
    with tkchain.Anvil() as node:
        url, pid = node.url, node.proc.pid
        check(url.startswith("http://127.0.0.1:"), "listens on 127.0.0.1")
        check(answers(url), "answers while running")
        check(len(node.keys) == len(node.addresses) == 10, "10 dev accounts")
    check(not pid_alive(pid) and not answers(url), "stopped after the block")
    try:
        with tkchain.Anvil() as node:
            url, pid = node.url, node.proc.pid
            raise KeyError("boom")
    except KeyError:
        pass
    check(not pid_alive(pid) and not answers(url),
          "stopped after an exception")


class _FakeNode(http.server.BaseHTTPRequestHandler):
    """Answers every JSON-RPC call like a node would: an impostor."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x7a69"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_port_taken():
    """The first port offered is held by another process that answers
    JSON-RPC: the harness must not take it for its node; anvil fails to
    bind, and starts again on another port."""
    fake = http.server.HTTPServer(("127.0.0.1", 0), _FakeNode)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    taken = fake.server_address[1]
    check(answers("http://127.0.0.1:%d" % taken), "the impostor answers")
    ports = iter([taken])
    real = tkchain.free_port
    tkchain.free_port = lambda: next(ports, None) or real()
    try:
        with tkchain.Anvil() as node:
            check(not node.url.endswith(":%d" % taken), "moved off the taken port")
            check(node.rpc("anvil_nodeInfo") is not None, "a real anvil answers")
    finally:
        tkchain.free_port = real
        fake.shutdown()
        fake.server_close()


def run_driver(cmd_tail):
    """`tkchain.py run -- sh -c ...` in its own process group; returns the
    process and the TK_ANVIL_URL its command printed."""
    p = subprocess.Popen([sys.executable, TKCHAIN, "run", "--", "sh", "-c",
                          cmd_tail], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, start_new_session=True)
    url = p.stdout.readline().decode().strip()
    check(url.startswith("http://127.0.0.1:"), "driver printed %r" % url)
    check(answers(url), "node answers under the driver")
    return p, url


def test_driver_killed():
    for sig in (signal.SIGTERM, signal.SIGKILL):
        p, url = run_driver('echo "$TK_ANVIL_URL"; exec sleep 60')
        try:
            p.send_signal(sig)
            p.wait(timeout=20)
            check(gone_within(url), "anvil gone after %s of the driver"
                  % signal.Signals(sig).name)
        finally:
            try:  # the orphaned `sleep` (SIGKILL leaves it behind)
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            p.stdin.close()
            p.stdout.close()


def test_run_passes_status_and_env():
    script = ('for v in TK_CONTROLLER TK_TICKET_BROKER TK_ROUNDS_MANAGER '
              'TK_BONDING_MANAGER TK_DEV_KEYS TK_DEV_ACCOUNTS TK_CHAIN_ID; do '
              'eval "test -n \\"\\$$v\\"" || exit 9; done; '
              'echo "$TK_ANVIL_URL"; read line; exit 3')
    p, url = run_driver(script)
    p.stdin.write(b"go\n")  # the node answered: let the command end
    p.stdin.close()
    rc = p.wait(timeout=30)
    p.stdout.close()
    check(rc == 3, "run exits with its command's status (got %d)" % rc)
    check(gone_within(url), "anvil gone after run")


TESTS = [test_with_block_and_exception, test_port_taken, test_driver_killed,
         test_run_passes_status_and_env]


def main():
    if not os.access(tkchain.anvil_path(), os.X_OK):
        tkchain.tool_missing("anvil (%s)" % tkchain.anvil_path())
    return run_tests(TESTS)


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: MIT
"""What the test harnesses share (tools/chain/tkchain.py: anvil,
tools/pg/tkpg.py: PostgreSQL): a server is a child process that is ALWAYS
stopped - on return, on an exception, at exit, on SIGTERM/SIGINT/SIGHUP,
and, through the kernel's parent-death signal, even when the process
driving it is killed -, a missing tool is "skipped" (exit 77) unless the
harness's TK_REQUIRE_* variable makes it a failure, and `run -- CMD`
runs a command with the server's coordinates in its environment.

Python 3 standard library only. Each harness keeps its own command line
and environment variables; this module has none.
"""

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile

SKIP = 77  # CTest's SKIP_RETURN_CODE

_PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In a child, before exec (as preexec_fn; after any switch of user,
    which would clear it): SIGKILL when the parent dies, even by SIGKILL,
    so that no test path can leave a server running."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def free_port():
    """A port the kernel just handed out on 127.0.0.1. Another process can
    still take it before the server binds it: the caller retries then."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def tool_missing(what, require_var, hint):
    """Exit: skipped (77), or failed when the environment variable
    require_var is "1" (tools/setup.sh test sets it)."""
    if os.environ.get(require_var) == "1":
        print("FAIL: %s is missing (%s)" % (what, hint), file=sys.stderr)
        sys.exit(1)
    print("SKIP: %s is missing (%s)" % (what, hint))
    sys.exit(SKIP)


def temp_dir(prefix, socket_parent=False):
    """A new private directory. socket_parent: short enough that a Unix
    socket inside it fits sun_path (107 bytes) whatever TMPDIR is."""
    base = None
    if socket_parent:
        base = os.environ.get("TMPDIR", "/tmp")
        if len(base) > 60:
            base = "/tmp"
    return tempfile.mkdtemp(prefix=prefix, dir=base)


def log_tail(path, n):
    """The last n bytes of a log file as text ("?" when unreadable)."""
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode(errors="replace")
    except OSError:
        return "?"


_LIVE = {}  # id -> stop callable of every running server


def track(obj, stop):
    """Call stop() at exit or on a signal unless untrack(obj) came first."""
    _LIVE[id(obj)] = stop


def untrack(obj):
    _LIVE.pop(id(obj), None)


def stop_all(*_):
    for stop in list(_LIVE.values()):
        stop()


def _on_signal(signum, _frame):
    stop_all()
    sys.exit(128 + signum)


atexit.register(stop_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def run_args(argv, usage):
    """The CMD ARGS of `run -- CMD ARGS...`, or None (usage printed on
    stderr): check it before starting a server."""
    if len(argv) < 2 or argv[0] != "--":
        print("usage: " + usage, file=sys.stderr)
        return None
    return argv[1:]


def call_with_env(cmd, env):
    """Run cmd with env (a dict of variables) added to ours; its status."""
    return subprocess.call(cmd, env=dict(os.environ, **env))


def main(argv, cmds, doc):
    """Dispatch argv[1] to cmds[name](argv[2:]); the doc and 2 otherwise."""
    if len(argv) < 2 or argv[1] not in cmds:
        print(doc, file=sys.stderr)
        return 2
    return cmds[argv[1]](argv[2:])

# SPDX-License-Identifier: MIT
"""The PostgreSQL test harness: a throw-away cluster for tests and the demo.

Creates a cluster with initdb in a new temporary directory (as the
`postgres` system user when run as root: initdb and the server refuse
root), starts the server on a Unix socket in that directory only
(listen_addresses='', so nothing listens on the network; fsync on),
creates the database `ticket`, and ALWAYS stops the server and removes the
directory: on return, on an exception, on SIGTERM/SIGINT/SIGHUP, and --
through the kernel's parent-death signal -- even when the process driving
it is killed (the server is our direct child).

As a library (Python 3 standard library only):

    with Cluster() as pg:
        pg.conninfo            # "host=/tmp/tk-pg-... port=5432 user=tk dbname=ticket"
        pg.stop()              # fast shutdown (clients lose their connections)
        pg.start()             # the same cluster again

From the command line:

    python3 tools/pg/tkpg.py run -- CMD ARGS...
        start a cluster, run CMD with TK_PG_CONNINFO (libpq keyword/value
        string), TK_PG_BIN (the PostgreSQL programs) and TK_PG_CONTROL (a
        Unix socket: connect, send "stop\\n" or "start\\n", read "ok\\n" or
        "error ...\\n"; lets a test stop the server mid-run and start it
        again) in its environment; stop and remove the cluster; exit with
        CMD's status.

When PostgreSQL is missing, run exits 77 (CTest's "skipped") unless
TK_REQUIRE_PG=1 (set by tools/setup.sh test), where it is a failure.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "harness"))
import tkharness  # noqa: E402
from tkharness import SKIP  # noqa: E402,F401

PORT = 5432  # only names the socket file, in our own directory
USER = "tk"
DATABASE = "ticket"


def pg_bin():
    """The directory holding initdb/postgres, or None."""
    cands = [os.environ.get("TK_PG_BIN", "")]
    cands += sorted((os.path.join("/usr/lib/postgresql", v, "bin")
                     for v in (os.listdir("/usr/lib/postgresql")
                               if os.path.isdir("/usr/lib/postgresql") else [])),
                    reverse=True)
    for d in cands:
        if d and os.access(os.path.join(d, "initdb"), os.X_OK) and \
           os.access(os.path.join(d, "postgres"), os.X_OK):
            return d
    return None


def tool_missing(what):
    """Exit: skipped (77), or failed when TK_REQUIRE_PG=1."""
    tkharness.tool_missing(what, "TK_REQUIRE_PG",
                           "run: bash tools/setup.sh test (installs postgresql-15)")


class Cluster:
    """A private PostgreSQL cluster on a Unix socket; removed by close(),
    by leaving the with-block, at exit, on a signal, or when we die."""

    def __init__(self, ready_s=60):
        self.bin = pg_bin()
        self.ready_s = ready_s
        self.dir = self.data = self.proc = None
        self.conninfo = None
        self._user = None  # (uid, gid) to run the server as, or None

    def __enter__(self):
        self.create()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _as_server_user(self):
        if self._user is None:
            return {}
        uid, gid = self._user
        return {"user": uid, "group": gid, "extra_groups": []}

    def _run(self, args, **kw):
        log = os.path.join(self.dir, "setup.log")
        with open(log, "ab") as f:
            rc = subprocess.call(args, stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=subprocess.STDOUT, cwd=self.dir,
                                 preexec_fn=tkharness.die_with_parent,
                                 **self._as_server_user(), **kw)
        if rc != 0:
            raise RuntimeError("%s failed (%d): %s"
                               % (os.path.basename(args[0]), rc,
                                  tkharness.log_tail(log, 600)))

    def create(self):
        if self.bin is None:
            tool_missing("PostgreSQL (initdb, postgres)")
        # The server's socket and TK_PG_CONTROL live in it.
        self.dir = tkharness.temp_dir("tk-pg-", socket_parent=True)
        tkharness.track(self, self.close)
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                tool_missing("the postgres system user")
            self._user = (pw.pw_uid, pw.pw_gid)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = os.path.join(self.dir, "data")
        # --no-sync: initdb's own final flush only; the server runs with
        # fsync=on. trust: only the owner can reach the socket (mode 0700).
        self._run([os.path.join(self.bin, "initdb"), "-D", self.data,
                   "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale",
                   "--no-sync"])
        self.conninfo = "host=%s port=%d user=%s dbname=%s" % (
            self.dir, PORT, USER, DATABASE)
        self.start()
        self._run([os.path.join(self.bin, "createdb"), "-h", self.dir,
                   "-p", str(PORT), "-U", USER, DATABASE])
        return self

    def start(self):
        if self.proc is not None:
            return
        log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [os.path.join(self.bin, "postgres"), "-D", self.data,
             "-k", self.dir, "-p", str(PORT),
             "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700",
             "-c", "fsync=on", "-c", "synchronous_commit=on",
             "-c", "shared_buffers=16MB", "-c", "max_connections=64",
             "-c", "logging_collector=off"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            cwd=self.dir, preexec_fn=tkharness.die_with_parent,
            **self._as_server_user())
        log.close()
        deadline = time.monotonic() + self.ready_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if subprocess.call([os.path.join(self.bin, "pg_isready"), "-q",
                                "-h", self.dir, "-p", str(PORT)]) == 0:
                return
            time.sleep(0.05)
        tail = tkharness.log_tail(os.path.join(self.dir, "server.log"), 600)
        self.stop()
        raise RuntimeError("postgres did not start: " + tail)

    def stop(self):
        """Fast shutdown: roll back open transactions, close every client
        connection, checkpoint. Waits for the server to exit."""
        p, self.proc = self.proc, None
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGINT)  # postgres: SIGINT = fast shutdown
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGQUIT)  # immediate shutdown
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self):
        self.stop()
        tkharness.untrack(self)
        d, self.dir = self.dir, None
        if d is not None:
            shutil.rmtree(d, ignore_errors=True)


class Control:
    """The TK_PG_CONTROL socket: one command per connection."""

    def __init__(self, cluster, path):
        self.cluster, self.path = cluster, path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        self.sock.listen(4)
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    cmd = conn.makefile("r").readline().strip()
                    with self.lock:
                        if cmd == "stop":
                            self.cluster.stop()
                        elif cmd == "start":
                            self.cluster.start()
                        else:
                            raise ValueError("unknown command %r" % cmd)
                    conn.sendall(b"ok\n")
                except Exception as e:  # report, keep serving
                    try:
                        conn.sendall(("error %s\n" % e).encode())
                    except OSError:
                        pass

    def close(self):
        self.sock.close()


def cmd_run(argv):
    cmd = tkharness.run_args(argv, "tkpg.py run -- CMD ARGS...")
    if cmd is None:
        return 2
    with Cluster() as pg:
        # In the cluster's directory: removed with it on every exit path.
        ctl = Control(pg, os.path.join(pg.dir, "control"))
        try:
            return tkharness.call_with_env(cmd, {
                "TK_PG_CONNINFO": pg.conninfo, "TK_PG_BIN": pg.bin,
                "TK_PG_CONTROL": ctl.path})
        finally:
            ctl.close()


def main(argv):
    return tkharness.main(argv, {"run": cmd_run}, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

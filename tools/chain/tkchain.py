# SPDX-License-Identifier: MIT
"""The anvil test harness: a real Ethereum node for tests and the demo.

Starts anvil (the pinned npm binary in tools/chain/node_modules) on
127.0.0.1 on a free port, waits until it answers, deploys the test
contracts of tests/contracts (committed artifacts) with anvil's unlocked dev
accounts, registers them in the Controller, and ALWAYS stops the node: on
return, on an exception, on SIGTERM/SIGINT/SIGHUP, and -- through the
kernel's parent-death signal -- even when the process driving it is killed.

As a library (Python 3 standard library only):

    with Anvil() as node:
        chain = deploy(node)          # Chain: rpc, accounts, keys, contracts
        chain.broker.send("fundDeposit", sender=chain.accounts[1], value=10**18)

From the command line:

    python3 tools/chain/tkchain.py run -- CMD ARGS...
        start anvil, deploy, run CMD with TK_ANVIL_URL, TK_CHAIN_ID,
        TK_CONTROLLER, TK_TICKET_BROKER, TK_ROUNDS_MANAGER, TK_BONDING_MANAGER,
        TK_DEV_ACCOUNTS and TK_DEV_KEYS (comma-separated) in its environment,
        stop anvil, exit with CMD's status
    python3 tools/chain/tkchain.py check-artifacts [VECTORS_DIR]
        compile the contracts afresh (pinned solc-js) and compare with the
        committed artifacts byte for byte; check the selectors against
        redeem_calldata.json

When anvil or node is missing the commands exit 77 (CTest's "skipped")
unless TK_REQUIRE_CHAIN=1 (set by tools/setup.sh test), where it is a
failure.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ARTIFACTS = os.path.join(REPO, "tests", "contracts", "artifacts")
sys.path.insert(0, os.path.join(REPO, "tools", "harness"))
import tkharness  # noqa: E402
# Module names kept for the tests and scripts that use them (a test swaps
# free_port: Anvil.start looks it up here).
from tkharness import SKIP, free_port  # noqa: E402,F401

# ---- tools ------------------------------------------------------------------

def anvil_path():
    return os.environ.get("TK_ANVIL") or os.path.join(
        HERE, "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil")


def node_path():
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "node")
        if os.access(p, os.X_OK):
            return p
    return None


def tool_missing(what):
    """Exit: skipped (77), or failed when TK_REQUIRE_CHAIN=1."""
    tkharness.tool_missing(what, "TK_REQUIRE_CHAIN",
                           "run: bash tools/setup.sh test (or npm ci in tools/chain)")


# ---- JSON-RPC ---------------------------------------------------------------

class RpcError(Exception):
    def __init__(self, code, message, data=None):
        Exception.__init__(self, "%s (%s)" % (message, code))
        self.code, self.message, self.data = code, message, data

    def revert_reason(self):
        """The Error(string) reason of a revert, or None."""
        data = self.data
        if isinstance(data, dict):
            data = data.get("data")
        if not isinstance(data, str) or not data.startswith("0x08c379a0"):
            return None
        raw = bytes.fromhex(data[10:])
        n = int.from_bytes(raw[32:64], "big")
        return raw[64:64 + n].decode(errors="replace")


class Rpc:
    def __init__(self, url, timeout=30):
        self.url, self.timeout, self._id = url, timeout, 0

    def __call__(self, method, *params):
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method,
                           "params": list(params)}).encode()
        req = urllib.request.Request(self.url, body,
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            resp = json.loads(r.read())
        if "error" in resp:
            e = resp["error"]
            raise RpcError(e.get("code"), e.get("message"), e.get("data"))
        return resp["result"]


# ---- the node -----------------------------------------------------------------

def _listens(pid, port):
    """Whether process pid holds a socket listening on 127.0.0.1:port
    (Linux: /proc/net/tcp gives the socket's inode, /proc/pid/fd its owner)."""
    want = "0100007F:%04X" % port
    inodes = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and cols[3] == "0A":  # 0A: LISTEN
                inodes.add("socket:[%s]" % cols[9])
    if not inodes:
        return False
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            if os.readlink(os.path.join(fd_dir, fd)) in inodes:
                return True
        except OSError:
            pass
    return False


class Anvil:
    """anvil on 127.0.0.1, a free port, automining; stopped by stop(),
    by leaving the with-block, at exit, on a signal, or when we die."""

    def __init__(self, extra_args=(), accounts=10, attempts=5, ready_s=30):
        self.extra_args, self.accounts = list(extra_args), accounts
        self.attempts, self.ready_s = attempts, ready_s
        self.proc = self.url = self.rpc = None
        self.keys, self.addresses = [], []
        self._dir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        exe = anvil_path()
        if not os.access(exe, os.X_OK):
            tool_missing("anvil (%s)" % exe)
        self._dir = tkharness.temp_dir("tk-anvil-")
        last = "?"
        for _ in range(self.attempts):
            port = free_port()
            conf = os.path.join(self._dir, "config.json")
            log = open(os.path.join(self._dir, "anvil.log"), "wb")
            self.proc = subprocess.Popen(
                [exe, "--host", "127.0.0.1", "--port", str(port),
                 "--accounts", str(self.accounts), "--config-out", conf]
                + self.extra_args,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=tkharness.die_with_parent)
            log.close()
            tkharness.track(self, self.stop)
            self.url = "http://127.0.0.1:%d" % port
            self.rpc = Rpc(self.url)
            if self._wait_ready(conf, port):
                return self
            last = tkharness.log_tail(os.path.join(self._dir, "anvil.log"), 400)
            self._stop_node()  # port taken (or another start failure): again
        self.stop()
        raise RuntimeError("anvil did not start after %d attempts: %s"
                           % (self.attempts, last))

    def _wait_ready(self, conf, port):
        """Until our anvil answers on the port. Another process may hold
        the port (our anvil then fails to bind and exits) and even answer
        JSON-RPC: a node is trusted only once the listening socket belongs
        to our process and our anvil has written its --config-out."""
        probe = Rpc(self.url, timeout=1)
        deadline = time.monotonic() + self.ready_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if not _listens(self.proc.pid, port):
                    raise OSError("not listening yet")
                self.chain_id = int(probe("eth_chainId"), 16)
                with open(conf) as f:
                    c = json.load(f)
                self.keys = list(c["private_keys"])
                self.addresses = [a.lower() for a in c["available_accounts"]]
                return True
            except (OSError, ValueError, KeyError, RpcError):
                time.sleep(0.05)
        return False

    def stop(self):
        """Stop the node and remove its directory (config, log)."""
        self._stop_node()
        d, self._dir = self._dir, None
        if d is not None:
            shutil.rmtree(d, ignore_errors=True)

    def _stop_node(self):
        p, self.proc = self.proc, None
        tkharness.untrack(self)
        if p is None:
            return
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# ---- ABI (the static types the harness needs) --------------------------------

def _word(typ, v):
    if typ == "address":
        return bytes(12) + bytes.fromhex(v[2:])
    if typ == "bool":
        return int(bool(v)).to_bytes(32, "big")
    if typ.startswith("uint"):
        return int(v).to_bytes(32, "big")
    if typ.startswith("bytes") and typ != "bytes":  # bytesN: left-aligned
        raw = bytes.fromhex(v[2:]) if isinstance(v, str) else bytes(v)
        return raw.ljust(32, b"\0")
    raise ValueError("unsupported ABI type " + typ)


def _unword(typ, w):
    if typ == "address":
        return "0x" + w[12:].hex()
    if typ == "bool":
        return w != bytes(32)
    if typ.startswith("uint"):
        return int.from_bytes(w, "big")
    if typ.startswith("bytes") and typ != "bytes":
        return "0x" + w[:int(typ[5:])].hex()
    raise ValueError("unsupported ABI type " + typ)


def _flat_types(params):
    """Static types of an ABI parameter list, tuples flattened in order."""
    out = []
    for p in params:
        if p["type"] == "tuple":
            out += _flat_types(p["components"])
        else:
            out.append(p["type"])
    return out


class Contract:
    def __init__(self, chain, name, address):
        self.chain, self.name, self.address = chain, name, address
        with open(os.path.join(ARTIFACTS, name + ".json")) as f:
            self.artifact = json.load(f)
        self.selectors = {sig.split("(")[0]: (sig, sel) for sig, sel in
                          self.artifact["methodIdentifiers"].items()}
        self.abi = {e["name"]: e for e in self.artifact["abi"]
                    if e.get("type") == "function"}

    def data(self, fn, *args):
        """Calldata of a function with static arguments."""
        _, sel = self.selectors[fn]
        types = [p["type"] for p in self.abi[fn]["inputs"]]
        if len(types) != len(args):
            raise ValueError("%s takes %d arguments" % (fn, len(types)))
        return "0x" + sel + b"".join(_word(t, a) for t, a in zip(types, args)).hex()

    def call(self, fn, *args, block="latest"):
        """eth_call; returns the decoded outputs (one value: the value)."""
        raw = bytes.fromhex(self.chain.rpc("eth_call", {
            "to": self.address, "data": self.data(fn, *args)}, block)[2:])
        types = _flat_types(self.abi[fn]["outputs"])
        vals = [_unword(t, raw[32 * i:32 * i + 32]) for i, t in enumerate(types)]
        return vals[0] if len(vals) == 1 else vals

    def send(self, fn, *args, sender=None, value=0, gas=None):
        return self.chain.transact(self.address, self.data(fn, *args),
                                   sender=sender, value=value, gas=gas)


class Chain:
    """A deployed set of test contracts on a running node."""

    def __init__(self, node):
        self.node, self.rpc = node, node.rpc
        self.accounts, self.keys = node.addresses, node.keys
        self.owner = self.accounts[0]

    def transact(self, to, data, sender=None, value=0, gas=None):
        """eth_sendTransaction from an unlocked dev account; the receipt.
        A reverting transaction is mined with status 0 (anvil does not
        refuse it): check the receipt, and use eth_call for the reason."""
        tx = {"from": sender or self.owner, "data": data, "value": hex(value)}
        if to:
            tx["to"] = to
        if gas:
            tx["gas"] = hex(gas)
        h = self.rpc("eth_sendTransaction", tx)
        return self.receipt(h)

    def receipt(self, tx_hash, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while True:
            r = self.rpc("eth_getTransactionReceipt", tx_hash)
            if r is not None:
                return r
            if time.monotonic() > deadline:
                raise RuntimeError("no receipt for " + tx_hash)
            time.sleep(0.02)

    def balance(self, addr):
        return int(self.rpc("eth_getBalance", addr, "latest"), 16)

    def deploy(self, name, *ctor_args):
        with open(os.path.join(ARTIFACTS, name + ".json")) as f:
            art = json.load(f)
        ctor = [e for e in art["abi"] if e.get("type") == "constructor"]
        types = [p["type"] for p in ctor[0]["inputs"]] if ctor else []
        data = art["bytecode"] + b"".join(
            _word(t, a) for t, a in zip(types, ctor_args)).hex()
        r = self.transact(None, data)
        if r["status"] != "0x1" or not r.get("contractAddress"):
            raise RuntimeError("deploying %s failed: %s" % (name, r))
        return Contract(self, name, r["contractAddress"].lower())

    def new_round(self):
        """Test control: the next round, initialized (it gets a block hash)."""
        self.rounds.send("advanceRound")
        self.rounds.send("initializeRound")
        return self.rounds.call("currentRound")


def deploy(node, pool_size=1, active=()):
    """Deploy Controller, RoundsManager, BondingManager and TicketBroker,
    register them under keccak256(name) (computed by the node's web3_sha3,
    so that the harness needs no Keccak of its own), start round 1 initialized, set the transcoder pool size
    and mark `active` addresses as active transcoders."""
    chain = Chain(node)
    chain.controller = chain.deploy("Controller")
    chain.rounds = chain.deploy("RoundsManager", chain.controller.address)
    chain.bonding = chain.deploy("BondingManager", chain.controller.address)
    chain.broker = chain.deploy("TicketBroker", chain.controller.address)
    chain.ids = {}
    for name, c in (("TicketBroker", chain.broker),
                    ("RoundsManager", chain.rounds),
                    ("BondingManager", chain.bonding)):
        cid = node.rpc("web3_sha3", "0x" + name.encode().hex())
        chain.ids[name] = cid
        chain.controller.send("setContractInfo", cid, c.address, bytes(20))
        if chain.controller.call("getContract", cid) != c.address:
            raise RuntimeError("Controller does not return %s" % name)
    chain.new_round()
    chain.bonding.send("setTranscoderPoolSize", pool_size)
    for a in active:
        chain.bonding.send("setActiveTranscoder", a, True)
    return chain


# ---- command line ---------------------------------------------------------------

def cmd_run(argv):
    cmd = tkharness.run_args(argv, "tkchain.py run -- CMD ARGS...")
    if cmd is None:
        return 2
    with Anvil() as node:
        chain = deploy(node)
        env = dict(TK_ANVIL_URL=node.url, TK_CHAIN_ID=str(node.chain_id),
                   TK_CONTROLLER=chain.controller.address,
                   TK_TICKET_BROKER=chain.broker.address,
                   TK_ROUNDS_MANAGER=chain.rounds.address,
                   TK_BONDING_MANAGER=chain.bonding.address,
                   TK_DEV_ACCOUNTS=",".join(node.addresses),
                   TK_DEV_KEYS=",".join(node.keys))
        return tkharness.call_with_env(cmd, env)


def cmd_check_artifacts(argv):
    node = node_path()
    if node is None:
        tool_missing("node")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "solc")):
        tool_missing("solc-js (tools/chain/node_modules/solc)")
    rc = subprocess.call([node, os.path.join(HERE, "compile-contracts.cjs"),
                          "--check"])
    if argv:  # the vectors' selectors must be the contract's
        with open(os.path.join(argv[0], "redeem_calldata.json")) as f:
            want = json.load(f)["selectors"]
        with open(os.path.join(ARTIFACTS, "TicketBroker.json")) as f:
            have = json.load(f)["methodIdentifiers"]
        for s in want:
            got = have.get(s["signature"])
            if got is None or "0x" + got != s["selector"]:
                print("selector mismatch: %s: vector %s, contract %s"
                      % (s["signature"], s["selector"], got))
                rc = 1
        if rc == 0:
            print("%d vector selectors match TicketBroker" % len(want))
    return rc


def main(argv):
    return tkharness.main(argv, {"run": cmd_run,
                                 "check-artifacts": cmd_check_artifacts},
                          __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

# SPDX-License-Identifier: MIT
"""Shell-level tests of ticketctl (CTest label `cli`).

Every subcommand is run as a process, fed JSON on stdin, against the
protocol vectors (tests/vectors), plus bad-input cases (error code and
exit status). Where no vector exists (params, pay, receive, store-*),
results are checked against an independent computation here: exact rationals (fractions), HMAC-SHA256
(hmac/hashlib) and Keccak-256 (keccak.py, checked against keccak256.json).

usage: test_ticketctl.py TICKETCTL VECTORS_DIR [WORK_DIR]
Python 3 standard library only.
"""

import hmac
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keccak import keccak256  # noqa: E402

MAX = 2**256 - 1
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P = 2**256 - 2**32 - 977  # secp256k1 field

TICKETCTL = VECTORS = WORK = None
FAILURES = []
RUNS = 0
QUEUE = []  # checks whose output nothing else needs: run in parallel


# ---- harness ----------------------------------------------------------------

def run(cmd, req, raw=None, args=None):
    """Run `ticketctl cmd` with req (a dict) or raw text on stdin."""
    global RUNS
    RUNS += 1
    data = raw if raw is not None else json.dumps(req)
    p = subprocess.run([TICKETCTL] + ([cmd] if cmd else []) + (args or []),
                       input=data.encode(), capture_output=True, timeout=60)
    try:
        out = json.loads(p.stdout.decode()) if p.stdout.strip() else None
    except ValueError:
        out = {"__unparsable__": p.stdout.decode(errors="replace")}
    if p.stderr:  # ticketctl never writes there (sanitizer reports do)
        fail("%s stderr" % cmd, p.stderr.decode(errors="replace")[:500])
    return p.returncode, out, p.stdout.decode(errors="replace")


def fail(where, msg):
    FAILURES.append("%s: %s" % (where, msg))


def ok(where, cmd, req):
    rc, out, text = run(cmd, req)
    if rc != 0 or not isinstance(out, dict) or "error" in out:
        fail(where, "expected success, got rc=%d %s" % (rc, text.strip()[:300]))
        return None
    return out


def check_err(where, code, result):
    rc, out, text = result
    if rc != 1:
        fail(where, "expected exit 1 (%s), got rc=%d %s" % (code, rc, text[:200]))
        return
    e = (out or {}).get("error") if isinstance(out, dict) else None
    if not isinstance(e, dict) or set(e) != {"code", "message"}:
        fail(where, "malformed error object: %s" % text[:200])
        return
    if e["code"] != code:
        fail(where, "expected error %s, got %s (%s)" % (code, e["code"],
                                                         e["message"]))
    if not e["message"]:
        fail(where, "empty error message")


def check_ok(where, want, result):
    rc, out, text = result
    if rc != 0 or not isinstance(out, dict) or "error" in out:
        fail(where, "expected success, got rc=%d %s" % (rc, text.strip()[:300]))
    elif want is not None:
        eq(where, out, want)


def err(where, cmd, req, code, raw=None):
    """Queue a run that must fail with `code` (checked by flush())."""
    QUEUE.append((cmd, req, raw, lambda r: check_err(where, code, r)))


def expect(where, cmd, req, want):
    """Queue a run whose whole output must equal want."""
    QUEUE.append((cmd, req, None, lambda r: check_ok(where, want, r)))


def flush():
    jobs = QUEUE[:]
    del QUEUE[:]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(lambda j: run(j[0], j[1], raw=j[2]), jobs))
    for job, result in zip(jobs, results):
        job[3](result)


def eq(where, got, want):
    if got != want:
        fail(where, "got %r, want %r" % (got, want))


def load(name):
    with open(os.path.join(VECTORS, name)) as f:
        return json.load(f)


def h2b(s):
    assert s.startswith("0x")
    return bytes.fromhex(s[2:])


def b2h(b):
    return "0x" + b.hex()


def be32(x):
    return x.to_bytes(32, "big")


def minimal(x):
    return x.to_bytes((x.bit_length() + 7) // 8, "big")


def aux_data(t):
    r = int(t["creation_round"])
    h = h2b(t["creation_round_block_hash"])
    return b"" if r == 0 and h == bytes(32) else be32(r) + h


def ticket_hash(t):
    packed = (h2b(t["recipient"]) + h2b(t["sender"]) + be32(int(t["face_value"]))
              + be32(int(t["win_prob"])) + be32(int(t["sender_nonce"]))
              + h2b(t["recipient_rand_hash"]) + aux_data(t))
    return keccak256(packed)


def win_value(sig, rand):
    return int.from_bytes(keccak256(sig + be32(rand)), "big")


def ev_of(face, win_prob):
    return Fraction(face * win_prob, MAX)


# ---- keygen / address ----------------------------------------------------

def test_keys():
    for c in load("keys.json")["cases"]:
        expect("address %d" % c["index"], "address", {"privkey": c["privkey"]},
               {"address": c["address"],
                "address_checksummed": c["address_checksummed"]})
    # keygen: fresh keys whose address `address` agrees with.
    seen = set()
    for i in range(3):
        rc, out, text = run("keygen", None, raw="")
        if rc != 0:
            fail("keygen", text)
            continue
        eq("keygen keys", sorted(out), ["address", "address_checksummed",
                                        "privkey"])
        k = h2b(out["privkey"])
        eq("keygen length", len(k), 32)
        if not 0 < int.from_bytes(k, "big") < N:
            fail("keygen", "key out of range")
        seen.add(out["privkey"])
        back = ok("keygen/address", "address", {"privkey": out["privkey"]})
        if back:
            eq("keygen/address", back["address"], out["address"])
            eq("keygen/address cs", back["address_checksummed"],
               out["address_checksummed"])
    eq("keygen distinct", len(seen), 3)
    ok("keygen {}", "keygen", {})
    # bad keys
    err("address 0", "address", {"privkey": b2h(bytes(32))}, "invalid_privkey")
    err("address n", "address", {"privkey": b2h(be32(N))}, "invalid_privkey")
    err("address short", "address", {"privkey": b2h(bytes(31) + b"\1")[:-2]},
        "invalid_length")
    err("address 33", "address", {"privkey": b2h(bytes(32) + b"\1")},
        "invalid_length")
    err("address hex", "address", {"privkey": "0x" + "zz" * 32}, "invalid_hex")
    err("address no 0x", "address", {"privkey": "11" * 32}, "invalid_hex")
    err("address odd", "address", {"privkey": "0x" + "1" * 63}, "invalid_hex")
    err("address number", "address", {"privkey": 1}, "invalid_hex")
    err("address missing", "address", {}, "missing_field")


# ---- hash / sign / verify / wins -------------------------------------------

def test_hash():
    cases = load("ticket_hash.json")["cases"]
    for i, c in enumerate(cases):
        t = {k: c[k] for k in ("recipient", "sender", "face_value", "win_prob",
                               "sender_nonce", "recipient_rand_hash",
                               "creation_round", "creation_round_block_hash")}
        expect("hash %d" % i, "hash", {"ticket": t}, {"hash": c["hash"]})
        # aux_data in place of the last two, and with both (agreeing)
        t2 = dict(t)
        del t2["creation_round"], t2["creation_round_block_hash"]
        t2["aux_data"] = c["aux_data"]
        if c["aux_data"] != "0x" + "00" * 64:
            expect("hash aux %d" % i, "hash", {"ticket": t2}, {"hash": c["hash"]})
            if i % 4 == 0:
                t3 = dict(t, aux_data=c["aux_data"])
                expect("hash both %d" % i, "hash", {"ticket": t3},
                       {"hash": c["hash"]})
    base = {k: cases[5][k] for k in ("recipient", "sender", "face_value",
                                     "win_prob", "sender_nonce",
                                     "recipient_rand_hash", "creation_round",
                                     "creation_round_block_hash")}
    want = ticket_hash(base)

    def variant(**kw):
        t = dict(base)
        for k, v in kw.items():
            if v is None:
                del t[k]
            else:
                t[k] = v
        return {"ticket": t}

    # Integer formats: JSON safe integers and leading zeros are accepted.
    out = ok("hash numbers", "hash", variant(sender_nonce=str(base["sender_nonce"]),
                                             creation_round=int(base["creation_round"])))
    if out:
        eq("hash numbers", out["hash"], b2h(want))
    out = ok("hash leading zeros", "hash",
             variant(face_value="000" + base["face_value"]))
    if out:
        eq("hash leading zeros", out["hash"], b2h(want))
    # Addresses: any case; a mixed case needs a correct checksum.
    out = ok("hash upper", "hash",
             variant(sender="0x" + base["sender"][2:].upper()))
    if out:
        eq("hash upper", out["hash"], b2h(want))
    keys = load("keys.json")["cases"]
    out = ok("hash checksummed", "hash",
             {"ticket": dict(base, sender=keys[0]["address_checksummed"])})
    if out:
        eq("hash checksummed", out["hash"],
           b2h(ticket_hash(dict(base, sender=keys[0]["address"]))))
    # Swap the case of one letter to break the checksum.
    s = list(keys[0]["address_checksummed"])
    for j in range(2, len(s)):
        if s[j].isalpha():
            s[j] = s[j].swapcase()
            break
    err("hash bad checksum", "hash", {"ticket": dict(base, sender="".join(s))},
        "bad_checksum")
    out = ok("hash unknown key", "hash", {"ticket": dict(base, note="x"),
                                          "extra": 1})
    if out:
        eq("hash unknown key", out["hash"], b2h(want))
    # Bad inputs.
    err("hash nonce 2^32", "hash", variant(sender_nonce=2**32), "out_of_range")
    err("hash nonce str 2^32", "hash", variant(sender_nonce=str(2**32)),
        "out_of_range")
    err("hash round 2^63", "hash", variant(creation_round=str(2**63)),
        "out_of_range")
    err("hash face 2^256", "hash", variant(face_value=str(2**256)),
        "out_of_range")
    err("hash face hex", "hash", variant(face_value="0x10"), "invalid_number")
    err("hash face sign", "hash", variant(face_value="+10"), "invalid_number")
    err("hash face neg", "hash", variant(face_value=-1), "invalid_number")
    err("hash face space", "hash", variant(face_value=" 10"), "invalid_number")
    err("hash face empty", "hash", variant(face_value=""), "invalid_number")
    err("hash face float", "hash", variant(face_value=1.5), "invalid_number")
    err("hash face unsafe", "hash", variant(face_value=2**53), "invalid_number")
    err("hash face bool", "hash", variant(face_value=True), "invalid_number")
    err("hash address short", "hash", variant(recipient="0x1234"),
        "invalid_address")
    err("hash address nonhex", "hash", variant(recipient="0x" + "g" * 40),
        "invalid_address")
    err("hash rrh short", "hash", variant(recipient_rand_hash="0x1234"),
        "invalid_length")
    err("hash rrh nonhex", "hash", variant(recipient_rand_hash="0xzz"),
        "invalid_hex")
    err("hash missing field", "hash", variant(win_prob=None), "missing_field")
    err("hash missing round", "hash", variant(creation_round=None),
        "missing_field")
    err("hash no ticket", "hash", {}, "missing_field")
    err("hash ticket not object", "hash", {"ticket": []}, "invalid_json")
    err("hash aux 63", "hash", variant(aux_data="0x" + "11" * 63),
        "invalid_length")
    err("hash aux zero 64", "hash",
        variant(creation_round=None, creation_round_block_hash=None,
                aux_data="0x" + "00" * 64), "invalid_length")
    aux = be32(int(base["creation_round"]) + 1) + h2b(base["creation_round_block_hash"])
    err("hash aux mismatch", "hash", variant(aux_data=b2h(aux)),
        "aux_data_mismatch")
    err("hash aux round 2^63", "hash",
        variant(creation_round=None, creation_round_block_hash=None,
                aux_data=b2h(be32(2**63) + bytes(31) + b"\1")), "out_of_range")
    # Request-level errors.
    err("invalid json", "hash", None, "invalid_json", raw="{")
    err("not an object", "hash", None, "invalid_json", raw="[1, 2]")
    err("duplicate keys", "hash", None, "invalid_json",
        raw='{"ticket": {}, "ticket": {}}')
    # A parse error near a key must not quote the key back.
    secret = "5e" * 32
    for raw in ('{"privkey": "0x%s" x}' % secret, '{"privkey": 0x%s}' % secret,
                '{"privkey": "0x%s\x01"}' % secret):
        rc, out, text = run("address", None, raw=raw)
        eq("invalid json rc", rc, 1)
        if secret[:8] in text:
            fail("invalid json", "the error message quotes the key: %s" % text)


def test_sign_verify():
    cases = load("signed_tickets.json")["cases"]
    for c in cases:
        i = c["index"]
        expect("sign %d" % i, "sign", {"privkey": c["sender_privkey"],
                                       "ticket": c["ticket"]},
               {"hash": c["ticket_hash"], "signature": c["signature"]})
        expect("verify %d" % i, "verify", {"ticket": c["ticket"],
                                           "signature": c["signature"]},
               {"valid": True, "recovered": c["ticket"]["sender"]})
    # Rejections, derived from valid signatures (one per check, in order).
    c = cases[3]
    sig = h2b(c["signature"])
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    x = 1
    while pow(x**3 + 7, (P - 1) // 2, P) == 1:  # an r with no curve point
        x += 1
    bad = [
        ("bad_length", sig[:64]),
        ("bad_length", sig + b"\0"),
        ("bad_length", b""),
        ("bad_v", sig[:64] + b"\x00"),
        ("bad_v", sig[:64] + b"\x01"),
        ("bad_v", sig[:64] + b"\x1d"),
        ("bad_r", bytes(32) + sig[32:]),
        ("bad_r", be32(N) + sig[32:]),
        ("bad_s", r + bytes(32) + sig[64:]),
        ("high_s", r + be32(N) + sig[64:]),  # 0 < s, then s <= n/2
        ("high_s", r + be32(N - s) + bytes([55 - v])),
        ("recovery_failed", be32(x) + sig[32:]),
    ]
    for reason, b in bad:
        expect("verify %s" % reason, "verify",
               {"ticket": c["ticket"], "signature": b2h(b)},
               {"valid": False, "recovered": None, "reason": reason})
    # wrong signer: another ticket's valid signature, and the wrong v.
    other = cases[4]
    out = ok("verify wrong_signer", "verify",
             {"ticket": c["ticket"], "signature": other["signature"]})
    if out:
        eq("verify wrong_signer valid", out.get("valid"), False)
        eq("verify wrong_signer reason", out.get("reason"), "wrong_signer")
        rec = out.get("recovered")
        if rec is None or rec == c["ticket"]["sender"]:
            fail("verify wrong_signer", "recovered should be another address")
    out = ok("verify flipped v", "verify",
             {"ticket": c["ticket"], "signature": b2h(sig[:64] + bytes([55 - v]))})
    if out:
        eq("verify flipped v", (out.get("valid"), out.get("reason")),
           (False, "wrong_signer"))
    err("verify nonhex", "verify", {"ticket": c["ticket"], "signature": "0xzz"},
        "invalid_hex")
    err("verify missing", "verify", {"ticket": c["ticket"]}, "missing_field")
    err("sign bad key", "sign", {"privkey": b2h(bytes(32)), "ticket": c["ticket"]},
        "invalid_privkey")


def test_wins():
    cases = load("signed_tickets.json")["cases"]
    for c in cases:
        # win_checks test only the comparison: the first ten cases cover it.
        for k, wc in enumerate(c["win_checks"] if c["index"] < 10 else []):
            expect("wins %d/%d" % (c["index"], k), "wins",
                   {"signature": c["signature"],
                    "recipient_rand": c["recipient_rand"],
                    "win_prob": wc["win_prob"]},
                   {"wins": wc["wins"], "win_value": c["win_value"]})
        expect("wins own %d" % c["index"], "wins",
               {"signature": c["signature"], "recipient_rand": c["recipient_rand"],
                "win_prob": c["ticket"]["win_prob"]},
               {"wins": c["wins"], "win_value": c["win_value"]})
    c = cases[0]
    err("wins short sig", "wins", {"signature": c["signature"][:-2],
                                   "recipient_rand": "1", "win_prob": "1"},
        "invalid_length")
    err("wins rand 2^256", "wins", {"signature": c["signature"],
                                    "recipient_rand": str(2**256),
                                    "win_prob": "1"}, "out_of_range")
    err("wins missing", "wins", {"signature": c["signature"]}, "missing_field")


# ---- rand / winprob --------------------------------------------------------

RAND_KEYS = ("secret", "seed", "sender", "face_value", "win_prob",
             "expiration_block", "price_num", "price_den", "creation_round",
             "creation_round_block_hash")


def test_rand():
    cases = load("recipient_rand.json")["cases"]
    for i, c in enumerate(cases):
        expect("rand %d" % i, "rand", {k: c[k] for k in RAND_KEYS},
               {"recipient_rand": c["recipient_rand"],
                "recipient_rand_hash": c["recipient_rand_hash"]})
    c = {k: cases[3][k] for k in RAND_KEYS}
    # An unreduced price gives the rand of the reduced one.
    out = ok("rand unreduced", "rand",
             dict(c, price_num=str(int(c["price_num"]) * 6),
                  price_den=str(int(c["price_den"]) * 6)))
    if out:
        eq("rand unreduced", out["recipient_rand"], cases[3]["recipient_rand"])
    err("rand den 0", "rand", dict(c, price_den="0"), "invalid_price")
    err("rand secret short", "rand", dict(c, secret="0x1234"), "invalid_length")
    err("rand missing", "rand", {k: v for k, v in c.items() if k != "seed"},
        "missing_field")


def test_winprob():
    for i, c in enumerate(load("win_prob.json")["cases"]):
        expect("winprob %d" % i, "winprob", {"face_value": c["face_value"],
                                             "ev": c["ev"]},
               {"win_prob": c["win_prob"], "exceeds_max": c["exceeds_max"]})
    err("winprob missing", "winprob", {"ev": "1"}, "missing_field")
    err("winprob bad", "winprob", {"ev": "1", "face_value": "1e3"},
        "invalid_number")


# ---- calldata --------------------------------------------------------------

def test_calldata():
    d = load("redeem_calldata.json")
    for i, c in enumerate(d["cases"]):
        req = {"tickets": [c["ticket"]], "signatures": [c["signature"]],
               "recipient_rands": [c["recipient_rand"]]}
        expect("calldata %d" % i, "calldata", req, {"calldata": c["calldata"]})
        expect("calldata batch:false %d" % i, "calldata", dict(req, batch=False),
               {"calldata": c["calldata"]})
    for c in d["batch_cases"]:
        req = {"tickets": c["tickets"], "signatures": c["signatures"],
               "recipient_rands": c["recipient_rands"], "batch": True}
        expect("calldata batch %d" % c["size"], "calldata", dict(req),
               {"calldata": c["calldata"]})
        if c["size"] >= 2:
            del req["batch"]
            expect("calldata auto-batch %d" % c["size"], "calldata", dict(req),
                   {"calldata": c["calldata"]})
            err("calldata batch:false %d" % c["size"], "calldata",
                dict(req, batch=False), "invalid_length")
    err("calldata empty", "calldata",
        {"tickets": [], "signatures": [], "recipient_rands": []},
        "invalid_length")
    c = d["cases"][0]
    err("calldata unequal", "calldata",
        {"tickets": [c["ticket"]], "signatures": [],
         "recipient_rands": [c["recipient_rand"]]}, "invalid_length")
    err("calldata bad sig", "calldata",
        {"tickets": [c["ticket"]], "signatures": ["0x00"],
         "recipient_rands": [c["recipient_rand"]]}, "invalid_length")
    err("calldata not arrays", "calldata",
        {"tickets": {}, "signatures": [], "recipient_rands": []}, "invalid_json")
    err("calldata batch not bool", "calldata",
        {"tickets": [], "signatures": [], "recipient_rands": [], "batch": 1},
        "invalid_json")


# ---- payment-encode / payment-decode ---------------------------------------

def test_payment_codec():
    d = load("payment_proto.json")
    for i, c in enumerate(d["cases"]):
        expect("payment-encode %d" % i, "payment-encode", {"payment": c["payment"]},
               {"hex": c["encoded_hex"], "base64": c["encoded_base64"]})
        expect("payment-decode b64 %d" % i, "payment-decode",
               {"base64": c["encoded_base64"]}, {"payment": c["payment"]})
        expect("payment-decode hex %d" % i, "payment-decode",
               {"hex": c["encoded_hex"]}, {"payment": c["payment"]})
    c = d["cases"][5]
    raw = h2b(c["encoded_hex"])
    # Truncation at a few places inside fields, unknown fields, garbage.
    for cut in (1, 3, len(raw) // 2, len(raw) - 1):
        err("payment-decode cut %d" % cut, "payment-decode",
            {"hex": b2h(raw[:cut])}, "invalid_payment")
    out = ok("payment-decode unknown field", "payment-decode",
             {"hex": b2h(raw + bytes([0x78, 0x01]))})
    if out:
        eq("payment-decode unknown field", out, {"payment": c["payment"]})
    err("payment-decode wire type", "payment-decode", {"hex": "0x1005"},
        "invalid_payment")
    err("payment-decode long sender", "payment-decode",
        {"hex": "0x1215" + "11" * 21}, "invalid_payment")
    err("payment-decode long int", "payment-decode",
        {"hex": "0x0a23" + "1221" + "11" * 33}, "invalid_payment")
    err("payment-decode bad b64", "payment-decode",
        {"base64": c["encoded_base64"][:-1]}, "invalid_payment")
    err("payment-decode urlsafe", "payment-decode",
        {"base64": c["encoded_base64"].replace("/", "_").replace("+", "-")}
        if ("/" in c["encoded_base64"] or "+" in c["encoded_base64"])
        else {"base64": "A-__"}, "invalid_payment")
    err("payment-decode bad hex", "payment-decode", {"hex": "0xz"}, "invalid_hex")
    err("payment-decode both", "payment-decode",
        {"hex": c["encoded_hex"], "base64": c["encoded_base64"]}, "usage")
    err("payment-decode none", "payment-decode", {}, "missing_field")
    p = json.loads(json.dumps(c["payment"]))
    p["sender"] = "0x" + "11" * 21
    err("payment-encode long sender", "payment-encode", {"payment": p},
        "invalid_length")
    p = json.loads(json.dumps(c["payment"]))
    p["ticket_params"]["face_value"] = "0x" + "11" * 33
    err("payment-encode long int", "payment-encode", {"payment": p},
        "invalid_length")
    p = json.loads(json.dumps(c["payment"]))
    p["ticket_sender_params"][0]["sig"] = "0x1234"
    err("payment-encode short sig", "payment-encode", {"payment": p},
        "invalid_length")
    p = json.loads(json.dumps(c["payment"]))
    p["ticket_sender_params"][0]["sender_nonce"] = 2**32
    err("payment-encode nonce", "payment-encode", {"payment": p}, "out_of_range")
    err("payment-encode missing", "payment-encode", {}, "missing_field")


# ---- params / pay / receive / store ----------------------------------------

SECRET = "0x" + "5e" * 32
RECIPIENT = "0x708f0686107991e381ad8d5dd8eabb4c76dffeee"
KEY1 = "0x" + "00" * 31 + "01"
SENDER1 = "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
BLOCK_HASH = "0x" + "22" * 32


def expected_params(req):
    """docs/protocol-notes.md section 4, computed here."""
    ev, gas, mult = int(req["ev"]), int(req["redeem_gas"]), int(req["tx_cost_multiplier"])
    gas_price, max_float = int(req["gas_price"]), int(req["max_float"])
    num, den = int(req["price_num"]), int(req["price_den"])
    f = Fraction(num, den)
    num, den = f.numerator, f.denominator
    tx_cost = gas * gas_price
    if num == 0:
        face = wp = 0
    else:
        face = tx_cost * mult
        if face < ev:
            face = ev * 100
        face = min(face, max_float)
        mfv = int(req.get("max_face_value", "0"))
        if mfv > 0:
            face = min(face, mfv)
        if face < ev or (face < tx_cost and face < gas * 3 * 10**9):
            return None
        if face == ev:
            wp = MAX
        else:
            q, r = divmod(MAX, face)
            wp = ev * (q + 1) if r else ev * q
    exp = int(req["last_block"]) + 40
    seed = int(req["seed"])
    aux = aux_data(req)
    msg = (minimal(seed) + h2b(req["sender"]) + minimal(face) + minimal(wp)
           + minimal(exp) + minimal(num) + minimal(den) + aux)
    rand = int.from_bytes(hmac.new(h2b(req["secret"]), msg, hashlib.sha256).digest(), "big")
    return {"recipient": req["recipient"], "face_value": str(face),
            "win_prob": str(wp), "recipient_rand_hash": b2h(keccak256(be32(rand))),
            "seed": str(seed), "expiration_block": str(exp),
            "creation_round": str(int(req["creation_round"])),
            "creation_round_block_hash": req["creation_round_block_hash"],
            "price_num": str(num), "price_den": str(den)}, rand


def params_req(**kw):
    req = {"secret": SECRET, "recipient": RECIPIENT, "sender": SENDER1,
           "ev": "1000", "redeem_gas": 1, "tx_cost_multiplier": 2000,
           "gas_price": "1", "max_float": str(10**30), "last_block": 100,
           "creation_round": "5", "creation_round_block_hash": BLOCK_HASH,
           "price_num": "3", "price_den": "1000", "seed": "123456789"}
    req.update(kw)
    return req


def test_params():
    variants = [
        params_req(),                                  # face = txCost * mult
        params_req(tx_cost_multiplier=1),              # EV * 100
        params_req(max_float="5000"),                  # capped at max float
        params_req(max_face_value="4000"),             # capped by the node
        params_req(price_num="0"),                     # free: no payment
        params_req(price_num="6", price_den="2000"),   # reduced
        params_req(ev="2000", tx_cost_multiplier=2000),  # face == EV: MAX
        params_req(creation_round="0",
                   creation_round_block_hash="0x" + "00" * 32),
        params_req(seed=str(2**256 - 1), last_block=10**12),
    ]
    for i, req in enumerate(variants):
        want, _ = expected_params(req)
        out = ok("params %d" % i, "params", req)
        if out:
            eq("params %d" % i, out, {"ticket_params": want})
    # A random seed when none is given: two calls differ, and each is the
    # params of its own seed.
    req = params_req()
    del req["seed"]
    a = ok("params random seed", "params", req)
    b = ok("params random seed 2", "params", req)
    if a and b:
        if a["ticket_params"]["seed"] == b["ticket_params"]["seed"]:
            fail("params random seed", "two calls gave the same seed")
        want, _ = expected_params(dict(req, seed=a["ticket_params"]["seed"]))
        eq("params random seed", a["ticket_params"], want)
    # Refusal: the sender's max float cannot back a ticket worth EV.
    req = params_req(max_float="999")
    assert expected_params(req) is None
    err("params reserve", "params", req, "insufficient_sender_reserve")
    err("params den 0", "params", params_req(price_den="0"), "invalid_price")
    err("params gas 0", "params", params_req(redeem_gas=0), "out_of_range")
    err("params missing", "params",
        {k: v for k, v in params_req().items() if k != "max_float"},
        "missing_field")
    err("params bad secret", "params", params_req(secret="0x12"), "invalid_length")


def make_params(**kw):
    """Params whose tickets win half the time (face = 2 EV)."""
    req = params_req(ev="1000", redeem_gas=1, tx_cost_multiplier=2000,
                     gas_price="1", **kw)
    out = ok("make params", "params", req)
    want, rand = expected_params(req)
    if out:
        eq("make params", out["ticket_params"], want)
    return want, rand


def check_payment(where, out, tp, count, start, rand):
    """A pay result: payment-decode agrees, tickets verify, nonces run."""
    if not out:
        return
    dec = ok(where + " decode", "payment-decode", {"base64": out["base64"]})
    if dec:
        eq(where + " decode", dec["payment"], out["payment"])
    tsp = out["payment"].get("ticket_sender_params", [])
    eq(where + " count", len(tsp), count)
    exp = out["payment"].get("expiration_params", {})
    for k, t in enumerate(tsp):
        nonce = t.get("sender_nonce", 0)
        eq(where + " nonce", nonce, start + 1 + k)
        ticket = {"recipient": tp["recipient"], "sender": SENDER1,
                  "face_value": tp["face_value"], "win_prob": tp["win_prob"],
                  "sender_nonce": nonce,
                  "recipient_rand_hash": tp["recipient_rand_hash"],
                  "creation_round": exp.get("creation_round", "0"),
                  "creation_round_block_hash": exp["creation_round_block_hash"]}
        v = ok(where + " verify", "verify", {"ticket": ticket, "signature": t["sig"]})
        if v:
            eq(where + " verify", v, {"valid": True, "recovered": SENDER1})
    return tsp


def test_pay_receive():
    tp, rand = make_params()
    ev = ev_of(int(tp["face_value"]), int(tp["win_prob"]))
    out = ok("pay", "pay", {"privkey": KEY1, "ticket_params": tp, "count": 12,
                            "last_block": 100})
    tsp = check_payment("pay", out, tp, 12, 0, rand) or []
    out2 = ok("pay start", "pay", {"privkey": KEY1, "ticket_params": tp,
                                   "count": 2, "start_nonce": 600,
                                   "last_block": 100})
    check_payment("pay start", out2, tp, 2, 600, rand)

    # receive, three ways of giving the payment; state lives within a call.
    if out:
        wins = [win_value(h2b(t["sig"]), rand) < int(tp["win_prob"]) for t in tsp]
        want = {"results": [{"sender_nonce": k + 1, "status": "accepted",
                             "wins": w} for k, w in enumerate(wins)],
                "credited_ev_num": str((12 * ev).numerator),
                "credited_ev_den": str((12 * ev).denominator)}
        for how in ("base64", "payment", "hex"):
            req = {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101}
            if how == "hex":
                enc = ok("pay encode", "payment-encode", {"payment": out["payment"]})
                req["hex"] = enc["hex"] if enc else "0x"
            else:
                req[how] = out[how]
            got = ok("receive %s" % how, "receive", req)
            if got:
                eq("receive %s" % how, got, want)

        # With a store: replays are refused across calls; winners are kept.
        db = os.path.join(WORK, "cli-store.db")
        for f in (db, db + "-wal", db + "-shm"):
            if os.path.exists(f):
                os.remove(f)
        req = {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
               "base64": out["base64"], "store": db}
        got = ok("receive store", "receive", req)
        if got:
            eq("receive store", got, want)
        got = ok("receive replay", "receive", req)
        if got:
            eq("receive replay statuses",
               [r["status"] for r in got["results"]], ["replayed_nonce"] * 12)
            eq("receive replay credit", (got["credited_ev_num"],
                                         got["credited_ev_den"]), ("0", "1"))
        listed = ok("store-list", "store-list", {"store": db})
        if listed:
            hashes = set()
            for k, t in enumerate(tsp):
                if wins[k]:
                    ticket = {"recipient": tp["recipient"], "sender": SENDER1,
                              "face_value": tp["face_value"],
                              "win_prob": tp["win_prob"],
                              "sender_nonce": k + 1,
                              "recipient_rand_hash": tp["recipient_rand_hash"],
                              "creation_round": tp["creation_round"],
                              "creation_round_block_hash": tp["creation_round_block_hash"]}
                    hashes.add(b2h(ticket_hash(ticket)))
            ws = listed["winners"]
            eq("store-list count", len(ws), sum(wins))
            eq("store-list hashes", {w["ticket_hash"] for w in ws}, hashes)
            for w in ws:
                eq("store-list state", w["state"], "new")
                eq("store-list face", w["face_value"], tp["face_value"])
                eq("store-list sender", w["sender"], SENDER1)
                if "recipient_rand" in w:
                    fail("store-list", "must not print the recipientRand")
            if ws:
                got = ok("store-requeue", "store-requeue",
                         {"store": db, "ticket_hash": ws[0]["ticket_hash"]})
                if got:
                    eq("store-requeue", got, {"state": "new"})
            if not 0 < sum(wins) < 12:
                fail("pay/receive", "expected some winners and some losers "
                     "at winProb 1/2 (got %d of 12)" % sum(wins))
        err("store-requeue unknown", "store-requeue",
            {"store": db, "ticket_hash": "0x" + "ab" * 32}, "not_found")
        err("store-requeue bad hash", "store-requeue",
            {"store": db, "ticket_hash": "0x12"}, "invalid_length")
        err("store-list missing file", "store-list",
            {"store": os.path.join(WORK, "no-such.db")}, "not_found")
        notdb = os.path.join(WORK, "not-a-store.db")
        with open(notdb, "w") as f:
            f.write("this is not sqlite" * 100)
        err("store-list corrupt", "store-list", {"store": notdb}, "store_corrupt")
        # Read-only commands never write (issue 11): an empty file is not
        # given a schema, and stays 0 bytes with no -wal/-shm beside it.
        empty = os.path.join(WORK, "empty.db")
        for f in (empty, empty + "-wal", empty + "-shm"):
            if os.path.exists(f):
                os.remove(f)
        open(empty, "w").close()
        check_err("store-list empty", "store_corrupt",
                  run("store-list", {"store": empty}))
        eq("store-list empty untouched", os.path.getsize(empty), 0)
        eq("store-list empty no wal", os.path.exists(empty + "-wal"), False)
        # A store file made by `touch` (mode 0644) is brought to 0600 when
        # a writer opens it: it holds recipientRands.
        touched = os.path.join(WORK, "touched.db")
        for f in (touched, touched + "-wal", touched + "-shm"):
            if os.path.exists(f):
                os.remove(f)
        open(touched, "w").close()
        os.chmod(touched, 0o644)
        ok("receive touched store", "receive", dict(req, store=touched))
        eq("touched store mode", oct(os.stat(touched).st_mode & 0o777), oct(0o600))
        err("store-list missing", "store-list", {}, "missing_field")

        # Expired params: recorded, no credit.
        got = ok("receive expired", "receive",
                 {"secret": SECRET, "recipient": RECIPIENT,
                  "last_block": int(tp["expiration_block"]),
                  "base64": out["base64"]})
        if got:
            eq("receive expired", [r["status"] for r in got["results"]],
               ["params_expired"] * 12)
            eq("receive expired credit", got["credited_ev_num"], "0")
        # One bad signature: that ticket only.
        p = json.loads(json.dumps(out["payment"]))
        s = h2b(p["ticket_sender_params"][2]["sig"])
        p["ticket_sender_params"][2]["sig"] = b2h(s[:64] + b"\x1d")
        got = ok("receive bad sig", "receive",
                 {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
                  "payment": p})
        if got:
            eq("receive bad sig status", got["results"][2]["status"],
               "invalid_signature")
            eq("receive bad sig reason", got["results"][2].get("reason"), "bad_v")
            eq("receive bad sig others",
               [r["status"] for k, r in enumerate(got["results"]) if k != 2],
               ["accepted"] * 11)
            eq("receive bad sig credit",
               Fraction(int(got["credited_ev_num"]), int(got["credited_ev_den"])),
               11 * ev)
        # Fatal refusals.
        base = {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
                "base64": out["base64"]}
        err("receive wrong recipient", "receive",
            dict(base, recipient=SENDER1), "wrong_recipient")
        err("receive other secret", "receive", dict(base, secret="0x" + "77" * 32),
            "rand_hash_mismatch")
        err("receive unlocking", "receive", dict(base, withdraw_round="6"),
            "sender_unlocking")
        ok("receive unlock later", "receive", dict(base, withdraw_round="7"))
        p = json.loads(json.dumps(out["payment"]))
        del p["expected_price"]
        err("receive no price", "receive",
            {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
             "payment": p}, "invalid_price")
        p["expected_price"] = {"pricePerUnit": "3"}
        err("receive pixels 0", "receive",
            {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
             "payment": p}, "invalid_price")
        p = json.loads(json.dumps(out["payment"]))
        p["sender"] = "0x" + "00" * 20
        err("receive zero sender", "receive",
            {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
             "payment": p}, "zero_sender")
        err("receive garbage", "receive", dict(base, base64="AAAA"),
            "invalid_payment")
        err("receive bad b64", "receive", dict(base, base64="A"),
            "invalid_payment")
        err("receive two payments", "receive", dict(base, hex="0x"), "usage")
        err("receive no payment", "receive",
            {"secret": SECRET, "recipient": RECIPIENT, "last_block": 1},
            "missing_field")
        # A vector payment (someone else's secret): its own recipient gets
        # rand_hash_mismatch, another recipient wrong_recipient.
        vc = load("payment_proto.json")["cases"][5]
        err("receive vector", "receive",
            {"secret": SECRET, "recipient": vc["values"]["recipient"],
             "last_block": 1, "base64": vc["encoded_base64"]}, "rand_hash_mismatch")
        err("receive vector recipient", "receive",
            {"secret": SECRET, "recipient": RECIPIENT, "last_block": 1,
             "base64": vc["encoded_base64"]}, "wrong_recipient")

    # The sender's refusals (section 5), each on its own.
    # EV is a fraction just above 1000: its ceiling passes a limit, one
    # less refuses.
    ev_ceil = -((-ev.numerator) // ev.denominator)
    ev3_ceil = -((-3 * ev.numerator) // ev.denominator)
    face = int(tp["face_value"])
    base = {"privkey": KEY1, "ticket_params": tp, "count": 3, "last_block": 100}
    refusals = [
        ("params_no_expiration", dict(base, ticket_params=dict(tp, expiration_block="0"))),
        ("params_expired", dict(base, last_block=int(tp["expiration_block"]) - 1)),
        ("face_value_too_low", dict(base, ticket_params=dict(tp, win_prob=str(MAX)))),
        ("ev_too_high", dict(base, max_ev=str(ev_ceil - 1))),
        ("total_ev_too_high", dict(base, max_total_ev=str(ev3_ceil - 1))),
        ("no_deposit_or_reserve", dict(base, deposit="0")),
        ("no_deposit_or_reserve", dict(base, reserve="0")),
        ("face_value_over_deposit", dict(base, deposit=str(face - 1))),
        ("sender_unlocking", dict(base, withdraw_round="6", last_round="5")),
    ]
    for code, req in refusals:
        err("pay %s" % code, "pay", req, code)
    ok("pay at the limits", "pay",
       dict(base, max_ev=str(ev_ceil), max_total_ev=str(ev3_ceil),
            deposit=str(face), withdraw_round="7", last_round="5",
            last_block=int(tp["expiration_block"]) - 2))
    # count 0: a payment without tickets (params still checked); it earns
    # nothing.
    out0 = ok("pay count 0", "pay", dict(base, count=0))
    if out0:
        eq("pay count 0 tickets", "ticket_sender_params" in out0["payment"], False)
        got = ok("receive count 0", "receive",
                 {"secret": SECRET, "recipient": RECIPIENT, "last_block": 101,
                  "base64": out0["base64"]})
        if got:
            eq("receive count 0", got, {"results": [], "credited_ev_num": "0",
                                        "credited_ev_den": "1"})
    err("pay count 0 expired", "pay",
        dict(base, count=0, last_block=int(tp["expiration_block"])),
        "params_expired")
    err("pay count over", "pay", dict(base, count=100001), "out_of_range")
    err("pay bad key", "pay", dict(base, privkey="0x" + "ff" * 32), "invalid_privkey")
    err("pay no price", "pay",
        dict(base, ticket_params={k: v for k, v in tp.items()
                                  if k not in ("price_num", "price_den")}),
        "missing_field")
    ok("pay price override", "pay",
       dict(base, ticket_params={k: v for k, v in tp.items()
                                 if k not in ("price_num", "price_den")},
            price_num="3", price_den="1000"))
    err("pay nonce space", "pay", dict(base, start_nonce=2**32 - 2),
        "nonce_exhausted")
    err("pay start 2^32", "pay", dict(base, start_nonce=2**32), "out_of_range")


# ---- request-sign / request-verify (docs/protocol-notes.md section 10) ----

def test_request():
    cases = load("segment_credentials.json")["cases"]
    for c in cases:
        i = c["index"]
        req = {"manifest_id_hex": c["manifest_id_hex"], "seq": c["seq"],
               "segment_hash": c["segment_hash"], "profiles": c["profiles"]}
        if c["valid"]:
            out = ok("request-sign %d" % i, "request-sign",
                     {"privkey": c["privkey"], "request": req})
            if out is not None:
                eq("request-sign %d" % i, out,
                   {"flatten": c["flatten"], "digest": c["digest"],
                    "signature": c["signature"], "address": c["address"]})
            # The text form of the id is the same bytes.
            treq = dict(req)
            del treq["manifest_id_hex"]
            treq["manifest_id"] = c["manifest_id"]
            expect("request-verify %d text id" % i, "request-verify",
                   {"address": c["address"], "request": treq,
                    "signature": c["signature"]},
                   {"flatten": c["flatten"], "digest": c["digest"],
                    "valid": True, "recovered": c["address"]})
        else:
            expect("request-verify %d" % i, "request-verify",
                   {"address": c["address"], "request": req,
                    "signature": c["signature"]},
                   {"flatten": c["flatten"], "digest": c["digest"],
                    "valid": False, "recovered": c["recovered_address"],
                    "reason": "wrong_signer"})
    c = cases[1]
    req = {"manifest_id": "a", "seq": "1", "segment_hash": c["segment_hash"],
           "profiles": c["profiles"]}
    out = ok("request-verify short sig", "request-verify",
             {"address": c["address"], "request": req, "signature": "0x00"})
    if out is not None:
        eq("request-verify short sig", (out.get("valid"), out.get("recovered"),
                                        out.get("reason")),
           (False, None, "bad_length"))
    err("request-sign no request", "request-sign", {"privkey": c["privkey"]},
        "missing_field")
    err("request-sign seq 2^63", "request-sign",
        {"privkey": c["privkey"], "request": dict(req, seq=str(2 ** 63))},
        "out_of_range")
    err("request-sign long id", "request-sign",
        {"privkey": c["privkey"], "request": dict(req, manifest_id="m" * 257)},
        "invalid_length")
    err("request-sign both ids", "request-sign",
        {"privkey": c["privkey"], "request": dict(req, manifest_id_hex="0x61")},
        "usage")
    err("request-sign bad hash", "request-sign",
        {"privkey": c["privkey"], "request": dict(req, segment_hash="0x12")},
        "invalid_length")
    err("request-sign bad profile", "request-sign",
        {"privkey": c["privkey"], "request": dict(req, profiles=[1])},
        "invalid_json")
    err("request-verify nonhex", "request-verify",
        {"address": c["address"], "request": req, "signature": "0xzz"},
        "invalid_hex")


RULE_REASON = {"length": "bad_length", "v": "bad_v", "r_range": "bad_r",
               "high_s": "high_s", "recovery_failed": "recovery_failed",
               "address_mismatch": "wrong_signer"}


def test_receipts():
    cases = load("receipts.json")["cases"]
    for c in cases:
        i = c["index"]
        dm = {"domain": c["domain"], "message": c["message"]}
        expect("receipt-hash %d" % i, "receipt-hash", dm,
               {"domain_separator": c["domain_separator"],
                "struct_hash": c["struct_hash"], "digest": c["digest"]})
        if c["valid"]:
            expect("receipt-sign %d" % i, "receipt-sign",
                   dict(dm, privkey=c["recipient_privkey"]),
                   {"digest": c["digest"], "signature": c["signature"]})
            expect("receipt-verify %d" % i, "receipt-verify",
                   dict(dm, signature=c["signature"]),
                   {"valid": True, "recovered": c["message"]["recipient"]})
        else:
            expect("receipt-verify %d" % i, "receipt-verify",
                   dict(dm, signature=c["signature"]),
                   {"valid": False,
                    "recovered": c.get("recovered_address"),
                    "reason": RULE_REASON[c["strict_reject_rule"]]})
        if "signer_privkey" in c:
            err("receipt-sign %d other key" % i, "receipt-sign",
                dict(dm, privkey=c["signer_privkey"]), "wrong_signer")
    c = cases[7]
    dm = {"domain": c["domain"], "message": c["message"]}
    msg = c["message"]
    err("receipt-hash no domain", "receipt-hash", {"message": msg},
        "missing_field")
    err("receipt-hash no winners", "receipt-hash",
        {"domain": c["domain"],
         "message": {k: v for k, v in msg.items() if k != "winners"}},
        "missing_field")
    err("receipt-hash short ticket", "receipt-hash",
        {"domain": c["domain"], "message": dict(msg, tickets=["0x1234"])},
        "invalid_length")
    err("receipt-hash nonhex ticket", "receipt-hash",
        {"domain": c["domain"], "message": dict(msg, tickets=["0xzz"])},
        "invalid_hex")
    err("receipt-hash ticket not a string", "receipt-hash",
        {"domain": c["domain"], "message": dict(msg, tickets=[7])},
        "invalid_hex")
    err("receipt-hash credited 2^256", "receipt-hash",
        {"domain": c["domain"], "message": dict(msg, credited_wei=str(2 ** 256))},
        "out_of_range")
    err("receipt-hash other domain name", "receipt-hash",
        {"domain": dict(c["domain"], name="other"), "message": msg},
        "invalid_domain")
    err("receipt-hash bad address", "receipt-hash",
        {"domain": c["domain"], "message": dict(msg, sender="0x12")},
        "invalid_address")
    err("receipt-verify nonhex sig", "receipt-verify",
        dict(dm, signature="0xzz"), "invalid_hex")
    # Name and version may be left out (they are fixed).
    expect("receipt-hash default name", "receipt-hash",
           {"domain": {"chain_id": c["domain"]["chain_id"],
                       "verifying_contract": c["domain"]["verifying_contract"]},
            "message": msg},
           {"domain_separator": c["domain_separator"],
            "struct_hash": c["struct_hash"], "digest": c["digest"]})


def risk_ok(where, got, want):
    """risk.json accuracy: relative 1e-6 at or above 1e-15, else an upper
    bound <= 1e-15 (never 0 unless exactly 0)."""
    if not re.match(r"^(0|[0-9]\.[0-9]{16}e[-+][0-9]{2,3})$", got):
        fail(where, "risk %r is not 0 or 17 significant digits" % got)
        return
    g, w = Decimal(got), Decimal(want)
    if w == 0:
        if g != 0:
            fail(where, "risk %s, want exactly 0" % got)
    elif w >= Decimal("1e-15"):
        if abs(g - w) > Decimal("1e-6") * w:
            fail(where, "risk %s, want %s" % (got, want))
    elif not (w <= g <= Decimal("1e-15")):
        fail(where, "risk %s is not an upper bound <= 1e-15 of %s" % (got, want))


def test_risk():
    cases = load("risk.json")["cases"]
    results = []
    for c in cases:
        req = {"groups": c["groups"], "deposit": c["deposit"]}
        if "eps" in c:
            req["eps"] = c["eps"]
        results.append((c, req))
    for c, req in results:
        where = "risk %d" % c["index"]
        out = ok(where, "risk", req)
        if out is None:
            continue
        risk_ok(where, out.get("risk", ""), c["risk"])
        if "eps" in c:
            eq(where + " required_deposit", out.get("required_deposit"),
               c["required_deposit"])
            at = ok(where + " at required", "risk",
                    {"groups": c["groups"], "deposit": c["required_deposit"]})
            if at is not None:
                risk_ok(where + " at required", at.get("risk", ""),
                        c["risk_at_required_deposit"])
        else:
            eq(where + " keys", sorted(out), ["risk"])
    g = cases[10]["groups"]
    expect("risk empty", "risk", {"groups": [], "deposit": "0"}, {"risk": "0"})
    expect("risk eps number", "risk",
           {"groups": g, "deposit": cases[10]["deposit"], "eps": 1e-12},
           None)
    err("risk no deposit", "risk", {"groups": g}, "missing_field")
    err("risk no groups", "risk", {"deposit": "0"}, "missing_field")
    err("risk negative eps", "risk", {"groups": g, "deposit": "0", "eps": "-1e-9"},
        "out_of_range")
    err("risk eps text", "risk", {"groups": g, "deposit": "0", "eps": "small"},
        "invalid_number")
    err("risk win_prob 2^256", "risk",
        {"groups": [dict(g[0], win_prob=str(2 ** 256))], "deposit": "0"},
        "out_of_range")
    err("risk count hex", "risk",
        {"groups": [dict(g[0], count="0x10")], "deposit": "0"},
        "invalid_number")
    err("risk group not an object", "risk", {"groups": [1], "deposit": "0"},
        "invalid_json")


def test_cli_surface():
    rc, out, text = run(None, None, raw="", args=["--help"])
    eq("--help rc", rc, 0)
    names = ["keygen", "address", "hash", "sign", "verify", "wins", "rand",
             "winprob", "calldata", "payment-encode", "payment-decode", "params",
             "pay", "receive", "store-list", "store-requeue", "request-sign",
             "request-verify", "receipt-hash", "receipt-sign", "receipt-verify",
             "risk"]
    for n in names:
        if n not in text:
            fail("--help", "does not list %s" % n)
        rc, _, t = run(n, None, raw="", args=["--help"])
        eq("%s --help rc" % n, rc, 0)
        if "Example" not in t or "ticketctl %s" % n not in t:
            fail("%s --help" % n, "no example")
    rc, out, _ = run("frobnicate", {})
    eq("unknown rc", rc, 1)
    eq("unknown code", (out or {}).get("error", {}).get("code"), "unknown_command")
    rc, out, _ = run(None, None, raw="")
    eq("no command rc", rc, 1)
    eq("no command code", (out or {}).get("error", {}).get("code"), "usage")
    rc, out, _ = run("hash", {}, args=["extra"])
    eq("extra arg code", (out or {}).get("error", {}).get("code"), "usage")


def main():
    global TICKETCTL, VECTORS, WORK
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    TICKETCTL, VECTORS = sys.argv[1], sys.argv[2]
    tmp = None
    if len(sys.argv) > 3:
        WORK = sys.argv[3]
        os.makedirs(WORK, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        WORK = tmp.name
    tests = [test_cli_surface, test_keys, test_hash, test_sign_verify,
             test_wins, test_rand, test_winprob, test_calldata,
             test_payment_codec, test_params, test_pay_receive, test_request,
             test_receipts, test_risk]
    for t in tests:
        before = len(FAILURES)
        try:
            t()
            flush()
        except Exception as e:  # a crash of the driver is a failure too
            fail(t.__name__, "raised %r" % (e,))
        print("%-22s %s" % (t.__name__, "ok" if len(FAILURES) == before
                            else "FAILED (%d)" % (len(FAILURES) - before)))
    for f in FAILURES[:200]:
        print("  " + f)
    print("%d ticketctl runs, %d failures" % (RUNS, len(FAILURES)))
    if tmp:
        tmp.cleanup()
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

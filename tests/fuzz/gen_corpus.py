#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets from the test vectors
(tests/vectors).

    gen_corpus.py [--vectors DIR] [--check]

Each target's corpus is tests/fuzz/corpus/<target>/. This script owns the
files named seed-<sha1 prefix> there: it writes exactly the seeds derived
below and deletes stale seed-* files. Other files are never touched:
regress-* (inputs that once exposed a bug) and long-* (inputs a long
fuzzing run found to add coverage, kept with libFuzzer's -merge=1; see
docs/SECURITY.md). With --check nothing is written; the
exit status is 1 if the committed seeds differ from what would be written
(CTest runs this as fuzz_corpus_fresh).

The seeds are the vectors' own byte strings, in the input format of each
target (see the comment at the top of tests/fuzz/fuzz_<target>.c).
"""
import argparse
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX = 2**256 - 1


def hexbytes(s):
    assert s.startswith("0x"), s
    return bytes.fromhex(s[2:])


def load(vectors, name):
    with open(os.path.join(vectors, name), encoding="utf-8") as f:
        return json.load(f)


# ---- Keccak-256 (Ethereum's padding 0x01), for keystore MACs -----------
def keccak256(data):
    rc = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A,
          0x8000000080008000, 0x000000000000808B, 0x0000000080000001,
          0x8000000080008081, 0x8000000000008009, 0x000000000000008A,
          0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
          0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
          0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
          0x000000000000800A, 0x800000008000000A, 0x8000000080008081,
          0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
    rot = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
           [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
    mask = (1 << 64) - 1

    def rol(v, n):
        return ((v << n) | (v >> (64 - n))) & mask if n else v

    def f(a):
        for r in range(24):
            c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4]
                 for x in range(5)]
            d = [c[(x - 1) % 5] ^ rol(c[(x + 1) % 5], 1) for x in range(5)]
            a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
            b = [[0] * 5 for _ in range(5)]
            for x in range(5):
                for y in range(5):
                    b[y][(2 * x + 3 * y) % 5] = rol(a[x][y], rot[x][y])
            a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y])
                  for y in range(5)] for x in range(5)]
            a[0][0] ^= rc[r]
        return a

    rate = 136
    msg = bytearray(data) + b"\x01"
    msg += b"\x00" * (-len(msg) % rate)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(msg[off + 8 * i:off + 8 * i + 8],
                                               "little")
        a = f(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


# ---- a minimal protobuf reader/writer (only what the seeds need) --------
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def fields(buf):
    """(field number, wire type, value) of a message; value is an int for
    varints and bytes for length-delimited fields."""
    i, out = 0, []
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 2:
            ln, i = read_varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        else:
            raise ValueError("unexpected wire type %d" % wt)
        out.append((num, wt, v))
    return out


def ld(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def orchestrator_info(payment):
    """OrchestratorInfo { ticket_params = 2; price_info = 3; } built from a
    Payment: its TicketParams with the expiration params moved into field
    7 (as a recipient advertises them) and its PriceInfo."""
    fs = fields(payment)
    tp = next((v for n, _, v in fs if n == 1), None)
    exp = next((v for n, _, v in fs if n == 3), None)
    price = next((v for n, _, v in fs if n == 5), None)
    if tp is None or price is None:
        return None
    if exp is not None and not any(n == 7 for n, _, _ in fields(tp)):
        tp = tp + ld(7, exp)
    return ld(2, tp) + ld(3, price)


# ---- seeds per target ----------------------------------------------------
def seeds_hex(v):
    out = []
    for c in load(v, "keys.json")["cases"]:
        out += [c["privkey"], c["address"], c["address_checksummed"],
                c["pubkey_uncompressed"]]
    for c in load(v, "win_prob.json")["cases"]:
        out += [c["ev"], c["face_value"], hex(int(c["face_value"]))]
    out += [str(MAX), str(MAX + 1), hex(MAX), hex(N), "0x", "0x0", "0", "",
            "0x" + "0" * 70 + "1", "0" * 90 + "7"]
    return [s.encode() for s in out]


def seeds_signature(v):
    out = []
    for c in load(v, "personal_sign.json")["cases"]:
        out.append(hexbytes(c["message"]) + hexbytes(c["signature"]))
    for c in load(v, "bad_signatures.json")["cases"]:
        out.append(hexbytes(c["message"]) + hexbytes(c["signature"]))
    return out


def payments(v):
    return [hexbytes(c["encoded_hex"])
            for c in load(v, "payment_proto.json")["cases"]]


def seeds_payment(v):
    return payments(v)


def seeds_params(v):
    return [m for m in map(orchestrator_info, payments(v)) if m is not None]


def seeds_base64(v):
    out = []
    for c in load(v, "payment_proto.json")["cases"]:
        b64 = c["encoded_base64"].encode()
        out += [b64, b64.rstrip(b"=")]  # and the unpadded (invalid) form
    return out + [b"", b"=", b"AA==", b"AB==", b"AAA=", b"AAB=", b"####"]


def seeds_receive(v):
    # Flag byte (see fuzz_receive.c), then the payment: as is, with every
    # repair, and with every repair and a second receive.
    return [bytes([f]) + m for m in payments(v) for f in (0x00, 0x1f, 0x3f)]


def seeds_calldata(v):
    d = load(v, "redeem_calldata.json")
    return [hexbytes(c["calldata"]) for c in d["cases"] + d["batch_cases"]]


def seeds_ticketctl(v):
    """"<command>\\n<request JSON>", requests built from the vectors."""
    reqs = []

    def add(cmd, req):
        reqs.append(cmd.encode() + b"\n" +
                    json.dumps(req, sort_keys=True).encode())

    T8 = ("recipient", "sender", "face_value", "win_prob", "sender_nonce",
          "recipient_rand_hash", "creation_round", "creation_round_block_hash")
    for c in load(v, "keys.json")["cases"][:4]:
        add("address", {"privkey": c["privkey"]})
    for c in load(v, "ticket_hash.json")["cases"][:4]:
        add("hash", {"ticket": {k: c[k] for k in T8}})
    for c in load(v, "signed_tickets.json")["cases"][:4]:
        t = {k: c["ticket"][k] for k in T8}
        add("sign", {"privkey": c["sender_privkey"], "ticket": t})
        add("verify", {"ticket": t, "signature": c["signature"]})
        add("wins", {"signature": c["signature"],
                     "recipient_rand": c["recipient_rand"],
                     "win_prob": c["ticket"]["win_prob"]})
    for c in load(v, "bad_signatures.json")["cases"][:11]:
        t = load(v, "signed_tickets.json")["cases"][0]["ticket"]
        add("verify", {"ticket": {k: t[k] for k in T8},
                       "signature": c["signature"]})
    rk = ("secret", "seed", "sender", "face_value", "win_prob",
          "expiration_block", "price_num", "price_den", "creation_round",
          "creation_round_block_hash")
    for c in load(v, "recipient_rand.json")["cases"][:4]:
        add("rand", {k: c[k] for k in rk})
    for c in load(v, "win_prob.json")["cases"][:6]:
        add("winprob", {"face_value": c["face_value"], "ev": c["ev"]})
    d = load(v, "redeem_calldata.json")
    for c in d["cases"][:2]:
        add("calldata", {"tickets": [c["ticket"]],
                         "signatures": [c["signature"]],
                         "recipient_rands": [c["recipient_rand"]]})
    for c in d["batch_cases"][:3]:
        add("calldata", {"tickets": c["tickets"], "signatures": c["signatures"],
                         "recipient_rands": c["recipient_rands"],
                         "batch": True})
    pk = ("recipient", "face_value", "win_prob", "recipient_rand_hash", "seed",
          "expiration_block", "creation_round", "creation_round_block_hash")
    for c in load(v, "payment_proto.json")["cases"]:
        add("payment-encode", {"payment": c["payment"]})
        add("payment-decode", {"base64": c["encoded_base64"]})
        add("payment-decode", {"hex": c["encoded_hex"]})
        val = c["values"]
        if "tickets" not in val:
            continue
        add("receive", {"secret": "0x" + "11" * 32,
                        "recipient": val["recipient"], "last_block": 100,
                        "base64": c["encoded_base64"]})
        if all(k in val for k in pk):
            tp = {k: val[k] for k in pk}
            tp.update(price_num="1200", price_den="1")
            add("pay", {"privkey": val["sender_privkey"], "ticket_params": tp,
                        "count": len(val["tickets"]), "last_block": 100})
    add("params", {"secret": "0x" + "11" * 32,
                   "recipient": "0x708f0686107991e381ad8d5dd8eabb4c76dffeee",
                   "sender": "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
                   "ev": "1000000000000", "redeem_gas": 350000,
                   "tx_cost_multiplier": 100, "gas_price": "1000000000",
                   "max_float": "1000000000000000000000", "last_block": 100,
                   "creation_round": "5",
                   "creation_round_block_hash": "0x" + "22" * 32,
                   "price_num": "3", "price_den": "1000", "seed": "42"})
    add("keygen", {})
    return reqs


def seeds_keystore(v):
    """Passphrase length byte, passphrase, keystore JSON. The MAC is right
    (keccak(dk[16:32] || ciphertext)), so the seeds reach decryption; the
    ciphertext is arbitrary, so the key is whatever AES-CTR makes of it,
    and the named address (when present) is one the key does not own."""
    assert keccak256(b"").hex().startswith("c5d24601")
    out = []
    pw = b"fuzz-pass"
    for i, (kdf, cost) in enumerate([("scrypt", 2), ("scrypt", 16),
                                     ("pbkdf2", 1), ("pbkdf2", 16)]):
        salt = keccak256(b"salt-%d" % i)
        ct = keccak256(b"ct-%d" % i)
        iv = keccak256(b"iv-%d" % i)[:16]
        if kdf == "scrypt":
            dk = hashlib.scrypt(pw, salt=salt, n=cost, r=1, p=1, dklen=32)
            params = {"n": cost, "r": 1, "p": 1, "dklen": 32,
                      "salt": salt.hex()}
        else:
            dk = hashlib.pbkdf2_hmac("sha256", pw, salt, cost, 32)
            params = {"c": cost, "prf": "hmac-sha256", "dklen": 32,
                      "salt": salt.hex()}
        crypto = {"cipher": "aes-128-ctr", "cipherparams": {"iv": iv.hex()},
                  "ciphertext": ct.hex(), "kdf": kdf, "kdfparams": params,
                  "mac": keccak256(dk[16:] + ct).hex()}
        ks = {"version": 3, "id": "fuzz-%d" % i, "crypto": crypto}
        variants = [ks, dict(ks, address=keccak256(b"a")[:20].hex()),
                    {"version": 3, "Crypto": crypto}, dict(ks, version=1)]
        for k in variants:
            j = json.dumps(k, sort_keys=True).encode()
            out += [bytes([len(pw)]) + pw + j, b"\x00" + j]
    return out


def seeds_receipt(v):
    # LibticketReceipt messages against fuzz_receipt.c's sent payment
    # (nonces 0..15, 7 twice): the receipts' counts, credit, block and
    # signature, the tickets as the first nonces, every other one a winner.
    def uint(n):
        b = n.to_bytes(32, "big").lstrip(b"\x00")
        return ld(3, b) if b else b""

    def packed(num, xs):
        return ld(num, b"".join(varint(x) for x in xs)) if xs else b""

    out = []
    for c in load(v, "receipts.json")["cases"]:
        m, sig = c["message"], c.get("signature", "0x")
        n = min(len(m["tickets"]), 16)
        tickets = list(range(n))
        block = int(m["block_number"]).to_bytes(32, "big").lstrip(b"\x00")
        out.append(packed(1, tickets) + packed(2, tickets[::2]) +
                   uint(int(m["credited_wei"])) +
                   (ld(4, block) if block else b"") + ld(5, hexbytes(sig)))
    return out


TARGETS = {
    "hex": seeds_hex,
    "signature": seeds_signature,
    "payment": seeds_payment,
    "params": seeds_params,
    "base64": seeds_base64,
    "calldata": seeds_calldata,
    "receive": seeds_receive,
    "ticketctl": seeds_ticketctl,
    "keystore": seeds_keystore,
    "receipt": seeds_receipt,
}


def seed_name(data):
    return "seed-" + hashlib.sha1(data).hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors",
                    default=os.path.join(REPO, "tests", "vectors"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    stale = 0
    for target, make in sorted(TARGETS.items()):
        want = {seed_name(d): d for d in make(args.vectors)}
        dirp = os.path.join(HERE, "corpus", target)
        have = set()
        if os.path.isdir(dirp):
            have = {f for f in os.listdir(dirp) if f.startswith("seed-")}
        changed = 0
        for name in sorted(have - set(want)):
            changed += 1
            if args.check:
                print("stale: corpus/%s/%s" % (target, name))
            else:
                os.remove(os.path.join(dirp, name))
        for name, data in sorted(want.items()):
            path = os.path.join(dirp, name)
            cur = None
            if os.path.exists(path):
                with open(path, "rb") as f:
                    cur = f.read()
            if cur == data:
                continue
            changed += 1
            if args.check:
                print("%s: corpus/%s/%s" % ("differs" if cur is not None
                                            else "missing", target, name))
            else:
                os.makedirs(dirp, exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
        stale += changed
        print("%-10s %4d seeds, %d %s" % (target, len(want), changed,
              "out of date" if args.check else "written or removed"))
    if args.check and stale:
        print("corpus out of date: run tests/fuzz/gen_corpus.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

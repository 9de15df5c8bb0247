#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the in-repo vectors (tests/vectors) agree with the shared
vector set (../shared/vectors) case by case (CTest: vectors_agree, label
`vectors`).

    check_agreement.py OURS_DIR SHARED_DIR

Exit 77 (CTest skip) when SHARED_DIR holds no vectors: a clone without
../shared has nothing to compare with.

The two sets come from different generators, so their case lists differ by
design (our pseudo-random inputs come from our own labels). The rule, for
each file both sets have:
  * a case is identified by its INPUTS only (KEYS below); two cases with the
    same inputs are "common";
  * every common case must give the same OUTPUTS (every field of OUTS below,
    a field absent from one side compared as absent);
  * a case identified twice in one file is an error (ambiguous);
  * the number of common cases must reach MIN_COMMON for the file: the cases
    whose inputs both generators take from the same documented rule (every
    Keccak input, key, personal_sign and bad signature, the fully specified
    ticket-hash edges and Livepeer known answers, the spelled-out win_prob
    edges, the selectors, the 0-ticket payments, the empty batch) plus the
    anchors: cases whose inputs our generator takes from the shared set
    (signed tickets 0-1 and so redeem cases 0-1 and the 1-ticket batch,
    recipient_rand 0 and 3, segment credentials 0 and 3 and so the two
    invalid cases made from them).
Prose fields (description, label, note, *_detail) are not compared.

An entry of KEYS may be a function of the case instead of a field name:
a receipt is identified by its domain, message and key, and an invalid one
also by the signature it carries (several invalid receipts share a base).
Receipts and risk anchors: receipts 0-3 take the inputs of the shared
cases 0, 1, 3, 4 (and the wrong_signer key of shared case 24), so the
invalid receipts derived from them by the same rule are common too; risk
cases 0-12 take the inputs of shared cases 0-5, 7, 25, 26, 29, 30, 33, 34.
"""
import json
import os
import sys

TICKET = ("recipient", "sender", "face_value", "win_prob", "sender_nonce",
          "recipient_rand_hash", "creation_round", "creation_round_block_hash")
RAND_IN = ("secret", "seed", "sender", "face_value", "win_prob",
           "expiration_block", "price_num", "price_den", "creation_round",
           "creation_round_block_hash")

# file -> [(section, inputs, outputs, minimum common cases)]
RULES = {
    "keccak256.json": [("cases", ("input", "input_ascii"), ("digest",), 304)],
    "keys.json": [("cases", ("privkey",),
                   ("pubkey_uncompressed", "address", "address_checksummed"), 40)],
    "personal_sign.json": [("cases", ("privkey", "message"),
                            ("address", "eth_signed_hash", "signature", "r", "s", "v"), 40)],
    "bad_signatures.json": [("cases", ("address", "message", "signature"),
                             ("reason", "signature_length", "ticket_broker_verdict",
                              "go_livepeer_verdict", "recovered_address",
                              "plain_ecrecover_address", "eip2098_recovered_address",
                              "eip2098_recovers_signer"), 100)],
    "ticket_hash.json": [("cases", TICKET, ("aux_data", "packed", "hash"), 13)],
    "signed_tickets.json": [("cases", ("ticket", "sender_privkey", "recipient_rand"),
                             ("ticket_hash", "eth_signed_hash", "signature",
                              "recipient_rand_hash", "win_value", "win_value_hex",
                              "wins", "win_checks"), 2)],
    "recipient_rand.json": [("cases", RAND_IN,
                             ("aux_data", "hmac_message", "recipient_rand",
                              "recipient_rand_hex", "recipient_rand_hash"), 2)],
    "win_prob.json": [("cases", ("ev", "face_value"),
                       ("win_prob", "exceeds_max", "branch", "ev_of_ticket_num",
                        "ev_of_ticket_den", "go_livepeer_win_prob"), 33)],
    "redeem_calldata.json": [
        ("selectors", ("signature",), ("function", "selector"), 11),
        ("cases", ("ticket", "signature", "recipient_rand"), ("calldata",), 2),
        ("batch_cases", ("tickets", "signatures", "recipient_rands"), ("calldata",), 2)],
    "payment_proto.json": [("cases", ("payment",),
                            ("encoded_hex", "encoded_base64"), 2)],
    "receipts.json": [("cases", (lambda c: None if c.get("valid") else c.get("signature"),
                                 "domain", "message", "recipient_privkey"),
                       ("valid", "reason", "strict_reject_rule", "tickets_hash",
                        "winners_hash", "domain_separator", "struct_hash", "digest",
                        "signature", "r", "s", "v", "signer_privkey",
                        "recovered_address", "plain_ecrecover_address",
                        "eip2098_recovered_address", "eip2098_recovers_signer",
                        "signature_length", "ethers_verify_typed_data"), 9)],
    "risk.json": [("cases", ("groups", "deposit", "eps"),
                   ("max_sum", "risk", "risk_f64", "required_deposit",
                    "risk_at_required_deposit"), 13)],
    "segment_credentials.json": [("cases", ("manifest_id_hex", "seq",
                                            "segment_hash", "profiles", "address"),
                                  ("valid", "flatten", "digest", "eip191_hash",
                                   "signature", "recovered_address"), 4)],
}



def canon(v):
    return json.dumps(v, sort_keys=True)


def index(cases, inputs, where):
    out = {}
    for c in cases:
        k = canon([f(c) if callable(f) else c.get(f) for f in inputs])
        if k in out:
            raise SystemExit("%s: two cases with the same inputs %s" % (where, k[:120]))
        out[k] = c
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ours_dir, shared_dir = sys.argv[1], sys.argv[2]
    if os.path.realpath(ours_dir) == os.path.realpath(shared_dir):
        print("OURS_DIR and SHARED_DIR are the same directory: nothing would "
              "be compared (fix TICKET_SHARED_VECTORS_DIR)")
        return 1
    if not os.path.isfile(os.path.join(shared_dir, "keccak256.json")):
        print("no shared vectors in %s: nothing to compare (skipped)" % shared_dir)
        return 77
    failures, checked = 0, 0
    for name, sections in RULES.items():
        with open(os.path.join(ours_dir, name), encoding="utf-8") as f:
            ours = json.load(f)
        with open(os.path.join(shared_dir, name), encoding="utf-8") as f:
            shared = json.load(f)
        for section, inputs, outputs, minimum in sections:
            where = "%s/%s" % (name, section)
            a = index(ours[section], inputs, "ours " + where)
            b = index(shared[section], inputs, "shared " + where)
            common = sorted(set(a) & set(b))
            bad = 0
            for k in common:
                for f in outputs:
                    if a[k].get(f) != b[k].get(f):
                        bad += 1
                        print("DIFFER %s field %s for inputs %s:\n  ours   %s\n  shared %s"
                              % (where, f, k[:160], a[k].get(f), b[k].get(f)))
            ok = bad == 0 and len(common) >= minimum
            if len(common) < minimum:
                print("TOO FEW %s: %d common cases, need %d" % (where, len(common), minimum))
            print("%-4s %-32s %3d common of %3d ours / %3d shared (min %d)"
                  % ("ok" if ok else "FAIL", where, len(common), len(a), len(b), minimum))
            failures += not ok
            checked += len(common)
    print("%d common cases checked, %d sections failed" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

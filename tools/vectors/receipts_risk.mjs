// SPDX-License-Identifier: MIT
// receipts.json (EIP-712 payment receipts, docs/receipts.md R1) and risk.json
// (deposit risk, R2) for generate.mjs. Receipts: ethers' TypedDataEncoder
// and SigningKey (RFC 6979, low s, v 27/28). Risk: exact BigInt arithmetic,
// p = win_prob / 2^256, the distribution of the winning face values by
// convolution over the groups (binomial per group), all numerators over one
// power-of-two denominator. Pseudo-random inputs are keccak256 of labels
// under our own prefixes ("own-receipts/", "own-risk/"); the anchor cases
// take their inputs (never their outputs) from the shared set so that
// vectors_agree has common cases to compare (docs/vectors.md).
import {
  SigningKey, TypedDataEncoder, computeAddress, concat, getBytes, keccak256,
  toUtf8Bytes, verifyTypedData, zeroPadValue, toBeHex,
} from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const MAX = (1n << 256n) - 1n;
const Q = 1n << 256n;
const ZERO32 = "0x" + "00".repeat(32);
const K = (label) => BigInt(keccak256(toUtf8Bytes(label)));
const kHex = (label) => keccak256(toUtf8Bytes(label));
const be32 = (x) => zeroPadValue(toBeHex(x), 32);
const address = (priv) => computeAddress(priv).toLowerCase();

// ---- receipts.json --------------------------------------------------------
const DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
const TYPES = { PaymentReceipt: [
  { name: "sender", type: "address" }, { name: "recipient", type: "address" },
  { name: "recipientRandHash", type: "bytes32" }, { name: "tickets", type: "bytes32[]" },
  { name: "winners", type: "bytes32[]" }, { name: "creditedWei", type: "uint256" },
  { name: "blockNumber", type: "uint256" }] };
const R = (label) => K("own-receipts/" + label);
const rHex = (label) => kHex("own-receipts/" + label);
const rAddr = (label) => "0x" + rHex(label).slice(-40);
const rKey = (label) => be32((R(label) % (N - 1n)) + 1n);

const ethDomain = (d) => ({ name: d.name, version: d.version, chainId: BigInt(d.chain_id),
  verifyingContract: d.verifying_contract });
const ethMessage = (m) => ({ sender: m.sender, recipient: m.recipient, recipientRandHash: m.recipient_rand_hash,
  tickets: m.tickets, winners: m.winners, creditedWei: BigInt(m.credited_wei), blockNumber: BigInt(m.block_number) });
// The camelCase JSON form of what was signed (signed_message, signed_domain).
const camelMessage = (m) => ({ ...ethMessage(m), creditedWei: m.credited_wei, blockNumber: m.block_number });
const camelDomain = (d) => ({ name: d.name, version: d.version, chainId: d.chain_id, verifyingContract: d.verifying_contract });
const listHash = (xs) => keccak256(xs.length ? concat(xs) : "0x");
const digestOf = (d, m) => TypedDataEncoder.hash(ethDomain(d), TYPES, ethMessage(m));

function hashes(d, m) {
  return { tickets_hash: listHash(m.tickets), winners_hash: listHash(m.winners),
    domain_separator: TypedDataEncoder.hashDomain(ethDomain(d)),
    struct_hash: TypedDataEncoder.hashStruct("PaymentReceipt", TYPES, ethMessage(m)),
    digest: digestOf(d, m) };
}
function sign(priv, digest) {
  const s = new SigningKey(priv).sign(digest);
  if (BigInt(s.s) > N / 2n || (s.v !== 27 && s.v !== 28)) throw new Error("not canonical");
  return s.serialized;
}
const sigParts = (sig) => ({ r: "0x" + sig.slice(2, 66), s: "0x" + sig.slice(66, 130), v: parseInt(sig.slice(130, 132), 16) });
function ecrecover(digest, sig, v) {
  const { r, s } = sigParts(sig);
  try {
    const pub = new secp256k1.Signature(BigInt(r), BigInt(s)).addRecoveryBit(v - 27).recoverPublicKey(digest.slice(2));
    return computeAddress("0x" + pub.toHex(false)).toLowerCase();
  } catch { return null; }
}
function ethersVerdict(d, m, sig) {
  try {
    return { outcome: "recovers", address: verifyTypedData(ethDomain(d), TYPES, ethMessage(m), sig).toLowerCase() };
  } catch (e) { return { outcome: "throws", error: e.shortMessage ?? e.message }; }
}

// Anchors: inputs of shared cases 0, 1, 3 and 4 (and the other key of its
// wrong_signer case 24), copied so that the derived invalid cases coincide too.
const ANCHORS = [
  { label: "anchor (shared case 0): empty receipt, chainId 1, creditedWei 0, blockNumber 0",
    domain: { chain_id: "1", verifying_contract: "0xfb9d584b75d6741e3a387bed59d290ebfe86c67f" },
    sender: "0x22ab30248e250b94cc2083fe374f15d4581c833c",
    rrh: "0x384c82f6a1d7c8f0e073ae12cc21e93a99ea8529334dfd7e57f4d6234b0bba24", tickets: [], winners: [],
    credited: "0", block: "0", key: "0xea5ac377eef4d0e0da2cf0e94e5f5416eea04c337760d8dbacae2ade36dda198" },
  { label: "anchor (shared case 1): empty receipt on Arbitrum (42161), blockNumber 2^64-1",
    domain: { chain_id: "42161", verifying_contract: "0xb67e6139c2e1a30f220f3e331307d0f9d1b9a1e2" },
    sender: "0xe5ceadcf1274e11bb3e3ffadfa30b05edc4626d2",
    rrh: "0x3e4c9a4af532194733ec6e9564c3f3e7933aa9b5320285d9dfe02be84d2b9bdf", tickets: [], winners: [],
    credited: "0", block: "18446744073709551615", key: "0x80fb85e304e5e459770be91735979d20cbe687e169433b7f1ce01a859a488494" },
  { label: "anchor (shared case 3): 1 ticket that won, chainId 1",
    domain: { chain_id: "1", verifying_contract: "0xe346d264bf505ec56a702104f0f8eacb5625c5f9" },
    sender: "0xb1ccc96a2f009210810fe85e91d7cc8e743c11c4",
    rrh: "0x64aba3006ab80ebe455753c5baeb2c7bed05723c63a8f603abe66f654ebee03b", tickets: ["0x10509426dd874dc2cdb93bdd6595359c2ee9f701293206ae9253ef4cd8ab2386"], winners: [0],
    credited: "8470534008839734600181061490087379229077980234148", block: "29946967",
    key: "0x1f5eaf1fde6ea7446b1a1a6895b6ff91c7b96543fce43c7f3bc39e3a40ac9733" },
  { label: "anchor (shared case 4): 1 winning ticket, creditedWei 2^256-1, chainId 31337",
    domain: { chain_id: "31337", verifying_contract: "0xaab6092cc169e02088098eca298701d16a1713cd" },
    sender: "0xa110c02794ed972d9289f4ca7fd815b9d98678d3",
    rrh: "0x9addeb5c6a19d8f9dd824d7906f3e1c425d697c8aa048c804ffc7202c0e57ab7", tickets: ["0x6e2f2f457fbfcc4ece8e3847c288c1d83696c44a1dc7dac5cf87eb268da4bde2"], winners: [0],
    credited: MAX.toString(), block: "16791934", key: "0x2952f7461460e946656bf04271e3044b8887a2b491878b120efafa2cbf6103b3" },
];
const ANCHOR_OTHER_KEY = "0xd4d84885c1a913505d5661dca6aab8723f583d47cc79e896297bb1ff6ef4e08e";

export function genReceipts(writeJson) {
  const cases = [];
  const valid = (label, o) => {
    const domain = { name: "libticket receipt", version: "1", ...o.domain };
    const message = { sender: o.sender, recipient: address(o.key), recipient_rand_hash: o.rrh,
      tickets: o.tickets, winners: o.winners.map((j) => o.tickets[j]), credited_wei: o.credited, block_number: o.block };
    const h = hashes(domain, message), sig = sign(o.key, h.digest);
    const c = { index: cases.length, label, valid: true, domain, message, recipient_privkey: o.key, ...h,
      signature: sig, ...sigParts(sig) };
    if (o.winners.length) c.winner_indices = o.winners;
    cases.push(c);
    return c;
  };
  for (const a of ANCHORS) valid(a.label, a);
  // Own cases: [label, ticket count, winner indices, overrides].
  const own = [
    ["1 ticket, no winner (42161)", 1, [], {}],
    ["2 tickets, the first won", 2, [0], {}],
    ["3 tickets, all won", 3, [0, 1, 2], {}],
    ["5 tickets, winners {1, 4}", 5, [1, 4], {}],
    ["7 tickets, no winner; creditedWei 1", 7, [], { credited: "1" }],
    ["10 tickets, no winner; creditedWei = blockNumber = 2^256-1", 10, [], { credited: MAX.toString(), block: MAX.toString() }],
    ["17 tickets, 3 pseudo-random winners", 17, "r3", {}],
    ["32 tickets, winners == tickets", 32, "all", {}],
    ["64 tickets, 4 pseudo-random winners", 64, "r4", {}],
    ["100 tickets, first and last won", 100, [0, 99], {}],
    ["256 tickets, only the first won", 256, [0], {}],
    ["600 tickets, no winner", 600, [], {}],
    ["600 tickets, 2 pseudo-random winners", 600, "r2", {}],
    ["600 tickets, winners == tickets; creditedWei 0", 600, "all", { credited: "0" }],
    ["recipient private key 2", 2, [1], { key: be32(2n) }],
    ["recipient private key n-2", 2, [], { key: be32(N - 2n) }],
    ["verifyingContract is the zero address, sender 0xff..ff", 1, [], { domain: { verifying_contract: "0x" + "00".repeat(20) }, sender: "0x" + "ff".repeat(20) }],
    ["recipientRandHash 0xff..ff, sender is the zero address", 4, [2], { rrh: "0x" + "ff".repeat(32), sender: "0x" + "00".repeat(20) }],
    ["chainId 2^256-1, verifyingContract 0xff..ff", 3, [1], { domain: { chain_id: MAX.toString(), verifying_contract: "0x" + "ff".repeat(20) } }],
    ["chainId 0, blockNumber 1", 6, [5], { domain: { chain_id: "0" }, block: "1" }],
  ];
  own.forEach(([label, n, w, o], i) => {
    const p = `valid-${i}/`;
    const tickets = Array.from({ length: n }, (_, j) => rHex(p + "ticket-" + j));
    let winners = w;
    if (w === "all") winners = tickets.map((_, j) => j);
    else if (typeof w === "string") {
      const set = new Set();
      for (let k = 0; set.size < Number(w.slice(1)); k++) set.add(Number(R(p + "winner-" + k) % BigInt(n)));
      winners = [...set].sort((a, b) => a - b);
    }
    const chains = ["1", "42161", "31337"];
    valid(label, { domain: { chain_id: chains[i % 3], verifying_contract: rAddr(p + "contract"), ...o.domain },
      sender: o.sender ?? rAddr(p + "sender"), rrh: o.rrh ?? rHex(p + "rrh"), tickets, winners,
      credited: o.credited ?? (R(p + "credited") >> (R(p + "shift") % 256n)).toString(),
      block: o.block ?? (R(p + "block") % 30000000n).toString(), key: o.key ?? rKey(p + "key") });
  });
  if (cases.length !== 24) throw new Error("24 valid receipts expected");

  const invalid = (reason, detail, b, o) => {
    const domain = o.domain ?? b.domain, message = o.message ?? b.message, sig = o.signature;
    const c = { index: cases.length, label: `${reason}: ${detail}`, valid: false, reason, detail, base_case: b.index,
      domain, message, recipient_privkey: b.recipient_privkey, ...hashes(domain, message), signature: sig };
    if (lenOf(sig) === 65) Object.assign(c, sigParts(sig));
    Object.assign(c, o.extra, { strict_reject_rule: o.rule });
    if (o.rule === "address_mismatch") c.recovered_address = ecrecover(c.digest, sig, sigParts(sig).v);
    c.ethers_verify_typed_data = ethersVerdict(domain, message, sig);
    if (c.ethers_verify_typed_data.outcome === "recovers" && c.ethers_verify_typed_data.address === message.recipient &&
        o.rule === "address_mismatch") throw new Error("invalid receipt verifies: " + c.label);
    Object.assign(c, o.after);
    cases.push(c);
  };
  const byV = (v) => cases.filter((c) => c.valid && c.v === v && c.index >= 4);
  const V = cases.slice(0, 24);
  // wrong_signer
  invalid("wrong_signer", "empty receipt signed by another key", V[0],
    { signature: sign(ANCHOR_OTHER_KEY, V[0].digest), rule: "address_mismatch", extra: { signer_privkey: ANCHOR_OTHER_KEY } });
  const other = rKey("wrong-signer-key");
  invalid("wrong_signer", "17-ticket receipt signed by another key", V[10],
    { signature: sign(other, V[10].digest), rule: "address_mismatch", extra: { signer_privkey: other } });
  // high_s: the malleated twin (s -> n - s, v flipped)
  for (const b of [V[2], V[13]]) {
    const { r, s, v } = sigParts(b.signature);
    const twin = concat([r, be32(N - BigInt(s)), new Uint8Array([55 - v])]);
    invalid("high_s", `twin of case ${b.index}: s -> n-s, v ${v} -> ${55 - v}`, b,
      { signature: twin, rule: "high_s", extra: { twin_of_signature: b.signature },
        after: { plain_ecrecover_address: ecrecover(b.digest, twin, 55 - v) } });
  }
  // bad_v
  const withV = (sig, v) => sig.slice(0, 130) + v.toString(16).padStart(2, "0");
  for (const [b, from, to] of [[V[2], 27, 0], [byV(28)[0], 28, 1], [byV(27)[1], 27, 29]]) {
    if (b.v !== from) throw new Error("bad_v base");
    invalid("bad_v", `v ${from} -> ${to}`, b, { signature: withV(b.signature, to), rule: "v",
      extra: { original_signature: b.signature } });
  }
  // tampered_message: a message field changed after signing
  const tamper = [
    [V[8], "creditedWei", "creditedWei + 1 after signing", (m) => ({ ...m, credited_wei: (BigInt(m.credited_wei) + 1n).toString() })],
    [V[7], "winners", "last winner removed after signing", (m) => ({ ...m, winners: m.winners.slice(0, -1) })],
    [V[6], "tickets", "tickets 1 and 2 swapped (winners follow the new order)", (m) => ({ ...m, tickets: [m.tickets[0], m.tickets[2], m.tickets[1]], winners: [m.tickets[0], m.tickets[2], m.tickets[1]] })],
    [V[12], "blockNumber", "blockNumber - 1 after signing", (m) => ({ ...m, block_number: (BigInt(m.block_number) - 1n).toString() })],
    [V[21], "sender", "first bit of sender flipped", (m) => ({ ...m, sender: "0x" + (BigInt(m.sender) ^ (1n << 159n)).toString(16).padStart(40, "0") })],
  ];
  for (const [b, field, detail, f] of tamper) {
    const message = f(b.message);
    invalid("tampered_message", detail, b, { message, signature: b.signature, rule: "address_mismatch",
      extra: { tampered_field: field, signed_message: camelMessage(b.message), signed_digest: b.digest } });
  }
  // wrong_domain: verified against another domain than the signed one
  const wrongDomain = [
    [V[4], "chainId", (d) => ({ ...d, chain_id: "42161" })],
    [V[5], "chainId", (d) => ({ ...d, chain_id: "1" })],
    [V[9], "verifyingContract", (d) => ({ ...d, verifying_contract: rAddr("wrong-domain-contract") })],
  ];
  for (const [b, field, f] of wrongDomain) {
    const domain = f(b.domain);
    const what = field === "chainId" ? ["chainId " + b.domain.chain_id, "chainId " + domain.chain_id]
      : ["verifyingContract " + b.domain.verifying_contract, "verifyingContract " + domain.verifying_contract];
    invalid("wrong_domain", `signed with ${what[0]}, verified with ${what[1]}`, b, { domain, signature: b.signature,
      rule: "address_mismatch", extra: { wrong_domain_field: field, signed_domain: camelDomain(b.domain), signed_digest: b.digest } });
  }
  // bad_length: 64 bytes (r || s) and 66 bytes
  for (const b of [V[0], byV(28)[1]]) {
    const rs = b.signature.slice(0, 130), e = ecrecover(b.digest, b.signature, 27);
    invalid("bad_length", `r||s only (v byte ${b.v} dropped)`, b, { signature: rs, rule: "length",
      extra: { signature_length: 64, eip2098_recovered_address: e, eip2098_recovers_signer: e === b.message.recipient } });
  }
  invalid("bad_length", "valid 65 bytes plus a trailing 0x00", V[3], { signature: V[3].signature + "00", rule: "length",
    extra: { signature_length: 66 } });
  if (cases.length !== 42) throw new Error("18 invalid receipts expected");

  const encodeType = TypedDataEncoder.from(TYPES).encodeType("PaymentReceipt");
  writeJson("receipts.json", {
    description: "EIP-712 payment receipts (docs/receipts.md R1). domain = {name \"libticket receipt\", version \"1\", chainId (uint256, decimal string), verifyingContract}; domain_separator = keccak256(domain_type_hash || keccak256(name) || keccak256(version) || BE32(chainId) || BE32(verifyingContract)); hash_struct = keccak256(type_hash || BE32(sender) || BE32(recipient) || recipientRandHash || tickets_hash || winners_hash || BE32(creditedWei) || BE32(blockNumber)), tickets_hash / winners_hash = keccak256 of the concatenated 32-byte elements (keccak256(\"\") when empty); digest = keccak256(0x19 0x01 || domain_separator || hash_struct) (ethers TypedDataEncoder.hash). signature = r || s || v over the digest by recipient_privkey (RFC 6979, low s, v 27/28). `valid: false` cases carry `reason`, `strict_reject_rule` (the docs/protocol-notes.md §1 rule that rejects them) and `ethers_verify_typed_data` (what the laxer ethers.verifyTypedData does). Inputs: keccak256 of labels \"own-receipts/...\", except anchor cases 0-3 (inputs of the shared set's cases 0, 1, 3, 4).",
    domain_type: DOMAIN_TYPE, domain_type_hash: kHex(DOMAIN_TYPE), primary_type: "PaymentReceipt",
    encode_type: encodeType, type_hash: keccak256(toUtf8Bytes(encodeType)), types: TYPES,
    counts: { valid: 24, invalid: 18 }, cases });
}
const lenOf = (h) => (h.length - 2) / 2;

// ---- risk.json -------------------------------------------------------------
function bitlen(x) { return x === 0n ? 0 : x.toString(2).length; }
function binom(n, j) { let c = 1n; for (let i = 0n; i < j; i++) c = (c * (n - i)) / (i + 1n); return c; }

// The distribution of the sum of winning face values, truncated to sums <= L:
// Map sum -> numerator over 2^E.
function distribution(groups, L) {
  let shift = 0n;
  for (const g of groups) if (g.known_winner) shift += BigInt(g.face_value) * BigInt(g.count);
  let map = new Map(shift <= L ? [[shift, 1n]] : []), E = 0n;
  for (const g of groups) {
    const f = BigInt(g.face_value), w = BigInt(g.win_prob), n = BigInt(g.count);
    if (g.known_winner || f === 0n || w === 0n || n === 0n) continue;  // no change to the sum
    const min = [...map.keys()].reduce((a, b) => (a < b ? a : b), L + 1n);
    const jmax = L < min ? 0n : ((L - min) / f < n ? (L - min) / f : n);
    const terms = [];
    let qp = (Q - w) ** (n - jmax);
    for (let j = jmax; j >= 0n; j--) { terms[Number(j)] = qp; qp *= (Q - w); }
    let wp = 1n;
    for (let j = 0n; j <= jmax; j++) { terms[Number(j)] *= binom(n, j) * wp; wp *= w; }
    const next = new Map();
    for (const [s, a] of map) for (let j = 0n; j <= jmax && s + j * f <= L; j++)
      next.set(s + j * f, (next.get(s + j * f) ?? 0n) + a * terms[Number(j)]);
    map = next; E += 256n * n;
  }
  return { map, E };
}
const maxSum = (groups) => groups.reduce((a, g) => a + (g.known_winner || BigInt(g.win_prob) > 0n
  ? BigInt(g.face_value) * BigInt(g.count) : 0n), 0n);
// risk(D) = num / 2^E exactly.
function risk(groups, D) {
  if (D >= maxSum(groups)) return { num: 0n, E: 0n };
  const { map, E } = distribution(groups, D);
  let cdf = 0n;
  for (const [s, a] of map) if (s <= D) cdf += a;
  return { num: (1n << E) - cdf, E };
}
// eps as an exact fraction a / b (decimal string, or the binary value of a double).
function decimalFraction(s) {
  const m = /^([0-9]+)(?:\.([0-9]*))?(?:e([-+]?[0-9]+))?$/.exec(s);
  const digits = BigInt(m[1] + (m[2] ?? "")), e = BigInt(m[3] ?? 0) - BigInt((m[2] ?? "").length);
  return e >= 0n ? [digits * 10n ** e, 1n] : [digits, 10n ** -e];
}
function doubleFraction(x) {
  if (x === 0) return [0n, 1n];
  let e = 0n; while (!Number.isInteger(x)) { x *= 2; e++; }
  return [BigInt(x), 1n << e];
}
function requiredDeposit(groups, [a, b]) {
  const top = maxSum(groups);
  let L = 1n;
  for (const g of groups) if (BigInt(g.face_value) * 8n > L) L = BigInt(g.face_value) * 8n;
  for (;;) {
    if (L > top) L = top;
    const { map, E } = distribution(groups, L);
    const sums = [...map.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let cdf = 0n;
    for (const s of sums) {
      cdf += map.get(s);
      if (((1n << E) - cdf) * b <= a << E) return s;
    }
    if (L === top) throw new Error("no required deposit");
    L *= 2n;
  }
}
// num / 2^E rounded half-to-even to 30 significant digits, "d.ddd...e-XX".
function sci30(num, E) {
  if (num === 0n) return "0";
  const den = 1n << E;
  let e10 = Math.floor((bitlen(num) - Number(E)) * Math.log10(2)) - 1;
  const ge = (e) => (e >= 0 ? num >= den * 10n ** BigInt(e) : num * 10n ** BigInt(-e) >= den);
  while (ge(e10 + 1)) e10++;
  while (!ge(e10)) e10--;
  const k = 29 - e10;   // scaled = num * 10^k / den, 30 digits
  const n = k >= 0 ? num * 10n ** BigInt(k) : num, d = k >= 0 ? den : den * 10n ** BigInt(-k);
  let q = n / d; const r = n % d;
  if (2n * r > d || (2n * r === d && q % 2n === 1n)) q++;
  let digits = q.toString();
  if (digits.length === 31) { digits = digits.slice(0, 30); e10++; }
  const ex = Math.abs(e10).toString().padStart(2, "0");
  return `${digits[0]}.${digits.slice(1)}e${e10 < 0 ? "-" : "+"}${ex}`;
}
// The correctly rounded double of num / 2^E (half-to-even; subnormals too).
function toDouble(num, E) {
  if (num === 0n) return 0;
  const b = bitlen(num), e = b - 1 - Number(E);
  const shift = e >= -1022 ? b - 53 : Number(E) - 1074;  // drop bits below the double's ulp
  let m;
  if (shift <= 0) m = num << BigInt(-shift);
  else {
    m = num >> BigInt(shift);
    const rem = num - (m << BigInt(shift)), half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (m & 1n))) m++;
  }
  return Number(m) * 2 ** (shift - Number(E));
}
// Python's repr of a float, so risk_f64 reads as in the shared file.
function pyFloat(x) {
  if (x === 0) return "0.0";
  if (x >= 1e-4 && x < 1e16) return Number.isInteger(x) ? x.toFixed(1) : String(x);
  return x.toExponential().replace(/e([-+])(\d)$/, "e$10$2");
}

const P = (k) => ((Q + BigInt(k) - 1n) / BigInt(k)).toString();      // ceil(2^256 / k)
const G = (face_value, win_prob, count, known_winner = false) => ({ face_value: String(face_value), win_prob: String(win_prob), count, known_winner });
// Shared inputs (anchors): p ~ 1/1000 as the shared set writes it.
const SP1000 = "115792089237316195423570985008687907853269984665640564039457590000000000000";
const E16 = 10n ** 16n;

export function genRisk(writeJson) {
  const list = [
    // anchors (the shared set's inputs: cases 0-5, 7, 25, 26, 29, 30, 33, 34)
    ["anchor: no tickets, D = 0", [], 0n],
    ["anchor: no tickets, D = 10^18", [], 10n ** 18n],
    ["anchor: 10 tickets, D = all 10 face values: risk 0", [G(E16, SP1000, 10)], 10n * E16],
    ["anchor: 10 tickets, D = 10 face values - 1: risk p^10", [G(E16, SP1000, 10)], 10n * E16 - 1n],
    ["anchor: 10 tickets, D = 0", [G(E16, SP1000, 10)], 0n, "1e-3"],
    ["anchor: 100 tickets, D = 1 face value", [G(E16, SP1000, 100)], E16, "1e-6"],
    ["anchor: 1000 tickets, D = 1 face value", [G(E16, SP1000, 1000)], E16],
    ["anchor: 3 known winners + 1000 outstanding, D = 2 face values < known sum: risk 1", [G(E16, SP1000, 3, true), G(E16, SP1000, 1000)], 2n * E16],
    ["anchor: 3 known winners + 1000 outstanding, D = known sum", [G(E16, SP1000, 3, true), G(E16, SP1000, 1000)], 3n * E16, "1e-9"],
    ["anchor: 1 ticket with win_prob 1 (p = 2^-256), D = 0", [G(E16, 1, 1)], 0n],
    ["anchor: 3 tickets with win_prob MAX, D = 2 face values", [G(E16, MAX, 3)], 2n * E16],
    ["anchor: 200 tickets, D = max_sum - 1: risk p^200, not 0", [G(E16, SP1000, 200)], 200n * E16 - 1n],
    ["anchor: eps = 0, 12 tickets", [G(3n * E16, SP1000, 12)], 5n * E16, "0"],
  ];
  // Own cases: pseudo-random groups (faces in units of 10^15 wei, p = 1/k).
  const X = (label) => K("own-risk/" + label);
  const EPS = ["1e-3", "1e-6", "1e-9", "1e-12"];
  for (let i = 0; i < 13; i++) {
    const p = `case-${i}/`, ng = 1 + Number(X(p + "groups") % 3n), groups = [];
    for (let g = 0; g < ng; g++) {
      const q = `${p}group-${g}/`;
      // Faces are multiples of 10^16 below 6 * 10^16 and counts stay small,
      // so the exact distribution has few distinct sums.
      groups.push(G((1n + X(q + "face") % 5n) * E16, P(10n + X(q + "k") % 500n), 1 + Number(X(q + "count") % 150n)));
    }
    const top = maxSum(groups);
    const D = (top * (X(p + "deposit") % 40n)) / 1000n;
    list.push([`pseudo-random ${i}: ${ng} group(s) from keccak256("own-risk/${p}...")`, groups, D, i % 2 === 0 ? EPS[(i / 2) % 4] : undefined]);
  }
  list.push(
    ["zero face value and zero win_prob groups do not count; 300 tickets of 2e15 at p = 1/300, D = 4 face values",
      [G(E16, 0, 50), G(0, P(10), 70), G(2n * 10n ** 15n, P(300), 300)], 8n * 10n ** 15n, "1e-9"],
    ["2 known winners of 3e16 + 500 outstanding of 1e16 at p = 1/250, D = 8e16", [G(3n * E16, P(250), 2, true), G(E16, P(250), 500)], 8n * E16],
    ["p = 2^-8 exactly, 64 tickets, D = 1 face value - 1", [G(E16, 1n << 248n, 64)], E16 - 1n],
    ["1 ticket with win_prob MAX, D = 0: risk 1 - 2^-256 (rounds to 1)", [G(E16, MAX, 1)], 0n],
    ["2 tickets with win_prob 1, D = 1 face value: risk 2^-512", [G(E16, 1, 2)], E16],
    ["same (f, p) in two groups (40 + 60) equals 100 in one; D = 3 face values", [G(E16, P(100), 40), G(E16, P(100), 60)], 3n * E16],
    ["coprime faces 3e15 and 5e15, 150 each at p = 1/60, D = 2e16", [G(3n * 10n ** 15n, P(60), 150), G(5n * 10n ** 15n, P(60), 150)], 2n * E16, "1e-12"],
    ["face value 10^24 x 25 at p = 1/40, D = 3 face values", [G(10n ** 24n, P(40), 25)], 3n * 10n ** 24n],
    ["deposit not a multiple of the face value (4.5 face values = 4), 500 tickets at p = 1/500", [G(E16, P(500), 500)], 45n * 10n ** 15n],
    ["deposit far above max_sum: risk 0", [G(E16, P(7), 30)], 10n ** 30n],
  );
  const cases = list.map(([label, groups, D, eps], index) => {
    if (process.env.VECTORS_VERBOSE) console.error(`risk ${index}: ${label}`);
    const r = risk(groups, D);
    const c = { index, label, groups, deposit: D.toString(), max_sum: maxSum(groups).toString(),
      risk: sci30(r.num, r.E), risk_f64: "__f64:" + pyFloat(toDouble(r.num, r.E)) };
    if (eps !== undefined) {
      const req = requiredDeposit(groups, decimalFraction(eps));
      if (req !== requiredDeposit(groups, doubleFraction(Number(eps))))
        throw new Error(`case ${index}: eps ${eps} and its double disagree`);
      const rr = risk(groups, req);
      Object.assign(c, { eps, required_deposit: req.toString(), risk_at_required_deposit: sci30(rr.num, rr.E) });
    }
    return c;
  });
  if (cases.length !== 36 || cases.filter((c) => c.eps !== undefined).length !== 13)
    throw new Error(`36 risk cases, 13 with eps expected (${cases.length}, ${cases.filter((c) => c.eps !== undefined).length})`);
  writeJson("risk.json", {
    description: "Deposit risk (docs/receipts.md R2). Each case is a set of outstanding tickets given as `groups` of identical tickets {face_value (wei, decimal string), win_prob (uint256, decimal string), count, known_winner}. A ticket wins with probability p = win_prob / 2^256 exactly, independently; a known_winner ticket has p = 1 and its win_prob is ignored. risk(D) = P(sum of the face values of the winning tickets > D) for the integer deposit D = `deposit` (wei). `risk` is the exact value rounded half-to-even to 30 significant digits, formatted d.ddd...e-XX (\"0\" when the risk is exactly 0, iff deposit >= max_sum, the sum of the face values of every ticket that can win); `risk_f64` is the correctly rounded double of the exact value (it underflows to 0.0 below ~2.5e-324: `risk` is authoritative). Where `eps` is present (an exact decimal; its nearest double gives the same answer), `required_deposit` is the smallest integer D with risk(D) <= eps and `risk_at_required_deposit` is risk(required_deposit). Computed exactly with BigInt (tools/vectors/receipts_risk.mjs); inputs: keccak256 of labels \"own-risk/...\" and spelled-out edges, plus anchor cases with the shared set's inputs.",
    cases }, (text) => text.replace(/"__f64:([^"]+)"/g, "$1"));
}

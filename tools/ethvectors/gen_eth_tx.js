// SPDX-License-Identifier: MIT
// Generates tests/vectors/eth_tx.json: EIP-1559 (type 2) transactions built
// and signed by ethers (an independent implementation), for the byte-exact
// tests of src/eth (RLP, signing hash, signature, raw bytes, tx hash).
//
// Run by hand (Node >= 18), from this folder:
//   npm ci && node gen_eth_tx.js > ../../tests/vectors/eth_tx.json
// The output is deterministic: every key and every byte of data comes from
// keccak256 chains over fixed labels, and ECDSA nonces are RFC 6979.
"use strict";
const { Transaction, SigningKey, keccak256, toUtf8Bytes, getBytes, hexlify,
        concat, version } = require("ethers");

const N = (1n << 256n) - 1n;
const U64 = (1n << 64n) - 1n;
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// Deterministic bytes: keccak256(label || counter) blocks.
function bytesFrom(label, len) {
  const out = [];
  for (let i = 0; out.length < len; i++) {
    const h = getBytes(keccak256(toUtf8Bytes(label + "/" + i)));
    for (const b of h) out.push(b);
  }
  return hexlify(Uint8Array.from(out.slice(0, len)));
}
function keyFrom(label) { return bytesFrom("key/" + label, 32); }
function hex32(n) { return "0x" + n.toString(16).padStart(64, "0"); }

const ANVIL_KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5c6ff9ac7da8b7b9a2cf";
const TO = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const keys = [
  hex32(1n), hex32(2n), hex32(SECP_N - 1n), ANVIL_KEY0,
  keyFrom("a"), keyFrom("b"), keyFrom("c"),
];

// [name, fields]; fields not given take these defaults.
const base = { chainId: 1n, nonce: 0n, maxPriorityFeePerGas: 1000000000n,
               maxFeePerGas: 30000000000n, gasLimit: 21000n, to: TO,
               value: 0n, data: "0x" };
const cases = [
  ["all_zero", { chainId: 0n, nonce: 0n, maxPriorityFeePerGas: 0n,
                 maxFeePerGas: 0n, gasLimit: 0n, value: 0n }],
  ["transfer_mainnet", { value: 1000000000000000000n }],
  ["transfer_arbitrum", { chainId: 42161n, nonce: 7n, value: 12345n,
                          maxPriorityFeePerGas: 0n, maxFeePerGas: 100000000n }],
  ["anvil_chain", { chainId: 31337n, nonce: 1n, value: 1n }],
  ["nonce_127", { nonce: 127n }],
  ["nonce_128", { nonce: 128n }],
  ["nonce_255", { nonce: 255n }],
  ["nonce_256", { nonce: 256n }],
  // ethers keeps the nonce as a JS number: 2^53 - 1 is its largest.
  ["nonce_2p53_minus_1", { nonce: BigInt(Number.MAX_SAFE_INTEGER) }],
  ["gas_u64_max", { gasLimit: U64 }],
  ["chain_id_u64_max", { chainId: U64 }],
  ["value_127", { value: 127n }],
  ["value_128", { value: 128n }],
  ["value_u256_max", { value: N }],
  ["fees_u256_max", { maxPriorityFeePerGas: N, maxFeePerGas: N }],
  ["data_one_zero_byte", { data: "0x00" }],
  ["data_byte_7f", { data: "0x7f" }],
  ["data_byte_80", { data: "0x80" }],
  ["data_55", { data: bytesFrom("d55", 55) }],
  ["data_56", { data: bytesFrom("d56", 56) }],
  ["data_255", { data: bytesFrom("d255", 255) }],
  ["data_256", { data: bytesFrom("d256", 256) }],
  ["data_1000", { data: bytesFrom("d1000", 1000), gasLimit: 500000n }],
  ["data_70000", { data: bytesFrom("d70000", 70000), gasLimit: 5000000n }],
  ["create_empty", { to: null, gasLimit: 53000n }],
  ["create_with_code", { to: null, data: bytesFrom("code", 300),
                         gasLimit: 300000n, value: 5n }],
  ["call_selector", { data: "0x219c6a0d" + "0".repeat(64), value: 0n,
                      gasLimit: 100000n }],
  ["to_zero_address", { to: "0x" + "00".repeat(20) }],
];

const out = [];
let k = 0;
for (const [name, f] of cases) {
  // Each case under two keys, except the one long case (the file size).
  const reps = f.data && f.data.length > 20000 ? 1 : 2;
  for (let rep = 0; rep < reps; rep++) {
    const key = keys[k++ % keys.length];
    const fields = Object.assign({}, base, f);
    const tx = Transaction.from({
      type: 2, chainId: fields.chainId, nonce: Number(fields.nonce),
      maxPriorityFeePerGas: fields.maxPriorityFeePerGas,
      maxFeePerGas: fields.maxFeePerGas, gasLimit: fields.gasLimit,
      to: fields.to, value: fields.value, data: fields.data, accessList: [],
    });
    const sk = new SigningKey(key);
    const unsigned = tx.unsignedSerialized;
    const signingHash = keccak256(unsigned);
    if (signingHash !== tx.unsignedHash) throw new Error("hash mismatch");
    tx.signature = sk.sign(signingHash);
    out.push({
      name: name + (rep ? "_k2" : ""),
      seckey: key,
      from: tx.from.toLowerCase(),
      chain_id: fields.chainId.toString(),
      nonce: fields.nonce.toString(),
      max_priority_fee_per_gas: fields.maxPriorityFeePerGas.toString(),
      max_fee_per_gas: fields.maxFeePerGas.toString(),
      gas_limit: fields.gasLimit.toString(),
      to: fields.to === null ? null : fields.to.toLowerCase(),
      value: fields.value.toString(),
      data: fields.data,
      // Omitted for the long case: signing_hash pins it.
      unsigned: unsigned.length > 20000 ? undefined : unsigned,
      signing_hash: signingHash,
      y_parity: tx.signature.yParity,
      r: tx.signature.r,
      s: tx.signature.s,
      raw: tx.serialized,
      hash: tx.hash,
    });
  }
}
process.stdout.write(JSON.stringify({
  _comment: "EIP-1559 (type 2) transactions with an empty access list, built " +
    "and signed by ethers " + version + " (tools/ethvectors/gen_eth_tx.js; " +
    "regenerate: cd tools/ethvectors && npm ci && node gen_eth_tx.js > " +
    "../../tests/vectors/eth_tx.json). Integers are decimal strings; bytes are " +
    "0x hex. unsigned (omitted when long) = 0x02 || rlp(fields); signing_hash = keccak256(unsigned); " +
    "raw = 0x02 || rlp(fields || [y_parity, r, s]); hash = keccak256(raw). " +
    "to null = contract creation.",
  cases: out,
}, null, 1) + "\n");

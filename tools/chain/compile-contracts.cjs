#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Compiles the test contracts (tests/contracts/*.sol) with the pinned solc-js
// of package.json and writes one artifact per contract (ABI, selectors,
// creation and runtime bytecode) to tests/contracts/artifacts/.
//   node tools/chain/compile-contracts.cjs           write the artifacts
//   node tools/chain/compile-contracts.cjs --check   compile afresh and compare
//                                                    with the committed files,
//                                                    byte for byte (CTest)
// Any compiler warning is an error. Nothing is fetched: solc-js carries its
// compiler build inside the npm package.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const repo = path.resolve(__dirname, '..', '..');
const srcDir = path.join(repo, 'tests', 'contracts');
const outDir = path.join(srcDir, 'artifacts');
// The deployable contracts; Interfaces.sol only declares what they call.
const CONTRACTS = ['Controller', 'RoundsManager', 'BondingManager', 'TicketBroker'];
// Pinned so that a newer solc default cannot change the bytecode.
const SETTINGS = { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun' };

function compile() {
  const sources = {};
  for (const f of fs.readdirSync(srcDir).filter((n) => n.endsWith('.sol')).sort()) {
    // Keyed by bare file name: no local path ends up in the metadata.
    sources[f] = { content: fs.readFileSync(path.join(srcDir, f), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.methodIdentifiers'] },
      },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const problems = (out.errors || []).filter((e) => e.severity !== 'info');
  if (problems.length) {
    for (const e of problems) process.stderr.write(e.formattedMessage || e.message);
    throw new Error(`${problems.length} compiler error(s)/warning(s)`);
  }
  const artifacts = {};
  for (const name of CONTRACTS) {
    const c = out.contracts[`${name}.sol`] && out.contracts[`${name}.sol`][name];
    if (!c) throw new Error(`no output for ${name}`);
    const artifact = {
      contractName: name,
      sourceName: `tests/contracts/${name}.sol`,
      compiler: { name: 'solc-js', version: solc.version() },
      settings: SETTINGS,
      abi: c.abi,
      methodIdentifiers: c.evm.methodIdentifiers,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    };
    artifacts[`${name}.json`] = JSON.stringify(artifact, null, 1) + '\n';
  }
  return artifacts;
}

function main() {
  const check = process.argv.includes('--check');
  const artifacts = compile();
  if (!check) {
    fs.mkdirSync(outDir, { recursive: true });
    for (const [f, text] of Object.entries(artifacts)) fs.writeFileSync(path.join(outDir, f), text);
    console.log(`wrote ${Object.keys(artifacts).length} artifacts to ${path.relative(repo, outDir)}`);
    return 0;
  }
  let bad = 0;
  const committed = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.json')) : [];
  for (const f of committed) {
    if (!(f in artifacts)) {
      console.log(`stale artifact (no such contract): ${f}`);
      bad++;
    }
  }
  for (const [f, text] of Object.entries(artifacts)) {
    const p = path.join(outDir, f);
    if (!fs.existsSync(p)) {
      console.log(`missing artifact: ${f}`);
      bad++;
    } else if (fs.readFileSync(p, 'utf8') !== text) {
      console.log(`differs from a fresh compile: ${f} (run node tools/chain/compile-contracts.cjs)`);
      bad++;
    }
  }
  console.log(bad ? `${bad} artifact(s) out of date` : `${Object.keys(artifacts).length} artifacts match a fresh compile`);
  return bad ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(`compile-contracts: ${e.message}\n`);
  process.exitCode = 1;
}

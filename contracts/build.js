#!/usr/bin/env node
// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Compiles every src/*.sol with the pinned solcjs and writes one
// out/<ContractName>.json per contract.
//
//   node build.js           compile and (re)write out/
//   node build.js --check   compile in memory; exit 1 if out/ differs
//
// The settings below are part of the artifacts' identity: changing any of
// them changes the committed bytecode.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = __dirname;
const SRC_DIR = path.join(ROOT, 'src');
const OUT_DIR = path.join(ROOT, 'out');

const SETTINGS = {
  optimizer: { enabled: true, runs: 1000 },
  evmVersion: 'paris',
  metadata: { bytecodeHash: 'none' },
  outputSelection: {
    '*': {
      '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.methodIdentifiers'],
    },
  },
};

function readSources() {
  const files = fs
    .readdirSync(SRC_DIR)
    .filter((f) => f.endsWith('.sol'))
    .sort();
  if (files.length === 0) {
    throw new Error(`no .sol files in ${SRC_DIR}`);
  }
  const sources = {};
  for (const f of files) {
    sources[`src/${f}`] = { content: fs.readFileSync(path.join(SRC_DIR, f), 'utf8') };
  }
  return sources;
}

// Only files under src/ are compiled; anything else imported is an error,
// so the build never depends on what happens to lie around on disk.
function refuseImport(importPath) {
  return { error: `import of '${importPath}' not allowed: only src/*.sol is compiled` };
}

// JSON with object keys sorted at every level (array order kept), so the
// artifact text does not depend on the order solc emits fields in.
function sortKeys(value) {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    const sorted = {};
    for (const k of Object.keys(value).sort()) {
      sorted[k] = sortKeys(value[k]);
    }
    return sorted;
  }
  return value;
}

function compile() {
  const input = { language: 'Solidity', sources: readSources(), settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: refuseImport }));

  let failed = false;
  for (const e of output.errors || []) {
    const msg = e.formattedMessage || `${e.severity}: ${e.message}`;
    if (e.severity === 'error') {
      failed = true;
    }
    process.stderr.write(msg.endsWith('\n') ? msg : `${msg}\n`);
  }
  if (failed) {
    process.stderr.write('build.js: compilation failed\n');
    process.exit(1);
  }

  const version = solc.version();
  const artifacts = new Map(); // file name -> text
  for (const sourceName of Object.keys(output.contracts || {}).sort()) {
    const contracts = output.contracts[sourceName];
    for (const name of Object.keys(contracts).sort()) {
      const file = `${name}.json`;
      if (artifacts.has(file)) {
        process.stderr.write(`build.js: contract name ${name} is defined more than once\n`);
        process.exit(1);
      }
      const c = contracts[name];
      const artifact = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        methodIdentifiers: c.evm.methodIdentifiers,
        compiler: version,
      };
      artifacts.set(file, `${JSON.stringify(sortKeys(artifact), null, 2)}\n`);
    }
  }
  return artifacts;
}

function existingArtifacts() {
  if (!fs.existsSync(OUT_DIR)) {
    return [];
  }
  return fs
    .readdirSync(OUT_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function check(artifacts) {
  let stale = false;
  for (const [file, text] of artifacts) {
    const p = path.join(OUT_DIR, file);
    if (!fs.existsSync(p)) {
      process.stderr.write(`out/${file}: missing\n`);
      stale = true;
    } else if (fs.readFileSync(p, 'utf8') !== text) {
      process.stderr.write(`out/${file}: differs from a fresh build\n`);
      stale = true;
    }
  }
  for (const file of existingArtifacts()) {
    if (!artifacts.has(file)) {
      process.stderr.write(`out/${file}: no contract of that name in src/\n`);
      stale = true;
    }
  }
  if (stale) {
    process.stderr.write('build.js --check: artifacts are stale; run `node build.js` and commit out/\n');
    process.exit(1);
  }
  process.stdout.write(`build.js --check: ${artifacts.size} artifacts up to date (${solc.version()})\n`);
}

function write(artifacts) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  // Remove artifacts of contracts that no longer exist.
  for (const file of existingArtifacts()) {
    if (!artifacts.has(file)) {
      fs.unlinkSync(path.join(OUT_DIR, file));
      process.stdout.write(`removed out/${file}\n`);
    }
  }
  for (const [file, text] of artifacts) {
    fs.writeFileSync(path.join(OUT_DIR, file), text);
    process.stdout.write(`wrote out/${file}\n`);
  }
}

function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`usage: node build.js [--check]\n`);
    process.exit(2);
  }
  const artifacts = compile();
  if (args.includes('--check')) {
    check(artifacts);
  } else {
    write(artifacts);
  }
}

main();

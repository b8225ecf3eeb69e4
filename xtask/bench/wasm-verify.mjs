// Verification per suite in wasm, in Node: the engine's module built with
// `verifier-wasm/scripts/wasm-build.sh nodejs`, WasmVerifier.verifyPayload
// on a certificate's ZIP payload (decode, verify, read, the verdict as a JS
// object), as the PWA's worker calls it. Run by `cargo xtask bench`:
//
//   node xtask/bench/wasm-verify.mjs <nodejs pkg dir> <vc2 dir> [runs]
//
// <vc2 dir> holds certificate.zip and public.pem of the issuer's VC 2.0
// profile (verifier-wasm's make_certificates example writes it). Prints one
// JSON object; exits 1 if a verdict is not "valid".

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [pkgDir, vc2Dir, runsArg] = process.argv.slice(2);
if (!pkgDir || !vc2Dir) {
  console.error('usage: node wasm-verify.mjs <nodejs pkg dir> <vc2 dir> [runs]');
  process.exit(2);
}
const runs = Number(runsArg ?? 500);
const require = createRequire(import.meta.url);
const wasm = require(resolve(pkgDir, 'verifier_wasm.js'));
const stack = resolve(here, '../../tests/fixtures/divoc/stack-signed');

const cases = [
  {
    suite: 'Ed25519Signature2018 (DIVOC v2)', kid: 'did:example:moh#key-1', now: Date.UTC(2021, 7, 1),
    zip: join(stack, 'ed25519-v2/cert-001/certificate.zip'), pem: join(stack, 'ed25519-v2/key/public.pem'),
  },
  {
    suite: 'RsaSignature2018 (DIVOC v1)', kid: 'did:india', now: Date.UTC(2022, 5, 1),
    zip: join(stack, 'rsa-v1/cert-001/certificate.zip'), pem: join(stack, 'rsa-v1/key/public.pem'),
  },
  {
    suite: 'eddsa-rdfc-2022 (VC 2.0 profile)', kid: 'did:web:moh.example.org#key-1', now: Date.UTC(2026, 11, 1),
    zip: join(vc2Dir, 'certificate.zip'), pem: join(vc2Dir, 'public.pem'),
  },
];

const results = [];
let failed = false;
for (const c of cases) {
  const verifier = wasm.WasmVerifier.withPinnedKeys([{ kid: c.kid, key: readFileSync(c.pem, 'utf8') }], []);
  const zip = new Uint8Array(readFileSync(c.zip));
  let verdict;
  for (let i = 0; i < Math.min(20, runs); i++) verdict = verifier.verifyPayload(zip, c.now);
  if (verdict?.status !== 'valid') {
    console.error(`${c.suite}: verdict ${JSON.stringify(verdict?.status)} (${JSON.stringify(verdict?.reasons ?? verdict)})`);
    failed = true;
    continue;
  }
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    verifier.verifyPayload(zip, c.now);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  results.push({ suite: c.suite, runs, median_ms: at(0.5), p90_ms: at(0.9), cpu_ms: (cpu.user + cpu.system) / 1000 / runs });
  verifier.free();
}
console.log(JSON.stringify({ node: process.version, results }));
process.exit(failed ? 1 : 0);

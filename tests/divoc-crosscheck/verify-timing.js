#!/usr/bin/env node
// Time DIVOC's own Node stack verifying certificates DIVOC's stack signed:
// the anchor `cargo xtask bench` puts beside our verifier's figures.
//
//   node verify-timing.js <tests/fixtures/divoc/stack-signed> [runs]
//
// Ed25519Signature2018 exactly as crosscheck.js verifies (DIVOC's
// certificate-signer-library: jsonld-signatures 6, bundled contexts, strict
// expansion map); RsaSignature2018 the same way with crypto-ld's RSAKeyPair
// (DIVOC v1 certificates). The certificate is unzipped once (JSZip, as
// DIVOC's verifier does); each run is one jsigs.verify. Prints one JSON
// object: per suite the median, p90 and mean CPU time per verification in
// milliseconds. Exits 1 if any run does not verify.

'use strict';

const fs = require('fs');
const path = require('path');
const jsigs = require('jsonld-signatures');
const {RSAKeyPair} = require('crypto-ld');
const {verify, unzipCertificate, documentLoader} = require('./crosscheck.js');

const {RsaSignature2018} = jsigs.suites;
const {AssertionProofPurpose} = jsigs.purposes;

async function verifyRsa(certificate, {did, methodId, publicKeyPem}) {
  const key = new RSAKeyPair({id: methodId, controller: did, publicKeyPem});
  const controller = {
    '@context': jsigs.SECURITY_CONTEXT_URL,
    id: did,
    publicKey: [key.publicNode()],
    assertionMethod: [methodId],
  };
  return jsigs.verify(certificate, {
    suite: new RsaSignature2018({key}),
    purpose: new AssertionProofPurpose({controller}),
    documentLoader,
    compactProof: false,
  });
}

async function time(label, runs, once) {
  for (let i = 0; i < Math.min(5, runs); i++) await once(); // warm-up
  const times = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const result = await once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (!result.verified) throw new Error(`${label}: does not verify`);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return {
    suite: label, runs, median_ms: at(0.5), p90_ms: at(0.9),
    cpu_ms: (cpu.user + cpu.system) / 1000 / runs,
  };
}

async function main() {
  const dir = process.argv[2];
  const runs = Number(process.argv[3] || 200);
  if (!dir || !(runs > 0)) {
    console.error('usage: node verify-timing.js <stack-signed fixtures dir> [runs]');
    process.exit(2);
  }
  const load = async (set) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, set, 'manifest.json'), 'utf8'));
    const zip = fs.readFileSync(path.join(dir, set, 'cert-001', 'certificate.zip'));
    const certificate = await unzipCertificate(zip, `${set}/cert-001`);
    return {manifest, certificate, methodId: manifest.kid, did: manifest.kid.split('#')[0]};
  };
  const ed = await load('ed25519-v2');
  const publicKeyBase58 = fs.readFileSync(path.join(dir, 'ed25519-v2', 'key', 'public.b58'), 'utf8').trim();
  const rsa = await load('rsa-v1');
  const publicKeyPem = fs.readFileSync(path.join(dir, 'rsa-v1', 'key', 'public.pem'), 'utf8');
  const results = [
    await time('Ed25519Signature2018', runs,
      () => verify(ed.certificate, {did: ed.did, methodId: ed.methodId, publicKeyBase58})),
    await time('RsaSignature2018', runs,
      () => verifyRsa(rsa.certificate, {did: rsa.did, methodId: rsa.methodId, publicKeyPem})),
  ];
  const versions = {};
  for (const name of ['jsonld-signatures', 'jsonld', 'crypto-ld']) {
    versions[name] = require(`${name}/package.json`).version;
  }
  console.log(JSON.stringify({node: process.version, versions, results}));
}

main().catch((e) => {
  console.error(`FAIL ${e.stack || e}`);
  process.exit(1);
});

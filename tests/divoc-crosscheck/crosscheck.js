#!/usr/bin/env node
// Cross-check issuer-api against DIVOC's own verification stack.
//
//   node crosscheck.js --url http://127.0.0.1:8080 --token <bearer> [--request batch.json]
//       POST the batch to /v1/certify, then for every certificate: GET its
//       QR PNG, decode it with jsQR (independent of the project's Rust
//       decoder), unzip certificate.json with JSZip (as DIVOC's verifier
//       does), take the key from /.well-known/did.json, and verify with
//       jsonld-signatures 6 / Ed25519Signature2018 exactly as DIVOC's
//       certificate-signer-library does (bundled contexts only, the strict
//       expansion map that rejects undefined terms). Tampered copies (any
//       displayed field changed, an undefined property added) must fail.
//       Also issues requests with odd recipient identities (missing, empty,
//       relative: the relative ones must be refused) and checks what is
//       issued the same way. Fetches the PDF and checks it is one.
//
//   node crosscheck.js --self-test <dir>
//       The same decode-unzip-verify path on certificates DIVOC's stack
//       signed (tests/fixtures/divoc/stack-signed/ed25519-v2): proves this
//       checker accepts DIVOC's own certificates and rejects tampered ones,
//       with no server.
//
// Exits 0 when every check passes, 1 with a message on the first failure.

'use strict';

const fs = require('fs');
const path = require('path');

const jsigs = require('jsonld-signatures');
const {Ed25519KeyPair} = require('crypto-ld');
const JSZip = require('jszip');
const jsQR = require('jsqr');
const {PNG} = require('pngjs');
const {contexts: securityContexts} = require('security-context');
const {contexts: credentialsContexts} = require('credentials-context');
const {vaccinationContext, vaccinationContextV2} = require('vaccination-context');

const {Ed25519Signature2018} = jsigs.suites;
const {AssertionProofPurpose} = jsigs.purposes;

// The only documents the loader serves: the contexts bundled in DIVOC's
// packages, under every URL DIVOC certificates use. Nothing is fetched.
const CONTEXTS = {
  'https://www.w3.org/2018/credentials/v1':
    credentialsContexts.get('https://www.w3.org/2018/credentials/v1'),
  'https://w3id.org/security/v1': securityContexts.get('https://w3id.org/security/v1'),
  'https://w3id.org/security/v2': securityContexts.get('https://w3id.org/security/v2'),
  'https://divoc.dev/credentials/vaccination/v1': vaccinationContext,
  'https://divoc.dev/credentials/vaccination/v2': vaccinationContextV2,
  'https://cowin.gov.in/credentials/vaccination/v1': vaccinationContext,
  'https://cowin.gov.in/credentials/vaccination/v2': vaccinationContextV2,
};

const documentLoader = (url) => {
  const document = CONTEXTS[url];
  if (document === undefined) {
    throw new Error(`document loader: ${url} is not a bundled context`);
  }
  return {contextUrl: null, documentUrl: url, document};
};

class CheckError extends Error {}

function fail(message) {
  throw new CheckError(message);
}

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--')) fail(`unexpected argument ${key}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) fail(`${key} needs a value`);
    out[key.slice(2)] = value;
    i++;
  }
  return out;
}

// QR PNG -> the exact bytes of the symbol's byte-mode payload.
function decodeQr(pngBytes, what) {
  let png;
  try {
    png = PNG.sync.read(pngBytes);
  } catch (e) {
    fail(`${what}: not a PNG: ${e.message}`);
  }
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height, {
    inversionAttempts: 'dontInvert',
  });
  if (!code) fail(`${what}: jsQR found no QR code`);
  return Buffer.from(code.binaryData);
}

async function unzipCertificate(payload, what) {
  if (!payload.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
    fail(`${what}: the QR payload is not a ZIP (starts ${payload.subarray(0, 4).toString('hex')})`);
  }
  const zip = await JSZip.loadAsync(payload);
  const entry = zip.file('certificate.json');
  if (!entry) fail(`${what}: the ZIP has no certificate.json (has ${Object.keys(zip.files)})`);
  return JSON.parse(await entry.async('string'));
}

// Verify as DIVOC's certificate-signer-library verifyJSON does for
// Ed25519: a crypto-ld key pair for the proof's verification method, a
// controller document authorising it for assertions, compactProof false.
async function verify(certificate, {did, methodId, publicKeyBase58}) {
  const key = new Ed25519KeyPair({id: methodId, controller: did, publicKeyBase58});
  const controller = {
    '@context': jsigs.SECURITY_CONTEXT_URL,
    id: did,
    publicKey: [key.publicNode()],
    assertionMethod: [methodId],
  };
  return jsigs.verify(certificate, {
    suite: new Ed25519Signature2018({key}),
    purpose: new AssertionProofPurpose({controller}),
    documentLoader,
    compactProof: false,
  });
}

function reason(result) {
  const errors = result.error && (result.error.errors || [result.error]);
  return (errors || []).map((e) => e.message || String(e)).join('; ') || 'no reason given';
}

// Every field a verifier displays or decides on. Changing any of them must
// break the signature: if one did not, it would not be covered by it (a
// relative id, for one, takes its whole node out of the signed graph).
const DISPLAYED = [
  ['credentialSubject', 'name'], ['credentialSubject', 'dob'], ['credentialSubject', 'age'],
  ['credentialSubject', 'gender'], ['credentialSubject', 'nationality'],
  ['issuer'], ['issuanceDate'],
  ['evidence', 0, 'certificateId'], ['evidence', 0, 'vaccine'], ['evidence', 0, 'manufacturer'],
  ['evidence', 0, 'batch'], ['evidence', 0, 'date'], ['evidence', 0, 'effectiveStart'],
  ['evidence', 0, 'effectiveUntil'], ['evidence', 0, 'dose'], ['evidence', 0, 'totalDoses'],
  ['evidence', 0, 'verifier', 'name'], ['evidence', 0, 'facility', 'name'],
];

function changed(value) {
  if (typeof value === 'number') return value + 1;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) return value.replace(/^(\d{4})/, (y) => String(Number(y) + 1));
  return `${value}X`;
}

// The certificate verifies, and copies with any displayed field changed or
// an undefined property added do not.
async function checkCertificate(certificate, keyInfo, what) {
  const result = await verify(certificate, keyInfo);
  if (!result.verified) fail(`${what}: DIVOC's stack rejects it: ${reason(result)}`);

  let tampered = 0;
  for (const path of DISPLAYED) {
    const copy = JSON.parse(JSON.stringify(certificate));
    let parent = copy;
    for (const step of path.slice(0, -1)) parent = parent && parent[step];
    const last = path[path.length - 1];
    if (!parent || parent[last] === undefined) continue;
    parent[last] = changed(parent[last]);
    if ((await verify(copy, keyInfo)).verified) {
      fail(`${what}: verifies with ${path.join('.')} changed`);
    }
    tampered++;
  }
  if (tampered < 10) fail(`${what}: only ${tampered} displayed fields found to tamper with`);
  const extended = JSON.parse(JSON.stringify(certificate));
  extended.vaccinationStatus = 'complete';
  const strict = await verify(extended, keyInfo);
  if (strict.verified || !/not defined in the context/.test(reason(strict))) {
    fail(`${what}: an undefined property is not rejected as DIVOC rejects it (${reason(strict)})`);
  }
}

async function http(base, token, method, route, body) {
  const response = await fetch(new URL(route, base), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : {'content-type': 'application/json'}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    fail(`${method} ${route}: HTTP ${response.status}: ${bytes.toString('utf8').slice(0, 500)}`);
  }
  return {bytes, type: response.headers.get('content-type') || ''};
}

async function serverCheck(options) {
  const base = options.url;
  const token = options.token || (options['token-file'] && fs.readFileSync(options['token-file'], 'utf8').trim());
  if (!base || !token) fail('--url and --token (or --token-file) are required');
  const requestFile = options.request ||
    path.join(__dirname, '..', '..', 'issuer-api', 'examples', 'certify-request.json');
  const batch = JSON.parse(fs.readFileSync(requestFile, 'utf8'));

  const certify = JSON.parse((await http(base, token, 'POST', '/v1/certify', batch)).bytes);
  // Each item's outcome: issued, existing (an idempotent retry) or rejected.
  const outcome = (r) => r.result;
  const issued = (certify.results || []).filter((r) => outcome(r) === 'issued' || outcome(r) === 'existing');
  const rejected = (certify.results || []).filter((r) => outcome(r) === 'rejected');
  if (rejected.length) {
    fail(`certify rejected ${rejected.length} item(s): ${JSON.stringify(rejected.map((r) => r.error))}`);
  }
  if (issued.length !== batch.length) fail(`certify answered ${issued.length} certificates for ${batch.length} requests`);


  // Odd recipient identities: a missing or empty one is left out of the
  // credential (the subject stays in the signed graph as a blank node); one
  // that is not an absolute IRI is refused, since a relative id would take
  // the whole subject out of what the signature covers.
  const template = batch[0];
  const oddBatch = ['', null, 'did:passport:Z9876543', 'urn:uuid:0d8f2f6e-5a0b-4f0e-9d1a-6a8f0c7a1b2c',
    'x', '12345', 'urn', '#me', '../a'].map((identity, i) => {
    const item = JSON.parse(JSON.stringify(template));
    item.preEnrollmentCode = `ODD-IDENTITY-${i}`;
    if (identity === null) delete item.recipient.identity;
    else item.recipient.identity = identity;
    return item;
  });
  const odd = JSON.parse((await http(base, token, 'POST', '/v1/certify', oddBatch)).bytes);
  odd.results.forEach((r, i) => {
    const identity = oddBatch[i].recipient.identity;
    const refuse = i >= 4;
    if (refuse && (r.result !== 'rejected' || r.error.code !== 'invalid_identity')) {
      fail(`identity ${JSON.stringify(identity)}: expected invalid_identity, got ${JSON.stringify(r)}`);
    }
    if (!refuse && r.result !== 'issued') fail(`identity ${JSON.stringify(identity)}: not issued: ${JSON.stringify(r)}`);
    if (!refuse && (identity || '') === '' && 'id' in r.credential.credentialSubject) {
      fail(`identity ${JSON.stringify(identity)}: the credential still has credentialSubject.id`);
    }
  });
  issued.push(...odd.results.filter((r) => r.result === 'issued'));
  console.log(`ok  odd identities: ${odd.results.filter((r) => r.result === 'rejected').length} refused, the rest issued`);

  const didDocument = JSON.parse((await http(base, token, 'GET', '/.well-known/did.json')).bytes);
  for (const result of issued) {
    const id = result.certificate_id;
    const what = `certificate ${id}`;
    const png = await http(base, token, 'GET', `${result.links.qr_png}?size=600`);
    if (!png.type.startsWith('image/png')) fail(`${what}: qr.png is ${png.type}`);
    const certificate = await unzipCertificate(decodeQr(png.bytes, what), what);
    if (JSON.stringify(certificate) !== JSON.stringify(result.credential)) {
      fail(`${what}: the QR's certificate.json differs from the credential the API returned`);
    }
    const methodId = certificate.proof && certificate.proof.verificationMethod;
    const method = (didDocument.verificationMethod || []).find((m) => m.id === methodId);
    if (!method) fail(`${what}: ${methodId} is not in /.well-known/did.json`);
    await checkCertificate(certificate, {
      did: didDocument.id,
      methodId,
      publicKeyBase58: method.publicKeyBase58,
    }, what);

    const pdf = await http(base, token, 'GET', `${result.links.pdf}?lang=hi`);
    if (!pdf.bytes.subarray(0, 5).equals(Buffer.from('%PDF-'))) fail(`${what}: /pdf is not a PDF`);
    console.log(`ok  ${what}: QR decodes to the ZIP, DIVOC's stack verifies it, tampered copies fail, PDF ${pdf.bytes.length} bytes`);
  }
  console.log(`all ${issued.length} certificates pass DIVOC's verification, and fail it with any displayed field changed`);
}

// DIVOC-signed fixtures: every cert-*/qr.png must verify with key/public.b58.
async function selfTest(dir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const publicKeyBase58 = fs.readFileSync(path.join(dir, 'key', 'public.b58'), 'utf8').trim();
  const methodId = manifest.kid;
  const did = methodId.split('#')[0];
  let count = 0;
  for (const entry of manifest.certificates) {
    const what = `fixture ${entry.id}`;
    const png = fs.readFileSync(path.join(dir, entry.files.qr));
    const certificate = await unzipCertificate(decodeQr(png, what), what);
    await checkCertificate(certificate, {did, methodId, publicKeyBase58}, what);
    console.log(`ok  ${what} (${certificate.credentialSubject.name})`);
    count++;
  }
  if (count === 0) fail(`no certificates in ${dir}`);
  // A wrong key must not verify: the check is not vacuous.
  const entry = manifest.certificates[0];
  const certificate = JSON.parse(fs.readFileSync(path.join(dir, entry.files.json), 'utf8'));
  const wrongKey = '11111111111111111111111111111111';
  if ((await verify(certificate, {did, methodId, publicKeyBase58: wrongKey})).verified) {
    fail('a certificate verifies with the wrong key');
  }
  console.log(`self-test: ${count} DIVOC-signed certificates verify, tampered and wrong-key copies fail`);
}

async function main() {
  const options = args(process.argv.slice(2));
  if (options['self-test']) {
    await selfTest(options['self-test']);
  } else {
    await serverCheck(options);
  }
}

// verify-timing.js times the same verification (cargo xtask bench).
module.exports = {verify, unzipCertificate, documentLoader};

if (require.main === module) {
  main().catch((e) => {
    console.error(`FAIL ${e instanceof CheckError ? e.message : e.stack || e}`);
    process.exit(1);
  });
}

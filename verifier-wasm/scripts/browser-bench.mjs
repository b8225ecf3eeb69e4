// The verifier in headless Chromium: QR decode per 640x480 frame and full
// scan-to-verdict per frame (canvas -> ImageData -> WasmVerifier.scanFrame ->
// verdict object), as the PWA runs them. A benchmark, not a test: it prints
// medians and percentiles and fails only if a verdict is wrong.
//
//   verifier-wasm/scripts/wasm-build.sh web /tmp/verifier-wasm-pkg-web
//   node verifier-wasm/scripts/browser-bench.mjs /tmp/verifier-wasm-pkg-web [--json]
//
// --json: also print the figures as one JSON object, the last line (for
// `cargo xtask bench`, which installs playwright-core and qrcode in
// xtask/bench/ and passes NODE_MODULES).
//
// Playwright gives the browser a fresh temporary profile.
// Needs Debian's chromium and, from npm, playwright-core and qrcode (looked
// up in ~/.cache/binaryen/node_modules, where wasm-build.sh's wasm-opt
// lives, or $NODE_MODULES):
//   (cd ~/.cache/binaryen && npm install binaryen@132 playwright-core qrcode)
//
// The frame: the DIVOC stack-signed Ed25519 certificate's ZIP payload as a
// byte-mode, EC level M code drawn at version 27 (125 modules, as CoWIN's
// certificates are; the payload itself would fit version 23), scaled to
// 440x440 pixels on a grey 640x480 canvas.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const json = process.argv.includes('--json');
const pkgDir = process.argv.slice(2).find((a) => a !== '--json');
if (!pkgDir) {
  console.error('usage: node browser-bench.mjs <wasm-bindgen --target web pkg dir>');
  process.exit(2);
}
const modules = process.env.NODE_MODULES ?? join(homedir(), '.cache/binaryen/node_modules');
const require = createRequire(join(modules, 'noop.js'));
const { chromium } = require('playwright-core');
const QRCode = require('qrcode');

const certDir = resolve(here, '../../tests/fixtures/divoc/stack-signed/ed25519-v2');
const zip = readFileSync(join(certDir, 'cert-001/certificate.zip'));
const pem = readFileSync(join(certDir, 'key/public.pem'), 'utf8');
const qrPng = await QRCode.toBuffer([{ data: zip, mode: 'byte' }], {
  errorCorrectionLevel: 'M', version: 27, margin: 4, scale: 4,
});

const page = `<!doctype html><meta charset="utf-8"><title>bench</title><script type="module">
import init, { WasmVerifier, QrScanner, qr_decode_rgba_payload } from './pkg/verifier_wasm.js';
const t0 = performance.now();
await init();
const initMs = performance.now() - t0;
const img = new Image(); img.src = './qr.png'; await img.decode();
const canvas = document.createElement('canvas'); canvas.width = 640; canvas.height = 480;
const ctx = canvas.getContext('2d', { willReadFrequently: true });
function grab(withCode) {
  ctx.fillStyle = '#969696'; ctx.fillRect(0, 0, 640, 480);
  if (withCode) { ctx.imageSmoothingEnabled = true; ctx.drawImage(img, 120, 20, 440, 440); }
  return ctx.getImageData(0, 0, 640, 480).data;
}
const NOW = Date.UTC(2021, 7, 1);
const pem = ${JSON.stringify(pem)};
const verifier = WasmVerifier.withPinnedKeys([{ kid: 'did:example:moh#key-1', key: pem }], []);
const runs = 60, warm = 5;
function time(fn) {
  const ts = [];
  let last;
  for (let i = 0; i < runs + warm; i++) {
    const s = performance.now(); last = fn(); const e = performance.now() - s;
    if (i >= warm) ts.push(e);
  }
  ts.sort((a, b) => a - b);
  const q = (p) => ts[Math.min(ts.length - 1, Math.floor(p * ts.length))];
  return { median: q(0.5), p90: q(0.9), min: ts[0], last };
}
const withCode = grab(true), empty = grab(false);
const out = { initMs };
out.decodeFull = time(() => qr_decode_rgba_payload(withCode, 640, 480));
out.decodeFull.ok = out.decodeFull.last?.length === ${zip.length};
const scanner = new QrScanner();
out.decodeStream = time(() => scanner.scan_rgba(withCode, 640, 480));
out.decodeStream.ok = out.decodeStream.last?.length === ${zip.length};
out.emptyStream = time(() => scanner.scan_rgba(empty, 640, 480));
out.emptyStream.ok = out.emptyStream.last === undefined;
out.verifyPayload = time(() => verifier.verifyPayload(out.decodeFull.last, NOW));
out.verifyPayload.ok = out.verifyPayload.last.status === 'valid';
out.scanToVerdict = time(() => verifier.scanFrame(grab(true), 640, 480, NOW));
out.scanToVerdict.ok = out.scanToVerdict.last?.status === 'valid';
out.scanEmpty = time(() => verifier.scanFrame(grab(false), 640, 480, NOW));
out.scanEmpty.ok = out.scanEmpty.last === undefined;
for (const v of Object.values(out)) if (v && typeof v === 'object') delete v.last;
window.benchResult = out;
</script>`;

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png', '.html': 'text/html' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let body;
  if (url.pathname === '/') body = Buffer.from(page);
  else if (url.pathname === '/qr.png') body = qrPng;
  else if (url.pathname.startsWith('/pkg/')) {
    try { body = readFileSync(join(pkgDir, url.pathname.slice(5))); } catch { body = undefined; }
  }
  if (!body) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': types[extname(url.pathname)] ?? 'text/html' }).end(body);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const { port } = server.address();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const tab = await browser.newPage();
  tab.on('pageerror', (e) => { console.error('page error:', e); failed = true; });
  await tab.goto(`http://127.0.0.1:${port}/`);
  await tab.waitForFunction(() => window.benchResult, null, { timeout: 180_000 });
  const result = await tab.evaluate(() => window.benchResult);
  console.log(`Chromium ${browser.version()}, 640x480 RGBA frames, ${60} runs each after 5 warm-up`);
  console.log(`module init (compile + instantiate): ${result.initMs.toFixed(1)} ms`);
  const rows = [
    ['decodeFull', 'QR decode, every pass (qr_decode_rgba), frame with code'],
    ['decodeStream', 'QR decode, camera stream (QrScanner), frame with code'],
    ['emptyStream', 'QR decode, camera stream, frame without code'],
    ['verifyPayload', 'verify payload only (ZIP -> verdict)'],
    ['scanToVerdict', 'scan-to-verdict: canvas -> getImageData -> scanFrame -> verdict'],
    ['scanEmpty', 'scan-to-verdict on a frame without code'],
  ];
  for (const [key, label] of rows) {
    const r = result[key];
    console.log(`${label.padEnd(66)} median ${r.median.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, min ${r.min.toFixed(2)} ms${r.ok ? '' : '  WRONG RESULT'}`);
    if (!r.ok) failed = true;
  }
  if (json) console.log(JSON.stringify({ chromium: browser.version(), ...result }));
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);

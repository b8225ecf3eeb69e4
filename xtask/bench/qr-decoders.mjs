// QR decoding per frame and decode rate: our decoder (verifier-wasm's rxing
// cascade compiled to wasm, `wasm-build.sh nodejs`) beside the anchors jsQR
// and zxing-wasm (ZXing-C++ in wasm) from npm, all in Node on the very same
// RGBA frames. Run by `cargo xtask bench`:
//
//   node xtask/bench/qr-decoders.mjs <nodejs pkg dir> [runs] [rotations]
//
// Frames:
// - the ZXing photo corpus (tests/fixtures/qr-corpus/, exact text), turned
//   0, 90, 180 and 270 degrees (`rotations` of them; 4 unless told): codes
//   read and time per image;
// - a DIVOC certificate's code (rsa-v1/cert-003) in a camera-like 640x480
//   frame, as verifier-wasm/scripts/qr-rate-wasm.mjs draws it (scaled to
//   400 px, grey surround, lowered contrast, noise): time per frame, and the
//   payload must come out byte for byte;
// - a 640x480 frame with no code: time per frame.
// Prints one JSON object.

import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [pkgDir, runsArg, rotationsArg] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node qr-decoders.mjs <nodejs pkg dir> [runs] [rotations]');
  process.exit(2);
}
const runs = Number(runsArg ?? 60);
const rotations = Number(rotationsArg ?? 4);
const require = createRequire(import.meta.url);
const ours = require(resolve(pkgDir, 'verifier_wasm.js'));
const jsQR = require('jsqr');
const { PNG } = require('pngjs');
const zxing = await import('zxing-wasm/reader');
await zxing.prepareZXingModule({
  overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')) },
  fireImmediately: true,
});
const fixtures = resolve(here, '../../tests/fixtures');
const version = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

// Each decoder: RGBA frame -> bytes of the first code (or undefined) and its text.
const decoders = [
  {
    name: 'ours (rxing cascade, wasm)', version: 'this commit',
    bytes: (f) => ours.qr_decode_rgba_payload(f.rgba, f.width, f.height),
    text: (f) => ours.qr_decode_rgba(f.rgba, f.width, f.height),
  },
  {
    name: 'jsQR', version: version('jsqr'),
    bytes: (f) => { const r = jsQR(f.clamped, f.width, f.height); return r ? Uint8Array.from(r.binaryData) : undefined; },
    text: (f) => jsQR(f.clamped, f.width, f.height)?.data,
  },
  {
    name: 'zxing-wasm (ZXing-C++)', version: version('zxing-wasm'),
    bytes: async (f) => (await zxRead(f))?.bytes,
    text: async (f) => (await zxRead(f))?.text,
  },
];
async function zxRead(f) {
  const image = { data: f.clamped, width: f.width, height: f.height, colorSpace: 'srgb' };
  const [r] = await zxing.readBarcodes(image, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
  return r?.isValid ? r : undefined;
}

function frame(width, height, rgba) {
  return { width, height, rgba, clamped: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length) };
}
function readPng(path) {
  const png = PNG.sync.read(readFileSync(path));
  return frame(png.width, png.height, new Uint8Array(png.data));
}
function rotate(f, turns) {
  let img = f;
  for (let t = 0; t < turns % 4; t++) {
    const src = new Uint32Array(img.rgba.buffer, img.rgba.byteOffset, img.width * img.height);
    const dst = new Uint32Array(img.width * img.height);
    const [w, h] = [img.width, img.height];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) dst[x * h + (h - 1 - y)] = src[y * w + x];
    img = frame(h, w, new Uint8Array(dst.buffer));
  }
  return img;
}
// The camera-like frame of qr-rate-wasm.mjs.
function cameraFrame(qr, side) {
  const luma = new Uint8Array(640 * 480).fill(150);
  const ox = (640 - side) / 2 + 20, oy = (480 - side) / 2;
  const g = (x, y) => { const o = (y * qr.width + x) * 4; return (qr.rgba[o] * 306 + qr.rgba[o + 1] * 601 + qr.rgba[o + 2] * 117) >> 10; };
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
    const sx = Math.min(qr.width - 1, Math.max(0, ((x + 0.5) * qr.width) / side - 0.5));
    const sy = Math.min(qr.height - 1, Math.max(0, ((y + 0.5) * qr.height) / side - 0.5));
    const x0 = Math.floor(sx), y0 = Math.floor(sy), x1 = Math.min(x0 + 1, qr.width - 1), y1 = Math.min(y0 + 1, qr.height - 1);
    const fx = sx - x0, fy = sy - y0;
    luma[(oy + y) * 640 + ox + x] = Math.round(
      g(x0, y0) * (1 - fx) * (1 - fy) + g(x1, y0) * fx * (1 - fy) + g(x0, y1) * (1 - fx) * fy + g(x1, y1) * fx * fy);
  }
  return lumaFrame(noisy(luma));
}
function noisy(luma) {
  let seed = 0x2545f491 >>> 0;
  return luma.map((v) => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return Math.max(0, Math.min(255, 40 + Math.floor((v * 170) / 255) + (seed % 25) - 12));
  });
}
function lumaFrame(luma) {
  const rgba = new Uint8Array(luma.length * 4);
  luma.forEach((v, i) => { rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = v; rgba[i * 4 + 3] = 255; });
  return frame(640, 480, rgba);
}
const stats = (ts) => {
  const s = [...ts].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median_ms: at(0.5), p90_ms: at(0.9) };
};
const now = () => Number(process.hrtime.bigint()) / 1e6;

const corpusDir = join(fixtures, 'qr-corpus');
const corpus = [];
for (const set of readdirSync(corpusDir).filter((d) => d.startsWith('qrcode-')).sort()) {
  for (const f of readdirSync(join(corpusDir, set)).filter((f) => f.endsWith('.png')).sort()) {
    corpus.push({
      image: readPng(join(corpusDir, set, f)),
      expected: readFileSync(join(corpusDir, set, f.replace(/\.png$/, '.txt')), 'utf8'),
    });
  }
}
const cert = join(fixtures, 'divoc/stack-signed/rsa-v1/cert-003');
const zip = readFileSync(join(cert, 'certificate.zip'));
const divoc = cameraFrame(readPng(join(cert, 'qr.png')), 400);
const plain = new Uint8Array(640 * 480).map((_, i) => 60 + Math.floor((i % 640) / 5) + Math.floor(i / 640 / 8));
const empty = lumaFrame(noisy(plain));

async function perFrame(decode, f, check) {
  for (let i = 0; i < 5; i++) await decode(f);
  const ts = [];
  let ok = true;
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    const r = await decode(f);
    ts.push(now() - t0);
    if (!check(r)) ok = false;
  }
  return { ...stats(ts), ok };
}

const results = [];
for (const d of decoders) {
  const divocFrame = await perFrame(d.bytes, divoc, (r) => r !== undefined && Buffer.compare(Buffer.from(r), zip) === 0);
  const emptyFrame = await perFrame(d.bytes, empty, (r) => r === undefined);
  const read = [], times = [];
  for (let turns = 0; turns < rotations; turns++) {
    let n = 0;
    for (const s of corpus) {
      const img = rotate(s.image, turns);
      const t0 = now();
      const text = await d.text(img);
      times.push(now() - t0);
      if (text === s.expected) n++;
    }
    read.push(n);
  }
  results.push({
    decoder: d.name, version: d.version, divoc_frame: divocFrame, empty_frame: emptyFrame,
    corpus: { images: corpus.length, read_per_rotation: read, ...stats(times) },
  });
}
console.log(JSON.stringify({ node: process.version, runs, rotations, results }));

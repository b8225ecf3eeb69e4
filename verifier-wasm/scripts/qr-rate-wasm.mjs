// Decode rate and time of the QR decoder compiled to wasm, in Node: the ZXing
// photo corpus in four rotations, a DIVOC certificate in a 640x480 camera-like
// frame, and 640x480 frames with no code. Frames go in as RGBA, as a browser
// canvas hands them over, so times include the copy into wasm memory and the
// RGBA-to-luma conversion.
//
//   verifier-wasm/scripts/wasm-build.sh nodejs          # builds the package
//   node verifier-wasm/scripts/qr-rate-wasm.mjs <pkg dir> [corpus dir] [-v]
//
// <pkg dir> is wasm-bindgen's `--target nodejs` output. PNG files are decoded
// here (node:zlib and the filters below) so that rotations can be made in JS.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const verbose = args.includes('-v');
const [pkgDir, corpusArg] = args.filter((a) => a !== '-v');
if (!pkgDir) {
  console.error('usage: node qr-rate-wasm.mjs <wasm-bindgen nodejs pkg dir> [corpus dir] [-v]');
  process.exit(2);
}
const fixtures = resolve(here, '../../tests/fixtures');
const corpusDir = corpusArg ?? join(fixtures, 'qr-corpus');
const require = createRequire(import.meta.url);
const wasm = require(resolve(pkgDir, 'verifier_wasm.js'));

// ---- PNG to RGBA (non-interlaced; grey, RGB, palette, grey+alpha, RGBA; 1-16 bits)
function decodePng(buf) {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((b, i) => buf[i] === b)) throw new Error('not a PNG');
  let pos = 8, width = 0, height = 0, depth = 0, type = 0, interlace = 0;
  let palette = null, trns = null;
  const idat = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (kind === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      depth = data[8]; type = data[9]; interlace = data[12];
    } else if (kind === 'PLTE') palette = data;
    else if (kind === 'tRNS') trns = data;
    else if (kind === 'IDAT') idat.push(data);
    else if (kind === 'IEND') break;
    pos += 12 + len;
  }
  if (interlace) throw new Error('interlaced PNG not supported here');
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[type];
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const raw = inflateSync(Buffer.concat(idat));
  const cur = new Uint8Array(stride), prev = new Uint8Array(stride);
  const out = new Uint8Array(width * height * 4);
  const sample = (row, i) => {
    // i-th sample of the row, scaled to 8 bits.
    if (depth === 8) return row[i];
    if (depth === 16) return row[2 * i];
    const perByte = 8 / depth, shift = 8 - depth * ((i % perByte) + 1);
    const v = (row[Math.floor(i / perByte)] >> shift) & ((1 << depth) - 1);
    return type === 3 ? v : Math.round((v * 255) / ((1 << depth) - 1));
  };
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1), filter = raw[start];
    for (let x = 0; x < stride; x++) {
      const r = raw[start + 1 + x];
      const a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      let v;
      switch (filter) {
        case 0: v = r; break;
        case 1: v = r + a; break;
        case 2: v = r + b; break;
        case 3: v = r + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = r + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      cur[x] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (type === 3) {
        const idx = sample(cur, x);
        out[o] = palette[3 * idx]; out[o + 1] = palette[3 * idx + 1]; out[o + 2] = palette[3 * idx + 2];
        out[o + 3] = trns && idx < trns.length ? trns[idx] : 255;
      } else if (type === 0 || type === 4) {
        const g = sample(cur, x * channels);
        out[o] = out[o + 1] = out[o + 2] = g;
        out[o + 3] = type === 4 ? sample(cur, x * channels + 1) : 255;
      } else {
        out[o] = sample(cur, x * channels); out[o + 1] = sample(cur, x * channels + 1);
        out[o + 2] = sample(cur, x * channels + 2);
        out[o + 3] = type === 6 ? sample(cur, x * channels + 3) : 255;
      }
    }
    prev.set(cur);
  }
  return { width, height, rgba: out };
}

// Clockwise quarter turns of an RGBA image.
function rotate({ width, height, rgba }, turns) {
  let img = { width, height, rgba };
  for (let t = 0; t < turns % 4; t++) {
    const src = new Uint32Array(img.rgba.buffer, img.rgba.byteOffset, img.width * img.height);
    const dst = new Uint32Array(img.width * img.height);
    const [w, h] = [img.width, img.height];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) dst[x * h + (h - 1 - y)] = src[y * w + x];
    img = { width: h, height: w, rgba: new Uint8Array(dst.buffer) };
  }
  return img;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]; };
const fmt = (ms) => `${ms.toFixed(3)} ms`;
const cpuMs = ({ user, system }) => (user + system) / 1000;

// ---- corpus
const sets = readdirSync(corpusDir).filter((d) => d.startsWith('qrcode-')).sort();
const samples = [];
for (const set of sets) {
  const dir = join(corpusDir, set);
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.png')).sort()) {
    samples.push({
      set, name: `${set}/${f}`,
      image: decodePng(readFileSync(join(dir, f))),
      expected: readFileSync(join(dir, f.replace(/\.png$/, '.txt')), 'utf8'),
    });
  }
}

// Warm-up: one untimed pass so the engine has tiered up, as in a page that
// has been scanning for a moment.
for (const s of samples) wasm.qr_decode_rgba(s.image.rgba, s.image.width, s.image.height);

const times = [], misses = [];
const cpu0 = process.cpuUsage();
const table = new Map(sets.map((s) => [s, [0, 0, 0, 0]]));
const totals = [0, 0, 0, 0];
for (let turns = 0; turns < 4; turns++) {
  for (const s of samples) {
    const img = rotate(s.image, turns);
    const t0 = performance.now();
    const text = wasm.qr_decode_rgba(img.rgba, img.width, img.height);
    times.push(performance.now() - t0);
    if (text === s.expected) { table.get(s.set)[turns]++; totals[turns]++; }
    else misses.push(`${s.name} at ${turns * 90}: ${text === undefined ? 'not found' : 'wrong text'}`);
  }
}
const cpuCorpus = process.cpuUsage(cpu0);
console.log('set          0    90   180   270   (first code read, exact text)');
for (const [set, counts] of table) {
  const n = samples.filter((s) => s.set === set).length;
  console.log(`${set.padEnd(10)} ${counts.map((c) => String(c).padStart(4)).join('  ')}   of ${n}`);
}
console.log(`${'all'.padEnd(10)} ${totals.map((c) => String(c).padStart(4)).join('  ')}   of ${samples.length}`);
console.log(`time per image, RGBA in (${times.length} calls): median ${fmt(median(times))}, p95 ${fmt(pct(times, 95))}, max ${fmt(Math.max(...times))}; mean CPU ${fmt(cpuMs(cpuCorpus) / times.length)}`);

// Camera mode: the same frame fed to a fresh QrScanner until it reads the
// code, as a camera held on a code does.
const framesAllowed = 7, cameraTimes = [], framesNeeded = new Array(framesAllowed).fill(0), cameraRead = [];
const cpu1 = process.cpuUsage();
for (let turns = 0; turns < 4; turns++) {
  let read = 0;
  for (const s of samples) {
    const img = rotate(s.image, turns);
    const scanner = new wasm.QrScanner();
    for (let f = 0; f < framesAllowed; f++) {
      const t0 = performance.now();
      const text = scanner.scan_rgba_text(img.rgba, img.width, img.height);
      cameraTimes.push(performance.now() - t0);
      if (text !== undefined) { if (text === s.expected) { read++; framesNeeded[f]++; } break; }
    }
    scanner.free();
  }
  cameraRead.push(read);
}
const cpuCamera = process.cpuUsage(cpu1);
console.log(`${'camera'.padEnd(10)} ${cameraRead.map((c) => String(c).padStart(4)).join('  ')}   of ${samples.length}, read within ${framesAllowed} frames (QrScanner)`);
console.log(`  frames needed: ${JSON.stringify(framesNeeded)}; time per frame (${cameraTimes.length} calls): median ${fmt(median(cameraTimes))}, p95 ${fmt(pct(cameraTimes, 95))}; mean CPU ${fmt(cpuMs(cpuCamera) / cameraTimes.length)}`);

// ---- camera-like 640x480 frames
function frameWith(qr, side) {
  // Bilinear scale of the code to side x side, off-centre on grey 150, contrast
  // 40..210, xorshift noise of +-12: the frame of the native benchmark.
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
  return toRgba(noisy(luma));
}
function noisy(luma) {
  let seed = 0x2545f491 >>> 0;
  return luma.map((v) => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return Math.max(0, Math.min(255, 40 + Math.floor((v * 170) / 255) + (seed % 25) - 12));
  });
}
function toRgba(luma) {
  const rgba = new Uint8Array(luma.length * 4);
  luma.forEach((v, i) => { rgba.set([v, v, v, 255], i * 4); });
  return rgba;
}
function bench(name, rgba, check) {
  const runs = 80;
  for (const [mode, call] of [
    ['decode_rgba', (px) => wasm.qr_decode_rgba_payload(px, 640, 480)],
    ['QrScanner', ((scanner) => (px) => scanner.scan_rgba(px, 640, 480))(new wasm.QrScanner())],
  ]) {
    const ts = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = call(rgba);
      ts.push(performance.now() - t0);
      if (i === 0) check(r);
    }
    const c = cpuMs(process.cpuUsage(c0)) / runs;
    console.log(`${name.padEnd(22)} ${mode.padEnd(12)} median ${fmt(median(ts.slice(10)))}, p95 ${fmt(pct(ts.slice(10), 95))}; mean CPU ${fmt(c)}`);
  }
}
const certDir = join(fixtures, 'divoc/stack-signed/rsa-v1/cert-003');
const zip = readFileSync(join(certDir, 'certificate.zip'));
bench('divoc frame 640x480', frameWith(decodePng(readFileSync(join(certDir, 'qr.png'))), 400), (r) => {
  if (!r || Buffer.compare(Buffer.from(r), zip) !== 0) throw new Error('DIVOC frame: payload differs from certificate.zip');
});
const plain = new Uint8Array(640 * 480).map((_, i) => 60 + Math.floor((i % 640) / 5) + Math.floor(i / 640 / 8));
bench('empty frame 640x480', toRgba(noisy(plain)), (r) => { if (r !== undefined) throw new Error('code in empty frame'); });

if (verbose) for (const m of misses) console.log(`  miss ${m}`);

// The verification engine off the main thread: the verifier-wasm module
// (its own wasm-bindgen output) and the trust data it holds. The UI posts
// one request at a time per frame, `{id, op, ...}`, and gets exactly one
// answer `{id, ok, value | error}`. Frames and images arrive as transferred
// ImageBitmaps; they are read to RGBA here, on an OffscreenCanvas.
// `cargo xtask dist` fills in the hashed file names.
import init, { WasmVerifier } from './{{verifier.js}}';

const ready = init({ module_or_path: new URL('./{{verifier.wasm}}', import.meta.url) });
let verifier = null;
let canvas = null;
let context = null;

function rgba(bitmap) {
  const { width, height } = bitmap;
  if (!canvas || canvas.width !== width || canvas.height !== height) {
    canvas = new OffscreenCanvas(width, height);
    context = canvas.getContext('2d', { willReadFrequently: true });
  }
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { data: context.getImageData(0, 0, width, height).data, width, height };
}

function engine() {
  if (!verifier) throw new Error('the engine is not initialised');
  return verifier;
}

const ops = {
  init({ anchors }) {
    verifier?.free();
    verifier = WasmVerifier.withPinnedKeys([], anchors);
    return null;
  },
  trustList({ bytes }) {
    engine().updateTrustList(bytes);
    return null;
  },
  revocations({ bytes }) {
    engine().loadRevocations(bytes);
    return null;
  },
  // Rules arrive with a newer engine: feature-detected.
  rules({ bytes }) {
    const v = engine();
    if (typeof v.loadRules !== 'function') return false;
    v.loadRules(bytes);
    return true;
  },
  state({ now }) {
    return engine().trustState(now);
  },
  frame({ bitmap, now }) {
    const { data, width, height } = rgba(bitmap);
    return engine().scanFrame(data, width, height, now) ?? null;
  },
  image({ bitmap, now }) {
    const { data, width, height } = rgba(bitmap);
    return engine().scanImage(data, width, height, now) ?? null;
  },
};

self.onmessage = async (event) => {
  const { id, op } = event.data;
  try {
    await ready;
    const handler = ops[op];
    if (!handler) throw new Error(`unknown request ${op}`);
    self.postMessage({ id, ok: true, value: handler(event.data) });
  } catch (e) {
    event.data.bitmap?.close?.();
    self.postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};

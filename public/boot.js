// Starts the app (the UI's wasm module) and registers the service worker
// that keeps the app and the engine available offline. `cargo xtask dist`
// fills in the hashed file names.
import init from './{{app.js}}';

init({ module_or_path: new URL('./{{app.wasm}}', import.meta.url) });

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('service worker:', e));
}

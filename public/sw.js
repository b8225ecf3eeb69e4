// The service worker: after the first visit the app opens and verifies
// with no network. The app shell, the two wasm modules and their glue are
// precached under a version made from their hashes; the page and
// config.json go to the network first (a deployment's changes apply on the
// next online visit) and fall back to the cache. Lists under v1/ are the
// app's own business (kept in localStorage and IndexedDB): not touched
// here. Nothing else is requested; nothing about a scan leaves the device.
// `cargo xtask dist` fills in the version and the file list.
const VERSION = '{{version}}';
const PRECACHE = {{precache}};
const CACHE = `hc-${VERSION}`;
const SCOPE = new URL(self.registration.scope).pathname;
const NETWORK_TIMEOUT_MS = 3000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith('hc-') && k !== CACHE).map((k) => caches.delete(k)),
      ))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, fallback) {
  const cache = await caches.open(CACHE);
  try {
    const response = await Promise.race([
      fetch(request, { cache: 'no-cache' }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), NETWORK_TIMEOUT_MS)),
    ]);
    if (response.ok) await cache.put(fallback, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(fallback, { ignoreSearch: true });
    if (cached) return cached;
    throw e;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  return cached ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  const path = url.pathname.slice(SCOPE.length);
  if (path.startsWith('v1/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, new Request(`${SCOPE}index.html`)));
  } else if (path === 'config.json' || path === 'manifest.webmanifest') {
    event.respondWith(networkFirst(request, new Request(url.pathname)));
  } else {
    event.respondWith(cacheFirst(request));
  }
});

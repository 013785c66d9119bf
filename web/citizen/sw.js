// The service worker: the app's own files come from the phone at once and are refreshed in the
// background (stale-while-revalidate), so the app opens offline and fast on a slow network, and
// a new version is used from the next start. The citizen's data is never cached here: tracking
// answers and photos go to the network, and the app keeps what it needs in IndexedDB.

const CACHE = 'sambat-shell-v1';
const SHELL = [
  '/', '/app.css', '/manifest.webmanifest', '/icon.svg',
  '/js/app.js', '/js/api.js', '/shared/dom.js', '/js/format.js', '/js/i18n.js', '/js/outbox.js',
  '/js/photos.js', '/js/store.js', '/js/map.js',
  '/vendor/leaflet/leaflet-src.esm.js', '/vendor/leaflet/leaflet.css',
];
// The city's categories and agencies: the form works offline with what was last seen.
const REFRESHED = new Set([...SHELL, '/api/v1/city']);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // The app's own pages: its root and the links in the citizens' messages. Other pages under
  // this origin (the staff console) are not the app's to answer.
  const appPage = url.pathname === '/' || /^\/(lacak|nilai)\//.test(url.pathname);
  if (request.mode === 'navigate' && !appPage) return;
  const path = request.mode === 'navigate' ? '/' : url.pathname;
  if (!REFRESHED.has(path)) return;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const cached = await cache.match(path);
    const fresh = fetch(path === '/' ? '/' : request).then((response) => {
      if (response.ok) cache.put(path, response.clone());
      return response;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => {}));
      return cached;
    }
    return fresh;
  }));
});

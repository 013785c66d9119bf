// A Leaflet map of the city for the console and the public page, loaded only when a screen
// draws one (it is not part of any first screen's weight), from /vendor/leaflet, never a CDN.
// Tiles only when the city configures them (`map_tile_url` in /api/v1/city); without them the
// map is the city's outline on a blank ground, and what is drawn on it still shows, as in the
// citizens' app (web/citizen/js/map.js).

let leaflet;
let styles;

// The stylesheet first: a map drawn before its CSS applies spreads its panes over the page.
function loadStyles() {
  return new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement('link'), {
      rel: 'stylesheet', href: '/vendor/leaflet/leaflet.css', onload: resolve, onerror: reject,
    });
    document.head.append(link);
  });
}

export async function loadLeaflet() {
  styles ??= loadStyles();
  leaflet ??= await import('/vendor/leaflet/leaflet-src.esm.js');
  await styles;
  return leaflet;
}

// The city's box: [[south, west], [north, east]].
export function cityBox(city) {
  const b = city?.bounds || {};
  return [[b.min_latitude ?? -8.05, b.min_longitude ?? 112.57], [b.max_latitude ?? -7.9, b.max_longitude ?? 112.7]];
}

// A map in `container` (which gets `label` for screen readers) showing the whole city.
// Returns { L, map }, or null when Leaflet cannot load (the screen then keeps its table).
export async function cityMap(container, city, label, options = {}) {
  let L;
  try {
    L = await loadLeaflet();
  } catch {
    return null;
  }
  container.setAttribute('role', 'region');
  container.setAttribute('aria-label', label);
  // Quarter zoom steps, so the city fills the box; no animations for whoever asked for less motion.
  const still = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
  const map = L.map(container, {
    attributionControl: Boolean(city?.map_tile_url), zoomSnap: 0.25, zoomDelta: 0.5,
    fadeAnimation: !still, zoomAnimation: !still, markerZoomAnimation: !still, ...options,
  });
  if (city?.map_tile_url) {
    L.tileLayer(city.map_tile_url, { maxZoom: 19, attribution: city.map_attribution || '' }).addTo(map);
  }
  const box = cityBox(city);
  L.rectangle(box, { color: '#0b5394', weight: 2, fill: false, interactive: false }).addTo(map);
  map.fitBounds(box, { padding: [8, 8] });
  return { L, map };
}

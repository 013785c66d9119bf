// The place of a report: a pin on a Leaflet map that the citizen can drag. Leaflet is loaded only
// when the form opens (it is not part of the first screen's weight). Tiles come from the
// server the city configures (`map_tile_url` in /api/v1/city); with none, or with no signal,
// the map shows the city's outline and the pin still works.

let leaflet;

// The stylesheet first: a map drawn before its CSS applies spreads its panes over the page.
function loadStyles() {
  return new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement('link'), {
      rel: 'stylesheet', href: '/vendor/leaflet/leaflet.css', onload: resolve, onerror: reject,
    });
    document.head.append(link);
  });
}

let styles;
async function loadLeaflet() {
  styles ??= loadStyles();
  leaflet ??= await import('/vendor/leaflet/leaflet-src.esm.js');
  await styles;
  return leaflet;
}

// Returns { setPoint(lat, lng) } or null when the map cannot be drawn (the form then relies on
// GPS and the address).
export async function placePicker(container, city, point, onMove, labels) {
  let L;
  try {
    L = await loadLeaflet();
  } catch {
    return null;
  }
  const b = city.bounds || {};
  const cityBox = [[b.min_latitude, b.min_longitude], [b.max_latitude, b.max_longitude]];
  const map = L.map(container, { zoomControl: true, attributionControl: Boolean(city.map_tile_url) });
  if (city.map_tile_url) {
    const tiles = L.tileLayer(city.map_tile_url, {
      maxZoom: 19, attribution: city.map_attribution || '',
    });
    tiles.on('tileerror', () => labels.onNoTiles?.());
    tiles.addTo(map);
  } else {
    labels.onNoTiles?.();
  }
  L.rectangle(cityBox, { color: '#0b5394', weight: 2, fill: false, interactive: false }).addTo(map);
  const center = point || [(b.min_latitude + b.max_latitude) / 2, (b.min_longitude + b.max_longitude) / 2];
  map.fitBounds(cityBox);
  const icon = L.divIcon({ className: 'pin', html: '<span></span>', iconSize: [28, 28], iconAnchor: [14, 28] });
  const marker = L.marker(center, { draggable: true, icon, keyboard: true, title: labels.pin, alt: labels.pin });
  marker.addTo(map);
  marker.on('dragend', () => {
    const { lat, lng } = marker.getLatLng();
    onMove(lat, lng);
  });
  map.on('click', (e) => {
    marker.setLatLng(e.latlng);
    onMove(e.latlng.lat, e.latlng.lng);
  });
  container.setAttribute('aria-label', labels.map);
  return {
    setPoint(lat, lng) {
      marker.setLatLng([lat, lng]);
      map.setView([lat, lng], Math.max(map.getZoom(), 16));
    },
  };
}

// The public page (/publik/, docs/console.md): without signing in, how many complaints each
// agency received per category and how many it answered in time, and a map of the complaints
// being handled now. Counts and places only: a complaint's popup shows its category, state and
// the day it came, never its words, address or anything of who sent it; confidential
// complaints are not in the public list at all (intake leaves them out).

import { h, replace } from '/shared/dom.js';
import { cityMap } from '/shared/map.js';
import { lastDays, periodText, rfc3339, thisYear } from '/shared/period.js';
import { STATE_NAMES } from '/shared/words.js';

const main = document.getElementById('main');
const PERIODS = { 30: '30 hari', 90: '90 hari', tahun: 'Tahun ini' };
let city = {};

const zone = () => city.time_zone || 'Asia/Jakarta';
const num = (v) => Number(v ?? 0) || 0;
const whole = new Intl.NumberFormat('id-ID');
const decimal = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });
const agencyOf = (code) => city.agencies?.find((a) => a.code === code);
const categoryName = (code) => city.categories?.find((c) => c.code === code)?.name || code;
const day = (iso) => new Intl.DateTimeFormat('id-ID', { timeZone: zone(), day: 'numeric', month: 'long', year: 'numeric' })
  .format(new Date(iso));

async function getJson(path) {
  const response = await fetch(path);
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.detail || json.title || `HTTP ${response.status}`);
  return json;
}

function periodOf(choice, now = Date.now()) {
  if (choice === 'tahun') return thisYear(now, zone());
  return lastDays(Number(choice), now, zone());
}

// The share answered in time, of what came in.
const share = (inTime, received) => (received ? `${decimal.format((100 * inTime) / received)}%` : '—');

function cells(row) {
  return [
    h('td', { class: 'n', 'data-figure': 'received', 'data-value': row.received }, whole.format(row.received)),
    h('td', { class: 'n answered', 'data-figure': 'answered', 'data-value': row.answered }, whole.format(row.answered)),
    h('td', { class: 'n', 'data-figure': 'answered_in_time', 'data-value': row.answered_in_time }, whole.format(row.answered_in_time)),
    h('td', { class: 'n' }, share(row.answered_in_time, row.received)),
  ];
}

function statsTable(rows, when) {
  const byAgency = new Map();
  for (const r of rows) {
    const row = { category: r.category, received: num(r.received), answered: num(r.answered), answered_in_time: num(r.answered_in_time) };
    if (!byAgency.has(r.agency_code)) byAgency.set(r.agency_code, []);
    byAgency.get(r.agency_code).push(row);
  }
  const total = (list) => list.reduce((t, r) => ({
    received: t.received + r.received, answered: t.answered + r.answered, answered_in_time: t.answered_in_time + r.answered_in_time,
  }), { received: 0, answered: 0, answered_in_time: 0 });
  const agencies = [...byAgency.entries()]
    .map(([code, list]) => ({ code, name: agencyOf(code)?.name || code, full: agencyOf(code)?.full_name || '', list, sum: total(list) }))
    .sort((a, b) => b.sum.received - a.sum.received || a.name.localeCompare(b.name, 'id'));
  const all = total(agencies.map((a) => a.sum));
  return {
    all,
    table: h('table', { class: 'stats' },
      h('caption', {}, `Pengaduan per dinas dan jenis, ${when}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Dinas / jenis pengaduan'),
        [['Masuk', ''], ['Dijawab', 'answered'], ['Tepat waktu', ''], ['% tepat waktu', '']]
          .map(([x, extra]) => h('th', { scope: 'col', class: `n ${extra}`.trim() }, x)))),
      agencies.length ? agencies.map((a) => h('tbody', { 'data-agency': a.code },
        h('tr', { class: 'agency', 'data-agency': a.code },
          h('th', { scope: 'rowgroup' }, a.name, a.full ? h('span', { class: 'sr-only' }, ` (${a.full})`) : null), cells(a.sum)),
        a.list.sort((x, y) => y.received - x.received).map((r) => h('tr', { class: 'category', 'data-agency': a.code, 'data-category': r.category },
          h('th', { scope: 'row' }, categoryName(r.category)), cells(r)))))
        : h('tbody', {}, h('tr', {}, h('td', { colspan: 5 }, 'Belum ada pengaduan pada periode ini.'))),
      h('tfoot', {}, h('tr', { 'data-agency': 'city' }, h('th', { scope: 'row' }, `${city.city_name || 'Kota'} (total)`), cells(all)))),
  };
}

// The complaints being handled, one dot each, with a popup of what the public may know.
function complaintsMap(complaints) {
  const placed = complaints.filter((c) => c.location && c.location.latitude !== undefined);
  const box = h('div', { class: 'map' });
  queueMicrotask(async () => {
    const drawn = await cityMap(box, city, `Peta ${placed.length} pengaduan yang sedang ditangani`, { scrollWheelZoom: false });
    if (!drawn) { box.remove(); return; }
    const { L, map } = drawn;
    for (const c of placed) {
      const popup = h('div', { class: 'popup' },
        h('p', {}, h('strong', {}, categoryName(c.category))),
        h('p', {}, `Status: ${STATE_NAMES[c.state] || 'Diterima'}`),
        h('p', {}, `Masuk: ${day(c.submitted_at)}`));
      const dot = L.circleMarker([c.location.latitude, c.location.longitude], {
        radius: 7, weight: 2, color: '#0b5394', fillColor: '#3d7cc9', fillOpacity: 0.6,
      }).bindPopup(popup).addTo(map);
      dot.getElement()?.setAttribute('data-category', c.category);
    }
  });
  const byCategory = new Map();
  for (const c of complaints) byCategory.set(c.category, (byCategory.get(c.category) || 0) + 1);
  return h('section', { 'aria-labelledby': 'map-h' },
    h('h2', { id: 'map-h' }, 'Pengaduan yang sedang ditangani'),
    h('p', { class: 'help' }, `${complaints.length} pengaduan belum selesai dalam 90 hari terakhir. `,
      'Tiap titik menunjukkan jenis, status dan tanggal masuk; isi pengaduan dan identitas pelapor tidak ditampilkan, ',
      'dan pengaduan rahasia tidak ada di peta.'),
    box,
    h('details', {},
      h('summary', {}, 'Tabel pengaduan yang sedang ditangani per jenis'),
      h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Jenis'), h('th', { scope: 'col', class: 'n' }, 'Belum selesai'))),
        h('tbody', {}, [...byCategory.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) =>
          h('tr', { 'data-category': code }, h('th', { scope: 'row' }, categoryName(code)), h('td', { class: 'n' }, n)))))));
}

const announcer = h('p', { role: 'status', class: 'sr-only' });

async function loadStats(stats, choice) {
  const period = periodOf(choice);
  const when = periodText(period, zone());
  stats.setAttribute('aria-busy', 'true');
  const range = `from=${encodeURIComponent(rfc3339(period.from))}&to=${encodeURIComponent(rfc3339(period.to))}`;
  try {
    const answer = await getJson(`/api/v1/public/stats?${range}`);
    const { all, table } = statsTable(answer.rows || [], when);
    replace(stats, h('h2', { id: 'stats-h' }, `Per dinas, ${when}`),
      h('ul', { class: 'totals' },
        h('li', {}, 'Pengaduan masuk', h('strong', { 'data-total': 'received' }, whole.format(all.received))),
        h('li', {}, 'Dijawab tepat waktu', h('strong', { 'data-total': 'answered_in_time' }, whole.format(all.answered_in_time))),
        h('li', {}, 'Tepat waktu dari yang masuk', h('strong', {}, share(all.answered_in_time, all.received)))),
      h('div', { class: 'scroll' }, table),
      h('p', { class: 'help' }, 'Pengaduan yang masuk pada periode ini. "Tepat waktu": dijawab pertama kali sebelum batas waktu dinas (3 sampai 7 hari kerja); persennya dari semua yang masuk.'));
    announcer.textContent = `${when}: ${whole.format(all.received)} pengaduan masuk, ${whole.format(all.answered_in_time)} dijawab tepat waktu.`;
  } catch (e) {
    replace(stats, h('h2', { id: 'stats-h' }, 'Per dinas'), h('p', { role: 'alert', class: 'error' }, `Statistik tidak termuat: ${e.message}`));
  }
  stats.removeAttribute('aria-busy');
}

async function loadMap(where) {
  try {
    const open = await getJson('/api/v1/public/complaints?progress=PROGRESS_OPEN&limit=1000');
    replace(where, complaintsMap(open.complaints || []));
  } catch (e) {
    replace(where, h('p', { role: 'alert', class: 'error' }, `Peta tidak termuat: ${e.message}`));
  }
}

// The period in the address (#periode=30|90|tahun), so a link keeps it.
function choice() {
  const m = /periode=(30|90|tahun)/.exec(location.hash);
  return m ? m[1] : '30';
}

async function start() {
  city = await getJson('/api/v1/city').catch(() => ({}));
  const name = city.city_name || '';
  document.title = `Statistik pengaduan ${name} · Sambat Kene Ker`;
  const radios = h('fieldset', { class: 'period' }, h('legend', {}, 'Periode'),
    Object.entries(PERIODS).map(([value, label]) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'period', value, checked: value === choice(),
        onchange: () => { location.hash = `#periode=${value}`; } }), label)));
  const stats = h('section', { 'aria-labelledby': 'stats-h' },
    h('h2', { id: 'stats-h' }, 'Per dinas'), h('p', {}, 'Memuat…'));
  const where = h('div', {}, h('p', {}, 'Memuat peta…'));
  replace(main, h('h1', {}, `Pengaduan warga ${name}`.trim()),
    h('p', { class: 'lead' }, 'Berapa pengaduan yang masuk ke tiap dinas, dan berapa yang dijawab sebelum batas waktunya. ',
      'Hanya angka: isi pengaduan dan identitas pelapor tidak pernah ditampilkan di sini.'),
    radios, announcer, stats, where,
    h('footer', {}, `Sumber: Sambat Kene Ker, layanan pengaduan ${name || 'kota'}. Ingin melapor? `,
      h('a', { href: '/' }, 'Buka aplikasi pengaduan'), '.'));
  window.addEventListener('hashchange', () => {
    for (const radio of radios.querySelectorAll('input')) radio.checked = radio.value === choice();
    loadStats(stats, choice());
  });
  await Promise.all([loadStats(stats, choice()), loadMap(where)]);
}

start();

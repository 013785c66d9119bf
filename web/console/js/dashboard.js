// Leadership's dashboard (#/dasbor), and the agency head's statistics of their own agency (the
// server narrows it to the head's agency): the period's figures per agency and for the city,
// the trend by week, and a map of the cases open now. The period is in the address
// (#/dasbor?from=<RFC 3339>&to=<RFC 3339>), so a bookmark or a test can fix it.

import { h, replace, field } from '/shared/dom.js';
import { cityMap } from '/shared/map.js';
import {
  addDays, dayOf, isoDay, lastWeeks, parseDay, periodOf, periodText, rfc3339, samePeriod, startOf, thisYear,
} from '/shared/period.js';
import * as api from './staff.js';
import { agencyName, main, num, onLeave, problem, session, title, zone } from './common.js';
import { figuresTable } from './figures.js';
import { trendChart, weekTotals } from './chart.js';

export const periodAddress = (screen, period) =>
  `#/${screen}?from=${encodeURIComponent(rfc3339(period.from))}&to=${encodeURIComponent(rfc3339(period.to))}`;

// Presets as links (each a bookmarkable address) and any span of days by date.
function periodPicker(screen, period) {
  const now = Date.now();
  const presets = [
    ['4 minggu', lastWeeks(4, now, zone())], ['13 minggu', lastWeeks(13, now, zone())], ['tahun ini', thisYear(now, zone())],
  ];
  const from = h('input', { type: 'date', value: isoDay(dayOf(period.from, zone())), required: true });
  const to = h('input', { type: 'date', value: isoDay(dayOf(period.to - 1, zone())), required: true });
  const status = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'filters period', novalidate: true, 'aria-label': 'Periode' },
    h('div', { class: 'presets' }, h('span', { class: 'label', id: 'presets-label' }, 'Periode cepat'),
      h('ul', { 'aria-labelledby': 'presets-label' }, presets.map(([label, p]) => h('li', {},
        h('a', { class: 'button', href: periodAddress(screen, p), 'aria-current': samePeriod(p, period) ? 'true' : false }, label))))),
    field('period-from', 'Dari tanggal', from),
    field('period-to', 'Sampai tanggal (termasuk)', to),
    h('button', { type: 'submit', class: 'button primary' }, 'Tampilkan'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const a = parseDay(from.value);
    const b = parseDay(to.value);
    if (!a || !b || isoDay(a) > isoDay(b)) {
      status.textContent = 'Pilih tanggal awal yang tidak sesudah tanggal akhir.';
      return;
    }
    location.hash = periodAddress(screen, { from: startOf(a, zone()), to: startOf(addDays(b, 1), zone()) });
  });
  return form;
}

// Open cases on the map, counted on a grid: one circle per cell, its area by the count, red
// when any of them is late; the same cells in a table for whoever cannot see the map.
function caseMap(answer) {
  const cells = [...(answer.cells || [])].sort((a, b) => num(b.open) - num(a.open));
  const open = num(answer.open);
  const overdue = cells.reduce((sum, c) => sum + num(c.overdue), 0);
  const box = h('div', { class: 'map dashboard-map' });
  let drawn = null;
  queueMicrotask(async () => {
    drawn = await cityMap(box, session.city, 'Peta kasus terbuka', { scrollWheelZoom: false });
    if (!drawn) { box.remove(); return; }
    const { L, map } = drawn;
    for (const c of cells) {
      const late = num(c.overdue) > 0;
      L.circleMarker([c.center?.latitude || 0, c.center?.longitude || 0], {
        radius: Math.min(30, 4 + 3 * Math.sqrt(num(c.open))), weight: 2,
        color: late ? '#8c1d18' : '#0b5394', fillColor: late ? '#b3261e' : '#3d7cc9', fillOpacity: 0.55,
      }).bindTooltip(`${num(c.open)} terbuka${late ? `, ${num(c.overdue)} terlambat` : ''}`).addTo(map);
    }
  });
  onLeave(() => drawn?.map.remove());
  const coordinate = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 4, maximumFractionDigits: 4 });
  return h('section', { 'aria-labelledby': 'map-h' },
    h('h2', { id: 'map-h' }, 'Peta kasus terbuka (sekarang)'),
    h('p', { class: 'help' }, `${open} kasus terbuka di ${cells.length} titik; ${overdue} terlambat. `,
      'Lingkaran makin besar makin banyak kasus; merah: ada yang terlambat.'),
    box,
    h('details', {},
      h('summary', {}, 'Tabel titik kasus terbuka'),
      h('table', {},
        h('thead', {}, h('tr', {}, ['Lintang', 'Bujur', 'Terbuka', 'Terlambat'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, cells.slice(0, 50).map((c) => h('tr', {},
          h('td', {}, coordinate.format(c.center?.latitude || 0)), h('td', {}, coordinate.format(c.center?.longitude || 0)),
          h('td', {}, num(c.open)), h('td', {}, num(c.overdue))))))));
}

// The trend of the whole city or of one agency (leadership chooses).
function trend(answer, period, head) {
  const codes = [...new Set((answer.weeks || []).map((w) => w.agency_code))].sort();
  const which = head ? null : h('select', {}, h('option', { value: '' }, 'Seluruh kota'),
    codes.map((code) => h('option', { value: code }, agencyName(code))));
  const holder = h('div');
  const draw = () => {
    const code = which?.value || '';
    const rows = (answer.weeks || []).filter((w) => !code || w.agency_code === code);
    replace(holder, trendChart(weekTotals(rows, period, zone()),
      `Tren per minggu: ${code ? agencyName(code) : head ? agencyName(session.me.agency_code) : 'seluruh kota'}`));
  };
  which?.addEventListener('change', draw);
  draw();
  return h('section', { 'aria-labelledby': 'trend-h' },
    h('h2', { id: 'trend-h' }, 'Tren per minggu'),
    which ? h('div', { class: 'filters' }, field('trend-agency', 'Tampilkan tren untuk', which)) : null,
    holder);
}

export async function dashboard(query) {
  const { me } = session;
  const head = me.role === 'agency_head';
  const period = periodOf(query) || lastWeeks(4, Date.now(), zone());
  const when = periodText(period, zone());
  const status = h('p', { role: 'status', class: 'count' }, 'Memuat…');
  const content = h('div', { 'aria-busy': 'true' });
  replace(main, title(head ? `Statistik ${agencyName(me.agency_code)}` : 'Dasbor pimpinan'),
    h('p', { class: 'lead' }, `Periode ${when}. `, 'Terbuka dan terlambat: keadaan sekarang; lainnya: kasus yang masuk pada periode ini.'),
    periodPicker('dasbor', period), status, content);
  const params = new URLSearchParams({ from: rfc3339(period.from), to: rfc3339(period.to) });
  if (head) params.set('agency_code', me.agency_code);
  const [answer, cells] = await Promise.all([
    api.get(`dashboard?${params}`),
    api.get(head ? `case-map?agency_code=${encodeURIComponent(me.agency_code)}` : 'case-map').catch((e) => ({ failed: e })),
  ]);
  replace(content,
    h('section', { 'aria-labelledby': 'figures-h' },
      h('h2', { id: 'figures-h' }, head ? 'Kinerja dinas' : 'Kinerja per dinas'),
      h('div', { class: 'scroll' }, figuresTable(answer, `Kinerja ${head ? agencyName(me.agency_code) : 'per dinas'}, ${when}`,
        head ? 'Total' : undefined))),
    trend(answer, period, head),
    cells.failed ? h('p', { role: 'alert', class: 'error' }, `Peta kasus: ${problem(cells.failed)}`) : caseMap(cells));
  content.removeAttribute('aria-busy');
  status.textContent = `${(answer.agencies || []).length} dinas, periode ${when}`;
}

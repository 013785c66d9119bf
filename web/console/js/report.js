// The weekly report (#/laporan): one week's figures (Monday 00:00 to Monday 00:00 in the city's
// time zone), to print on A4 (console.css's print rules leave out the menu and the controls)
// or to download as the gateway's CSV. #/laporan?from=&to= fixes the period, as the dashboard's.

import { h, replace, field } from '/shared/dom.js';
import { addDays, dayOf, isoDay, mondayOf, periodOf, periodText, rfc3339, samePeriod, week } from '/shared/period.js';
import * as api from './staff.js';
import { agencyName, cityName, main, num, session, title, zone } from './common.js';
import { figuresTable } from './figures.js';
import { periodAddress } from './dashboard.js';

const WEEKS_BACK = 26;

function weekPicker(period) {
  const thisMonday = mondayOf(dayOf(Date.now(), zone()));
  const options = [];
  for (let i = 1; i <= WEEKS_BACK; i += 1) {
    const monday = addDays(thisMonday, -7 * i);
    const p = week(monday, zone());
    options.push(h('option', { value: isoDay(monday), selected: samePeriod(p, period) }, periodText(p, zone())));
  }
  const select = h('select', {},
    options.some((o) => o.selected) ? null : h('option', { value: '', selected: true }, periodText(period, zone())),
    options);
  select.addEventListener('change', () => {
    const [y, m, d] = select.value.split('-').map(Number);
    if (y) location.hash = periodAddress('laporan', week({ y, m, d }, zone()));
  });
  return h('form', { class: 'filters no-print', onsubmit: (e) => e.preventDefault() }, field('report-week', 'Minggu', select));
}

export async function report(query) {
  const { me } = session;
  const head = me.role === 'agency_head';
  const period = periodOf(query) || week(addDays(mondayOf(dayOf(Date.now(), zone())), -7), zone());
  const range = `from=${encodeURIComponent(rfc3339(period.from))}&to=${encodeURIComponent(rfc3339(period.to))}`;
  const when = periodText(period, zone());
  const printed = new Intl.DateTimeFormat('id-ID', {
    timeZone: zone(), day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).format(new Date());
  const content = h('div', { 'aria-busy': 'true' }, h('p', { role: 'status' }, 'Memuat…'));
  replace(main,
    h('p', { class: 'print-only org' }, `Pemerintah ${cityName()} · Sambat Kene Ker`),
    title(`Laporan mingguan ${head ? agencyName(me.agency_code) : cityName()}`),
    h('p', { class: 'lead' }, h('strong', {}, `Periode: ${when}`), h('br'),
      h('span', { class: 'printed' }, `Dicetak ${printed}`)),
    weekPicker(period),
    h('div', { class: 'inline no-print' },
      h('a', { class: 'button', href: `/api/v1/staff/report.csv?${range}`, download: `laporan-${isoDay(dayOf(period.from, zone()))}.csv` }, 'Unduh CSV'),
      h('button', { type: 'button', class: 'button primary', onclick: () => window.print() }, 'Cetak')),
    content);
  const answer = await api.get(`dashboard?${range}${head ? `&agency_code=${encodeURIComponent(me.agency_code)}` : ''}`);
  const weeks = answer.weeks || [];
  const sum = (k) => weeks.reduce((s, w) => s + num(w[k]), 0);
  replace(content,
    h('dl', { class: 'facts summary' },
      h('dt', {}, 'Pengaduan masuk'), h('dd', { 'data-figure': 'received' }, sum('received')),
      h('dt', {}, 'Dijawab'), h('dd', {}, sum('answered')),
      h('dt', {}, 'Dijawab tepat waktu'), h('dd', {}, sum('answered_in_time')),
      h('dt', {}, 'Eskalasi'), h('dd', {}, sum('escalations'))),
    figuresTable(answer, `Kinerja ${head ? agencyName(me.agency_code) : 'per dinas'}, ${when}`, head ? 'Total' : undefined),
    h('p', { class: 'help' }, 'Terbuka dan terlambat: keadaan saat laporan dibuat. Dijawab, tepat waktu, waktu respons pertama ',
      '(jam kerja, tanpa jeda menunggu warga) dan eskalasi: kasus yang masuk pada minggu ini.'));
  content.removeAttribute('aria-busy');
}

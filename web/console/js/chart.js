// The trend by week as plain SVG bars drawn here (no chart library): for each week the
// complaints received, those answered in time and the escalations. The picture is one image
// for a screen reader, with the same numbers in a table right after it.

import { h, svg } from '/shared/dom.js';
import { addDays, dayOf, isoDay, mondayOf, parseDay, startOf } from '/shared/period.js';
import { num } from './common.js';

const SERIES = [
  ['received', 'Pengaduan masuk', 'received'],
  ['answered_in_time', 'Dijawab tepat waktu', 'in-time'],
  ['escalations', 'Eskalasi', 'escalated'],
];
const W = 760;
const H = 240;
const LEFT = 44;
const BOTTOM = 28;
const TOP = 12;

// The period's weeks (Monday by Monday, from the one `from` falls in), each with the sums of
// `rows` for it (rows of WeekFigures, already narrowed to what the chart shows).
export function weekTotals(rows, period, zone) {
  const totals = new Map();
  for (let monday = mondayOf(dayOf(period.from, zone)); ; monday = addDays(monday, 7)) {
    if (startOf(monday, zone) >= period.to) break;
    const key = isoDay(monday);
    totals.set(key, { week: key, received: 0, answered: 0, answered_in_time: 0, escalations: 0 });
  }
  for (const r of rows) {
    const t = totals.get(r.week) || { week: r.week, received: 0, answered: 0, answered_in_time: 0, escalations: 0 };
    for (const k of ['received', 'answered', 'answered_in_time', 'escalations']) t[k] += num(r[k]);
    totals.set(r.week, t);
  }
  return [...totals.values()].sort((a, b) => a.week.localeCompare(b.week));
}

const short = new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'short', timeZone: 'UTC' });
export const weekLabel = (week) => {
  const d = parseDay(week);
  return d ? short.format(new Date(Date.UTC(d.y, d.m - 1, d.d))) : week;
};

const scaleLabel = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });

// A "nice" top of the scale: 1, 2 or 5 times a power of ten, at least `max`.
function scaleTop(max) {
  if (max <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 3, 4, 5, 6, 8, 10].map((f) => f * power).find((v) => v >= max);
}

export function trendChart(weeks, caption) {
  const top = scaleTop(Math.max(0, ...weeks.flatMap((w) => SERIES.map(([k]) => w[k]))));
  const plotW = W - LEFT - 8;
  const plotH = H - TOP - BOTTOM;
  const group = plotW / Math.max(1, weeks.length);
  const bar = Math.max(2, Math.min(18, (group - 4) / SERIES.length));
  const y = (v) => TOP + plotH - (v / top) * plotH;
  const every = Math.ceil(weeks.length / 14);  // at most 14 labels under the bars
  const grid = [0, top / 2, top].map((v) => [
    svg('line', { x1: LEFT, x2: W - 8, y1: y(v), y2: y(v), class: 'grid' }),
    svg('text', { x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end' }, scaleLabel.format(v)),
  ]);
  const bars = weeks.map((w, i) => {
    const x0 = LEFT + i * group + (group - bar * SERIES.length) / 2;
    return svg('g', {},
      SERIES.map(([k, label, cls], s) => svg('rect', {
        x: x0 + s * bar, y: y(w[k]), width: bar - 1, height: Math.max(0, TOP + plotH - y(w[k])), class: cls,
      }, svg('title', {}, `${weekLabel(w.week)}: ${label} ${w[k]}`))),
      i % every === 0 ? svg('text', { x: LEFT + i * group + group / 2, y: H - 8, 'text-anchor': 'middle' }, weekLabel(w.week)) : null);
  });
  const last = weeks[weeks.length - 1];
  const summary = last
    ? `Minggu ${weekLabel(last.week)}: ${last.received} masuk, ${last.answered_in_time} dijawab tepat waktu, ${last.escalations} eskalasi. Angka tiap minggu ada di tabel sesudah grafik.`
    : 'Belum ada data.';
  const id = `chart-${Math.random().toString(36).slice(2, 8)}`;
  return h('figure', { class: 'trend' },
    h('figcaption', { id: `${id}-c` }, caption),
    svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-c ${id}-s`, class: 'chart' },
      grid, bars),
    h('p', { id: `${id}-s`, class: 'help' }, summary),
    h('ul', { class: 'legend', 'aria-hidden': 'true' },
      SERIES.map(([, label, cls]) => h('li', {}, h('span', { class: `swatch ${cls}` }), label))),
    h('details', {},
      h('summary', {}, 'Tabel tren per minggu'),
      h('table', { class: 'trend-table' },
        h('caption', { class: 'sr-only' }, caption),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Minggu mulai'),
          h('th', { scope: 'col' }, 'Masuk'), h('th', { scope: 'col' }, 'Dijawab'),
          h('th', { scope: 'col' }, 'Dijawab tepat waktu'), h('th', { scope: 'col' }, 'Eskalasi'))),
        h('tbody', {}, weeks.map((w) => h('tr', { 'data-week': w.week },
          h('th', { scope: 'row' }, weekLabel(w.week)), h('td', {}, w.received), h('td', {}, w.answered),
          h('td', {}, w.answered_in_time), h('td', {}, w.escalations)))))));
}

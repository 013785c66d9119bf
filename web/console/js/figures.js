// The figures of an agency's record (sla's AgencyStatsResponse), as the dashboard and the weekly
// report show them: one row per agency and the city's total, each cell with its raw value in
// data-value (for tests and for copying), the text formatted for reading.

import { h } from '/shared/dom.js';
import { agencyName, cityName, num } from './common.js';

const decimal = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('id-ID');

export const percent = (v) => `${decimal.format(v)}%`;
export const hours = (v) => `${decimal.format(v)} jam`;
export const count = (v) => whole.format(v);

// [figure, column heading, format].
export const FIGURES = [
  ['open', 'Terbuka', count],
  ['overdue', 'Terlambat', count],
  ['answered', 'Dijawab', count],
  ['answered_in_time', 'Dijawab tepat waktu', count],
  ['answered_in_time_percent', '% tepat waktu', percent],
  ['median_first_response_working_hours', 'Median respons pertama (jam kerja)', hours],
  ['p90_first_response_working_hours', 'P90 respons pertama (jam kerja)', hours],
  ['escalations_level1', 'Eskalasi level 1', count],
  ['escalations_level2', 'Eskalasi level 2', count],
];
// Figures that measure answers: a dash while the period has none (the share's 0 would read as
// "all late" when nothing was due yet).
const OF_ANSWERS = new Set(['answered_in_time_percent', 'median_first_response_working_hours', 'p90_first_response_working_hours']);

function row(stats, code, name, header = 'th') {
  const answered = num(stats.answered);
  return h('tr', { 'data-agency': code },
    h(header, { scope: 'row' }, name),
    FIGURES.map(([figure, , format]) => {
      const value = num(stats[figure]);
      const empty = OF_ANSWERS.has(figure) && answered === 0;
      return h('td', {
        class: `figure${figure === 'overdue' && value > 0 ? ' late' : ''}`,
        'data-figure': figure, 'data-value': String(value),
      }, empty ? [h('span', { 'aria-hidden': 'true' }, '—'), h('span', { class: 'sr-only' }, 'belum ada jawaban')] : format(value));
    }));
}

// The table of a DashboardResponse: its agencies by name, then the total (the city's, or for
// an agency head that of their own agency: `totalName`).
export function figuresTable(answer, caption, totalName = `${cityName()} (total)`) {
  const rows = [...(answer.agencies || [])]
    .sort((a, b) => agencyName(a.agency_code).localeCompare(agencyName(b.agency_code), 'id'));
  return h('table', { class: 'figures' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Dinas'),
      FIGURES.map(([, heading]) => h('th', { scope: 'col', class: 'figure' }, heading)))),
    h('tbody', {}, rows.length
      ? rows.map((a) => row(a, a.agency_code, agencyName(a.agency_code)))
      : h('tr', {}, h('td', { colspan: FIGURES.length + 1 }, 'Belum ada kasus pada periode ini.'))),
    answer.city ? h('tfoot', {}, row(answer.city, 'city', totalName)) : null);
}

// Dates as a citizen reads them, in the city's zone whatever the phone's zone is.
//
// sla puts a deadline that ends with a working day at 00:00 of the next working day
// (services/sla/working_calendar.h). Shown as it is, a Friday deadline reads "Monday 00:00";
// the citizen should read "Friday, end of the working day".

import { currentLang } from './i18n.js';

const locale = () => (currentLang() === 'en' ? 'en-GB' : 'id-ID');

function parts(date, timeZone) {
  const out = {};
  for (const p of new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
  }).formatToParts(date)) {
    out[p.type] = Number(p.value);
  }
  return out;
}

// A calendar day as a UTC noon, so stepping days never meets a zone's midnight.
const civil = (y, m, d) => new Date(Date.UTC(y, m - 1, d, 12));
const isoDay = (day) => day.toISOString().slice(0, 10);

function dayName(day) {
  return new Intl.DateTimeFormat(locale(), {
    timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long',
  }).format(day);
}

// `holidays`: the city's non-working dates ("2026-12-25"), as /api/v1/city lists them.
export function dueText(iso, timeZone, holidays, endOfDayTemplate) {
  if (!iso) return '';
  const due = new Date(iso);
  const p = parts(due, timeZone);
  if (p.hour === 0 && p.minute === 0 && p.second === 0) {
    const closed = new Set(holidays || []);
    let day = civil(p.year, p.month, p.day);
    for (let i = 0; i < 30; i += 1) {
      day = new Date(day.getTime() - 86400000);
      const weekday = day.getUTCDay();
      if (weekday !== 0 && weekday !== 6 && !closed.has(isoDay(day))) break;
    }
    return endOfDayTemplate.replace('{day}', dayName(day));
  }
  return dateTime(iso, timeZone);
}

export function dateTime(iso, timeZone) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), {
    timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit',
  }).format(new Date(iso));
}

export function shortDate(iso, timeZone) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(locale(), {
    timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  }).format(new Date(iso));
}

const ACTIVE = new Set(['CASE_STATE_ROUTED', 'CASE_STATE_IN_PROGRESS', 'CASE_STATE_REOPENED']);

// Whether the due time shown belongs to the clock running now. A reopened or forwarded complaint
// starts a new clock; until sla has set it, the old due time says nothing about lateness.
export function deadlineOf(complaint, now = Date.now()) {
  const due = complaint.first_response_due_at;
  if (!due || !ACTIVE.has(complaint.state)) return { due: '', late: false, stale: false };
  // The timeline is in order: a deadline set after the last restart belongs to the new clock.
  const timeline = complaint.timeline || [];
  const restart = timeline.findLastIndex((e) => e.kind === 'reopened' || e.kind === 'forwarded');
  const set = timeline.findLastIndex((e) => e.kind === 'deadline_set');
  if (restart >= 0 && set < restart) return { due: '', late: false, stale: true };
  return { due, late: Date.parse(due) < now, stale: false };
}

// Periods in the city's time zone (Asia/Jakarta unless /api/v1/city says otherwise): civil days,
// the weeks that start on Monday 00:00, and the presets the dashboards offer. A period is
// { from, to }, two instants (milliseconds), `to` excluded, as the API's from/to are.

const parts = new Map();
function formatter(zone) {
  if (!parts.has(zone)) {
    parts.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    }));
  }
  return parts.get(zone);
}

// The wall clock in `zone` at instant `ms`: { y, m, d, hh, mm, ss }.
function wall(ms, zone) {
  const out = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { y: out.year, m: out.month, d: out.day, hh: out.hour, mm: out.minute, ss: out.second };
}

// The civil day of instant `ms` in `zone`: { y, m, d }.
export function dayOf(ms, zone) {
  const { y, m, d } = wall(ms, zone);
  return { y, m, d };
}

// The instant a civil day starts in `zone` (00:00 there).
export function startOf(day, zone) {
  const naive = Date.UTC(day.y, day.m - 1, day.d);
  let guess = naive;
  for (let i = 0; i < 3; i += 1) {
    const w = wall(guess, zone);
    const offset = Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mm, w.ss) - guess;
    const next = naive - offset;
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

export function addDays(day, n) {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

// The Monday of the week `day` is in.
export function mondayOf(day) {
  const weekday = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();  // 0 Sunday
  return addDays(day, -((weekday + 6) % 7));
}

const pad = (n) => String(n).padStart(2, '0');
export const isoDay = (day) => `${day.y}-${pad(day.m)}-${pad(day.d)}`;
export function parseDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || '');
  return m ? { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) } : null;
}

// The last `n` full weeks before the current one.
export function lastWeeks(n, now, zone) {
  const monday = mondayOf(dayOf(now, zone));
  return { from: startOf(addDays(monday, -7 * n), zone), to: startOf(monday, zone) };
}

// The last `n` days, today included.
export function lastDays(n, now, zone) {
  const today = dayOf(now, zone);
  return { from: startOf(addDays(today, 1 - n), zone), to: startOf(addDays(today, 1), zone) };
}

// From 1 January to the end of today.
export function thisYear(now, zone) {
  const today = dayOf(now, zone);
  return { from: startOf({ y: today.y, m: 1, d: 1 }, zone), to: startOf(addDays(today, 1), zone) };
}

// The week that starts on `monday` (a civil day).
export function week(monday, zone) {
  return { from: startOf(monday, zone), to: startOf(addDays(monday, 7), zone) };
}

export const samePeriod = (a, b) => a && b && a.from === b.from && a.to === b.to;

// "2 Nov – 29 Nov 2026": the days a period covers (its last day is the one before `to`).
export function periodText(period, zone) {
  const day = new Intl.DateTimeFormat('id-ID', { timeZone: zone, day: 'numeric', month: 'short' });
  const full = new Intl.DateTimeFormat('id-ID', { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' });
  const last = period.to - 1;
  const sameYear = dayOf(period.from, zone).y === dayOf(last, zone).y;
  const first = (sameYear ? day : full).format(new Date(period.from));
  return first === full.format(new Date(last)) ? first : `${first} – ${full.format(new Date(last))}`;
}

// The period of an address's query (?from=<RFC 3339>&to=<RFC 3339>), or null.
export function periodOf(query) {
  const from = Date.parse(query.from || '');
  const to = Date.parse(query.to || '');
  return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : null;
}

export const rfc3339 = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

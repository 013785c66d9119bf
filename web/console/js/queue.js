// The queue: overdue first (the server's order), refreshed by itself, filtered on the page.

import { h, replace, field } from '/shared/dom.js';
import * as api from './staff.js';
import { STATES, agencies, categoryName, main, onLeave, session, title, when } from './common.js';
import { FIRST_QUEUE_PAGE, firstQueuePage } from './early.js';

const POLL_MS = 15000;

// One row of the queue, cloned and filled for each case: 200 rows drawn in a few milliseconds
// where building each element anew took tens (docs/performance.md, the console).
const ROW = h('tr', {},
  h('td', {}, h('a')), h('td'), h('td', { class: 'summary' }), h('td'), h('td'),
  h('td', {}, '', h('br'), h('small')));

// "sisa 2 hari 3 jam" or "terlambat 5 jam": what an officer needs at a glance.
export function countdown(iso, now = Date.now()) {
  if (!iso) return { text: '—', late: false };
  let ms = Date.parse(iso) - now;
  const late = ms < 0;
  ms = Math.abs(ms);
  const days = Math.floor(ms / 86400000);
  const hours = Math.floor((ms % 86400000) / 3600000);
  const minutes = Math.floor((ms % 3600000) / 60000);
  const span = days ? `${days} hari ${hours} jam` : hours ? `${hours} jam ${minutes} mnt` : `${minutes} mnt`;
  return { text: late ? `terlambat ${span}` : `sisa ${span}`, late };
}

// The first page of the agency's queue as asked for before the session was known (early.js),
// used once by the queue screen if it asks for the same page.
let prefetched = firstQueuePage;

export async function queue() {
  const { me, city } = session;
  const search = h('input', { type: 'search', placeholder: 'SKK-2026-000123', autocomplete: 'off' });
  const state = h('select', {},
    h('option', { value: '' }, 'Semua yang terbuka'),
    ['CASE_STATE_ROUTED', 'CASE_STATE_IN_PROGRESS', 'CASE_STATE_WAITING_CITIZEN', 'CASE_STATE_REOPENED']
      .map((s) => h('option', { value: s }, STATES[s])));
  const category = h('select', {}, h('option', { value: '' }, 'Semua jenis'),
    (city?.categories || []).map((c) => h('option', { value: c.code }, c.name)));
  const overdue = h('input', { type: 'checkbox', id: 'f-overdue' });
  const mine = h('input', { type: 'checkbox', id: 'f-mine' });
  const agency = me.role === 'leadership'
    ? h('select', {}, agencies().map((a) => h('option', { value: a.code }, a.name))) : null;
  const body = h('tbody');
  const count = h('p', { role: 'status', class: 'count' });
  const table = h('table', { class: 'queue' },
    h('caption', { class: 'sr-only' }, 'Antrean kasus, yang terlambat lebih dulu'),
    h('thead', {}, h('tr', {}, ['Tiket', 'Jenis', 'Ringkasan', 'Status', 'Petugas', 'Batas waktu']
      .map((c) => h('th', { scope: 'col' }, c)))),
    body);
  replace(main, title('Antrean'),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      field('q', 'Cari tiket (tekan /)', search),
      field('state', 'Status', state),
      field('category', 'Jenis', category),
      agency ? field('agency', 'Dinas', agency) : null,
      h('div', { class: 'check' }, overdue, h('label', { for: 'f-overdue' }, 'Hanya yang terlambat')),
      h('div', { class: 'check' }, mine, h('label', { for: 'f-mine' }, 'Hanya milik saya'))),
    count, table,
    h('p', { class: 'help' }, 'Pintasan: / cari, j dan k pindah baris, Enter buka kasus.'));

  let cases = [];
  let etag = '';
  const draw = () => {
    const q = search.value.trim().toUpperCase();
    const shown = cases.filter((c) => (!q || c.ticket.includes(q))
      && (!state.value || c.state === state.value)
      && (!category.value || c.category === category.value)
      && (!overdue.checked || c.overdue)
      && (!mine.checked || c.holder_id === me.username));
    replace(body, shown.map((c) => {
      const due = countdown(c.due_at);
      const row = ROW.cloneNode(true);
      const [ticket, kind, summary, status, holder, deadline] = row.children;
      if (c.overdue) row.className = 'overdue';
      ticket.firstChild.href = `#/kasus/${c.complaint_id}`;
      ticket.firstChild.textContent = c.ticket;
      kind.textContent = categoryName(c.category);
      summary.textContent = c.summary || '';
      status.textContent = STATES[c.state] || c.state;
      holder.textContent = c.holder_name || '—';
      if (due.late) deadline.className = 'late';
      deadline.firstChild.data = due.text;
      deadline.lastChild.textContent = when(c.due_at);
      return row;
    }));
    count.textContent = `${shown.length} dari ${cases.length} kasus`;
  };
  const load = async () => {
    const params = new URLSearchParams({ page_size: '200' });
    if (agency) params.set('agency_code', agency.value);
    const path = `queue?${params}`;
    const early = path === FIRST_QUEUE_PAGE ? prefetched : null;
    prefetched = null;
    const answer = (early && await early.catch(() => null)) || await api.getWithEtag(path);
    if (answer.etag && answer.etag === etag) return;  // nothing changed
    etag = answer.etag;
    cases = answer.json.cases || [];
    draw();
  };
  for (const control of [search, state, category, overdue, mine]) control.addEventListener('input', draw);
  agency?.addEventListener('change', () => { etag = ''; load(); });
  const keys = (event) => {
    if (event.target.matches('input, textarea, select')) {
      if (event.key === 'Escape') event.target.blur();
      return;
    }
    const links = [...body.querySelectorAll('a')];
    const at = links.indexOf(document.activeElement);
    if (event.key === '/') { event.preventDefault(); search.focus(); }
    if (event.key === 'j') links[Math.min(links.length - 1, at + 1)]?.focus();
    if (event.key === 'k') links[Math.max(0, at - 1)]?.focus();
  };
  document.addEventListener('keydown', keys);
  const timer = setInterval(() => load().catch(() => {}), POLL_MS);
  onLeave(() => { clearInterval(timer); document.removeEventListener('keydown', keys); });
  await load();
}

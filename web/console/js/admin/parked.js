// Parked events (#/admin/tertunda): events a service could not apply after its retries, kept in
// its dead queue until someone looks; and notification's dead letters (deliveries that failed
// for good). Once the cause is fixed, replay one or all (all asks first).

import { h, replace } from '/shared/dom.js';
import * as api from '../staff.js';
import { confirmStep, main, num, problem, title, when } from '../common.js';

const SERVICES = { intake: 'Intake', routing: 'Routing', sla: 'SLA', notification: 'Notifikasi' };
const CHANNELS = { inbox: 'Kotak masuk', email: 'Email', whatsapp: 'WhatsApp', sms: 'SMS' };

// One section: its heading, a status line, a table, and "all" behind a confirmation.
function section(id, heading, columns, load, replayAll, allLabel) {
  const said = h('p', { role: 'status', class: 'said', tabindex: -1 });
  const body = h('tbody');
  const all = h('button', { type: 'button', class: 'button', hidden: true });
  const table = h('div', { class: 'scroll', hidden: true }, h('table', {},
    h('caption', { class: 'sr-only' }, heading),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    body));
  const el = h('section', { class: 'parked', 'aria-labelledby': `${id}-h`, 'data-service': id },
    h('h2', { id: `${id}-h` }, heading), said, table, all);
  const refresh = async (message = '') => {
    let rows;
    try {
      rows = await load();
    } catch (e) {
      said.textContent = `Tidak termuat: ${problem(e)}`;
      replace(body);
      all.hidden = true;
      table.hidden = true;
      return;
    }
    replace(body, rows.map((r) => r.row));
    table.hidden = rows.length === 0;
    said.textContent = `${message}${message ? ' ' : ''}${rows.length ? `${rows.length} tertahan.` : 'Tidak ada yang tertahan.'}`;
    all.hidden = rows.length === 0;
    all.textContent = `${allLabel} (${rows.length})`;
  };
  const replay = async (button, body, question) => {
    if (question && !await confirmStep(question, 'Ya, putar ulang', 'Pastikan penyebabnya sudah diperbaiki; kalau belum, event akan tertahan lagi.')) return;
    button.disabled = true;
    try {
      const answer = await replayAll(body);
      await refresh(`${num(answer.replayed)} diputar ulang.`);
      said.focus();
    } catch (e) {
      said.textContent = problem(e);
      button.disabled = false;
    }
  };
  all.addEventListener('click', () => replay(all, { all: true }, `${allLabel}: ${heading}?`));
  return { el, refresh, replay };
}

function parkedSection(service) {
  const s = section(service, `Event tertunda: ${SERVICES[service]}`,
    ['Event', 'Jenis', 'Pengaduan', 'Percobaan', 'Galat terakhir', 'Routing key', 'Ukuran', 'Tindakan'],
    async () => ((await api.get(`parked?service=${service}&limit=200`)).events || []).map((e) => ({
      row: h('tr', { 'data-event': e.event_id },
        h('th', { scope: 'row' }, h('code', {}, e.event_id)),
        h('td', {}, e.event_type || '—'),
        h('td', {}, e.complaint_id ? h('code', {}, e.complaint_id) : '—'),
        h('td', {}, num(e.attempt)),
        h('td', { class: 'wrap' }, e.decode_error ? `Tidak terbaca: ${e.decode_error}` : e.last_error || '—'),
        h('td', {}, h('code', {}, e.original_routing_key || '')),
        h('td', {}, `${num(e.size_bytes)} B`),
        h('td', {}, h('button', { type: 'button', class: 'button small',
          onclick: (ev) => s.replay(ev.currentTarget, { event_id: e.event_id }) },
        'Putar ulang', h('span', { class: 'sr-only' }, ` ${e.event_id}`)))),
    })),
    (body) => api.post('parked/replay', { service, ...body }), 'Putar ulang semua');
  return s;
}

function deadLetters() {
  const s = section('dead-letters', 'Notifikasi gagal terkirim',
    ['Pengiriman', 'Penerima', 'Kanal', 'Subjek', 'Percobaan', 'Galat terakhir', 'Dicatat', 'Tindakan'],
    async () => ((await api.get('dead-letters?limit=200')).dead_letters || []).map((n) => ({
      row: h('tr', { 'data-delivery': n.delivery_id },
        h('th', { scope: 'row' }, h('code', {}, n.delivery_id)),
        h('td', {}, n.recipient_name || n.recipient_role || ''),
        h('td', {}, CHANNELS[n.channel] || n.channel),
        h('td', { class: 'wrap' }, n.subject || ''),
        h('td', {}, num(n.attempts)),
        h('td', { class: 'wrap' }, n.last_error || '—'),
        h('td', {}, when(n.recorded_at)),
        h('td', {}, h('button', { type: 'button', class: 'button small',
          onclick: (ev) => s.replay(ev.currentTarget, { delivery_id: n.delivery_id }) },
        'Kirim ulang', h('span', { class: 'sr-only' }, ` ${n.delivery_id}`)))),
    })),
    (body) => api.post('dead-letters/replay', body), 'Kirim ulang semua');
  return s;
}

export async function parked() {
  const sections = [...Object.keys(SERVICES).map(parkedSection), deadLetters()];
  replace(main, title('Event tertunda'),
    h('p', { class: 'lead' }, 'Event yang gagal diproses setelah semua percobaan ulang ditahan di sini; tidak ada yang hilang. ',
      'Perbaiki penyebabnya dulu (lihat galat terakhir), lalu putar ulang.'),
    sections.map((s) => s.el));
  await Promise.all(sections.map((s) => s.refresh()));
}

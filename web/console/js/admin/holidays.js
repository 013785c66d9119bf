// The holiday calendar (#/admin/kalender): the national holidays and cuti bersama the working
// days are counted by, with the decree they came from. When the joint decree (SKB 3 Menteri)
// changes them, the administrator edits the list, checks which running deadlines would move,
// and applies it: every running clock keeps the working time it had left (docs/sla-rules.md).

import { h, replace, field, setError } from '/shared/dom.js';
import * as api from '../staff.js';
import { confirmStep, main, num, problem, title, when, zone } from '../common.js';

// One line a holiday: "2027-03-20 Hari Raya Idulfitri"; cuti bersama when its name starts so.
const LINE = /^(\d{4}-\d{2}-\d{2})\s+(.+)$/;
const LEAVE = /^cuti bersama\b/i;

function linesOf(calendar) {
  return (calendar?.holidays || [])
    .slice().sort((a, b) => a.date.localeCompare(b.date))
    .map((d) => `${d.date} ${d.collective_leave && !LEAVE.test(d.name) ? `Cuti bersama ${d.name}` : d.name}`)
    .join('\n');
}

// The textarea's lines as a calendar, or the lines that are not "YYYY-MM-DD name".
function parse(text) {
  const holidays = [];
  const wrong = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = LINE.exec(line);
    if (!m) { wrong.push(i + 1); return; }
    holidays.push({ date: m[1], name: m[2].trim(), collective_leave: LEAVE.test(m[2].trim()), line: i + 1 });
  });
  return { holidays, wrong };
}

const dayName = (date) => new Date(`${date}T12:00:00Z`).toLocaleDateString('id-ID',
  { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function inForce(answer) {
  const holidays = (answer.calendar?.holidays || []).slice().sort((a, b) => a.date.localeCompare(b.date));
  const years = [...new Set(holidays.map((d) => d.date.slice(0, 4)))];
  return h('section', { 'aria-labelledby': 'cal-now' },
    h('h2', { id: 'cal-now' }, 'Kalender yang berlaku'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Sumber'), h('dd', { 'data-decree': '' }, answer.decree || '—'),
      h('dt', {}, 'Dimuat'), h('dd', {}, answer.calendar_id && answer.calendar_id !== '0'
        ? `${when(answer.loaded_at)} oleh ${answer.loaded_by}` : 'Berkas konfigurasi kota (belum pernah diganti)'),
      h('dt', {}, 'Jumlah'), h('dd', {}, `${holidays.length} hari libur dan cuti bersama, tahun ${years.join(', ') || '—'}`)),
    years.map((year) => h('details', { open: year === years[years.length - 1] },
      h('summary', {}, `Tahun ${year}`),
      h('div', { class: 'scroll' }, h('table', {},
        h('caption', { class: 'sr-only' }, `Hari libur ${year}`),
        h('thead', {}, h('tr', {}, ['Tanggal', 'Nama', 'Jenis'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, holidays.filter((d) => d.date.startsWith(year)).map((d) => h('tr', {},
          h('th', { scope: 'row' }, h('time', { datetime: d.date }, dayName(d.date))),
          h('td', {}, d.name),
          h('td', {}, d.collective_leave ? 'Cuti bersama' : 'Libur nasional')))))))));
}

function movedTable(answer) {
  const moved = answer.moved || [];
  if (!moved.length) return null;
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', {}, 'Batas waktu yang bergeser'),
    h('thead', {}, h('tr', {}, ['Tiket', 'Dinas', 'Batas lama', 'Batas baru'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, moved.map((m) => h('tr', { 'data-ticket': m.ticket },
      h('th', { scope: 'row' }, m.ticket), h('td', {}, (m.agency_code || '').toUpperCase()),
      h('td', {}, when(m.old_due_at)), h('td', {}, when(m.new_due_at)))))));
}

export async function holidays() {
  let current;
  try {
    current = await api.get('holidays');
  } catch (e) {
    replace(main, title('Kalender libur'), h('p', { role: 'alert' }, problem(e)));
    return;
  }
  const list = h('textarea', { rows: 16, spellcheck: 'false', class: 'mono' });
  list.value = linesOf(current.calendar);
  const decree = h('input', { type: 'text', maxlength: 500, autocomplete: 'off' });
  const said = h('div', { role: 'status', class: 'said', tabindex: -1 });
  const check = h('button', { type: 'submit', class: 'button' }, 'Periksa dulu');
  const apply = h('button', { type: 'button', class: 'button primary', disabled: true }, 'Terapkan kalender ini');
  const form = h('form', { novalidate: true, class: 'calendar' },
    field('cal-list', 'Daftar hari libur dan cuti bersama', list,
      { help: 'Satu baris satu hari: tanggal (TTTT-BB-HH), spasi, nama. Nama yang diawali "Cuti bersama" dihitung sebagai cuti bersama. Kirim seluruh daftar, bukan hanya perubahannya.' }),
    field('cal-decree', 'Dasar hukum (SKB)', decree,
      { help: 'Misalnya: SKB Menag, Menaker dan MenPAN-RB No. 1497/2026, 2/2026, 5/2026. Dicatat bersama nama Anda.' }),
    h('div', { class: 'inline' }, check, apply), said);

  // What the last check saw: applying sends exactly that, and an edit since asks for a new check.
  let checked = null;
  const request = (dryRun) => {
    const { holidays: days, wrong } = parse(list.value);
    setError(form, 'cal-list', wrong.length ? `Baris ${wrong.join(', ')} tidak berbentuk "TTTT-BB-HH nama".` : '');
    setError(form, 'cal-decree', decree.value.trim() ? '' : 'Wajib diisi: dari keputusan mana kalender ini.');
    if (wrong.length || !decree.value.trim()) {
      (form.querySelector('[aria-invalid=true]') || said).focus();
      return null;
    }
    return { days, body: { calendar: { holidays: days.map(({ date, name, collective_leave }) => ({ date, name, collective_leave })) },
      decree: decree.value.trim(), dry_run: dryRun } };
  };
  const refused = (e, days) => {
    // "calendar.holidays[3].date" names the fourth line sent: the citizen's line number.
    const lines = (e.fields || []).map((f) => {
      const m = /holidays\[(\d+)\]\.?(\w*)/.exec(f.field);
      return m ? `Baris ${days[Number(m[1])]?.line ?? Number(m[1]) + 1}: ${f.reason}` : `${f.field}: ${f.reason}`;
    });
    if (lines.length) setError(form, 'cal-list', lines.join(' · '));
    replace(said, h('p', { class: 'error' }, 'Kalender tidak diterima; yang berlaku tidak berubah. ', lines.length ? '' : problem(e)));
  };
  const invalidate = () => { checked = null; apply.disabled = true; };
  list.addEventListener('input', invalidate);
  decree.addEventListener('input', invalidate);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const r = request(true);
    if (!r) return;
    check.disabled = true;
    replace(said, 'Memeriksa…');
    try {
      const answer = await api.post('holidays', r.body);
      checked = r;
      apply.disabled = false;
      replace(said, h('p', { class: 'ok' }, `${r.days.length} hari diterima. Dari ${num(answer.clocks_checked)} batas waktu yang berjalan, `,
        h('strong', { 'data-moved': num(answer.clocks_moved) }, `${num(answer.clocks_moved)} akan bergeser`), '.'),
      movedTable(answer));
    } catch (e) {
      refused(e, r.days);
    } finally {
      check.disabled = false;
      said.focus();
    }
  });

  apply.addEventListener('click', async () => {
    if (!checked) return;
    const body = { ...checked.body, dry_run: false };
    if (!await confirmStep('Terapkan kalender ini sekarang?', 'Ya, terapkan',
      'Setiap batas waktu yang berjalan dihitung ulang dengan sisa hari kerjanya; warga yang batas waktunya bergeser diberi tahu sekali.')) return;
    apply.disabled = true;
    try {
      const answer = await api.post('holidays', body);
      const fresh = await api.get('holidays');
      replace(now, inForce(fresh));
      replace(said, h('p', { class: 'ok' }, `Berlaku sekarang. ${num(answer.clocks_moved)} batas waktu bergeser.`), movedTable(answer));
      checked = null;
    } catch (e) {
      refused(e, checked.days);
      apply.disabled = false;
    }
    said.focus();
  });

  const now = h('div', {}, inForce(current));
  replace(main, title('Kalender libur'),
    h('p', { class: 'lead' }, `Hari kerja dihitung di zona ${zone()} tanpa Sabtu, Minggu, libur nasional dan cuti bersama berikut. `,
      'Setelah SKB 3 Menteri ditandatangani, ubah daftarnya di sini: periksa dulu batas waktu mana yang bergeser, lalu terapkan.'),
    now,
    h('section', { 'aria-labelledby': 'cal-edit' }, h('h2', { id: 'cal-edit' }, 'Ganti kalender'), form));
}

// The staff console (docs/console.md): the humas officer's queue and case page, the agency
// head's and leadership's escalations. Screens by the address's fragment; the gateway decides
// every permission, and a refusal is shown as what it is.

import { h, replace, field, setError } from '/shared/dom.js';
import * as api from './staff.js';

const main = document.getElementById('main');
const POLL_MS = 15000;
let me = null;
let city = null;
let leave = () => {};

const STATES = {
  CASE_STATE_SUBMITTED: 'Diterima', CASE_STATE_ROUTED: 'Baru', CASE_STATE_IN_PROGRESS: 'Ditangani',
  CASE_STATE_WAITING_CITIZEN: 'Menunggu warga', CASE_STATE_RESOLVED: 'Selesai',
  CASE_STATE_CLOSED: 'Ditutup', CASE_STATE_REJECTED: 'Ditolak', CASE_STATE_MERGED: 'Digabung',
  CASE_STATE_REOPENED: 'Dibuka kembali', CASE_STATE_HANDED_OFF: 'Ke instansi mitra',
};
const ACTIONS = {
  claim: 'Diambil', release: 'Dilepas', respond: 'Dijawab', request_info: 'Minta keterangan',
  citizen_answer: 'Warga menjawab', forward: 'Diteruskan', resolve: 'Diselesaikan',
  reject: 'Ditolak', merge: 'Digabung', reopen: 'Dibuka kembali', rate: 'Dinilai warga',
  route: 'Diarahkan', hand_off: 'Ke instansi mitra', close: 'Ditutup',
};
const REJECT_REASONS = {
  REJECT_REASON_SPAM: 'Spam', REJECT_REASON_DUPLICATE: 'Sama dengan tiket lain',
  REJECT_REASON_NOT_CITY_AUTHORITY: 'Bukan kewenangan pemerintah kota',
  REJECT_REASON_INSUFFICIENT_INFORMATION: 'Keterangan tidak cukup',
};
const ROLE_NAMES = { officer: 'Petugas humas', agency_head: 'Kepala dinas', leadership: 'Pimpinan', admin: 'Administrator' };

const zone = () => city?.time_zone || 'Asia/Jakarta';
const when = (iso) => (iso ? new Intl.DateTimeFormat('id-ID', {
  timeZone: zone(), day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
}).format(new Date(iso)) : '');
const categoryName = (code) => city?.categories?.find((c) => c.code === code)?.name || code;
const agencyName = (code) => city?.agencies?.find((a) => a.code === code)?.name || code;

// "sisa 2 hari 3 jam" or "terlambat 5 jam": what an officer needs at a glance.
function countdown(iso, now = Date.now()) {
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

function title(text) {
  document.title = `${text} · Konsol Sambat Kene Ker`;
  const heading = h('h1', { tabindex: -1 }, text);
  queueMicrotask(() => heading.focus());
  return heading;
}

function problem(e) {
  if (e.status === 403) return 'Anda tidak berwenang untuk ini.';
  if (e.status === 404) return 'Tidak ditemukan, atau bukan wewenang dinas Anda.';
  if (e.status === 409) return `Keadaan kasus tidak memungkinkan: ${e.message}`;
  if (e.status === 429) return `Terlalu banyak permintaan. Coba lagi dalam ${e.retryAfter || 60} detik.`;
  if (e.fields?.length) return e.fields.map((f) => `${f.field}: ${f.reason}`).join('; ');
  return e.message;
}

// ---------------------------------------------------------------------------------------------
// Start, sign-in, the forced new password

async function start() {
  window.addEventListener('hashchange', route);
  fetch('/api/v1/city').then((r) => r.json()).then((c) => { city = c; }).catch(() => {});
  try {
    me = await api.session();
  } catch {
    me = null;
  }
  route();
}

function chrome() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!me || me.must_change_password) {
    replace(nav);
    replace(who);
    return;
  }
  const links = [['#/', 'Antrean']];
  if (me.role === 'agency_head' || me.role === 'leadership') links.push(['#/eskalasi', 'Eskalasi']);
  replace(nav, h('ul', {}, links.map(([href, text]) => h('li', {}, h('a', { href }, text)))));
  replace(who,
    h('span', {}, `${me.name} · ${ROLE_NAMES[me.role] || me.role}${me.agency_code ? ` · ${agencyName(me.agency_code).toUpperCase()}` : ''}`),
    h('button', { type: 'button', class: 'link', onclick: async () => {
      await api.signOut().catch(() => {});
      me = null;
      location.hash = '#/';
      route();
    } }, 'Keluar'));
}

function route() {
  leave();
  leave = () => {};
  chrome();
  if (!me) return signInScreen();
  if (me.must_change_password) return passwordScreen();
  const [, screen = '', id = ''] = (location.hash || '#/').split('/').map(decodeURIComponent);
  const screens = { '': queue, kasus: () => caseScreen(id), eskalasi: escalations };
  (screens[screen] || queue)().catch((e) => {
    if (e.status === 401) { me = null; route(); return; }
    replace(main, title('Gagal'), h('p', { role: 'alert' }, problem(e)));
  });
}

function signInScreen() {
  const username = h('input', { type: 'text', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const totp = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 });
  const status = h('p', { role: 'alert', class: 'error', id: 'signin-error' });
  const form = h('form', { class: 'narrow', novalidate: true },
    field('username', 'Nama pengguna', username),
    field('password', 'Kata sandi', password),
    field('totp', 'Kode autentikator (bila diaktifkan)', totp),
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Masuk'));
  replace(main, title('Masuk konsol'), form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      me = await api.signIn(username.value.trim(), password.value, totp.value.trim());
      route();
    } catch (e) {
      status.textContent = e.status === 401 ? 'Nama pengguna atau kata sandi salah.' : problem(e);
      password.value = '';
      password.focus();
    }
  });
}

function passwordScreen() {
  const current = h('input', { type: 'password', autocomplete: 'current-password' });
  const next = h('input', { type: 'password', autocomplete: 'new-password', minlength: 12 });
  const again = h('input', { type: 'password', autocomplete: 'new-password' });
  const form = h('form', { class: 'narrow', novalidate: true },
    h('p', {}, 'Ini masuk pertama Anda: pilih kata sandi sendiri (paling sedikit 12 karakter).'),
    field('current', 'Kata sandi sementara', current),
    field('next', 'Kata sandi baru', next),
    field('again', 'Ulangi kata sandi baru', again),
    h('button', { type: 'submit', class: 'button primary' }, 'Simpan kata sandi'));
  replace(main, title('Kata sandi baru'), form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setError(form, 'next', next.value.length < 12 ? 'Paling sedikit 12 karakter.' : '');
    setError(form, 'again', next.value !== again.value ? 'Tidak sama dengan kata sandi baru.' : '');
    if (form.querySelector('[aria-invalid]')) return;
    try {
      me = await api.changePassword(current.value, next.value);
      route();
    } catch (e) {
      setError(form, 'current', problem(e));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The queue: overdue first (the server's order), refreshed by itself, filtered on the page.

async function queue() {
  if (me.role === 'admin') {
    // The administrator's screens are not built yet (docs/console.md, "Not yet").
    replace(main, title('Administrator'),
      h('p', {}, 'Layar administrator (akun petugas, kunci API mitra, penerima notifikasi, ',
        'event yang diparkir) belum tersedia di konsol. Untuk sementara gunakan API staf: ',
        h('code', {}, '/api/v1/staff/accounts'), ' dan ', h('code', {}, '/api/v1/staff/api-keys'), '.'));
    return;
  }
  const search = h('input', { type: 'search', placeholder: 'SKK-2026-000123', autocomplete: 'off' });
  const state = h('select', {},
    h('option', { value: '' }, 'Semua yang terbuka'),
    ['CASE_STATE_ROUTED', 'CASE_STATE_IN_PROGRESS', 'CASE_STATE_WAITING_CITIZEN', 'CASE_STATE_REOPENED']
      .map((s) => h('option', { value: s }, STATES[s])));
  const category = h('select', {}, h('option', { value: '' }, 'Semua jenis'),
    (city?.categories || []).map((c) => h('option', { value: c.code }, c.name)));
  const overdue = h('input', { type: 'checkbox', id: 'f-overdue' });
  const mine = h('input', { type: 'checkbox', id: 'f-mine' });
  const agency = me.role === 'leadership' || me.role === 'admin'
    ? h('select', {}, (city?.agencies || []).map((a) => h('option', { value: a.code }, a.name))) : null;
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
      return h('tr', { class: c.overdue ? 'overdue' : '' },
        h('td', {}, h('a', { href: `#/kasus/${c.complaint_id}` }, c.ticket)),
        h('td', {}, categoryName(c.category)),
        h('td', { class: 'summary' }, c.summary || ''),
        h('td', {}, STATES[c.state] || c.state),
        h('td', {}, c.holder_name || '—'),
        h('td', { class: due.late ? 'late' : '' }, due.text, h('br'), h('small', {}, when(c.due_at))));
    }));
    count.textContent = `${shown.length} dari ${cases.length} kasus`;
  };
  const load = async () => {
    const params = new URLSearchParams({ page_size: '200' });
    if (agency) params.set('agency_code', agency.value);
    const answer = await api.getWithEtag(`queue?${params}`);
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
  leave = () => { clearInterval(timer); document.removeEventListener('keydown', keys); };
  await load();
}

// ---------------------------------------------------------------------------------------------
// A case: what the citizen said, the photos, the audit trail, and the officer's actions.

function actionForm(label, fields, button, send, after) {
  const status = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'action', novalidate: true }, h('h3', {}, label), fields, status,
    h('button', { type: 'submit', class: 'button' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    status.textContent = '';
    try {
      after(await send());
    } catch (e) {
      status.textContent = problem(e);
      submit.disabled = false;
    }
  });
  return form;
}

async function caseScreen(id) {
  let kase;
  try {
    kase = await api.get(`cases/${encodeURIComponent(id)}`);
  } catch (e) {
    replace(main, title('Kasus'), h('p', { role: 'alert', class: 'refused' }, problem(e)),
      h('a', { href: '#/' }, 'Kembali ke antrean'));
    return;
  }
  const draw = (c) => {
    const due = countdown(c.due_at);
    const base = `cases/${encodeURIComponent(c.complaint_id)}`;
    const done = (next) => draw(next);
    const officer = me.role === 'officer';
    const mineNow = c.holder_id === me.username;
    const open = ['CASE_STATE_ROUTED', 'CASE_STATE_IN_PROGRESS', 'CASE_STATE_WAITING_CITIZEN', 'CASE_STATE_REOPENED'].includes(c.state);
    const actions = h('div', { class: 'actions' });
    const said = h('p', { role: 'alert', class: 'error' });
    const fail = (err) => { said.textContent = problem(err); };
    if (officer && open && !mineNow) {
      actions.append(h('button', { type: 'button', class: 'button primary', onclick: async (e) => {
        e.target.disabled = true;
        try { done(await api.post(`${base}/claim`)); } catch (err) { e.target.disabled = false; fail(err); }
      } }, c.holder_id ? `Ambil alih dari ${c.holder_name}` : 'Ambil kasus ini'));
    }
    if (officer && open && mineNow) {
      const message = h('textarea', { rows: 4, maxlength: 4000 });
      const question = h('textarea', { rows: 3, maxlength: 4000 });
      const note = h('textarea', { rows: 3, maxlength: 4000 });
      const proofs = h('input', { type: 'file', accept: 'image/*', multiple: true });
      const toAgency = h('select', {}, (city?.agencies || []).filter((a) => a.code !== c.agency_code)
        .map((a) => h('option', { value: a.code }, `${a.name} — ${a.full_name}`)));
      const forwardReason = h('textarea', { rows: 2, maxlength: 2000 });
      const rejectReason = h('select', {}, Object.entries(REJECT_REASONS).map(([v, t]) => h('option', { value: v }, t)));
      const rejectNote = h('textarea', { rows: 2, maxlength: 2000 });
      const duplicateOf = h('input', { type: 'text', placeholder: 'SKK-2026-000123' });
      actions.append(
        actionForm('Jawab warga', field('respond-message', 'Jawaban dinas (dibaca warga)', message),
          'Kirim jawaban', () => api.post(`${base}/respond`, { message: message.value.trim() }), done),
        actionForm('Minta keterangan warga', field('question', 'Pertanyaan untuk warga', question),
          'Kirim pertanyaan', () => api.post(`${base}/request-info`, { question: question.value.trim() }), done),
        actionForm('Selesaikan', [field('resolve-note', 'Catatan penyelesaian (dibaca warga)', note),
          field('proofs', 'Foto bukti', proofs)], 'Tandai selesai', async () => {
          const ids = [];
          for (const file of proofs.files) ids.push(await api.uploadPhoto(file));
          return api.post(`${base}/resolve`, { note: note.value.trim(), proof_media_ids: ids });
        }, done),
        actionForm('Teruskan ke dinas lain', [field('to-agency', 'Dinas tujuan', toAgency),
          field('forward-reason', 'Alasan', forwardReason)], 'Teruskan',
          () => api.post(`${base}/forward`, { to_agency_code: toAgency.value, reason: forwardReason.value.trim() }), done),
        actionForm('Tolak', [field('reject-reason', 'Alasan', rejectReason), field('reject-note', 'Catatan untuk warga', rejectNote),
          field('duplicate-of', 'Tiket yang sama (bila duplikat)', duplicateOf)], 'Tolak laporan',
          () => api.post(`${base}/reject`, { reason: rejectReason.value, note: rejectNote.value.trim(), duplicate_of_ticket: duplicateOf.value.trim() }), done),
        h('button', { type: 'button', class: 'button', onclick: async (e) => {
          e.target.disabled = true;
          try { done(await api.post(`${base}/release`, {})); } catch (err) { e.target.disabled = false; fail(err); }
        } }, 'Lepas kasus'));
    }
    replace(main,
      h('p', {}, h('a', { href: '#/' }, '← Antrean')),
      title(`${c.ticket} · ${categoryName(c.category)}`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, STATES[c.state] || c.state),
        h('dt', {}, 'Dinas'), h('dd', {}, c.agency_name || agencyName(c.agency_code)),
        h('dt', {}, 'Petugas'), h('dd', {}, c.holder_name || '—'),
        h('dt', {}, 'Batas waktu'), h('dd', { class: due.late ? 'late' : '' }, `${due.text} (${when(c.due_at)})`),
        h('dt', {}, 'Masuk'), h('dd', {}, when(c.submitted_at)),
        h('dt', {}, 'Pelapor'), h('dd', {}, c.anonymous ? 'Anonim' : 'Dikenal (kontak hanya untuk sistem)'),
        c.confidential ? [h('dt', {}, 'Rahasia'), h('dd', {}, 'Ya: tidak tampil untuk umum')] : null,
        h('dt', {}, 'Tempat'), h('dd', {}, [c.address, c.location ? `(${c.location.latitude?.toFixed(5)}, ${c.location.longitude?.toFixed(5)})` : ''].filter(Boolean).join(' '))),
      h('h2', {}, 'Laporan warga'), h('p', { class: 'description' }, c.description),
      (c.media_ids || []).length ? h('ul', { class: 'photos' }, c.media_ids.map((m, i) =>
        h('li', {}, h('a', { href: `/media/${m}`, target: '_blank', rel: 'noopener' },
          h('img', { src: `/media/${m}/thumbnail`, alt: `Foto ${i + 1} dari laporan`, width: 160, height: 120 }))))) : null,
      said, actions,
      h('h2', {}, 'Jejak audit'),
      h('table', { class: 'history' },
        h('thead', {}, h('tr', {}, ['Waktu', 'Tindakan', 'Oleh', 'Status', 'Keterangan'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, (c.history || []).map((e) => h('tr', {},
          h('td', {}, when(e.at)), h('td', {}, ACTIONS[e.action] || e.action),
          h('td', {}, e.actor_name || e.actor), h('td', {}, STATES[e.to_state] || ''), h('td', {}, e.reason || ''))))));
  };
  draw(kase);
}

// ---------------------------------------------------------------------------------------------
// Escalations: the agency head's level 1, leadership's across agencies.

// Acknowledging says what is being done about it: sla requires the note.
function acknowledgeForm(e, reload) {
  const id = `ack-${e.escalation_id}`;
  const note = h('input', { type: 'text', maxlength: 2000, id, placeholder: 'Tindak lanjut' });
  const status = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'inline', novalidate: true },
    h('label', { for: id, class: 'sr-only' }, `Tindak lanjut eskalasi ${e.ticket} level ${e.level}`),
    note,
    h('button', { type: 'submit', class: 'button' }, 'Tandai diketahui'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!note.value.trim()) {
      status.textContent = 'Tuliskan tindak lanjutnya.';
      note.focus();
      return;
    }
    try {
      await api.post(`escalations/${e.escalation_id}/acknowledge`, { note: note.value.trim() });
      await reload();
    } catch (err) {
      status.textContent = problem(err);
    }
  });
  return form;
}

async function escalations() {
  const list = h('tbody');
  replace(main, title('Eskalasi'),
    h('table', { class: 'queue' },
      h('thead', {}, h('tr', {}, ['Tiket', 'Dinas', 'Level', 'Terlambat', 'Sejak', 'Tindak lanjut'].map((x) => h('th', { scope: 'col' }, x)))),
      list));
  const load = async () => {
    const answer = await api.get('escalations?page_size=100');
    replace(list, (answer.escalations || []).map((e) => h('tr', {},
      h('td', {}, e.ticket), h('td', {}, agencyName(e.agency_code)), h('td', {}, String(e.level)),
      h('td', {}, `${Math.round(Number(e.late_by_seconds || 0) / 3600)} jam`), h('td', {}, when(e.fired_at)),
      h('td', {}, e.acknowledged ? `Diketahui ${when(e.acknowledged_at)}` : acknowledgeForm(e, load)))));
  };
  await load();
}

start();

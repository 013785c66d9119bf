// A case: what the citizen said, the photos, the place on a map, the audit trail, and the
// officer's actions (the answer starts from one of the agency's templates if the officer likes).

import { h, replace, field } from '/shared/dom.js';
import { cityMap } from '/shared/map.js';
import * as api from './staff.js';
import { STATES, agencyName, categoryName, main, onLeave, problem, session, title, when } from './common.js';
import { countdown } from './queue.js';

const ACTIONS = {
  claim: 'Diambil', release: 'Dilepas', respond: 'Dijawab', request_info: 'Minta keterangan',
  citizen_answer: 'Warga menjawab', forward: 'Diteruskan', resolve: 'Diselesaikan',
  reject: 'Ditolak', merge: 'Digabung', reopen: 'Dibuka kembali', rate: 'Dinilai warga',
  route: 'Diarahkan', hand_off: 'Ke instansi mitra', close: 'Ditutup',
  unmerge: 'Penggabungan dibatalkan', join: 'Warga mengikuti pengaduan lain',
  partner_update: 'Kabar dari instansi mitra', partner_close: 'Diselesaikan instansi mitra',
  partner_return: 'Dikembalikan instansi mitra',
};
const REJECT_REASONS = {
  REJECT_REASON_SPAM: 'Spam', REJECT_REASON_DUPLICATE: 'Sama dengan tiket lain',
  REJECT_REASON_NOT_CITY_AUTHORITY: 'Bukan kewenangan pemerintah kota',
  REJECT_REASON_INSUFFICIENT_INFORMATION: 'Keterangan tidak cukup',
};
const OPEN = ['CASE_STATE_ROUTED', 'CASE_STATE_IN_PROGRESS', 'CASE_STATE_WAITING_CITIZEN', 'CASE_STATE_REOPENED'];

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

// The agency's answer templates, asked once per visit of the console (city configuration).
let templates;
function answerTemplates() {
  templates ??= api.get('templates').then((t) => t.templates || [], () => { templates = undefined; return []; });
  return templates;
}

// A picker above the answer: choosing a template puts its text in the answer, to be completed.
function templatePicker(message) {
  const picker = h('select', {}, h('option', { value: '' }, '— tanpa templat —'));
  const wrap = field('respond-template', 'Mulai dari templat jawaban', picker,
    { help: 'Teks templat mengganti isi jawaban; lengkapi sebelum dikirim.' });
  wrap.hidden = true;
  answerTemplates().then((list) => {
    if (!list.length) return;
    picker.append(...list.map((t, i) => h('option', { value: String(i) }, t.title)));
    wrap.hidden = false;
    picker.addEventListener('change', () => {
      const chosen = list[Number(picker.value)];
      if (!picker.value || !chosen) return;
      message.value = chosen.text;
      message.focus();
      message.setSelectionRange(message.value.length, message.value.length);
    });
  });
  return wrap;
}

// The place on a map: a pin, on the city's tiles when it has them.
function placeMap(c) {
  const point = c.location;
  if (!point || point.latitude === undefined) return null;
  const box = h('div', { class: 'map case-map' });
  let drawn = null;
  queueMicrotask(async () => {
    drawn = await cityMap(box, session.city, `Peta: tempat laporan ${c.ticket}`, { scrollWheelZoom: false });
    if (!drawn) { box.remove(); return; }
    const { L, map } = drawn;
    const icon = L.divIcon({ className: 'pin', html: '<span></span>', iconSize: [28, 28], iconAnchor: [14, 28] });
    L.marker([point.latitude, point.longitude], { icon, interactive: false, keyboard: false }).addTo(map);
    map.setView([point.latitude, point.longitude], 16);
  });
  onLeave(() => drawn?.map.remove());
  return box;
}

export async function caseScreen(id) {
  const { me, city } = session;
  let kase;
  try {
    kase = await api.get(`cases/${encodeURIComponent(id)}`);
  } catch (e) {
    replace(main, title('Kasus'), h('p', { role: 'alert', class: 'refused' }, problem(e)),
      h('a', { href: '#/' }, 'Kembali ke antrean'));
    return;
  }
  let map = null;
  const draw = (c) => {
    const due = countdown(c.due_at);
    const base = `cases/${encodeURIComponent(c.complaint_id)}`;
    const done = (next) => draw(next);
    const officer = me.role === 'officer';
    const mineNow = c.holder_id === me.username;
    const open = OPEN.includes(c.state);
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
        actionForm('Jawab warga', [templatePicker(message), field('respond-message', 'Jawaban dinas (dibaca warga)', message)],
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
    // A merge made by mistake: the case goes back to this agency's queue on a new clock
    // (docs/duplicates.md). Officers and the head of the agency may undo it.
    if ((officer || me.role === 'agency_head') && c.state === 'CASE_STATE_MERGED') {
      const unmergeReason = h('textarea', { rows: 2, maxlength: 2000 });
      actions.append(actionForm('Batalkan penggabungan',
        field('unmerge-reason', 'Mengapa bukan masalah yang sama (dibaca warga)', unmergeReason),
        'Kembalikan ke antrean',
        () => api.post(`${base}/unmerge`, { reason: unmergeReason.value.trim() }), done));
    }
    // The map is drawn once; an action redraws the rest of the page around it.
    map ??= placeMap(c);
    replace(main,
      h('p', {}, h('a', { href: '#/' }, '← Antrean')),
      title(`${c.ticket} · ${categoryName(c.category)}`),
      h('div', { class: 'case-top' },
        h('dl', { class: 'facts' },
          h('dt', {}, 'Status'), h('dd', {}, STATES[c.state] || c.state),
          h('dt', {}, 'Dinas'), h('dd', {}, c.agency_name || agencyName(c.agency_code)),
          h('dt', {}, 'Petugas'), h('dd', {}, c.holder_name || '—'),
          // A finished case (resolved, rejected, merged...) has no clock running: no countdown.
          // A restarted clock (forwarded, reopened, a merge undone) waits for sla's new due time.
          h('dt', {}, 'Batas waktu'), !OPEN.includes(c.state) ? h('dd', {}, '—')
            : !c.due_at ? h('dd', {}, 'Menunggu batas waktu baru')
              : h('dd', { class: due.late ? 'late' : '' }, `${due.text} (${when(c.due_at)})`),
          h('dt', {}, 'Masuk'), h('dd', {}, when(c.submitted_at)),
          h('dt', {}, 'Pelapor'), h('dd', {}, c.anonymous ? 'Anonim' : 'Dikenal (kontak hanya untuk sistem)'),
          c.confidential ? [h('dt', {}, 'Rahasia'), h('dd', {}, 'Ya: tidak tampil untuk umum')] : null,
          h('dt', {}, 'Tempat'), h('dd', {}, [c.address, c.location ? `(${c.location.latitude?.toFixed(5)}, ${c.location.longitude?.toFixed(5)})` : ''].filter(Boolean).join(' ') ||
            // A complaint sent by SMS or WhatsApp has no point or address: its words say where.
            'Tidak ada titik atau alamat: lihat isi laporan')),
        map),
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

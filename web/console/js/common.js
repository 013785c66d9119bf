// What every screen of the console shares: who is signed in, the city's configuration, the
// words for states and roles, the heading that takes the focus, and how a refusal reads.

import { h, setError } from '/shared/dom.js';
import { STATE_NAMES } from '/shared/words.js';

export const main = document.getElementById('main');

// `me`: the session (null when signed out); `city`: /api/v1/city.
export const session = { me: null, city: null };

export const STATES = STATE_NAMES;
export const ROLE_NAMES = {
  officer: 'Petugas humas', agency_head: 'Kepala dinas', leadership: 'Pimpinan', admin: 'Administrator',
};
export const roleHasAgency = (role) => role === 'officer' || role === 'agency_head';

export const zone = () => session.city?.time_zone || 'Asia/Jakarta';
export const cityName = () => session.city?.city_name || 'Kota Malang';
// One formatter for every date of a screen: making one costs more than the 200 rows it formats.
let whenFormat = null;
export const when = (iso) => {
  if (!iso) return '';
  if (whenFormat?.zone !== zone()) {
    whenFormat = { zone: zone(), format: new Intl.DateTimeFormat('id-ID', {
      timeZone: zone(), day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
    }) };
  }
  return whenFormat.format.format(new Date(iso));
};
export const categoryName = (code) => session.city?.categories?.find((c) => c.code === code)?.name || code;
export const agencyName = (code) => session.city?.agencies?.find((a) => a.code === code)?.name || code;
export const agencies = () => session.city?.agencies || [];

// int64 values come as JSON strings, and proto3 JSON leaves zeros out.
export const num = (value) => Number(value ?? 0) || 0;

export function title(text) {
  document.title = `${text} · Konsol Sambat Kene Ker`;
  const heading = h('h1', { tabindex: -1 }, text);
  queueMicrotask(() => heading.focus());
  return heading;
}

export function problem(e) {
  if (e.status === 403) return 'Anda tidak berwenang untuk ini.';
  if (e.status === 404) return 'Tidak ditemukan, atau bukan wewenang dinas Anda.';
  if (e.status === 409) return `Keadaan kasus tidak memungkinkan: ${e.message}`;
  if (e.status === 429) return `Terlalu banyak permintaan. Coba lagi dalam ${e.retryAfter || 60} detik.`;
  if (e.status === 501 || e.status === 503) return `Layanan belum tersedia: ${e.message}`;
  if (e.fields?.length) return e.fields.map((f) => `${f.field}: ${f.reason}`).join('; ');
  return e.message;
}

// The reasons the gateway and the services give for a field (in English, for any client), as
// the console says them; a reason not listed here is shown as it came.
const REASONS = [
  [/must be 3 to 64 of a-z/, 'Harus 3 sampai 64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.'],
  [/is required for officers and agency heads/, 'Wajib untuk petugas humas dan kepala dinas, dan hanya untuk mereka.'],
  [/must be 1 to 200 (bytes|characters)/, 'Wajib diisi, paling banyak 200 karakter.'],
  [/is not an email address/, 'Bukan alamat email yang valid.'],
  [/must be HH:MM/, 'Isi jam seperti 21:00.'],
  [/quiet hours need both/, 'Jam tenang perlu jam mulai dan jam selesai.'],
  [/must be officer or agency_head/, 'Pilih petugas humas atau kepala dinas.'],
  [/is required for a staff key/, 'Wajib untuk kunci API staf.'],
  [/must be humas, head or leadership/, 'Pilih humas, kepala dinas atau pimpinan.'],
  [/is required/, 'Wajib diisi.'],
];
export const reason = (text) => REASONS.find(([pattern]) => pattern.test(text))?.[1] || text;

export function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) setError(form, el.id, '');
}

// A refusal with field errors, shown next to the fields it names (`ids` maps the API's field
// names to the form's input ids); whatever names no field of the form goes to `status`.
export function showProblem(form, status, e, ids = {}) {
  clearErrors(form);
  const rest = [];
  for (const f of e.fields || []) {
    const id = ids[f.field] ?? ids[f.field.split('.')[0]];
    if (id && form.querySelector(`#${id}`)) setError(form, id, reason(f.reason));
    else rest.push(`${f.field}: ${reason(f.reason)}`);
  }
  status.textContent = e.fields?.length ? rest.join('; ') : problem(e);
  (form.querySelector('[aria-invalid=true]') || status).focus?.();
}

// What the screen must undo when the address changes (timers, key handlers, maps).
let leaving = [];
export function onLeave(undo) { leaving.push(undo); }
export function leave() {
  for (const undo of leaving) undo();
  leaving = [];
}

// A question before something that cannot be taken back: a modal <dialog> (the focus stays in
// it, Escape cancels). Resolves true when confirmed.
export function confirmStep(question, yes, detail = '') {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-q' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'confirm-q' }, question),
        detail ? h('p', {}, detail) : null,
        h('div', { class: 'inline' },
          h('button', { class: 'button primary', value: 'yes' }, yes),
          h('button', { class: 'button', value: 'no', autofocus: true }, 'Batal'))));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'yes');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// A secret shown once (a temporary password, an API key): what it is, that it will not be
// shown again, and how to hand it over.
export function secretBox(heading, secret, note) {
  const box = h('section', { class: 'secret', role: 'alert', 'aria-labelledby': 'secret-h' },
    h('h2', { id: 'secret-h' }, heading),
    h('p', {}, h('code', { class: 'secret-value', 'data-secret': secret }, secret)),
    h('p', {}, note),
    h('p', { class: 'help' }, 'Ini hanya tampil sekali: setelah halaman ini ditutup atau dimuat ulang, tidak bisa dilihat lagi.'),
    h('button', { type: 'button', class: 'button', onclick: () => box.remove() }, 'Sudah diserahkan, tutup'));
  return box;
}

// The staff console (docs/console.md): the humas officer's queue and case page, the agency
// head's and leadership's escalations, dashboard and weekly report, the administrator's screens.
// Screens by the address's fragment (#/screen/id?query); the gateway decides every permission,
// and a refusal is shown as what it is.

import { h, replace, field, setError } from '/shared/dom.js';
import * as api from './staff.js';
import { ROLE_NAMES, agencyName, leave, main, problem, session, title } from './common.js';
import { queue } from './queue.js';
import * as early from './early.js';

// The queue, everyone's first screen, comes with the console; every other screen's module is
// fetched when it is first opened, so the queue is not kept waiting for the administrator's.
const later = (load, name) => async (argument) => (await load())[name](argument);

// Each role's menu; the first entry is its home (#/).
const MENUS = {
  officer: [['', 'Antrean']],
  agency_head: [['', 'Antrean'], ['eskalasi', 'Eskalasi'], ['dasbor', 'Statistik dinas'], ['laporan', 'Laporan mingguan']],
  leadership: [['', 'Antrean'], ['eskalasi', 'Eskalasi'], ['dasbor', 'Dasbor'], ['laporan', 'Laporan mingguan']],
  admin: [['admin/akun', 'Akun petugas'], ['admin/penerima', 'Penerima'], ['admin/kunci-api', 'Kunci API'],
    ['admin/tertunda', 'Tertunda'], ['admin/routing', 'Routing'], ['admin/kalender', 'Kalender libur']],
};

const SCREENS = {
  '': queue,
  kasus: later(() => import('./case.js'), 'caseScreen'),
  eskalasi: later(() => import('./escalations.js'), 'escalations'),
  dasbor: later(() => import('./dashboard.js'), 'dashboard'),
  laporan: later(() => import('./report.js'), 'report'),
  'admin/akun': later(() => import('./admin/accounts.js'), 'accounts'),
  'admin/penerima': later(() => import('./admin/recipients.js'), 'recipients'),
  'admin/kunci-api': later(() => import('./admin/keys.js'), 'apiKeys'),
  'admin/tertunda': later(() => import('./admin/parked.js'), 'parked'),
  'admin/routing': later(() => import('./admin/routing.js'), 'routingReload'),
  'admin/kalender': later(() => import('./admin/holidays.js'), 'holidays'),
};

// "#/kasus/abc?x=1" → { path: ['kasus', 'abc'], query: { x: '1' } }. The query is split by
// hand: an RFC 3339 time keeps its "+07:00" (URLSearchParams would make the plus a space).
function parseAddress(hash) {
  const [path, search = ''] = (hash || '#/').replace(/^#\/?/, '').split('?');
  const query = {};
  for (const pair of search.split('&').filter(Boolean)) {
    const [name, value = ''] = pair.split('=');
    query[decodeURIComponent(name)] = decodeURIComponent(value);
  }
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query };
}

async function start() {
  window.addEventListener('hashchange', route);
  session.me = await early.me;
  session.city = await early.city;
  route();
}

function chrome(current) {
  const { me } = session;
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!me || me.must_change_password) {
    replace(nav);
    replace(who);
    return;
  }
  const menu = MENUS[me.role] || MENUS.officer;
  replace(nav, h('ul', {}, menu.map(([screen, text]) => h('li', {},
    h('a', { href: `#/${screen}`, 'aria-current': screen === current ? 'page' : false }, text)))));
  replace(who,
    h('span', {}, `${me.name} · ${ROLE_NAMES[me.role] || me.role}${me.agency_code ? ` · ${agencyName(me.agency_code).toUpperCase()}` : ''}`),
    h('button', { type: 'button', class: 'link', onclick: async () => {
      await api.signOut().catch(() => {});
      session.me = null;
      location.hash = '#/';
      route();
    } }, 'Keluar'));
}

// Which visit of a screen is current: a screen still loading when the address changed must not
// put its failure over the next one.
let visit = 0;

function route() {
  leave();
  const { me } = session;
  const { path, query } = parseAddress(location.hash);
  // "admin/akun" is one screen; "kasus/<id>" is a screen and its argument; "#/" is the role's home.
  const name = path[0] === 'admin' ? path.slice(0, 2).join('/') : (path[0] || '');
  const home = (MENUS[me?.role] || MENUS.officer)[0][0];
  const screen = name && SCREENS[name] ? name : home;
  chrome(screen);
  if (!me) return signInScreen();
  if (me.must_change_password) return passwordScreen();
  const current = ++visit;
  SCREENS[screen](name === 'kasus' ? path[1] : query).catch((e) => {
    if (current !== visit) return;
    if (e.status === 401) { session.me = null; route(); return; }
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
  replace(main, title('Masuk konsol'), form,
    h('p', { class: 'public-link' }, 'Untuk warga dan media: ',
      h('a', { href: '/publik/' }, 'statistik pengaduan kota'), ' (tanpa masuk).'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      session.me = await api.signIn(username.value.trim(), password.value, totp.value.trim());
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
      session.me = await api.changePassword(current.value, next.value);
      route();
    } catch (e) {
      setError(form, 'current', problem(e));
    }
  });
}

start();

// Staff accounts (#/admin/akun): who may sign in, in which role and agency. A new account and a
// reset get a temporary password, shown once, that its owner must replace at the first sign-in.

import { h, replace, field } from '/shared/dom.js';
import * as api from '../staff.js';
import {
  ROLE_NAMES, agencies, agencyName, clearErrors, confirmStep, main, problem, roleHasAgency, secretBox, showProblem, title, when,
} from '../common.js';

const yes = (b) => (b ? 'Ya' : 'Tidak');

function roleSelect(value = 'officer') {
  return h('select', {}, Object.entries(ROLE_NAMES).map(([code, name]) =>
    h('option', { value: code, selected: code === value }, name)));
}
function agencySelect(value = '') {
  return h('select', {}, h('option', { value: '' }, '— tanpa dinas —'),
    agencies().map((a) => h('option', { value: a.code, selected: a.code === value }, `${a.name} — ${a.full_name}`)));
}
// The agency matters only for officers and agency heads.
function linkAgency(role, agency) {
  const sync = () => {
    const wrap = agency.closest('.field');
    if (wrap) wrap.hidden = !roleHasAgency(role.value);
  };
  role.addEventListener('change', sync);
  queueMicrotask(sync);
}

function createForm(done) {
  const username = h('input', { type: 'text', autocomplete: 'off', maxlength: 64, spellcheck: 'false' });
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 200 });
  const role = roleSelect();
  const agency = agencySelect();
  linkAgency(role, agency);
  const status = h('p', { role: 'alert', class: 'error', tabindex: -1 });
  const form = h('form', { class: 'action', novalidate: true, 'aria-labelledby': 'create-h' },
    h('h2', { id: 'create-h' }, 'Buat akun'),
    field('new-username', 'Nama pengguna', username, { help: 'Huruf kecil, angka, titik, garis bawah atau tanda hubung; contoh: rina.dishub' }),
    field('new-name', 'Nama lengkap', name),
    field('new-role', 'Peran', role),
    field('new-agency', 'Dinas', agency),
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Buat akun'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const issued = await api.post('accounts', {
        username: username.value.trim(), name: name.value.trim(), role: role.value,
        agency_code: roleHasAgency(role.value) ? agency.value : '',
      });
      form.reset();
      clearErrors(form);
      status.textContent = '';
      await done(secretBox(`Akun ${issued.username} dibuat`, issued.temporary_password,
        `Serahkan kata sandi sementara ini langsung kepada ${name.value.trim() || issued.username} (tatap muka atau telepon, bukan grup obrolan). Saat pertama masuk, ia wajib memilih kata sandi sendiri.`));
    } catch (e) {
      if (e.status === 409) e.fields = [{ field: 'username', reason: 'Nama pengguna ini sudah dipakai.' }];
      showProblem(form, status, e, { username: 'new-username', name: 'new-name', role: 'new-role', agency_code: 'new-agency' });
    }
  });
  return form;
}

// A new role and agency in a modal dialog.
function changeRole(account, done) {
  const role = roleSelect(account.role);
  const agency = agencySelect(account.agency_code);
  linkAgency(role, agency);
  const status = h('p', { role: 'alert', class: 'error', tabindex: -1 });
  const form = h('form', { novalidate: true },
    h('h2', { id: 'role-h' }, `Ubah peran ${account.username}`),
    field('change-role', 'Peran', role), field('change-agency', 'Dinas', agency), status,
    h('div', { class: 'inline' },
      h('button', { type: 'submit', class: 'button primary' }, 'Simpan'),
      h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Batal')));
  const dialog = h('dialog', { 'aria-labelledby': 'role-h' }, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api.post(`accounts/${encodeURIComponent(account.username)}/role`, {
        role: role.value, agency_code: roleHasAgency(role.value) ? agency.value : '',
      });
      dialog.close();
      await done(null, `Peran ${account.username}: ${ROLE_NAMES[role.value]}.`);
    } catch (e) {
      showProblem(form, status, e, { role: 'change-role', agency_code: 'change-agency' });
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

export async function accounts() {
  const said = h('p', { role: 'status', class: 'said', tabindex: -1 });
  const secret = h('div');
  const body = h('tbody');
  const show = async (box, message = '') => {
    replace(secret, box);
    said.textContent = message;
    await load();
    const heading = box?.querySelector('h2');
    heading?.setAttribute('tabindex', '-1');
    (heading || said).focus();
  };
  const act = async (button, doIt) => {
    button.disabled = true;
    try {
      await doIt();
    } catch (e) {
      said.textContent = problem(e);
    } finally {
      button.disabled = false;
    }
  };
  const actions = (a) => {
    const user = encodeURIComponent(a.username);
    return h('div', { class: 'row-actions' },
      h('button', { type: 'button', class: 'button small', onclick: (e) => act(e.currentTarget, async () => {
        if (!await confirmStep(`Atur ulang kata sandi ${a.username}?`, 'Atur ulang',
          'Sesi yang berjalan berakhir dan faktor kedua dimatikan; pemilik masuk dengan kata sandi sementara yang baru.')) return;
        const issued = await api.command(`accounts/${user}/reset-password`);
        await show(secretBox(`Kata sandi ${a.username} diatur ulang`, issued.temporary_password,
          `Serahkan kata sandi sementara ini langsung kepada ${a.name || a.username}. Saat masuk, ia wajib memilih kata sandi sendiri.`));
      }) }, 'Atur ulang sandi', h('span', { class: 'sr-only' }, ` ${a.username}`)),
      a.disabled
        ? h('button', { type: 'button', class: 'button small', onclick: (e) => act(e.currentTarget, async () => {
          await api.command(`accounts/${user}/enable`);
          await show(null, `Akun ${a.username} aktif kembali.`);
        }) }, 'Aktifkan', h('span', { class: 'sr-only' }, ` ${a.username}`))
        : h('button', { type: 'button', class: 'button small', onclick: (e) => act(e.currentTarget, async () => {
          if (!await confirmStep(`Nonaktifkan ${a.username}?`, 'Nonaktifkan', 'Semua sesinya berakhir; ia tidak bisa masuk sampai diaktifkan kembali.')) return;
          await api.command(`accounts/${user}/disable`);
          await show(null, `Akun ${a.username} dinonaktifkan.`);
        }) }, 'Nonaktifkan', h('span', { class: 'sr-only' }, ` ${a.username}`)),
      h('button', { type: 'button', class: 'button small', onclick: () => changeRole(a, show) },
        'Ubah peran', h('span', { class: 'sr-only' }, ` ${a.username}`)));
  };
  const load = async () => {
    let list;
    try {
      list = (await api.get('accounts')).accounts || [];
    } catch (e) {
      said.textContent = `Daftar akun tidak termuat: ${problem(e)}`;
      return;
    }
    replace(body, list.map((a) => h('tr', { 'data-username': a.username, class: a.disabled ? 'disabled' : '' },
      h('th', { scope: 'row' }, a.username),
      h('td', {}, a.name),
      h('td', {}, ROLE_NAMES[a.role] || a.role),
      h('td', {}, a.agency_code ? agencyName(a.agency_code) : '—'),
      h('td', {}, a.disabled ? 'Nonaktif' : a.locked_until && Date.parse(a.locked_until) > Date.now() ? `Terkunci s.d. ${when(a.locked_until)}` : 'Aktif'),
      h('td', {}, yes(a.must_change_password)),
      h('td', {}, yes(a.totp_enabled)),
      h('td', {}, actions(a)))));
  };
  replace(main, title('Akun petugas'), said, secret,
    h('table', { class: 'accounts' },
      h('caption', { class: 'sr-only' }, 'Akun petugas'),
      h('thead', {}, h('tr', {}, ['Nama pengguna', 'Nama', 'Peran', 'Dinas', 'Status', 'Wajib ganti sandi', 'Faktor kedua', 'Tindakan']
        .map((x) => h('th', { scope: 'col' }, x)))),
      body),
    createForm(show));
  await load();
}

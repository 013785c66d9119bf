// Partner API keys (#/admin/kunci-api): a partner's 311 app (open311) or an agency's own system
// acting as one of its staff roles (staff). The key is shown once; only its hash is kept.

import { h, replace, field } from '/shared/dom.js';
import * as api from '../staff.js';
import { ROLE_NAMES, agencies, agencyName, clearErrors, confirmStep, main, problem, secretBox, showProblem, title, when } from '../common.js';

const PURPOSES = { open311: 'Open311 (aplikasi 311 mitra)', staff: 'API staf (sistem dinas)' };

function issueForm(done) {
  const name = h('input', { type: 'text', maxlength: 200, autocomplete: 'off' });
  const purpose = h('select', {}, Object.entries(PURPOSES).map(([v, t]) => h('option', { value: v }, t)));
  const role = h('select', {}, ['officer', 'agency_head'].map((r) => h('option', { value: r }, ROLE_NAMES[r])));
  const agency = h('select', {}, agencies().map((a) => h('option', { value: a.code }, `${a.name} — ${a.full_name}`)));
  const staffOnly = h('div', {}, field('key-role', 'Peran', role), field('key-agency', 'Dinas', agency));
  const sync = () => { staffOnly.hidden = purpose.value !== 'staff'; };
  purpose.addEventListener('change', sync);
  sync();
  const status = h('p', { role: 'alert', class: 'error', tabindex: -1 });
  const form = h('form', { class: 'action', novalidate: true, 'aria-labelledby': 'issue-h' },
    h('h2', { id: 'issue-h' }, 'Terbitkan kunci'),
    field('key-name', 'Pemegang kunci', name, { help: 'Mis. "Aplikasi LAPOR! Jatim" atau "SIM DPUPRPKP"' }),
    field('key-purpose', 'Keperluan', purpose),
    staffOnly, status,
    h('button', { type: 'submit', class: 'button primary' }, 'Terbitkan kunci'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const staff = purpose.value === 'staff';
    try {
      const issued = await api.post('api-keys', {
        name: name.value.trim(), purpose: purpose.value,
        role: staff ? role.value : '', agency_code: staff ? agency.value : '',
      });
      form.reset();
      sync();
      clearErrors(form);
      status.textContent = '';
      await done(secretBox(`Kunci untuk ${issued.api_key?.name || ''}`, issued.key,
        'Kirim kunci ini kepada pengelola sistem mitra lewat jalur aman. Sistem mitra mengirimnya sebagai "Authorization: Bearer <kunci>". Bila bocor, cabut dan terbitkan yang baru.'));
    } catch (e) {
      showProblem(form, status, e, { name: 'key-name', purpose: 'key-purpose', role: 'key-role', agency_code: 'key-agency' });
    }
  });
  return form;
}

export async function apiKeys() {
  const said = h('p', { role: 'status', class: 'said', tabindex: -1 });
  const secret = h('div');
  const body = h('tbody');
  const load = async () => {
    let list;
    try {
      list = (await api.get('api-keys')).api_keys || [];
    } catch (e) {
      said.textContent = `Daftar kunci tidak termuat: ${problem(e)}`;
      return;
    }
    replace(body, list.map((k) => h('tr', { 'data-key': k.key_id, class: k.revoked_at ? 'disabled' : '' },
      h('th', { scope: 'row' }, k.name),
      h('td', {}, PURPOSES[k.purpose] || k.purpose),
      h('td', {}, k.role ? ROLE_NAMES[k.role] || k.role : '—'),
      h('td', {}, k.agency_code ? agencyName(k.agency_code) : '—'),
      h('td', {}, when(k.created_at), h('br'), h('small', {}, k.created_by || '')),
      h('td', {}, k.last_used_at ? when(k.last_used_at) : 'Belum pernah'),
      h('td', {}, k.revoked_at ? `Dicabut ${when(k.revoked_at)}` : h('button', { type: 'button', class: 'button small', onclick: async (e) => {
        const button = e.currentTarget;
        if (!await confirmStep(`Cabut kunci ${k.name}?`, 'Cabut kunci', 'Sistem yang memakainya langsung ditolak. Ini tidak bisa dibatalkan.')) return;
        button.disabled = true;
        try {
          await api.command(`api-keys/${encodeURIComponent(k.key_id)}/revoke`);
          said.textContent = `Kunci ${k.name} dicabut.`;
          await load();
          said.focus();
        } catch (err) {
          said.textContent = problem(err);
          button.disabled = false;
        }
      } }, 'Cabut', h('span', { class: 'sr-only' }, ` ${k.name}`))))));
  };
  replace(main, title('Kunci API mitra'), said, secret,
    h('table', {},
      h('caption', { class: 'sr-only' }, 'Kunci API mitra'),
      h('thead', {}, h('tr', {}, ['Pemegang', 'Keperluan', 'Peran', 'Dinas', 'Diterbitkan', 'Terakhir dipakai', 'Status']
        .map((x) => h('th', { scope: 'col' }, x)))),
      body),
    issueForm(async (box) => {
      replace(secret, box);
      await load();
      const heading = box.querySelector('h2');
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }));
  await load();
}

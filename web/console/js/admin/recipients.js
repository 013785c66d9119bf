// Notification recipients (#/admin/penerima): the humas officers, agency heads and leaders who
// hear of cases, with their channels (in order of preference) and quiet hours. One form adds a
// recipient or, filled from the list, changes one.

import { h, replace, field } from '/shared/dom.js';
import * as api from '../staff.js';
import { agencies, agencyName, main, problem, showProblem, title } from '../common.js';

const ROLES = { humas: 'Humas dinas', head: 'Kepala dinas', leadership: 'Pimpinan kota' };
const CHANNELS = { inbox: 'Kotak masuk konsol', email: 'Email', whatsapp: 'WhatsApp', sms: 'SMS' };
const SHORT = { inbox: 'konsol', email: 'email', whatsapp: 'WA', sms: 'SMS' };
// The API's field names and the form's inputs.
const IDS = {
  id: 'r-id', role: 'r-role', agency_code: 'r-agency', name: 'r-name', email: 'r-email', phone: 'r-phone',
  whatsapp: 'r-whatsapp', staff_subject: 'r-subject', locale: 'r-locale', channels: 'r-channels',
  quiet_start: 'r-quiet-start', quiet_end: 'r-quiet-end',
};

function recipientForm(done) {
  const input = (type, extra = {}) => h('input', { type, autocomplete: 'off', ...extra });
  const inputs = {
    id: input('text', { maxlength: 200, spellcheck: 'false' }),
    role: h('select', {}, Object.entries(ROLES).map(([v, t]) => h('option', { value: v }, t))),
    agency_code: h('select', {}, h('option', { value: '' }, '— tanpa dinas —'),
      agencies().map((a) => h('option', { value: a.code }, `${a.name} — ${a.full_name}`))),
    name: input('text', { maxlength: 200 }),
    email: input('email', { maxlength: 254 }),
    phone: input('tel', { maxlength: 20 }),
    whatsapp: input('tel', { maxlength: 20 }),
    staff_subject: input('text', { maxlength: 200, spellcheck: 'false' }),
    locale: h('select', {}, h('option', { value: 'id' }, 'Bahasa Indonesia'), h('option', { value: 'en' }, 'English')),
    quiet_start: input('time'),
    quiet_end: input('time'),
  };
  const channels = Object.entries(CHANNELS).map(([v, t]) => {
    const box = h('input', { type: 'checkbox', id: `r-ch-${v}`, value: v });
    return { value: v, box, el: h('div', { class: 'check' }, box, h('label', { for: `r-ch-${v}` }, t)) };
  });
  const flags = [['digest_only', 'Hanya ringkasan harian untuk email, SMS dan WhatsApp (eskalasi tetap langsung)'],
    ['daily_digest', 'Kirim ringkasan harian'], ['active', 'Aktif']].map(([name, label]) => {
    const box = h('input', { type: 'checkbox', id: `r-${name}` });
    return { name, box, el: h('div', { class: 'check' }, box, h('label', { for: `r-${name}` }, label)) };
  });
  let order = [];  // the channels' order of the recipient being changed
  const heading = h('h2', { id: 'recipient-h', tabindex: -1 }, 'Tambah penerima');
  const status = h('p', { role: 'alert', class: 'error', tabindex: -1 });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Simpan penerima');
  const form = h('form', { class: 'action recipient', novalidate: true, 'aria-labelledby': 'recipient-h' },
    heading,
    h('div', { class: 'grid2' },
      field(IDS.id, 'ID', inputs.id, { help: 'Tetap, mis. officer:budi.dpuprpkp. Menyimpan dengan ID yang ada mengubah penerima itu.' }),
      field(IDS.role, 'Peran', inputs.role),
      field(IDS.agency_code, 'Dinas (untuk humas dan kepala dinas)', inputs.agency_code),
      field(IDS.name, 'Nama', inputs.name),
      field(IDS.email, 'Alamat email', inputs.email),
      field(IDS.phone, 'Nomor HP (SMS)', inputs.phone, { help: 'Contoh: 081234567890' }),
      field(IDS.whatsapp, 'Nomor WhatsApp', inputs.whatsapp),
      field(IDS.staff_subject, 'Akun konsol (untuk kotak masuk)', inputs.staff_subject, { help: 'Nama pengguna konsol, mis. budi.dpuprpkp' }),
      field(IDS.quiet_start, 'Jam tenang mulai', inputs.quiet_start, { help: 'SMS dan WhatsApp menunggu sampai jam tenang selesai. Kosong: tanpa jam tenang.' }),
      field(IDS.quiet_end, 'Jam tenang selesai', inputs.quiet_end),
      field(IDS.locale, 'Bahasa pesan', inputs.locale)),
    h('fieldset', { id: IDS.channels, 'aria-describedby': 'r-channels-help r-channels-error' },
      h('legend', {}, 'Kanal'),
      h('p', { class: 'help', id: 'r-channels-help' }, 'Berurutan dari yang diutamakan; urutan penerima yang sudah ada dipertahankan, kanal baru di akhir.'),
      channels.map((c) => c.el),
      h('p', { class: 'error', id: 'r-channels-error', hidden: true })),
    flags.map((f) => f.el),
    status,
    h('div', { class: 'inline' }, submit,
      h('button', { type: 'button', class: 'button', onclick: () => fill(null) }, 'Kosongkan')));

  const fill = (r) => {
    for (const [name, el] of Object.entries(inputs)) el.value = r?.[name] ?? (name === 'locale' ? 'id' : name === 'role' ? 'humas' : '');
    order = r?.channels || [];
    for (const c of channels) c.box.checked = r ? order.includes(c.value) : c.value === 'inbox';
    for (const f of flags) f.box.checked = r ? Boolean(r[f.name]) : f.name !== 'digest_only';
    inputs.id.readOnly = Boolean(r);
    heading.textContent = r ? `Ubah penerima ${r.id}` : 'Tambah penerima';
    status.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    for (const el of form.querySelectorAll('.error[id]')) { el.textContent = ''; el.hidden = true; }
  };
  fill(null);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const checked = channels.filter((c) => c.box.checked).map((c) => c.value);
    const body = Object.fromEntries(Object.entries(inputs).map(([name, el]) => [name, el.value.trim()]));
    body.channels = [...order.filter((c) => checked.includes(c)), ...checked.filter((c) => !order.includes(c))];
    for (const f of flags) body[f.name] = f.box.checked;
    if (body.role === 'leadership') body.agency_code = '';
    submit.disabled = true;
    try {
      const saved = await api.post('recipients', body);
      fill(null);
      await done(`Penerima ${saved.id || body.id} disimpan.`);
    } catch (e) {
      showProblem(form, status, e, IDS);
    } finally {
      submit.disabled = false;
    }
  });
  return { form, edit: (r) => { fill(r); heading.focus(); } };
}

export async function recipients() {
  const said = h('p', { role: 'status', class: 'said', tabindex: -1 });
  const body = h('tbody');
  const filter = h('input', { type: 'search', autocomplete: 'off', placeholder: 'mis. dishub, kepala, leadership' });
  const shown = h('p', { role: 'status', class: 'count' });
  const narrow = () => {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let n = 0;
    for (const tr of body.rows) {
      tr.hidden = !words.every((w) => tr.textContent.toLowerCase().includes(w));
      if (!tr.hidden) n += 1;
    }
    shown.textContent = `${n} dari ${body.rows.length} penerima`;
  };
  filter.addEventListener('input', narrow);
  const load = async () => {
    let list;
    try {
      list = (await api.get('recipients')).recipients || [];
    } catch (e) {
      said.textContent = `Daftar penerima tidak termuat: ${problem(e)}`;
      return;
    }
    replace(body, list.map((r) => h('tr', { 'data-recipient': r.id, class: r.active ? '' : 'disabled' },
      h('th', { scope: 'row' }, r.id),
      h('td', {}, ROLES[r.role] || r.role),
      h('td', {}, r.agency_code ? agencyName(r.agency_code) : '—'),
      h('td', {}, r.name || ''),
      h('td', { class: 'contact' }, [r.email, r.phone, r.whatsapp ? `WA ${r.whatsapp}` : ''].filter(Boolean)
        .map((x, i) => [i ? h('br') : null, x])),
      h('td', {}, (r.channels || []).map((c) => SHORT[c] || c).join(' → ') || '—'),
      h('td', {}, r.quiet_start ? `${r.quiet_start}–${r.quiet_end}` : '—'),
      h('td', {}, r.active ? 'Ya' : 'Tidak'),
      h('td', {}, h('button', { type: 'button', class: 'button small', onclick: () => editor.edit(r) },
        'Ubah', h('span', { class: 'sr-only' }, ` ${r.id}`))))));
    narrow();
  };
  const editor = recipientForm(async (message) => {
    said.textContent = message;
    await load();
    said.focus();
  });
  replace(main, title('Penerima notifikasi'), said,
    h('p', {}, h('a', { href: '#recipient-h', onclick: (e) => { e.preventDefault(); editor.edit(null); } }, 'Tambah penerima baru')),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() }, field('r-filter', 'Saring daftar', filter)),
    shown,
    h('div', { class: 'scroll' }, h('table', { class: 'recipients' },
      h('caption', { class: 'sr-only' }, 'Penerima notifikasi'),
      h('thead', {}, h('tr', {}, ['ID', 'Peran', 'Dinas', 'Nama', 'Kontak', 'Kanal', 'Jam tenang', 'Aktif', 'Tindakan']
        .map((x) => h('th', { scope: 'col' }, x)))),
      body)),
    editor.form);
  await load();
}

// Routing's configuration (#/admin/routing): after the city's files changed (categories, areas,
// rules), routing reads them again; what is now in force, or what is wrong with which field.

import { h, replace } from '/shared/dom.js';
import * as api from '../staff.js';
import { main, problem, title } from '../common.js';

export async function routingReload() {
  const result = h('div', { role: 'status', class: 'said', tabindex: -1 });
  const button = h('button', { type: 'button', class: 'button primary' }, 'Muat ulang konfigurasi routing');
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(result, 'Memuat ulang…');
    try {
      const answer = await api.post('routing/reload', {});
      replace(result, h('p', { class: 'ok' }, 'Berlaku sekarang: ', h('strong', { 'data-summary': '' }, answer.summary || '(tanpa ringkasan)')));
    } catch (e) {
      replace(result,
        h('p', { class: 'error' }, 'Konfigurasi tidak dimuat; yang lama tetap berlaku. ', e.fields?.length ? '' : problem(e)),
        e.fields?.length ? h('ul', { class: 'field-errors' }, e.fields.map((f) =>
          h('li', {}, h('code', {}, f.field), `: ${f.reason}`))) : null);
    } finally {
      button.disabled = false;
      result.focus();
    }
  });
  replace(main, title('Konfigurasi routing'),
    h('p', {}, 'Setelah berkas konfigurasi kota (jenis pengaduan, wilayah, aturan routing) diubah di server, ',
      'muat ulang agar routing memakainya tanpa dihentikan. Bila ada yang salah, konfigurasi lama tetap berlaku ',
      'dan kesalahannya ditampilkan per kolom.'),
    button, result);
}

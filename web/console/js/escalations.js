// Escalations: the agency head's level 1, leadership's across agencies.

import { h, replace } from '/shared/dom.js';
import * as api from './staff.js';
import { agencyName, main, num, problem, title, when } from './common.js';

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

export async function escalations() {
  const list = h('tbody');
  replace(main, title('Eskalasi'),
    h('table', { class: 'queue' },
      h('thead', {}, h('tr', {}, ['Tiket', 'Dinas', 'Level', 'Terlambat', 'Sejak', 'Tindak lanjut'].map((x) => h('th', { scope: 'col' }, x)))),
      list));
  const load = async () => {
    const answer = await api.get('escalations?page_size=100');
    replace(list, (answer.escalations || []).map((e) => h('tr', {},
      h('td', {}, e.ticket), h('td', {}, agencyName(e.agency_code)), h('td', {}, String(e.level)),
      h('td', {}, `${Math.round(num(e.late_by_seconds) / 3600)} jam`), h('td', {}, when(e.fired_at)),
      h('td', {}, e.acknowledged ? `Diketahui ${when(e.acknowledged_at)}` : acknowledgeForm(e, load)))));
  };
  await load();
}

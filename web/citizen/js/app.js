// The citizens' app (docs/citizen-app.md): screens by the address's fragment, so a tracking
// link (#/lacak/SKK-…/token) never sends its token to any server or log.

import * as api from './api.js';
import { h, replace, field, setError } from '/shared/dom.js';
import { currentLang, setLang, stateName, t, timelineText } from './i18n.js';
import { deadlineOf, dateTime, dueText, shortDate } from './format.js';
import { complaints, deviceId, outbox, settings } from './store.js';
import { discard, enqueue, kick, onOutboxChange, recover, resubmit } from './outbox.js';
import { shrink } from './photos.js';

const MAX_PHOTOS = 5;  // intake's limit per complaint
const main = document.getElementById('main');
let city = null;
let leave = () => {};  // what the current screen undoes when another one opens

const ICONS = {
  'jalan-rusak': '🚧', 'drainase-banjir': '🌊', 'pohon-tumbang': '🌳', sampah: '🗑️',
  'penerangan-jalan-umum': '💡', 'lalu-lintas': '🚦', 'parkir-liar': '🅿️', adminduk: '🪪',
  kesehatan: '🏥', pendidikan: '🏫', bansos: '🤝', perizinan: '📄', 'ketertiban-umum': '👮',
  bencana: '⚠️', keamanan: '🛡️', lainnya: '💬',
};

// ---------------------------------------------------------------------------------------------
// Start

// The city's categories and agencies: what was last seen at once (no round trip before the
// first screen), refreshed from the network in the background.
let cityFresh = null;
async function loadCity() {
  cityFresh ??= api.getCity()
    .then(async (fresh) => { city = fresh; await settings.set('city', fresh); return fresh; })
    .catch(() => city)
    .finally(() => { cityFresh = null; });
  city ??= await settings.get('city');
  return city || cityFresh;
}

function categoryName(code) {
  return city?.categories?.find((c) => c.code === code)?.name ?? code;
}

function agencyName(complaint) {
  return complaint.agency_name || city?.agencies?.find((a) => a.code === complaint.agency_code)?.name || '';
}

const holidays = () => (city?.holidays || []).map((d) => d.date);
const zone = () => city?.time_zone || 'Asia/Jakarta';

function showNetwork() {
  const banner = document.getElementById('net');
  banner.hidden = navigator.onLine;
  banner.textContent = navigator.onLine ? '' : t('offline');
}

function setChrome() {
  const button = document.getElementById('lang');
  button.textContent = currentLang() === 'id' ? 'EN' : 'ID';
  button.setAttribute('aria-label', t('switch_lang'));
  document.querySelector('.skip').textContent = t('skip');
  showNetwork();
}

async function start() {
  // Bahasa Indonesia first, whatever the phone's language; English only when chosen.
  setLang((await settings.get('lang')) || 'id');
  setChrome();
  document.getElementById('lang').addEventListener('click', async () => {
    setLang(currentLang() === 'id' ? 'en' : 'id');
    await settings.set('lang', currentLang());
    setChrome();
    route();
  });
  window.addEventListener('online', showNetwork);
  window.addEventListener('offline', showNetwork);
  window.addEventListener('hashchange', route);
  // A link from an SMS or email (/lacak/SKK-…, /nilai/SKK-…) names the ticket, not the token.
  const fromMessage = location.pathname.match(/^\/(?:lacak|nilai)\/([A-Za-z0-9-]{1,40})$/);
  if (fromMessage) history.replaceState(null, '', `/#/lacak/${fromMessage[1]}`);
  city = await settings.get('city');
  loadCity();  // not awaited: the first screen needs no round trip
  route();
  recover();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Screens

function route() {
  leave();
  leave = () => {};
  const [, screen = '', a = '', b = ''] = (location.hash || '#/').split('/').map(decodeURIComponent);
  const screens = {
    '': home, lapor: () => reportForm(a), laporan: () => reportStatus(a), aduan: () => detail(a),
    lacak: () => trackForm(a, b), relawan: volunteer,
  };
  (screens[screen] || home)().catch((e) => {
    replace(main, h('h1', { tabindex: -1 }, t('failed', { why: e.message })));
  });
}

function title(text) {
  document.title = `${text} · Sambat Kene Ker`;
  const heading = h('h1', { tabindex: -1 }, text);
  queueMicrotask(() => heading.focus({ preventScroll: false }));
  return heading;
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function outboxLine(report) {
  const status = {
    waiting: navigator.onLine && report.nextTryAt > Date.now()
      ? t('outbox_retry_at', { time: new Date(report.nextTryAt).toLocaleTimeString(currentLang(), { hour: '2-digit', minute: '2-digit' }) })
      : t('outbox_waiting'),
    sending: t('outbox_sending'),
    refused: t('outbox_refused'),
  }[report.state];
  return h('li', { class: `card outbox ${report.state}` },
    h('a', { href: `#/laporan/${report.id}` },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[report.request.category] || '💬'),
      h('span', {}, h('strong', {}, categoryName(report.request.category)), h('br'),
        h('span', { class: 'status' }, status))));
}

function complaintLine(c) {
  const s = c.snapshot;
  const deadline = s ? deadlineOf(s) : { due: '' };
  return h('li', { class: 'card' },
    h('a', { href: `#/aduan/${encodeURIComponent(c.ticket)}` },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[s?.category || c.category] || '💬'),
      h('span', {},
        h('strong', {}, c.ticket), ' · ', categoryName(s?.category || c.category), h('br'),
        h('span', { class: `badge ${s?.state || ''}` }, s ? stateName(s.state) : stateName('CASE_STATE_SUBMITTED')),
        s && agencyName(s) ? ` · ${agencyName(s)}` : '',
        deadline.due ? h('span', { class: deadline.late ? 'late' : 'due' }, ' · ',
          deadline.late ? t('due_late') : dueText(deadline.due, zone(), holidays(), t('due_end_of_day'))) : '')));
}

async function home() {
  const volunteerId = await settings.get('volunteer_id');
  const list = h('ul', { class: 'cards', 'aria-live': 'polite' });
  const waiting = h('section', { 'aria-labelledby': 'waiting-h', hidden: true },
    h('h2', { id: 'waiting-h' }, t('waiting')), list);
  const followed = h('ul', { class: 'cards' });
  replace(main,
    title(t('home_title')),
    volunteerId ? h('p', { class: 'notice' }, t('volunteer_on', { id: volunteerId })) : null,
    h('p', { class: 'lead' }, t('home_lead')),
    h('a', { class: 'button primary big', href: '#/lapor' }, t('new_report')),
    waiting,
    h('section', { 'aria-labelledby': 'mine-h' }, h('h2', { id: 'mine-h' }, t('my_complaints')), followed),
    h('ul', { class: 'links' }, h('li', {}, h('a', { href: '#/lacak' }, t('track_other'))),
      h('li', {}, h('a', { href: '#/relawan' }, t('volunteer_mode'))),
      h('li', {}, h('a', { href: '/publik/' }, t('public_stats')))));

  const drawOutbox = async () => {
    const reports = (await outbox.all()).sort((a, b) => a.createdAt - b.createdAt);
    waiting.hidden = reports.length === 0;
    replace(list, reports.map(outboxLine));
  };
  const drawFollowed = async () => {
    const mine = (await complaints.all()).sort((a, b) => (b.submittedAt || '').localeCompare(a.submittedAt || ''));
    replace(followed, mine.length ? mine.map(complaintLine) : h('li', { class: 'empty' }, t('none_yet')));
    return mine;
  };
  leave = onOutboxChange(() => { drawOutbox(); drawFollowed(); });
  await drawOutbox();
  const mine = await drawFollowed();
  // Fresh states in the background; what was last seen stays on screen meanwhile.
  if (navigator.onLine) {
    for (const c of mine.filter((x) => !['CASE_STATE_CLOSED', 'CASE_STATE_REJECTED', 'CASE_STATE_MERGED'].includes(x.snapshot?.state))) {
      try {
        c.snapshot = await api.getComplaint(c.ticket, c.token);
        c.seenAt = Date.now();
        await complaints.put(c);
      } catch (e) {
        if (!e.transient) continue;
        break;
      }
    }
    if (location.hash === '' || location.hash === '#/') await drawFollowed();
  }
}

// ---------------------------------------------------------------------------------------------
// The report form

const FIELD_OF = [
  [/^category/, 'category'], [/^description/, 'description'], [/^(location|address)/, 'place'],
  [/^reporter\.phone/, 'phone'], [/^reporter\.email/, 'email'], [/^reporter\.name/, 'name'],
  [/^reporter/, 'phone'], [/^(media_ids|photo)/, 'photos'], [/^volunteer_id/, 'summary'],
];

const REASONS_ID = [
  [/outside the city/, 'Tempat ini di luar wilayah kota.'],
  [/not a category/, 'Jenis masalah ini tidak dikenal. Pilih yang lain.'],
  [/not a valid (indonesian )?(mobile|phone)/i, 'Nomor HP tidak valid. Contoh: 081234567890'],
  [/(too large|larger than)/, 'Foto terlalu besar.'],
  [/belongs to another complaint/, 'Foto ini sudah dipakai di pengaduan lain. Hapus, lalu pilih foto lain.'],
  [/can still be joined/, 'Pengaduan yang ingin Anda ikuti sudah tidak dapat diikuti. Batalkan "ikuti", lalu kirim laporan Anda sendiri.'],
];

function reasonText(reason) {
  if (currentLang() === 'id') {
    for (const [pattern, text] of REASONS_ID) if (pattern.test(reason)) return text;
  }
  return reason;
}

function fieldOf(name) {
  for (const [pattern, id] of FIELD_OF) if (pattern.test(name)) return id;
  return 'summary';
}

// Photos from the camera or the gallery, made small at once and kept as blobs in `photos`.
function photoPicker(prefix, photos) {
  const previews = h('ul', { class: 'photos' });
  const problem = h('p', { class: 'error', id: `${prefix}s-error`, hidden: true });
  const inputs = [];
  const draw = () => {
    replace(previews, photos.map((blob, i) => {
      const url = URL.createObjectURL(blob);
      return h('li', {},
        h('img', { src: url, alt: t('photo_of', { n: i + 1 }), onload: () => URL.revokeObjectURL(url) }),
        h('button', { type: 'button', class: 'remove', onclick: () => { photos.splice(i, 1); draw(); } },
          h('span', { 'aria-hidden': 'true' }, '×'), h('span', { class: 'sr-only' }, t('remove_photo', { n: i + 1 }))));
    }));
    for (const input of inputs) input.disabled = photos.length >= MAX_PHOTOS;
  };
  const add = async (files) => {
    problem.hidden = true;
    for (const file of files) {
      if (photos.length >= MAX_PHOTOS) break;
      try {
        photos.push(await shrink(file));
      } catch {
        problem.textContent = t('err_photo');
        problem.hidden = false;
      }
    }
    draw();
  };
  const button = (id, label, extra) => {
    const input = h('input', { type: 'file', accept: 'image/*', id, class: 'sr-only', ...extra });
    input.addEventListener('change', () => { add([...input.files]); input.value = ''; });
    inputs.push(input);
    return [input, h('label', { for: id, class: 'button' }, label)];
  };
  const box = h('div', {},
    h('div', { class: 'row' }, button(`${prefix}-camera`, t('take_photo'), { capture: 'environment' }),
      button(`${prefix}-gallery`, t('pick_photo'), { multiple: true })),
    previews, problem);
  draw();
  return box;
}

// One complaint already filed near the citizen's point: its photo to judge by, where it stands
// and who handles it (public data only, docs/duplicates.md).
function excerpt(text, max = 160) {
  const words = (text || '').trim();
  return words.length > max ? `${words.slice(0, max - 1).trimEnd()}…` : words;
}

// `onJoin(ticket)`: the citizen chose to follow this one instead of filing their own.
function nearbyItem(n, onJoin, joined) {
  const c = n.complaint;
  // A toggle: its name stays (with the ticket, so each is told apart), aria-pressed says
  // whether it is chosen, and the tick is only for the eye.
  const follow = h('button', { type: 'button', class: 'button follow', 'data-ticket': c.ticket,
    'aria-pressed': String(joined === c.ticket) },
  h('span', { 'aria-hidden': 'true', class: 'tick' }, '✓ '), t('join_this'),
  h('span', { class: 'sr-only' }, ` ${c.ticket}`));
  follow.addEventListener('click', () => onJoin(joined === c.ticket ? '' : c.ticket));
  const picture = c.media_id
    ? h('img', { src: api.publicThumbnailUrl(c.media_id), alt: t('nearby_photo', { ticket: c.ticket }),
      loading: 'lazy', width: 96, height: 72 })
    : h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[c.category] || '💬');
  return h('li', { class: 'nearby-item' }, picture,
    h('div', {},
      h('p', {}, h('strong', {}, c.ticket), ' · ', h('span', { class: `badge ${c.state}` }, stateName(c.state))),
      h('p', { class: 'help' }, t('nearby_distance', { m: n.distance_meters || 0 }),
        c.submitted_at ? ` · ${t('nearby_submitted', { date: shortDate(c.submitted_at, zone()) })}` : ''),
      h('p', {}, excerpt(c.description)),
      c.status_notes ? h('p', { class: 'help' }, c.agency_name ? `${c.agency_name}: ` : '', excerpt(c.status_notes)) : null,
      follow));
}

async function reportForm(outboxId) {
  const volunteerId = await settings.get('volunteer_id');
  const existing = outboxId ? await outbox.get(outboxId) : null;
  const draft = existing?.request || {};
  const photos = existing ? existing.photos.map((p) => p.blob) : [];
  let point = draft.location ? [draft.location.latitude, draft.location.longitude] : null;
  if (!city) await loadCity();
  if (!city) {
    // The form needs the city's categories once; on a first visit with no signal, try again by
    // itself when the signal is back (and every few seconds), or at once when asked.
    const again = h('button', { type: 'button', class: 'button primary' }, t('retry_now'));
    again.addEventListener('click', () => route());
    replace(main, title(t('report_title')), h('p', { role: 'status' }, t('network_error')), again);
    let shown = true;  // a late answer must not redraw a screen the citizen went on to
    const timer = setInterval(async () => { if (await loadCity() && shown) route(); }, 5000);
    window.addEventListener('online', route, { once: true });
    leave = () => { shown = false; clearInterval(timer); window.removeEventListener('online', route); };
    return;
  }

  const form = h('form', { novalidate: true, class: 'report' });
  const summary = h('div', { class: 'summary', id: 'summary', role: 'alert', tabindex: -1, hidden: true });

  // Category: search and a list of radio buttons, the city's words with an icon.
  const search = h('input', { type: 'search', autocomplete: 'off' });
  const options = h('div', { class: 'categories' });
  const none = h('p', { class: 'help', hidden: true }, t('category_none'));
  for (const c of city.categories) {
    options.append(h('label', { class: 'category', 'data-name': c.name.toLowerCase() },
      h('input', { type: 'radio', name: 'category', value: c.code, checked: draft.category === c.code }),
      h('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[c.code] || '💬'),
      h('span', {}, c.name)));
  }
  search.addEventListener('input', () => {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const label of options.children) {
      const match = !q || label.dataset.name.includes(q);
      label.hidden = !match;
      if (match) shown += 1;
    }
    none.hidden = shown > 0;
  });
  const categorySet = h('fieldset', { 'data-field': 'category', 'aria-describedby': 'category-error' },
    h('legend', {}, t('category')),
    h('label', { for: 'category-search', class: 'sr-only' }, t('category_search')),
    Object.assign(search, { id: 'category-search', placeholder: t('category_search') }),
    options, none,
    h('p', { class: 'error', id: 'category-error', hidden: true }));

  const photoSet = h('fieldset', { 'data-field': 'photos' },
    h('legend', {}, t('photos')),
    h('p', { class: 'help' }, t('photos_help', { max: MAX_PHOTOS })),
    photoPicker('photo', photos));

  // The place: GPS, a pin, or words.
  const gpsStatus = h('p', { class: 'help', role: 'status' });
  const pinText = h('p', { class: 'help', id: 'pin-text' });
  const noTiles = h('p', { class: 'help', hidden: true }, t('map_no_tiles'));
  const mapBox = h('div', { class: 'map', role: 'application' });
  let picker = null;
  // "Already reported nearby": once a category and a point are chosen, the same problem filed
  // around it. Only a help: offline, or when the search fails, the form goes on without it.
  let submit = null;  // its words follow the choice to join (drawNearby)
  const nearbyList = h('ul', { class: 'nearby-list' });
  const nearbyBox = h('section', { class: 'nearby', id: 'nearby', 'aria-labelledby': 'nearby-title', hidden: true },
    h('h2', { id: 'nearby-title' }, t('nearby_title')),
    h('p', { class: 'help' }, t('nearby_help')), nearbyList);
  const nearbyStatus = h('p', { class: 'sr-only', role: 'status' });
  // Joining (docs/duplicates.md): the citizen follows a complaint found here instead of filing
  // their own; their words become optional and the form says so above the button.
  let joinTicket = draft.join_ticket || '';
  let nearbyItems = [];
  // The note is a live region that stays in the page, so a screen reader hears it change; the
  // undo beside it reaches the choice also when the list is gone (offline, another place).
  const joinStatus = h('div', { role: 'status' });
  const joinUndo = h('button', { type: 'button', class: 'button', hidden: true }, t('join_undo'));
  let description = null;  // the words, optional while joining
  const drawNearby = (focusTicket = '') => {
    replace(nearbyList, nearbyItems.map((n) => nearbyItem(n, (ticket) => {
      joinTicket = ticket;
      drawNearby(ticket || n.complaint.ticket);
    }, joinTicket)));
    // Redrawn under the citizen's finger: the focus goes back to the button they pressed.
    if (focusTicket) nearbyList.querySelector(`button[data-ticket="${CSS.escape(focusTicket)}"]`)?.focus();
    replace(joinStatus, joinTicket ? h('p', { class: 'join-note' }, t('join_note', { ticket: joinTicket })) : null);
    joinUndo.hidden = !joinTicket;
    if (submit) submit.textContent = joinTicket ? t('join_submit', { ticket: joinTicket }) : t('submit');
    if (description) description.required = !joinTicket;
  };
  joinUndo.addEventListener('click', () => {
    joinTicket = '';
    drawNearby();
    submit?.focus();
  });
  // Another category or place: what was chosen here is not the same problem any more.
  const forgetJoin = () => {
    if (!joinTicket) return;
    joinTicket = '';
    drawNearby();
  };
  let nearbyTimer = 0;
  let nearbyAbort = null;
  const lookNearby = () => {
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(async () => {
      const category = form.querySelector('input[name=category]:checked')?.value;
      if (!category || !point || !navigator.onLine) return;
      nearbyAbort?.abort();
      nearbyAbort = new AbortController();
      try {
        const found = await api.findNearby(category, { latitude: point[0], longitude: point[1] },
          form.querySelector('textarea[data-words]')?.value.trim() || '', nearbyAbort.signal);
        const items = found.complaints || [];
        nearbyItems = items;
        // A complaint no longer found here (another category or place) cannot be joined.
        if (joinTicket && !items.some((n) => n.complaint.ticket === joinTicket)) joinTicket = '';
        drawNearby();
        const changed = nearbyBox.hidden !== (items.length === 0);
        nearbyBox.hidden = items.length === 0;
        if (changed) nearbyStatus.textContent = items.length ? t('nearby_title') : '';
      } catch (e) {
        if (e.name !== 'AbortError') {
          nearbyBox.hidden = true;
          forgetJoin();
        }
      }
    }, 500);
  };
  options.addEventListener('change', () => { forgetJoin(); lookNearby(); });
  const setPoint = (lat, lng, move = false, keepJoin = false) => {
    point = [lat, lng];
    pinText.textContent = t('pin_at', { lat: lat.toFixed(5), lng: lng.toFixed(5) });
    if (move) picker?.setPoint(lat, lng);
    if (!keepJoin) forgetJoin();
    lookNearby();
  };
  const gps = h('button', { type: 'button', class: 'button' }, t('use_gps'));
  gps.addEventListener('click', () => {
    gpsStatus.textContent = t('gps_wait');
    navigator.geolocation.getCurrentPosition(
      (p) => { setPoint(p.coords.latitude, p.coords.longitude, true); gpsStatus.textContent = t('gps_ok'); },
      () => { gpsStatus.textContent = t('gps_failed'); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  });
  const address = h('textarea', { rows: 2, maxlength: 500, autocomplete: 'street-address' });
  address.value = draft.address || '';
  const placeSet = h('fieldset', { 'data-field': 'place', 'aria-describedby': 'place-error' },
    h('legend', {}, t('place')),
    gps, gpsStatus, mapBox, noTiles, pinText,
    field('address', t('address'), address, { help: t('address_help') }),
    h('p', { class: 'error', id: 'place-error', hidden: true }));

  // What happened.
  description = h('textarea', { rows: 5, maxlength: 4000, required: true, 'data-words': true });
  description.value = draft.description || '';
  // The words sharpen the nearby search once written, not at every key.
  description.addEventListener('change', lookNearby);
  const left = h('p', { class: 'help counter' });
  const count = () => { left.textContent = t('chars_left', { n: 4000 - description.value.length }); };
  description.addEventListener('input', count);
  count();

  // Who: the citizen, anonymous, or the resident a volunteer helps.
  const reporter = draft.reporter || {};
  const anonymous = h('input', { type: 'checkbox', id: 'anonymous', checked: Boolean(reporter.anonymous) });
  const name = h('input', { type: 'text', autocomplete: 'name', maxlength: 200 });
  const phone = h('input', { type: 'tel', autocomplete: 'tel', inputmode: 'tel', maxlength: 20 });
  const email = h('input', { type: 'email', autocomplete: 'email', maxlength: 254 });
  name.value = reporter.name || '';
  phone.value = reporter.phone || '';
  email.value = reporter.email || '';
  const contact = h('div', { class: 'contact' },
    field('name', t('name'), name),
    field('phone', t('phone'), phone, { help: t('phone_help') }),
    field('email', t('email'), email));
  const showContact = () => { contact.hidden = anonymous.checked; };
  anonymous.addEventListener('change', showContact);
  showContact();
  const confidential = h('input', { type: 'checkbox', id: 'confidential', checked: Boolean(draft.confidential) });
  const whoSet = h('fieldset', {},
    h('legend', {}, volunteerId ? t('resident') : t('reporter')),
    volunteerId ? null : h('div', { class: 'check' }, anonymous, h('label', { for: 'anonymous' }, t('anonymous')),
      h('p', { class: 'help' }, t('anonymous_help'))),
    contact,
    h('div', { class: 'check' }, confidential, h('label', { for: 'confidential' }, t('confidential'))));

  submit = h('button', { type: 'submit', class: 'button primary big' }, t('submit'));
  form.append(summary, categorySet, photoSet, placeSet, nearbyBox, nearbyStatus,
    field('description', t('description'), description, { help: t('description_help') }), left,
    whoSet, joinStatus, joinUndo, submit);
  drawNearby();
  replace(main, title(t('report_title')), form);
  if (point) setPoint(point[0], point[1], false, true);

  import('./map.js').then(({ placePicker }) => placePicker(mapBox, city, point,
    (lat, lng) => setPoint(lat, lng),
    { map: t('map_label'), pin: t('map_label'), onNoTiles: () => { noTiles.hidden = false; } }))
    .then((p) => { picker = p; if (!p) mapBox.hidden = true; })
    .catch(() => { mapBox.hidden = true; });

  const showErrors = (errors) => {
    for (const id of ['category', 'photos', 'place', 'description', 'name', 'phone', 'email']) setError(form, id, '');
    const general = [];
    for (const { field: id, message } of errors) {
      if (id === 'summary' || !form.querySelector(`#${id}-error`)) general.push(message);
      else setError(form, id, message);
    }
    replace(summary, h('p', {}, t('fix_fields')), general.length ? h('ul', {}, general.map((m) => h('li', {}, m))) : null);
    summary.hidden = errors.length === 0;
    if (errors.length) summary.focus();
  };
  if (existing?.state === 'refused') {
    showErrors(existing.fields.map((e) => ({ field: fieldOf(e.field), message: reasonText(e.reason || existing.message) })));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const category = form.querySelector('input[name=category]:checked')?.value || '';
    const errors = [];
    if (!category) errors.push({ field: 'category', message: t('err_category') });
    const text = description.value.trim();
    if (!text && !joinTicket) errors.push({ field: 'description', message: t('err_description') });
    if (!point && !address.value.trim()) errors.push({ field: 'place', message: t('err_place') });
    const isAnonymous = !volunteerId && anonymous.checked;
    const phoneValue = phone.value.replace(/[\s-]/g, '');
    if (!isAnonymous) {
      if (!phoneValue && !email.value.trim()) {
        errors.push({ field: 'phone', message: volunteerId ? t('err_volunteer_contact') : t('err_contact') });
      }
      if (phoneValue && !/^(\+62|62|0)8\d{7,12}$/.test(phoneValue)) errors.push({ field: 'phone', message: t('err_phone') });
      if (email.value.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value.trim())) {
        errors.push({ field: 'email', message: t('err_email') });
      }
    }
    showErrors(errors);
    if (errors.length) return;
    submit.disabled = true;
    submit.textContent = t('saving');
    const request = {
      category,
      description: text,
      address: address.value.trim(),
      reporter: isAnonymous ? { anonymous: true }
        : { name: name.value.trim(), phone: phoneValue, email: email.value.trim() },
      channel: volunteerId ? 'CHANNEL_ASSISTED' : 'CHANNEL_APP',
      confidential: confidential.checked,
      device_id: await deviceId(),
    };
    if (point) request.location = { latitude: point[0], longitude: point[1] };
    if (volunteerId) request.volunteer_id = volunteerId;
    if (joinTicket && point) request.join_ticket = joinTicket;
    let id = outboxId;
    if (existing) await resubmit(outboxId, request, photos);
    else id = await enqueue(request, photos);
    go(`#/laporan/${id}`);
  });
}

// ---------------------------------------------------------------------------------------------
// A report after "send": waiting on the phone, refused, or accepted with its ticket.

function trackingLink(c) {
  return `${location.origin}/#/lacak/${encodeURIComponent(c.ticket)}/${encodeURIComponent(c.token)}`;
}

function linkBox(c) {
  const link = trackingLink(c);
  const said = h('p', { role: 'status', class: 'help' });
  return h('div', { class: 'link-box' },
    h('p', {}, t('sent_keep')),
    h('input', { type: 'text', readonly: true, value: link, 'aria-label': t('sent_keep'), class: 'link' }),
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'button', onclick: async () => {
        try { await navigator.clipboard.writeText(link); said.textContent = t('copied'); } catch { /* shown anyway */ }
      } }, t('copy_link')),
      navigator.share ? h('button', { type: 'button', class: 'button', onclick: () => {
        navigator.share({ title: c.ticket, url: link }).catch(() => {});
      } }, t('share_link')) : null),
    said);
}

async function reportStatus(id) {
  const draw = async () => {
    const report = await outbox.get(id);
    if (!report) {
      const sent = (await complaints.all()).find((c) => c.localId === id);
      if (!sent) return go('#/');
      replace(main, title(t('sent_title')),
        h('p', {}, t('sent_ticket')), h('p', { class: 'ticket', id: 'ticket' }, sent.ticket),
        linkBox(sent),
        h('p', { class: 'row' }, h('a', { class: 'button primary', href: `#/aduan/${encodeURIComponent(sent.ticket)}` }, t('see_complaint')),
          h('a', { class: 'button', href: '#/' }, t('back_home'))));
      return;
    }
    if (report.state === 'refused') {
      replace(main, title(t('refused_title')), h('p', {}, t('refused_lead')),
        h('ul', { class: 'problems' }, [...new Set(report.fields.map((f) => reasonText(f.reason || report.message)))]
          .map((text) => h('li', {}, text))),
        h('p', { class: 'row' }, h('a', { class: 'button primary', href: `#/lapor/${id}` }, t('outbox_fix')),
          h('button', { type: 'button', class: 'button', onclick: async () => {
            if (confirm(t('outbox_delete_confirm'))) { await discard(id); go('#/'); }
          } }, t('outbox_delete'))));
      return;
    }
    replace(main, title(t('queued_title')), h('p', {}, t('queued_lead')),
      h('p', { class: 'status', role: 'status' }, report.state === 'sending' ? t('outbox_sending') : t('outbox_waiting')),
      h('a', { class: 'button', href: '#/' }, t('back_home')));
  };
  leave = onOutboxChange((event) => { if (event.id === id) draw(); });
  await draw();
  kick();
}

// ---------------------------------------------------------------------------------------------
// A complaint the citizen follows.

function problemText(e) {
  if (e.kind === 'network') return t('network_error');
  if (e.kind === 'too_many') return t('too_many', { s: e.retryAfter || 60 });
  if (e.kind === 'away') return t('service_away');
  if (e.fields?.length) return e.fields.map((f) => reasonText(f.reason)).join(' ');
  return e.message;
}

function followUpForm({ heading, fieldId, label, input, button, extra = null, validate, send }) {
  const status = h('p', { role: 'status', class: 'help' });
  const form = h('form', { novalidate: true, class: 'follow-up' },
    h('h2', {}, heading), extra, field(fieldId, label, input), status,
    h('button', { type: 'submit', class: 'button primary' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = validate();
    setError(form, fieldId, problem || '');
    if (problem) return form.querySelector(`#${fieldId}`).focus();
    form.querySelector('button[type=submit]').disabled = true;
    try {
      status.textContent = await send();
      form.replaceWith(h('p', { class: 'notice', role: 'status' }, status.textContent));
      setTimeout(route, 1500);
    } catch (e) {
      setError(form, fieldId, problemText(e));
      form.querySelector('button[type=submit]').disabled = false;
    }
  });
  return form;
}

// The complaint this one was merged into, as the public sees it: its citizen follows it here.
function mergedInto(o, joined = false) {
  if (!o) return null;
  const due = o.first_response_due_at && !o.finished ? o.first_response_due_at : null;
  return h('section', { class: 'merged', 'aria-labelledby': 'merged-title' },
    h('h2', { id: 'merged-title' }, t(joined ? 'joined_title' : 'merged_title', { ticket: o.ticket })),
    h('p', {}, t(joined ? 'joined_help' : 'merged_help')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('state')), h('dd', {}, h('span', { class: `badge ${o.state}` }, stateName(o.state))),
      o.agency_name ? [h('dt', {}, t('agency')), h('dd', {}, o.agency_name)] : null,
      due ? [h('dt', {}, t('due')), h('dd', {}, dueText(due, zone(), holidays(), t('due_end_of_day')))] : null,
      o.status_notes ? [h('dt', {}, t('merged_latest')), h('dd', {}, o.status_notes)] : null));
}

async function detail(ticket) {
  const mine = await complaints.get(ticket);
  if (!city) await loadCity();  // the first visit, from a tracking link: names need it
  if (!mine) return go(`#/lacak/${encodeURIComponent(ticket)}`);
  const body = h('div', { class: 'detail' });
  replace(main, title(ticket), body);
  const draw = (c, stale) => {
    const deadline = deadlineOf(c);
    const facts = h('dl', { class: 'facts' },
      h('dt', {}, t('state')), h('dd', {}, h('span', { class: `badge ${c.state}` }, stateName(c.state)),
        currentLang() === 'id' && c.status_text ? h('span', { class: 'status-text' }, ` — ${c.status_text}`) : ''),
      agencyName(c) ? [h('dt', {}, t('agency')), h('dd', {}, agencyName(c))] : null,
      deadline.due || deadline.stale ? [h('dt', {}, t('due')), h('dd', { id: 'due' },
        deadline.stale ? t('due_new_clock') : dueText(deadline.due, zone(), holidays(), t('due_end_of_day')),
        deadline.late ? h('strong', { class: 'late' }, ` — ${t('due_late')}`) : '')] : null,
      h('dt', {}, t('category')), h('dd', {}, categoryName(c.category)),
      c.address ? [h('dt', {}, t('place')), h('dd', {}, c.address)] : null,
      c.lapor_tracking_id ? [h('dt', {}, t('lapor')), h('dd', {}, c.lapor_tracking_id)] : null);
    const gallery = h('ul', { class: 'photos' });
    const timeline = h('ol', { class: 'timeline' }, (c.timeline || []).map((e) =>
      h('li', {}, h('time', { datetime: e.at }, shortDate(e.at, zone())), ' ', timelineText(e))));
    const messages = h('ul', { class: 'messages' }, h('li', { class: 'empty' }, t('no_messages')));
    const actions = h('div', { class: 'actions' });
    const staleNotice = stale ? h('p', { class: 'notice' }, t('offline_snapshot', { when: shortDate(new Date(mine.seenAt).toISOString(), zone()) })) : null;
    replace(body, staleNotice,
      facts, mergedInto(c.merged_into, (c.timeline || []).some((e) => e.kind === 'joined')), h('p', { class: 'description' }, c.description), gallery, actions,
      h('section', {}, h('h2', {}, t('timeline')), timeline),
      h('section', {}, h('h2', {}, t('messages')), messages),
      linkBox(mine),
      mine.assisted ? h('button', { type: 'button', class: 'button', onclick: async () => {
        await complaints.remove(ticket); go('#/');
      } }, t('handover_done')) : null);

    if (c.state === 'CASE_STATE_WAITING_CITIZEN') {
      const answer = h('textarea', { rows: 4, maxlength: 4000 });
      const answerPhotos = [];
      actions.append(followUpForm({
        heading: t('answer_title'), fieldId: 'answer', label: t('answer'), input: answer,
        button: t('send_answer'),
        extra: h('fieldset', {}, h('legend', {}, t('photos')), photoPicker('answer', answerPhotos)),
        validate: () => (answer.value.trim() ? '' : t('err_answer')),
        send: async () => {
          const ids = [];
          for (const p of answerPhotos) ids.push(await api.uploadPhoto(p));
          await api.addInfo(ticket, mine.token, answer.value.trim(), ids);
          return t('answered');
        },
      }));
    }
    const canReopen = c.state === 'CASE_STATE_RESOLVED' && c.reopen_until && Date.parse(c.reopen_until) > Date.now();
    if (c.state === 'CASE_STATE_RESOLVED' && !c.rating) {
      const stars = h('div', { class: 'stars', role: 'radiogroup', 'aria-label': t('stars') },
        [1, 2, 3, 4, 5].map((n) => h('label', {}, h('input', { type: 'radio', name: 'stars', value: n }),
          h('span', { 'aria-hidden': 'true' }, '★'.repeat(n)), h('span', { class: 'sr-only' }, t('star_n', { n })))));
      const comment = h('textarea', { rows: 2, maxlength: 2000 });
      actions.append(followUpForm({
        heading: t('rate_title'), fieldId: 'comment', label: t('comment'), input: comment,
        button: t('send_rating'), extra: h('fieldset', {}, h('legend', {}, t('stars')), stars),
        validate: () => (actions.querySelector('input[name=stars]:checked') ? '' : t('err_stars')),
        send: async () => {
          const n = Number(actions.querySelector('input[name=stars]:checked').value);
          await api.rate(ticket, mine.token, n, comment.value.trim());
          return t('rated', { n });
        },
      }));
    } else if (c.rating) {
      actions.append(h('p', { class: 'notice' }, t('rated', { n: c.rating })));
    }
    if (canReopen) {
      const reason = h('textarea', { rows: 3, maxlength: 2000 });
      actions.append(followUpForm({
        heading: t('reopen_title'), fieldId: 'reason', label: t('reopen_reason'), input: reason,
        button: t('send_reopen'),
        extra: h('p', { class: 'help' }, t('reopen_until', { when: dateTime(c.reopen_until, zone()) })),
        validate: () => (reason.value.trim() ? '' : t('err_reason')),
        send: async () => { await api.reopen(ticket, mine.token, reason.value.trim()); return t('reopened'); },
      }));
    }
    (c.media_ids || []).forEach(async (id, i) => {
      try {
        const url = await api.photoUrl(id, ticket, mine.token);
        gallery.append(h('li', {}, h('img', { src: url, alt: t('photo_of', { n: i + 1 }) })));
      } catch { /* offline: the photo stays on the server */ }
    });
    const live = () => {
      staleNotice?.remove();
      api.getNotifications(ticket, mine.token).then((told) => {
        const list = told.notifications || [];
        if (!list.length) return;
        replace(messages, list.map((m) => h('li', {},
          h('time', { datetime: m.recorded_at }, shortDate(m.recorded_at, zone())), ' · ',
          m.channel.toUpperCase(), ' ', m.address, ' · ',
          t(m.state === 'sent' ? 'msg_sent' : m.state === 'dead' ? 'msg_failed' : 'msg_pending'),
          h('p', {}, m.body))));
      }).catch(() => {});
    };
    if (!stale) live();
    return live;
  };
  const seen = mine.snapshot;
  const live = seen ? draw(seen, true) : null;
  try {
    mine.snapshot = await api.getComplaint(ticket, mine.token);
    mine.seenAt = Date.now();
    await complaints.put(mine);
    if (live && JSON.stringify(seen) === JSON.stringify(mine.snapshot)) return live();
    // What the citizen is typing survives a changed answer.
    const typed = [...body.querySelectorAll('textarea[id]')].map((el) => [el.id, el.value]);
    draw(mine.snapshot, false);
    for (const [id, value] of typed) {
      const el = body.querySelector(`#${id}`);
      if (el && value) el.value = value;
    }
  } catch (e) {
    if (e.kind === 'not_found') replace(body, h('p', { role: 'alert' }, t('not_found')));
    else if (!mine.snapshot) replace(body, h('p', { role: 'alert' }, problemText(e)));
  }
}

// ---------------------------------------------------------------------------------------------
// Tracking a complaint from its link or its ticket and code.

async function trackForm(ticketIn, tokenIn) {
  if (ticketIn && !tokenIn && await complaints.get(ticketIn)) {
    return go(`#/aduan/${encodeURIComponent(ticketIn)}`);  // already followed on this phone
  }
  if (ticketIn && tokenIn) {
    const existing = await complaints.get(ticketIn);
    if (!existing) {
      await complaints.put({ ticket: ticketIn, token: tokenIn, category: '', submittedAt: '', snapshot: null, seenAt: 0 });
    }
    return go(`#/aduan/${encodeURIComponent(ticketIn)}`);
  }
  const ticket = h('input', { type: 'text', autocomplete: 'off', autocapitalize: 'characters', placeholder: 'SKK-2026-000123' });
  ticket.value = ticketIn || '';
  const token = h('input', { type: 'text', autocomplete: 'off' });
  const form = h('form', { novalidate: true },
    field('ticket', t('ticket'), ticket), field('token', t('token'), token, { help: t('token_help') }),
    h('button', { type: 'submit', class: 'button primary' }, t('track')));
  replace(main, title(t('track_title')), form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const tk = ticket.value.trim().toUpperCase();
    setError(form, 'ticket', /^[A-Z]+-\d{4}-\d+$/.test(tk) ? '' : t('err_ticket'));
    setError(form, 'token', token.value.trim() ? '' : t('err_token'));
    if (form.querySelector('[aria-invalid]')) return form.querySelector('[aria-invalid]').focus();
    try {
      const c = await api.getComplaint(tk, token.value.trim());
      await complaints.put({ ticket: tk, token: token.value.trim(), category: c.category,
        submittedAt: c.submitted_at, snapshot: c, seenAt: Date.now() });
      go(`#/aduan/${encodeURIComponent(tk)}`);
    } catch (e) {
      setError(form, 'token', e.kind === 'not_found' ? t('not_found') : problemText(e));
    }
  });
}

async function volunteer() {
  const current = await settings.get('volunteer_id');
  const id = h('input', { type: 'text', autocomplete: 'off', maxlength: 64 });
  id.value = current || '';
  const form = h('form', { novalidate: true },
    h('p', {}, t('volunteer_help')),
    field('volunteer', t('volunteer_id'), id),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'button primary' }, t('volunteer_save')),
      current ? h('button', { type: 'button', class: 'button', onclick: async () => {
        await settings.remove('volunteer_id'); go('#/');
      } }, t('volunteer_off')) : null));
  replace(main, title(t('volunteer_mode')), form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!id.value.trim()) return setError(form, 'volunteer', t('volunteer_id'));
    await settings.set('volunteer_id', id.value.trim());
    go('#/');
  });
}

start();

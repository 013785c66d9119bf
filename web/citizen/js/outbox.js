// The outbox: every report is written to the phone first and sent from there, with the
// idempotency key made once when it was written. A reload, a closed app or a lost connection in
// the middle of a photo only delays it: the next try uploads what is missing and submits with
// the same key, so the city stores the report once (docs/citizen-app.md, "A bad network").

import { ApiError, submitComplaint, uploadPhoto } from './api.js';
import { outbox, settle, uuid } from './store.js';

const listeners = new Set();
let draining = null;
let timer = 0;

const MIN_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 5 * 60 * 1000;

export function onOutboxChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(event = {}) {
  for (const listener of listeners) listener(event);
}

// `request` is a SubmitComplaintRequest without media_ids; `photos` are Blobs already made small.
export async function enqueue(request, photos, extra = {}) {
  const report = {
    id: uuid(),
    idempotencyKey: uuid(),
    createdAt: Date.now(),
    request,
    photos: photos.map((blob) => ({ blob, mediaId: '' })),
    state: 'waiting',
    attempts: 0,
    nextTryAt: 0,
    fields: [],
    message: '',
    ...extra,
  };
  await outbox.put(report);
  changed({ id: report.id });
  kick();
  return report.id;
}

// A refused report the citizen corrected goes back in line with the same key: nothing of a
// refused report was stored, so the key is still unused.
export async function resubmit(id, request, photos) {
  const report = await outbox.get(id);
  if (!report) return;
  Object.assign(report, {
    request,
    photos: photos.map((blob) => ({ blob, mediaId: '' })),
    state: 'waiting', attempts: 0, nextTryAt: 0, fields: [], message: '',
  });
  await outbox.put(report);
  changed({ id });
  kick();
}

export async function discard(id) {
  await outbox.remove(id);
  changed({ id });
}

// Sends whatever is due now. One sender at a time in this tab, and one across tabs where the
// browser has Web Locks; the idempotency key makes a second sender harmless anyway.
// A kick during a drain (a report written while another is being sent) runs one more drain
// after it, so the new report does not wait for the next timer or reconnection.
let again = false;
export function kick() {
  if (draining) {
    again = true;
    return draining;
  }
  draining = (navigator.locks
    ? navigator.locks.request('sambat-outbox', drain)
    : drain()).finally(() => {
    draining = null;
    if (again) {
      again = false;
      kick();
    }
  });
  return draining;
}

async function drain() {
  clearTimeout(timer);
  const reports = await outbox.all();
  let next = Infinity;
  for (const report of reports.sort((a, b) => a.createdAt - b.createdAt)) {
    if (report.state === 'refused') continue;
    if (report.nextTryAt > Date.now()) {
      next = Math.min(next, report.nextTryAt);
      continue;
    }
    const retryAt = await send(report);
    if (retryAt) next = Math.min(next, retryAt);
  }
  if (next !== Infinity) timer = setTimeout(kick, Math.max(0, next - Date.now()));
}

// Returns when to try again, or 0 when the report is settled (accepted or refused).
async function send(report) {
  report.state = 'sending';
  await outbox.put(report);
  changed({ id: report.id });
  try {
    for (const photo of report.photos) {
      if (photo.mediaId) continue;
      photo.mediaId = await uploadPhoto(photo.blob);
      await outbox.put(report);  // an upload done is not repeated after a reload
    }
    const request = { ...report.request, media_ids: report.photos.map((p) => p.mediaId) };
    const accepted = await submitComplaint(request, report.idempotencyKey);
    await settle(report.id, {
      ticket: accepted.ticket,
      token: accepted.tracking_token,
      localId: report.id,
      category: report.request.category,
      submittedAt: accepted.submitted_at,
      assisted: Boolean(report.request.volunteer_id),
      snapshot: null,
      seenAt: 0,
    });
    changed({ id: report.id, ticket: accepted.ticket });
    return 0;
  } catch (e) {
    const error = e instanceof ApiError ? e : new ApiError('network', String(e));
    if (error.transient) {
      report.attempts += 1;
      const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (report.attempts - 1));
      const wait = Math.max(error.retryAfter * 1000, backoff * (0.75 + Math.random() / 2));
      report.state = 'waiting';
      report.nextTryAt = Date.now() + wait;
      report.message = error.kind === 'network' ? '' : error.message;
    } else if (forgotten(error, report)) {
      // A photo uploaded long ago, unused, was cleared from the server: upload it again.
      report.state = 'waiting';
      report.nextTryAt = 0;
      report.attempts += 1;
    } else {
      report.state = 'refused';
      report.fields = error.fields.length ? error.fields : [{ field: '', reason: error.message }];
      report.message = error.message;
    }
    await outbox.put(report);
    changed({ id: report.id });
    return report.state === 'waiting' ? report.nextTryAt : 0;
  }
}

// Intake no longer knows some of the report's uploaded photos ("media_ids[1]: no such photo"):
// forgets their ids so the next try uploads them again. Once only, so a server that keeps
// refusing cannot loop.
function forgotten(error, report) {
  const lost = error.fields.filter((f) => /^media_ids\[\d+\]$/.test(f.field) && /no such photo/.test(f.reason));
  if (!lost.length || lost.length !== error.fields.length || report.reuploaded) return false;
  for (const f of lost) {
    const photo = report.photos[Number(f.field.match(/\d+/)[0])];
    if (photo) photo.mediaId = '';
  }
  report.reuploaded = true;
  return true;
}

// A report left "sending" by a closed app is simply waiting.
export async function recover() {
  for (const report of await outbox.all()) {
    if (report.state === 'sending') {
      report.state = 'waiting';
      report.nextTryAt = 0;
      await outbox.put(report);
    }
  }
  window.addEventListener('online', () => {
    outbox.all().then(async (reports) => {
      for (const r of reports) {
        if (r.state === 'waiting') { r.nextTryAt = 0; await outbox.put(r); }
      }
      kick();
    });
  });
  kick();
}

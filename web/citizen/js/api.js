// The gateway's citizen API (docs/http-api.md). Every failure becomes an ApiError that says what
// kind it is, so a screen can tell "fix this field" from "try again later" from "no signal".

export class ApiError extends Error {
  // kind: 'network' (no answer at all), 'invalid' (400, fields), 'not_found', 'conflict',
  // 'too_many' (429, retryAfter seconds), 'away' (5xx), 'other'.
  constructor(kind, message, { status = 0, fields = [], retryAfter = 0 } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
  // Worth sending again later without the citizen changing anything.
  get transient() {
    return this.kind === 'network' || this.kind === 'too_many' || this.kind === 'away';
  }
}

async function problemOf(response) {
  const retryHeader = Number(response.headers.get('retry-after') || 0);
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  const retryAfter = problem.retry_after_seconds || retryHeader || 0;
  const options = { status: response.status, fields: problem.errors || [], retryAfter };
  const detail = problem.detail || problem.title || `HTTP ${response.status}`;
  if (response.status === 400 || response.status === 413 || response.status === 415) {
    return new ApiError('invalid', detail, options);
  }
  if (response.status === 404) return new ApiError('not_found', detail, options);
  if (response.status === 409 || response.status === 412) return new ApiError('conflict', detail, options);
  if (response.status === 429) return new ApiError('too_many', detail, options);
  if (response.status >= 500 || response.status === 408) return new ApiError('away', detail, options);
  return new ApiError('other', detail, options);
}

async function call(path, { method = 'GET', headers = {}, body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, credentials: 'omit' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('network', e.message);
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

function json(body) {
  return { 'Content-Type': 'application/json', body: JSON.stringify(body) };
}

function track(token) {
  return { 'X-Tracking-Token': token };
}

export async function getCity() {
  return (await call('/api/v1/city')).json();
}

export async function uploadPhoto(blob, signal) {
  const response = await call('/api/v1/media', {
    method: 'POST', headers: { 'Content-Type': blob.type || 'image/jpeg' }, body: blob, signal,
  });
  return (await response.json()).media_id;
}

export async function submitComplaint(request, idempotencyKey) {
  const { body, ...type } = json(request);
  const response = await call('/api/v1/complaints', {
    method: 'POST', headers: { ...type, 'Idempotency-Key': idempotencyKey }, body,
  });
  return response.json();
}

// "Already reported nearby" (docs/duplicates.md): at most five public complaints of the same
// category around the point, most alike first. `signal` lets a newer search cancel this one.
export async function findNearby(category, location, description, signal) {
  const { body, ...type } = json({ category, location, description });
  return (await call('/api/v1/nearby', { method: 'POST', headers: type, body, signal })).json();
}

// The thumbnail of a complaint that is not confidential: anyone may see it.
export const publicThumbnailUrl = (mediaId) => `/media/${encodeURIComponent(mediaId)}/thumbnail`;

const base = (ticket) => `/api/v1/complaints/${encodeURIComponent(ticket)}`;

export async function getComplaint(ticket, token) {
  return (await call(base(ticket), { headers: track(token) })).json();
}

export async function getNotifications(ticket, token) {
  return (await call(`${base(ticket)}/notifications`, { headers: track(token) })).json();
}

async function followUp(ticket, token, what, request) {
  const { body, ...type } = json(request);
  return (await call(`${base(ticket)}/${what}`, {
    method: 'POST', headers: { ...type, ...track(token) }, body,
  })).json();
}

export const addInfo = (ticket, token, text, mediaIds) =>
  followUp(ticket, token, 'info', { text, media_ids: mediaIds });
export const rate = (ticket, token, stars, comment) =>
  followUp(ticket, token, 'rating', { stars, comment });
export const reopen = (ticket, token, reason) => followUp(ticket, token, 'reopen', { reason });

// The citizen's own photo: fetched with the token header, shown from a blob.
export async function photoUrl(mediaId, ticket, token, thumbnail = true) {
  const path = `/media/${encodeURIComponent(mediaId)}${thumbnail ? '/thumbnail' : ''}` +
    `?ticket=${encodeURIComponent(ticket)}`;
  const response = await call(path, { headers: track(token) });
  return URL.createObjectURL(await response.blob());
}

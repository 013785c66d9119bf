// The staff API as the console speaks it (docs/staff-auth.md): the session is the HttpOnly
// cookie the browser sends by itself; every request that changes something carries the
// session's CSRF token. The server decides every permission; the console only asks.

let csrf = '';

export class StaffError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.fields = problem.errors || [];
    this.retryAfter = problem.retry_after_seconds || 0;
  }
}

async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(`/api/v1/staff/${path}`, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new StaffError(0, { detail: 'Tidak ada sambungan ke server.' });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new StaffError(response.status, json);
  return { json, etag: response.headers.get('etag') || '' };
}

export async function session() {
  const { json } = await call('GET', 'session');
  csrf = json.csrf_token || '';
  return json;
}

export async function signIn(username, password, totpCode) {
  const { json } = await call('POST', 'session', { username, password, totp_code: totpCode || '' });
  csrf = json.csrf_token || '';
  return json;
}

export const signOut = () => call('DELETE', 'session');
export const changePassword = async (current, next) => {
  const { json } = await call('POST', 'password', { current_password: current, new_password: next });
  csrf = json.csrf_token || csrf;
  return json;
};

export const get = async (path) => (await call('GET', path)).json;
export const getWithEtag = (path) => call('GET', path);
export const post = async (path, body = {}) => (await call('POST', path, body)).json;
// For the commands that take no body (reset a password, disable, revoke a key).
export const command = async (path) => (await call('POST', path)).json;

// A proof photo goes up like a citizen's (streamed to intake), then the action names its id.
export async function uploadPhoto(blob) {
  const response = await fetch('/api/v1/media', {
    method: 'POST', headers: { 'Content-Type': blob.type || 'image/jpeg' }, body: blob,
  });
  const json = await response.json();
  if (!response.ok) throw new StaffError(response.status, json);
  return json.media_id;
}

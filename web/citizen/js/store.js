// What the phone keeps, in IndexedDB: the outbox of reports not yet accepted (with their photos
// as blobs and the idempotency key made once), the complaints the citizen follows (ticket,
// tracking token, the last answer seen), and settings. Every write is one transaction, so a
// reload or a dead battery leaves either the old record or the new one.

const DB_NAME = 'sambat';
const DB_VERSION = 1;
let opened;

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id' });
      if (!db.objectStoreNames.contains('complaints')) {
        db.createObjectStore('complaints', { keyPath: 'ticket' });
      }
      if (!db.objectStoreNames.contains('settings')) db.createObjectStore('settings');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

async function run(store, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const request = work(tx.objectStore(store));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const outbox = {
  all: () => run('outbox', 'readonly', (s) => s.getAll()),
  get: (id) => run('outbox', 'readonly', (s) => s.get(id)),
  put: (report) => run('outbox', 'readwrite', (s) => s.put(report)),
  remove: (id) => run('outbox', 'readwrite', (s) => s.delete(id)),
};

export const complaints = {
  all: () => run('complaints', 'readonly', (s) => s.getAll()),
  get: (ticket) => run('complaints', 'readonly', (s) => s.get(ticket)),
  put: (complaint) => run('complaints', 'readwrite', (s) => s.put(complaint)),
  remove: (ticket) => run('complaints', 'readwrite', (s) => s.delete(ticket)),
};

// A report leaves the outbox and becomes a followed complaint in one transaction: never both,
// never neither.
export async function settle(reportId, complaint) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(['outbox', 'complaints'], 'readwrite');
    tx.objectStore('outbox').delete(reportId);
    if (complaint) tx.objectStore('complaints').put(complaint);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const settings = {
  get: (key) => run('settings', 'readonly', (s) => s.get(key)),
  set: (key, value) => run('settings', 'readwrite', (s) => s.put(value, key)),
  remove: (key) => run('settings', 'readwrite', (s) => s.delete(key)),
};

// A stable id of this install, for the city's per-device limits; random, never personal.
export async function deviceId() {
  let id = await settings.get('device_id');
  if (!id) {
    id = `web-${uuid()}`;
    await settings.set('device_id', id);
  }
  return id;
}

// crypto.randomUUID exists only in secure contexts; a city testing over plain HTTP on its LAN
// still gets a random v4 UUID.
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// What every visit asks the server for, asked the moment this module arrives: index.html loads
// it async, so it runs while the page is still parsing and the screens' modules still loading,
// not after them. Opening the console at its home, the queue's first page is asked for with
// the session, so an officer with 200 cases waits for one round trip, taken alongside the rest.

import * as api from './staff.js';

export const FIRST_QUEUE_PAGE = 'queue?page_size=200';

export const city = fetch('/api/v1/city').then((r) => r.json()).catch(() => null);
export const me = api.session().catch(() => null);

// Null when the console opens elsewhere (a case's link, the dashboard); a signed-out or an
// administrator's console asks and never uses the refusal.
const atHome = !(location.hash || '').replace(/^#\/?/, '').split('?')[0];
export const firstQueuePage = atHome ? api.getWithEtag(FIRST_QUEUE_PAGE) : null;
firstQueuePage?.catch(() => {});

// Unit tests of how the app says a due time (web/citizen/js/format.js), with Node's own ICU: no
// browser, no servers.

import assert from 'node:assert/strict';
import test from 'node:test';
import { deadlineOf, dueText } from '../../web/citizen/js/format.js';

const ZONE = 'Asia/Jakarta';
const END = '{day}, akhir hari kerja';

test('a due time at 00:00 is the end of the working day before it', () => {
  // Monday 14 December 2026 00:00 WIB: the end of Friday 11 December.
  assert.equal(dueText('2026-12-13T17:00:00Z', ZONE, [], END), 'Jumat, 11 Desember, akhir hari kerja');
  // Thursday 00:00: the end of Wednesday.
  assert.equal(dueText('2026-12-09T17:00:00Z', ZONE, [], END), 'Rabu, 9 Desember, akhir hari kerja');
});

test('holidays and cuti bersama are skipped back over', () => {
  // Monday 28 December 2026 00:00 WIB, with Christmas (Friday 25) and cuti bersama (Thursday 24)
  // off: the end of Wednesday 23 December.
  assert.equal(dueText('2026-12-27T17:00:00Z', ZONE, ['2026-12-24', '2026-12-25'], END),
    'Rabu, 23 Desember, akhir hari kerja');
});

test('another due time is shown with its hour, in the city\'s zone', () => {
  assert.match(dueText('2026-03-05T02:00:00Z', ZONE, [], END), /^Kamis, 5 Maret (pukul )?09[.:]00$/);
});

const timeline = (...kinds) => kinds.map((kind, i) => ({ kind, at: `2026-03-0${i + 2}T02:00:00Z` }));

test('a reopened complaint is not late by the clock that ran before', () => {
  const reopened = {
    state: 'CASE_STATE_REOPENED', first_response_due_at: '2026-03-05T02:00:00Z',
    timeline: timeline('submitted', 'routed', 'deadline_set', 'resolved', 'reopened'),
  };
  assert.deepEqual(deadlineOf(reopened, Date.parse('2026-04-01T00:00:00Z')),
    { due: '', late: false, stale: true });
  reopened.timeline.push({ kind: 'deadline_set', at: '2026-03-09T02:00:00Z' });
  reopened.first_response_due_at = '2026-03-12T02:00:00Z';
  assert.deepEqual(deadlineOf(reopened, Date.parse('2026-03-10T00:00:00Z')),
    { due: '2026-03-12T02:00:00Z', late: false, stale: false });
  assert.equal(deadlineOf(reopened, Date.parse('2026-03-13T00:00:00Z')).late, true);
});

test('a resolved or closed complaint has no running deadline', () => {
  const resolved = { state: 'CASE_STATE_RESOLVED', first_response_due_at: '2026-03-05T02:00:00Z', timeline: [] };
  assert.equal(deadlineOf(resolved, Date.parse('2026-04-01T00:00:00Z')).late, false);
});

// /readyz's verdict: each kind of trouble makes tend unready and is named in the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readiness } from '../../../src/status/readiness.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';

const ready = setCondition(
  newStatus('Site', 'a', 0),
  { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
  0,
);
const degraded = setCondition(
  setCondition(
    newStatus('Pool', 'p', 0),
    { type: 'Healthy', status: 'False', reason: 'ProbeFailed', message: 'x' },
    0,
  ),
  { type: 'Ready', status: 'False', reason: 'ProbeFailed', message: 'www-data cannot connect' },
  0,
);
const progressing = setCondition(
  newStatus('Program', 'w', 0),
  { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'rolling' },
  0,
);
const base = { started: true, stalled: [], statuses: [ready, progressing] };

test('ready when the pass ran, nothing is stalled or refused, and nothing is Failed or Degraded', () => {
  assert.deepEqual(readiness(base), { ready: true, problems: [] });
  assert.equal(readiness({ ...base, started: false }).ready, false);
});

test('a failed pass, a stalled key, refused deletions and a degraded resource each make it unready', () => {
  const cases = [
    [
      { passError: { code: 'TEND_ERR_STATE_CORRUPT', message: 'inventory.json' } },
      /last pass failed: TEND_ERR_STATE_CORRUPT/,
    ],
    [{ stalled: [{ key: 'Site/b', message: 'b.yaml:3:1: bad' }] }, /1 stalled.*Site\/b: b\.yaml:3:1/],
    [
      { pruneHeld: { reason: 'would delete 50 of 50', keys: ['Site/a'] } },
      /deletions refused \(1\): would delete 50/,
    ],
    [
      { statuses: [ready, degraded] },
      /1 resource\(s\) not serving: Pool\/p Degraded: www-data cannot connect/,
    ],
  ] as const;
  for (const [extra, reason] of cases) {
    const r = readiness({ ...base, ...extra });
    assert.equal(r.ready, false, JSON.stringify(extra));
    assert.match(r.reason ?? '', reason);
  }
});

test('long lists are cut to the first few', () => {
  const stalled = Array.from({ length: 9 }, (_, i) => ({ key: `Site/s${i}`, message: 'bad' }));
  const r = readiness({ ...base, stalled });
  assert.match(r.reason ?? '', /\(and 4 more\)/);
});

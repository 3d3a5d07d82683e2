import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  derivePhase,
  newStatus,
  removeCondition,
  setCondition,
  type Condition,
  type Phase,
} from '../../../src/state/conditions.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = Date.parse('2025-01-01T00:01:00.000Z');
const T2 = Date.parse('2025-01-01T00:02:00.000Z');

test('lastTransitionTime moves only when the status changes', () => {
  let s = newStatus('Site', 'shop', T0);
  s = setCondition(s, { type: 'Ready', status: 'False', reason: 'Applying', message: 'writing vhost' }, T1);
  const first = s.conditions[0]!;
  assert.equal(first.lastTransitionTime, new Date(T1).toISOString());

  s = setCondition(s, { type: 'Ready', status: 'False', reason: 'ProbeFailed', message: '502' }, T2);
  assert.equal(s.conditions.length, 1);
  assert.equal(s.conditions[0]!.reason, 'ProbeFailed');
  assert.equal(s.conditions[0]!.message, '502');
  assert.equal(s.conditions[0]!.lastTransitionTime, new Date(T1).toISOString(), 'same status: no transition');
  assert.equal(s.updatedAt, new Date(T2).toISOString());

  s = setCondition(s, { type: 'Ready', status: 'True', reason: 'Ready', message: 'serving' }, T2);
  assert.equal(s.conditions[0]!.lastTransitionTime, new Date(T2).toISOString());
  assert.equal(s.phase, 'Ready');

  const again = setCondition(
    s,
    { type: 'Ready', status: 'True', reason: 'Ready', message: 'serving' },
    T2 + 1,
  );
  assert.equal(again, s, 'nothing new: the same status, updatedAt untouched');
});

test('setCondition keeps other conditions and does not mutate its input', () => {
  const a = setCondition(
    newStatus('Pool', 'shop', T0),
    { type: 'Applied', status: 'True', reason: 'Applied', message: '' },
    T1,
  );
  const b = setCondition(
    a,
    { type: 'Healthy', status: 'False', reason: 'ProbeFailed', message: 'ping timeout' },
    T2,
  );
  assert.deepEqual(
    a.conditions.map((c) => c.type),
    ['Applied'],
  );
  assert.deepEqual(
    b.conditions.map((c) => c.type),
    ['Applied', 'Healthy'],
  );
  assert.equal(b.phase, 'Degraded');
  assert.equal(removeCondition(b, 'Healthy', T2).phase, 'Pending');
});

const c = (type: string, status: Condition['status'], reason = 'R'): Condition => ({
  type,
  status,
  reason,
  message: '',
  lastTransitionTime: T0,
});

const table: [string, Condition[], Phase][] = [
  ['no conditions', [], 'Pending'],
  ['unknown Ready', [c('Ready', 'Unknown')], 'Pending'],
  ['ready', [c('Ready', 'True'), c('Applied', 'True')], 'Ready'],
  ['ready wins over an old Stalled=False', [c('Stalled', 'False'), c('Ready', 'True')], 'Ready'],
  ['stalled', [c('Ready', 'False'), c('Stalled', 'True', 'ValidationFailed')], 'Failed'],
  ['stalled beats reconciling', [c('Reconciling', 'True'), c('Stalled', 'True')], 'Failed'],
  ['reconciling', [c('Ready', 'False'), c('Reconciling', 'True', 'Applying')], 'Progressing'],
  [
    'reconciling beats a failed apply being retried',
    [c('Applied', 'False'), c('Reconciling', 'True')],
    'Progressing',
  ],
  ['apply failed', [c('Ready', 'False'), c('Applied', 'False', 'ReloadFailed')], 'Failed'],
  ['unhealthy', [c('Ready', 'False'), c('Applied', 'True'), c('Healthy', 'False')], 'Degraded'],
  ['health unknown', [c('Ready', 'False'), c('Applied', 'True'), c('Healthy', 'Unknown')], 'Pending'],
  ['expired', [c('Ready', 'False', 'Expired')], 'Expired'],
  ['deleting', [c('Ready', 'True'), c('Reconciling', 'True', 'Deleting')], 'Deleting'],
];

for (const [name, conditions, phase] of table) {
  test(`derivePhase: ${name} → ${phase}`, () => {
    assert.equal(derivePhase(conditions), phase);
  });
}

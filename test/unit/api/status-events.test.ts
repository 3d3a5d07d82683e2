// statusChangeEvent: a phase or condition change is one event; a status with the same phase and
// conditions (a health number moved) is none; a new pid is one (the dashboard shows it); a removal says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusChangeEvent } from '../../../src/api/status-events.js';
import type { ResourceStatus } from '../../../src/state/conditions.js';

const at = () => new Date('2026-01-01T00:00:00Z');
const status = (phase: ResourceStatus['phase'], message = 'ok', health = {}): ResourceStatus =>
  ({
    key: 'Site/shop',
    kind: 'Site',
    name: 'shop',
    phase,
    conditions: [
      {
        type: 'Ready',
        status: phase === 'Ready' ? 'True' : 'False',
        reason: 'Probe',
        message,
        lastTransitionTime: '',
      },
    ],
    outputs: {},
    health,
    updatedAt: '',
  }) as ResourceStatus;

test('a phase change is a StatusChanged event naming both phases; a failure is a Warning', () => {
  const e = statusChangeEvent('Site/shop', status('Ready'), status('Failed', 'bad domain'), at);
  assert.deepEqual(e, {
    time: '2026-01-01T00:00:00.000Z',
    key: 'Site/shop',
    type: 'Warning',
    reason: 'StatusChanged',
    message: 'Ready → Failed: bad domain',
    phase: 'Failed',
    previousPhase: 'Ready',
  });
});

test('a condition message change is an event; a health-only change is not', () => {
  assert.equal(
    statusChangeEvent('Site/shop', status('Failed', 'a'), status('Failed', 'b'), at)?.message,
    'Failed: conditions changed',
  );
  assert.equal(
    statusChangeEvent('Site/shop', status('Ready', 'ok', { ms: 1 }), status('Ready', 'ok', { ms: 2 }), at),
    undefined,
  );
});

test('a new and a removed resource are events too', () => {
  assert.equal(
    statusChangeEvent('Site/shop', undefined, status('Pending'), at)?.message,
    'absent → Pending: ok',
  );
  assert.equal(statusChangeEvent('Site/shop', status('Ready'), undefined, at)?.phase, 'removed');
});

test('an output change (a restarted Program has a new pid) is an event naming the outputs', () => {
  const withPids = (pids: string): ResourceStatus => ({ ...status('Ready'), outputs: { pids, port: 8080 } });
  assert.equal(
    statusChangeEvent('Program/worker', withPids('101'), withPids('202'), at)?.message,
    'Ready: outputs changed (pids)',
  );
  assert.equal(statusChangeEvent('Program/worker', withPids('101'), withPids('101'), at), undefined);
  const noPort = { ...withPids('101'), outputs: { pids: '101' } };
  assert.equal(
    statusChangeEvent('Program/worker', withPids('101'), noPort, at)?.message,
    'Ready: outputs changed (port)',
  );
});

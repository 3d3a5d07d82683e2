// holdPlan: a suspended key's changes (deletes included) are held and reported as drift; a paused
// daemon holds everything; the rest of the plan is applied with its summary recounted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { holdPlan } from '../../../src/controls/hold-plan.js';
import type { Change, Plan } from '../../../src/plan/types.js';

const change = (key: string, action: Change['action'], reason: string): Change => {
  const [kind, name] = key.split('/') as [Change['kind'], string];
  return { key: key as Change['key'], kind, name, action, reason, ops: [], services: [] };
};
const plan: Plan = {
  formatVersion: 1,
  changes: [
    change('Site/a', 'update', 'drift: /x/a.conf was edited by hand'),
    change('Site/b', 'create', 'not on the host'),
    change('Pool/c', 'delete', 'removed from the desired state'),
    change('Site/d', 'no-op', 'in sync'),
  ],
  summary: { create: 1, update: 1, delete: 1, noop: 1, blocked: 0 },
};

test('a suspended key is neither applied nor pruned; its drift is reported', () => {
  const held = holdPlan(plan, { paused: false, suspended: new Set(['Site/a', 'Pool/c', 'Site/d']) });
  assert.deepEqual(
    held.apply.changes.map((c) => c.key),
    ['Site/b'],
  );
  assert.deepEqual(held.apply.summary, { create: 1, update: 0, delete: 0, noop: 0, blocked: 0 });
  assert.deepEqual(held.drift.get('Site/a'), ['update: drift: /x/a.conf was edited by hand']);
  assert.deepEqual(held.drift.get('Pool/c'), ['delete: removed from the desired state']);
  assert.equal(held.drift.has('Site/d'), false, 'in sync is no drift');
});

test('paused: nothing is applied; nothing held leaves the plan as it is', () => {
  const paused = holdPlan(plan, { paused: true, suspended: new Set() });
  assert.deepEqual(paused.apply.changes, []);
  assert.equal(paused.drift.size, 3);
  const free = holdPlan(plan, { paused: false, suspended: new Set() });
  assert.equal(free.apply, plan);
});

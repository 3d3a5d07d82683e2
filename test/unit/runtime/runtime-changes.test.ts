// The runtime stage's changes: the plan's steps for one kind plus the drift observation finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeChanges } from '../../../src/runtime/runtime-changes.js';
import type { Terminal } from '../../../src/model/index.js';
import type { Change } from '../../../src/plan/types.js';

const terminal = (name: string) =>
  ({ kind: 'Terminal', metadata: { name }, spec: {} }) as unknown as Terminal;
const step = (name: string, action: Change['action'], extra: Partial<Change> = {}): Change => ({
  key: `Terminal/${name}`,
  kind: 'Terminal',
  name,
  action,
  reason: 'test',
  ops: [],
  services: [],
  ...extra,
});

test('planned steps, drift and strays become one change each, deletions first', () => {
  const desired = new Map([
    ['new', terminal('new')],
    ['edited', terminal('edited')],
    ['crashed', terminal('crashed')],
    ['fine', terminal('fine')],
    ['lost', terminal('lost')],
  ]);
  const changes = runtimeChanges({
    kind: 'Terminal',
    desired,
    present: new Set(['edited', 'crashed', 'fine', 'gone', 'stray']),
    drifted: new Set(['crashed']),
    planned: [
      step('new', 'create'),
      step('edited', 'update'),
      step('fine', 'no-op'),
      step('gone', 'delete'),
      // Another kind's step and a blocked step are not this driver's to act on.
      { ...step('x', 'create'), key: 'Program/x', kind: 'Program' },
    ],
  });
  assert.deepEqual(
    changes.map((c) => [c.key, c.action, c.source]),
    [
      ['Terminal/gone', 'delete', 'planned'],
      ['Terminal/stray', 'delete', 'drift'],
      ['Terminal/new', 'create', 'planned'],
      ['Terminal/edited', 'update', 'planned'],
      ['Terminal/crashed', 'update', 'drift'],
      // Desired, in the inventory (no step), but not running (a tend restart): started again.
      ['Terminal/lost', 'create', 'drift'],
    ],
  );
  assert.equal(changes.find((c) => c.key === 'Terminal/new')?.resource, desired.get('new'));
  assert.equal(changes.find((c) => c.key === 'Terminal/gone')?.resource, undefined);
});

test("a blocked step is not acted on, and the plan's runtime diff rides along", () => {
  const runtime = { fields: [], restart: 'rolling' as const, summary: 'rolls' };
  const changes = runtimeChanges({
    kind: 'Terminal',
    desired: new Map([
      ['a', terminal('a')],
      ['b', terminal('b')],
    ]),
    present: new Set(['a', 'b']),
    drifted: new Set(),
    planned: [
      step('a', 'update', { runtime }),
      step('b', 'update', { blocked: { code: 'TEND_ERR_NOT_OWNED', message: 'no' } }),
    ],
  });
  assert.deepEqual(
    changes.map((c) => c.key),
    ['Terminal/a'],
  );
  assert.equal(changes[0]!.runtime, runtime);
});

test('nothing planned and nothing drifted: no change at all', () => {
  const changes = runtimeChanges({
    kind: 'Terminal',
    desired: new Map([['a', terminal('a')]]),
    present: new Set(['a']),
    drifted: new Set(),
    planned: [step('a', 'no-op')],
  });
  assert.deepEqual(changes, []);
});

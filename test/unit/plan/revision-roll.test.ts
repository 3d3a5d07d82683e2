// A `restartOn: revision` Program's plan at a new revision (issue 11 item 5, issue 16 item 1): its
// spec is the same, but what runs is not, so the plan names the graceful one-at-a-time roll.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planResource } from '../../../src/plan/resource-change.js';
import { runtimeFieldsOf } from '../../../src/plan/runtime-change.js';
import { withRevision } from '../../../src/supervisor/restart-on.js';
import { formatPlanText } from '../../../src/plan/format-text.js';
import { planToJson } from '../../../src/plan/format-json.js';
import { planJsonSchema } from '../../../src/plan/plan-json-schema.js';
import { summarize } from '../../../src/plan/plan.js';
import type { Program } from '../../../src/model/index.js';
import type { Rendered } from '../../../src/render/types.js';
import type { InventoryEntry, Observed } from '../../../src/plan/types.js';

const worker = (restartOn?: 'revision') =>
  ({
    apiVersion: 'tend/v1',
    kind: 'Program',
    metadata: { name: 'worker' },
    spec: {
      command: ['php', 'artisan', 'queue:work'],
      instances: 3,
      env: {},
      backend: 'native',
      ...(restartOn ? { restartOn } : {}),
    },
  }) as unknown as Program;

const observed: Observed = { files: new Map(), links: new Map(), phpVersions: [] };
const rendered = (p: Program, revision?: string): Rendered => ({
  key: 'Program/worker',
  files: [],
  links: [],
  outputs: {},
  runtime: runtimeFieldsOf(withRevision([p], revision)[0]!)!,
});
const entry = (runtime: Record<string, string> | undefined): InventoryEntry => ({
  kind: 'Program',
  name: 'worker',
  generation: 'g1',
  files: [],
  links: [],
  services: [],
  appliedAt: '2026-01-01T00:00:00.000Z',
  ...(runtime ? { runtime } : {}),
});
const REV_A = 'a'.repeat(40);
const REV_B = 'b'.repeat(40);

test('restartOn: revision at a new revision: an update whose instances roll one at a time', () => {
  const p = worker('revision');
  const change = planResource(rendered(p, REV_B), {
    generation: 'g1',
    adopt: false,
    observed,
    entry: entry(rendered(p, REV_A).runtime),
  });
  assert.equal(change.action, 'update');
  assert.equal(change.reason, 'the revision changed (restartOn: revision)');
  assert.equal(change.runtime?.restart, 'rolling');
  assert.deepEqual(change.runtime?.fields, [
    { field: 'spec.env.TEND_REVISION', before: JSON.stringify(REV_A), after: JSON.stringify(REV_B) },
  ]);
  // The executor records the new fields, so the next plan at the same revision is in sync.
  assert.equal(change.owns?.runtime?.['spec.env.TEND_REVISION'], JSON.stringify(REV_B));

  const plan = { formatVersion: 1 as const, changes: [change], summary: summarize([change]) };
  const text = formatPlanText(plan);
  assert.match(
    text,
    /^ {2}~ Program\/worker will be updated \(the revision changed \(restartOn: revision\)\)$/m,
  );
  assert.match(text, /^ {6}~ spec\.env\.TEND_REVISION: "a+" -> "b+"$/m);
  assert.match(
    text,
    /^ {6}instances: instances restart one at a time \(rolling, restartOn: revision: the revision changed\), each once the one before is ready$/m,
  );
  const json = planJsonSchema.parse(planToJson(plan));
  assert.equal(json.changes[0]!.runtime?.restart, 'rolling');
  assert.deepEqual(json.changes[0]!.actions, ['update']);
});

test('the same revision, or a Program without restartOn, is in sync when the revision moves', () => {
  const p = worker('revision');
  const same = planResource(rendered(p, REV_A), {
    generation: 'g1',
    adopt: false,
    observed,
    entry: entry(rendered(p, REV_A).runtime),
  });
  assert.equal(same.action, 'no-op');
  assert.equal(same.runtime, undefined);
  const plain = worker();
  const moved = planResource(rendered(plain, REV_B), {
    generation: 'g1',
    adopt: false,
    observed,
    entry: entry(rendered(plain, REV_A).runtime),
  });
  assert.equal(moved.action, 'no-op', 'without restartOn a new revision restarts nothing');
});

test('an entry recorded without the revision (an older tend) says unknown rather than guess', () => {
  const p = worker('revision');
  const change = planResource(rendered(p, REV_B), {
    generation: 'g1',
    adopt: false,
    observed,
    entry: entry(runtimeFieldsOf(p)),
  });
  assert.equal(change.action, 'update');
  assert.equal(change.runtime?.restart, 'unknown');
  assert.match(change.runtime!.summary, /not recorded \(an older tend\)/);
});

test('a spec change at a new revision is the ordinary roll, listing both fields', () => {
  const p = worker('revision');
  const changed = {
    ...p,
    spec: { ...p.spec, command: ['php', 'artisan', 'queue:work', '--tries=3'] },
  } as Program;
  const change = planResource(rendered(changed, REV_B), {
    generation: 'g2',
    adopt: false,
    observed,
    entry: entry(rendered(p, REV_A).runtime),
  });
  assert.equal(change.action, 'update');
  assert.equal(change.reason, 'spec changed');
  assert.equal(change.runtime?.restart, 'rolling');
  assert.deepEqual(
    change.runtime?.fields.map((f) => f.field),
    ['spec.command', 'spec.env.TEND_REVISION'],
  );
});

// A daemon plans the same 2,000 resources every resync; what a Rendered owns and its in-sync change
// are kept per Rendered (the render memo hands back the same one while its inputs hold). Reused, they
// must still answer exactly as computing them afresh would, and be safe to share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, type Change } from '../../../src/plan/index.js';
import { ownedBy } from '../../../src/plan/resource-change.js';
import { EMPTY_INVENTORY, input, inventoryFrom, observedFrom, rendered } from './fixtures.js';

const find = (changes: readonly Change[], key: string) => changes.find((c) => c.key === key)!;

test('an unchanged Rendered in sync gets the same change object at every resync, and it cannot be changed', () => {
  const rs = [rendered('Site/a'), rendered('Pool/a')];
  const first = plan(input(rs, observedFrom(rs), inventoryFrom(rs)));
  const second = plan(input(rs, observedFrom(rs), inventoryFrom(rs)));
  for (const key of ['Site/a', 'Pool/a']) {
    const a = find(first.changes, key);
    assert.equal(a.action, 'no-op');
    assert.equal(find(second.changes, key), a, `${key}: one object for both resyncs`);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.ops) && Object.isFrozen(a.services));
    assert.throws(() => (a.ops as unknown[]).push('x'), TypeError);
  }
});

test('the reused in-sync change gives way to the truth: drift, a new generation, a missing entry', () => {
  const rs = [rendered('Pool/a')];
  const inSync = find(plan(input(rs, observedFrom(rs), inventoryFrom(rs))).changes, 'Pool/a');
  assert.equal(inSync.action, 'no-op');

  const edited = observedFrom([rendered('Pool/a', 'edited by hand')]);
  const drift = find(plan(input(rs, edited, inventoryFrom(rs))).changes, 'Pool/a');
  assert.equal(drift.action, 'update');
  assert.match(drift.reason, /edited by hand/);

  const respec = find(
    plan(
      input(
        rs,
        observedFrom(rs),
        inventoryFrom(rs, () => 'old'),
      ),
    ).changes,
    'Pool/a',
  );
  assert.equal(respec.action, 'update');
  assert.equal(respec.reason, 'spec changed');

  const gone = find(plan(input(rs, observedFrom([]), EMPTY_INVENTORY)).changes, 'Pool/a');
  assert.equal(gone.action, 'create');

  // In sync again: the same object as before, not one made of the failed looks in between.
  assert.equal(find(plan(input(rs, observedFrom(rs), inventoryFrom(rs))).changes, 'Pool/a'), inSync);
});

test('a new generation of the same Rendered is never answered with the old in-sync change', () => {
  const rs = [rendered('Site/a')];
  const g1 = find(plan(input(rs, observedFrom(rs), inventoryFrom(rs))).changes, 'Site/a');
  const at2 = input(
    rs,
    observedFrom(rs),
    inventoryFrom(rs, () => 'g2'),
    {
      generations: new Map([['Site/a', 'g2']]),
    },
  );
  const g2 = find(plan(at2).changes, 'Site/a');
  assert.equal(g2.action, 'no-op');
  assert.equal(g2.generation, 'g2');
  assert.notEqual(g2, g1);
});

test("what a Rendered owns is computed once, frozen, and equal to a fresh Rendered's", () => {
  const r = rendered('Site/a', 'v1', ['s3cret']);
  const owns = ownedBy(r);
  assert.equal(ownedBy(r), owns);
  assert.deepEqual(ownedBy({ ...r }), owns);
  assert.ok(Object.isFrozen(owns) && Object.isFrozen(owns.files) && Object.isFrozen(owns.services));
  assert.deepEqual(
    owns.files,
    r.files.map((f) => f.path),
  );
});

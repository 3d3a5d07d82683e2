import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../../src/plan/index.js';
import type { ResourceKey } from '../../../src/model/index.js';
import { input, inventoryFrom, observedFrom, rendered } from './fixtures.js';

const many = (n: number) => Array.from({ length: n }, (_, i) => rendered(`Site/s${i}` as ResourceKey));
const deletes = (p: ReturnType<typeof plan>) =>
  p.changes.filter((c) => c.action === 'delete').map((c) => c.key);

test('a source file that failed to load holds every deletion, naming the keys held', () => {
  const all = many(4);
  const p = plan(
    input(all.slice(0, 3), observedFrom(all), inventoryFrom(all), {
      load: { unknownFiles: ['/d/broken.yaml'], unknownKeys: [], invalidKeys: [] },
    }),
  );
  assert.deepEqual(deletes(p), []);
  assert.deepEqual(p.pruneHeld?.keys, ['Site/s3']);
  assert.match(p.pruneHeld!.reason, /1 source file failed to load/);
  assert.equal(p.pruneHeld!.code, undefined);
  assert.equal(p.summary.noop, 3, 'the clean resources are still planned');
});

test('an invalid resource is never updated or deleted, and holds the other deletions', () => {
  const all = many(5);
  const p = plan(
    input(all.slice(0, 3), observedFrom(all), inventoryFrom(all), {
      load: { unknownFiles: [], unknownKeys: [], invalidKeys: ['Site/s4'] },
    }),
  );
  assert.deepEqual(deletes(p), []);
  assert.deepEqual(p.pruneHeld?.keys, ['Site/s3']);
  assert.match(p.pruneHeld!.reason, /1 resource is invalid/);
  assert.ok(!p.changes.some((c) => c.key === 'Site/s4'));
});

test('an invalid key is skipped even if it was rendered', () => {
  const all = many(2);
  const p = plan(
    input(all, observedFrom([]), inventoryFrom([]), {
      load: { unknownFiles: [], unknownKeys: ['Site/s1'], invalidKeys: [] },
    }),
  );
  assert.deepEqual(
    p.changes.map((c) => c.key),
    ['Site/s0'],
  );
});

test('never deletes what is not in the inventory, even if tend-managed files are on the host', () => {
  const stray = rendered('Site/stray');
  const all = many(3);
  const p = plan(input(all, observedFrom([...all, stray]), inventoryFrom(all)));
  assert.deepEqual(deletes(p), []);
  assert.equal(p.pruneHeld, undefined);
});

test('deleting more than half of the managed resources is refused unless allowed', () => {
  const all = many(10);
  const keep4 = plan(input(all.slice(0, 4), observedFrom(all), inventoryFrom(all)));
  assert.deepEqual(deletes(keep4), []);
  assert.equal(keep4.pruneHeld?.code, 'TEND_ERR_MASS_DELETE');
  assert.equal(keep4.pruneHeld?.keys.length, 6);
  assert.match(keep4.pruneHeld!.reason, /6 of 10 managed resources \(more than 50%\)/);

  const keep5 = plan(input(all.slice(0, 5), observedFrom(all), inventoryFrom(all)));
  assert.equal(deletes(keep5).length, 5, 'exactly half is within the default share');

  const allowed = plan(
    input(all.slice(0, 4), observedFrom(all), inventoryFrom(all), { options: { allowMassDelete: true } }),
  );
  assert.equal(deletes(allowed).length, 6);
  assert.equal(allowed.pruneHeld, undefined);

  const strict = plan(
    input(all.slice(0, 8), observedFrom(all), inventoryFrom(all), { options: { massDeleteShare: 0.1 } }),
  );
  assert.equal(strict.pruneHeld?.code, 'TEND_ERR_MASS_DELETE');
});

test('an empty desired state never deletes everything unless allowed', () => {
  const all = many(2);
  const p = plan(input([], observedFrom(all), inventoryFrom(all)));
  assert.deepEqual(deletes(p), []);
  assert.match(p.pruneHeld!.reason, /every resource tend manages \(2\)/);
  const one = plan(input([], observedFrom(all.slice(0, 1)), inventoryFrom(all.slice(0, 1))));
  assert.equal(one.pruneHeld?.code, 'TEND_ERR_MASS_DELETE', 'the last resource too');
  const replaced = plan(
    input([rendered('Site/new')], observedFrom(all.slice(0, 1)), inventoryFrom(all.slice(0, 1))),
  );
  assert.deepEqual(deletes(replaced), ['Site/s0'], 'replacing the only resource is not a mass deletion');
});

test('--only deletes just that key', () => {
  const all = many(6);
  const p = plan(
    input(all.slice(0, 4), observedFrom(all), inventoryFrom(all), { options: { only: 'Site/s5' } }),
  );
  assert.deepEqual(deletes(p), ['Site/s5']);
  assert.equal(p.changes.length, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reconcileCommand } from '../../../src/cli/reconcile.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost } from '../../../src/host/index.js';
import type { InventoryEntry } from '../../../src/plan/types.js';
import { forget, loadInventory, recordApplied, saveInventory } from '../../../src/state/inventory-store.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

const entry = (name: string): InventoryEntry => ({
  kind: 'Site',
  name,
  generation: `gen-${name}`,
  files: [`/srv/nginx/sites/${name}.conf`],
  links: [],
  services: ['nginx'],
  appliedAt: '2025-01-01T00:00:00.000Z',
});

test('a missing inventory is empty (first run)', async (t) => {
  const dir = tempDir(t);
  assert.deepEqual(await loadInventory(host, join(dir, 'state')), { version: 1, resources: {} });
});

test('inventory round-trips through the file, with recordApplied and forget', async (t) => {
  const dir = tempDir(t);
  let inv = recordApplied(await loadInventory(host, dir), entry('shop'));
  inv = recordApplied(inv, entry('blog'));
  inv = recordApplied(inv, { ...entry('blog'), generation: 'newer' });
  await saveInventory(host, dir, inv);
  const loaded = await loadInventory(host, dir);
  assert.deepEqual(Object.keys(loaded.resources), ['Site/blog', 'Site/shop']);
  assert.equal(loaded.resources['Site/blog']?.generation, 'newer');
  assert.deepEqual(loaded.resources['Site/shop'], entry('shop'));

  const without = forget(loaded, 'Site/shop');
  assert.deepEqual(Object.keys(without.resources), ['Site/blog']);
  assert.deepEqual(Object.keys(loaded.resources), ['Site/blog', 'Site/shop'], 'forget does not mutate');
  await saveInventory(host, dir, without);
  assert.deepEqual(Object.keys((await loadInventory(host, dir)).resources), ['Site/blog']);
});

test('loads share the last inventory: each gets its own map, and entries cannot be changed', async (t) => {
  const dir = tempDir(t);
  await saveInventory(host, dir, recordApplied(await loadInventory(host, dir), entry('shop')));
  const a = await loadInventory(host, dir);
  const b = await loadInventory(host, dir);
  delete a.resources['Site/shop'];
  assert.deepEqual(Object.keys(b.resources), ['Site/shop'], 'removing from one load leaves the other');
  assert.deepEqual(Object.keys((await loadInventory(host, dir)).resources), ['Site/shop']);
  assert.throws(() => {
    (b.resources['Site/shop'] as { generation: string }).generation = 'edited';
  }, TypeError);

  // A file changed behind tend's back is validated again, never answered from memory.
  writeFileSync(join(dir, 'inventory.json'), '{"version":1,"resources":{"Site/x":{}}}');
  await assert.rejects(loadInventory(host, dir), (err: unknown) =>
    isTendError(err, 'TEND_ERR_STATE_CORRUPT'),
  );
});

for (const [label, bytes] of [
  ['truncated JSON', '{"version":1,"resources":{"Site/sh'],
  ['wrong shape', JSON.stringify({ version: 1, resources: { 'Site/shop': { kind: 'Site' } } })],
  [
    'key that disagrees with its entry',
    JSON.stringify({ version: 1, resources: { 'Site/other': entry('shop') } }),
  ],
] as const) {
  test(`a corrupt inventory (${label}) is an error, never an empty inventory`, async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'inventory.json');
    writeFileSync(path, bytes);
    await assert.rejects(loadInventory(host, dir), (err: unknown) => {
      assert.ok(isTendError(err, 'TEND_ERR_STATE_CORRUPT'));
      assert.match(err.message, /inventory\.json is corrupt/);
      assert.match(err.message, /inventory\.json\.corrupt-/);
      return true;
    });
    const copies = readdirSync(dir).filter((n) => n.startsWith('inventory.json.corrupt-'));
    assert.equal(copies.length, 1);
    assert.equal(readFileSync(join(dir, copies[0]!), 'utf8'), bytes);
    // The original stays, so the next run refuses too instead of forgetting what tend owns.
    assert.equal(readFileSync(path, 'utf8'), bytes);
    await assert.rejects(loadInventory(host, dir));
    const after = readdirSync(dir).filter((n) => n.startsWith('inventory.json.corrupt-'));
    assert.equal(after.length, 1, 'the same corrupt bytes are kept once');
  });
}

test('read-only: a corrupt inventory is the same error, and nothing is written', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'inventory.json'), '{"version":1,');
  await assert.rejects(loadInventory(host, dir, { readOnly: true }), (err: unknown) => {
    assert.ok(isTendError(err, 'TEND_ERR_STATE_CORRUPT'));
    assert.match(err.message, /inventory\.json is corrupt .*repair the file/);
    assert.doesNotMatch(err.message, /kept at/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['inventory.json']);
});

test('tend reconcile --plan on a corrupt inventory exits 1 and leaves the state dir untouched', async (t) => {
  const base = tempDir(t);
  const stateDir = join(base, '.tend', 'state');
  mkdirSync(join(base, 'desired-state'));
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, 'inventory.json'), 'not json');
  const err: string[] = [];
  const io = {
    stdout: () => undefined,
    stderr: (s: string) => void err.push(s),
    cwd: base,
    env: {},
    isTTY: false,
  };
  assert.equal(await reconcileCommand(['--plan'], io), 1);
  assert.match(err.join(''), /TEND_ERR_STATE_CORRUPT/);
  assert.deepEqual(readdirSync(stateDir), ['inventory.json']);
});

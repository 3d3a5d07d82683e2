import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoverInterruptedApply } from '../../../src/apply/recover.js';
import type { ServiceDriver } from '../../../src/drivers/service.js';
import { createRealHost } from '../../../src/host/index.js';
import type { Inventory } from '../../../src/plan/types.js';
import { fileJournal } from '../../../src/state/journal.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

function fakeNginx(calls: string[]): ServiceDriver {
  return {
    id: 'nginx',
    ensureRunning: async () => void calls.push('ensureRunning'),
    validate: async () => (calls.push('validate'), { ok: true, message: 'ok', failingFiles: [] }),
    reload: async () => (calls.push('reload'), { method: 'HUP', durationMs: 1 }),
    isRunning: async () => true,
    stop: async () => undefined,
  };
}

test('recovery undoes unvalidated writes, records validated ones, and reloads once', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.conf');
  const b = join(dir, 'b.conf');
  writeFileSync(b, 'previous b');
  const journal = fileJournal(host, dir);
  const base = {
    kind: 'Site' as const,
    action: 'create' as const,
    generation: 'g',
    services: ['nginx' as const],
    links: [],
  };
  await journal.begin([
    { ...base, key: 'Site/a', name: 'a', files: [a], before: [{ path: a, kind: 'absent' }], done: false },
    {
      ...base,
      key: 'Site/b',
      name: 'b',
      action: 'update',
      files: [b],
      before: [{ path: b, kind: 'file', content: 'previous b', mode: 0o644 }],
      done: false,
    },
  ]);
  writeFileSync(a, 'new a');
  writeFileSync(b, 'new b, never validated');
  await journal.markDone(['Site/a']);
  // ...SIGKILL here: Site/a passed validation, Site/b did not.

  let inventory: Inventory = { version: 1, resources: {} };
  const calls: string[] = [];
  const report = await recoverInterruptedApply({
    host,
    journal: fileJournal(host, dir),
    services: () => fakeNginx(calls),
    loadInventory: async () => inventory,
    saveInventory: async (inv) => void (inventory = inv),
  });
  assert.deepEqual(report?.undone, ['Site/b']);
  assert.deepEqual(report?.recorded, ['Site/a']);
  assert.equal(readFileSync(a, 'utf8'), 'new a');
  assert.equal(readFileSync(b, 'utf8'), 'previous b');
  assert.deepEqual(Object.keys(inventory.resources), ['Site/a']);
  assert.deepEqual(calls, ['validate', 'reload']);
  assert.equal(existsSync(join(dir, 'journal.json')), false);
  assert.equal(
    await recoverInterruptedApply({
      host,
      journal: fileJournal(host, dir),
      services: () => fakeNginx(calls),
      loadInventory: async () => inventory,
      saveInventory: async () => undefined,
    }),
    undefined,
  );
});

test('a service that cannot reload or start is reported, never thrown, and the journal is closed', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.conf');
  const journal = fileJournal(host, dir);
  await journal.begin([
    {
      key: 'Site/a',
      name: 'a',
      kind: 'Site',
      action: 'create',
      generation: 'g',
      services: ['nginx', 'php-fpm@8.2'],
      files: [a],
      links: [],
      before: [{ path: a, kind: 'absent' }],
      done: false,
    },
  ]);
  writeFileSync(a, 'new a');
  await journal.markDone(['Site/a']);
  // ...the reload failed: the executor left the journal open.
  const calls: string[] = [];
  const broken: ServiceDriver = {
    ...fakeNginx(calls),
    isRunning: async () => false,
    ensureRunning: async () => {
      throw new Error('bind() to 127.0.0.1:8080 failed (98: Address already in use)');
    },
  };
  const invalid: ServiceDriver = {
    ...fakeNginx(calls),
    id: 'php-fpm@8.2',
    validate: async () => ({ ok: false, message: 'bad pool', failingFiles: [] }),
  };
  let inventory: Inventory = { version: 1, resources: {} };
  const report = await recoverInterruptedApply({
    host,
    journal: fileJournal(host, dir),
    services: (id) => (id === 'nginx' ? broken : invalid),
    loadInventory: async () => inventory,
    saveInventory: async (inv) => void (inventory = inv),
  });
  assert.deepEqual(report?.reloaded, []);
  assert.match(report?.unfinished.get('nginx') ?? '', /Address already in use/);
  assert.match(report?.unfinished.get('php-fpm@8.2') ?? '', /does not validate: bad pool/);
  assert.deepEqual(Object.keys(inventory.resources), ['Site/a'], 'what passed validation is recorded');
  assert.equal(
    existsSync(join(dir, 'journal.json')),
    false,
    'the next pass plans instead of recovering again',
  );
});

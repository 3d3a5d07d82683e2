import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost } from '../../../src/host/index.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
const T = Date.parse('2025-03-01T10:00:00.000Z');

test('status survives a restart: put, save, load in a new store', async (t) => {
  const dir = tempDir(t);
  const store = await StatusStore.load(host, dir);
  assert.equal(store.isDirty, false);
  const ready = setCondition(
    newStatus('Site', 'shop', T),
    { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
    T,
  );
  store.put({ ...ready, outputs: { url: 'http://shop.test:8080/' }, observedGeneration: 'abc' });
  store.put(
    setCondition(
      newStatus('Pool', 'shop', T),
      { type: 'Stalled', status: 'True', reason: 'ValidationFailed', message: 'bad' },
      T,
    ),
  );
  store.put(newStatus('Program', 'worker', T));
  assert.equal(store.isDirty, true);
  await store.save();
  assert.equal(store.isDirty, false);

  const again = await StatusStore.load(host, dir);
  assert.deepEqual(
    again.list().map((s) => s.key),
    ['Pool/shop', 'Program/worker', 'Site/shop'],
  );
  assert.deepEqual(again.get('Site/shop'), store.get('Site/shop'));
  assert.deepEqual(
    again.list({ phase: 'Failed' }).map((s) => s.key),
    ['Pool/shop'],
  );
  assert.deepEqual(
    again.list({ kind: 'Site' }).map((s) => s.key),
    ['Site/shop'],
  );
  assert.deepEqual(again.list({ kind: 'Site', phase: 'Failed' }), []);

  assert.equal(again.remove('Program/worker'), true);
  assert.equal(again.remove('Program/worker'), false);
  await Promise.all([again.save(), again.save()]);
  assert.deepEqual(
    (await StatusStore.load(host, dir)).list().map((s) => s.key),
    ['Pool/shop', 'Site/shop'],
  );
});

test('save without changes does not create the file', async (t) => {
  const dir = tempDir(t);
  await (await StatusStore.load(host, dir)).save();
  assert.equal(existsSync(join(dir, 'status.json')), false);
});

test('a corrupt status file throws for readers and is reset (with a copy) for the controller', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'status.json'), '{"version":1,"resources":{"Site/x":{"phase":"Sleeping"}}}');
  await assert.rejects(StatusStore.load(host, dir), (err: unknown) =>
    isTendError(err, 'TEND_ERR_STATE_CORRUPT'),
  );
  const store = await StatusStore.load(host, dir, { onCorrupt: 'reset' });
  assert.deepEqual(store.list(), []);
  assert.match(store.loadWarning ?? '', /status\.json is corrupt/);
  await store.save();
  assert.deepEqual((await StatusStore.load(host, dir)).list(), []);
  assert.equal(readdirSync(dir).filter((n) => n.startsWith('status.json.corrupt-')).length, 1);
});

test('a save whose statuses differ only in updatedAt does not rewrite the file', async (t) => {
  const dir = tempDir(t);
  const store = await StatusStore.load(host, dir);
  const same = { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' } as const;
  store.put(setCondition(newStatus('Site', 'shop', 1_000), same, 2_000));
  await store.save();
  const file = join(dir, 'status.json');
  const written = readFileSync(file, 'utf8');
  // What every resync does: the same facts again, later.
  store.put(setCondition(store.get('Site/shop')!, same, 9_000));
  await store.save();
  assert.equal(readFileSync(file, 'utf8'), written, 'same facts: not rewritten');
  // A fresh store (a restart) knows what its file holds, too.
  const again = await StatusStore.load(host, dir);
  again.put(setCondition(again.get('Site/shop')!, same, 12_000));
  await again.save();
  assert.equal(readFileSync(file, 'utf8'), written);
  again.put(
    setCondition(again.get('Site/shop')!, { ...same, status: 'False', reason: 'ProbeFailed' }, 13_000),
  );
  await again.save();
  assert.match(readFileSync(file, 'utf8'), /ProbeFailed/, 'a changed fact is written');
});

test('a status rebuilt with the same facts keeps the stored one, updatedAt included', async (t) => {
  const store = await StatusStore.load(host, tempDir(t));
  const ready = { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' } as const;
  const first = { ...setCondition(newStatus('Site', 'shop', 1_000), ready, 2_000), outputs: { url: 'u' } };
  store.put(first);
  await store.save();
  // A resync rebuilds the status as new objects with a later updatedAt.
  store.put({ ...structuredClone(first), updatedAt: new Date(9_000).toISOString() });
  assert.equal(store.isDirty, false);
  assert.equal(store.get('Site/shop'), first, 'the status as it last changed');
  store.put({ ...first, outputs: { url: 'v' }, updatedAt: new Date(10_000).toISOString() });
  assert.equal(store.isDirty, true, 'an output is a fact');
  assert.equal(store.get('Site/shop')!.outputs.url, 'v');
});

test('saveSoon folds a burst of changes into one write; save() takes over a pending one', async (t) => {
  const dir = tempDir(t);
  let writes = 0;
  const counting = {
    ...host,
    fs: {
      ...host.fs,
      writeFileAtomic: (...args: Parameters<typeof host.fs.writeFileAtomic>) => {
        writes++;
        return host.fs.writeFileAtomic(...args);
      },
    },
  };
  const store = await StatusStore.load(counting, dir);
  const file = join(dir, 'status.json');
  for (let i = 0; i < 50; i++) {
    store.put(
      setCondition(
        newStatus('Program', `p${i}`, T),
        { type: 'Ready', status: 'True', reason: 'Running', message: `pid ${i}` },
        T,
      ),
    );
    store.saveSoon(100);
  }
  assert.equal(existsSync(file), false, 'nothing written during the burst');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(writes, 1);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { resources: Record<string, unknown> };
  assert.equal(Object.keys(saved.resources).length, 50);

  store.put(
    setCondition(
      newStatus('Program', 'late', T),
      { type: 'Ready', status: 'False', reason: 'Exited', message: 'exit 1' },
      T,
    ),
  );
  store.saveSoon(60_000);
  await store.save();
  assert.equal(writes, 2, 'save() wrote the pending change at once');
  assert.match(readFileSync(file, 'utf8'), /exit 1/);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(writes, 2, 'and the pending timer is gone');
});

test('put sees any changed fact: an added field, a removed one, a longer list, a nested value', async (t) => {
  const store = await StatusStore.load(host, tempDir(t));
  const ready = { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' } as const;
  const base = { ...setCondition(newStatus('Site', 'shop', T), ready, T), outputs: { url: 'u' } };
  store.put(base);
  await store.save();
  const variants = [
    { ...base, lastError: { code: 'E', message: 'm', at: base.updatedAt } },
    { ...base, outputs: {} },
    { ...base, conditions: [...base.conditions, { ...base.conditions[0]!, type: 'Healthy' }] },
    { ...base, outputs: { url: 'v' } },
  ];
  for (const v of variants) {
    store.put(base);
    await store.save();
    store.put({ ...v, updatedAt: base.updatedAt });
    assert.equal(store.isDirty, true, JSON.stringify(v));
  }
  store.put({ ...base, updatedAt: new Date(T + 5_000).toISOString() });
  await store.save();
  store.put({ ...base });
  assert.equal(store.isDirty, false, 'the same facts again: nothing to save');
});

test('list() stays sorted by key and current as keys come, change and go between calls', async (t) => {
  const store = await StatusStore.load(host, tempDir(t));
  const keys = () => store.list().map((s) => s.key);
  store.put(newStatus('Site', 'b', T));
  store.put(newStatus('Pool', 'z', T));
  assert.deepEqual(keys(), ['Pool/z', 'Site/b']);
  store.put(newStatus('Site', 'a', T));
  store.put(newStatus('Job', 'n', T));
  assert.deepEqual(keys(), ['Job/n', 'Pool/z', 'Site/a', 'Site/b']);
  const ready = setCondition(
    newStatus('Site', 'b', T),
    { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
    T,
  );
  store.put(ready);
  assert.equal(
    store.list().find((s) => s.key === 'Site/b'),
    ready,
    'an update is listed, not the old status',
  );
  assert.deepEqual(
    store.list({ phase: ready.phase }).map((s) => s.key),
    ['Site/b'],
  );
  assert.equal(store.remove('Pool/z'), true);
  assert.deepEqual(keys(), ['Job/n', 'Site/a', 'Site/b']);
  assert.deepEqual(
    store.list({ kind: 'Site' }).map((s) => s.key),
    ['Site/a', 'Site/b'],
  );
});

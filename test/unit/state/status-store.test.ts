import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
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

test('a status that differs only in updatedAt is no change: the file is not rewritten', async (t) => {
  const dir = tempDir(t);
  const store = await StatusStore.load(host, dir);
  const ready = (now: number) =>
    setCondition(
      newStatus('Site', 'shop', 1_000),
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
      now,
    );
  store.put(ready(2_000));
  await store.save();
  assert.equal(store.isDirty, false);
  // What a pass does: set the same condition again on the stored status, later.
  const same = { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' } as const;
  store.put(setCondition(store.get('Site/shop')!, same, 9_000));
  assert.equal(store.isDirty, false, 'same content, later time');
  assert.equal(store.get('Site/shop')!.updatedAt, new Date(2_000).toISOString(), 'when it last changed');
  store.put(
    setCondition(
      ready(9_000),
      { type: 'Ready', status: 'False', reason: 'ProbeFailed', message: 'x' },
      9_000,
    ),
  );
  assert.equal(store.isDirty, true);
  assert.equal(store.get('Site/shop')!.updatedAt, new Date(9_000).toISOString());
});

// The pass coalescer with the real work queue: keys queued together share one pass, passes never
// overlap, and per-key outcomes from a pass drive the queue's backoff and Stalled parking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassCoalescer } from '../../../src/controller/coalesce.js';
import { WorkQueue, type Outcome } from '../../../src/controller/work-queue.js';
import { TendError } from '../../../src/errors/catalogue.js';

test('500 keys queued at once run as one pass', async () => {
  const passes: number[] = [];
  const coalescer = new PassCoalescer(async (keys) => {
    passes.push(keys.size);
    return keys.size;
  });
  const queue = new WorkQueue({
    concurrency: 100_000,
    handler: async (k) => (await coalescer.request(k), { ok: true }),
  });
  for (let i = 0; i < 500; i++) queue.add(`Site/s${i}`);
  await queue.onIdle();
  assert.deepEqual(passes, [500]);
});

test('passes never overlap; keys arriving during a pass join the next one', async () => {
  let running = 0;
  let maxRunning = 0;
  const batches: string[][] = [];
  const coalescer = new PassCoalescer(async (keys) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    batches.push([...keys].sort());
    await new Promise((r) => setTimeout(r, 30));
    running -= 1;
  });
  const first = coalescer.request('a');
  await new Promise((r) => setImmediate(r));
  const second = [coalescer.request('b'), coalescer.request('c')];
  await Promise.all([first, ...second]);
  assert.equal(maxRunning, 1);
  assert.deepEqual(batches, [['a'], ['b', 'c']]);
  assert.equal(coalescer.started, 2);
});

test('per-key outcomes of a shared pass: the config error is parked, the others succeed', async () => {
  const coalescer = new PassCoalescer(async (keys) => new Set(keys));
  const outcomeOf = (key: string): Outcome =>
    key === 'Site/bad'
      ? { ok: false, kind: 'config', error: new TendError('TEND_ERR_SCHEMA', 'bad') }
      : { ok: true };
  const queue = new WorkQueue({
    concurrency: 100_000,
    handler: async (key) => (await coalescer.request(key), outcomeOf(key)),
  });
  queue.add('Site/good');
  queue.add('Site/bad');
  await queue.onIdle();
  assert.deepEqual(
    queue.stalled().map((s) => s.key),
    ['Site/bad'],
  );
  assert.equal(queue.add('Site/bad'), false, 'a plain re-add does not un-stall');
  assert.equal(queue.add('Site/bad', { specChanged: true }), true, 'a spec change does');
  await queue.onIdle();
  assert.equal(coalescer.started, 2);
});

test('a failing pass rejects every key that joined it', async () => {
  const coalescer = new PassCoalescer(async () => {
    throw new TendError('TEND_ERR_SOURCE_UNREADABLE', 'gone');
  });
  const results = await Promise.allSettled([coalescer.request('a'), coalescer.request('b')]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
});

// Work queue behaviour: dedupe, one run per key at a time, backoff, stalling, isolation, drain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TendError } from '../../../src/errors/catalogue.js';
import { type Outcome, WorkQueue } from '../../../src/controller/work-queue.js';
import { FakeTimers, flush } from './fake-timers.js';

/** A handler whose calls the test settles by hand. */
function manualHandler() {
  const calls: Array<{ key: string; settle: (o: Outcome) => void }> = [];
  const handler = (key: string) => new Promise<Outcome>((settle) => calls.push({ key, settle }));
  return { calls, handler };
}

const transient = (): Outcome => ({
  ok: false,
  kind: 'transient',
  error: new TendError('TEND_ERR_RELOAD_FAILED', 'reload failed'),
});
const configError = (): Outcome => ({
  ok: false,
  kind: 'config',
  error: new TendError('TEND_ERR_SCHEMA', 'bad spec'),
});

function makeQueue(handler: (key: string) => Promise<Outcome>, extra: { concurrency?: number } = {}) {
  const timers = new FakeTimers();
  const queue = new WorkQueue({
    handler,
    timers,
    clock: timers,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    jitter: 0,
    ...extra,
  });
  return { queue, timers };
}

test('a key added many times while waiting is queued once', async () => {
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(handler, { concurrency: 1 });
  // Occupy the single worker so that the adds below all land while "a" is waiting.
  queue.add('x');
  queue.add('a');
  queue.add('a');
  queue.add('a');
  assert.equal(queue.depth, 1);
  assert.equal(queue.running, 1);
  calls[0]!.settle({ ok: true });
  await flush();
  calls[1]!.settle({ ok: true });
  await queue.onIdle();
  assert.deepEqual(
    calls.map((c) => c.key),
    ['x', 'a'],
  );
});

test('a key re-added while running runs once more afterwards, never concurrently', async () => {
  let active = 0;
  let maxActive = 0;
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(async (key) => {
    active += 1;
    maxActive = Math.max(maxActive, active);
    const outcome = await handler(key);
    active -= 1;
    return outcome;
  });
  queue.add('Site/shop');
  await flush();
  queue.add('Site/shop');
  queue.add('Site/shop');
  await flush();
  assert.equal(calls.length, 1, 'the second add must wait for the first run');
  calls[0]!.settle({ ok: true });
  await flush();
  assert.equal(calls.length, 2);
  calls[1]!.settle({ ok: true });
  await queue.onIdle();
  assert.equal(calls.length, 2, 'two re-adds while running collapse into one re-run');
  assert.equal(maxActive, 1);
  assert.equal(queue.metrics.processed, 2);
});

test('transient failures back off exponentially and reset on success', async () => {
  const { calls, handler } = manualHandler();
  const { queue, timers } = makeQueue(handler);
  queue.add('k');
  await flush();
  calls[0]!.settle(transient());
  await flush();
  assert.deepEqual(timers.delays(), [100]);
  assert.equal(queue.waiting, 1);
  assert.equal(queue.add('k'), false, 'a plain add does not defeat the backoff');
  timers.advance(99);
  await flush();
  assert.equal(calls.length, 1);
  timers.advance(1);
  await flush();
  assert.equal(calls.length, 2);
  calls[1]!.settle(transient());
  await flush();
  assert.deepEqual(timers.delays(), [200]);
  timers.advance(200);
  await flush();
  calls[2]!.settle({ ok: false, kind: 'internal', error: new Error('bug') });
  await flush();
  assert.deepEqual(timers.delays(), [400], 'internal errors back off too');
  timers.advance(400);
  await flush();
  calls[3]!.settle({ ok: true });
  await queue.onIdle();
  assert.equal(timers.size, 0);
  queue.add('k');
  await flush();
  calls[4]!.settle(transient());
  await flush();
  assert.deepEqual(timers.delays(), [100], 'success resets the backoff');
  assert.deepEqual(queue.metrics, { processed: 5, failures: 4, retries: 3 });
  await queue.stop();
  assert.equal(timers.size, 0, 'stop cancels pending retries');
});

test('the delay is capped and jittered within bounds', () => {
  const q = new WorkQueue({
    handler: async () => ({ ok: true }),
    baseDelayMs: 500,
    maxDelayMs: 300_000,
    jitter: 0.1,
    random: () => 0,
  });
  assert.equal(q.delayFor(1), 450);
  assert.equal(q.delayFor(3), 1800);
  assert.equal(q.delayFor(40), 270_000);
  const high = new WorkQueue({ handler: async () => ({ ok: true }), jitter: 0.1, random: () => 0.999999 });
  assert.ok(high.delayFor(1000) <= 300_000, 'jitter never exceeds the cap');
});

test('config errors park the key until unpark or a spec change', async () => {
  const { calls, handler } = manualHandler();
  const { queue, timers } = makeQueue(handler);
  queue.add('Pool/php');
  await flush();
  calls[0]!.settle(configError());
  await queue.onIdle();
  assert.equal(timers.size, 0, 'a config error is not retried on a timer');
  assert.deepEqual(
    queue.stalled().map((s) => s.key),
    ['Pool/php'],
  );
  assert.equal(queue.add('Pool/php'), false);
  await flush();
  assert.equal(calls.length, 1);
  assert.equal(queue.add('Pool/php', { specChanged: true }), true);
  await flush();
  assert.equal(calls.length, 2);
  assert.equal(queue.isStalled('Pool/php'), false);
  calls[1]!.settle(configError());
  await flush();
  assert.equal(queue.unpark('Pool/php'), true);
  await flush();
  assert.equal(calls.length, 3);
  calls[2]!.settle({ ok: true });
  await queue.onIdle();
  assert.deepEqual(queue.stalled(), []);
});

test('a spec change while running re-runs even if the running attempt hit a config error', async () => {
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(handler);
  queue.add('k');
  await flush();
  queue.add('k', { specChanged: true });
  calls[0]!.settle(configError());
  await flush();
  assert.equal(calls.length, 2);
  assert.equal(queue.isStalled('k'), false);
  calls[1]!.settle({ ok: true });
  await queue.onIdle();
});

test('a failing key never blocks the others; thrown errors become outcomes', async () => {
  const done: string[] = [];
  const { queue, timers } = makeQueue(
    async (key) => {
      if (key === 'bad') throw new Error('boom');
      done.push(key);
      return { ok: true };
    },
    { concurrency: 1 },
  );
  for (const key of ['bad', 'a', 'b', 'c']) queue.add(key);
  await queue.onIdle();
  assert.deepEqual(done, ['a', 'b', 'c']);
  assert.equal(queue.waiting, 1, 'the thrown (internal) error is retried with backoff');
  timers.advance(100);
  await queue.onIdle();
  assert.equal(queue.metrics.failures, 2);
  await queue.stop();
});

test('concurrency bounds the workers', async () => {
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(handler, { concurrency: 2 });
  for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
  await flush();
  assert.equal(queue.running, 2);
  assert.equal(queue.depth, 2);
  calls[0]!.settle({ ok: true });
  await flush();
  assert.equal(queue.running, 2);
  assert.deepEqual(
    calls.map((c) => c.key),
    ['a', 'b', 'c'],
  );
  for (const c of calls.slice(1)) c.settle({ ok: true });
  await flush();
  calls[3]!.settle({ ok: true });
  await queue.onIdle();
  assert.equal(queue.metrics.processed, 4);
});

test('stop drains in-flight work and refuses new keys', async () => {
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(handler, { concurrency: 1 });
  queue.add('a');
  queue.add('b');
  await flush();
  let stopped = false;
  const stopping = queue.stop().then(() => (stopped = true));
  await flush();
  assert.equal(stopped, false, 'stop waits for the in-flight handler');
  assert.equal(queue.add('c'), false);
  calls[0]!.settle({ ok: true });
  await stopping;
  assert.deepEqual(
    calls.map((c) => c.key),
    ['a'],
    'queued keys are not started after stop',
  );
});

test('forget drops a queued key and its stalled state', async () => {
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(handler, { concurrency: 1 });
  queue.add('a');
  queue.add('b');
  queue.forget('b');
  await flush();
  calls[0]!.settle(configError());
  await queue.onIdle();
  assert.equal(calls.length, 1);
  queue.forget('a');
  assert.deepEqual(queue.stalled(), []);
});

test('nextOutcome resolves with the run that starts after the call; immediate skips the backoff', async () => {
  const { calls, handler } = manualHandler();
  const { queue, timers } = makeQueue(handler);
  queue.add('k');
  await flush();
  // Asked while a run is in progress: the answer must come from the run after it.
  const waited = queue.nextOutcome('k');
  let answer: unknown;
  void waited.then((o) => (answer = o));
  queue.add('k', { immediate: true });
  calls[0]!.settle(transient());
  await flush();
  assert.equal(answer, undefined, 'the run already in progress does not answer');
  assert.equal(calls.length, 2);
  assert.equal(timers.size, 0, 'immediate re-run replaced the backoff');
  calls[1]!.settle({ ok: true });
  assert.deepEqual(await waited, { ok: true });

  calls.length = 0;
  queue.add('k');
  await flush();
  calls[0]!.settle(transient());
  await flush();
  assert.equal(queue.waiting, 1);
  const second = queue.nextOutcome('k');
  assert.equal(queue.add('k', { immediate: true }), true);
  await flush();
  assert.equal(queue.waiting, 0);
  calls[1]!.settle(configError());
  const outcome = await second;
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.kind, 'config');
  await queue.onIdle();
});

test('waiters are released when the key is forgotten or the queue stops', async () => {
  const { calls, handler } = manualHandler();
  const { queue } = makeQueue(handler, { concurrency: 1 });
  queue.add('busy');
  queue.add('gone');
  const gone = queue.nextOutcome('gone');
  queue.forget('gone');
  const forgotten = await gone;
  assert.equal(!forgotten.ok && (forgotten.error as TendError).code, 'TEND_ERR_NOT_FOUND');
  queue.add('later');
  const later = queue.nextOutcome('later');
  const stopping = queue.stop();
  const stopped = await later;
  assert.equal(!stopped.ok && stopped.kind, 'transient');
  assert.equal(!stopped.ok && (stopped.error as TendError).code, 'TEND_ERR_SHUTTING_DOWN');
  calls[0]!.settle({ ok: true });
  await stopping;
});

test('a failure retried elsewhere (a failed pass) is neither parked nor backed off: a plain add runs it', async () => {
  const { calls, handler } = manualHandler();
  const { queue, timers } = makeQueue(handler);
  const error = new TendError('TEND_ERR_STATE_CORRUPT', 'journal.json is corrupt');
  for (const kind of ['config', 'transient'] as const) {
    queue.add('*');
    await flush();
    const outcome = queue.nextOutcome('*');
    queue.add('*');
    calls.shift()!.settle({ ok: false, kind, error, retriedElsewhere: true });
    await flush();
    assert.equal(queue.isStalled('*'), false, `${kind}: not parked`);
    assert.equal(queue.waiting, 0, `${kind}: no per-key backoff`);
    assert.equal(timers.size, 0);
    assert.equal(queue.metrics.failures > 0, true);
    // The resync's plain add is not absorbed: it runs, and its waiter hears the outcome.
    assert.equal(queue.add('*'), true);
    await flush();
    assert.equal(calls.length, 1);
    calls.shift()!.settle({ ok: true });
    assert.deepEqual(await outcome, { ok: true });
    await queue.onIdle();
  }
});

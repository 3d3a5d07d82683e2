// Failed passes back off as a whole: the wait doubles per consecutive failure up to its cap, a
// success resets it, a release (spec change, operator request) ends the current wait, and the
// coalescer holds the next pass for exactly that long, however many keys ask for it meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassBackoff } from '../../../src/controller/pass-backoff.js';
import { PassCoalescer } from '../../../src/controller/coalesce.js';
import { WorkQueue, type Outcome } from '../../../src/controller/work-queue.js';
import { TendError } from '../../../src/errors/catalogue.js';
import { FakeTimers, flush } from './fake-timers.js';

test('the wait doubles per consecutive failed pass, is capped, and resets on success', () => {
  const clock = new FakeTimers();
  const b = new PassBackoff({ clock, baseMs: 1_000, maxMs: 30_000, jitter: 0 });
  assert.equal(b.holdMs(), 0);
  const delays = Array.from({ length: 8 }, () => b.failed().delayMs);
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(b.failures, 8);
  assert.equal(b.holdMs(), 30_000);
  clock.advance(10_000);
  assert.equal(b.holdMs(), 20_000);
  assert.equal(b.succeeded(), 8);
  assert.equal(b.failures, 0);
  assert.equal(b.holdMs(), 0);
  assert.equal(b.failed().delayMs, 1_000, 'a success starts the doubling over');
});

test('a release ends the current wait but keeps the count; jitter stays within its fraction', () => {
  const clock = new FakeTimers();
  const b = new PassBackoff({ clock, baseMs: 1_000, maxMs: 60_000, jitter: 0 });
  b.failed();
  b.failed();
  assert.equal(b.holdMs(), 2_000);
  b.release();
  assert.equal(b.holdMs(), 0);
  assert.equal(b.failed().delayMs, 4_000, 'a spec change that fails again keeps backing off');

  for (const r of [0, 0.5, 0.999]) {
    const j = new PassBackoff({ clock, baseMs: 1_000, maxMs: 60_000, jitter: 0.1, random: () => r });
    for (let i = 0; i < 3; i++) j.failed();
    const d = j.failed().delayMs;
    assert.ok(d >= 7_200 && d <= 8_800, `delay ${d} within ±10% of 8 s`);
  }
  const capped = new PassBackoff({ clock, baseMs: 1_000, maxMs: 5_000, jitter: 0.5, random: () => 0.999 });
  for (let i = 0; i < 10; i++) assert.ok(capped.failed().delayMs <= 5_000, 'jitter never exceeds the cap');
});

test('keys of a failed pass start no passes of their own: the coalescer holds one for the backoff', async () => {
  const timers = new FakeTimers();
  const backoff = new PassBackoff({ clock: timers, baseMs: 1_000, maxMs: 30_000, jitter: 0 });
  let passes = 0;
  let broken = true;
  const coalescer = new PassCoalescer(
    async (keys) => {
      passes += 1;
      if (broken) {
        backoff.failed();
        return { ok: false, keys };
      }
      backoff.succeeded();
      return { ok: true, keys };
    },
    () => backoff.holdMs(),
    timers,
  );
  const error = new TendError('TEND_ERR_SOURCE_UNREADABLE', 'gone');
  const queue = new WorkQueue({
    concurrency: 100_000,
    clock: timers,
    timers,
    handler: async (k): Promise<Outcome> =>
      (await coalescer.request(k)).ok
        ? { ok: true }
        : { ok: false, kind: error.kind, error, retriedElsewhere: true },
  });
  for (let i = 0; i < 100; i++) queue.add(`Site/s${i}`);
  queue.add('*');
  await queue.onIdle();
  assert.equal(passes, 1);
  assert.equal(queue.waiting, 0, 'no key backs off on its own');
  assert.equal(queue.stalled().length, 0, 'no key is parked');
  assert.equal(timers.size, 0, 'no per-key retry timers');

  // A storm of triggers while the pass backs off: they all wait for one pass.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 100; i++) queue.add(`Site/s${i}`);
    queue.add('*');
    await flush();
    timers.advance(10);
  }
  assert.equal(passes, 1, 'nothing ran during the 1 s backoff');
  timers.advance(1_000);
  await flush(10);
  assert.equal(passes, 2, 'one pass for everything that waited');
  await queue.onIdle();

  // The next wait is 2 s; a release (a spec change) starts the held pass at once.
  queue.add('*');
  await flush();
  assert.equal(passes, 2);
  broken = false;
  backoff.release();
  coalescer.poke();
  await flush(10);
  assert.equal(passes, 3);
  await queue.onIdle();
  assert.equal(backoff.failures, 0);
});

test('a pass held at shutdown is not run: its waiters hear that tend is stopping', async () => {
  const timers = new FakeTimers();
  const backoff = new PassBackoff({ clock: timers, baseMs: 5_000, jitter: 0 });
  backoff.failed();
  let passes = 0;
  const coalescer = new PassCoalescer(
    async () => (passes += 1),
    () => backoff.holdMs(),
    timers,
  );
  const held = coalescer.request('*');
  await flush();
  coalescer.cancelHeld(new TendError('TEND_ERR_SHUTTING_DOWN', 'stopping'));
  await assert.rejects(held, /stopping/);
  assert.equal(passes, 0);
  assert.equal(timers.size, 0);
});

// Run semantics with real processes: forbid skips, replace kills the running run, allow overlaps; a
// timeout kills the whole group (a grandchild that ignores SIGTERM included); retries back off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, job, jobRig, until } from './helpers.js';

const MIN = 60_000;
const start = Date.parse('2026-06-01T10:00:30Z');

async function twoTicks(concurrency: string, t: Parameters<typeof jobRig>[0]) {
  const rig = jobRig(t, start);
  await rig.runner.apply([
    job('busy', { command: ['sleep', '60'], schedule: '* * * * *', concurrency, stop: { timeout: '2s' } }),
  ]);
  await rig.runner.tick();
  rig.clock.t = start + MIN;
  await rig.runner.tick();
  await until('the first run to start', () => rig.runner.running('busy').length >= 1);
  rig.clock.t = start + 2 * MIN;
  await rig.runner.tick();
  return rig;
}

test('concurrency forbid: a due time while a run is in progress is skipped', async (t) => {
  const rig = await twoTicks('forbid', t);
  assert.equal(rig.runner.running('busy').length, 1);
  assert.equal(rig.runner.history.list('busy').length, 1);
  assert.ok(rig.events.some((e) => e.reason === 'RunSkipped'));
});

test('concurrency replace: the running run is killed and recorded as replaced', async (t) => {
  const rig = await twoTicks('replace', t);
  const list = rig.runner.history.list('busy');
  assert.equal(list.length, 2);
  const old = list.find((r) => r.outcome === 'replaced');
  assert.ok(old?.pid, JSON.stringify(list));
  assert.equal(alive(old.pid), false);
  assert.equal(rig.runner.running('busy').length, 1);
  assert.notEqual(rig.runner.running('busy')[0]!.id, old.id);
});

test('concurrency allow: runs overlap', async (t) => {
  const rig = await twoTicks('allow', t);
  await until('two runs in progress', () => rig.runner.running('busy').length === 2);
  const pids = rig.runner.running('busy').map((r) => r.pid!);
  await until('both pids', () => pids.every((p) => p && alive(p)));
});

test('a timeout stops the whole group: SIGTERM, then SIGKILL for a grandchild that ignores it', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  const pidFile = join(rig.root, 'grandchild.pid');
  // The grandchild ignores SIGTERM and outlives its parent: only a group SIGKILL ends it.
  const script = `(trap '' TERM; exec sleep 300) & echo $! > ${pidFile}; wait`;
  await rig.runner.apply([
    job('slow', {
      command: [script],
      shell: true,
      user: 'root',
      allowRoot: true,
      timeout: '1s',
      stop: { timeout: '1s' },
    }),
  ]);
  const rec = await rig.runner.trigger('slow');
  const grandchild = await until('the grandchild pid', () => {
    try {
      return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  });
  assert.equal(alive(grandchild), true);
  const done = await rig.runner.wait('slow', rec.id);
  assert.equal(done?.outcome, 'timedOut');
  assert.match(done?.message ?? '', /timed out after 1000 ms/);
  await until('the grandchild to be gone', () => !alive(grandchild), 10_000);
});

test('retries back off: doubling from backoff.initial, capped at backoff.max', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  await rig.runner.apply([
    job('flaky', {
      command: ['sh', '-c', 'echo failing; exit 3'],
      retries: 3,
      backoff: { initial: '200ms', max: '500ms' },
    }),
  ]);
  await rig.runner.trigger('flaky');
  const runs = await until(
    'four attempts to end',
    () => {
      const l = rig.runner.history.list('flaky');
      return l.length === 4 && l.every((r) => r.outcome === 'failed') && l;
    },
    15_000,
  );
  const ordered = [...runs].sort((a, b) => a.attempt - b.attempt);
  assert.deepEqual(
    ordered.map((r) => r.attempt),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    ordered.map((r) => r.retryDelayMs),
    [200, 400, 500, undefined],
  );
  assert.deepEqual(
    ordered.map((r) => r.trigger),
    ['manual', 'retry', 'retry', 'retry'],
  );
  for (let i = 1; i < ordered.length; i++) {
    const gap = ordered[i]!.startedAt - ordered[i - 1]!.endedAt!;
    assert.ok(gap >= ordered[i - 1]!.retryDelayMs!, `attempt ${i + 1} started ${gap} ms after the failure`);
    assert.equal(ordered[i]!.retryOf, ordered[0]!.id);
  }
  assert.equal(ordered[0]!.exitCode, 3);
  assert.match(readFileSync(ordered[0]!.log, 'utf8'), /failing/);
});

test('a Job whose user does not exist fails its run with a clear record, and nothing runs as root', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  await rig.runner.apply([job('ghost', { command: ['true'], user: 'no-such-user-4711' })]);
  const rec = await rig.runner.trigger('ghost');
  const done = await rig.runner.wait('ghost', rec.id);
  assert.equal(done?.outcome, 'failed');
  assert.equal(done?.pid, undefined);
  assert.match(done?.message ?? '', /Job\/ghost: expected an existing user, got "no-such-user-4711"/);
});

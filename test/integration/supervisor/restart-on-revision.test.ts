// restartOn: revision with real processes: a new desired-state revision rolls the workers one at a
// time (never both down), and gives them the revision; a Program without it is left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withRevision } from '../../../src/supervisor/restart-on.js';
import { program, rig, until } from './helpers.js';

test('restartOn: revision rolls the workers one at a time when a new revision is applied', async (t) => {
  const r = rig(t);
  const worker = program('worker', {
    command: ['sleep', '300'],
    user: 'nobody',
    instances: 2,
    startSeconds: 1,
    stop: { timeout: '1s' },
    restartOn: 'revision',
  });
  const other = program('other', { command: ['sleep', '300'], user: 'nobody', startSeconds: 0 });
  const pids = (name: string) => (r.sup.statusOf(name)?.instances ?? []).map((i) => i.pid);
  await r.sup.apply(withRevision([worker, other], 'aaaa111'));
  await until('both Programs ready', () => r.sup.statusOf('worker')?.ready && r.sup.statusOf('other')?.ready);
  const before = pids('worker');
  const otherBefore = pids('other');
  const env = (pid: number | undefined) => readEnv(pid).find((l) => l.startsWith('TEND_REVISION='));
  assert.equal(env(before[0]), 'TEND_REVISION=aaaa111');

  // Watch readiness through the roll: at least one worker stays ready the whole time.
  let minReady = 2;
  const watch = setInterval(() => {
    const ready = (r.sup.statusOf('worker')?.instances ?? []).filter((i) => i.ready).length;
    minReady = Math.min(minReady, ready);
  }, 20);
  t.after(() => clearInterval(watch));
  await r.sup.apply(withRevision([worker, other], 'bbbb222'));
  await until(
    'both workers on the new revision and ready',
    () => {
      const now = pids('worker');
      return r.sup.statusOf('worker')?.ready && now.every((p, i) => p !== before[i]) && now;
    },
    20_000,
  );
  clearInterval(watch);
  assert.equal(minReady, 1, 'one instance at a time: never both down, and the roll did happen');
  assert.equal(env(pids('worker')[0]), 'TEND_REVISION=bbbb222');
  assert.deepEqual(pids('other'), otherBefore, 'a Program without restartOn keeps running');
  assert.ok(r.events.some((e) => e.key === 'Program/worker' && e.reason === 'RolloutStarted'));
});

function readEnv(pid: number | undefined): string[] {
  if (!pid) return [];
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

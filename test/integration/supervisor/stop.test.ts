// Stops: SIGKILL after the timeout for a program that ignores SIGTERM, and grandchildren die with
// their group even when the leader has already gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, fixture, program, rig, until } from './helpers.js';

test('a program that ignores SIGTERM is killed after stop.timeout; the exit is SIGKILL', async (t) => {
  const { sup, events } = rig(t);
  await sup.apply([
    program('stubborn', {
      command: [fixture('ignore-term.sh')],
      allowRoot: true,
      startSeconds: 0,
      stop: { timeout: '1s' },
    }),
  ]);
  const pid = await until('running', () => sup.statusOf('stubborn')?.instances[0]?.pid);
  const t0 = Date.now();
  await sup.apply([]);
  const took = Date.now() - t0;
  assert.ok(took >= 900, `stop waited for the timeout (${took}ms)`);
  assert.ok(!alive(pid), 'leader is dead');
  const stopped = events.find((e) => e.reason === 'Stopped');
  assert.match(stopped?.message ?? '', /killed by SIGKILL/);
  assert.equal(sup.statusOf('stubborn'), undefined, 'a deleted program leaves status');
});

test('status keeps the SIGKILL exit of a stubborn instance that is rolled', async (t) => {
  const { sup } = rig(t);
  const spec = {
    command: [fixture('ignore-term.sh')],
    allowRoot: true,
    startSeconds: 0,
    stop: { timeout: '1s' },
  };
  await sup.apply([program('stubborn', spec)]);
  await until('ready', () => sup.statusOf('stubborn')?.ready);
  await sup.apply([program('stubborn', { ...spec, env: { V: '2' } })]);
  const st = await until('rolled', () => {
    const s = sup.statusOf('stubborn')?.instances[0];
    return s?.lastExit && s.state === 'running' ? s : undefined;
  });
  assert.equal(st.lastExit?.signal, 'SIGKILL');
  assert.equal(st.lastExit?.code, null);
});

test('a grandchild does not survive the stop of its program', async (t) => {
  const { sup, root } = rig(t);
  const pidfile = join(root, 'grandchild.pid');
  await sup.apply([
    program('forker', {
      command: [fixture('grandchild.sh'), pidfile],
      allowRoot: true,
      startSeconds: 0,
      stop: { timeout: '2s' },
    }),
  ]);
  const gpid = await until('grandchild pid', () => {
    try {
      return Number(readFileSync(pidfile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  });
  assert.ok(alive(gpid));
  await sup.apply([]);
  await until('grandchild dead', () => !alive(gpid), 3000);
});

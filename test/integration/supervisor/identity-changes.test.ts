// Identity (root refused without allowRoot, uid/gid switch) and spec changes (rolling restart one
// instance at a time, scaling by the difference only), through the native-programs driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NativeProgramsDriver } from '../../../src/drivers/programs-native.js';
import { ProgramRunner } from '../../../src/supervisor/program-runner.js';
import { fixture, program, rig, until } from './helpers.js';

const isRoot = process.getuid?.() === 0;

test(
  'as root: no user and no allowRoot is refused; user: nobody runs as nobody',
  { skip: !isRoot && 'needs root' },
  async (t) => {
    const { sup, events } = rig(t);
    const driver = new NativeProgramsDriver(sup);
    const outcome = await driver.applyAll([
      program('rooty', { command: [fixture('sleeper.sh')] }),
      program('lowly', {
        command: [fixture('sleeper.sh')],
        user: 'nobody',
        group: 'nogroup',
        startSeconds: 0,
      }),
    ]);
    assert.deepEqual(outcome.find((o) => o.key === 'Program/rooty')?.error?.code, 'TEND_ERR_ROOT_REFUSED');
    assert.equal(sup.statusOf('rooty')?.instances.length, 0, 'nothing was spawned');
    assert.ok(events.some((e) => e.key === 'Program/rooty' && e.reason === 'Failed'));
    assert.equal(driver.observe().find((o) => o.key === 'Program/rooty')?.phase, 'Failed');
    const pid = await until('lowly pid', () => sup.statusOf('lowly')?.instances[0]?.pid);
    // The pid is setpriv's until it switches and execs in place: wait for the switch to land.
    const status = await until('lowly switched', () => {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      return /^Uid:\s+0\s/m.test(text) ? undefined : text;
    });
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1];
    assert.equal(uid, '65534');
    assert.equal(gid, '65534');
    await until(
      'lowly Ready',
      () => driver.observe().find((o) => o.key === 'Program/lowly')?.phase === 'Ready',
    );
  },
);

test('an unknown user is a config error and leaves running instances alone', async (t) => {
  const { sup } = rig(t);
  const base = { command: [fixture('sleeper.sh')], allowRoot: true, startSeconds: 0 };
  await sup.apply([program('svc', base)]);
  const pid = await until('pid', () => sup.statusOf('svc')?.instances[0]?.pid);
  await sup.apply([program('svc', { ...base, user: 'no-such-user-x' })]);
  const st = sup.statusOf('svc');
  assert.equal(st?.error?.code, 'TEND_ERR_USER_UNKNOWN');
  assert.equal(st?.instances[0]?.pid, pid, 'still the old process');
});

test('a spec change rolls instances one at a time; scaling touches only the difference', async (t) => {
  const { sup, events } = rig(t);
  const base = { command: [fixture('sleeper.sh')], allowRoot: true, startSeconds: 1, instances: 3 };
  await sup.apply([program('roll', base)]);
  await until('3 ready', () => sup.statusOf('roll')?.ready, 8000);
  const before = sup.statusOf('roll')?.instances.map((i) => i.pid);
  events.length = 0;
  await sup.apply([program('roll', { ...base, env: { VERSION: '2' } })]);
  const after = sup.statusOf('roll');
  assert.equal(after?.ready, true);
  after?.instances.forEach((i, n) => assert.notEqual(i.pid, before?.[n], `instance ${n} restarted`));
  // Rolling: each stop is followed by its start before the next stop.
  const seq = events
    .filter((e) => e.reason === 'Stopped' || e.reason === 'Started')
    .map((e) => `${e.reason}${e.instance}`);
  assert.deepEqual(seq, ['Stopped0', 'Started0', 'Stopped1', 'Started1', 'Stopped2', 'Started2']);

  const rolled = after?.instances.map((i) => i.pid);
  await sup.apply([program('roll', { ...base, env: { VERSION: '2' }, instances: 5 })]);
  const up = sup.statusOf('roll')?.instances ?? [];
  assert.equal(up.length, 5);
  assert.deepEqual(
    up.slice(0, 3).map((i) => i.pid),
    rolled,
    'existing instances untouched by scale-up',
  );
  await sup.apply([program('roll', { ...base, env: { VERSION: '2' }, instances: 2 })]);
  const down = sup.statusOf('roll')?.instances ?? [];
  assert.deepEqual(
    down.map((i) => i.pid),
    rolled?.slice(0, 2),
    'scale-down stops only the extra',
  );
  // Applying the same spec again changes nothing.
  events.length = 0;
  await sup.apply([program('roll', { ...base, env: { VERSION: '2' }, instances: 2 })]);
  assert.equal(events.filter((e) => e.reason === 'Started' || e.reason === 'Stopped').length, 0);
});

test('re-applying an unchanged spec leaves its runner alone; a changed or failed one converges', async (t) => {
  const { sup } = rig(t);
  const converges: string[] = [];
  const original = ProgramRunner.prototype.converge;
  ProgramRunner.prototype.converge = function (this: ProgramRunner, resource) {
    converges.push(resource.metadata.name);
    return original.call(this, resource);
  };
  t.after(() => (ProgramRunner.prototype.converge = original));
  const base = { command: [fixture('sleeper.sh')], allowRoot: true, startSeconds: 0, instances: 2 };
  await sup.apply([program('calm', base), program('broken', { ...base, user: 'no-such-user-x' })]);
  const pids = await until('2 pids', () => {
    const p = sup.statusOf('calm')?.instances.map((i) => i.pid);
    return p?.length === 2 && p.every(Boolean) && p;
  });
  converges.length = 0;
  await sup.apply([program('calm', base), program('broken', { ...base, user: 'no-such-user-x' })]);
  assert.deepEqual(converges, ['broken'], 'only the failed program is tried again');
  assert.deepEqual(
    sup.statusOf('calm')?.instances.map((i) => i.pid),
    pids,
  );
  await sup.apply([program('calm', { ...base, env: { X: '1' } })]);
  assert.deepEqual(converges, ['broken', 'calm'], 'a spec change converges');
});

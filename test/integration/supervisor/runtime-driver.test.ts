// The native Programs RuntimeDriver against the real supervisor: apply(change) starts, rolls, scales
// and stops only the Program the change names; observe() reports each instance as it runs now;
// dependsOn, port leases and one-at-a-time rollouts stay the supervisor's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeProgramsDriver } from '../../../src/drivers/index.js';
import type { RuntimeApplyChange } from '../../../src/drivers/index.js';
import { createRealHost } from '../../../src/host/real-host.js';
import type { Program } from '../../../src/model/index.js';
import { Supervisor } from '../../../src/supervisor/index.js';
import { runtimeChange, runtimeFieldsOf } from '../../../src/plan/runtime-change.js';
import { alive, fixture, program, rig, until } from './helpers.js';

const base = { command: [fixture('sleeper.sh')], allowRoot: true, startSeconds: 0 };

/** A change as the plan builds it: action, desired resource and the runtime diff against `before`. */
function change(action: 'create' | 'update', p: Program, before?: Program): RuntimeApplyChange<Program> {
  const runtime = runtimeChange(action, runtimeFieldsOf(p), before && runtimeFieldsOf(before));
  return { key: `Program/${p.metadata.name}`, action, resource: p, ...(runtime ? { runtime } : {}) };
}

const pidsOf = (driver: NativeProgramsDriver, name: string) =>
  driver
    .observe()
    .find((o) => o.key === `Program/${name}`)
    ?.instances.map((i) => i.pid);

test('apply(change) acts on the one Program it names and observe() shows each instance', async (t) => {
  const { sup, events } = rig(t);
  const driver = new NativeProgramsDriver(sup);
  const other = program('other', base);
  assert.deepEqual(await driver.apply(change('create', other)), { key: 'Program/other', did: 'start' });
  const otherPids = await until('other running', () => {
    const p = pidsOf(driver, 'other');
    return p?.length === 1 && p[0] !== undefined && p;
  });

  const web1 = program('web', { ...base, startSeconds: 1, instances: 2 });
  assert.equal((await driver.apply(change('create', web1))).did, 'start');
  await until('web ready', () => driver.observe().find((o) => o.key === 'Program/web')?.phase === 'Ready');
  const seen = driver.observe().find((o) => o.key === 'Program/web');
  assert.equal(seen?.instances.length, 2);
  assert.ok(seen?.instances.every((i) => i.state === 'running' && i.ready && i.pid && alive(i.pid)));
  const before = seen?.instances.map((i) => i.pid);

  // A field change rolls, one instance at a time; the plan said so and the driver did it.
  const web2 = program('web', { ...base, startSeconds: 1, instances: 2, env: { VERSION: '2' } });
  const rolled = change('update', web2, web1);
  assert.equal(rolled.runtime?.restart, 'rolling');
  events.length = 0;
  assert.equal((await driver.apply(rolled)).did, 'rolling');
  const seq = events
    .filter((e) => e.key === 'Program/web' && (e.reason === 'Stopped' || e.reason === 'Started'))
    .map((e) => `${e.reason}${e.instance}`);
  assert.deepEqual(seq, ['Stopped0', 'Started0', 'Stopped1', 'Started1']);
  const after = pidsOf(driver, 'web');
  after?.forEach((pid, n) => assert.notEqual(pid, before?.[n], `instance ${n} replaced`));
  assert.deepEqual(pidsOf(driver, 'other'), otherPids, 'the other Program was not touched');
  assert.ok(!events.some((e) => e.key === 'Program/other'), 'no event for the other Program');

  // instances alone scales: the running instances keep their pids.
  const web3 = program('web', { ...base, startSeconds: 1, instances: 3, env: { VERSION: '2' } });
  const scaled = change('update', web3, web2);
  assert.equal(scaled.runtime?.restart, 'scale');
  assert.equal((await driver.apply(scaled)).did, 'scale');
  assert.deepEqual(pidsOf(driver, 'web')?.slice(0, 2), after);
  assert.equal(pidsOf(driver, 'web')?.length, 3);

  // The same spec again is nothing to do.
  events.length = 0;
  assert.equal((await driver.apply(change('update', web3, web3))).did, 'none');
  assert.equal(events.filter((e) => e.reason === 'Started' || e.reason === 'Stopped').length, 0);

  // A delete stops that Program only.
  const webPids = pidsOf(driver, 'web') ?? [];
  assert.equal((await driver.apply({ key: 'Program/web', action: 'delete' })).did, 'stop');
  assert.equal(
    driver.observe().find((o) => o.key === 'Program/web'),
    undefined,
  );
  await until('web processes gone', () => webPids.every((p) => p === undefined || !alive(p)));
  assert.deepEqual(pidsOf(driver, 'other'), otherPids);
  assert.ok(otherPids[0] !== undefined && alive(otherPids[0]));
});

test('a spec that cannot run is an error on its change and leaves the others running', async (t) => {
  const { sup } = rig(t);
  const driver = new NativeProgramsDriver(sup);
  await driver.apply(change('create', program('fine', base)));
  const pid = await until('fine pid', () => pidsOf(driver, 'fine')?.[0]);
  const bad = await driver.apply(change('create', program('bad', { ...base, user: 'no-such-user-x' })));
  assert.equal(bad.error?.code, 'TEND_ERR_USER_UNKNOWN');
  assert.equal(driver.observe().find((o) => o.key === 'Program/bad')?.error?.code, 'TEND_ERR_USER_UNKNOWN');
  assert.deepEqual(pidsOf(driver, 'fine'), [pid]);
});

test('changes handed in dependsOn order keep a dependent waiting; port: auto gets its lease', async (t) => {
  const { sup, leases } = rig(t, { from: 47100, to: 47140 });
  const driver = new NativeProgramsDriver(sup);
  const a = program('a', { ...base, startSeconds: 1, port: 'auto' });
  const b = program('b', { ...base, dependsOn: ['a'] });
  // The plan lists b before a (by name it would not, so hand them reversed to prove the order).
  const ordered = driver.order([change('create', b), change('create', a)]);
  assert.deepEqual(
    ordered.map((c) => c.key),
    ['Program/a', 'Program/b'],
  );
  for (const c of ordered) await driver.apply(c);
  assert.deepEqual(sup.statusOf('b')?.waitingFor, ['a']);
  assert.equal(driver.observe().find((o) => o.key === 'Program/b')?.phase, 'Pending');
  await until('b ready', () => sup.statusOf('b')?.ready, 8000);
  const port = driver.observe().find((o) => o.key === 'Program/a')?.instances[0]?.port;
  assert.ok(port !== undefined && port >= 47100 && port <= 47140, `leased ${port}`);
  assert.equal((await leases.all())['Program/a#0'], port, 'the instance runs on its recorded lease');

  // Deletions: the dependent goes first, from the dependsOn the supervisor runs.
  const gone = driver.order([
    { key: 'Program/a', action: 'delete' },
    { key: 'Program/b', action: 'delete' },
  ]);
  assert.deepEqual(
    gone.map((c) => c.key),
    ['Program/b', 'Program/a'],
  );
});

test('an instance an operator stopped stays stopped through a rolling change', async (t) => {
  const { layout, leases, sup: unused } = rig(t);
  await unused.stopAll({ graceful: false });
  const holder: { sup?: Supervisor } = {};
  t.after(() => holder.sup?.stopAll({ graceful: false }));
  const sup = new Supervisor({
    host: createRealHost(),
    layout,
    leases,
    isStopped: (name, index) => name === 'held' && index === 1,
  });
  holder.sup = sup;
  const driver = new NativeProgramsDriver(sup);
  const v1 = program('held', { ...base, instances: 2 });
  await driver.apply(change('create', v1));
  await until('instance 0 running', () => pidsOf(driver, 'held')?.[0]);
  const stoppedOne = () =>
    driver
      .observe()
      .find((o) => o.key === 'Program/held')
      ?.instances.find((i) => i.index === 1);
  assert.equal(stoppedOne()?.pid, undefined, 'the stopped instance was not started');
  const v2 = program('held', { ...base, instances: 2, env: { VERSION: '2' } });
  await driver.apply(change('update', v2, v1));
  await until('instance 0 rolled', () => {
    const i0 = driver
      .observe()
      .find((o) => o.key === 'Program/held')
      ?.instances.find((i) => i.index === 0);
    return i0?.pid !== undefined && i0.state === 'running';
  });
  assert.equal(stoppedOne()?.pid, undefined, 'still stopped after the rollout');
  assert.equal(pidsOf(driver, 'held')?.filter((p) => p !== undefined).length, 1, 'one process runs');
});

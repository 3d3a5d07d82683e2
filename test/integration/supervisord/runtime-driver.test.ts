// The supervisord-programs runtime driver on Debian's supervisord: observe() reads supervisord's own
// process states, apply(change) restarts the one FATAL program it names (another program keeps its
// pid) and status built from the observation says so; a program whose group supervisord lacks is
// added back by a create (`supervisorctl update <group>`); nothing is applied while supervisord is gone.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SupervisordProgramsDriver } from '../../../src/drivers/programs-supervisord.js';
import { supervisordProgramStatus } from '../../../src/runtime/supervisord-program-status.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import { apply, host, program, runningAll, startHarness, waitFor } from './harness.js';

const applied = (name: string) =>
  setCondition(
    newStatus('Program', name, Date.now()),
    { type: 'Applied', status: 'True', reason: 'Applied', message: 'generation g1 is applied' },
    Date.now(),
  );

test('a FATAL program is restarted through the driver apply, its status says so, the others untouched', async (t) => {
  const h = await startHarness(t, 'tend-sv-rtdriver-');
  const gate = join(h.outDir, 'may-run');
  const flaky = program('flaky', {
    command: [`echo "starting"; test -e ${gate} || { echo "no gate: giving up"; exit 2; }; exec sleep 600`],
    shell: true,
    backoff: { initial: '100ms', max: '1s' },
  });
  const steady = program('steady', { command: ['sleep', '600'] });
  await apply(h, { put: [flaky, steady] });
  const obs = await waitFor(
    h,
    'flaky FATAL, steady running',
    (o) => o.get('flaky')?.[0]?.state === 'failed' && runningAll('steady', 1)(o),
    60_000,
  );
  const steadyPid = obs.get('steady')![0]!.pid;
  const events: string[] = [];
  const driver = new SupervisordProgramsDriver({
    client: h.driver.client,
    events: (e) => events.push(e.message),
  });
  const programs = [flaky, steady];
  await driver.refresh(programs);
  const before = driver.observeOne('flaky');
  assert.equal(before?.phase, 'Degraded');
  assert.equal(before?.supervisord.verdict.reason, 'Fatal');
  assert.equal(driver.isFatal(flaky), true);
  assert.equal(driver.isFatal(steady), false);
  assert.equal(driver.observeOne('steady')?.phase, 'Ready');
  const notReady = supervisordProgramStatus(applied('flaky'), before!, Date.now());
  assert.equal(notReady.conditions.find((c) => c.type === 'Ready')?.status, 'False');
  assert.equal(notReady.conditions.find((c) => c.type === 'Ready')?.reason, 'Fatal');

  // The gate opens; the driver's apply for flaky starts it again (supervisord would not).
  writeFileSync(gate, '');
  const result = await driver.apply({ key: 'Program/flaky', action: 'update', resource: flaky });
  assert.equal(result.did, 'restart');
  assert.equal(events.length, 1);
  assert.match(events[0]!, /^Program\/flaky was FATAL in supervisord: flaky \(Exited too quickly/);
  // The steady program's apply is nothing: it is not FATAL.
  assert.equal(
    (await driver.apply({ key: 'Program/steady', action: 'update', resource: steady })).did,
    'none',
  );

  await driver.refresh(programs);
  const restarted = supervisordProgramStatus(applied('flaky'), driver.observeOne('flaky')!, Date.now());
  assert.equal((restarted.health as { restarts: number }).restarts, 1);
  const deadline = Date.now() + 60_000;
  let st = restarted;
  while (Date.now() < deadline) {
    await driver.refresh(programs);
    st = supervisordProgramStatus(applied('flaky'), driver.observeOne('flaky')!, Date.now());
    if (st.phase === 'Ready') break;
    await host.sleep(200);
  }
  assert.equal(st.phase, 'Ready', JSON.stringify(st.conditions));
  const pid = Number(st.outputs.pids);
  assert.ok(pid > 0 && host.kill(pid, 0), `flaky runs as pid ${st.outputs.pids}`);
  assert.match(readFileSync(join(h.layout.supervisord.logDir, 'flaky.log'), 'utf8'), /no gate: giving up/);
  assert.equal(driver.observeOne('steady')?.instances[0]?.pid, steadyPid, 'steady kept its process');
  assert.equal(driver.observeOne('steady')?.phase, 'Ready');
});

test('a group supervisord lacks is added back by a create; nothing is applied while supervisord is gone', async (t) => {
  const h = await startHarness(t, 'tend-sv-rtdriver-');
  const worker = program('worker', { command: ['sleep', '600'] });
  await apply(h, { put: [worker] });
  await waitFor(h, 'worker running', runningAll('worker', 1), 60_000);
  // Someone removed the group behind tend's back (supervisorctl stop + remove); its file stays.
  await h.driver.client.stopProcessGroup('worker', true);
  await h.driver.client.removeProcessGroup('worker');
  const driver = new SupervisordProgramsDriver({ client: h.driver.client });
  await driver.refresh([worker]);
  assert.equal(driver.runs('worker'), false);
  assert.equal(driver.observeOne('worker')?.supervisord.verdict.reason, 'Missing');
  const result = await driver.apply({ key: 'Program/worker', action: 'create', resource: worker });
  assert.equal(result.did, 'start');
  await waitFor(h, 'worker running again', runningAll('worker', 1), 60_000);
  await driver.refresh([worker]);
  assert.equal(driver.observeOne('worker')?.phase, 'Ready');

  // supervisord killed: the observation is Unknown, and apply acts on no guess.
  const svPid = Number(
    readFileSync(join(h.layout.supervisord.socket, '..', 'supervisord.pid'), 'utf8').trim(),
  );
  const workerPid = driver.observeOne('worker')!.instances[0]!.pid!;
  host.kill(svPid, 'SIGKILL');
  for (let i = 0; i < 400 && host.kill(svPid, 0); i++) await host.sleep(25);
  host.kill(workerPid, 'SIGKILL');
  await driver.refresh([worker]);
  assert.equal(driver.reachable, false);
  assert.equal(driver.observeOne('worker')?.phase, 'Unknown');
  assert.equal(
    (await driver.apply({ key: 'Program/worker', action: 'create', resource: worker })).did,
    'none',
  );
});

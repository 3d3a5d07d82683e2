// Observed states and decoded faults from a real supervisord: EXITED with its exit status, BACKOFF
// then FATAL for a program that crashes at once, and the named faults for bad calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTendError } from '../../../src/errors/catalogue.js';
import { FAULT, faultCodeOf } from '../../../src/drivers/supervisord/client.js';
import type { InstanceInfo } from '../../../src/drivers/supervisord/observe.js';
import { apply, printer, program, runningAll, startHarness, waitFor } from './harness.js';

test('EXITED keeps the exit status; a fast crash goes BACKOFF then FATAL', async (t) => {
  const h = await startHarness(t);
  // Outlives startsecs (1 s), so supervisord counts it as started, then exits 3 and stays down.
  const exits = program('exits', { command: ['sleep 1.5; exit 3'], shell: true, restart: 'never' });
  const crashes = program('crashes', { command: ['/bin/sh', '-c', 'exit 2'], backoff: { max: '1s' } });
  await apply(h, { put: [exits, crashes] });

  const seen = new Set<string>();
  const obs = await waitFor(h, 'exits EXITED and crashes FATAL', (o) => {
    for (const i of o.get('crashes') ?? []) seen.add(i.state);
    const e = o.get('exits')?.[0];
    const c = o.get('crashes')?.[0];
    return e?.state === 'exited' && c?.state === 'failed';
  });
  const e = obs.get('exits')![0]!;
  assert.equal(e.statename, 'EXITED');
  assert.equal(e.exitStatus, 3);
  assert.equal(e.pid, undefined);
  const c: InstanceInfo = obs.get('crashes')![0]!;
  assert.equal(c.statename, 'FATAL');
  assert.match(c.spawnError ?? '', /Exited too quickly/);
  assert.ok(seen.has('backoff'), `BACKOFF was observed on the way (saw ${[...seen].join(', ')})`);
});

test('faults come back decoded with their names', async (t) => {
  const h = await startHarness(t);
  const c = h.driver.client;
  const faultOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      assert.ok(isTendError(err, 'TEND_ERR_SUPERVISORD'), String(err));
      return faultCodeOf(err);
    }
    assert.fail('expected a fault');
  };
  assert.equal(await faultOf(c.startProcess('no-such-program')), FAULT.BAD_NAME);
  assert.equal(await faultOf(c.removeProcessGroup('no-such-group')), FAULT.BAD_NAME);

  await apply(h, { put: [printer(h, 'svc')] });
  await waitFor(h, 'svc running', runningAll('svc', 1));
  assert.equal(await faultOf(c.startProcess('svc')), FAULT.ALREADY_STARTED);
  assert.equal(await faultOf(c.addProcessGroup('svc')), FAULT.ALREADY_ADDED);
  assert.equal(await faultOf(c.removeProcessGroup('svc')), FAULT.STILL_RUNNING);
  assert.equal(await c.stopProcess('svc'), true);
  assert.equal(await faultOf(c.stopProcess('svc')), FAULT.NOT_RUNNING);
  assert.equal((await c.getProcessInfo('svc')).statename, 'STOPPED');

  await apply(h, { put: [program('missing', { command: ['/nonexistent/binary'], restart: 'never' })] });
  await c.stopProcess('missing').catch(() => undefined);
  assert.equal(await faultOf(c.startProcess('missing')), FAULT.NO_FILE);
});

test('tail and signal work through the same client', async (t) => {
  const h = await startHarness(t);
  await apply(h, {
    put: [program('talker', { command: ['echo hello-from-talker; exec sleep 600'], shell: true })],
  });
  const before = (await waitFor(h, 'talker running', runningAll('talker', 1))).get('talker')![0]!.pid;
  let tail = { bytes: '', offset: 0, overflow: false };
  for (let i = 0; i < 200 && !tail.bytes.includes('hello-from-talker'); i++) {
    tail = await h.driver.client.tailProcessStdoutLog('talker', 0, 4096);
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.match(tail.bytes, /hello-from-talker/);
  assert.equal(await h.driver.client.signalProcess('talker', 'TERM'), true);
  // autorestart=true: the signalled process is replaced by a new one.
  await waitFor(
    h,
    'talker restarted after TERM',
    (o) => runningAll('talker', 1)(o) && o.get('talker')![0]!.pid !== before,
  );
});

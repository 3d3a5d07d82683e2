// The supervisord ServiceDriver with a real daemon: one daemon per root, adopted across tend restarts
// and surviving the process that started it; validation by supervisord's own parser; system profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeArgsFor } from '../../helpers/paths.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { embeddedLayout, systemLayout } from '../../../src/layout/layout.js';
import { SupervisordDriver } from '../../../src/drivers/supervisord/driver.js';
import { renderSupervisordMainConfig } from '../../../src/drivers/supervisord/main-config.js';
import { renderSupervisordProgram } from '../../../src/render/supervisord-program.js';
import { apply, host, printer, program, runningAll, startHarness, teardown, waitFor } from './harness.js';

const START_DAEMON = nodeArgsFor(import.meta.url, './fixtures/start-daemon.ts');

test('the daemon outlives the Node process that started it and is adopted, never duplicated', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tend-sv-'));
  const layout = embeddedLayout(root);
  const driver = new SupervisordDriver({ host, layout });
  t.after(() => teardown(root, layout, driver));

  const pid = Number(execFileSync(process.execPath, [...START_DAEMON, root], { encoding: 'utf8' }));
  assert.ok(pid > 0);
  assert.equal(await driver.isRunning(), true, 'a fresh driver sees the running daemon');
  await driver.ensureRunning();
  await driver.ensureRunning();
  assert.equal(await driver.client.getPID(), pid, 'ensureRunning adopted it instead of starting another');

  const pidFile = join(root, 'run/supervisord.pid');
  assert.equal(Number(readFileSync(pidFile, 'utf8')), pid);
  // A recorded start time that does not match means the pid was reused: not our daemon.
  const identity = join(root, 'run/supervisord.identity.json');
  const real = readFileSync(identity, 'utf8');
  await host.fs.writeFileAtomic(identity, JSON.stringify({ pid, startTime: 1 }));
  assert.equal(await driver.isRunning(), false);
  // Starting "again" cannot make a second daemon: the socket is held, so supervisord refuses.
  await assert.rejects(driver.ensureRunning(), (e) => isTendError(e, 'TEND_ERR_SERVICE_START'));
  assert.equal(await driver.client.getPID(), pid);
  await host.fs.writeFileAtomic(identity, real);
  assert.equal(await driver.isRunning(), true);

  await driver.stop();
  assert.equal(host.kill(pid, 0), false, 'stop() shut the daemon down');
  assert.equal(await driver.isRunning(), false);
});

test('validate: live through reloadConfig, offline through supervisord parser', async (t) => {
  const h = await startHarness(t);
  await apply(h, { put: [printer(h, 'good')] });
  const pidGood = (await waitFor(h, 'good running', runningAll('good', 1))).get('good')![0]!.pid;
  assert.equal((await h.driver.validate()).ok, true);

  const bad = h.layout.supervisord.programFile('bad');
  await host.fs.writeFileAtomic(bad, '[program:bad]\ncommand=/bin/true\nnumprocs=2\n');
  const live = await h.driver.validate();
  assert.equal(live.ok, false);
  assert.match(live.message, /process_num/);
  assert.deepEqual(live.failingFiles, [bad]);
  assert.equal((await waitFor(h, 'good', runningAll('good', 1))).get('good')![0]!.pid, pidGood);

  await h.driver.stop();
  const offline = await h.driver.validate();
  assert.equal(offline.ok, false);
  assert.deepEqual(offline.failingFiles, [bad]);
  await host.fs.remove(bad);
  assert.equal((await h.driver.validate()).ok, true);
});

test('reload heals a sync lost in a crash: tend-managed files supervisord does not run yet', async (t) => {
  const h = await startHarness(t);
  const p = printer(h, 'orphan');
  const file = renderSupervisordProgram(p, h.layout).files[0]!;
  await host.fs.writeFileAtomic(file.path, file.content, file.mode);
  // A file nobody manages is left for its owner to apply.
  await host.fs.writeFileAtomic(
    h.layout.supervisord.programFile('manual'),
    '[program:manual]\ncommand=/bin/sleep 600\n',
  );
  await h.driver.reload();
  assert.deepEqual(h.driver.lastSync?.actions, { orphan: 'added' });
  const obs = await waitFor(h, 'orphan running', runningAll('orphan', 1));
  assert.equal(obs.has('manual'), false);
});

test('system profile: uses the running supervisord on its socket and never stops it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tend-svs-'));
  const layout = systemLayout(root);
  // Stand in for the distribution's supervisord: a config at the relocated /etc path.
  const asEmbedded = { ...embeddedLayout(root), supervisord: layout.supervisord };
  const driver = new SupervisordDriver({ host, layout });
  const starter = new SupervisordDriver({ host, layout: asEmbedded });
  t.after(async () => {
    await teardown(root, asEmbedded, starter);
  });
  await assert.rejects(driver.ensureRunning(), (e) => isTendError(e, 'TEND_ERR_SERVICE_START'));
  assert.match(renderSupervisordMainConfig(asEmbedded), /etc\/supervisor\/conf\.d\/\*\.conf/);
  await starter.ensureRunning();

  await driver.ensureRunning();
  assert.equal(await driver.isRunning(), true);
  const file = renderSupervisordProgram(program('sys', { command: ['/bin/sleep', '600'] }), layout).files[0]!;
  await host.fs.writeFileAtomic(file.path, file.content, file.mode);
  driver.enqueue({ added: ['sys'] });
  await driver.reload();
  const info = await driver.client.getProcessInfo('sys');
  assert.ok(['STARTING', 'RUNNING'].includes(info.statename), info.statename);
  await driver.stop();
  assert.equal(await driver.isRunning(), true, 'stop() leaves the system daemon alone');
  await assert.rejects(driver.reload({ restart: true }), (e) => isTendError(e, 'TEND_ERR_UNSUPPORTED'));
});

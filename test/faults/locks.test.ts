// Faults on the root's lock: an unreadable lock file while its holder lives must not let a second
// controller in (it once did, and a Program instance ran twice); a SIGKILLed holder that is still a
// zombie holds nothing, so an immediate restart is not refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTendError } from '../../src/errors/catalogue.js';
import { createRealHost } from '../../src/host/index.js';
import { acquireLock, readLock } from '../../src/state/lock.js';
import { freePort, processesMentioning } from '../helpers/e2e.js';
import { tempDir } from '../helpers/tmp.js';
import { programYaml, serveEnv, waitFor } from '../e2e/serve-harness.js';

const host = createRealHost();
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const moduleUrl = (rel: string) => new URL(`../../src/${rel}.${ext}`, import.meta.url).href;

test('tend serve: a garbled lock file while the daemon lives keeps a second serve out; nothing runs twice', async (t) => {
  const env = await serveEnv(t);
  env.write('p.yaml', programYaml('pweb', env.programScript));
  await env.start();
  const instances = () => processesMentioning(env.programScript).filter((p) => !p.cmd.includes('bin/tend'));
  await waitFor('one running instance', async () => (await env.resource('Program/pweb'))?.phase === 'Ready');
  assert.equal(instances().length, 1);

  const lockFile = join(env.root, 'state/lock');
  writeFileSync(lockFile, '{"pid":');
  const second = await env.tend('serve', '--listen', `127.0.0.1:${await freePort()}`);
  assert.equal(second.code, 1, second.stdout + second.stderr);
  const out = second.stdout + second.stderr;
  assert.match(out, /TEND_ERR_LOCKED/);
  assert.match(out, new RegExp(lockFile.replace(/[/.]/g, '\\$&')));

  // The first daemon still owns the root: it keeps serving and the Program was not started twice.
  assert.equal(env.daemon.proc.exitCode, null);
  assert.equal((await env.api('POST', '/v1/reconcile')).status, 200);
  assert.equal(instances().length, 1);
  assert.equal(readFileSync(lockFile, 'utf8'), '{"pid":');

  // Once the holder is gone for good, the garbled file is no obstacle: the next serve takes over.
  env.daemon.proc.kill('SIGKILL');
  await env.daemon.exited;
  await env.start();
  assert.equal((await readLock(host, join(env.root, 'state')))?.pid, env.daemon.proc.pid);
  await waitFor(
    'the adopted instance Ready',
    async () => (await env.resource('Program/pweb'))?.phase === 'Ready',
  );
  assert.equal(instances().length, 1);
});

// The holder runs under a parent that never reaps it (`exec sleep`), so after SIGKILL it stays a zombie.
const HOLDER = `
const { acquireLock } = await import(process.env.LOCK_MODULE);
const { createRealHost } = await import(process.env.HOST_MODULE);
await acquireLock(createRealHost(), process.env.STATE_DIR, 'tend serve');
process.stdout.write('locked ' + process.pid + '\\n');
setInterval(() => {}, 60_000);
`;

test('a SIGKILLed holder that is still a zombie holds nothing: the next acquire succeeds at once', async (t) => {
  const stateDir = join(tempDir(t), 'state');
  const script = join(tempDir(t), 'holder.mjs');
  writeFileSync(script, HOLDER);
  const node = process.execPath;
  const wrapper = spawn('sh', ['-c', `"${node}" "${script}" & exec sleep 600`], {
    env: {
      ...process.env,
      LOCK_MODULE: moduleUrl('state/lock'),
      HOST_MODULE: moduleUrl('host/index'),
      STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => wrapper.kill('SIGKILL'));
  const holderPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    wrapper.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /locked (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    wrapper.once('exit', () => reject(new Error(`holder exited before locking: ${out}`)));
  });

  await assert.rejects(acquireLock(host, stateDir, 'tend reconcile'), (err: unknown) => {
    assert.ok(isTendError(err, 'TEND_ERR_LOCKED'));
    assert.match(err.message, new RegExp(`pid ${holderPid} \\("tend serve"\\)`));
    return true;
  });

  process.kill(holderPid, 'SIGKILL');
  const state = () => readFileSync(`/proc/${holderPid}/stat`, 'utf8').split(') ')[1]?.[0];
  await waitFor('the holder to be a zombie', () => state() === 'Z', 10_000);
  const lock = await acquireLock(host, stateDir, 'tend reconcile');
  t.after(() => lock.release());
  assert.equal(state(), 'Z', 'the holder was still an unreaped zombie when the lock was taken');
  assert.equal((await readLock(host, stateDir))?.pid, process.pid);
});

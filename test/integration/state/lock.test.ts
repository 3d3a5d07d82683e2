import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost, processStartTime } from '../../../src/host/index.js';
import { acquireLock, readLock } from '../../../src/state/lock.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
// Compiled runs import .js from dist; tsx runs import the .ts sources.
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const moduleUrl = (rel: string) => new URL(`../../../src/${rel}.${ext}`, import.meta.url).href;

const CHILD = `
const { acquireLock } = await import(process.env.LOCK_MODULE);
const { createRealHost } = await import(process.env.HOST_MODULE);
await acquireLock(createRealHost(), process.env.STATE_DIR, 'serve');
process.stdout.write('locked\\n');
setInterval(() => {}, 60_000);
`;

/** Starts a child tend-alike that takes the lock and holds it until killed. */
async function lockHolder(t: { after: (fn: () => void) => void }, stateDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [...process.execArgv.filter((a) => !a.startsWith('--test')), '--input-type=module', '-e', CHILD],
    {
      env: {
        ...process.env,
        LOCK_MODULE: moduleUrl('state/lock'),
        HOST_MODULE: moduleUrl('host/index'),
        STATE_DIR: stateDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking: ${err}`)));
  });
  return child;
}

test('a live holder blocks a second acquire, which names it; after kill -9 the lock is taken over', async (t) => {
  const stateDir = join(tempDir(t), 'state');
  const child = await lockHolder(t, stateDir);

  const holder = await readLock(host, stateDir);
  assert.equal(holder?.pid, child.pid);
  assert.equal(holder?.command, 'serve');
  assert.equal(holder?.startTime, await processStartTime(child.pid!));

  await assert.rejects(acquireLock(host, stateDir, 'reconcile'), (err: unknown) => {
    assert.ok(isTendError(err, 'TEND_ERR_LOCKED'));
    assert.match(err.message, new RegExp(`pid ${child.pid} \\("serve"\\)`));
    assert.match(err.message, new RegExp(holder!.since.replace(/\./g, '\\.')));
    assert.deepEqual(err.details.holder, { pid: child.pid, command: 'serve', since: holder!.since });
    return true;
  });

  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');

  const lock = await acquireLock(host, stateDir, 'reconcile');
  assert.equal(lock.info.pid, process.pid);
  assert.equal((await readLock(host, stateDir))?.command, 'reconcile');
  await lock.release();
  assert.equal(existsSync(join(stateDir, 'lock')), false);
  await lock.release();
});

test('the same process cannot hold the lock twice', async (t) => {
  const stateDir = tempDir(t);
  const lock = await acquireLock(host, stateDir, 'serve');
  t.after(() => lock.release());
  await assert.rejects(acquireLock(host, stateDir, 'reconcile'), (err: unknown) =>
    isTendError(err, 'TEND_ERR_LOCKED'),
  );
});

test('a lock with our pid but another start time is stale (pid reuse) and is taken over', async (t) => {
  const stateDir = tempDir(t);
  const ours = await processStartTime(process.pid);
  assert.notEqual(ours, undefined);
  const stale = {
    pid: process.pid,
    startTime: ours! + 1,
    command: 'serve',
    since: '2020-01-01T00:00:00.000Z',
    token: 'old',
  };
  writeFileSync(join(stateDir, 'lock'), JSON.stringify(stale));
  const lock = await acquireLock(host, stateDir, 'reconcile');
  t.after(() => lock.release());
  assert.equal((await readLock(host, stateDir))?.token, lock.info.token);
});

test('an unreadable lock file with no live holder is taken over', async (t) => {
  const stateDir = tempDir(t);
  writeFileSync(join(stateDir, 'lock'), '{"pid":');
  const lock = await acquireLock(host, stateDir, 'serve');
  await lock.release();
  assert.equal(existsSync(join(stateDir, 'lock')), false);
});

test('release leaves a lock that is no longer ours alone', async (t) => {
  const stateDir = tempDir(t);
  const lock = await acquireLock(host, stateDir, 'serve');
  const path = join(stateDir, 'lock');
  const other = JSON.stringify({ ...lock.info, token: 'someone-else' });
  writeFileSync(path, other);
  await lock.release();
  assert.equal(readFileSync(path, 'utf8'), other);
});

// Masters outlive the Node process that started them, the next run adopts them without
// duplicates, and a pid file naming an unrelated live process is never trusted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { serviceDriverFor, type NginxDriver, type PhpFpmDriver } from '../../../src/drivers/services.js';
import { nodeArgsFor } from '../../helpers/paths.js';
import { waitFor } from '../../e2e/serve-harness.js';
import { pingPool } from '../../../src/drivers/php-fpm/fastcgi.js';
import { PHP, embeddedFixture, httpGet, masters, realHost, writePool, writeVhost } from './harness.js';

const run = promisify(execFile);

/**
 * The one master of `kind`, polled: a worker a master has just forked bears the master's title
 * until it sets its own, so one read can count two. Two masters that stay are a failure.
 */
const oneMaster = (root: string, kind: 'nginx' | 'php-fpm') =>
  waitFor(
    `one ${kind} master`,
    () => {
      const found = masters(root, kind);
      return found.length === 1 ? found : undefined;
    },
    20_000,
  );

/** Runs the compiled fixture in a fresh Node process. */
async function startInChild(root: string, port: number): Promise<Record<string, number>> {
  const args = nodeArgsFor(import.meta.url, './fixtures/start-masters.ts');
  const { stdout } = await run(process.execPath, [...args, root, String(port)], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
}

test('masters started by a process that exited are adopted by the next one, never duplicated', async (t) => {
  const f = await embeddedFixture(t);
  writeVhost(f, 'v1');
  writePool(f);

  const first = await startInChild(f.root, f.port);
  assert.ok(first.nginx && first[`php-fpm@${PHP}`], JSON.stringify(first));
  // The child has exited: the masters must still serve.
  assert.equal((await httpGet(f.port, 'app.test', '/index.php')).body, 'php says GET ');
  assert.equal((await pingPool({ socketPath: f.socket }, '/ping', 'pong-app')).ok, true);

  const second = await startInChild(f.root, f.port);
  assert.deepEqual(second, first, 'the second run adopted the same masters');
  assert.equal((await oneMaster(f.root, 'nginx')).length, 1);
  assert.equal((await oneMaster(f.root, 'php-fpm')).length, 1);

  const ctx = { host: realHost(), layout: f.layout };
  const nginx = serviceDriverFor('nginx', ctx) as NginxDriver;
  const php = serviceDriverFor(`php-fpm@${PHP}`, ctx) as PhpFpmDriver;
  assert.equal(await nginx.isRunning(), true);
  assert.match((await nginx.reload()).method, /^SIGHUP/);
  await nginx.stop();
  await php.stop();
  assert.deepEqual([...masters(f.root, 'nginx'), ...masters(f.root, 'php-fpm')], []);
});

test('a pid file naming an unrelated live process is not adopted, nor signalled', async (t) => {
  const f = await embeddedFixture(t);
  writeVhost(f, 'v1');
  const ctx = { host: realHost(), layout: f.layout };
  const nginx = serviceDriverFor('nginx', ctx) as NginxDriver;
  // This test process is alive, but it is not our nginx: pid reuse must not fool the driver.
  mkdirSync(`${f.root}/run`, { recursive: true });
  writeFileSync(f.layout.nginx.pidFile, `${process.pid}\n`);
  mkdirSync(`${f.layout.stateDir}/services`, { recursive: true });
  writeFileSync(nginx.tracker.stateFile, JSON.stringify({ pid: process.pid, startTime: 1 }));
  assert.equal(await nginx.isRunning(), false);
  const received: string[] = [];
  const onSignal = (signal: string) => received.push(signal);
  for (const s of ['SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  t.after(() => ['SIGQUIT', 'SIGTERM', 'SIGHUP'].forEach((s) => process.off(s, onSignal)));
  await nginx.stop();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(received, [], 'stop() must not signal a process that is not our master');

  await nginx.ensureRunning();
  const master = await nginx.tracker.current();
  assert.ok(master && master.pid !== process.pid);
  assert.deepEqual(
    (await oneMaster(f.root, 'nginx')).map((p) => p.pid),
    [master.pid],
  );
  await nginx.stop();
  assert.equal(masters(f.root, 'nginx').length, 0);
});

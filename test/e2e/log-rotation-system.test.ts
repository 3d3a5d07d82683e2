// The system profile end to end (issue 17 item 5, decision 0044): `tend serve --profile system` on a
// relocated stock Debian root writes /etc/logrotate.d/tend itself, and a real `logrotate -f` run on
// those rules rotates a native Program's log while it writes; the postrotate finds tend serve through
// serve.pid and its USR2 makes the supervisor reopen: /proc/<serve>/fd shows the live log only, and
// the Program's numbered lines are all there, each once, across the log and its rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemLayout } from '../../src/layout/layout.js';
import { BIN, freePort, webBaseArgs } from '../helpers/e2e.js';
import { openFiles } from '../helpers/procs.js';
import { waitFor } from './serve-harness.js';
import { stockEnv } from './stock-nginx.js';

test('system profile under tend serve: logrotate rules written by the daemon; logrotate -f rotates a Program log and USR2 reopens it; no line lost', async (t) => {
  const env = stockEnv(t, await freePort());
  const layout = systemLayout(env.root);
  writeFileSync(
    join(env.ds, 'ticker.yaml'),
    `apiVersion: tend/v1
kind: Program
metadata: { name: ticker }
spec:
  command: ['i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.01; done']
  shell: true
  user: root
  allowRoot: true
`,
  );
  const serve = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--profile',
      'system',
      '--root',
      env.root,
      '-d',
      env.ds,
      '--http-port',
      String(env.port),
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--log-check',
      '1s',
      ...webBaseArgs(env.base),
    ],
    { cwd: env.base, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
  );
  let out = '';
  serve.stdout.on('data', (d: Buffer) => (out += d.toString()));
  serve.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => serve.on('exit', () => r()));
  t.after(async () => {
    if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    await exited;
  });
  const rules = join(env.root, 'etc/logrotate.d/tend');
  const log = join(layout.programs.logDir, 'ticker-0.log');
  const pidFile = join(layout.stateDir, 'serve.pid');
  await waitFor(
    'the daemon to write its logrotate rules and the Program to log',
    async () => {
      if (serve.exitCode !== null) throw new Error(`tend serve exited ${serve.exitCode}: ${out}`);
      return existsSync(rules) && existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 50;
    },
    90_000,
  ).catch((err: Error) =>
    assert.fail(`${err.message}: rules ${existsSync(rules)}, log ${existsSync(log)}\n${out}`),
  );
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(serve.pid));
  assert.ok(readFileSync(rules, 'utf8').includes(`${layout.programs.logDir}/*.log`));

  const state = join(env.root, 'var/lib/logrotate.status');
  const run = spawnSync('logrotate', ['-f', '-v', '-s', state, rules], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(existsSync(`${log}.1`), run.stderr);

  // The supervisor (tend serve itself) reopened at USR2: it holds the live log, not the rotated one.
  let last = '';
  await waitFor(
    'tend serve on the live Program log',
    async () => {
      const files = openFiles(serve.pid!).filter((f) => f.startsWith(layout.programs.logDir));
      last = JSON.stringify(files);
      return files.length === 1 && files[0] === log && existsSync(log);
    },
    20_000,
  ).catch((err: Error) => assert.fail(`${err.message}: ${last}\n${out}`));
  // The 1 s rotation round may have reopened the moved log first: the signal's own handling is
  // then logged a moment later, so wait for it rather than read the output once.
  await waitFor('the USR2 reopen in the daemon log', async () => /SIGUSR2: logs reopened/.test(out), 20_000);
  await waitFor(
    'new lines in the new file',
    async () => readFileSync(log, 'utf8').split('\n').length > 20,
    20_000,
  );

  serve.kill('SIGTERM');
  await exited;
  assert.equal(existsSync(pidFile), false, 'serve.pid goes with the daemon');
  const numbers = [log, `${log}.1`]
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .flatMap((l) => /^line (\d+)$/.exec(l)?.[1] ?? [])
    .map(Number)
    .sort((a, b) => a - b);
  assert.ok(numbers.length > 70);
  assert.deepEqual(
    numbers,
    numbers.map((_, i) => i),
    'lines 0…n, each once, across the log and its rotation',
  );
});

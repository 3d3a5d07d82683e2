// End to end: a Program with restart: never that exits 0 reads Completed (not Degraded), is not
// started again when `tend serve` restarts (SIGTERM or SIGKILL), and runs again once its spec changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveEnv, sleep, waitFor } from './serve-harness.js';

const onceYaml = (script: string, counter: string, marker: string) => `apiVersion: tend/v1
kind: Program
metadata: { name: once }
spec:
  command: [/bin/sh, ${script}, ${counter}]
  user: nobody
  restart: never
  startSeconds: 0
  env: { MARK: ${marker} }
`;

const runsOf = (counter: string) => readFileSync(counter, 'utf8').split('\n').filter(Boolean);

test('the 0-exit Program stays Completed across a restart', async (t) => {
  const env = await serveEnv(t);
  const script = join(env.base, 'once.sh');
  const counter = join(env.base, 'runs.txt');
  writeFileSync(script, 'echo "$MARK" >> "$1"\nexit 0\n');
  writeFileSync(counter, '');
  chmodSync(counter, 0o666);
  env.write('once.yaml', onceYaml(script, counter, 'first'));

  await env.start();
  const completed = () =>
    waitFor('Program/once to read Completed', async () => {
      const st = await env.resource('Program/once');
      return st?.phase === 'Completed' && st;
    });
  await completed();
  assert.deepEqual(runsOf(counter), ['first']);

  // A graceful stop, then a SIGKILL: neither restart runs finished work again.
  env.daemon.proc.kill('SIGTERM');
  assert.equal(await env.daemon.exited, 0);
  await env.start();
  const st = await completed();
  await sleep(3_000); // a resync pass (2 s) as well
  assert.deepEqual(runsOf(counter), ['first'], 'not started again by a restart');
  assert.match(JSON.stringify(st), /exited 0/);

  env.daemon.proc.kill('SIGKILL');
  await env.daemon.exited;
  await env.start();
  await completed();
  await sleep(3_000);
  assert.deepEqual(runsOf(counter), ['first'], 'not started again after a SIGKILL either');

  // Only a spec change starts it again.
  env.write('once.yaml', onceYaml(script, counter, 'second'));
  await waitFor('the changed spec to run', () => runsOf(counter).length === 2);
  assert.deepEqual(runsOf(counter), ['first', 'second']);
  await completed();
});

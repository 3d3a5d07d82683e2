// Pure pieces of the supervisor: backoff arithmetic, dependsOn order, runtime spec, redaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { programResource } from '../../../src/model/index.js';
import { backoffDelay, redact, runtimeSpec } from '../../../src/supervisor/runtime-spec.js';
import { topoOrder } from '../../../src/supervisor/order.js';
import { afterExit, describeExit } from '../../../src/supervisor/proc.js';

const program = (name: string, spec: Record<string, unknown>) =>
  programResource.parse({ apiVersion: 'tend/v1', kind: 'Program', metadata: { name }, spec });

test('backoff doubles from initial and is capped at max', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(50, 1000, n)),
    [50, 100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(backoffDelay(50, 1000, 0), 0);
  assert.equal(backoffDelay(100, 30_000, 500), 30_000, 'no overflow on long loops');
});

test('dependsOn order puts dependencies first and is stable', () => {
  const ps = [
    program('web', { command: ['x'], dependsOn: ['db', 'cache'] }),
    program('cache', { command: ['x'] }),
    program('db', { command: ['x'] }),
    program('worker', { command: ['x'], dependsOn: ['web'] }),
  ];
  assert.deepEqual(topoOrder(ps), ['cache', 'db', 'web', 'worker']);
  // A dependency outside the set does not hold anything back.
  assert.deepEqual(topoOrder([program('a', { command: ['x'], dependsOn: ['elsewhere'] })]), ['a']);
});

test('shell: true is the only way through /bin/sh', () => {
  assert.deepEqual(runtimeSpec(program('s', { command: ['echo $HOME; ls'], shell: true })).argv, [
    '/bin/sh',
    '-c',
    'echo $HOME; ls',
  ]);
  assert.deepEqual(runtimeSpec(program('n', { command: ['echo', '$(rm -rf /)'] })).argv, [
    'echo',
    '$(rm -rf /)',
  ]);
});

test('scaling changes the program generation but not the instance generation', () => {
  const a = runtimeSpec(program('p', { command: ['x'], instances: 1 }));
  const b = runtimeSpec(program('p', { command: ['x'], instances: 4 }));
  const c = runtimeSpec(program('p', { command: ['x'], instances: 4, user: 'www-data' }));
  assert.notEqual(a.generation, b.generation);
  assert.equal(a.instanceGeneration, b.instanceGeneration);
  assert.notEqual(b.instanceGeneration, c.instanceGeneration);
});

test('secret env values are known to the runtime spec and redacted', () => {
  const rs = runtimeSpec(
    program('p', { command: ['x'], env: { A: 'plain', TOKEN: { value: 's3cr3t-value' } } }),
  );
  assert.deepEqual(rs.secretValues, ['s3cr3t-value']);
  assert.equal(rs.env.TOKEN, 's3cr3t-value');
  assert.equal(redact('log: token=s3cr3t-value end', rs.secretValues), 'log: token=*** end');
});

test('afterExit: policy, failed starts, stable runs and the crash-loop threshold', () => {
  const spec = { restart: 'on-failure' as const, startMs: 0, backoffInitialMs: 50, backoffMaxMs: 1000 };
  assert.deepEqual(afterExit(spec, { bad: false, uptimeMs: 10 }, 0), { restart: false });
  assert.deepEqual(afterExit({ ...spec, restart: 'never' }, { bad: true, uptimeMs: 10 }, 0), {
    restart: false,
  });
  // startSeconds: 0 still counts a 10 ms run as a failed start (MIN_STABLE_MS): no unthrottled spin.
  const quick = afterExit(spec, { bad: true, uptimeMs: 10 }, 0);
  assert.deepEqual(quick, { restart: true, delayMs: 50, failures: 1, crashLoop: false, failedStart: true });
  const fifth = afterExit(spec, { bad: true, uptimeMs: 10 }, 4);
  assert.ok(fifth.restart && fifth.crashLoop && fifth.delayMs === 800);
  const stable = afterExit({ ...spec, restart: 'always' }, { bad: false, uptimeMs: 5000 }, 7);
  assert.deepEqual(stable, { restart: true, delayMs: 0, failures: 0, crashLoop: false, failedStart: false });
  assert.equal(describeExit(null, 'SIGKILL'), 'killed by SIGKILL (exit 137)');
  assert.equal(describeExit(3, null), 'exited 3');
});

test('runtimeSpec: built once per frozen Program and frozen itself; an unfrozen Program is built afresh', () => {
  const open = program('w', { command: ['/bin/true'] });
  const first = runtimeSpec(open);
  assert.ok(Object.isFrozen(first), 'a shared spec cannot be changed by one of its readers');
  assert.notEqual(runtimeSpec(open), first);
  (open.spec as { instances: number }).instances = 3;
  assert.equal(runtimeSpec(open).instances, 3);

  const frozen = program('w', { command: ['/bin/true'] });
  Object.freeze(frozen.spec);
  if (frozen.metadata.labels) Object.freeze(frozen.metadata.labels);
  Object.freeze(frozen.metadata);
  Object.freeze(frozen);
  assert.equal(runtimeSpec(frozen), runtimeSpec(frozen));
  assert.equal(runtimeSpec(frozen).generation, first.generation);
});

// Liveness restarts only the failing instance; dependsOn starts B after A is Ready; port: auto gives
// distinct ports and skips a port held by a foreign process. Each test's range is reserved across
// test processes (helpers/ports.ts) and lies above the daemons' own `port: auto` range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { reserveRange } from '../../helpers/ports.js';
import { fixture, program, rig, sleep, until } from './helpers.js';

test('a failing liveness probe restarts only its own instance', async (t) => {
  const range = await reserveRange(20);
  const { sup, events } = rig(t, range);
  await sup.apply([
    program('web', {
      command: [process.execPath, fixture('server.js')],
      allowRoot: true,
      instances: 2,
      port: 'auto',
      startSeconds: 0,
      env: { FAIL_INSTANCE: '1' },
      health: {
        type: 'tcp',
        mode: 'liveness',
        interval: '1s',
        timeout: '500ms',
        failureThreshold: 2,
        initialDelay: '0s',
      },
    }),
  ]);
  const first = await until('two pids', () => {
    const s = sup.statusOf('web')?.instances;
    return s?.length === 2 && s.every((i) => i.pid) ? s : undefined;
  });
  const healthyPid = first[0]?.pid;
  await until('instance 1 restarted', () => (sup.statusOf('web')?.instances[1]?.restarts ?? 0) >= 1, 10_000);
  const now = sup.statusOf('web')?.instances ?? [];
  assert.equal(now[0]?.pid, healthyPid, 'the healthy instance keeps its pid');
  assert.equal(now[0]?.restarts, 0);
  assert.equal(now[0]?.health, 'healthy');
  assert.notEqual(now[1]?.pid, first[1]?.pid);
  assert.ok(events.some((e) => e.reason === 'ProbeFailed' && e.instance === 1));
  assert.ok(!events.some((e) => e.reason === 'ProbeFailed' && e.instance === 0));
});

test('health is Unknown before the first probe and a readiness probe gates Ready', async (t) => {
  const range = await reserveRange(5);
  const { sup } = rig(t, range);
  await sup.apply([
    program('slow', {
      command: [process.execPath, fixture('server.js')],
      allowRoot: true,
      port: 'auto',
      startSeconds: 0,
      health: { type: 'http', path: '/healthz', mode: 'readiness', initialDelay: '1s', interval: '1s' },
    }),
  ]);
  const st = sup.statusOf('slow')?.instances[0];
  assert.equal(st?.health, 'unknown');
  assert.equal(st?.ready, false);
  await until('ready', () => sup.statusOf('slow')?.ready, 6000);
  assert.equal(sup.statusOf('slow')?.instances[0]?.health, 'healthy');
});

test('dependsOn: B starts only after A is Ready', async (t) => {
  const { sup, events } = rig(t);
  const a = program('a', { command: [fixture('sleeper.sh')], allowRoot: true, startSeconds: 1 });
  const b = program('b', {
    command: [fixture('sleeper.sh')],
    allowRoot: true,
    startSeconds: 0,
    dependsOn: ['a'],
  });
  await sup.apply([b, a]);
  assert.deepEqual(sup.statusOf('b')?.waitingFor, ['a']);
  assert.equal(sup.statusOf('b')?.instances.length, 0);
  await until('b ready', () => sup.statusOf('b')?.ready, 6000);
  const aReady = events.find((e) => e.key === 'Program/a' && e.reason === 'Ready');
  const bStarted = events.find((e) => e.key === 'Program/b' && e.reason === 'Started');
  assert.ok(aReady && bStarted);
  assert.ok(Date.parse(bStarted.at) >= Date.parse(aReady.at), `${bStarted.at} >= ${aReady.at}`);
  const aStartedAt = Date.parse(
    events.find((e) => e.key === 'Program/a' && e.reason === 'Started')?.at ?? '',
  );
  assert.ok(Date.parse(bStarted.at) - aStartedAt >= 900, "B waited for A's startSeconds");
  // Stop order is the reverse: b before a.
  await sup.apply([]);
  const stops = events.filter((e) => e.reason === 'Stopped').map((e) => e.key);
  assert.deepEqual(stops, ['Program/b', 'Program/a']);
});

test('port: auto gives distinct ports and skips one held by a foreign process', async (t) => {
  const range = await reserveRange(10);
  const foreign: Server = createServer();
  await new Promise<void>((r) => foreign.listen(range.from, '127.0.0.1', () => r()));
  t.after(() => foreign.close());
  const { sup, root } = rig(t, range);
  await sup.apply([
    program('p1', { command: [fixture('sleeper.sh')], allowRoot: true, port: 'auto' }),
    program('p2', { command: [fixture('sleeper.sh')], allowRoot: true, port: 'auto', instances: 2 }),
  ]);
  const ports = [...(sup.statusOf('p1')?.instances ?? []), ...(sup.statusOf('p2')?.instances ?? [])].map(
    (i) => i.port,
  );
  assert.equal(ports.length, 3);
  assert.equal(new Set(ports).size, 3, `distinct: ${ports.join(',')}`);
  for (const p of ports) {
    assert.ok(p !== undefined && p > range.from && p <= range.to, `port ${p} in range, not the foreign one`);
  }
  const { readFileSync } = await import('node:fs');
  const leases = JSON.parse(readFileSync(`${root}/state/ports.json`, 'utf8')).leases;
  assert.equal(leases['Program/p2#1'], sup.statusOf('p2')?.instances[1]?.port);
  // PORT reaches the program.
  const log = await until('log', () => {
    try {
      const text = readFileSync(sup.statusOf('p1')?.instances[0]?.logFile ?? '', 'utf8');
      return text.includes('up port=') ? text : undefined;
    } catch {
      return undefined;
    }
  });
  assert.match(log, new RegExp(`up port=${ports[0]} instance=0`));
  // Deleting a Program releases its leases.
  await sup.apply([program('p1', { command: [fixture('sleeper.sh')], allowRoot: true, port: 'auto' })]);
  await sleep(50);
  const after = JSON.parse(readFileSync(`${root}/state/ports.json`, 'utf8')).leases;
  assert.equal(after['Program/p2#0'], undefined);
  assert.equal(after['Program/p1#0'], ports[0]);
});

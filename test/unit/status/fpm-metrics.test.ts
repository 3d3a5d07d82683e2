// tend_fpm_* from pool statuses: gauges follow the last figures, counters only grow across a php-fpm
// restart (which starts its own counters at 0 again), a deleted pool leaves, non-Pools never appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { fpmFiguresOf, registerFpmMetrics, type PoolFpmFigures } from '../../../src/status/fpm-metrics.js';

const figures = (over: Partial<PoolFpmFigures>): PoolFpmFigures => ({
  startTime: '2026-01-01T00:00:00.000Z',
  acceptedConn: 0,
  listenQueue: 0,
  maxListenQueue: 0,
  listenQueueLen: 511,
  idleProcesses: 1,
  activeProcesses: 1,
  totalProcesses: 2,
  maxChildrenReached: 0,
  slowRequests: 0,
  queued: 0,
  ...over,
});

async function sample(registry: Registry, series: string, pool: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series}{pool="${pool}"} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

test('counters only grow across a master restart; gauges follow; a deleted pool leaves', async () => {
  const registry = new Registry();
  let statuses: { kind: string; name: string; health?: Record<string, unknown> }[] = [];
  registerFpmMetrics(registry, () => fpmFiguresOf(statuses));
  const set = (f: PoolFpmFigures) => {
    statuses = [
      { kind: 'Pool', name: 'shop', health: { fpm: f } },
      { kind: 'Site', name: 'shop', health: { fpm: figures({ acceptedConn: 999 }) } },
      { kind: 'Pool', name: 'unprobed' },
    ];
  };
  set(figures({ acceptedConn: 100, queued: 3 }));
  assert.equal(await sample(registry, 'tend_fpm_accepted_connections_total', 'shop'), 100);
  assert.equal(await sample(registry, 'tend_fpm_listen_queue', 'shop'), 3);
  assert.equal(
    await sample(registry, 'tend_fpm_start_time_seconds', 'shop'),
    Date.parse('2026-01-01') / 1000,
  );
  assert.equal(await sample(registry, 'tend_fpm_total_processes', 'unprobed'), undefined);
  set(figures({ acceptedConn: 130 }));
  assert.equal(await sample(registry, 'tend_fpm_accepted_connections_total', 'shop'), 130);
  assert.equal(await sample(registry, 'tend_fpm_listen_queue', 'shop'), 0);
  // php-fpm restarted: its figure is 5 again, the counter adds those 5 (it never falls).
  set(figures({ startTime: '2026-01-02T00:00:00.000Z', acceptedConn: 5 }));
  assert.equal(await sample(registry, 'tend_fpm_accepted_connections_total', 'shop'), 135);
  statuses = [];
  const text = await registry.metrics();
  assert.doesNotMatch(text, /pool="shop"/, 'a deleted pool leaves every series');
  assert.match(text, /# TYPE tend_fpm_accepted_connections_total counter/, 'the family is still served');
});

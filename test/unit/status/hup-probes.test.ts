// After a verified nginx HUP the status phase probes only the Sites that changed (decision 0023);
// a start or restart of nginx still probes every Site it serves. Probes hit a real local HTTP
// server standing in for nginx, which counts requests per Host header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyResult } from '../../../src/apply/executor.js';
import { writeStatus } from '../../../src/status/status-writer.js';
import { createRealHost } from '../../../src/host/index.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';
import { applyOf, loadOfSites, nginxStandIn } from './status-fixture.js';

async function probedHosts(t: Parameters<typeof tempDir>[0], reload: ApplyResult['reloads'][number]) {
  const { layout, hits } = await nginxStandIn(t);
  const store = await StatusStore.load(createRealHost(), tempDir(t));
  const now = Date.now();
  for (const name of ['edited', 'other']) {
    const healthy = setCondition(
      newStatus('Site', name, now),
      { type: 'Healthy', status: 'True', reason: 'ProbeSucceeded', message: 'ok' },
      now,
    );
    store.put({ ...healthy, health: { probedAt: new Date(now - 60_000).toISOString() } });
  }
  const load = loadOfSites(['edited', 'other'], 'g1');
  const apply = applyOf({ 'Site/edited': 'update', 'Site/other': 'no-op' }, [reload]);
  await writeStatus({ layout, load, rendered: [], apply, store });
  return [...new Set(hits)].sort();
}

test('a verified nginx HUP probes the changed Site only', async (t) => {
  const hosts = await probedHosts(t, {
    service: 'nginx',
    method: 'SIGHUP to 10 (workers 11 -> 12)',
    durationMs: 1,
  });
  assert.deepEqual(hosts, ['edited.unit.test']);
});

test('a restarted or started nginx probes every Site it serves', async (t) => {
  for (const method of ['restarted', 'started']) {
    const hosts = await probedHosts(t, { service: 'nginx', method, durationMs: 1 });
    assert.deepEqual(hosts, ['edited.unit.test', 'other.unit.test'], method);
  }
});

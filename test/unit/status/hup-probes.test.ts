// After a verified nginx HUP the status phase probes only the Sites that changed (decision 0023);
// a start or restart of nginx still probes every Site it serves. Probes hit a real local HTTP
// server standing in for nginx, which counts requests per Host header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApplyResult } from '../../../src/apply/executor.js';
import { writeStatus } from '../../../src/status/status-writer.js';
import { createRealHost } from '../../../src/host/index.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { siteResource } from '../../../src/model/site.js';
import type { ResourceKey } from '../../../src/model/index.js';
import type { LoadResult } from '../../../src/source/index.js';
import { newStatus, setCondition } from '../../../src/state/conditions.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';

const site = (name: string) =>
  siteResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Site',
    metadata: { name },
    spec: { domains: [`${name}.unit.test`], preset: 'static', root: '/srv/x' },
  });

async function probedHosts(t: Parameters<typeof tempDir>[0], reload: ApplyResult['reloads'][number]) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(String(req.headers.host).replace(/:\d+$/, ''));
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const layout = embeddedLayout(tempDir(t), { httpPort: (server.address() as AddressInfo).port });
  const store = await StatusStore.load(createRealHost(), tempDir(t));
  const now = Date.now();
  const sites = [site('edited'), site('other')];
  for (const s of sites) {
    const healthy = setCondition(
      newStatus('Site', s.metadata.name, now),
      { type: 'Healthy', status: 'True', reason: 'ProbeSucceeded', message: 'ok' },
      now,
    );
    store.put({ ...healthy, health: { probedAt: new Date(now - 60_000).toISOString() } });
  }
  const load: LoadResult = {
    ok: true,
    resources: sites.map((s) => ({
      resource: s,
      key: `Site/${s.metadata.name}` as ResourceKey,
      file: `${s.metadata.name}.yaml`,
      line: 1,
      col: 1,
      generation: 'g1',
    })),
    errors: [],
    unknownFiles: [],
    unknownKeys: [],
    invalidKeys: [],
    files: [],
  };
  const apply: ApplyResult = {
    outcomes: [
      { key: 'Site/edited' as ResourceKey, action: 'update', status: 'applied' },
      { key: 'Site/other' as ResourceKey, action: 'no-op', status: 'unchanged' },
    ],
    reloads: [reload],
    validations: 1,
    durationMs: 1,
  };
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

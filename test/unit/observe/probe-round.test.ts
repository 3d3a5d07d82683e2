// The probe round's order: a Site whose probe through nginx fails invalidates the cached verdict of
// the Pool behind it (the Pool is pinged in the same pass); a Site that answers leaves its Pool's
// fresh verdict alone; an operator's key is probed whatever the verdict's age.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { probeRound } from '../../../src/observe/probe-round.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { SCHEMAS, type Resource, type ResourceKey } from '../../../src/model/index.js';
import type { LoadedResource } from '../../../src/source/index.js';
import { newStatus, setCondition, type ResourceStatus } from '../../../src/state/conditions.js';

const parse = (kind: 'Site' | 'Pool', name: string, spec: unknown) =>
  SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec }) as Resource;
const loaded = (r: Resource): LoadedResource => ({
  resource: r,
  key: `${r.kind}/${r.metadata.name}` as ResourceKey,
  file: 'x.yaml',
  line: 1,
  col: 1,
  generation: 'g',
});
const resources = [
  loaded(parse('Pool', 'shop', { php: '8.2' })),
  loaded(parse('Pool', 'blog', { php: '8.2' })),
  loaded(
    parse('Site', 'shop', {
      domains: ['shop.test'],
      preset: 'php',
      root: '/srv/shop',
      php: { pool: 'shop' },
    }),
  ),
];

function healthy(key: ResourceKey): ResourceStatus {
  const [kind, name] = key.split('/') as ['Site' | 'Pool', string];
  const now = Date.now();
  const st = setCondition(
    newStatus(kind, name, now),
    { type: 'Healthy', status: 'True', reason: 'ProbeSucceeded', message: 'ok' },
    now,
  );
  return { ...st, health: { probedAt: new Date(now).toISOString() } };
}

async function nginxStandIn(status: number): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

async function round(status: number) {
  const server = await nginxStandIn(status);
  try {
    const layout = embeddedLayout('/nonexistent/tend-probe-round', {
      httpPort: (server.address() as AddressInfo).port,
    });
    return await probeRound({
      layout,
      resources,
      statusOf: healthy,
      outcomes: new Map(),
      ctx: { touched: new Set(), now: Date.now() },
      probeNow: new Set(['Site/shop']),
      now: Date.now,
    });
  } finally {
    server.close();
  }
}

test('a Site that fails through nginx gets its Pool pinged afresh, not its cached verdict', async () => {
  const r = await round(502);
  assert.equal(r.verdicts.get('Site/shop' as ResourceKey)?.ok, false);
  // The pool's socket does not exist here: the fresh ping says so instead of the cached "ok".
  const pool = r.verdicts.get('Pool/shop' as ResourceKey);
  assert.equal(pool?.ok, false);
  assert.match(pool?.message ?? '', /ping/);
  assert.equal(r.verdicts.has('Pool/blog' as ResourceKey), false, 'an unrelated pool keeps its verdict');
});

test('a Site that answers leaves its Pool on its fresh cached verdict', async () => {
  const r = await round(200);
  assert.equal(r.verdicts.get('Site/shop' as ResourceKey)?.ok, true, 'the operator-named Site was probed');
  assert.equal(r.verdicts.has('Pool/shop' as ResourceKey), false);
});

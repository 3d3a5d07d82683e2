// Port leases against a fake Host: stable per key, skip bound and leased ports, persisted, released.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Host } from '../../../src/host/index.js';
import { PortLeases } from '../../../src/state/port-leases.js';
import { isTendError } from '../../../src/errors/catalogue.js';

function fakeHost(bound: Set<number>, files = new Map<string, string>()): Host {
  return {
    fs: {
      readFile: async (p: string) => files.get(p),
      writeFileAtomic: async (p: string, c: string) => void files.set(p, c),
    },
    portIsFree: async (port: number) => !bound.has(port),
  } as unknown as Host;
}

test('leases skip bound ports, are distinct, persisted and stable across instances of PortLeases', async () => {
  const bound = new Set([30000]);
  const files = new Map<string, string>();
  const a = new PortLeases({
    host: fakeHost(bound, files),
    stateDir: '/s',
    range: { from: 30000, to: 30010 },
  });
  const [p0, p1] = await Promise.all([a.acquire('Program/web#0'), a.acquire('Program/web#1')]);
  assert.equal(p0, 30001);
  assert.equal(p1, 30002);
  assert.deepEqual(JSON.parse(files.get('/s/ports.json') ?? '{}').leases, {
    'Program/web#0': 30001,
    'Program/web#1': 30002,
  });
  const b = new PortLeases({
    host: fakeHost(bound, files),
    stateDir: '/s',
    range: { from: 30000, to: 30010 },
  });
  assert.equal(await b.acquire('Program/web#1'), 30002, 'same key, same port after a restart');
  // Held by our own (adopted) instance: kept although the bind test fails.
  bound.add(30002);
  assert.equal(await b.acquire('Program/web#1', { heldByUs: (p) => p === 30002 }), 30002);
  // Held by someone else: moved.
  assert.equal(await b.acquire('Program/web#1'), 30003);
  await b.release('Program/web#');
  assert.deepEqual(await b.all(), {});
});

test('an exhausted range is TEND_ERR_PORT_EXHAUSTED', async () => {
  const l = new PortLeases({
    host: fakeHost(new Set([40001])),
    stateDir: '/s',
    range: { from: 40000, to: 40001 },
  });
  await l.acquire('Program/a#0');
  await assert.rejects(l.acquire('Program/b#0'), (e) => isTendError(e, 'TEND_ERR_PORT_EXHAUSTED'));
});

// Validation gates and reloads of one apply: nginx -t and php-fpm -t run side by side when every
// change belongs to one service, and one after the other when a change spans two (a bisection in one
// gate moves that change's files, which the other validator reads). Running services reload in
// order (pools before the nginx that routes to them); stopped ones start side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyPlan } from '../../../src/apply/executor.js';
import type { ServiceDriver } from '../../../src/drivers/service.js';
import { createRealHost } from '../../../src/host/index.js';
import type { ResourceKey } from '../../../src/model/index.js';
import { plan, type Observed } from '../../../src/plan/index.js';
import { managedHeader, type Rendered, type ServiceId } from '../../../src/render/types.js';
import { fileJournal, loadInventory, saveInventory } from '../../../src/state/index.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

function rendered(key: ResourceKey, files: { path: string; service: ServiceId }[]): Rendered {
  return {
    key,
    files: files.map((f) => ({
      path: f.path,
      content: `${managedHeader('#', key)}${f.path}\n`,
      mode: 0o644,
      service: f.service,
      secrets: [],
    })),
    links: [],
    outputs: {},
  };
}

/**
 * Drivers whose validators, starts and reloads log when they begin and end, each taking 100 ms.
 * `running` lists the services already up; the others are stopped until started.
 */
function drivers(running: ServiceId[] | 'all') {
  const log: string[] = [];
  const timed = async (what: string) => {
    log.push(`start ${what}`);
    await new Promise((r) => setTimeout(r, 100));
    log.push(`end ${what}`);
  };
  const make = (id: ServiceId): ServiceDriver => {
    let up = running === 'all' || running.includes(id);
    return {
      id,
      ensureRunning: async () => {
        await timed(`launch ${id}`);
        up = true;
      },
      isRunning: async () => up,
      stop: async () => undefined,
      reload: async () => {
        await timed(`reload ${id}`);
        return { method: 'test', durationMs: 100 };
      },
      validate: async () => {
        await timed(id);
        return { ok: true, message: 'ok', failingFiles: [] };
      },
    };
  };
  const byId = new Map<ServiceId, ServiceDriver>();
  return {
    log,
    services: (id: ServiceId) => byId.get(id) ?? byId.set(id, make(id)).get(id)!,
  };
}

async function applyAll(dir: string, desired: Rendered[], running: ServiceId[] | 'all' = 'all') {
  const observed: Observed = { files: new Map(), links: new Map(), phpVersions: ['8.2'] };
  const p = plan({
    desired,
    generations: new Map(desired.map((r) => [r.key, 'g1'])),
    adopt: new Set(),
    observed,
    inventory: { version: 1, resources: {} },
    load: { unknownFiles: [], unknownKeys: [], invalidKeys: [] },
    options: {},
  });
  const d = drivers(running);
  const result = await applyPlan(p, {
    host,
    services: d.services,
    journal: fileJournal(host, dir),
    loadInventory: () => loadInventory(host, dir),
    saveInventory: (inv) => saveInventory(host, dir, inv),
  });
  assert.ok(result.outcomes.every((o) => o.status === 'applied'));
  return d.log;
}

test('one service per change: the validators overlap', async (t) => {
  const dir = tempDir(t);
  const log = await applyAll(dir, [
    rendered('Site/shop', [{ path: join(dir, 'shop.conf'), service: 'nginx' }]),
    rendered('Pool/shop', [{ path: join(dir, 'shop.pool'), service: 'php-fpm@8.2' }]),
  ]);
  assert.deepEqual(log.slice(0, 2).sort(), ['start nginx', 'start php-fpm@8.2'], log.join(', '));
  // Both running: php-fpm reloads first and nginx only once it is done.
  assert.deepEqual(log.slice(4), [
    'start reload php-fpm@8.2',
    'end reload php-fpm@8.2',
    'start reload nginx',
    'end reload nginx',
  ]);
});

test('a change in two services: the validators run one after the other', async (t) => {
  const dir = tempDir(t);
  const log = await applyAll(dir, [
    rendered('Site/shop', [
      { path: join(dir, 'shop.conf'), service: 'nginx' },
      { path: join(dir, 'shop.pool'), service: 'php-fpm@8.2' },
    ]),
  ]);
  assert.deepEqual(log.slice(0, 4), ['start php-fpm@8.2', 'end php-fpm@8.2', 'start nginx', 'end nginx']);
});

const shopPair = (dir: string) => [
  rendered('Site/shop', [{ path: join(dir, 'shop.conf'), service: 'nginx' }]),
  rendered('Pool/shop', [{ path: join(dir, 'shop.pool'), service: 'php-fpm@8.2' }]),
];

test('a cold converge: stopped services start side by side', async (t) => {
  const dir = tempDir(t);
  const log = await applyAll(dir, shopPair(dir), []);
  assert.deepEqual(
    log.slice(4, 6).sort(),
    ['start launch nginx', 'start launch php-fpm@8.2'],
    log.join(', '),
  );
});

test('a stopped pool master starts before a running nginx reloads to route to it', async (t) => {
  const dir = tempDir(t);
  const log = await applyAll(dir, shopPair(dir), ['nginx']);
  assert.deepEqual(log.slice(4), [
    'start launch php-fpm@8.2',
    'end launch php-fpm@8.2',
    'start reload nginx',
    'end reload nginx',
  ]);
});

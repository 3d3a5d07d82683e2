// Validation gates of one apply: nginx -t and php-fpm -t run side by side when every change belongs
// to one service, and one after the other when a change spans two (a bisection in one gate moves
// that change's files, which the other validator reads).
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

/** Drivers whose validators log when they start and end, each taking 100 ms. */
function drivers() {
  const log: string[] = [];
  const make = (id: ServiceId): ServiceDriver => ({
    id,
    ensureRunning: async () => undefined,
    isRunning: async () => true,
    stop: async () => undefined,
    reload: async () => ({ method: 'test', durationMs: 0 }),
    validate: async () => {
      log.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, 100));
      log.push(`end ${id}`);
      return { ok: true, message: 'ok', failingFiles: [] };
    },
  });
  const byId = new Map<ServiceId, ServiceDriver>();
  return {
    log,
    services: (id: ServiceId) => byId.get(id) ?? byId.set(id, make(id)).get(id)!,
  };
}

async function applyAll(dir: string, desired: Rendered[]) {
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
  const d = drivers();
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
});

test('a change in two services: the validators run one after the other', async (t) => {
  const dir = tempDir(t);
  const log = await applyAll(dir, [
    rendered('Site/shop', [
      { path: join(dir, 'shop.conf'), service: 'nginx' },
      { path: join(dir, 'shop.pool'), service: 'php-fpm@8.2' },
    ]),
  ]);
  assert.deepEqual(log, ['start php-fpm@8.2', 'end php-fpm@8.2', 'start nginx', 'end nginx']);
});

// A secret removed from a spec never shows on the "-" side of the next plan: apply records the line
// prefixes of secrets in the inventory (and the journal), and the planner masks those old lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan } from '../../../src/apply/executor.js';
import { recordEntries } from '../../../src/apply/record.js';
import type { ServiceDriver } from '../../../src/drivers/service.js';
import { createRealHost } from '../../../src/host/index.js';
import type { ResourceKey } from '../../../src/model/index.js';
import {
  formatPlanJson,
  formatPlanText,
  plan,
  type Inventory,
  type Observed,
  type PlanInput,
} from '../../../src/plan/index.js';
import { managedHeader, type Rendered } from '../../../src/render/types.js';
import { fileJournal, loadInventory, saveInventory } from '../../../src/state/index.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
const OLD = 'Kp4-old-db-password-31';
const KEY: ResourceKey = 'Pool/shop';

function pool(path: string, env: Record<string, string>): Rendered {
  const lines = Object.entries(env).map(([k, v]) => `env[${k}] = "${v}"`);
  return {
    key: KEY,
    files: [
      {
        path,
        content: `${managedHeader(';', KEY)}[shop]\n${lines.join('\n')}\n`,
        mode: 0o600,
        service: 'php-fpm@8.2',
        secrets: Object.values(env).filter((v) => v !== 'production'),
      },
    ],
    links: [],
    outputs: {},
  };
}

function planFor(r: Rendered, inventory: Inventory, onDisk: string | undefined): ReturnType<typeof plan> {
  const path = r.files[0]!.path;
  const observed: Observed = {
    files: new Map(onDisk === undefined ? [] : [[path, { path, content: onDisk, managedBy: KEY }]]),
    links: new Map(),
    phpVersions: ['8.2'],
  };
  const input: PlanInput = {
    desired: [r],
    generations: new Map([[KEY, JSON.stringify(r.files[0]!.content.length)]]),
    adopt: new Set(),
    observed,
    inventory,
    load: { unknownFiles: [], unknownKeys: [], invalidKeys: [] },
    options: {},
  };
  return plan(input);
}

const fpm: ServiceDriver = {
  id: 'php-fpm@8.2',
  ensureRunning: async () => undefined,
  validate: async () => ({ ok: true, message: 'ok', failingFiles: [] }),
  reload: async () => ({ method: 'USR2', durationMs: 1 }),
  isRunning: async () => true,
  stop: async () => undefined,
};

test('apply records secret line prefixes; removing the secret later never shows its old value', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'shop.conf');
  const first = pool(path, { APP_ENV: 'production', DB_PASSWORD: OLD });
  const created = planFor(first, { version: 1, resources: {} }, undefined);
  await applyPlan(created, {
    host,
    services: () => fpm,
    journal: fileJournal(host, dir),
    loadInventory: () => loadInventory(host, dir),
    saveInventory: (inv) => saveInventory(host, dir, inv),
  });
  const inventory = await loadInventory(host, dir);
  const entry = inventory.resources[KEY]!;
  assert.deepEqual(entry.sensitivePrefixes, ['env[DB_PASSWORD] = "']);
  assert.ok(!JSON.stringify(inventory).includes(OLD), 'the inventory holds prefixes, never values');

  const onDisk = readFileSync(path, 'utf8');
  assert.ok(onDisk.includes(OLD));
  const removed = planFor(pool(path, { APP_ENV: 'production' }), inventory, onDisk);
  assert.equal(removed.changes[0]!.action, 'update');
  const text = formatPlanText(removed, { color: false });
  assert.ok(!text.includes(OLD), text);
  assert.match(text, /\(sensitive\)/);
  assert.ok(!formatPlanJson(removed).includes(OLD));
});

test('recovery records the prefixes a journal entry carried', async (t) => {
  const dir = tempDir(t);
  const journal = fileJournal(host, dir);
  const prefixes = ['env[DB_PASSWORD] = "'];
  await journal.begin([
    {
      key: KEY,
      kind: 'Pool',
      name: 'shop',
      action: 'create',
      generation: 'g',
      services: ['php-fpm@8.2'],
      files: [join(dir, 'shop.conf')],
      links: [],
      before: [],
      sensitivePrefixes: prefixes,
      done: false,
    },
  ]);
  const entries = (await fileJournal(host, dir).read())!;
  const inventory: Inventory = { version: 1, resources: {} };
  recordEntries(inventory, entries, '2026-01-01T00:00:00Z');
  assert.deepEqual(inventory.resources[KEY]!.sensitivePrefixes, prefixes);
});

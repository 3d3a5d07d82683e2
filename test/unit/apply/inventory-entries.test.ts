// Property: after every step of a random sequence of creates, updates that change no rendered file,
// updates and deletes, the inventory lists exactly what the desired state renders (every file, link
// and service), and no managed file on disk is left untracked. Seeded; the seed is printed
// (TEND_SEED=<n> replays one). Real files in a temp dir, fake service drivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan } from '../../../src/apply/executor.js';
import type { ServiceDriver } from '../../../src/drivers/service.js';
import { createRealHost } from '../../../src/host/index.js';
import type { ResourceKey } from '../../../src/model/index.js';
import { plan, type Inventory, type Observed, type ObservedFile } from '../../../src/plan/index.js';
import {
  managedHeader,
  parseManagedHeader,
  type Rendered,
  type ServiceId,
} from '../../../src/render/types.js';
import { fileJournal, loadInventory, saveInventory } from '../../../src/state/index.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

/** mulberry32: small, seedable, good enough to pick steps. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Spec {
  /** Bumped by every update, with or without an effect on the files. */
  generation: number;
  /** What the files say; an update "with no effect" leaves it. */
  version: number;
  /** Sites only: a second file and its enabled link (a resource's file set changes). */
  extra: boolean;
}

function render(dir: string, key: ResourceKey, s: Spec): Rendered {
  const name = key.split('/')[1]!;
  const site = key.startsWith('Site/');
  const service: ServiceId = site ? 'nginx' : 'php-fpm@8.2';
  const comment = site ? '#' : ';';
  const file = (path: string) => ({
    path,
    content: `${managedHeader(comment, key)}version ${s.version}\n`,
    mode: 0o644,
    service,
    secrets: [],
  });
  const files = [file(join(dir, site ? 'sites' : 'pool.d', `${name}.conf`))];
  const links = site ? [{ path: join(dir, 'enabled', `${name}.conf`), target: files[0]!.path, service }] : [];
  if (site && s.extra) {
    files.push(file(join(dir, 'sites', `${name}-extra.conf`)));
    links.push({ path: join(dir, 'enabled', `${name}-extra.conf`), target: files[1]!.path, service });
  }
  return { key, files, links, outputs: {} };
}

/** What observation finds at the paths the desired state and the inventory name. */
async function observe(rendered: readonly Rendered[], inventory: Inventory): Promise<Observed> {
  const paths = new Set<string>();
  const linkPaths = new Set<string>();
  for (const r of rendered) {
    for (const f of r.files) paths.add(f.path);
    for (const l of r.links) linkPaths.add(l.path);
  }
  for (const e of Object.values(inventory.resources)) {
    e.files.forEach((p) => paths.add(p));
    e.links.forEach((p) => linkPaths.add(p));
  }
  const files = new Map<string, ObservedFile>();
  for (const path of paths) {
    const content = await host.fs.readFile(path);
    if (content === undefined) continue;
    const managedBy = parseManagedHeader(content);
    files.set(path, { path, content, ...(managedBy ? { managedBy } : {}) });
  }
  const links = new Map<string, { path: string; target: string }>();
  for (const path of linkPaths) {
    const target = await host.fs.readlink(path);
    if (target !== undefined) links.set(path, { path, target });
  }
  return { files, links, phpVersions: ['8.2'] };
}

const okDriver = (id: ServiceId): ServiceDriver => ({
  id,
  ensureRunning: async () => undefined,
  validate: async () => ({ ok: true, message: 'ok', failingFiles: [] }),
  reload: async () => ({ method: 'HUP', durationMs: 1 }),
  isRunning: async () => true,
  stop: async () => undefined,
});

const sorted = (xs: readonly string[]) => [...xs].sort();

/** Every file or link under dir, recursively. */
function onDisk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? onDisk(join(dir, d.name)) : [join(dir, d.name)],
  );
}

async function pass(dir: string, desired: ReadonlyMap<ResourceKey, Spec>): Promise<Rendered[]> {
  const rendered = [...desired].map(([key, s]) => render(dir, key, s));
  const inventory = await loadInventory(host, dir);
  const p = plan({
    desired: rendered,
    generations: new Map([...desired].map(([key, s]) => [key, `g${s.generation}`])),
    adopt: new Set(),
    observed: await observe(rendered, inventory),
    inventory,
    load: { unknownFiles: [], unknownKeys: [], invalidKeys: [] },
    options: { allowMassDelete: true },
  });
  const result = await applyPlan(p, {
    host,
    services: okDriver,
    journal: fileJournal(host, dir),
    loadInventory: () => loadInventory(host, dir),
    saveInventory: (inv) => saveInventory(host, dir, inv),
  });
  for (const o of result.outcomes)
    assert.ok(o.status === 'applied' || o.status === 'unchanged', `${o.key}: ${o.status} ${o.message ?? ''}`);
  return rendered;
}

async function checkInventory(dir: string, rendered: readonly Rendered[], where: string): Promise<void> {
  const inventory = await loadInventory(host, dir);
  assert.deepEqual(sorted(Object.keys(inventory.resources)), sorted(rendered.map((r) => r.key)), where);
  for (const r of rendered) {
    const e = inventory.resources[r.key]!;
    assert.deepEqual(sorted(e.files), sorted(r.files.map((f) => f.path)), `${where}: ${r.key} files`);
    assert.deepEqual(sorted(e.links), sorted(r.links.map((l) => l.path)), `${where}: ${r.key} links`);
    const services = [...new Set(r.files.map((f) => f.service))];
    assert.deepEqual(sorted(e.services), sorted(services), `${where}: ${r.key} services`);
  }
  const tracked = new Set(Object.values(inventory.resources).flatMap((e) => [...e.files, ...e.links]));
  for (const path of onDisk(dir)) {
    if (path.endsWith('.json')) continue; // inventory.json (the journal is gone after each pass)
    assert.ok(tracked.has(path), `${where}: ${path} is on disk but not in the inventory`);
  }
}

const KEYS: ResourceKey[] = ['Site/s0', 'Site/s1', 'Site/s2', 'Site/s3', 'Pool/p0', 'Pool/p1'];
const STEPS = 40;

test('inventory entries list everything a resource renders after any sequence of changes', async (t) => {
  const seed = Number(process.env.TEND_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (replay: TEND_SEED=${seed})`);
  const random = rng(seed);
  const pickOf = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  for (let run = 0; run < 3; run++) {
    const dir = tempDir(t);
    const desired = new Map<ResourceKey, Spec>();
    const history: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const key = pickOf(KEYS);
      const s = desired.get(key);
      let what: string;
      if (!s) {
        desired.set(key, { generation: 0, version: 0, extra: random() < 0.5 });
        what = 'create';
      } else {
        what = pickOf(['no-effect update', 'no-effect update', 'update', 'delete']);
        if (what === 'delete') desired.delete(key);
        else if (what === 'update') {
          const extra = key.startsWith('Site/') && random() < 0.5 ? !s.extra : s.extra;
          desired.set(key, { generation: s.generation + 1, version: s.version + 1, extra });
        } else desired.set(key, { ...s, generation: s.generation + 1 });
      }
      history.push(`${what} ${key}`);
      const where = `seed ${seed}, run ${run}, step ${step} (${history.slice(-4).join(', ')})`;
      const rendered = await pass(dir, desired);
      await checkInventory(dir, rendered, where);
    }
  }
});

test('an entry written short (by an older tend) is completed on the next pass, not trusted', async (t) => {
  const dir = tempDir(t);
  const desired = new Map<ResourceKey, Spec>([['Site/s0', { generation: 0, version: 0, extra: true }]]);
  const rendered = await pass(dir, desired);
  const inventory = await loadInventory(host, dir);
  inventory.resources['Site/s0'] = { ...inventory.resources['Site/s0']!, files: [], links: [], services: [] };
  await saveInventory(host, dir, inventory);
  await pass(dir, desired);
  await checkInventory(dir, rendered, 'after the short entry was completed');
  desired.delete('Site/s0');
  await pass(dir, desired);
  assert.deepEqual(
    onDisk(dir).filter((p) => !p.endsWith('.json')),
    [],
    'the delete removed every file and link',
  );
});

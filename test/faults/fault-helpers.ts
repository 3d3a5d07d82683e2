// Helpers of the fault tests: read status and the inventory of a temp root, find managed files that
// the inventory does not list, stop a master gracefully, hold a TCP port from another process, and
// the PHP shop and static docs Sites several faults start from.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout } from '../../src/layout/layout.js';
import { e2eEnv, ensureBuilt, phpPairYaml, staticSiteYaml, type E2eEnv } from '../helpers/e2e.js';
import { waitFor } from '../e2e/serve-harness.js';

export interface StatusView {
  key: string;
  phase: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
  lastError?: { code: string; message: string };
}

export async function statusOf(env: Pick<E2eEnv, 'status'>, key: string): Promise<StatusView> {
  const r = await env.status(key, '--json');
  if (r.code !== 0) throw new Error(`tend status ${key}: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusView;
}

export const ready = (s: StatusView) => s.conditions.find((c) => c.type === 'Ready')?.status === 'True';

export interface InventoryView {
  resources: Record<string, { files: string[]; links: string[]; services: string[] }>;
}

export function inventoryOf(root: string): InventoryView {
  return JSON.parse(readFileSync(join(root, 'state/inventory.json'), 'utf8')) as InventoryView;
}

/** Resource files under root (header "managed by tend: Kind/name") that no inventory entry lists. */
export function untrackedManaged(root: string): string[] {
  const inv = existsSync(join(root, 'state/inventory.json')) ? inventoryOf(root) : { resources: {} };
  const tracked = new Set(Object.values(inv.resources).flatMap((e) => [...e.files, ...e.links]));
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const path = join(dir, d.name);
      if (d.isDirectory()) return walk(path);
      if (!d.isFile() || !d.name.endsWith('.conf')) return [];
      const head = readFileSync(path, 'utf8').split('\n', 1)[0] ?? '';
      return /^[#;] managed by tend: [A-Za-z]+\/[a-z0-9-]+ /.test(head) && !tracked.has(path) ? [path] : [];
    });
  return walk(root);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** QUIT to the master in pidFile, then wait until it and its port are gone. */
export async function stopMaster(pidFile: string): Promise<void> {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGQUIT');
  await waitFor(`master ${pid} to exit`, () => !alive(pid));
}

/** Another process (not tend, not nginx) listening on address:port until killed. */
export async function holdPort(
  t: { after: (fn: () => void) => void },
  port: number,
  address = '127.0.0.1',
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${port}, '${address}', () => console.log('listening'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(`a holder on ${address}:${port}`, () => out.includes('listening') || child.exitCode !== null);
  if (!out.includes('listening')) throw new Error(`could not hold ${address}:${port}`);
  return child;
}

export async function release(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await waitFor('the port holder to exit', () => child.exitCode !== null || child.signalCode !== null);
}

/**
 * A temp root with a PHP Site and Pool `shop` (shop.fault.test, two children, on `app`) and a
 * static Site `docs` (docs.e2e.test): docs.yaml is written, shop.yaml is the test's to write with
 * `shop(extra)`. Nothing is applied yet.
 */
export async function shopAndDocs(t: Parameters<typeof e2eEnv>[0], prefix: string) {
  ensureBuilt();
  const env = await e2eEnv(t, prefix);
  const layout = embeddedLayout(env.root, { httpPort: env.port });
  const app = env.phpRoot('app', 'app-marker');
  const docs = env.phpRoot('docs', 'docs-marker');
  writeFileSync(join(docs, 'index.html'), 'docs\n');
  const shop = (extra: { siteSpec?: string; poolSpec?: string } = {}) =>
    phpPairYaml({
      pool: 'shop',
      site: 'shop',
      domain: 'shop.fault.test',
      root: app,
      maxChildren: 2,
      ...extra,
    });
  env.write('docs.yaml', staticSiteYaml('docs', docs));
  return { env, layout, docs, shop };
}

// Test harness: a real supervisord (Debian's) in a temp root, torn down with every process it ran,
// plus helpers to declare Programs, apply them through the driver and wait for observed states.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { besideSource } from '../../helpers/paths.js';
import { createRealHost } from '../../../src/host/real-host.js';
import { embeddedLayout, type Layout } from '../../../src/layout/layout.js';
import { programResource, type Program } from '../../../src/model/index.js';
import { renderSupervisordProgram } from '../../../src/render/supervisord-program.js';
import { SupervisordDriver } from '../../../src/drivers/supervisord/driver.js';
import { observeSupervisord, type InstanceInfo } from '../../../src/drivers/supervisord/observe.js';

export const FIXTURE = besideSource(import.meta.url, 'fixtures/print-argv.mjs');
export const host = createRealHost();

export interface Harness {
  root: string;
  outDir: string;
  layout: Layout;
  driver: SupervisordDriver;
}

interface AfterHook {
  after: (fn: () => void | Promise<void>) => void;
}

/** Kills whatever supervisord ran under `root` (pid file), then the daemon itself, then the dir. */
export async function teardown(root: string, layout: Layout, driver: SupervisordDriver): Promise<void> {
  let pid: number | undefined;
  try {
    pid = Number(readFileSync(join(layout.supervisord.socket, '..', 'supervisord.pid'), 'utf8').trim());
  } catch {
    pid = undefined;
  }
  try {
    await driver.stop();
  } catch {
    if (pid) host.kill(pid, 'SIGKILL');
  }
  if (pid) for (let i = 0; i < 200 && host.kill(pid, 0); i++) await host.sleep(25);
  if (!process.env.TEND_KEEP_TMP) rmSync(root, { recursive: true, force: true });
}

export async function startHarness(t: AfterHook, prefix = 'tend-sv-'): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const layout = embeddedLayout(root);
  const driver = new SupervisordDriver({ host, layout, stopTimeoutMs: 30_000 });
  t.after(() => teardown(root, layout, driver));
  const outDir = join(root, 'out');
  await host.fs.mkdirp(outDir);
  await driver.ensureRunning();
  return { root, outDir, layout, driver };
}

export function program(name: string, spec: Record<string, unknown>): Program {
  return programResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Program',
    metadata: { name },
    // supervisord needs an explicit user; these tests run their fixture as root on purpose.
    spec: { backend: 'supervisord', ...(spec.user === undefined ? { allowRoot: true } : {}), ...spec },
  });
}

/** A Program running the argv-printing fixture with extra args and env. */
export function printer(
  h: Harness,
  name: string,
  args: string[] = [],
  spec: Record<string, unknown> = {},
): Program {
  const env = { OUT_DIR: h.outDir, ...((spec.env as Record<string, unknown>) ?? {}) };
  return program(name, { command: [process.execPath, FIXTURE, ...args], ...spec, env });
}

/** What the executor does: write (or remove) the files, tell the driver, reload once. */
export async function apply(h: Harness, changes: { put?: Program[]; remove?: string[]; added?: boolean }) {
  const added: string[] = [];
  const changed: string[] = [];
  for (const p of changes.put ?? []) {
    const file = renderSupervisordProgram(p, h.layout).files[0]!;
    const existed = (await host.fs.stat(file.path)) !== undefined;
    await host.fs.writeFileAtomic(file.path, file.content, file.mode);
    (existed ? changed : added).push(p.metadata.name);
  }
  for (const name of changes.remove ?? []) await host.fs.remove(h.layout.supervisord.programFile(name));
  h.driver.enqueue({ added, changed, removed: changes.remove ?? [] });
  return h.driver.reload();
}

/** Polls observation until `ok` holds; the limit is generous because it bounds a hang, not speed. */
export async function waitFor(
  h: Harness,
  what: string,
  ok: (obs: Map<string, InstanceInfo[]>) => boolean,
  limitMs = 30_000,
): Promise<Map<string, InstanceInfo[]>> {
  const deadline = Date.now() + limitMs;
  let last = new Map<string, InstanceInfo[]>();
  while (Date.now() < deadline) {
    last = await observeSupervisord(h.driver.client);
    if (ok(last)) return last;
    await host.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}; last observed: ${JSON.stringify([...last])}`);
}

export const runningAll = (name: string, n: number) => (obs: Map<string, InstanceInfo[]>) =>
  (obs.get(name) ?? []).filter((i) => i.state === 'running').length === n;

/** The fixture's record of what it received, once it has written it. */
export async function record(
  h: Harness,
  processName: string,
): Promise<{ argv: string[]; env: Record<string, string>; pid: number }> {
  const path = join(h.outDir, `${processName}.json`);
  for (let i = 0; i < 600; i++) {
    const text = await host.fs.readFile(path);
    if (text) return JSON.parse(text);
    await host.sleep(50);
  }
  throw new Error(`the fixture never wrote ${path}`);
}

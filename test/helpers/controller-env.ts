// A real Controller's options over a desired-state dir: the real Host, an embedded layout under
// `base/root`, a loaded status store and event log. The API tests that drive the live controller
// through inject() build on it, so each one states only what it tests.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { Controller } from '../../src/controller/controller.js';
import { createRealHost } from '../../src/host/real-host.js';
import { embeddedLayout } from '../../src/layout/layout.js';
import { EventLog } from '../../src/state/events.js';
import { StatusStore } from '../../src/state/status-store.js';

/**
 * Writes `base/ds/p.yaml`: Program/idle, a node process that sleeps, run as nobody. `extraSpec` is
 * appended to its spec (indented two spaces). Returns the desired-state dir.
 */
export function idleProgramDir(base: string, extraSpec = ''): string {
  const ds = join(base, 'ds');
  mkdirSync(ds);
  const script = join(base, 'idle.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1 << 30);\n');
  writeFileSync(
    join(ds, 'p.yaml'),
    `apiVersion: tend/v1
kind: Program
metadata: { name: idle }
spec:
  command: [${process.execPath}, ${script}]
  user: nobody
  startSeconds: 0
  stop: { timeout: 2s }
${extraSpec}`,
  );
  return ds;
}

/** The Controller's options over `desiredDir`, with state under `base/root`. */
export async function controllerOptions(base: string, desiredDir: string, resyncMs: number) {
  const host = createRealHost();
  const layout = embeddedLayout(join(base, 'root'));
  // The root stays traversable (a recursive mkdir of the state dir alone would make it 0700).
  await host.fs.mkdirp(layout.root, 0o755);
  await host.fs.mkdirp(layout.stateDir, 0o700);
  return {
    host,
    layout,
    desiredDir,
    store: await StatusStore.load(host, layout.stateDir),
    events: await EventLog.open(host, layout.stateDir),
    log: pino({ level: 'silent' }),
    resyncMs,
  };
}

/**
 * A Controller over `desiredDir` (not started), stopped with its Programs and `base` removed after
 * the test. Not under tempDir's own cleanup: that would run before the controller flushes its files.
 */
export async function liveController(t: TestContext, base: string, desiredDir: string, resyncMs: number) {
  const opts = await controllerOptions(base, desiredDir, resyncMs);
  const controller = new Controller(opts);
  t.after(async () => {
    await controller.stop({ keepPrograms: false });
    if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
  });
  return { controller, opts };
}

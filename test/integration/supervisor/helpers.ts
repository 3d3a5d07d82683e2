// Shared setup for supervisor integration tests: a temp embedded root, a real Host, Programs built
// through the schema (so defaults apply), and polling helpers with generous bounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createRealHost } from '../../../src/host/real-host.js';
import { embeddedLayout, type Layout } from '../../../src/layout/layout.js';
import { programResource, type Program } from '../../../src/model/index.js';
import { PortLeases } from '../../../src/state/port-leases.js';
import { Supervisor } from '../../../src/supervisor/index.js';
import type { SupervisorEvent } from '../../../src/supervisor/index.js';
import { repoRoot } from '../../helpers/paths.js';
import { tempDir } from '../../helpers/tmp.js';

export { repoRoot };

export const FIXTURES = join(repoRoot(), 'test/fixtures/programs');
export const fixture = (name: string) => join(FIXTURES, name);

export function program(name: string, spec: Record<string, unknown>): Program {
  return programResource.parse({ apiVersion: 'tend/v1', kind: 'Program', metadata: { name }, spec });
}

export interface Rig {
  root: string;
  layout: Layout;
  sup: Supervisor;
  leases: PortLeases;
  events: SupervisorEvent[];
  /** Another supervisor on this rig (an adopter): stopped with the rig's, before its dir goes. */
  alsoStop(sup: Supervisor): void;
}

export function rig(t: TestContext, range?: { from: number; to: number }): Rig {
  // Registered before the temp dir's cleanup so that processes die before their dir goes.
  const holder: { sup?: Supervisor; more: Supervisor[] } = { more: [] };
  t.after(async () => {
    for (const s of [holder.sup, ...holder.more]) await s?.stopAll({ graceful: false });
  });
  const root = tempDir(t, 'tend-sup-');
  const host = createRealHost();
  const layout = embeddedLayout(root);
  const leases = new PortLeases({ host, stateDir: layout.stateDir, range });
  const sup = new Supervisor({ host, layout, leases });
  holder.sup = sup;
  const events: SupervisorEvent[] = [];
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  return { root, layout, sup, leases, events, alsoStop: (s) => void holder.more.push(s) };
}

export async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 8000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie answers kill(0) but is dead.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

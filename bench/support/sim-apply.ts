// Writes exactly what a plan says (files, links, removals) and records the inventory, as an apply
// would, minus validation and reloads. The e2e tests and the plan benchmark use it to reach "in sync".
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { computePlan } from '../../src/pipeline/compute-plan.js';
import { mapLimit } from '../../src/observe/observe.js';
import { createRealHost } from '../../src/host/real-host.js';
import type { Layout } from '../../src/layout/layout.js';
import type { FileOp, Inventory, Plan } from '../../src/plan/index.js';
import { saveInventory } from '../../src/state/inventory-store.js';

async function runOp(op: FileOp): Promise<void> {
  if (op.op === 'write') {
    await mkdir(dirname(op.path), { recursive: true });
    await writeFile(op.path, op.content, { mode: op.mode });
  } else if (op.op === 'link') {
    await mkdir(dirname(op.path), { recursive: true });
    await rm(op.path, { force: true });
    await symlink(op.target, op.path);
  } else {
    await rm(op.path, { force: true });
  }
}

/** Applies every unblocked change of the current plan; returns the plan it applied. */
export async function simulateApply(desiredDir: string, layout: Layout): Promise<Plan> {
  const host = createRealHost();
  const { plan, rendered, inventory } = await computePlan({
    host,
    desiredDir,
    layout,
    allowMassDelete: true,
  });
  const byKey = new Map(rendered.map((r) => [r.key, r]));
  const next: Inventory = { version: 1, resources: { ...inventory.resources } };
  const applicable = plan.changes.filter((c) => !c.blocked);
  await mapLimit(
    applicable.flatMap((c) => c.ops),
    32,
    runOp,
  );
  for (const c of applicable) {
    if (c.action === 'delete') {
      delete next.resources[c.key];
      continue;
    }
    const r = byKey.get(c.key)!;
    next.resources[c.key] = {
      kind: c.kind,
      name: c.name,
      generation: c.generation ?? '',
      files: r.files.map((f) => f.path),
      links: r.links.map((l) => l.path),
      services: [...new Set([...r.files, ...r.links].map((x) => x.service))],
      appliedAt: new Date().toISOString(),
      // As the executor records it, so a later plan can show a Program's field diff.
      ...(r.runtime ? { runtime: r.runtime } : {}),
    };
  }
  await saveInventory(host, layout.stateDir, next);
  return plan;
}

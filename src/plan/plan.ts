// The planner: desired (rendered) × observed × inventory → an ordered Plan. Pure and synchronous; the
// same function serves `tend reconcile --plan`, apply and the API.
import type { ResourceKey } from '../model/index.js';
import { applyOrder } from './order.js';
import { planDeletions } from './prune.js';
import { pendingChange, planResource } from './resource-change.js';
import type { Change, Plan, PlanInput, PlanSummary, PlanWarning } from './types.js';

export function summarize(changes: readonly Change[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, noop: 0, blocked: 0 };
  for (const c of changes) {
    if (c.blocked) summary.blocked++;
    else if (c.action === 'no-op') summary.noop++;
    else summary[c.action]++;
  }
  return summary;
}

export function plan(input: PlanInput): Plan {
  const { desired, observed, inventory, options } = input;
  const untouchable = new Set<ResourceKey>([...input.load.invalidKeys, ...input.load.unknownKeys]);
  const desiredKeys = new Set<ResourceKey>();
  const changes: Change[] = [];

  for (const r of desired) {
    if (untouchable.has(r.key)) continue;
    desiredKeys.add(r.key);
    if (options.only !== undefined && r.key !== options.only) continue;
    changes.push(
      planResource(r, {
        generation: input.generations.get(r.key),
        adopt: input.adopt.has(r.key),
        observed,
        entry: inventory.resources[r.key],
      }),
    );
  }
  for (const [key, pending] of input.pending ?? []) {
    desiredKeys.add(key);
    if (options.only !== undefined && key !== options.only) continue;
    if (!untouchable.has(key)) changes.push(pendingChange(key, pending, inventory.resources[key]));
  }
  changes.sort(applyOrder);

  const deletions = planDeletions(input, desiredKeys);
  changes.push(...deletions.changes);
  const warnings = warningsOf(input, changes);
  return {
    formatVersion: 1,
    ...(input.revision ? { revision: input.revision } : {}),
    ...(deletions.pruneHeld ? { pruneHeld: deletions.pruneHeld } : {}),
    changes,
    summary: summarize(changes),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The desired resources' own warnings, and each account tend created that a deletion leaves behind. */
function warningsOf(input: PlanInput, changes: readonly Change[]): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const r of input.desired)
    if (input.options.only === undefined || r.key === input.options.only)
      for (const message of r.warnings ?? []) warnings.push({ key: r.key, message });
  for (const c of changes) {
    const account = c.action === 'delete' ? input.accounts?.get(c.key) : undefined;
    if (account)
      warnings.push({
        key: c.key,
        message: `system user ${account}, which tend created for it, stays: tend never deletes accounts (userdel ${account} removes it once nothing uses it)`,
      });
  }
  return warnings;
}

/** True when applying the plan would change nothing on the host. */
export function isInSync(p: Plan): boolean {
  const s = p.summary;
  return s.create + s.update + s.delete + s.blocked === 0 && !p.pruneHeld;
}

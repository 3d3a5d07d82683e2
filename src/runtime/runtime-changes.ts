// What a runtime driver is handed in one pass: the applied plan's create/update/delete steps for its
// kind, plus the drift observation found that no plan step names. Pure. The plan is edge-triggered
// (it diffs the desired state against the inventory), so by itself it would never retry a spec that
// failed, restart what a crash or a tend restart left stopped, or follow a user-database change;
// observation is level-triggered and heals those. See docs/decisions/0046-runtime-stage.md.
import type { Resource, ResourceKey } from '../model/index.js';
import type { Change } from '../plan/types.js';
import type { RuntimeApplyChange } from '../drivers/runtime.js';

export type RuntimeKind = 'Program' | 'Terminal' | 'Job';

export interface RuntimeChangesInput<R extends Resource> {
  kind: RuntimeKind;
  /** What must run, by name (the load, with held deletions kept and suspended resources left out). */
  desired: ReadonlyMap<string, R>;
  /** What the backend runs now (or holds, e.g. a Terminal whose server failed), by name. */
  present: ReadonlySet<string>;
  /** Present names whose observation differs from the desired spec (out of date, failed, stopped). */
  drifted: ReadonlySet<string>;
  /** The changes of the plan that was applied (held changes already taken out). */
  planned: readonly Change[];
}

export interface PlannedRuntimeChange<R extends Resource> extends RuntimeApplyChange<R> {
  /** "planned" when the plan names the change, "drift" when only observation does. */
  source: 'planned' | 'drift';
}

/**
 * One change per resource that must start, change or stop: first every deletion (one the backend
 * runs but nobody desires), then, in the desired order, a desired resource the backend lacks is
 * created and one the plan updates or observation finds drifted is updated. The plan's runtime
 * diff rides along.
 */
export function runtimeChanges<R extends Resource>(input: RuntimeChangesInput<R>): PlannedRuntimeChange<R>[] {
  const prefix = `${input.kind}/`;
  const planned = new Map<ResourceKey, Change>();
  for (const c of input.planned) if (c.kind === input.kind && !c.blocked) planned.set(c.key, c);
  const out: PlannedRuntimeChange<R>[] = [];
  // Deletions first: what stops frees ports and names the new resources may take.
  for (const name of [...input.present].sort()) {
    if (input.desired.has(name)) continue;
    const key = `${prefix}${name}` as ResourceKey;
    const step = planned.get(key);
    const planDeletes = step?.action === 'delete';
    out.push({
      key,
      action: 'delete',
      source: planDeletes ? 'planned' : 'drift',
      ...(planDeletes && step.runtime ? { runtime: step.runtime } : {}),
    });
  }
  for (const [name, resource] of input.desired) {
    const key = `${prefix}${name}` as ResourceKey;
    const step = planned.get(key);
    const steps = step !== undefined && step.action !== 'no-op' && step.action !== 'delete';
    const runtime = steps && step.runtime ? { runtime: step.runtime } : {};
    if (!input.present.has(name))
      out.push({ key, action: 'create', resource, source: steps ? 'planned' : 'drift', ...runtime });
    else if (steps) out.push({ key, action: 'update', resource, source: 'planned', ...runtime });
    else if (input.drifted.has(name)) out.push({ key, action: 'update', resource, source: 'drift' });
  }
  return out;
}

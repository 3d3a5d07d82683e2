// Pure: the part of a plan a pass may apply while resources are suspended or the daemon is paused,
// and the drift that was held back, per resource, for status to report instead of healing it.
import type { ResourceKey } from '../model/index.js';
import type { Change, Plan } from '../plan/types.js';
import { summarize } from '../plan/plan.js';

export interface HeldPlan {
  /** What may be applied now. */
  apply: Plan;
  /** Changes kept back, by resource: "update: drift: file edited by hand". */
  drift: Map<ResourceKey, string[]>;
}

const pending = (c: Change) => c.action !== 'no-op' || c.blocked !== undefined;

/** Holds every change of a suspended key, or every change at all while paused. */
export function holdPlan(plan: Plan, hold: { paused: boolean; suspended: ReadonlySet<string> }): HeldPlan {
  const drift = new Map<ResourceKey, string[]>();
  if (!hold.paused && hold.suspended.size === 0) return { apply: plan, drift };
  const keep: Change[] = [];
  for (const c of plan.changes) {
    if (!hold.paused && !hold.suspended.has(c.key)) keep.push(c);
    else if (pending(c)) drift.set(c.key, [...(drift.get(c.key) ?? []), `${c.action}: ${c.reason}`]);
  }
  return { apply: { ...plan, changes: keep, summary: summarize(keep) }, drift };
}

// The controller's side of the operator holds: which keys a pass must leave alone (suspended by
// `tend suspend` or by `spec.suspend: true`, everything while paused), the plan it may apply, and
// the Suspended/Stopped conditions status shows, naming who asked and when.
import type { ResourceKey } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import type { LoadResult } from '../source/types.js';
import { removeCondition, setCondition, type ResourceStatus } from '../state/conditions.js';
import type { StatusStore } from '../state/status-store.js';
import { holdPlan } from './hold-plan.js';
import type { Holds } from './holds.js';

const MAX_DRIFT_SHOWN = 3;

/** Keys whose spec says `suspend: true` (a Job's suspend pauses its schedule, not reconciling). */
export function specSuspended(load: LoadResult | undefined): Set<ResourceKey> {
  const out = new Set<ResourceKey>();
  for (const r of load?.resources ?? [])
    if (r.resource.kind !== 'Job' && (r.resource.spec as { suspend?: boolean }).suspend === true)
      out.add(r.key);
  return out;
}

export class ControlsBridge {
  /** Drift each suspended resource has, from the last pass. */
  private drift = new Map<ResourceKey, string[]>();
  private load: LoadResult | undefined;

  constructor(readonly holds: Holds) {}

  get paused(): boolean {
    return this.holds.paused !== undefined;
  }

  /** Every suspended key: by hand, or by its spec as last loaded. */
  suspended(load = this.load): Set<ResourceKey> {
    return new Set([...this.holds.suspendedKeys(), ...specSuspended(load)]);
  }

  /** The plan a pass may apply; remembers what it held back for status. */
  planToApply(plan: Plan, load: LoadResult): Plan {
    this.load = load;
    const held = holdPlan(plan, { paused: this.paused, suspended: this.suspended(load) });
    this.drift = held.drift;
    return held.apply;
  }

  /** The load the Programs bridge sees: suspended Programs left as they run (or not started). */
  suspendedPrograms(): ReadonlySet<string> {
    return new Set([...this.suspended()].filter((k) => k.startsWith('Program/')));
  }

  /** Sets or clears Suspended and Stopped on every status the store holds. */
  markStatus(store: StatusStore, now = Date.now()): void {
    const suspended = this.suspended();
    const bySpec = specSuspended(this.load);
    for (const st of store.list()) {
      const next = this.marked(st, suspended.has(st.key), bySpec.has(st.key), now);
      if (next !== st) store.put(next);
    }
  }

  private marked(st: ResourceStatus, suspended: boolean, bySpec: boolean, now: number): ResourceStatus {
    let next = st;
    const has = (type: string) => next.conditions.some((c) => c.type === type);
    if (suspended) {
      const mark = this.holds.suspension(st.key);
      const who = mark ? `suspended by ${mark.by} at ${mark.at}` : 'suspended by its spec (suspend: true)';
      const drift = this.drift.get(st.key) ?? [];
      const shown = drift.slice(0, MAX_DRIFT_SHOWN).join('; ');
      const more = drift.length > MAX_DRIFT_SHOWN ? ` (and ${drift.length - MAX_DRIFT_SHOWN} more)` : '';
      const message = `${who}; ${drift.length > 0 ? `drift not applied: ${shown}${more}` : 'no drift'}`;
      const reason = bySpec && !mark ? 'SuspendedBySpec' : drift.length > 0 ? 'DriftHeld' : 'Suspended';
      next = setCondition(next, { type: 'Suspended', status: 'True', reason, message }, now);
    } else if (has('Suspended')) next = removeCondition(next, 'Suspended', now);
    const stop = st.kind === 'Program' ? this.holds.stopHold(st.key) : undefined;
    if (stop) {
      const which = stop.instances ? `instance(s) ${stop.instances.join(',')}` : 'every instance';
      next = setCondition(
        next,
        {
          type: 'Stopped',
          status: 'True',
          reason: stop.instances ? 'InstancesStopped' : 'StoppedByOperator',
          message: `${which} stopped by ${stop.by} at ${stop.at}; stays stopped until started`,
        },
        now,
      );
    } else if (has('Stopped')) next = removeCondition(next, 'Stopped', now);
    return next;
  }
}

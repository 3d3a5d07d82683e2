// The machine plan (formatVersion 1, documented in docs/plan-json.md): a stable shape with every key
// always present, diffs masked, and never a file's content or a secret.
import type { ResourceKey } from '../model/index.js';
import type { Change, ChangeAction, Plan, PlanSummary } from './types.js';

export interface JsonFile {
  path: string;
  op: 'write' | 'remove' | 'link' | 'unlink';
  /** Unified diff with secrets masked; "" for links. */
  diff: string;
  /** Link target for link ops, otherwise null. */
  target: string | null;
  /**
   * An adopting write over a host file tend did not manage, compared directive by directive: the
   * host's lines tend's file lacks (dropped or changed) and the lines tend adds; null otherwise.
   */
  adoption: { sameDirectives: boolean; hostOnly: string[]; tendAdds: string[] } | null;
}

export interface JsonChange {
  key: ResourceKey;
  kind: Change['kind'];
  name: string;
  actions: [ChangeAction];
  reason: string;
  generation: string | null;
  blocked: { code: string; message: string } | null;
  services: string[];
  files: JsonFile[];
  /**
   * A runtime resource (a Program): the spec fields that change (secrets as "(secret)") and what
   * happens to its instances; null for other kinds and for blocked changes.
   */
  runtime: {
    fields: { field: string; before: string | null; after: string | null }[];
    restart: string;
    summary: string;
  } | null;
}

export interface JsonPruneHeld {
  reason: string;
  keys: ResourceKey[];
  /** "TEND_ERR_MASS_DELETE" when the mass-delete guard refused; null when the source failed to load. */
  code: string | null;
}

export interface JsonPlan {
  formatVersion: 1;
  revision: string | null;
  summary: PlanSummary;
  pruneHeld: JsonPruneHeld | null;
  changes: JsonChange[];
  /** Unsafe opt-ins and accounts left behind: `{key, message}`; [] when none. */
  warnings: { key: ResourceKey; message: string }[];
}

function toJsonChange(c: Change): JsonChange {
  return {
    key: c.key,
    kind: c.kind,
    name: c.name,
    actions: [c.action],
    reason: c.reason,
    generation: c.generation ?? null,
    blocked: c.blocked ? { code: c.blocked.code, message: c.blocked.message } : null,
    services: [...c.services],
    files: c.ops.map((op) => ({
      path: op.path,
      op: op.op,
      diff: op.op === 'write' || op.op === 'remove' ? op.diff : '',
      target: op.op === 'link' ? op.target : null,
      adoption:
        op.op === 'write' && op.adoption
          ? {
              sameDirectives: op.adoption.sameDirectives,
              hostOnly: [...op.adoption.hostOnly],
              tendAdds: [...op.adoption.tendAdds],
            }
          : null,
    })),
    runtime: c.runtime
      ? {
          fields: c.runtime.fields.map((f) => ({ field: f.field, before: f.before, after: f.after })),
          restart: c.runtime.restart,
          summary: c.runtime.summary,
        }
      : null,
  };
}

export function planToJson(plan: Plan): JsonPlan {
  const s = plan.summary;
  return {
    formatVersion: 1,
    revision: plan.revision ?? null,
    summary: { create: s.create, update: s.update, delete: s.delete, noop: s.noop, blocked: s.blocked },
    pruneHeld: plan.pruneHeld
      ? { reason: plan.pruneHeld.reason, keys: [...plan.pruneHeld.keys], code: plan.pruneHeld.code ?? null }
      : null,
    changes: plan.changes.map(toJsonChange),
    warnings: (plan.warnings ?? []).map((w) => ({ key: w.key, message: w.message })),
  };
}

export function formatPlanJson(plan: Plan): string {
  return `${JSON.stringify(planToJson(plan), null, 2)}\n`;
}

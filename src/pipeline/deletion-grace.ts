// A desired-state file that is missing for a moment (an editor that truncates and rewrites, or
// deletes and recreates, instead of renaming) must not delete and recreate its resources: before a
// pass acts on resources that left the desired state, it waits a short grace and loads again.
import type { ResourceKey } from '../model/index.js';
import type { StatusStore } from '../state/status-store.js';
import type { ComputedPlan } from './compute-plan.js';

/** Longer than any editor's save gap seen (vim without backupcopy: ~150 ms), short for a real delete. */
export const DELETION_GRACE_MS = 1_000;

/** Kinds the daemon's runtime (supervisor, terminals) stops by absence, outside the plan's prune. */
const RUNTIME_KINDS = ['Program/', 'Terminal/'];

/**
 * Keys tend has status for that this load no longer declares (valid, invalid or unknown) and that
 * this pass would act on: a planned delete, or a runtime kind. A prune held anyway (mass delete,
 * broken source) costs no grace.
 */
export function vanishedKeys(computed: ComputedPlan, store: StatusStore): ResourceKey[] {
  const { load, plan } = computed;
  const declared = new Set<ResourceKey>([
    ...load.resources.map((r) => r.key),
    ...load.invalidKeys,
    ...load.unknownKeys,
  ]);
  const deleting = new Set(plan.changes.filter((c) => c.action === 'delete').map((c) => c.key));
  return store
    .list()
    .map((s) => s.key)
    .filter((k) => !declared.has(k) && (deleting.has(k) || RUNTIME_KINDS.some((p) => k.startsWith(p))));
}

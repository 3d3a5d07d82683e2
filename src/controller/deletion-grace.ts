// A desired-state file that is missing for a moment (an editor that truncates and rewrites, or
// deletes and recreates, instead of renaming) must not delete and recreate its resources: before a
// pass acts on resources that left the desired state, it waits a short grace and loads again.
import type { ResourceKey } from '../model/index.js';
import type { StatusStore } from '../state/status-store.js';
import type { ComputedPlan } from './compute-plan.js';

/** Longer than any editor's save gap seen (vim without backupcopy: ~150 ms), short for a real delete. */
export const DELETION_GRACE_MS = 1_000;

/** Keys tend has status for that this load no longer declares (valid, invalid or unknown). */
export function vanishedKeys(computed: ComputedPlan, store: StatusStore): ResourceKey[] {
  const { load } = computed;
  const declared = new Set<ResourceKey>([
    ...load.resources.map((r) => r.key),
    ...load.invalidKeys,
    ...load.unknownKeys,
  ]);
  return store
    .list()
    .map((s) => s.key)
    .filter((k) => !declared.has(k));
}

// Makes a broken desired state visible in status: resources whose file failed to load, and those a
// held prune would have deleted, are marked Stalled (the source must change) while they keep serving.
import type { ResourceKey } from '../model/index.js';
import { newStatus, setCondition } from '../state/conditions.js';
import type { StatusStore } from '../state/status-store.js';
import type { ConvergeResult } from '../pipeline/converge.js';

const MAX_LISTED = 5;

/** One line per source error without a resource (a file that is not YAML, a file over a limit). */
export function sourceErrorSummary(result: ConvergeResult): string {
  const { load } = result.computed;
  const keyless = load.errors.filter((e) => e.key === undefined);
  if (keyless.length === 0 && load.unknownFiles.length === 0) return '';
  const shown = keyless.slice(0, MAX_LISTED).map((e) => `${e.file}:${e.line}:${e.col}: ${e.message}`);
  const more = keyless.length > MAX_LISTED ? ` (and ${keyless.length - MAX_LISTED} more)` : '';
  const files = load.unknownFiles.length;
  return `${files} desired-state file${files === 1 ? '' : 's'} failed to load: ${shown.join('; ')}${more}; nothing is deleted until the desired state loads cleanly`;
}

/**
 * Marks every resource the pass could not judge because of the source: resources recovered from
 * broken files and deletions held back. Returns the summary of the keyless errors ('' when clean).
 */
export function markSourceErrors(result: ConvergeResult, store: StatusStore, now = Date.now()): string {
  const { load, plan } = result.computed;
  const summary = sourceErrorSummary(result);
  const heldReason = plan.pruneHeld?.reason;
  const marks = new Map<ResourceKey, string>();
  for (const key of load.unknownKeys) marks.set(key, summary || 'its desired-state file failed to load');
  for (const key of plan.pruneHeld?.keys ?? [])
    marks.set(key, `absent from the desired state, but not deleted: ${heldReason ?? 'deletions are held'}`);
  for (const [key, message] of marks) {
    const [kind, name] = key.split('/') as [Parameters<typeof newStatus>[0], string];
    let st = store.get(key) ?? newStatus(kind, name, now);
    const reason = plan.pruneHeld?.code === 'TEND_ERR_MASS_DELETE' ? 'MassDeleteRefused' : 'SourceError';
    st = setCondition(st, { type: 'Stalled', status: 'True', reason, message }, now);
    st = setCondition(
      st,
      { type: 'Ready', status: 'False', reason, message: `${message}; the previous version keeps serving` },
      now,
    );
    store.put(st);
  }
  return summary;
}

// Deletions and the guards around them: only what the inventory lists, never while the source is
// broken, never an invalid resource, and never "everything" (or more than a share) unless allowed.
import { runtimeChange } from './runtime-change.js';
import type { ResourceKey } from '../model/index.js';
import { removeDiff } from './file-diff.js';
import { deleteOrder } from './order.js';
import type { Change, FileOp, Inventory, InventoryEntry, Observed, PlanInput, PruneHeld } from './types.js';
import { servicesOf } from './resource-change.js';

export const DEFAULT_MASS_DELETE_SHARE = 0.5;

function deleteChange(key: ResourceKey, entry: InventoryEntry, observed: Observed): Change {
  const ops: FileOp[] = [];
  const kept: string[] = [];
  const service = entry.services[0] ?? 'none';
  for (const path of entry.files) {
    const seen = observed.files.get(path);
    if (!seen) continue;
    // Ownership is re-checked at delete time: the inventory alone is not enough to remove a file.
    if (seen.managedBy !== key) {
      kept.push(path);
      continue;
    }
    ops.push({ op: 'remove', path, service, before: seen.content, diff: removeDiff(path, seen.content) });
  }
  for (const path of entry.links) if (observed.links.has(path)) ops.push({ op: 'unlink', path, service });
  const reason =
    'removed from the desired state' +
    (kept.length ? `; keeping ${kept.join(', ')}: no longer managed by ${key}` : '');
  return {
    key,
    kind: entry.kind,
    name: entry.name,
    action: 'delete',
    reason,
    ops,
    services: servicesOf(ops, entry.services),
    ...(entry.kind === 'Program' ? { runtime: runtimeChange('delete', undefined, entry.runtime)! } : {}),
  };
}

function massDeleteRefused(
  count: number,
  inventory: Inventory,
  desiredCount: number,
  share: number,
): boolean {
  const total = Object.keys(inventory.resources).length;
  if (count === 0) return false;
  if (total === 1) return desiredCount === 0;
  return count === total || count / total > share;
}

export function planDeletions(
  input: PlanInput,
  desiredKeys: ReadonlySet<ResourceKey>,
): { changes: Change[]; pruneHeld?: PruneHeld } {
  const { inventory, load, options, observed } = input;
  const untouchable = new Set<string>([
    ...load.invalidKeys,
    ...load.unknownKeys,
    ...(input.pending?.keys() ?? []),
  ]);
  const candidates = (Object.keys(inventory.resources) as ResourceKey[])
    .filter((key) => !desiredKeys.has(key) && !untouchable.has(key))
    .filter((key) => options.only === undefined || key === options.only)
    .sort();
  if (candidates.length === 0) return { changes: [] };

  const brokenFiles = load.unknownFiles.length;
  // unknownKeys come from the unknown files, so the files already account for them.
  const brokenKeys = load.invalidKeys.length;
  if (brokenFiles > 0 || brokenKeys > 0 || load.unknownKeys.length > 0) {
    const parts = brokenFiles + brokenKeys === 0 ? ['resources could not be identified'] : [];
    if (brokenFiles) parts.push(`${brokenFiles} source file${brokenFiles > 1 ? 's' : ''} failed to load`);
    if (brokenKeys) parts.push(`${brokenKeys} resource${brokenKeys > 1 ? 's are' : ' is'} invalid`);
    const reason = `${parts.join(' and ')}; nothing is deleted until the desired state loads cleanly`;
    return { changes: [], pruneHeld: { reason, keys: candidates } };
  }

  const share = options.massDeleteShare ?? DEFAULT_MASS_DELETE_SHARE;
  const total = Object.keys(inventory.resources).length;
  if (!options.allowMassDelete && massDeleteRefused(candidates.length, inventory, desiredKeys.size, share)) {
    const what =
      candidates.length === total
        ? `every resource tend manages (${total})`
        : `${candidates.length} of ${total} managed resources (more than ${Math.round(share * 100)}%)`;
    const reason = `refusing to delete ${what}: an empty or truncated desired state looks the same as an intended mass deletion`;
    return { changes: [], pruneHeld: { reason, keys: candidates, code: 'TEND_ERR_MASS_DELETE' } };
  }

  const changes = candidates.map((key) => deleteChange(key, inventory.resources[key]!, observed));
  return { changes: changes.sort(deleteOrder) };
}

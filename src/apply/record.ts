// Turns accepted journal entries into inventory entries: what tend now owns on this host.
import type { Inventory } from '../plan/types.js';
import type { JournalEntry } from '../state/journal.js';

export function recordEntries(
  inventory: Inventory,
  entries: readonly JournalEntry[],
  appliedAt: string,
): void {
  for (const e of entries) {
    if (e.action === 'delete') {
      delete inventory.resources[e.key];
      continue;
    }
    inventory.resources[e.key] = {
      kind: e.kind,
      name: e.name,
      generation: e.generation ?? '',
      files: e.files,
      links: e.links,
      services: e.services,
      appliedAt,
      // Prefixes only, never values: a later plan masks these lines on the "-" side of a diff.
      ...(e.sensitivePrefixes?.length ? { sensitivePrefixes: e.sensitivePrefixes } : {}),
      ...(e.runtime ? { runtime: e.runtime } : {}),
    };
  }
}

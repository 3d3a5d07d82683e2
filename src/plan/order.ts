// Dependency order of kinds: Pools before Programs (nothing depends on a Site), Programs before Sites
// (Sites pass requests to both), Terminals last. Deletions run the same order backwards.
import type { Kind } from '../model/index.js';
import type { Change } from './types.js';

export const APPLY_ORDER: readonly Kind[] = ['Issuer', 'Pool', 'Program', 'Site', 'Terminal', 'Job'];
const RANK = new Map<Kind, number>(APPLY_ORDER.map((kind, i) => [kind, i]));

const byName = (a: Change, b: Change) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Creates and updates: dependencies first. */
export function applyOrder(a: Change, b: Change): number {
  return (RANK.get(a.kind) ?? 99) - (RANK.get(b.kind) ?? 99) || byName(a, b);
}

/** Deletions: dependents first (a Site goes before the Pool it used). */
export function deleteOrder(a: Change, b: Change): number {
  return (RANK.get(b.kind) ?? 99) - (RANK.get(a.kind) ?? 99) || byName(a, b);
}

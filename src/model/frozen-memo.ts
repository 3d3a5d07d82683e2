// Values derived from a loaded resource, computed once. source/load.ts deep-freezes every resource
// it loads and shares it with every pass while its file is unchanged, so a value derived from it
// cannot go stale; a resource that is still being built (a test's, an import's) is never remembered.
import type { Resource } from './resource.js';

/** Frozen where a derived value can look: the resource, its metadata and labels, and its spec. */
function settled(r: Resource): boolean {
  return (
    Object.isFrozen(r) &&
    Object.isFrozen(r.metadata) &&
    Object.isFrozen(r.metadata.labels ?? {}) &&
    Object.isFrozen(r.spec)
  );
}

/** `derive`, remembered per frozen resource (a WeakMap: nothing outlives its resource). */
export function frozenMemo<R extends Resource, V>(derive: (r: R) => V): (r: R) => V {
  const memo = new WeakMap<R, V>();
  return (r) => {
    if (memo.has(r)) return memo.get(r)!;
    const value = derive(r);
    if (settled(r)) memo.set(r, value);
    return value;
  };
}

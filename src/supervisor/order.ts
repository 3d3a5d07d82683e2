// dependsOn order: dependencies before dependents (Kahn's algorithm, names sorted for a stable
// order). A cycle is a validation error upstream; here its members are appended so nothing is lost.
import type { Program } from '../model/index.js';

export function topoOrder(programs: readonly Program[]): string[] {
  const names = new Set(programs.map((p) => p.metadata.name));
  const deps = new Map(programs.map((p) => [p.metadata.name, p.spec.dependsOn.filter((d) => names.has(d))]));
  const out: string[] = [];
  const done = new Set<string>();
  for (;;) {
    const next = [...names]
      .filter((n) => !done.has(n) && (deps.get(n) ?? []).every((d) => done.has(d)))
      .sort();
    if (next.length === 0) break;
    for (const n of next) {
      done.add(n);
      out.push(n);
    }
  }
  for (const n of [...names].sort()) if (!done.has(n)) out.push(n);
  return out;
}

// Runs the model's cross-resource rules over schema-clean resources and points each issue at
// file:line:col on both ends; a resource that references an invalid one is held as invalid too.
import { checkCrossRules, type Resource, type ResourceKey, type RuleContext } from '../model/index.js';
import { formatPath } from './describe.js';
import type { Position } from './positions.js';
import type { LoadError } from './types.js';

export interface Candidate {
  file: string;
  key: ResourceKey;
  resource: Resource;
  line: number;
  col: number;
  generation: string;
  /** Where a path inside this resource's document is (re-parses its file on first use). */
  locate: (path: readonly PropertyKey[]) => Position;
}

/** A declared resource that is not clean, and where to point at it. */
export interface Elsewhere {
  key: ResourceKey;
  file: string;
  line: number;
  col: number;
  why: 'invalid' | 'unparseable';
}

const at = (c: Candidate, path: readonly PropertyKey[]) => {
  const p = c.locate(path);
  return `${c.file}:${p.line}:${p.col}`;
};

/** The references a resource makes, with the field that makes each. */
export function referencesOf(r: Resource): { key: ResourceKey; path: (string | number)[] }[] {
  const refs: { key: ResourceKey; path: (string | number)[] }[] = [];
  if (r.kind === 'Site') {
    if (r.spec.php?.pool) refs.push({ key: `Pool/${r.spec.php.pool}`, path: ['spec', 'php', 'pool'] });
    if (r.spec.proxy?.program)
      refs.push({ key: `Program/${r.spec.proxy.program}`, path: ['spec', 'proxy', 'program'] });
    if (r.spec.tls?.acme?.issuer)
      refs.push({ key: `Issuer/${r.spec.tls.acme.issuer}`, path: ['spec', 'tls', 'acme', 'issuer'] });
  }
  if (r.kind === 'Program')
    r.spec.dependsOn.forEach((d, i) => refs.push({ key: `Program/${d}`, path: ['spec', 'dependsOn', i] }));
  return refs;
}

/** The field of the other end that clashes or points back, so the message can name its line. */
function relatedPath(issuePath: readonly PropertyKey[], self: Resource, other: Resource): PropertyKey[] {
  if (issuePath[1] === 'domains' && self.kind === 'Site' && other.kind === 'Site') {
    const d = String(self.spec.domains[issuePath[2] as number]).toLowerCase();
    const i = other.spec.domains.findIndex((x) => x.toLowerCase() === d);
    if (i >= 0) return ['spec', 'domains', i];
  }
  if (issuePath[issuePath.length - 1] === 'port') {
    if (other.kind === 'Pool' && 'port' in other.spec.listen) return ['spec', 'listen', 'port'];
    if (other.kind !== 'Pool') return ['spec', 'port'];
  }
  if (issuePath[1] === 'dependsOn' && other.kind === 'Program') {
    const i = other.spec.dependsOn.indexOf(self.metadata.name);
    if (i >= 0) return ['spec', 'dependsOn', i];
  }
  return ['metadata', 'name'];
}

export function crossCheck(
  clean: readonly Candidate[],
  elsewhere: ReadonlyMap<ResourceKey, Elsewhere>,
  ctx: RuleContext | undefined,
): { errors: LoadError[]; failed: Set<number> } {
  const errors: LoadError[] = [];
  const failed = new Set<number>();
  const byKey = new Map<ResourceKey, number[]>();
  clean.forEach((c, i) => byKey.set(c.key, [...(byKey.get(c.key) ?? []), i]));
  const dupSeen = new Map<ResourceKey, number>();
  const where = (e: Elsewhere) => `${e.file}:${e.line}:${e.col}`;
  const fail = (i: number, path: (string | number)[], code: LoadError['code'], message: string) => {
    const c = clean[i]!;
    const p = c.locate(path);
    errors.push({
      code,
      file: c.file,
      line: p.line,
      col: p.col,
      key: c.key,
      field: formatPath(path),
      message,
    });
    failed.add(i);
  };

  clean.forEach((c, i) => {
    const other = elsewhere.get(c.key);
    if (other)
      fail(
        i,
        ['metadata', 'name'],
        'TEND_ERR_DUPLICATE',
        `${c.key} is declared twice; the other copy (${where(other)}) is ${other.why === 'invalid' ? 'invalid' : 'in a file that cannot be parsed'}`,
      );
  });

  for (const issue of checkCrossRules(
    clean.map((c) => c.resource),
    ctx,
  )) {
    const occurrences = byKey.get(issue.key) ?? [];
    if (issue.related === issue.key && issue.path.join('.') === 'metadata.name') {
      // uniqueNames reports the 2nd, 3rd, … occurrence; every copy is held, none wins by file order.
      const n = (dupSeen.get(issue.key) ?? 0) + 1;
      dupSeen.set(issue.key, n);
      const first = clean[occurrences[0]!]!;
      occurrences.forEach((i) => failed.add(i));
      fail(
        occurrences[n] ?? occurrences[0]!,
        issue.path,
        issue.code,
        `${issue.message}; first at ${at(first, issue.path)}`,
      );
      continue;
    }
    const self = occurrences[0];
    if (self === undefined) continue;
    let message = issue.message;
    const relatedClean = issue.related ? byKey.get(issue.related)?.[0] : undefined;
    const relatedOut = issue.related ? elsewhere.get(issue.related) : undefined;
    if (relatedOut && issue.code === 'TEND_ERR_REFERENCE' && / does not exist$/.test(message))
      message = `${relatedOut.key} is declared but ${relatedOut.why === 'invalid' ? 'invalid' : 'in a file that cannot be parsed'} (${where(relatedOut)})`;
    else if (relatedClean !== undefined && relatedClean !== self) {
      const other = clean[relatedClean]!;
      message = `${message} (${at(other, relatedPath(issue.path, clean[self]!.resource, other.resource))})`;
    }
    fail(self, issue.path, issue.code, message);
  }

  // Propagate: whatever references a held resource is held too, until nothing changes.
  const bad = new Set<ResourceKey>([...elsewhere.keys(), ...[...failed].map((i) => clean[i]!.key)]);
  for (let changed = true; changed;) {
    changed = false;
    clean.forEach((c, i) => {
      if (failed.has(i)) return;
      const ref = referencesOf(c.resource).find((r) => bad.has(r.key));
      if (!ref) return;
      const other = elsewhere.get(ref.key);
      const otherAt = other ? where(other) : at(clean[byKey.get(ref.key)![0]!]!, ['metadata', 'name']);
      const state = other?.why === 'unparseable' ? 'in a file that cannot be parsed' : 'declared but invalid';
      fail(i, ref.path, 'TEND_ERR_REFERENCE', `${ref.key} is ${state} (${otherAt}); fix it first`);
      bad.add(c.key);
      changed = true;
    });
  }
  return { errors, failed };
}

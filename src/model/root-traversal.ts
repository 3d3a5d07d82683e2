// A Site whose root lies below a directory nginx's worker user cannot enter is refused at
// validation, pointing at its `root:` line: nginx would answer every request 403 or 404 while the
// Site read as applied. A 0700 temp dir (mkdtemp) is the usual one. Which directory blocks is a fact
// about the host, read by observe/root-traversal.ts and passed in, so this rule stays pure.
import type { ResourceKey } from './envelope.js';
import { keyOf, type Resource } from './resource.js';

/** The first directory above a path that the worker user cannot search, with its mode ("0700"). */
export interface BlockedDir {
  dir: string;
  mode: string;
}

/** What nginx's worker user can enter, for the paths prepared for this load. */
export interface TraversalFacts {
  /** nginx's worker user, for messages (www-data, or the profile's user). */
  user: string;
  /** Undefined when nothing above `path` blocks the user, or when the path was not prepared. */
  blockedAncestor(path: string): BlockedDir | undefined;
}

export interface TraversalIssue {
  key: ResourceKey;
  path: (string | number)[];
  code: 'TEND_ERR_NOT_TRAVERSABLE';
  message: string;
}

/** Every Site with a root is judged; without the facts (not root, --no-host-checks) none is. */
export function rootsTraversable(
  all: readonly Resource[],
  facts: TraversalFacts | undefined,
): TraversalIssue[] {
  if (!facts) return [];
  const issues: TraversalIssue[] = [];
  for (const r of all) {
    if (r.kind !== 'Site' || !r.spec.root) continue;
    const blocked = facts.blockedAncestor(r.spec.root);
    if (!blocked) continue;
    issues.push({
      key: keyOf(r),
      path: ['spec', 'root'],
      code: 'TEND_ERR_NOT_TRAVERSABLE',
      message:
        `nginx's worker user ${facts.user} cannot enter ${blocked.dir} (mode ${blocked.mode}), a parent ` +
        `of root ${r.spec.root}: every request would fail with 403 or 404; expected every directory ` +
        `above the root to be searchable by ${facts.user} (chmod o+x ${blocked.dir}, e.g. 0711), or a ` +
        `root elsewhere`,
    });
  }
  return issues;
}

/** The Site roots a load must prepare facts for before its rules run. */
export function siteRootsOf(all: readonly Resource[]): string[] {
  return [...new Set(all.flatMap((r) => (r.kind === 'Site' && r.spec.root ? [r.spec.root] : [])))];
}

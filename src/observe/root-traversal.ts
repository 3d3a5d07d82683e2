// The host facts behind model/root-traversal.ts and tend's own socket dir check: the first directory
// above a path that nginx's worker user cannot search. Each directory is lstat'ed at most once per
// instance (one instance per pass), so 1,000 Sites under /var/www cost one stat per distinct
// directory. Only the directories the path itself names are judged, with lstat: a symlinked
// component is not followed, so a verdict never describes a directory the author did not write
// (tend reads as root what others may not see, and must not tell it).
import { dirname } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { FileStat, Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { AccountFacts, BlockedDir, TraversalFacts } from '../model/index.js';
import { allows, who, type Who } from './root-access.js';

const modeOf = (st: FileStat) => (st.mode & 0o7777).toString(8).padStart(4, '0');

/** The directories above `path`, from / down. */
function ancestors(path: string): string[] {
  const chain: string[] = [];
  for (let p = dirname(path); ; p = dirname(p)) {
    chain.unshift(p);
    if (p === dirname(p)) break;
  }
  return chain;
}

export class RootTraversal implements TraversalFacts {
  private readonly stats = new Map<string, Promise<FileStat | undefined>>();
  private readonly verdicts = new Map<string, BlockedDir | undefined>();

  constructor(
    private readonly host: Host,
    readonly user: string,
    private readonly worker: Who,
  ) {}

  /** Judges the paths not judged yet; the stamp names every verdict, for the load memo's key. */
  async prepare(paths: readonly string[]): Promise<string> {
    for (const p of paths) if (!this.verdicts.has(p)) this.verdicts.set(p, await this.judge(p, false));
    return JSON.stringify([this.user, paths.map((p) => [p, this.verdicts.get(p) ?? null])]);
  }

  blockedAncestor(path: string): BlockedDir | undefined {
    return this.verdicts.get(path);
  }

  /**
   * The first directory on the way to `path` (and `path` itself when `inclusive`) the worker cannot
   * search. A missing directory blocks nothing here (the plan warns that a root does not exist);
   * a symlink ends the walk unjudged.
   */
  async judge(path: string, inclusive: boolean): Promise<BlockedDir | undefined> {
    for (const dir of inclusive ? [...ancestors(path), path] : ancestors(path)) {
      const st = await this.lstat(dir);
      if (!st || st.isSymlink || !st.isDirectory) return undefined;
      if (!allows(st, this.worker, 0o1)) return { dir, mode: modeOf(st) };
    }
    return undefined;
  }

  private lstat(dir: string): Promise<FileStat | undefined> {
    let st = this.stats.get(dir);
    if (!st) {
      st = this.host.fs.lstat(dir).catch(() => undefined);
      this.stats.set(dir, st);
    }
    return st;
  }
}

/** Facts for nginx's worker user, or undefined when it cannot be judged (the user is unknown). */
export function rootTraversal(
  host: Host,
  accounts: AccountFacts | undefined,
  user: string,
): RootTraversal | undefined {
  const worker = accounts ? who(accounts, user) : undefined;
  return worker ? new RootTraversal(host, user, worker) : undefined;
}

/**
 * Refuses to start on a root nginx's workers cannot reach: a directory above the pool socket dir they
 * cannot search (in the embedded profile, any 0700 directory above the root and state dir, such as
 * a mkdtemp dir)
 * turns every PHP request into a 502 ("13: Permission denied" in nginx's error log) while
 * everything reads as applied. Checked at startup, as root only. The state dir itself stays 0700:
 * nginx never reads it.
 */
export async function checkOwnDirsTraversable(
  host: Host,
  layout: Pick<Layout, 'php'>,
  accounts: AccountFacts | undefined,
  user = 'www-data',
): Promise<void> {
  if (!host.isRoot()) return;
  const facts = rootTraversal(host, accounts, user);
  if (!facts) return;
  // One directory for every version and pool (the layout derives each socket in it).
  const socketDir = dirname(layout.php.socket('8.2', 'pool'));
  // Its ancestors: the dir itself is tend's to create (a mode changed on it later shows as a 502
  // with nginx's cause in the Site's status).
  const blocked = await facts.judge(socketDir, false);
  if (blocked)
    throw new TendError(
      'TEND_ERR_NOT_TRAVERSABLE',
      `nginx's worker user ${user} cannot enter ${blocked.dir} (mode ${blocked.mode}), on the way to ` +
        `tend's pool socket dir ${socketDir}: every PHP request would fail with 502 (13: Permission ` +
        `denied); expected every directory there to be searchable by ${user}: chmod o+x ` +
        `${blocked.dir} (e.g. 0711), or choose a --root elsewhere`,
      { path: blocked.dir },
    );
}

// Plan warnings for a Site's document root that its readers cannot reach: missing, a parent folder
// nginx's worker user cannot enter (a 0700 temp dir is the usual one), or a root the Pool's user
// cannot read. Read-only: stat of the root and its ancestors, judged with the accounts' ids.
import { dirname } from 'node:path';
import type { FileStat, Host } from '../host/host.js';
import {
  membershipOf,
  poolUserName,
  type AccountFacts,
  type Resource,
  type ResourceKey,
} from '../model/index.js';

interface Who {
  user: string;
  uid: number;
  gids: number[];
}

function who(accounts: AccountFacts, user: string): Who | undefined {
  const entry = accounts.users.get(user);
  return entry ? { user, uid: entry.uid, gids: membershipOf(accounts, user).map((g) => g.gid) } : undefined;
}

/** Owner, group or other bits, as the kernel picks them (root passes every check). */
export function allows(st: FileStat, w: Who, bits: number): boolean {
  if (w.uid === 0) return true;
  const shift = st.uid === w.uid ? 6 : w.gids.includes(st.gid) ? 3 : 0;
  return ((st.mode >> shift) & bits) === bits;
}

/**
 * One stat per path per call: 1,000 Sites mostly share their roots' ancestors (/, /var, /var/www),
 * and each was stat'ed twice per Site (for nginx's user and the Pool's) on every pass. A call sees
 * one moment of the host; nothing is kept between calls, so a chmod is seen by the next pass.
 */
type Stats = (path: string) => Promise<FileStat | undefined>;
function statOnce(host: Host): Stats {
  const seen = new Map<string, Promise<FileStat | undefined>>();
  return (path) => {
    let st = seen.get(path);
    if (!st) seen.set(path, (st = host.fs.stat(path)));
    return st;
  };
}

/** The first folder above `path` (from / down) that `w` cannot enter, if any. */
async function blockedAncestor(stat: Stats, path: string, w: Who): Promise<string | undefined> {
  const chain: string[] = [];
  for (let p = dirname(path); ; p = dirname(p)) {
    chain.unshift(p);
    if (p === dirname(p)) break;
  }
  for (const dir of chain) {
    const st = await stat(dir);
    if (st && !allows(st, w, 0o1)) return dir;
  }
  return undefined;
}

const modeOf = (st: FileStat) => (st.mode & 0o7777).toString(8).padStart(4, '0');

/** Warnings per Site key; `webUser` is nginx's worker user (undefined: tend does not run as root). */
export async function siteRootWarnings(
  host: Host,
  resources: Iterable<Resource>,
  accounts: AccountFacts | undefined,
  webUser: string | undefined,
): Promise<Map<ResourceKey, string[]>> {
  const out = new Map<ResourceKey, string[]>();
  const all = [...resources];
  const pools = new Map(all.filter((r) => r.kind === 'Pool').map((p) => [p.metadata.name, p]));
  const stat = statOnce(host);
  // Group memberships are worked out once per user, not once per Site.
  const whos = new Map<string, Who | undefined>();
  const whoOnce = (acc: AccountFacts, user: string) => {
    if (!whos.has(user)) whos.set(user, who(acc, user));
    return whos.get(user);
  };
  for (const r of all) {
    if (r.kind !== 'Site' || !r.spec.root) continue;
    const key = `Site/${r.metadata.name}` as ResourceKey;
    const root = r.spec.root;
    const warnings: string[] = [];
    const st = await stat(root);
    if (!st) warnings.push(`root ${root} does not exist: every request will answer 404`);
    const nginx = accounts && webUser ? whoOnce(accounts, webUser) : undefined;
    if (nginx) {
      const blocked = await blockedAncestor(stat, root, nginx);
      if (blocked) {
        const b = await stat(blocked);
        warnings.push(
          `nginx's worker user ${webUser} cannot enter ${blocked} (mode ${b ? modeOf(b) : '?'}), a parent of root ${root}: every request will fail with 403 or 404; make it traversable (chmod o+x ${blocked})`,
        );
      }
    }
    const pool = r.spec.php ? pools.get(r.spec.php.pool) : undefined;
    const poolUser = pool?.kind === 'Pool' ? poolUserName(pool.spec.user) : undefined;
    const php = accounts && poolUser ? whoOnce(accounts, poolUser) : undefined;
    if (st && php) {
      const blocked = await blockedAncestor(stat, root, php);
      if (blocked)
        warnings.push(
          `Pool/${pool!.metadata.name}'s user ${poolUser} cannot enter ${blocked}, a parent of root ${root}: PHP cannot open its scripts`,
        );
      else if (!allows(st, php, st.isDirectory ? 0o5 : 0o4))
        warnings.push(
          `Pool/${pool!.metadata.name}'s user ${poolUser} cannot read root ${root} (mode ${modeOf(st)}, owner uid ${st.uid}): PHP cannot open its scripts`,
        );
    }
    if (warnings.length > 0) out.set(key, warnings);
  }
  return out;
}

// Whether nginx's workers can reach a pool's unix socket, and whether the socket still has the owner,
// group and mode php-fpm was told to give it. tend pings pools as root, and root's connect() ignores
// the mode: a socket chmod'ed to 000 answers tend's ping while nginx gets EACCES and serves 502. The
// kernel's rule is plain POSIX (write on the socket, search on every directory above it), so it is
// checked from stat against the worker's credential. See docs/decisions/0021-probe-identity.md.
import { dirname } from 'node:path';
import type { FileStat, Host } from '../../host/index.js';

export interface Credential {
  /** For messages: the user name, or "uid N". */
  name: string;
  uid: number;
  gid: number;
  /** Supplementary groups (nginx's workers call initgroups, so these count). */
  groups: readonly number[];
}

type Owned = Pick<FileStat, 'mode' | 'uid' | 'gid'>;

/** POSIX permission check: the owner class if the uid matches, else the group class, else other. */
export function permits(file: Owned, who: Credential, bit: 'w' | 'x'): boolean {
  if (who.uid === 0) return true;
  const shift = file.uid === who.uid ? 6 : file.gid === who.gid || who.groups.includes(file.gid) ? 3 : 0;
  const mask = (bit === 'w' ? 0o2 : 0o1) << shift;
  return (file.mode & mask) !== 0;
}

export const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** Why `who` cannot connect to the socket at `path` (undefined: it can). `dirs` run from / down. */
export function reachProblem(
  path: string,
  socket: Owned,
  dirs: ReadonlyArray<{ path: string; stat: Owned }>,
  who: Credential,
): string | undefined {
  for (const dir of dirs)
    if (!permits(dir.stat, who, 'x'))
      return `${who.name} cannot search ${dir.path} (mode ${octal(dir.stat.mode)} ${dir.stat.uid}:${dir.stat.gid}), so nginx cannot reach unix:${path}`;
  if (!permits(socket, who, 'w'))
    return `${who.name} cannot connect to unix:${path}: mode ${octal(socket.mode)} owner ${socket.uid}:${socket.gid}`;
  return undefined;
}

export interface SocketWant {
  /** undefined: whoever php-fpm runs as (not checked). */
  uid: number | undefined;
  gid: number | undefined;
  mode: number;
}

/** How the live socket differs from what the pool file asks for ("" when it does not). */
export function socketDrift(socket: Owned, want: SocketWant): string {
  const diffs: string[] = [];
  if ((socket.mode & 0o777) !== (want.mode & 0o777))
    diffs.push(`mode ${octal(socket.mode)} (want ${octal(want.mode)})`);
  if (want.uid !== undefined && socket.uid !== want.uid) diffs.push(`owner ${socket.uid} (want ${want.uid})`);
  if (want.gid !== undefined && socket.gid !== want.gid) diffs.push(`group ${socket.gid} (want ${want.gid})`);
  return diffs.join(', ');
}

/** `id`'s output, e.g. "uid=33(www-data) gid=33(www-data) groups=33(www-data),44(video)". */
export function parseId(name: string, text: string): Credential | undefined {
  const uid = /uid=(\d+)/.exec(text)?.[1];
  const gid = /gid=(\d+)/.exec(text)?.[1];
  if (uid === undefined || gid === undefined) return undefined;
  const groups = [...(/groups=(\S+)/.exec(text)?.[1] ?? '').matchAll(/(\d+)/g)].map((m) => Number(m[1]));
  return { name, uid: Number(uid), gid: Number(gid), groups };
}

const TTL_MS = 60_000;
type Looked = number | Credential | undefined;
const cache = new WeakMap<Host, Map<string, { at: number; value: Promise<Looked> }>>();

/**
 * One lookup per key and TTL. The pending promise is what is kept, so the 32 pools a probe round
 * observes at once share one `getent` instead of each forking its own while the first is running
 * (64 forks per pass at 1,000 Pools, the largest item of an idle pass's CPU). A failed lookup is
 * forgotten at once, so the next caller asks again.
 */
function cached<T extends number | Credential>(
  host: Host,
  key: string,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let map = cache.get(host);
  if (!map) cache.set(host, (map = new Map()));
  const hit = map.get(key);
  if (hit && host.now() - hit.at < TTL_MS) return hit.value as Promise<T | undefined>;
  const value = load();
  const entry = { at: host.now(), value: value as Promise<Looked> };
  map.set(key, entry);
  value.then(
    // The TTL runs from the answer, as it did when only answers were kept.
    () => (entry.at = host.now()),
    () => map.get(key) === entry && map.delete(key),
  );
  return value;
}

/** The credential nginx's workers run with: `user` (tend is root), else tend's own. */
export function workerCredential(host: Host, user: string | undefined): Promise<Credential | undefined> {
  if (user === undefined) {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    return Promise.resolve({ name: `uid ${uid}`, uid, gid, groups: process.getgroups?.() ?? [] });
  }
  return cached(host, `cred\0${user}`, async () => {
    const r = await host.exec('id', [user], { timeoutMs: 5_000 });
    return r.exitCode === 0 ? parseId(user, r.stdout) : undefined;
  });
}

/** A user or group name → its id, through NSS (getent); undefined when unknown. */
export function idOf(host: Host, db: 'passwd' | 'group', name: string): Promise<number | undefined> {
  return cached(host, `${db}\0${name}`, async () => {
    const r = await host.exec('getent', [db, name], { timeoutMs: 5_000 });
    const id = Number(r.stdout.split('\n')[0]?.split(':')[2]);
    return r.exitCode === 0 && Number.isInteger(id) ? id : undefined;
  });
}

export interface SocketObservation {
  /** The socket file is missing (the ping says whether the pool is down). */
  missing?: true;
  /** Why nginx's workers cannot connect; undefined when they can. */
  unreachable?: string;
  /** How owner, group or mode differ from the pool's file ("" when they do not). */
  drift: string;
}

/** The directories from / down to a socket's, each with its stat (a missing one left out). */
export type DirChain = ReadonlyArray<{ path: string; stat: Owned }>;

async function dirChainOf(host: Host, dir: string): Promise<DirChain> {
  const dirs: { path: string; stat: Owned }[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const stat = await host.fs.stat(d);
    if (stat) dirs.unshift({ path: d, stat });
    if (d === '/') break;
  }
  return dirs;
}

/**
 * Stats the socket and every directory above it. `chains` is shared by one round's pools: they
 * live in a handful of directories, so 1,000 pools cost ~1,000 stats and one wait each, not 6,000.
 */
export async function observeSocket(
  host: Host,
  path: string,
  want: SocketWant,
  who: Credential,
  chains = new Map<string, Promise<DirChain>>(),
): Promise<SocketObservation> {
  const socket = await host.fs.stat(path);
  if (!socket) return { missing: true, drift: '' };
  const dir = dirname(path);
  let chain = chains.get(dir);
  if (!chain) chains.set(dir, (chain = dirChainOf(host, dir)));
  const unreachable = reachProblem(path, socket, await chain, who);
  const drift = socketDrift(socket, want);
  return unreachable ? { unreachable, drift } : { drift };
}

/** Gives the socket back the owner, group and mode its pool file asks for. */
export async function healSocket(host: Host, path: string, want: SocketWant): Promise<void> {
  const now = await host.fs.stat(path);
  if (!now) return;
  if ((want.uid !== undefined && now.uid !== want.uid) || (want.gid !== undefined && now.gid !== want.gid))
    await host.fs.chown(path, want.uid ?? now.uid, want.gid ?? now.gid);
  if (!host.fs.chmod) throw new Error('this host cannot chmod');
  await host.fs.chmod(path, want.mode & 0o777);
}

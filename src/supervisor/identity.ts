// Who an instance runs as: resolves user/group names with getent (so NSS users work too), and
// refuses root unless the spec says allowRoot.
import type { Host } from '../host/index.js';
import { TendError } from '../errors/catalogue.js';

export interface Identity {
  /** undefined: run as tend's own user (no switch). */
  uid: number | undefined;
  gid: number | undefined;
  home: string | undefined;
  user: string | undefined;
}

/**
 * Every pass re-checks every Program's identity, and a getent process costs ~20 ms of a core: with
 * 100 Programs that was most of an idle daemon's CPU. An answer is reused while /etc/passwd and
 * /etc/group are unchanged (users made by useradd show at once), and at most GETENT_TTL_MS for users
 * that come from elsewhere in NSS.
 */
const GETENT_TTL_MS = 10 * 60_000;
type CachedEntry = { at: number; stamp: string; entry: string[] | undefined };
const getentCache = new WeakMap<Host, Map<string, CachedEntry>>();

const STAMP_TTL_MS = 1_000;
const stamps = new WeakMap<Host, { at: number; stamp: Promise<string> }>();

/**
 * What /etc/passwd and /etc/group look like now, checked at most once a second: a pass asks for
 * every Program, and two stats each through the thread pool added up.
 */
export function userDbStamp(host: Host): Promise<string> {
  const hit = stamps.get(host);
  if (hit && host.now() - hit.at < STAMP_TTL_MS) return hit.stamp;
  const stamp = Promise.all([host.fs.stat('/etc/passwd'), host.fs.stat('/etc/group')]).then(
    ([passwd, group]) =>
      `${passwd?.mtimeMs ?? 0}:${passwd?.size ?? 0}:${group?.mtimeMs ?? 0}:${group?.size ?? 0}`,
  );
  stamps.set(host, { at: host.now(), stamp });
  return stamp;
}

async function getent(host: Host, db: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  const cache = getentCache.get(host) ?? new Map<string, CachedEntry>();
  getentCache.set(host, cache);
  const stamp = await userDbStamp(host);
  const hit = cache.get(`${db}\0${key}`);
  if (hit && hit.stamp === stamp && host.now() - hit.at < GETENT_TTL_MS) return hit.entry;
  const r = await host.exec('getent', [db, key], { timeoutMs: 5000 });
  const line = r.exitCode === 0 ? r.stdout.split('\n')[0] : undefined;
  const entry = line ? line.split(':') : undefined;
  cache.set(`${db}\0${key}`, { at: host.now(), stamp, entry });
  return entry;
}

export async function resolveIdentity(
  host: Host,
  program: string,
  spec: { user: string | undefined; group: string | undefined; allowRoot: boolean },
): Promise<Identity> {
  const asRoot = host.isRoot();
  if (spec.user === undefined) {
    if (asRoot && !spec.allowRoot)
      throw new TendError(
        'TEND_ERR_ROOT_REFUSED',
        `Program/${program}: expected spec.user (tend runs as root) or allowRoot: true, got neither; programs never run as root by default`,
        { program },
      );
    if (spec.group === undefined) return { uid: undefined, gid: undefined, home: undefined, user: undefined };
  }
  let uid: number | undefined;
  let gid: number | undefined;
  let home: string | undefined;
  if (spec.user !== undefined) {
    const pw = await getent(host, 'passwd', spec.user);
    if (!pw)
      throw new TendError(
        'TEND_ERR_USER_UNKNOWN',
        `Program/${program}: expected an existing user, got "${spec.user}"`,
        {
          program,
          user: spec.user,
        },
      );
    uid = Number(pw[2]);
    gid = Number(pw[3]);
    home = pw[5];
    if (uid === 0 && !spec.allowRoot)
      throw new TendError(
        'TEND_ERR_ROOT_REFUSED',
        `Program/${program}: user "${spec.user}" has uid 0; expected allowRoot: true to run it as root`,
        { program },
      );
  }
  if (spec.group !== undefined) {
    const gr = await getent(host, 'group', spec.group);
    if (!gr)
      throw new TendError(
        'TEND_ERR_USER_UNKNOWN',
        `Program/${program}: expected an existing group, got "${spec.group}"`,
        {
          program,
          group: spec.group,
        },
      );
    gid = Number(gr[2]);
  }
  if (!asRoot) {
    // Without root there is no switching: only "run as myself" is possible, said plainly.
    const self = process.getuid?.();
    const selfGid = process.getgid?.();
    if ((uid !== undefined && uid !== self) || (gid !== undefined && gid !== selfGid))
      throw new TendError(
        'TEND_ERR_USER_SWITCH',
        `Program/${program}: expected tend to run as root to switch to ${spec.user ?? ''}${spec.group ? `:${spec.group}` : ''}, got uid ${self}`,
        { program },
      );
    return { uid: undefined, gid: undefined, home, user: spec.user };
  }
  return { uid, gid, home, user: spec.user };
}

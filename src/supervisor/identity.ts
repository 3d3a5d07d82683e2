// Who an instance runs as: resolves user/group names with getent (so NSS users work too), and
// refuses root unless the spec says allowRoot.
import type { Host } from '../host/index.js';
import { membershipFrom, type SwitchTo } from '../host/run-as.js';
import { TendError } from '../errors/catalogue.js';
import { PRIVILEGED_GROUPS, privilegedGroup } from '../model/privilege.js';

export interface Identity {
  /** undefined: run as tend's own user (no switch). */
  uid: number | undefined;
  gid: number | undefined;
  home: string | undefined;
  user: string | undefined;
  /** The user's membership (initgroups), set whenever a user is switched to; never tend's groups. */
  groups?: number[];
}

/** The setpriv target when this identity switches users; undefined when the child runs as tend. */
export function switchOf(id: Identity): SwitchTo | undefined {
  if (id.uid === undefined || id.gid === undefined) return undefined;
  return { uid: id.uid, gid: id.gid, groups: id.groups ?? [] };
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

async function getent(
  host: Host,
  db: 'passwd' | 'group' | 'initgroups',
  key: string,
): Promise<string[] | undefined> {
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
  let gidOfUser: number | undefined;
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
    gidOfUser = gid;
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
  const groups = spec.user !== undefined ? await membership(host, spec.user, gidOfUser ?? 0) : undefined;
  if (!spec.allowRoot) await refusePrivilegedGroups(host, program, spec, gid, groups ?? []);
  return { uid, gid, home, user: spec.user, ...(groups ? { groups } : {}) };
}

/** The user's groups as initgroups(3) sets them, plus its primary group (getent, cached). */
async function membership(host: Host, user: string, primaryGid: number): Promise<number[]> {
  return membershipFrom((await getent(host, 'initgroups', user))?.join(':') ?? '', primaryGid);
}

const privilegedCache = new WeakMap<Host, { at: number; stamp: string; byGid: Map<number, string> }>();

/** gid → name for gid 0 and every privileged group this host has: one getent call, cached. */
async function privilegedGids(host: Host): Promise<Map<number, string>> {
  const stamp = await userDbStamp(host);
  const hit = privilegedCache.get(host);
  if (hit && hit.stamp === stamp && host.now() - hit.at < GETENT_TTL_MS) return hit.byGid;
  // Exit 2 only says some names are absent here; the lines of those present are printed.
  const r = await host.exec('getent', ['group', ...Object.keys(PRIVILEGED_GROUPS)], { timeoutMs: 5000 });
  const byGid = new Map<number, string>([[0, 'root']]);
  for (const line of r.stdout.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[2] !== '' && Number.isInteger(Number(f[2]))) byGid.set(Number(f[2]), f[0]!);
  }
  privilegedCache.set(host, { at: host.now(), stamp, byGid });
  return byGid;
}

/** gid 0 and groups whose members hold root's power, as the group or a membership: allowRoot only. */
async function refusePrivilegedGroups(
  host: Host,
  program: string,
  spec: { user: string | undefined; group: string | undefined },
  gid: number | undefined,
  groups: readonly number[],
): Promise<void> {
  const byGid = await privilegedGids(host);
  const refuse = (g: number, how: string, named?: string) => {
    const name = named ?? byGid.get(g);
    if (g !== 0 && name === undefined) return;
    throw new TendError(
      'TEND_ERR_ROOT_REFUSED',
      `Program/${program}: ${how} ${name ?? g} (gid ${g}), which is privileged: ${privilegedGroup(name, g) ?? privilegedGroup(byGid.get(g), g)}; expected allowRoot: true to run with it`,
      { program },
    );
  };
  if (spec.group !== undefined && gid !== undefined && (gid === 0 || byGid.has(gid)))
    refuse(gid, 'group', spec.group);
  for (const g of groups) refuse(g, `user ${spec.user} belongs to group`);
}

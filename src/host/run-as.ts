// How tend (root) starts a process as another user: through util-linux setpriv, which sets the real
// and effective uid/gid and exactly the given supplementary groups, and then a POSIX sh that enters
// the directory as that user before exec. One path for Programs, exec probes and Terminal ptys.
import { existsSync } from 'node:fs';
import type { Host } from './host.js';

/** Whom to become: the groups are the user's membership (initgroups), never tend's own. */
export interface SwitchTo {
  uid: number;
  gid: number;
  groups: readonly number[];
}

export interface Command {
  file: string;
  args: string[];
  /** Where the spawner chdirs (as root): "/" when switching, since the user enters the real one. */
  cwd: string;
}

// Absolute paths: a spec's env may set PATH, and the spawner looks the file up in the child's env.
const SETPRIV_CANDIDATES = ['/usr/bin/setpriv', '/bin/setpriv'];
const SH = '/bin/sh';
// $1 is the directory, the rest the argv; nothing from the spec is ever part of this script's text.
const ENTER_THEN_EXEC = 'cd -- "$1" || exit 126; shift; exec "$@"';

let setpriv: string | undefined;

function setprivPath(): string {
  setpriv ??= SETPRIV_CANDIDATES.find((p) => existsSync(p));
  if (!setpriv)
    throw new Error(
      `setpriv (util-linux) is needed to switch users; looked in ${SETPRIV_CANDIDATES.join(', ')}`,
    );
  return setpriv;
}

/** The argv that runs `file args` as `who` in `directory`; without `who`, the argv itself. */
export function runAs(
  who: SwitchTo | undefined,
  directory: string | undefined,
  file: string,
  args: readonly string[],
): Command {
  if (!who) return { file, args: [...args], cwd: directory ?? '/' };
  const groups = [...new Set(who.groups)];
  return {
    file: setprivPath(),
    args: [
      `--reuid=${who.uid}`,
      `--regid=${who.gid}`,
      ...(groups.length > 0 ? [`--groups=${groups.join(',')}`] : ['--clear-groups']),
      '--',
      SH,
      '-c',
      ENTER_THEN_EXEC,
      'tend-run-as',
      directory ?? '/',
      file,
      ...args,
    ],
    cwd: '/',
  };
}

/**
 * A user's supplementary groups as initgroups(3) would set them (every NSS source), plus its primary
 * group. `getent initgroups` prints "name gid gid …" and nothing for an unknown user.
 */
export async function membershipGids(host: Host, user: string, primaryGid: number): Promise<number[]> {
  const r = await host.exec('getent', ['initgroups', user], { timeoutMs: 5000 });
  if (r.exitCode !== 0) throw new Error(`getent initgroups ${user}: exit ${r.exitCode} ${r.stderr}`);
  return membershipFrom(r.stdout, primaryGid);
}

/** The gids of a `getent initgroups` line ("name gid gid …"), with the primary group first. */
export function membershipFrom(initgroupsLine: string, primaryGid: number): number[] {
  const gids = initgroupsLine
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
    .filter((g) => Number.isInteger(g) && g >= 0);
  return [...new Set([primaryGid, ...gids])];
}

/** Whether `who` can enter `directory`, asked as that user (a root stat cannot tell). */
export async function canEnter(
  host: Host,
  who: SwitchTo,
  directory: string,
): Promise<{ ok: boolean; why: string }> {
  const cmd = runAs(who, directory, '/bin/true', []);
  const r = await host.exec(cmd.file, cmd.args, {
    cwd: cmd.cwd,
    timeoutMs: 5000,
    env: { PATH: '/usr/bin:/bin' },
    replaceEnv: true,
  });
  return { ok: r.exitCode === 0, why: r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}` };
}

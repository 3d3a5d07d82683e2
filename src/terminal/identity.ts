// Who a terminal's shell runs as and what it sees: the uid/gid of spec.user from /etc/passwd (root,
// or a privileged group membership, only with allowRoot), the user's own supplementary groups, a
// working directory entered as that user, and a clean environment that holds none of tend's.
import { basename } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import { canEnter, membershipGids, runAs, type SwitchTo } from '../host/run-as.js';
import { privilegedGroup } from '../model/privilege.js';
import type { TerminalSpec } from '../model/terminal.js';
import type { PtyProcess, PtyProvider } from './pty.js';

export interface ShellIdentity {
  user: string;
  uid: number;
  gid: number;
  home: string;
  /** Undefined when tend already runs as this user, so no switch is needed (or allowed). */
  switchTo?: SwitchTo;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const [uid, gid] = [Number(f[2]), Number(f[3])];
    if (Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0]!, uid, gid, home: f[5]! });
  }
  return out;
}

/** Resolves spec.user; refuses root (by uid, not name) unless allowRoot, and user switches when not root. */
export async function resolveIdentity(host: Host, spec: TerminalSpec, name: string): Promise<ShellIdentity> {
  const entry = parsePasswd((await host.fs.readFile('/etc/passwd')) ?? '').find((e) => e.name === spec.user);
  if (!entry)
    throw new TendError(
      'TEND_ERR_USER_UNKNOWN',
      `Terminal/${name}: expected user "${spec.user}" in /etc/passwd, found none`,
    );
  if (entry.uid === 0 && !spec.allowRoot)
    throw new TendError(
      'TEND_ERR_ROOT_REFUSED',
      `Terminal/${name}: user "${spec.user}" has uid 0; a root terminal needs allowRoot: true`,
    );
  const identity: ShellIdentity = {
    user: entry.name,
    uid: entry.uid,
    gid: entry.gid,
    home: entry.home || '/',
  };
  const ownUid = process.getuid?.();
  if (ownUid === entry.uid) return identity;
  if (!host.isRoot())
    throw new TendError(
      'TEND_ERR_USER_SWITCH',
      `Terminal/${name}: the shell should run as "${spec.user}" (uid ${entry.uid}) but tend runs as uid ${ownUid}; ` +
        'run tend as root or set user to the user tend runs as',
    );
  const groups = await membershipGids(host, entry.name, entry.gid);
  if (!spec.allowRoot) await refusePrivileged(host, name, entry.name, groups);
  return { ...identity, switchTo: { uid: entry.uid, gid: entry.gid, groups } };
}

/** A membership in gid 0 or a group whose members hold root's power is root in practice. */
async function refusePrivileged(host: Host, name: string, user: string, groups: readonly number[]) {
  const names = new Map<number, string>();
  for (const line of ((await host.fs.readFile('/etc/group')) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && !names.has(Number(f[2]))) names.set(Number(f[2]), f[0]!);
  }
  for (const gid of groups) {
    const why = privilegedGroup(names.get(gid), gid);
    if (why)
      throw new TendError(
        'TEND_ERR_ROOT_REFUSED',
        `Terminal/${name}: user "${user}" belongs to group ${names.get(gid) ?? gid} (gid ${gid}), which is privileged: ${why}; a terminal with it needs allowRoot: true`,
      );
  }
}

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Built from nothing, never from process.env: tend's tokens and secrets must not reach the shell. */
export function shellEnv(identity: ShellIdentity, shell: string): Record<string, string> {
  return {
    HOME: identity.home,
    USER: identity.user,
    LOGNAME: identity.user,
    SHELL: shell,
    TERM: 'xterm-256color',
    COLORTERM: 'truecolor',
    LANG: 'C.UTF-8',
    PATH: identity.uid === 0 ? SYSTEM_PATH : USER_PATH,
  };
}

const LOGIN_CAPABLE = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'ash']);

/** A login shell reads the user's profile like an ssh session would; unknown programs get no flags. */
export function shellArgs(shell: string): string[] {
  return LOGIN_CAPABLE.has(basename(shell)) ? ['-l'] : [];
}

/** Checks the shell is an executable file and the directory exists, so a typo fails before a session. */
export async function checkSpawnable(host: Host, spec: TerminalSpec, identity: ShellIdentity, name: string) {
  const shell = await host.fs.stat(spec.shell);
  if (!shell?.isFile || (shell.mode & 0o111) === 0)
    throw new TendError(
      'TEND_ERR_SPAWN',
      `Terminal/${name}: expected an executable shell at ${spec.shell}, found none`,
    );
  // Service users often have a home that does not exist (nobody: /nonexistent); "/" then, like login.
  if (spec.directory === undefined) {
    if (!(await host.fs.stat(identity.home))?.isDirectory) return '/';
    if (identity.switchTo && !(await canEnter(host, identity.switchTo, identity.home)).ok) return '/';
    return identity.home;
  }
  const dir = spec.directory;
  const stat = await host.fs.stat(dir);
  if (!stat?.isDirectory)
    throw new TendError(
      'TEND_ERR_SPAWN',
      `Terminal/${name}: expected the directory ${dir} to exist, found none`,
    );
  // Root can enter anything: ask as the user, so /root is refused rather than opened to it.
  if (identity.switchTo) {
    const entered = await canEnter(host, identity.switchTo, dir);
    if (!entered.ok)
      throw new TendError(
        'TEND_ERR_SPAWN',
        `Terminal/${name}: user "${identity.user}" cannot enter the directory ${dir} (${entered.why}); expected a directory it may enter`,
      );
  }
  return dir;
}

/**
 * The one place a terminal's shell is born: resolve the user and directory afresh (either may have
 * changed since start), then spawn on a pty unless the client left meanwhile (`stillWanted`).
 */
export async function spawnShell(
  host: Host,
  spec: TerminalSpec,
  name: string,
  size: { cols: number; rows: number },
  provider: PtyProvider,
  stillWanted: () => boolean,
): Promise<{ pty: PtyProcess; identity: ShellIdentity } | undefined> {
  const identity = await resolveIdentity(host, spec, name);
  const cwd = await checkSpawnable(host, spec, identity, name);
  if (!stillWanted()) return undefined;
  // The switch happens in setpriv, not in the pty's fork: that one would keep tend's groups and
  // enter the directory as root. The shell stays the session leader: each step execs in place.
  const cmd = runAs(identity.switchTo, cwd, spec.shell, shellArgs(spec.shell));
  const pty = provider({
    file: cmd.file,
    args: cmd.args,
    cwd: cmd.cwd,
    env: shellEnv(identity, spec.shell),
    ...size,
  });
  return { pty, identity };
}

// Who a terminal's shell runs as and what it sees: the uid/gid of spec.user from /etc/passwd (root
// only with allowRoot), its working directory and a clean environment that holds none of tend's.
import { basename } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import type { TerminalSpec } from '../model/terminal.js';
import type { PtyProcess, PtyProvider } from './pty.js';

export interface ShellIdentity {
  user: string;
  uid: number;
  gid: number;
  home: string;
  /** Undefined when tend already runs as this user, so no switch is needed (or allowed). */
  switchTo?: { uid: number; gid: number };
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
  return { ...identity, switchTo: { uid: entry.uid, gid: entry.gid } };
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
  if (spec.directory === undefined)
    return (await host.fs.stat(identity.home))?.isDirectory ? identity.home : '/';
  const dir = spec.directory;
  const stat = await host.fs.stat(dir);
  if (!stat?.isDirectory)
    throw new TendError(
      'TEND_ERR_SPAWN',
      `Terminal/${name}: expected the directory ${dir} to exist, found none`,
    );
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
  const pty = provider({
    file: spec.shell,
    args: shellArgs(spec.shell),
    cwd,
    env: shellEnv(identity, spec.shell),
    ...size,
    ...(identity.switchTo ?? {}),
  });
  return { pty, identity };
}

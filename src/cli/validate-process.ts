// Host checks `tend validate` runs on Programs and Jobs: the user and group exist (through getent,
// so NSS users count), and the command is an executable file the user may run, found as the child
// would find it (its PATH: the spec's env PATH, else tend's). Without this a missing command only
// showed up as a crash loop of `spawn … EACCES`. A shell command (shell: true) is sh's to resolve.
import { posix } from 'node:path';
import type { Host } from '../host/index.js';
import { envPlain, type Job, type Program } from '../model/index.js';
import type { LoadError, LoadedResource } from '../source/index.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Who {
  uid: number;
  gid: number;
}

async function lookup(host: Host, db: 'passwd' | 'group', name: string): Promise<string[] | undefined> {
  const r = await host.exec('getent', [db, name], { timeoutMs: 5000 });
  const line = r.exitCode === 0 ? r.stdout.split('\n')[0] : undefined;
  return line ? line.split(':') : undefined;
}

/** True when `who` may execute `path` (root: any x bit); the owner/group/other bits otherwise. */
async function executable(host: Host, path: string, who: Who): Promise<boolean> {
  const st = await host.fs.stat(path);
  if (!st || !st.isFile) return false;
  const mode = st.mode & 0o777;
  if (who.uid === 0) return (mode & 0o111) !== 0;
  if (st.uid === who.uid) return (mode & 0o100) !== 0;
  if (st.gid === who.gid) return (mode & 0o010) !== 0;
  return (mode & 0o001) !== 0;
}

export async function processHostIssues(host: Host, loaded: readonly LoadedResource[]): Promise<LoadError[]> {
  const issues: LoadError[] = [];
  for (const r of loaded) {
    if (r.resource.kind !== 'Program' && r.resource.kind !== 'Job') continue;
    const spec = (r.resource as Program | Job).spec;
    const at = { file: r.file, line: r.line, col: r.col, key: r.key };
    let who: Who = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    if (spec.user !== undefined) {
      const pw = await lookup(host, 'passwd', spec.user);
      if (!pw) {
        issues.push({
          ...at,
          code: 'TEND_ERR_USER_UNKNOWN',
          field: 'spec.user',
          message: `user ${spec.user} does not exist on this host; expected an existing account (getent passwd ${spec.user})`,
        });
        continue;
      }
      who = { uid: Number(pw[2]), gid: Number(pw[3]) };
    }
    if (spec.group !== undefined) {
      const gr = await lookup(host, 'group', spec.group);
      if (!gr)
        issues.push({
          ...at,
          code: 'TEND_ERR_USER_UNKNOWN',
          field: 'spec.group',
          message: `group ${spec.group} does not exist on this host; expected an existing group`,
        });
      else who = { ...who, gid: Number(gr[2]) };
    }
    if (spec.shell) continue;
    const command = spec.command[0] ?? '';
    const pathEnv =
      spec.env.PATH !== undefined ? envPlain(spec.env.PATH) : (process.env.PATH ?? DEFAULT_PATH);
    const candidates = command.includes('/')
      ? [posix.resolve(spec.directory ?? '/', command)]
      : pathEnv
          .split(':')
          .filter((d) => d.startsWith('/'))
          .map((d) => posix.join(d, command));
    let found = false;
    for (const c of candidates) if (await executable(host, c, who)) found = true;
    if (!found)
      issues.push({
        ...at,
        code: 'TEND_ERR_COMMAND_NOT_FOUND',
        field: 'spec.command[0]',
        message: command.includes('/')
          ? `${command} is not an executable file that ${spec.user ?? 'tend'} may run`
          : `${command} is not found on ${spec.user ?? 'tend'}'s PATH (${pathEnv}); expected an installed command or an absolute path`,
      });
  }
  return issues;
}

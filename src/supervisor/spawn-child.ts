// Spawns one instance: argv straight to execve (a shell only when the spec asked, as /bin/sh -c),
// its own session and process group, the spec's directory, env and user (through host/run-as.ts:
// the user's own supplementary groups, the directory entered as that user), output into the slot's
// log FIFO. The Host has no spawn, so this is the one place the supervisor forks.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { runAs } from '../host/run-as.js';
import { switchOf, type Identity } from './identity.js';
import type { LogPipe } from './log-pipe.js';
import type { RuntimeSpec } from './runtime-spec.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The child's environment. tend's own environment is not inherited (it may hold tend's tokens):
 * only PATH, locale and timezone, then the user's identity, the spec's env, and tend's variables.
 */
export function childEnv(
  spec: RuntimeSpec,
  index: number,
  port: number | undefined,
  id: Identity,
): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? DEFAULT_PATH };
  for (const k of ['LANG', 'LC_ALL', 'TZ']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  if (id.user !== undefined) {
    env.USER = id.user;
    env.LOGNAME = id.user;
  }
  if (id.home !== undefined) env.HOME = id.home;
  Object.assign(env, spec.env);
  env.TEND_PROGRAM = spec.name;
  env.TEND_INSTANCE = String(index);
  if (port !== undefined) env.PORT = String(port);
  return env;
}

export type Spawned = { child: ChildProcess; pid: number } | { error: string };

/** Where the child is born and what wraps its argv: cgroups (limits, the whole tree) and prlimit. */
export interface Placement {
  /** Runs the synchronous spawn with tend inside the child's cgroups. */
  inside<T>(fn: () => T): T;
  /** Called at once with the new child's pid (limit groups take it before it execs its command). */
  spawned?(pid: number): void;
  /** The argv with rlimit setting in front (runs as root, before the user switch). */
  argv(file: string, args: string[]): { file: string; args: string[] };
}

/** Spawns one instance; a spawn that fails (ENOENT, EACCES, bad cwd) comes back as `{ error }`. */
export async function spawnInstance(
  spec: RuntimeSpec,
  index: number,
  port: number | undefined,
  id: Identity,
  pipe: LogPipe,
  place?: Placement,
): Promise<Spawned> {
  const [file, ...args] = spec.argv;
  const out = pipe.openChildWriter();
  let child: ChildProcess;
  try {
    const who = switchOf(id);
    const cmd = runAs(who, spec.directory, file ?? '/bin/false', args);
    const run = place ? place.argv(cmd.file, cmd.args) : cmd;
    const doSpawn = () =>
      spawn(run.file, run.args, {
        cwd: cmd.cwd,
        env: childEnv(spec, index, port, id),
        // Only a group without a user is left to node (allowRoot): it runs as root with that gid.
        ...(who ? {} : { uid: id.uid, gid: id.gid }),
        detached: true,
        shell: false,
        // fd 3 is the FIFO's read end: the child keeps a reader alive so a dead supervisor never
        // turns its next write into SIGPIPE.
        stdio: ['ignore', out, out, pipe.readFd],
        windowsHide: true,
      });
    child = place ? place.inside(doSpawn) : doSpawn();
    if (child.pid !== undefined) place?.spawned?.(child.pid);
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    closeSync(out);
  }
  const pid = child.pid;
  if (pid === undefined)
    return { error: (await new Promise<Error>((resolve) => child.once('error', resolve))).message };
  return { child, pid };
}

// One controller per root. Exclusion is an abstract unix socket bound for as long as the holder
// lives (the kernel frees it when the process dies, zombies included); <stateDir>/lock only names
// the holder for messages and `tend status`. See docs/decisions/0017-state-dir-lock-and-writes.md.
import { createHash, randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import { hasExited, readProcStat } from '../host/proc-stat.js';

export const LOCK_FILE = 'lock';

export interface LockInfo {
  pid: number;
  /** Clock ticks since boot (/proc/pid/stat field 22); absent where /proc could not be read. */
  startTime?: number;
  /** What the holder is doing: "serve", "reconcile". */
  command: string;
  since: string;
  /** Tells this acquisition apart from any other, so release() never removes someone else's lock. */
  token: string;
}

export interface Lock {
  readonly info: LockInfo;
  readonly path: string;
  /** Frees the socket and removes the lock file if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

export const lockPath = (stateDir: string) => `${stateDir}/${LOCK_FILE}`;

/** The abstract socket name for a state dir: one per real path, so symlinked spellings agree. */
export async function lockSocketName(stateDir: string): Promise<string> {
  const real = await realpath(stateDir);
  return `\0tend-lock-${createHash('sha256').update(real).digest('hex').slice(0, 32)}`;
}

function parseLock(raw: string): LockInfo | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (!Number.isInteger(v.pid) || typeof v.command !== 'string' || typeof v.since !== 'string')
      return undefined;
    return {
      pid: v.pid as number,
      ...(typeof v.startTime === 'number' ? { startTime: v.startTime } : {}),
      command: v.command,
      since: v.since,
      token: typeof v.token === 'string' ? v.token : '',
    };
  } catch {
    return undefined;
  }
}

/** The holder the lock file names, alive or not; undefined when there is none (or it is unreadable). */
export async function readLock(host: Host, stateDir: string): Promise<LockInfo | undefined> {
  const raw = await host.fs.readFile(lockPath(stateDir));
  return raw === undefined ? undefined : parseLock(raw);
}

/**
 * Alive means the same process (the pid exists and started at the recorded time) and not a zombie:
 * a SIGKILLed holder that its parent has not reaped yet holds nothing any more.
 */
export async function isHolderAlive(host: Host, info: LockInfo): Promise<boolean> {
  if (info.startTime === undefined) {
    if (!host.kill(info.pid, 0)) return false;
  } else if ((await host.processStartTime(info.pid)) !== info.startTime) return false;
  const stat = await readProcStat(host.fs, info.pid);
  return stat === undefined || !hasExited(stat.state);
}

function lockedError(path: string, holder: LockInfo | undefined): TendError {
  if (!holder)
    return new TendError(
      'TEND_ERR_LOCKED',
      `expected to be the only tend on this root, got another live process holding its lock (${path} ` +
        'does not name it: unreadable or being written); stop the other tend, or wait for it to finish',
      { path },
    );
  return new TendError(
    'TEND_ERR_LOCKED',
    `expected to be the only tend on this root, got pid ${holder.pid} ("${holder.command}") holding ` +
      `${path} since ${holder.since}; stop it, or wait for it to finish`,
    { path, holder: { pid: holder.pid, command: holder.command, since: holder.since } },
  );
}

/** Binds the abstract socket; false when a live process (maybe this one) already holds it. */
async function bindLockSocket(name: string): Promise<Server | false> {
  const server = createServer((conn) => conn.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(false);
      else reject(err);
    });
    server.listen({ path: name, exclusive: true }, () => {
      // The lock must not keep a one-shot command (tend reconcile) alive after its work is done.
      server.unref();
      resolve(server);
    });
  });
}

/** How long a holder the lock file shows dead may still take to let go of the socket. */
const DYING_HOLDER_MS = 5_000;

/**
 * Binds the socket. When it is held but the lock file names a holder that is gone or a zombie, the
 * kernel is still tearing that process down (a multi-threaded process shows Z before its last
 * thread has closed its files): retry briefly rather than refuse a restart right after a kill.
 */
async function bindOrWaitForDeadHolder(host: Host, stateDir: string): Promise<Server> {
  const name = await lockSocketName(stateDir);
  const deadline = Date.now() + DYING_HOLDER_MS;
  for (;;) {
    const server = await bindLockSocket(name);
    if (server) return server;
    const holder = await readLock(host, stateDir);
    if (!holder || (await isHolderAlive(host, holder)) || Date.now() > deadline)
      throw lockedError(lockPath(stateDir), holder);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Takes the root's lock or throws TEND_ERR_LOCKED naming the holder. Whoever binds the socket owns
 * the root: the lock file it finds is a dead holder's (or garbage) and is simply overwritten, and
 * a lock file that cannot be read never lets a second tend in while the holder lives.
 */
export async function acquireLock(host: Host, stateDir: string, command: string): Promise<Lock> {
  const path = lockPath(stateDir);
  await host.fs.mkdirp(stateDir, 0o700);
  const server = await bindOrWaitForDeadHolder(host, stateDir);
  try {
    const startTime = await host.processStartTime(process.pid);
    const info: LockInfo = {
      pid: process.pid,
      ...(startTime !== undefined ? { startTime } : {}),
      command,
      since: new Date(host.now()).toISOString(),
      token: randomBytes(8).toString('hex'),
    };
    await host.fs.writeFileAtomic(path, `${JSON.stringify(info)}\n`, 0o644);
    return makeLock(host, path, info, server);
  } catch (err) {
    server.close();
    throw err;
  }
}

function makeLock(host: Host, path: string, info: LockInfo, server: Server): Lock {
  let released = false;
  return {
    info,
    path,
    async release() {
      if (released) return;
      released = true;
      try {
        const current = await host.fs.readFile(path);
        if (current !== undefined && parseLock(current)?.token === info.token) await host.fs.remove(path);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

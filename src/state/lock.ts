// One controller per root: <stateDir>/lock names the holder by pid AND process start time, so a
// lock left by a dead tend (or whose pid was reused by an unrelated process) is taken over instead
// of blocking forever ("another operation in progress").
import { randomBytes } from 'node:crypto';
import { TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import { stateFs } from './state-fs.js';

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
  /** Removes the lock if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

export const lockPath = (stateDir: string) => `${stateDir}/${LOCK_FILE}`;

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

/** The current holder, alive or not; undefined when there is no lock file (or it is unreadable). */
export async function readLock(host: Host, stateDir: string): Promise<LockInfo | undefined> {
  const raw = await host.fs.readFile(lockPath(stateDir));
  return raw === undefined ? undefined : parseLock(raw);
}

/** Alive means the same process: the pid exists and started at the recorded time. */
export async function isHolderAlive(host: Host, info: LockInfo): Promise<boolean> {
  if (info.startTime === undefined) return host.kill(info.pid, 0);
  return (await host.processStartTime(info.pid)) === info.startTime;
}

function lockedError(path: string, holder: LockInfo): TendError {
  return new TendError(
    'TEND_ERR_LOCKED',
    `expected to be the only tend on this root, got pid ${holder.pid} ("${holder.command}") holding ` +
      `${path} since ${holder.since}; stop it, or wait for it to finish`,
    { path, holder: { pid: holder.pid, command: holder.command, since: holder.since } },
  );
}

const MAX_ATTEMPTS = 5;

/**
 * Creates the lock exclusively. A live holder is TEND_ERR_LOCKED. A stale lock is renamed aside
 * (atomic: of several contenders exactly one moves it) and creation is retried; a contender that
 * moved a fresh lock instead of the stale one puts it back. Three processes racing over one stale
 * lock in the same microseconds could still both win; tend is started by people and init systems,
 * not in bursts, so that window is accepted rather than served by a second lock.
 */
export async function acquireLock(host: Host, stateDir: string, command: string): Promise<Lock> {
  const ext = stateFs(host);
  const path = lockPath(stateDir);
  const startTime = await host.processStartTime(process.pid);
  const info: LockInfo = {
    pid: process.pid,
    ...(startTime !== undefined ? { startTime } : {}),
    command,
    since: new Date(host.now()).toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const content = `${JSON.stringify(info)}\n`;
  await host.fs.mkdirp(stateDir);
  let lastHolder: LockInfo | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await ext.createExclusive(path, content, 0o644)) return makeLock(host, path, info);
    const raw = await host.fs.readFile(path);
    if (raw === undefined) continue;
    const holder = parseLock(raw);
    if (holder && (await isHolderAlive(host, holder))) throw lockedError(path, holder);
    lastHolder = holder;
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!(await ext.rename(path, aside))) continue;
    const moved = await host.fs.readFile(aside);
    if (moved !== undefined && moved !== raw) await ext.createExclusive(path, moved, 0o644);
    await host.fs.remove(aside);
  }
  const holder = (await readLock(host, stateDir)) ?? lastHolder;
  if (holder) throw lockedError(path, holder);
  throw new TendError('TEND_ERR_LOCKED', `expected to create ${path}, got contention on every attempt`, {
    path,
  });
}

function makeLock(host: Host, path: string, info: LockInfo): Lock {
  let released = false;
  return {
    info,
    path,
    async release() {
      if (released) return;
      released = true;
      const current = await host.fs.readFile(path);
      if (current !== undefined && parseLock(current)?.token === info.token) await host.fs.remove(path);
    },
  };
}

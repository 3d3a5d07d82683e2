// One incarnation of an instance (pid, group, identity, exit latch), the polling watch for adopted
// processes, and the pure rules that turn an exit into "stay down" or "restart after N ms".
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Host } from '../host/index.js';
import { groupKill, waitGroupGone, waitOr } from './group.js';
import { isSameLiveProcess } from './run-file.js';
import { CRASH_LOOP_AFTER, MIN_STABLE_MS, backoffDelay, type RuntimeSpec } from './runtime-spec.js';
import type { ExitRecord } from './types.js';

export const ADOPTED_POLL_MS = 300;

export interface Proc {
  pid: number;
  pgid: number;
  startTime: number;
  startedAt: number;
  /** Our own child: its 'exit' event owns the status. undefined for an adopted process. */
  child: ChildProcess | undefined;
  exited: Promise<void>;
  markExited: () => void;
  done: boolean;
}

export function newProc(
  pid: number,
  pgid: number,
  startTime: number,
  startedAt: number,
  child?: ChildProcess,
): Proc {
  let markExited = () => {};
  const exited = new Promise<void>((resolve) => (markExited = resolve));
  return { pid, pgid, startTime, startedAt, child, exited, markExited, done: false };
}

/** Polls pid + start time (node has no pidfd); calls onGone once. Returns a cancel function. */
export function watchAdopted(host: Host, proc: Proc, onGone: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const poll = async () => {
    if (proc.done || cancelled) return;
    if (!(await isSameLiveProcess(host, proc.pid, proc.startTime))) return onGone();
    if (!cancelled) timer = setTimeout(() => void poll(), ADOPTED_POLL_MS);
  };
  timer = setTimeout(() => void poll(), ADOPTED_POLL_MS);
  return () => {
    cancelled = true;
    if (timer) clearTimeout(timer);
  };
}

/** "exited 1", "killed by SIGKILL (exit 137)", or the adopted case where the code is unknowable. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, unknown?: string): string {
  if (unknown) return 'exited (code unknown, adopted)';
  if (signal) return `killed by ${signal} (exit ${128 + (constants.signals[signal] ?? 0)})`;
  return `exited ${code}`;
}

/** The exit as status reports it; `unknown` says why the code could not be read. */
export function exitRecord(
  atMs: number,
  code: number | null,
  signal: NodeJS.Signals | null,
  unknown?: string,
): ExitRecord {
  return { code, signal, at: new Date(atMs).toISOString(), ...(unknown ? { unknown } : {}) };
}

/** Why an instance counts as crash-looping, with its last log lines (the caller redacts secrets). */
export function crashLoopMessage(
  what: string,
  uptimeMs: number,
  failures: number,
  delayMs: number,
  lastLines: readonly string[],
): string {
  return `crash loop: ${what} within ${Math.round(uptimeMs)}ms, ${failures} times; next try in ${delayMs}ms; last log lines: ${lastLines.join(' | ')}`;
}

export type AfterExit =
  | { restart: false }
  | { restart: true; delayMs: number; failures: number; crashLoop: boolean; failedStart: boolean };

/** The restart policy, backoff and crash-loop rule for one exit. Pure. */
export function afterExit(
  spec: Pick<RuntimeSpec, 'restart' | 'startMs' | 'backoffInitialMs' | 'backoffMaxMs'>,
  exit: { bad: boolean; uptimeMs: number | undefined },
  failures: number,
): AfterExit {
  if (spec.restart === 'never' || (spec.restart === 'on-failure' && !exit.bad)) return { restart: false };
  // undefined uptime: the process never ran (spawn failed), which is a failed start.
  const failedStart = exit.uptimeMs === undefined || exit.uptimeMs < Math.max(spec.startMs, MIN_STABLE_MS);
  const next = failedStart ? failures + 1 : 0;
  const delayMs = failedStart ? backoffDelay(spec.backoffInitialMs, spec.backoffMaxMs, next) : 0;
  return { restart: true, delayMs, failures: next, crashLoop: next >= CRASH_LOOP_AFTER, failedStart };
}

/**
 * Stop escalation: the stop signal to the whole group, SIGKILL after the timeout; the rest of the
 * group (grandchildren) gets what is left of the timeout after the leader exits, then SIGKILL too.
 * graceful: false goes straight to SIGKILL. True when the leader's exit was seen.
 */
export async function escalateStop(
  host: Host,
  proc: Proc,
  signal: NodeJS.Signals,
  timeoutMs: number,
  graceful: boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  if (graceful) {
    groupKill(host, proc.pgid, signal);
    if (await waitOr(proc.exited, timeoutMs))
      await waitGroupGone(host, proc.pgid, Math.max(0, deadline - Date.now()));
  }
  groupKill(host, proc.pgid, 'SIGKILL');
  return waitOr(proc.exited, 10_000);
}

// One Pool's observation from inside: its status page (read on the status socket, so a saturated pool
// still answers), saturation from the listen queue and from `max children reached` growing since the
// last probe, slow requests from its slowlog, and capacity advice from its workers' measured memory.
// A saturated pool is not pinged: the ping would only wait in the queue it reports.
// See docs/decisions/0026-pools-seen-from-inside.md.
import { processMemory } from '../drivers/health/memory.js';
import { FULL_STATUS_MAX_CHILDREN, readFpmStatus, type FpmStatus } from '../drivers/php-fpm/fpm-status.js';
import { slowEntriesSince } from '../drivers/php-fpm/slowlog.js';
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/layout.js';
import type { Pool } from '../model/index.js';
import { slowlogPathOf, statusSocketPath } from '../render/php-pool.js';
import type { EventInput } from '../state/events.js';
import { assessPool, type HealthVerdict } from './assess.js';
import { adviseMaxChildren, perWorkerBytes, samplesOf, type Advice } from '../status/capacity.js';

/** The figures kept in the Pool's status `health.fpm` (workers' list left out: it only feeds advice). */
export type FpmFigures = Omit<FpmStatus, 'workers'> & {
  /** Connections waiting for a worker: php-fpm's figure, or the kernel's for a unix socket. */
  queued: number;
};

export interface PoolMemoryFacts {
  hostBytes: number;
  marginBytes: number;
  nginxBytes: number;
  /** Sum over every Pool of maxChildren × measured worker; this pool's own share is taken out. */
  allPoolsBytes: number;
}

export interface ObservePoolInput {
  pool: Pool;
  layout: Layout;
  host?: Host;
  /** The Pool's last `health` details. */
  previous: Record<string, unknown> | undefined;
  /** Connections in its socket's accept queue now (ss), when known. */
  kernelQueued?: number;
  memory?: PoolMemoryFacts;
}

export interface PoolObservation {
  verdict: HealthVerdict;
  events: EventInput[];
}

const STATUS_TIMEOUT_MS = 2_000;
/** At most this many slow requests become events per probe; the rest are counted in one. */
const SLOW_EVENTS_MAX = 10;

/** A pool's worst case in bytes, from its last status, for the other pools' reserve. */
export function worstCaseBytes(pool: Pool, health: Record<string, unknown> | undefined): number {
  const per = (health?.worker as { perWorkerBytes?: number } | undefined)?.perWorkerBytes;
  return typeof per === 'number' ? per * pool.spec.pm.maxChildren : 0;
}

/**
 * Whether a Pool under load needs a look this pass, whatever its probe age: connections wait in its
 * socket's queue, it was saturated (so its recovery is seen), all its workers were busy at the last
 * look, or its slowlog grew. Each is a number already at hand or one stat: no connect, no worker.
 */
export function underLoad(
  pool: Pool,
  health: Record<string, unknown> | undefined,
  kernelQueued: number | undefined,
  slowlogSize: number | undefined,
): boolean {
  if ((kernelQueued ?? 0) > 0) return true;
  if (health?.saturated === true) return true;
  const fpm = health?.fpm as FpmFigures | undefined;
  if (fpm && fpm.activeProcesses >= pool.spec.pm.maxChildren) return true;
  const offset = health?.slowlogOffset;
  return slowlogSize !== undefined && typeof offset === 'number' && slowlogSize !== offset;
}

export function saturationMessage(f: FpmFigures, grew: number, maxChildren: number): string {
  return (
    `saturated: ${f.queued} connection${f.queued === 1 ? '' : 's'} queued` +
    // php-fpm counts its queue's peak for TCP listeners only (TCP_INFO); for a unix socket it reads 0.
    (f.maxListenQueue > 0 ? ` (max ${f.maxListenQueue} since start)` : '') +
    ', ' +
    `${f.activeProcesses}/${maxChildren} workers active, max children reached ${f.maxChildrenReached}` +
    (grew > 0 ? ` (+${grew} since the last probe)` : '')
  );
}

export interface WorkerMeasure {
  perWorkerBytes: number;
  measured: number;
  source: 'pss' | 'rss';
}

/** The pool's worst worker, from /proc for each pid the full status page lists. */
export async function measureWorkers(host: Host, status: FpmStatus): Promise<WorkerMeasure | undefined> {
  if (!status.workers || status.workers.length === 0) return undefined;
  const measured = new Map<number, number>();
  let source: 'pss' | 'rss' = 'pss';
  for (const w of status.workers) {
    const m = await processMemory(host, w.pid);
    if (!m) continue;
    measured.set(w.pid, m.bytes);
    if (m.source === 'rss') source = 'rss';
  }
  const samples = samplesOf(status.workers, measured);
  const per = perWorkerBytes(samples);
  return per === undefined ? undefined : { perWorkerBytes: per, measured: samples.length, source };
}

async function adviceFor(
  input: ObservePoolInput,
  status: FpmStatus,
): Promise<{ worker?: WorkerMeasure; advice?: Advice }> {
  const { host, memory, pool } = input;
  if (!host) return {};
  const worker = await measureWorkers(host, status);
  if (!worker) return {};
  const { perWorkerBytes: per, source } = worker;
  if (!memory) return { worker };
  const own = per * pool.spec.pm.maxChildren;
  const previousOwn = worstCaseBytes(pool, input.previous);
  const advice = adviseMaxChildren({
    hostBytes: memory.hostBytes,
    marginBytes: memory.marginBytes,
    nginxBytes: memory.nginxBytes,
    otherPoolsBytes: Math.max(0, memory.allPoolsBytes - (previousOwn || own)),
    perWorkerBytes: per,
    workersMeasured: worker.measured,
    source,
    currentMaxChildren: pool.spec.pm.maxChildren,
  });
  return { worker, advice };
}

export async function observePool(input: ObservePoolInput): Promise<PoolObservation> {
  const { pool, layout, previous } = input;
  const key = `Pool/${pool.metadata.name}` as const;
  const maxChildren = pool.spec.pm.maxChildren;
  const events: EventInput[] = [];
  let status: FpmStatus;
  try {
    status = await readFpmStatus(
      { socketPath: statusSocketPath(pool, layout) },
      pool.spec.health.statusPath,
      maxChildren <= FULL_STATUS_MAX_CHILDREN,
      STATUS_TIMEOUT_MS,
    );
  } catch (err) {
    // No status (an older pool file, or the master is down): the ping decides, as before.
    const v = await assessPool(pool, layout);
    return { verdict: { ...v, details: { ...v.details, fpmError: (err as Error).message } }, events };
  }
  const { workers: _workers, ...figures } = status;
  const fpm: FpmFigures = { ...figures, queued: Math.max(status.listenQueue, input.kernelQueued ?? 0) };
  const prev = previous?.fpm as FpmFigures | undefined;
  // A restarted master starts its counters again: growth is only measured within one start.
  const sameStart = prev !== undefined && prev.startTime === fpm.startTime;
  const grew = sameStart ? Math.max(0, fpm.maxChildrenReached - prev.maxChildrenReached) : 0;
  const saturated = fpm.queued > 0 || grew > 0;
  const wasSaturated = previous?.saturated === true;
  const figuresLine = saturationMessage(fpm, grew, maxChildren);
  if (saturated && !wasSaturated)
    events.push({ key, type: 'Warning', reason: 'SaturationStarted', message: `${key}: ${figuresLine}` });
  if (!saturated && wasSaturated)
    events.push({
      key,
      type: 'Warning',
      reason: 'SaturationEnded',
      message: `${key}: no longer saturated: ${fpm.queued} queued, ${fpm.activeProcesses}/${maxChildren} workers active, max children reached ${fpm.maxChildrenReached}`,
    });

  // Slow requests: the entries written since the last probe, each with the top frame of its backtrace.
  let slowlogOffset = typeof previous?.slowlogOffset === 'number' ? previous.slowlogOffset : undefined;
  const slowlog = slowlogPathOf(pool, layout);
  if (slowlog && input.host) {
    const grewSlow = !sameStart || fpm.slowRequests > prev!.slowRequests;
    if (slowlogOffset === undefined || grewSlow) {
      const read = await slowEntriesSince(input.host, slowlog, slowlogOffset ?? Number.MAX_SAFE_INTEGER);
      // The first observation only sets the baseline (a log that "shrank" to here is read whole).
      const fresh = slowlogOffset === undefined ? [] : read.entries;
      for (const e of fresh.slice(0, SLOW_EVENTS_MAX))
        events.push({
          key,
          type: 'Warning',
          reason: 'SlowRequest',
          message: `${key}: slow request (pid ${e.pid}, ${e.at}): script ${e.script}, top frame ${e.topFrame}`,
        });
      if (fresh.length > SLOW_EVENTS_MAX)
        events.push({
          key,
          type: 'Warning',
          reason: 'SlowRequest',
          message: `${key}: ${fresh.length - SLOW_EVENTS_MAX} more slow requests in ${slowlog}`,
        });
      slowlogOffset = read.offset;
    }
  }

  const { worker, advice } = await adviceFor(input, status);
  const details: Record<string, unknown> = {
    ping: pool.spec.health.ping,
    statusPath: pool.spec.health.statusPath,
    fpm,
    saturated,
    ...(slowlogOffset !== undefined ? { slowlogOffset } : {}),
    ...(worker ? { worker } : {}),
    ...(advice ? { advice } : {}),
  };
  if (saturated) return { verdict: { ok: false, message: figuresLine, details }, events };
  const ping = await assessPool(pool, layout);
  return { verdict: { ...ping, details: { ...details, ...ping.details } }, events };
}

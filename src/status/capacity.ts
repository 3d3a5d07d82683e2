// Capacity advice for a Pool: how many workers (pm.max_children) fit in the host's memory, from
// what its workers were measured to use. Pure arithmetic over measured figures, so the status field
// and `tend advise` say the same thing. Advice only: it never changes a spec.
import type { FpmWorker } from '../drivers/php-fpm/fpm-status.js';

export interface WorkerSample {
  pid: number;
  /** PSS (or RSS) now. */
  bytes: number;
  /** The peak of its last request, from the status page (0 while one runs). */
  lastRequestMemory: number;
}

/**
 * A worker's worst case: its memory now, or an idle worker's footprint plus the peak of its last
 * request, whichever is larger (a worker measured between requests has freed its request memory,
 * but will need it again). The pool's figure is the largest: advice must fit the worst worker.
 */
export function perWorkerBytes(samples: readonly WorkerSample[]): number | undefined {
  if (samples.length === 0) return undefined;
  const idle = Math.min(...samples.map((s) => s.bytes));
  return Math.max(...samples.map((s) => Math.max(s.bytes, idle + s.lastRequestMemory)));
}

export function samplesOf(
  workers: readonly FpmWorker[],
  memory: ReadonlyMap<number, number>,
): WorkerSample[] {
  return workers
    .filter((w) => memory.has(w.pid))
    .map((w) => ({ pid: w.pid, bytes: memory.get(w.pid)!, lastRequestMemory: w.lastRequestMemory }));
}

export interface AdviceInput {
  hostBytes: number;
  /** The configurable margin kept free (kernel, page cache, tend itself). */
  marginBytes: number;
  nginxBytes: number;
  /** The worst case of every other Pool: its maxChildren × its measured worker. */
  otherPoolsBytes: number;
  perWorkerBytes: number;
  workersMeasured: number;
  source: 'pss' | 'rss';
  currentMaxChildren: number;
}

export interface Advice {
  maxChildren: number;
  current: number;
  perWorkerBytes: number;
  availableBytes: number;
  /** How the figure was computed, in one line an operator can check by hand. */
  basis: string;
}

/** php-fpm and tend's schema both cap pm.max_children. */
const MAX_CHILDREN = 1000;

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export function adviseMaxChildren(i: AdviceInput): Advice {
  const available = Math.max(0, i.hostBytes - i.marginBytes - i.nginxBytes - i.otherPoolsBytes);
  const fit = Math.floor(available / i.perWorkerBytes);
  const maxChildren = Math.min(MAX_CHILDREN, Math.max(1, fit));
  const basis =
    `(${mib(i.hostBytes)} host − ${mib(i.marginBytes)} margin − ${mib(i.nginxBytes)} nginx − ` +
    `${mib(i.otherPoolsBytes)} other pools' worst case) / ${mib(i.perWorkerBytes)} per worker ` +
    `(worst of ${i.workersMeasured} measured by ${i.source.toUpperCase()}, idle footprint + last request's peak) = ${fit}`;
  return {
    maxChildren,
    current: i.currentMaxChildren,
    perWorkerBytes: i.perWorkerBytes,
    availableBytes: available,
    basis,
  };
}

/** Default margin: 10 % of the host's memory, at least 256 MiB. */
export function defaultMarginBytes(hostBytes: number): number {
  return Math.max(256 * 2 ** 20, Math.round(hostBytes * 0.1));
}

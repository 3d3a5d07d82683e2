// The `tend_fpm_*` series: each Pool's own status-page figures (health.fpm, written by the last probe)
// on tend's /metrics registry, read from the status store at scrape time, so no scrape ever opens a
// socket and a deleted Pool leaves every series with its status. The only label is the pool's name.
// php-fpm's own counters (accepted connections, max children reached, slow requests) start again when
// its master restarts; they become Prometheus counters that only grow, by the growth seen per start.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FpmStatus } from '../drivers/php-fpm/fpm-status.js';

/** The figures one Pool's last probe read from its status page, and the queue tend judged. */
export type PoolFpmFigures = Omit<FpmStatus, 'maxActiveProcesses' | 'workers'> & {
  /** Connections waiting: php-fpm's figure or the kernel's for a unix socket, whichever is larger. */
  queued: number;
};

/** pool name → its last figures; Pools never read (no status page yet) are absent. */
export type FpmFiguresSource = () => ReadonlyMap<string, PoolFpmFigures>;

/** The Pools' figures in a list of statuses: `health.fpm` of each Pool that has one. */
export function fpmFiguresOf(
  statuses: readonly { kind: string; name: string; health?: Record<string, unknown> }[],
): Map<string, PoolFpmFigures> {
  const out = new Map<string, PoolFpmFigures>();
  for (const s of statuses) {
    if (s.kind !== 'Pool') continue;
    const fpm = s.health?.fpm as Partial<PoolFpmFigures> | undefined;
    if (fpm && typeof fpm.startTime === 'string' && typeof fpm.acceptedConn === 'number')
      out.set(s.name, fpm as PoolFpmFigures);
  }
  return out;
}

type GaugeField =
  'activeProcesses' | 'idleProcesses' | 'totalProcesses' | 'queued' | 'maxListenQueue' | 'listenQueueLen';
type CounterField = 'acceptedConn' | 'maxChildrenReached' | 'slowRequests';

const GAUGES: readonly [string, string, GaugeField][] = [
  [
    'tend_fpm_active_processes',
    'Workers of the pool serving a request, at its last probe.',
    'activeProcesses',
  ],
  ['tend_fpm_idle_processes', 'Idle workers of the pool, at its last probe.', 'idleProcesses'],
  ['tend_fpm_total_processes', 'All workers of the pool, at its last probe.', 'totalProcesses'],
  [
    'tend_fpm_listen_queue',
    'Connections waiting for a worker at the last probe (php-fpm figure, or the kernel accept queue for a unix socket).',
    'queued',
  ],
  [
    'tend_fpm_max_listen_queue',
    'Most connections php-fpm saw waiting since the pool started (TCP listeners only).',
    'maxListenQueue',
  ],
  ['tend_fpm_listen_queue_length', 'Size of the pool socket backlog.', 'listenQueueLen'],
];

const COUNTERS: readonly [string, string, CounterField][] = [
  [
    'tend_fpm_accepted_connections_total',
    'Connections the pool accepted, as seen by tend since it started.',
    'acceptedConn',
  ],
  [
    'tend_fpm_max_children_reached_total',
    'Times the pool hit pm.max_children, as seen by tend since it started.',
    'maxChildrenReached',
  ],
  [
    'tend_fpm_slow_requests_total',
    'Requests over request_slowlog_timeout, as seen by tend since it started.',
    'slowRequests',
  ],
];

export function registerFpmMetrics(registry: Registry, read: FpmFiguresSource): void {
  const registers = [registry];
  for (const [name, help, field] of GAUGES)
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const [pool, f] of read()) this.set({ pool }, f[field]);
      },
    });
  new Gauge({
    name: 'tend_fpm_start_time_seconds',
    help: 'When the pool master last started (unix seconds), from its status page.',
    labelNames: ['pool'],
    registers,
    collect() {
      this.reset();
      for (const [pool, f] of read()) {
        const at = Date.parse(f.startTime);
        if (Number.isFinite(at)) this.set({ pool }, Math.floor(at / 1000));
      }
    },
  });
  for (const [name, help, field] of COUNTERS) {
    // pool → the figure last counted and the start it belongs to.
    const seen = new Map<string, { start: string; value: number }>();
    new Counter({
      name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        const now = read();
        for (const [pool, f] of now) {
          const before = seen.get(pool);
          const value = f[field];
          // A new start (or a figure that fell) counts afresh from php-fpm's zero.
          const delta =
            before === undefined || before.start !== f.startTime || value < before.value
              ? value
              : value - before.value;
          this.inc({ pool }, Math.max(0, delta));
          seen.set(pool, { start: f.startTime, value });
        }
        for (const pool of [...seen.keys()])
          if (!now.has(pool)) {
            seen.delete(pool);
            this.remove({ pool });
          }
      },
    });
  }
}
